package chart_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"gridpay/portal/chart"
)

// bars builds one series from labels and values.
func bars(name string, labels []string, values ...int64) chart.Series {
	s := chart.Series{Name: name}
	for i, v := range values {
		s.Bars = append(s.Bars, chart.Bar{Label: labels[i], Value: v})
	}
	return s
}

var spring = []string{"3月", "4月", "5月"}

func TestBarsDesc(t *testing.T) {
	cases := []struct {
		name   string
		series []chart.Series
		unit   string
		want   string
	}{
		{
			"one unnamed series",
			[]chart.Series{bars("", spring, 100, 300, 50)},
			"kWh",
			"合计 450 kWh；最高 4月（300 kWh）；最低 5月（50 kWh）。",
		},
		{
			"two series, the second shorter",
			[]chart.Series{bars("今年", spring, 100, 300, 50), bars("去年", spring, 80, 90)},
			"kWh",
			"今年：合计 450 kWh；最高 4月（300 kWh）；最低 5月（50 kWh）。去年：合计 170 kWh；最高 4月（90 kWh）；最低 3月（80 kWh）。",
		},
		{
			"second series empty",
			[]chart.Series{bars("今年", spring, 100, 300, 50), {Name: "去年"}},
			"kWh",
			"今年：合计 450 kWh；最高 4月（300 kWh）；最低 5月（50 kWh）。去年：暂无数据。",
		},
		{
			"second series longer than the categories",
			[]chart.Series{bars("今年", spring[:2], 100, 300), bars("去年", spring, 80, 90, 1000)},
			"kWh",
			"今年：合计 400 kWh；最高 4月（300 kWh）；最低 3月（100 kWh）。去年：合计 170 kWh；最高 4月（90 kWh）；最低 3月（80 kWh）。",
		},
		{
			"ties name the first category",
			[]chart.Series{bars("", spring, 7, 7, 7)},
			"度",
			"合计 21 度；最高 3月（7 度）；最低 3月（7 度）。",
		},
		{
			"no unit",
			[]chart.Series{bars("", spring, 1, 2, 3)},
			"",
			"合计 6；最高 5月（3）；最低 3月（1）。",
		},
		{
			"unnamed series among several",
			[]chart.Series{bars("", spring, 1, 2, 3), bars("", spring, 3, 2, 1)},
			"kWh",
			"系列 1：合计 6 kWh；最高 5月（3 kWh）；最低 3月（1 kWh）。系列 2：合计 6 kWh；最高 3月（3 kWh）；最低 5月（1 kWh）。",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			svg := parse(t, chart.Bars(tc.series, chart.Options{Title: "t", Unit: tc.unit}))
			desc := svg.named("desc")
			if len(desc) != 1 {
				t.Fatalf("%d <desc> elements, want 1", len(desc))
			}
			if desc[0].text != tc.want {
				t.Errorf("desc = %q\nwant   %q", desc[0].text, tc.want)
			}
		})
	}
}

func TestBarsWithNoData(t *testing.T) {
	cases := []struct {
		name   string
		series []chart.Series
	}{
		{"nil", nil},
		{"one series without bars", []chart.Series{{Name: "今年"}}},
		{"all zero", []chart.Series{bars("今年", spring, 0, 0, 0)}},
		{"two series all zero", []chart.Series{bars("今年", spring, 0, 0, 0), bars("去年", spring, 0, 0)}},
		{"negative only", []chart.Series{bars("今年", spring, -5, 0, -1)}},
		{"no categories, second series has bars", []chart.Series{{Name: "今年"}, bars("去年", spring, 1, 2, 3)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			svg := parse(t, chart.Bars(tc.series, opts24))
			msg := svg.classed("no-data")
			if len(msg) != 1 || msg[0].name != "text" || msg[0].text == "" {
				t.Fatalf("want one non-empty <text class=\"no-data\">, got %d", len(msg))
			}
			if n := len(svg.named("rect")); n != 0 {
				t.Errorf("%d <rect> elements drawn for no data", n)
			}
			if got := svg.named("desc")[0].text; !strings.Contains(got, "暂无数据") {
				t.Errorf("desc = %q, want it to say there is no data", got)
			}
			if got := svg.named("title")[0].text; got != opts24.Title {
				t.Errorf("title = %q, want %q", got, opts24.Title)
			}
		})
	}
}

// seriesRects are the bars drawn for series i.
func seriesRects(svg *node, i int) []*node {
	var out []*node
	for _, g := range svg.named("g") {
		if g.hasClass("series-" + strconv.Itoa(i)) {
			out = append(out, g.named("rect")...)
		}
	}
	return out
}

func TestBarsDrawOnlyPresentValues(t *testing.T) {
	months := []string{"1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"}
	cases := []struct {
		name       string
		series     []chart.Series
		wantCounts []int
	}{
		{"full", []chart.Series{bars("今年", months, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)}, []int{12}},
		{
			"second series shorter, with a zero",
			[]chart.Series{bars("今年", months, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), bars("去年", months, 5, 0, 5, 5, 5)},
			[]int{12, 4},
		},
		{
			"second series longer than the categories",
			[]chart.Series{bars("今年", months[:3], 1, 2, 3), bars("去年", months, 1, 2, 3, 4, 5, 6)},
			[]int{3, 3},
		},
		{"negative drawn as nothing", []chart.Series{bars("今年", spring, 5, -3, 5)}, []int{2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			svg := parse(t, chart.Bars(tc.series, opts24))
			for i, want := range tc.wantCounts {
				if got := len(seriesRects(svg, i)); got != want {
					t.Errorf("series %d: %d bars, want %d", i, got, want)
				}
			}
		})
	}
}

func TestBarHeightsFollowValues(t *testing.T) {
	svg := parse(t, chart.Bars([]chart.Series{bars("", spring, 1000, 2000, 1)}, opts24))
	rects := seriesRects(svg, 0)
	if len(rects) != 3 {
		t.Fatalf("%d bars, want 3", len(rects))
	}
	h0, h1, h2 := attrFloat(t, rects[0], "height"), attrFloat(t, rects[1], "height"), attrFloat(t, rects[2], "height")
	if d := h1 - 2*h0; d < -0.2 || d > 0.2 {
		t.Errorf("heights %v and %v: a value twice as large should draw twice as tall", h0, h1)
	}
	if h2 < 1 {
		t.Errorf("a value of 1 draws %v tall; it must stay visible", h2)
	}
	// Every bar stands on the same baseline.
	for _, r := range rects {
		if b := attrFloat(t, r, "y") + attrFloat(t, r, "height"); b != attrFloat(t, rects[0], "y")+h0 {
			t.Errorf("bar ends at %v, others at %v", b, attrFloat(t, rects[0], "y")+h0)
		}
	}
}

func TestNiceTicks(t *testing.T) {
	cases := []struct {
		name string
		max  int64
		want []int64
	}{
		{"zero", 0, []int64{0, 1, 2}},
		{"one", 1, []int64{0, 1, 2}},
		{"seven", 7, []int64{0, 2, 4, 6, 8}},
		{"ninety-five", 95, []int64{0, 50, 100}},
		{"exactly a hundred", 100, []int64{0, 50, 100}},
		{"a year's tier", 1870, []int64{0, 500, 1000, 1500, 2000}},
		{"a factory", 123456, []int64{0, 50000, 100000, 150000}},
		{"absurd", 1 << 62, []int64{0, 500_000_000_000_000, 1_000_000_000_000_000}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := chart.NiceTicks(tc.max)
			if !slices.Equal(got, tc.want) {
				t.Errorf("NiceTicks(%d) = %v, want %v", tc.max, got, tc.want)
			}
		})
	}
}

func TestNiceTicksProperties(t *testing.T) {
	for _, top := range []int64{0, 1, 2, 3, 4, 5, 9, 10, 11, 19, 21, 49, 51, 99, 101, 250, 399, 401, 999, 1001, 2160, 4321, 99999, 123456, 9_999_999} {
		t.Run(strconv.FormatInt(top, 10), func(t *testing.T) {
			ticks := chart.NiceTicks(top)
			if n := len(ticks); n < 3 || n > 5 {
				t.Fatalf("ticks %v: %d of them, want 3 to 5", ticks, n)
			}
			if ticks[0] != 0 {
				t.Errorf("ticks %v do not start at 0", ticks)
			}
			step := ticks[1]
			for i, v := range ticks {
				if v != int64(i)*step {
					t.Errorf("ticks %v are not evenly spaced", ticks)
					break
				}
			}
			if !isRound(step) {
				t.Errorf("step %d is not 1, 2 or 5 times a power of ten", step)
			}
			if last := ticks[len(ticks)-1]; last < top {
				t.Errorf("top tick %d is below the maximum %d", last, top)
			}
			// Not needlessly tall: dropping the top tick would leave top uncovered, unless the axis is
			// already at its least of two steps.
			if len(ticks) > 3 && ticks[len(ticks)-2] >= top {
				t.Errorf("ticks %v: one fewer would still cover %d", ticks, top)
			}
		})
	}
}

// isRound reports whether v is 1, 2 or 5 times a power of ten.
func isRound(v int64) bool {
	for v >= 10 && v%10 == 0 {
		v /= 10
	}
	return v == 1 || v == 2 || v == 5
}

func TestTicksAreDrawn(t *testing.T) {
	svg := parse(t, chart.Bars([]chart.Series{bars("", spring, 1200, 1870, 900)}, opts24))
	var labels []string
	for _, g := range svg.classed("y-ticks") {
		labels = append(labels, texts(g.named("text"))...)
	}
	want := []string{"0", "500", "1000", "1500", "2000"}
	if !slices.Equal(labels, want) {
		t.Errorf("y-axis labels %v, want %v", labels, want)
	}
}

// estWidth is a deliberately independent, lean estimate of a label's width at font size 13: a full
// em for CJK, 0.55em for ASCII (digits in common sans fonts).
func estWidth(s string) float64 {
	var em float64
	for _, r := range s {
		if r >= 0x1100 {
			em++
		} else {
			em += 0.55
		}
	}
	return em * 13
}

func TestCategoryLabelsAreThinned(t *testing.T) {
	days := func(n int) []string {
		var out []string
		for i := range n {
			out = append(out, strconv.Itoa(i+1))
		}
		return out
	}
	months := func(n int, format func(i int) string) []string {
		var out []string
		for i := range n {
			out = append(out, format(i))
		}
		return out
	}
	short := func(i int) string { return strconv.Itoa((i+3)%12+1) + "月" }
	long := func(i int) string { return strconv.Itoa(2024+(i+3)/12) + "年" + strconv.Itoa((i+3)%12+1) + "月" }
	english := func(i int) string {
		return []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}[(i+3)%12] + strconv.Itoa(24+(i+3)/12)
	}
	cases := []struct {
		name     string
		labels   []string
		series   int
		width    int
		wantStep int // every wantStep-th label is drawn
	}{
		{"one category", days(1), 1, 0, 1},
		{"a week", days(7), 1, 0, 1},
		{"30 days", days(30), 1, 0, 3},
		{"31 days", days(31), 1, 0, 3},
		{"30 days on a wide screen", days(30), 1, 720, 2},
		{"12 months", months(12, short), 2, 0, 2},
		{"24 months", months(24, short), 2, 0, 4},
		{"24 months with years", months(24, long), 2, 0, 11},
		{"24 months in English", months(24, english), 2, 0, 7},
		{"a year of days", days(365), 1, 0, 61},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var series []chart.Series
			for s := range tc.series {
				vals := make([]int64, len(tc.labels))
				for i := range vals {
					vals[i] = int64(100 + i*s)
				}
				series = append(series, bars("s"+strconv.Itoa(s), tc.labels, vals...))
			}
			svg := parse(t, chart.Bars(series, chart.Options{Title: "t", Width: tc.width}))
			var drawn []*node
			for _, g := range svg.classed("x-labels") {
				drawn = append(drawn, g.named("text")...)
			}
			// Month labels repeat after a year, so match each drawn label to the next category with
			// its text.
			var idx []int
			next := 0
			for _, d := range drawn {
				i := slices.Index(tc.labels[next:], d.text)
				if i < 0 {
					t.Fatalf("drawn label %q is not a category, or is out of order", d.text)
				}
				idx = append(idx, next+i)
				next += i + 1
			}
			if len(idx) == 0 || idx[len(idx)-1] != len(tc.labels)-1 {
				t.Fatalf("labels drawn at %v; the last category must be labelled", idx)
			}
			want := (len(tc.labels)-1)/tc.wantStep + 1
			if len(idx) != want {
				t.Errorf("%d labels drawn (%v), want %d, every %d", len(idx), texts(drawn), want, tc.wantStep)
			}
			for k := 1; k < len(idx); k++ {
				if idx[k]-idx[k-1] != tc.wantStep {
					t.Errorf("labels drawn at %v, want every %d", idx, tc.wantStep)
					break
				}
			}
			vb := float64(tc.width)
			if vb == 0 {
				vb = 360
			}
			for k, d := range drawn {
				x, w := attrFloat(t, d, "x"), estWidth(d.text)
				if x-w/2 < 0 || x+w/2 > vb {
					t.Errorf("label %q at %v sticks out of the viewBox", d.text, x)
				}
				if k == 0 {
					continue
				}
				prev := drawn[k-1]
				px, pw := attrFloat(t, prev, "x"), estWidth(prev.text)
				if gap := (x - w/2) - (px + pw/2); gap < 2 {
					t.Errorf("labels %q and %q are %.1f apart; they would touch or overlap", prev.text, d.text, gap)
				}
			}
		})
	}
}

func TestSeriesAreDistinguishableWithoutColour(t *testing.T) {
	t.Run("two series", func(t *testing.T) {
		svg := parse(t, chart.Bars(months24(), opts24))
		fill := func(class string) (string, string) {
			for _, g := range svg.named("g") {
				if g.hasClass(class) {
					return g.attr["fill"], g.attr["stroke"]
				}
			}
			t.Fatalf("no <g class=%q>", class)
			return "", ""
		}
		fill0, _ := fill("series-0")
		fill1, stroke1 := fill("series-1")
		if strings.HasPrefix(fill0, "url(") {
			t.Errorf("series-0 fill = %q, want solid", fill0)
		}
		ref, ok := strings.CutPrefix(fill1, "url(#")
		ref, ok2 := strings.CutSuffix(ref, ")")
		if !ok || !ok2 {
			t.Fatalf("series-1 fill = %q, want a hatch pattern", fill1)
		}
		patterns := svg.all(func(n *node) bool { return n.name == "pattern" && n.attr["id"] == ref })
		if len(patterns) != 1 {
			t.Errorf("series-1 fill refers to #%s, which is not a <pattern> in this SVG", ref)
		}
		if stroke1 == "" {
			t.Error("series-1 has no outline")
		}
		legend := svg.classed("legend")
		if len(legend) != 1 {
			t.Fatalf("%d legends, want 1", len(legend))
		}
		if got := texts(legend[0].named("text")); !slices.Equal(got, []string{"今年", "去年"}) {
			t.Errorf("legend names %v, want [今年 去年]", got)
		}
		swatches := legend[0].named("rect")
		if len(swatches) != 2 || !swatches[0].hasClass("series-0") || !swatches[1].hasClass("series-1") ||
			swatches[1].attr["fill"] != fill1 {
			t.Errorf("legend swatches do not match the series' bars")
		}
	})
	t.Run("one series has no legend", func(t *testing.T) {
		svg := parse(t, chart.Bars(days30(), opts30))
		if n := len(svg.classed("legend")); n != 0 {
			t.Errorf("%d legends for one series, want none", n)
		}
		if n := len(svg.named("pattern")); n != 0 {
			t.Errorf("%d patterns for one series, want none", n)
		}
	})
}
