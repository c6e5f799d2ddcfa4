package chart_test

import (
	"slices"
	"strings"
	"testing"

	"gridpay/portal/chart"
)

func TestTable(t *testing.T) {
	cases := []struct {
		name     string
		series   []chart.Series
		opts     chart.Options
		wantHead []string
		wantRows [][]string // row header then cells
	}{
		{
			"two series, the second shorter",
			[]chart.Series{bars("今年", spring, 100, 300, 0), bars("去年", spring, 80, 90)},
			chart.Options{Title: "春季用电量", Unit: "kWh"},
			[]string{"时间", "今年 (kWh)", "去年 (kWh)"},
			[][]string{{"3月", "100", "80"}, {"4月", "300", "90"}, {"5月", "0", ""}},
		},
		{
			"one unnamed series is headed by the unit",
			[]chart.Series{bars("", spring, 1, 2, 3)},
			chart.Options{Title: "春季用电量", Unit: "kWh"},
			[]string{"时间", "kWh"},
			[][]string{{"3月", "1"}, {"4月", "2"}, {"5月", "3"}},
		},
		{
			"no unit",
			[]chart.Series{bars("今年", spring[:1], 7)},
			chart.Options{Title: "春季用电量"},
			[]string{"时间", "今年"},
			[][]string{{"3月", "7"}},
		},
		{
			"no data",
			nil,
			chart.Options{Title: "春季用电量", Unit: "kWh"},
			[]string{"时间"},
			[][]string{{"暂无数据"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			table := parse(t, chart.Table(tc.series, tc.opts))
			if table.name != "table" {
				t.Fatalf("root is <%s>, want <table>", table.name)
			}
			if got := table.named("caption"); len(got) != 1 || got[0].text != tc.opts.Title {
				t.Errorf("caption = %q, want %q", texts(got), tc.opts.Title)
			}
			thead := table.named("thead")
			if len(thead) != 1 {
				t.Fatalf("%d <thead>, want 1", len(thead))
			}
			head := thead[0].named("tr")[0].kids
			if got := texts(head); !slices.Equal(got, tc.wantHead) {
				t.Errorf("header %q, want %q", got, tc.wantHead)
			}
			for _, th := range head[1:] {
				if th.name != "th" || th.attr["scope"] != "col" || !th.hasClass("num") {
					t.Errorf("series header %q is not <th scope=col class=num>", th.text)
				}
			}
			rows := table.named("tbody")[0].named("tr")
			if len(rows) != len(tc.wantRows) {
				t.Fatalf("%d rows, want %d", len(rows), len(tc.wantRows))
			}
			for i, row := range rows {
				if got := texts(row.kids); !slices.Equal(got, tc.wantRows[i]) {
					t.Errorf("row %d = %q, want %q", i, got, tc.wantRows[i])
				}
				if len(tc.series) == 0 {
					continue
				}
				if h := row.kids[0]; h.name != "th" || h.attr["scope"] != "row" {
					t.Errorf("row %d starts with <%s scope=%q>, want <th scope=row>", i, h.name, h.attr["scope"])
				}
				for _, td := range row.kids[1:] {
					if td.name != "td" || !td.hasClass("num") {
						t.Errorf("row %d: value cell <%s class=%q>, want <td class=num>", i, td.name, td.attr["class"])
					}
				}
			}
		})
	}
}

// TestEnglishWords: on an English page the chart's own words are English, in the SVG's description,
// its "no data" and the table's first column, so that no Chinese is read out as English.
func TestEnglishWords(t *testing.T) {
	en := chart.Options{Title: "Monthly use", Unit: "kWh", English: true}
	han := func(s string) bool {
		for _, r := range s {
			if r >= 0x3400 && r <= 0x9fff {
				return true
			}
		}
		return false
	}
	series := []chart.Series{{Name: "This year", Bars: []chart.Bar{{Label: "Oct", Value: 120}, {Label: "Nov", Value: 80}}}}
	for name, html := range map[string]string{
		"bars":          string(chart.Bars(series, en)),
		"bars, no data": string(chart.Bars(nil, en)),
		"progress":      string(chart.Progress(2480, 2160, "Tier 1", en)),
		"table":         string(chart.Table(series, en)),
		"empty table":   string(chart.Table(nil, en)),
	} {
		if han(html) {
			t.Errorf("%s in English has Chinese in it:\n%s", name, html)
		}
	}
	if html := string(chart.Bars(series, en)); !strings.Contains(html, "This year: total 200 kWh; highest Oct (120 kWh); lowest Nov (80 kWh).") {
		t.Errorf("English description:\n%s", html)
	}
	if html := string(chart.Progress(2480, 2160, "Tier 1", en)); !strings.Contains(html, "Used 2480 kWh of 2160 kWh, 114%. Over by 320 kWh.") {
		t.Errorf("English progress description:\n%s", html)
	}
}
