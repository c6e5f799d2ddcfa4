package chart

import (
	"html/template"
	"math"
	"strings"
)

// Bars renders grouped vertical bars: one group per category (the first series' labels), one bar per
// series in each group (e.g. this year beside last year), a y axis with 3-5 round ticks (0, 100,
// 200...), category labels thinned so they never overlap (every k-th, counting back from the last so
// the latest month or day is always labelled), a legend when there is more than one series, and bars
// that are told apart without colour: series-0 solid, series-1 hatched and outlined, series-2 outlined
// only, then again in turn. Bars pair with categories by position; missing values (a series shorter
// than the categories) draw nothing, and negative values draw as zero. All-zero or empty data gives a
// valid chart with a "no data" text element. The <desc> gives each series' total, highest and lowest
// category in words, in Chinese, using o.Unit.
func Bars(series []Series, o Options) template.HTML {
	w, h := size(o, defaultWidth, defaultHeight, 160, 100)
	id := barsID(series, o)
	cats := categories(series)
	top := largest(series, len(cats))
	title := o.Title
	if title == "" {
		title = o.words().untitled
	}

	var b strings.Builder
	openSVG(&b, "chart chart-bars", id, w, h, title, barsDesc(series, cats, o.Unit, top, o.words()))
	if top == 0 {
		noData(&b, w, h, o.words())
		b.WriteString("</svg>")
		return template.HTML(b.String())
	}

	ticks := niceTicks(top)
	var tickW float64
	for _, t := range ticks {
		tickW = max(tickW, textWidth(itoa(t), fontSize))
	}
	W, H := float64(w), float64(h)
	left, right := math.Ceil(tickW)+8, W-6
	plotTop, bottom := 10.0, H-22
	if len(series) > 1 {
		plotTop += 22 // room for the legend
	}
	scale := (bottom - plotTop) / float64(ticks[len(ticks)-1])
	gw := (right - left) / float64(len(cats))

	if len(series) > 1 {
		// The hatch is the one pattern; its id carries the chart's id so charts do not share it.
		b.WriteString(`<defs><pattern id="` + id + `-h" width="4" height="4" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
			`<rect width="4" height="4" fill="#fff"/><path d="M2 0V4" stroke="` + colorHatch + `" stroke-width="2"/></pattern></defs>` + "\n")
		writeLegend(&b, series, id, left, o.words())
	}

	// Grid lines first so the bars sit on top of them; the zero line is the axis, drawn last.
	b.WriteString(`<path class="grid" stroke="` + colorLine + `" d="`)
	for _, t := range ticks[1:] {
		y := num(bottom - float64(t)*scale)
		b.WriteString("M" + num(left) + " " + y + "H" + num(right))
	}
	b.WriteString(`"/>` + "\n")
	b.WriteString(`<g class="y-ticks" font-size="` + itoa(fontSize) + `" fill="` + colorMuted + `" text-anchor="end">`)
	for _, t := range ticks {
		y := bottom - float64(t)*scale + 4.5 // baseline that centres the digits on the line
		b.WriteString(`<text x="` + num(left-4) + `" y="` + num(y) + `">` + itoa(t) + "</text>")
	}
	b.WriteString("</g>\n")

	pad := gw * 0.2
	bw := (gw - pad) / float64(len(series))
	for j, s := range series {
		b.WriteString(`<g class="series-` + itoa(int64(j)) + `"` + seriesAttrs(j, id) + ">")
		for i := 0; i < len(cats) && i < len(s.Bars); i++ {
			v := clampValue(s.Bars[i].Value)
			if v == 0 {
				continue
			}
			// At least 1 unit tall, so a small value never looks the same as zero.
			bh := max(float64(v)*scale, 1)
			x := left + float64(i)*gw + pad/2 + float64(j)*bw
			y := round1(bottom - bh)
			b.WriteString(`<rect x="` + num(x) + `" y="` + num(y) + `" width="` + num(bw) +
				`" height="` + num(round1(bottom)-y) + `"/>`)
		}
		b.WriteString("</g>\n")
	}

	b.WriteString(`<g class="x-labels" font-size="` + itoa(fontSize) + `" fill="` + colorMuted + `" text-anchor="middle">`)
	for _, p := range placeLabels(cats, left, gw, W) {
		b.WriteString(`<text x="` + num(p.x) + `" y="` + num(H-5) + `">` + esc(cats[p.i]) + "</text>")
	}
	b.WriteString("</g>\n")
	b.WriteString(`<path class="axis" stroke="` + colorMuted + `" d="M` + num(left) + " " + num(bottom) + "H" + num(right) + `"/>` + "\n")
	b.WriteString("</svg>")
	return template.HTML(b.String())
}

// round1 rounds v to one decimal place, as num prints it.
func round1(v float64) float64 { return math.Round(v*10) / 10 }

// barsID hashes everything Bars draws.
func barsID(series []Series, o Options) string {
	h := newHasher("bars")
	h.options(o)
	h.integer(int64(len(series)))
	for _, s := range series {
		h.str(s.Name)
		h.integer(int64(len(s.Bars)))
		for _, bar := range s.Bars {
			h.str(bar.Label)
			h.integer(bar.Value)
		}
	}
	return h.id()
}

// categories are the first series' labels.
func categories(series []Series) []string {
	if len(series) == 0 {
		return nil
	}
	cats := make([]string, len(series[0].Bars))
	for i, bar := range series[0].Bars {
		cats[i] = bar.Label
	}
	return cats
}

// largest is the largest drawable value among the first n of each series; 0 means nothing to draw.
func largest(series []Series, n int) int64 {
	var top int64
	for _, s := range series {
		for i := 0; i < n && i < len(s.Bars); i++ {
			top = max(top, clampValue(s.Bars[i].Value))
		}
	}
	return top
}

// seriesName is the series' name, or "系列 2" for an unnamed second series.
func seriesName(s Series, i int, wd words) string {
	if s.Name != "" {
		return s.Name
	}
	return wd.series + itoa(int64(i+1))
}

// seriesAttrs are the presentation attributes that set series i apart without relying on colour.
func seriesAttrs(i int, id string) string {
	switch i % 3 {
	case 0:
		return ` fill="` + colorBrand + `"`
	case 1:
		return ` fill="url(#` + id + `-h)" stroke="` + colorHatch + `"`
	default:
		return ` fill="#fff" stroke="` + colorInk + `" stroke-width="1.5"`
	}
}

// writeLegend writes one swatch and name per series in a row above the plot.
func writeLegend(b *strings.Builder, series []Series, id string, x float64, wd words) {
	b.WriteString(`<g class="legend" font-size="` + itoa(fontSize) + `" fill="` + colorInk + `">`)
	for i, s := range series {
		name := seriesName(s, i, wd)
		b.WriteString(`<rect class="series-` + itoa(int64(i)) + `"` + seriesAttrs(i, id) + ` x="` + num(x) +
			`" y="4" width="12" height="12"/><text x="` + num(x+17) + `" y="15">` + esc(name) + "</text>")
		x += 17 + textWidth(name, fontSize) + 14
	}
	b.WriteString("</g>\n")
}

// barsDesc summarises each series in words: total, highest and lowest category.
func barsDesc(series []Series, cats []string, unit string, top int64, wd words) string {
	if top == 0 {
		return wd.noData + strings.TrimSpace(wd.stop)
	}
	var b strings.Builder
	for i, s := range series {
		prefix := ""
		if s.Name != "" || len(series) > 1 {
			prefix = seriesName(s, i, wd) + wd.colon
		}
		var total int64
		hi, lo := -1, -1
		for j := 0; j < len(cats) && j < len(s.Bars); j++ {
			v := s.Bars[j].Value
			total += v
			if hi < 0 || v > s.Bars[hi].Value {
				hi = j
			}
			if lo < 0 || v < s.Bars[lo].Value {
				lo = j
			}
		}
		if hi < 0 {
			b.WriteString(prefix + wd.noData + wd.stop)
			continue
		}
		b.WriteString(prefix + wd.total + quantity(total, unit) +
			wd.highest + cats[hi] + wd.open + quantity(s.Bars[hi].Value, unit) + wd.close +
			wd.lowest + cats[lo] + wd.open + quantity(s.Bars[lo].Value, unit) + wd.close + wd.stop)
	}
	return strings.TrimSpace(b.String())
}

// niceTicks returns 3 to 5 evenly spaced y-axis ticks from 0, the last at or above top, with a step
// of 1, 2 or 5 times a power of ten: the smallest such step that needs no more than 5 ticks.
func niceTicks(top int64) []int64 {
	top = clampValue(top)
	for p := int64(1); ; p *= 10 {
		for _, m := range []int64{1, 2, 5} {
			step := m * p
			// At least two steps: a one-step axis (0 and top) says little.
			n := max((top+step-1)/step, 2)
			if n > 4 {
				continue
			}
			ticks := make([]int64, n+1)
			for i := range ticks {
				ticks[i] = int64(i) * step
			}
			return ticks
		}
	}
}

// placed is a category label chosen for drawing: its index, centre and estimated width.
type placed struct {
	i    int
	x, w float64
}

// labelGap is the least space between neighbouring category labels.
const labelGap = 4

// placeLabels picks the category labels to draw: every k-th, counting back from the last, with the
// smallest k for which no two neighbours overlap. Each label centres under its group, moved in from
// the edges of the viewBox if it would stick out.
func placeLabels(cats []string, left, gw, width float64) []placed {
	n := len(cats)
	var out []placed
	for k := 1; k <= n; k++ {
		out = out[:0]
		fits := true
		for i := (n - 1) % k; i < n; i += k {
			w := textWidth(cats[i], fontSize)
			x := left + (float64(i)+0.5)*gw
			x = max(x, w/2)
			x = min(x, width-w/2)
			if len(out) > 0 {
				prev := out[len(out)-1]
				if x-w/2 < prev.x+prev.w/2+labelGap {
					fits = false
					break
				}
			}
			out = append(out, placed{i: i, x: x, w: w})
		}
		if fits {
			return out
		}
	}
	return out
}
