package chart

import (
	"html/template"
	"strings"
)

// defaultProgressHeight fits one line of text above a bar a finger wide.
const defaultProgressHeight = 52

// Progress renders a horizontal progress bar SVG for annual tier use: value of limit (e.g. 1870 of
// 2160 kWh in tier 1), with label written above the bar and the whole percentage used at the right,
// unless a long label leaves no room for it. A value over the limit fills the bar and no more; the
// fill then has class over and a darker colour, and the percentage (over 100%) and <desc> say by how
// much. A limit of 0 or less draws an empty bar. The SVG's title is o.Title, or label if that is
// empty; the default size is 280x52.
func Progress(value, limit int64, label string, o Options) template.HTML {
	w, h := size(o, defaultWidth, defaultProgressHeight, 100, 40)
	hs := newHasher("progress")
	hs.options(o)
	hs.integer(value)
	hs.integer(limit)
	hs.str(label)
	id := hs.id()
	title := o.Title
	if title == "" {
		title = label
	}
	if title == "" {
		title = o.words().untitled
	}
	v, l := clampValue(value), clampValue(limit)
	W, H := float64(w), float64(h)

	var b strings.Builder
	openSVG(&b, "chart chart-progress", id, w, h, title, progressDesc(value, limit, o.Unit, o.words()))
	b.WriteString(`<g font-size="` + itoa(fontSize) + `" fill="` + colorInk + `"><text x="0" y="16">` + esc(label) + "</text>")
	if l > 0 {
		pct := itoa(v*100/l) + "%" // rounded down: 2159 of 2160 is 99%, not yet full
		if textWidth(label, fontSize)+textWidth(pct, fontSize)+8 <= W {
			b.WriteString(`<text x="` + num(W) + `" y="16" text-anchor="end">` + pct + "</text>")
		}
	}
	b.WriteString("</g>\n")

	// Both rects are inset half a unit so the track's outline is not cut by the viewBox.
	y, bh, full := 24.5, H-24-2-1, W-1
	b.WriteString(`<rect class="track" x="0.5" y="` + num(y) + `" width="` + num(full) + `" height="` + num(bh) +
		`" rx="4" fill="` + colorLine + `" stroke="` + colorMuted + `"/>` + "\n")
	if v > 0 && l > 0 {
		class, color, fw := "fill", colorBrand, full
		if v > l {
			class, color = "fill over", colorOver
		} else {
			fw = max(full*float64(v)/float64(l), 1)
		}
		b.WriteString(`<rect class="` + class + `" x="0.5" y="` + num(y) + `" width="` + num(fw) + `" height="` + num(bh) +
			`" rx="4" fill="` + color + `"/>` + "\n")
	}
	b.WriteString("</svg>")
	return template.HTML(b.String())
}

// progressDesc says how much is used of the limit, in words.
func progressDesc(value, limit int64, unit string, wd words) string {
	if limit <= 0 {
		return strings.TrimSpace(wd.used + quantity(value, unit) + wd.stop)
	}
	s := wd.used + quantity(value, unit) + wd.limit + quantity(limit, unit) +
		wd.share + itoa(clampValue(value)*100/clampValue(limit)) + "%" + wd.stop
	if value > limit {
		s += wd.over + quantity(value-limit, unit) + wd.stop
	}
	return strings.TrimSpace(s)
}
