package chart_test

import (
	"encoding/xml"
	"errors"
	"flag"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gridpay/portal/chart"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// months24 is two years of monthly use from April 2024 to March 2026, with the same months a year
// earlier as the second series.
func months24() []chart.Series {
	season := []int64{310, 280, 240, 200, 220, 360, 480, 520, 390, 260, 240, 300} // Jan..Dec
	thisYear := chart.Series{Name: "今年"}
	lastYear := chart.Series{Name: "去年"}
	for i := range 24 {
		m := (3 + i) % 12 // April first
		label := strconv.Itoa(m+1) + "月"
		thisYear.Bars = append(thisYear.Bars, chart.Bar{Label: label, Value: season[m] + int64(i)*3})
		lastYear.Bars = append(lastYear.Bars, chart.Bar{Label: label, Value: season[m]*9/10 + int64(i)})
	}
	return []chart.Series{thisYear, lastYear}
}

// days30 is one month of daily use.
func days30() []chart.Series {
	s := chart.Series{Name: "日用电量"}
	for i := range 30 {
		s.Bars = append(s.Bars, chart.Bar{Label: strconv.Itoa(i + 1), Value: 8 + int64(i*7%11)})
	}
	return []chart.Series{s}
}

var (
	opts24 = chart.Options{Title: "近24个月用电量 (kWh)", Unit: "kWh"}
	opts30 = chart.Options{Title: "本月每日用电量 (kWh)", Unit: "kWh"}
	optsP  = chart.Options{Title: "年度阶梯用电", Unit: "kWh"}
)

// checkGolden compares got with testdata/file, or rewrites the file under -update.
func checkGolden(t *testing.T, file string, got template.HTML) {
	t.Helper()
	path := filepath.Join("testdata", file)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (go test ./portal/chart/ -update writes it): %v", err)
	}
	if string(got) != string(want) {
		t.Errorf("output differs from %s; if the change is intended, run go test ./portal/chart/ -update and review the diff\ngot:\n%s", path, got)
	}
}

// node is one element of parsed output.
type node struct {
	name string
	attr map[string]string
	text string // character data directly inside the element
	kids []*node
}

// parse reads output as XML, which fails the test unless it is well-formed with one root element.
func parse(t *testing.T, s template.HTML) *node {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(string(s)))
	var root *node
	var stack []*node
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("output is not well-formed: %v\n%s", err, s)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{name: tok.Name.Local, attr: map[string]string{}}
			for _, a := range tok.Attr {
				n.attr[a.Name.Local] = a.Value
			}
			switch {
			case len(stack) > 0:
				parent := stack[len(stack)-1]
				parent.kids = append(parent.kids, n)
			case root == nil:
				root = n
			default:
				t.Fatalf("output has more than one root element:\n%s", s)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(tok)
			} else if strings.TrimSpace(string(tok)) != "" {
				t.Fatalf("text outside the root element:\n%s", s)
			}
		}
	}
	if root == nil {
		t.Fatalf("output has no element: %q", s)
	}
	return root
}

// all returns n and its descendants that match, depth first.
func (n *node) all(match func(*node) bool) []*node {
	var out []*node
	if match(n) {
		out = append(out, n)
	}
	for _, k := range n.kids {
		out = append(out, k.all(match)...)
	}
	return out
}

// named returns the elements called name under n.
func (n *node) named(name string) []*node {
	return n.all(func(m *node) bool { return m.name == name })
}

// hasClass reports whether n's class attribute lists c.
func (n *node) hasClass(c string) bool {
	for _, f := range strings.Fields(n.attr["class"]) {
		if f == c {
			return true
		}
	}
	return false
}

// classed returns the elements under n with class c.
func (n *node) classed(c string) []*node {
	return n.all(func(m *node) bool { return m.hasClass(c) })
}

// texts are the text contents of ns.
func texts(ns []*node) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.text
	}
	return out
}

// attrFloat reads a numeric attribute, failing the test if it is missing or not a number.
func attrFloat(t *testing.T, n *node, name string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(n.attr[name], 64)
	if err != nil {
		t.Fatalf("<%s %s=%q>: %v", n.name, name, n.attr[name], err)
	}
	return v
}

// allOutputs is a spread of charts for the checks every output must pass.
func allOutputs() map[string]template.HTML {
	odd := chart.Options{Title: "odd size", Unit: "kWh", Width: 333, Height: 211}
	return map[string]template.HTML{
		"bars 24 months":    chart.Bars(months24(), opts24),
		"bars 30 days":      chart.Bars(days30(), opts30),
		"bars odd size":     chart.Bars(months24(), odd),
		"bars 30 days odd":  chart.Bars(days30(), odd),
		"bars three series": chart.Bars(append(months24(), chart.Series{Name: "前年", Bars: days30()[0].Bars[:24]}), opts24),
		"bars empty":        chart.Bars(nil, opts24),
		"progress":          chart.Progress(1870, 2160, "第一档 1870 / 2160 kWh", optsP),
		"progress odd":      chart.Progress(7, 3, "超出", odd),
		"progress odd 2":    chart.Progress(1, 3, "三分之一", odd),
	}
}

func TestGolden(t *testing.T) {
	cases := []struct {
		name, file string
		out        template.HTML
	}{
		{"24 months two series", "bars_24_months.golden.svg", chart.Bars(months24(), opts24)},
		{"30 days one series", "bars_30_days.golden.svg", chart.Bars(days30(), opts30)},
		{"progress in tier", "progress.golden.svg", chart.Progress(1870, 2160, "第一档 1870 / 2160 kWh", optsP)},
		{"progress over tier", "progress_over.golden.svg", chart.Progress(2480, 2160, "第一档 2480 / 2160 kWh", optsP)},
		{"table 24 months", "table_24_months.golden.html", chart.Table(months24(), opts24)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			parse(t, tc.out)
			checkGolden(t, tc.file, tc.out)
		})
	}
}

func TestSVGIsAccessible(t *testing.T) {
	cases := []struct {
		name    string
		out     template.HTML
		viewBox string
	}{
		{"bars default size", chart.Bars(months24(), opts24), "0 0 280 220"},
		{"bars given size", chart.Bars(days30(), chart.Options{Title: "t", Width: 400, Height: 300}), "0 0 400 300"},
		{"bars no data", chart.Bars(nil, opts24), "0 0 280 220"},
		{"bars untitled", chart.Bars(days30(), chart.Options{}), "0 0 280 220"},
		{"progress default size", chart.Progress(1870, 2160, "第一档", optsP), "0 0 280 52"},
		{"progress untitled", chart.Progress(1870, 2160, "第一档", chart.Options{}), "0 0 280 52"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			svg := parse(t, tc.out)
			if svg.name != "svg" {
				t.Fatalf("root is <%s>, want <svg>", svg.name)
			}
			if got := svg.attr["role"]; got != "img" {
				t.Errorf("role = %q, want img", got)
			}
			if got := svg.attr["viewBox"]; got != tc.viewBox {
				t.Errorf("viewBox = %q, want %q", got, tc.viewBox)
			}
			if got := svg.attr["width"]; got != "100%" {
				t.Errorf("width = %q, want 100%%", got)
			}
			if h, ok := svg.attr["height"]; ok {
				t.Errorf("height = %q; a fixed height stops the chart scaling on a phone", h)
			}
			ids := strings.Fields(svg.attr["aria-labelledby"])
			if len(ids) != 2 {
				t.Fatalf("aria-labelledby = %q, want the title's and the desc's ids", svg.attr["aria-labelledby"])
			}
			for i, want := range []string{"title", "desc"} {
				var found *node
				for _, k := range svg.kids {
					if k.attr["id"] == ids[i] {
						found = k
					}
				}
				if found == nil || found.name != want {
					t.Errorf("aria-labelledby id %q does not name a <%s> child of <svg>", ids[i], want)
					continue
				}
				if strings.TrimSpace(found.text) == "" {
					t.Errorf("<%s> is empty", want)
				}
			}
		})
	}
}

func TestOutputIsCSPSafe(t *testing.T) {
	outs := allOutputs()
	outs["table"] = chart.Table(months24(), opts24)
	outs["table empty"] = chart.Table(nil, opts24)
	for name, out := range outs {
		t.Run(name, func(t *testing.T) {
			root := parse(t, out)
			for _, n := range root.all(func(*node) bool { return true }) {
				if n.name == "style" || n.name == "script" {
					t.Errorf("<%s> element; the CSP blocks it", n.name)
				}
				for a := range n.attr {
					if a == "style" || strings.HasPrefix(a, "on") {
						t.Errorf("<%s %s=...>; the CSP blocks inline styles and handlers", n.name, a)
					}
				}
			}
			if strings.Contains(string(out), "javascript:") {
				t.Error("output contains javascript:")
			}
		})
	}
}

// twoDecimals finds a number with more than one decimal place.
var twoDecimals = regexp.MustCompile(`[0-9]\.[0-9]{2}`)

func TestCoordinatesHaveOneDecimal(t *testing.T) {
	for name, out := range allOutputs() {
		t.Run(name, func(t *testing.T) {
			if m := twoDecimals.FindString(string(out)); m != "" {
				t.Errorf("output has %q, more than one decimal place:\n%s", m, out)
			}
			root := parse(t, out)
			for _, n := range root.all(func(*node) bool { return true }) {
				for _, a := range []string{"x", "y", "width", "height"} {
					if _, ok := n.attr[a]; ok && !(n.name == "svg" && a == "width") {
						attrFloat(t, n, a)
					}
				}
			}
		})
	}
}

func TestSizeLimit(t *testing.T) {
	big := months24()
	for i := range big {
		big[i].Name += "（用电量）"
		for j := range big[i].Bars {
			big[i].Bars[j].Value *= 1000 // 6-digit values, the longest tick labels a house could need
		}
	}
	cases := []struct {
		name string
		out  template.HTML
	}{
		{"24 months two series", chart.Bars(months24(), opts24)},
		{"24 months two series, long values and names", chart.Bars(big, opts24)},
	}
	const limit = 8 << 10
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if n := len(tc.out); n >= limit {
				t.Errorf("chart is %d bytes, want under %d", n, limit)
			}
		})
	}
}

// ids are the values of every id attribute in out.
func ids(t *testing.T, out template.HTML) []string {
	t.Helper()
	var out2 []string
	for _, n := range parse(t, out).all(func(n *node) bool { return n.attr["id"] != "" }) {
		out2 = append(out2, n.attr["id"])
	}
	return out2
}

func TestIDsAreUniquePerChart(t *testing.T) {
	changed := months24()
	changed[1].Bars[5].Value++
	relabelled := months24()
	relabelled[0].Bars[0].Label = "四月"
	cases := []struct {
		name string
		a, b template.HTML
	}{
		{"one value differs", chart.Bars(months24(), opts24), chart.Bars(changed, opts24)},
		{"one label differs", chart.Bars(months24(), opts24), chart.Bars(relabelled, opts24)},
		{"title differs", chart.Bars(days30(), opts30), chart.Bars(days30(), chart.Options{Title: "上月每日用电量", Unit: "kWh"})},
		{"size differs", chart.Bars(days30(), opts30), chart.Bars(days30(), chart.Options{Title: opts30.Title, Unit: "kWh", Width: 480})},
		{
			"text moves between name and label",
			chart.Bars([]chart.Series{{Name: "ab", Bars: []chart.Bar{{Label: "c", Value: 1}}}}, opts24),
			chart.Bars([]chart.Series{{Name: "a", Bars: []chart.Bar{{Label: "bc", Value: 1}}}}, opts24),
		},
		{"both empty, different titles", chart.Bars(nil, opts24), chart.Bars(nil, opts30)},
		{"progress values differ", chart.Progress(1870, 2160, "第一档", optsP), chart.Progress(1871, 2160, "第一档", optsP)},
		{"progress and bars", chart.Progress(1870, 2160, "第一档", optsP), chart.Bars(days30(), optsP)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			seen := map[string]bool{}
			for _, id := range ids(t, tc.a) {
				if seen[id] {
					t.Errorf("id %q repeats within one chart", id)
				}
				seen[id] = true
			}
			for _, id := range ids(t, tc.b) {
				if seen[id] {
					t.Errorf("id %q is in both charts; two charts on one page would clash", id)
				}
			}
		})
	}
}

func TestOutputIsDeterministic(t *testing.T) {
	cases := []struct {
		name   string
		render func() template.HTML
	}{
		{"bars", func() template.HTML { return chart.Bars(months24(), opts24) }},
		{"table", func() template.HTML { return chart.Table(months24(), opts24) }},
		{"progress", func() template.HTML { return chart.Progress(1870, 2160, "第一档", optsP) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if a, b := tc.render(), tc.render(); a != b {
				t.Errorf("two renders of the same input differ:\n%s\n%s", a, b)
			}
		})
	}
}

func TestEscaping(t *testing.T) {
	const (
		evil    = `<script>alert(1)</script>`
		quotes  = `"&'`
		evilEsc = `&lt;script&gt;alert(1)&lt;/script&gt;`
		quotEsc = `&#34;&amp;&#39;`
	)
	hostile := func(name, label string) []chart.Series {
		return []chart.Series{
			{Name: name, Bars: []chart.Bar{{Label: "1月", Value: 5}, {Label: label, Value: 9}}},
			{Name: "去年", Bars: []chart.Bar{{Label: "1月", Value: 4}}},
		}
	}
	cases := []struct {
		name  string
		out   template.HTML
		plain string // must survive intact in some element's text
	}{
		{"bars title", chart.Bars(days30(), chart.Options{Title: evil + quotes}), evil + quotes},
		{"bars unit", chart.Bars(days30(), chart.Options{Title: "t", Unit: evil + quotes}), evil + quotes},
		{"bars series name", chart.Bars(hostile(evil+quotes, "2月"), opts24), evil + quotes},
		{"bars label", chart.Bars(hostile("今年", evil+quotes), opts24), evil + quotes},
		{"bars empty title", chart.Bars(nil, chart.Options{Title: evil + quotes}), evil + quotes},
		{"table caption", chart.Table(days30(), chart.Options{Title: evil + quotes}), evil + quotes},
		{"table unit", chart.Table(days30(), chart.Options{Title: "t", Unit: evil + quotes}), evil + quotes},
		{"table series name", chart.Table(hostile(evil+quotes, "2月"), opts24), evil + quotes},
		{"table label", chart.Table(hostile("今年", evil+quotes), opts24), evil + quotes},
		{"progress label", chart.Progress(1, 2, evil+quotes, optsP), evil + quotes},
		{"progress title", chart.Progress(1, 2, "第一档", chart.Options{Title: evil + quotes}), evil + quotes},
		{"progress unit", chart.Progress(1, 2, "第一档", chart.Options{Unit: evil + quotes}), evil + quotes},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := string(tc.out)
			if strings.Contains(s, "<script") {
				t.Errorf("output contains an unescaped <script:\n%s", s)
			}
			for _, want := range []string{evilEsc, quotEsc} {
				if !strings.Contains(s, want) {
					t.Errorf("output lacks %s:\n%s", want, s)
				}
			}
			// Parsed back, the text is the caller's: escaped once, not twice.
			root := parse(t, tc.out)
			if len(root.all(func(n *node) bool { return strings.Contains(n.text, tc.plain) })) == 0 {
				t.Errorf("no element's text contains %q after parsing:\n%s", tc.plain, s)
			}
		})
	}
}

func TestControlCharactersStayWellFormed(t *testing.T) {
	cases := []struct {
		name  string
		label string
	}{
		{"NUL", "a\x00b"},
		{"escape", "a\x1bb"},
		{"invalid UTF-8", "a\xffb"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			series := []chart.Series{{Name: tc.label, Bars: []chart.Bar{{Label: tc.label, Value: 3}}}}
			parse(t, chart.Bars(series, chart.Options{Title: tc.label}))
			parse(t, chart.Table(series, chart.Options{Title: tc.label}))
			parse(t, chart.Progress(1, 2, tc.label, chart.Options{Title: tc.label}))
		})
	}
}
