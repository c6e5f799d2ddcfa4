package chart

import (
	"html/template"
	"strings"
)

// Table renders the same data as Bars as an accessible HTML <table>, the chart's text alternative:
// the caption is o.Title, one row per category (the first series' labels) headed by its label, one
// column per series headed by its name and o.Unit, and numbers in cells of class num so the
// stylesheet can right-align them. A missing value is an empty cell; zeros are shown as 0. With no
// categories the body is one "no data" row.
func Table(series []Series, o Options) template.HTML {
	cats := categories(series)
	wd := o.words()
	title := o.Title
	if title == "" {
		title = wd.untitled
	}
	var b strings.Builder
	b.WriteString(`<table class="chart-table">` + "\n<caption>" + esc(title) + "</caption>\n<thead><tr><th scope=\"col\">" + wd.period + "</th>")
	for i, s := range series {
		head := seriesName(s, i, wd)
		switch {
		case s.Name == "" && len(series) == 1:
			head = o.Unit // a lone unnamed series is just "the value"
		case o.Unit != "":
			head += " (" + o.Unit + ")"
		}
		b.WriteString(`<th scope="col" class="num">` + esc(head) + "</th>")
	}
	b.WriteString("</tr></thead>\n<tbody>\n")
	if len(cats) == 0 {
		b.WriteString(`<tr><td colspan="` + itoa(int64(len(series)+1)) + `">` + wd.noData + "</td></tr>\n")
	}
	for i, c := range cats {
		b.WriteString(`<tr><th scope="row">` + esc(c) + "</th>")
		for _, s := range series {
			b.WriteString(`<td class="num">`)
			if i < len(s.Bars) {
				b.WriteString(itoa(s.Bars[i].Value))
			}
			b.WriteString("</td>")
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody>\n</table>")
	return template.HTML(b.String())
}
