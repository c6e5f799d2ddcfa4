// Package chart draws small server-rendered SVG charts for the portal's phone pages, each with a text
// alternative: a <title> and <desc> inside the SVG, and the same data as an HTML table.
//
// The output is a template.HTML fragment written by hand, with every piece of caller text escaped.
// It uses SVG presentation attributes (fill, stroke, font-size) and class names only, never style
// attributes or <style> elements, so it renders under the portal's CSP (style-src 'self') and looks
// right before any stylesheet loads. The classes are hooks for app.css: chart, chart-bars,
// chart-progress, series-0, series-1..., legend, y-ticks, x-labels, no-data, track, fill, over; and
// on the table chart-table and num (the stylesheet should give .num text-align: right).
//
// Ids inside an SVG come from a hash of the input, so output is deterministic and two different
// charts on one page do not clash. The same chart drawn twice on one page would repeat its ids.
package chart

import (
	"encoding/binary"
	"hash"
	"hash/fnv"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Bar is one labelled value.
type Bar struct {
	Label string // e.g. "3月" or "Mar", or "15" for a day
	Value int64  // kWh
}

// Series is a named set of bars sharing the chart's categories (e.g. "今年" this year, "去年" last year).
type Series struct {
	Name string
	Bars []Bar
}

// Options are a chart's title, unit and size.
type Options struct {
	Title         string // used for <title> (the chart's accessible name) and the table caption, e.g. "近24个月用电量 (kWh)"
	Unit          string // e.g. "kWh"
	Width, Height int    // viewBox size; defaults 280x220 (phone), Progress defaults to 280x52
	// English writes the chart's own words (its description, "no data", the table's first column)
	// in English; else in Chinese. Titles, units and labels are the caller's, already in the page's
	// language.
	English bool
}

// words are the few words a chart writes itself.
type words struct {
	untitled, noData, series, period                 string
	colon, total, highest, lowest, open, close, stop string
	used, limit, share, over                         string
}

var (
	zhWords = words{untitled: "图表", noData: "暂无数据", series: "系列 ", period: "时间",
		colon: "：", total: "合计 ", highest: "；最高 ", lowest: "；最低 ", open: "（", close: "）", stop: "。",
		used: "已用 ", limit: "，上限 ", share: "，占 ", over: "超出 "}
	enWords = words{untitled: "Chart", noData: "No data", series: "Series ", period: "Period",
		colon: ": ", total: "total ", highest: "; highest ", lowest: "; lowest ", open: " (", close: ")", stop: ". ",
		used: "Used ", limit: " of ", share: ", ", over: "Over by "}
)

// words returns the chart's own words in o's language.
func (o Options) words() words {
	if o.English {
		return enWords
	}
	return zhWords
}

const (
	// A 280-wide viewBox with 15-unit labels shows them at 14 px or more on a 320 px phone (content
	// about 273 px wide) and larger on wider screens.
	defaultWidth  = 280
	defaultHeight = 220
	fontSize      = 15
	// maxValue caps values when drawing so tick and coordinate arithmetic cannot overflow; no meter
	// reads a petawatt-hour.
	maxValue = 1_000_000_000_000_000

	colorInk   = "#1d2733"
	colorMuted = "#5b6675"
	colorLine  = "#dde3ea"
	colorBrand = "#0b6e4f"
	colorHatch = "#9a4d00"
	colorOver  = "#b3261e"
)

// size returns the viewBox size from o, with defaults for zero values and a floor so the layout
// arithmetic never goes negative.
func size(o Options, defW, defH, minW, minH int) (w, h int) {
	w, h = o.Width, o.Height
	if w <= 0 {
		w = defW
	}
	if h <= 0 {
		h = defH
	}
	return max(w, minW), max(h, minH)
}

// esc escapes s for HTML and XML text and attribute values. Invalid UTF-8 and control characters,
// which XML forbids, become U+FFFD.
func esc(s string) string {
	s = strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f {
			return '\uFFFD'
		}
		return r
	}, s)
	return template.HTMLEscapeString(s)
}

// num formats a coordinate with at most one decimal place: 12, 12.5, -3.2.
func num(v float64) string {
	t := int64(math.Round(v * 10))
	sign := ""
	if t < 0 {
		sign, t = "-", -t
	}
	s := sign + strconv.FormatInt(t/10, 10)
	if d := t % 10; d != 0 {
		s += "." + strconv.FormatInt(d, 10)
	}
	return s
}

// itoa formats an integer value for text.
func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// clampValue limits v to [0, maxValue] for drawing.
func clampValue(v int64) int64 { return min(max(v, 0), maxValue) }

// textWidth estimates the rendered width of s at size fs, generously, since SVG text cannot be
// measured on the server: CJK and other wide characters take a full em, capitals 0.75em, the rest
// 0.62em.
func textWidth(s string, fs float64) float64 {
	var em float64
	for _, r := range s {
		switch {
		case r >= 0x1100:
			em += 1
		case r >= 'A' && r <= 'Z':
			em += 0.75
		default:
			em += 0.62
		}
	}
	return em * fs
}

// quantity is a value with the unit, if any: "1870 kWh".
func quantity(v int64, unit string) string {
	if unit == "" {
		return itoa(v)
	}
	return itoa(v) + " " + unit
}

// hasher builds a chart id from its input; every field is length-prefixed so different inputs do
// not run together into the same bytes.
type hasher struct{ h hash.Hash64 }

func newHasher(kind string) *hasher {
	h := &hasher{h: fnv.New64a()}
	h.str(kind)
	return h
}

func (h *hasher) integer(v int64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(v))
	h.h.Write(b[:])
}

func (h *hasher) str(s string) {
	h.integer(int64(len(s)))
	h.h.Write([]byte(s))
}

func (h *hasher) options(o Options) {
	h.str(o.Title)
	h.str(o.Unit)
	h.integer(int64(o.Width))
	h.integer(int64(o.Height))
	if o.English {
		h.str("en")
	}
}

// id is the chart's id prefix: "c" and 12 hex digits.
func (h *hasher) id() string {
	s := strconv.FormatUint(h.h.Sum64()&(1<<48-1), 16)
	return "c" + strings.Repeat("0", 12-len(s)) + s
}

// openSVG writes the <svg> element with its accessible name and description. The SVG scales to
// its container's width; the viewBox fixes the aspect ratio.
func openSVG(b *strings.Builder, class, id string, w, h int, title, desc string) {
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" class="` + class + `" viewBox="0 0 ` +
		strconv.Itoa(w) + " " + strconv.Itoa(h) + `" width="100%" role="img" aria-labelledby="` +
		id + "-t " + id + `-d">` + "\n")
	b.WriteString(`<title id="` + id + `-t">` + esc(title) + "</title>\n")
	b.WriteString(`<desc id="` + id + `-d">` + esc(desc) + "</desc>\n")
}

// noData writes the message shown in place of a chart with nothing to draw.
func noData(b *strings.Builder, w, h int, wd words) {
	b.WriteString(`<text class="no-data" x="` + num(float64(w)/2) + `" y="` + num(float64(h)/2) +
		`" text-anchor="middle" font-size="16" fill="` + colorMuted + `">` + wd.noData + "</text>\n")
}
