package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// results are the metrics of each benchmark of one `go test -bench` run: name (without the -N
// GOMAXPROCS suffix) -> unit -> value.
type results map[string]map[string]float64

// benchLine is a result line: name, iterations, then value-unit pairs.
var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

// parse reads go test -bench output. It also reports whether the run failed (a FAIL line, or a
// panic), so that a table is never printed over a broken run as if it were whole.
func parse(r io.Reader) (results, bool, error) {
	res := results{}
	failed := false
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "FAIL") || strings.HasPrefix(line, "--- FAIL") || strings.HasPrefix(line, "panic:") {
			failed = true
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		fields := strings.Fields(m[2])
		metrics := map[string]float64{}
		for i := 0; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				break
			}
			metrics[fields[i+1]] = v
		}
		res[strings.TrimPrefix(m[1], "Benchmark")] = metrics
	}
	return res, failed, sc.Err()
}

// metric names one figure: a benchmark and the unit it reported.
type metric struct {
	bench, unit string
}

// row is one line of the summary: what is measured, the figure, the baseline beside it in the same
// run, and the target. higher says whether more is better (requests/s) or less (seconds, bytes).
type row struct {
	what     string
	figure   metric
	baseline metric // zero: the row has no baseline, only its target
	higher   bool
	target   string
	// atLeast / ratioAtLeast / atMost are the target's numbers; zero means not part of the target.
	atLeast, ratioAtLeast, atMost float64
	extra                         metric // a second figure shown beside the first (p99), with extraAtMost its limit
	extraAtMost                   float64
}

// rows are issue #12's targets, in its order.
var rows = []row{
	{what: "signed-in bill page, 50 connections", figure: metric{"Portal/bill_page", "req/s"}, baseline: metric{"Portal/bare_gin", "req/s"},
		higher: true, ratioAtLeast: 0.15, extra: metric{"Portal/bill_page", "p99-ms"}, extraAtMost: 20, target: ">= 0.15x bare gin JSON, p99 <= 20 ms"},
	{what: "signed-in bill page beside the same page rendered from memory", figure: metric{"Portal/bill_page", "req/s"}, baseline: metric{"Portal/bare_render", "req/s"},
		higher: true, ratioAtLeast: 0.5, target: ">= 0.5x"},
	{what: "summary API, 50 connections", figure: metric{"Portal/summary_api", "req/s"}, baseline: metric{"Portal/bare_gin", "req/s"},
		higher: true, ratioAtLeast: 0.25, extra: metric{"Portal/summary_api", "p99-ms"}, target: ">= 0.25x bare gin JSON"},
	{what: "database statements per warm bill page view (core and portal)", figure: metric{"Portal/bill_page", "db-statements/op"},
		atMost: 0.01, target: "<= 0.01"},
	{what: "database statements per warm summary API call (core and portal)", figure: metric{"Portal/summary_api", "db-statements/op"},
		atMost: 0.01, target: "<= 0.01"},
	{what: "WeChat callbacks (verify, decrypt, one transaction, enqueue), SQLite", figure: metric{"Callbacks/wechat_callback", "callbacks/s"},
		baseline: metric{"Callbacks/bare_sqlite_tx", "tx/s"}, higher: true, atLeast: 5000, ratioAtLeast: 0.25, target: ">= 5,000/s and >= 0.25x bare single-row transactions"},
	{what: "WeChat callbacks, SQL Server engine", figure: metric{"Callbacks/wechat_callback_sqlserver", "callbacks/s"},
		baseline: metric{"Callbacks/bare_sqlserver_tx", "tx/s"}, higher: true, target: "(reported beside SQLite)"},
	{what: "payments posted into the core database, SQLite", figure: metric{"PaymentPost/payment_post", "posts/s"},
		baseline: metric{"PaymentPost/bare_sqlite_tx", "tx/s"}, higher: true, atLeast: 3000, target: ">= 3,000/s"},
	{what: "payments posted, SQL Server engine", figure: metric{"PaymentPost/payment_post_sqlserver", "posts/s"},
		baseline: metric{"PaymentPost/bare_sqlserver_tx", "tx/s"}, higher: true, target: "(reported beside SQLite)"},
	{what: "gridpay seed --customers 100000 (24 months)", figure: metric{"SeedCommand100k", "s/seed"},
		baseline: metric{"SeedCommand100k", "s/bare-insert"}, atMost: 20, target: "<= 20 s"},
	{what: "serve resident memory after 1 minute of bill-page load", figure: metric{"ServeMemory", "MB-rss"},
		baseline: metric{"ServeMemory", "MB-rss-idle"}, atMost: 100, target: "<= 100 MB"},
}

// render writes the summary table in Markdown: each row's figure, its baseline, the ratio, the
// target and whether it is met. A figure the run did not produce says so instead of guessing.
func render(w io.Writer, res results) (missing int) {
	fmt.Fprintln(w, "| path | figure | baseline (same run) | ratio | target | met |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, r := range rows {
		fig, ok := res.get(r.figure)
		if !ok {
			missing++
			fmt.Fprintf(w, "| %s | not measured (%s %s) | | | %s | |\n", r.what, r.figure.bench, r.figure.unit, r.target)
			continue
		}
		figure := format(fig, r.figure.unit)
		extra, hasExtra := res.get(r.extra)
		if hasExtra {
			figure += ", " + format(extra, r.extra.unit)
		}
		base, hasBase := res.get(r.baseline)
		baseline, ratio := "—", math.NaN()
		if hasBase {
			baseline = format(base, r.baseline.unit) + " (" + r.baseline.bench + ")"
			if base != 0 {
				ratio = fig / base
			}
		}
		ratioText := "—"
		if !math.IsNaN(ratio) {
			ratioText = fmt.Sprintf("%.3gx", ratio)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", r.what, figure, baseline, ratioText, r.target, r.met(fig, ratio, extra, hasExtra))
	}
	return missing
}

// met says whether the row's figures reach its target: "yes", "no" or "" for a row with none.
func (r row) met(fig, ratio, extra float64, hasExtra bool) string {
	if r.atLeast == 0 && r.ratioAtLeast == 0 && r.atMost == 0 && r.extraAtMost == 0 {
		return ""
	}
	ok := true
	if r.atLeast != 0 && fig < r.atLeast {
		ok = false
	}
	if r.atMost != 0 && fig > r.atMost {
		ok = false
	}
	if r.ratioAtLeast != 0 && (math.IsNaN(ratio) || ratio < r.ratioAtLeast) {
		ok = false
	}
	if r.extraAtMost != 0 && (!hasExtra || extra > r.extraAtMost) {
		ok = false
	}
	if ok {
		return "yes"
	}
	return "**no**"
}

func (res results) get(m metric) (float64, bool) {
	if m.bench == "" {
		return 0, false
	}
	v, ok := res[m.bench][m.unit]
	return v, ok
}

// format writes a figure with its unit, grouping thousands of large figures (12,345 req/s).
func format(v float64, unit string) string {
	switch {
	case math.Abs(v) >= 1000:
		return group(int64(math.Round(v))) + " " + unit
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.0f %s", v, unit)
	case math.Abs(v) >= 1:
		return fmt.Sprintf("%.1f %s", v, unit)
	default:
		return fmt.Sprintf("%.3g %s", v, unit)
	}
}

func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
