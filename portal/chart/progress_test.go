package chart_test

import (
	"testing"

	"gridpay/portal/chart"
)

func TestProgress(t *testing.T) {
	cases := []struct {
		name         string
		value, limit int64
		label        string
		wantFill     float64 // width of the fill; 0 for none
		wantOver     bool
		wantPercent  string // "" for none
		wantDesc     string
	}{
		{"in tier", 1870, 2160, "第一档", 241.5, false, "86%", "已用 1870 kWh，上限 2160 kWh，占 86%。"},
		{"exactly full", 2160, 2160, "第一档", 279, false, "100%", "已用 2160 kWh，上限 2160 kWh，占 100%。"},
		{"just short of full", 2159, 2160, "第一档", 278.9, false, "99%", "已用 2159 kWh，上限 2160 kWh，占 99%。"},
		{"over the limit is capped", 2480, 2160, "第一档", 279, true, "114%", "已用 2480 kWh，上限 2160 kWh，占 114%。超出 320 kWh。"},
		{"nothing used", 0, 2160, "第一档", 0, false, "0%", "已用 0 kWh，上限 2160 kWh，占 0%。"},
		{"a sliver stays visible", 1, 100000, "第一档", 1, false, "0%", "已用 1 kWh，上限 100000 kWh，占 0%。"},
		{"no limit", 50, 0, "第一档", 0, false, "", "已用 50 kWh。"},
		{"long label leaves no room for the percentage", 1870, 2160, "第一档年度阶梯电量已用一千八百七十度，上限二千一百六十度", 241.5, false, "", "已用 1870 kWh，上限 2160 kWh，占 86%。"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			svg := parse(t, chart.Progress(tc.value, tc.limit, tc.label, optsP))
			if n := len(svg.classed("track")); n != 1 {
				t.Errorf("%d tracks, want 1", n)
			}
			fills := svg.classed("fill")
			switch {
			case tc.wantFill == 0 && len(fills) != 0:
				t.Errorf("%d fills, want none", len(fills))
			case tc.wantFill != 0 && len(fills) != 1:
				t.Errorf("%d fills, want 1", len(fills))
			case tc.wantFill != 0:
				if got := attrFloat(t, fills[0], "width"); got != tc.wantFill {
					t.Errorf("fill width = %v, want %v", got, tc.wantFill)
				}
				if got := fills[0].hasClass("over"); got != tc.wantOver {
					t.Errorf("fill has class over = %v, want %v", got, tc.wantOver)
				}
			}
			var drawn []string
			for _, n := range svg.named("text") {
				drawn = append(drawn, n.text)
			}
			wantTexts := []string{tc.label}
			if tc.wantPercent != "" {
				wantTexts = append(wantTexts, tc.wantPercent)
			}
			if len(drawn) != len(wantTexts) || drawn[0] != wantTexts[0] || drawn[len(drawn)-1] != wantTexts[len(wantTexts)-1] {
				t.Errorf("texts %q, want %q", drawn, wantTexts)
			}
			if got := svg.named("desc")[0].text; got != tc.wantDesc {
				t.Errorf("desc = %q, want %q", got, tc.wantDesc)
			}
			if got := svg.named("title")[0].text; got != optsP.Title {
				t.Errorf("title = %q, want %q", got, optsP.Title)
			}
		})
	}
}

func TestProgressTitleFallsBackToLabel(t *testing.T) {
	svg := parse(t, chart.Progress(1870, 2160, "第一档", chart.Options{Unit: "kWh"}))
	if got := svg.named("title")[0].text; got != "第一档" {
		t.Errorf("title = %q, want the label", got)
	}
}
