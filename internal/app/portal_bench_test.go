package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"

	"gridpay/internal/config"
	"gridpay/internal/demo"
	"gridpay/internal/redistest"
	"gridpay/internal/web"
	"gridpay/notify"
	"gridpay/static"
)

// BenchmarkPortal drives the signed-in bill page and the summary API with 50 concurrent
// connections on loopback (as wrk -c50 would, without compression), beside two baselines in the same
// run: a bare gin JSON handler, and the same bill page rendered by a bare gin handler from the bill
// in memory (portal.RenderBillFromMemory: no session, cache or database). It reports requests/s, p99
// latency, and, once the cache is warm, the core-database reads and the SQL statements (core and
// portal) per request. make bench runs it; go test -bench Portal -run '^$' ./internal/app/ alone.
func BenchmarkPortal(b *testing.B) {
	ctx := context.Background()
	cfg, log, dbs := seededDatabases(b, 2000, 24)
	opts, _ := redis.ParseURL(cfg.RedisURL)
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	svc, err := newServices(cfg, log, dbs, rdb, cfg.RedisURL, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer svc.close()
	h, err := newHandler(cfg, log, svc)
	if err != nil {
		b.Fatal(err)
	}
	site := httptest.NewServer(h)
	defer site.Close()

	c := benchClient()
	signInForBench(b, c, site.URL, rdb)
	billID := newestBill(b, c, site.URL)

	bare := gin.New()
	bare.GET("/bare", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	if err := mountBareBill(ctx, bare, cfg, log, svc, "3100000001", billID); err != nil {
		b.Fatal(err)
	}
	bareSrv := httptest.NewServer(bare)
	defer bareSrv.Close()

	for _, target := range []struct{ name, url string }{
		{"bare_gin", bareSrv.URL + "/bare"},
		{"bare_render", bareSrv.URL + "/bill"},
		{"bill_page", fmt.Sprintf("%s/accounts/3100000001/bills/%d", site.URL, billID)},
		{"summary_api", site.URL + "/api/v1/accounts/3100000001/summary"},
	} {
		b.Run(target.name, func(b *testing.B) {
			get(b, c, target.url) // warm the cache
			ours := target.name != "bare_gin" && target.name != "bare_render"
			var before counters
			if ours {
				before = readCounters(b, c, site.URL)
			}
			lat := measure(b, c, target.url)
			if ours {
				after := readCounters(b, c, site.URL)
				b.ReportMetric(float64(after.coreMisses-before.coreMisses)/float64(b.N), "core-reads/op")
				// The two /metrics reads around the run are not page views and run no statement.
				b.ReportMetric(float64(after.statements-before.statements)/float64(b.N), "db-statements/op")
			}
			b.ReportMetric(lat, "p99-ms")
		})
	}
}

// seededDatabases opens SQLite core and portal databases in a temporary folder, migrated and
// seeded with a demo county of customers and months of history, with the configuration of a
// process on them (the real Redis's app database) and a logger that writes nowhere. They close
// with tb.
func seededDatabases(tb testing.TB, customers, months int) (config.Config, *slog.Logger, databases) {
	tb.Helper()
	ctx := context.Background()
	dir := tb.TempDir()
	vars := map[string]string{
		"GRIDPAY_CORE_DB":   "sqlite:" + filepath.Join(dir, "core.db"),
		"GRIDPAY_PORTAL_DB": "sqlite:" + filepath.Join(dir, "portal.db"),
		"GRIDPAY_REDIS_URL": redistest.URL(tb, redistest.DBApp),
		"GRIDPAY_LOG_LEVEL": "warn",
	}
	cfg, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		tb.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dbs, err := openDatabases(ctx, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(dbs.close)
	if err := dbs.migrate(ctx, log); err != nil {
		tb.Fatal(err)
	}
	if _, err := demo.Seed(ctx, dbs.core, demo.Options{Seed: 1, Customers: customers, Months: months, Today: today(cfg)}); err != nil {
		tb.Fatal(err)
	}
	return cfg, log, dbs
}

// mountBareBill serves, at GET /bill on e, account accountNo's bill billID rendered by the portal
// from memory: the bill is read once, here.
func mountBareBill(ctx context.Context, e *gin.Engine, cfg config.Config, log *slog.Logger, svc *services, accountNo string, billID int64) error {
	assets, err := web.NewAssets(static.FS)
	if err != nil {
		return err
	}
	pages, err := newPortal(cfg, log, svc, assets)
	if err != nil {
		return err
	}
	a, err := svc.core.AccountByNumber(ctx, accountNo)
	if err != nil {
		return err
	}
	d, err := svc.core.Bill(ctx, a.ID, billID)
	if err != nil {
		return err
	}
	e.GET("/bill", pages.RenderBillFromMemory(accountNo, d))
	return nil
}

// connections is how many requests are in flight at once, as wrk -c50.
const connections = 50

// measure requests url b.N times over 50 connections and reports requests/s; it returns the p99
// latency in milliseconds.
func measure(b *testing.B, c *http.Client, url string) float64 {
	var (
		mu  sync.Mutex
		all []time.Duration
	)
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism((connections + procs - 1) / procs)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			t0 := time.Now()
			get(b, c, url)
			mine = append(mine, time.Since(t0))
		}
		mu.Lock()
		all = append(all, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	slices.Sort(all)
	if len(all) == 0 {
		return 0
	}
	return float64(all[len(all)*99/100].Microseconds()) / 1000
}

func get(b *testing.B, c *http.Client, url string) {
	resp, err := c.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s = %d", url, resp.StatusCode)
	}
}

var (
	missesRe     = regexp.MustCompile(`(?m)^gridpay_core_cache_misses_total (\S+)$`)
	statementsRe = regexp.MustCompile(`(?m)^gridpay_db_statements_total\{[^}]*\} (\S+)$`)
)

// counters are the site's own counts from /metrics: reads that went past the cache to the core
// database, and SQL statements run on the core and portal databases.
type counters struct{ coreMisses, statements int64 }

func readCounters(b *testing.B, c *http.Client, base string) counters {
	resp, err := c.Get(base + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := missesRe.FindSubmatch(body)
	if m == nil {
		b.Fatal("no cache miss counter in /metrics")
	}
	var n counters
	f, _ := strconv.ParseFloat(string(m[1]), 64)
	n.coreMisses = int64(f)
	all := statementsRe.FindAllSubmatch(body, -1)
	if len(all) == 0 {
		b.Fatal("no statement counter in /metrics")
	}
	for _, m := range all {
		f, _ := strconv.ParseFloat(string(m[1]), 64)
		n.statements += int64(f)
	}
	return n
}

// newestBill returns the id of account 3100000001's newest bill, as the signed-in client c sees it.
func newestBill(b *testing.B, c *http.Client, base string) int64 {
	resp, err := c.Get(base + "/api/v1/accounts/3100000001/bills?per_page=1")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var bills struct {
		Bills []struct{ ID int64 } `json:"bills"`
	}
	json.NewDecoder(resp.Body).Decode(&bills)
	if len(bills.Bills) == 0 {
		b.Fatal("no bill to show")
	}
	return bills.Bills[0].ID
}

func benchClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	// As wrk, the client asks for no compression: the figures are of the pages, not of gzip.
	return &http.Client{Jar: jar, Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConns: 2 * connections, MaxIdleConnsPerHost: 2 * connections, DisableCompression: true}}
}

func signInForBench(b *testing.B, c *http.Client, base string, rdb *redis.Client) {
	post := func(path, body string) {
		resp, err := c.Post(base+path, "application/json", strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			b.Fatalf("POST %s = %d", path, resp.StatusCode)
		}
	}
	post("/api/v1/otp", `{"phone":"13800138000"}`)
	msgs, err := notify.NewDevInbox(rdb, config.DefaultDevBureau, time.Now).Recent(context.Background(), "13800138000", 1)
	if err != nil || len(msgs) == 0 {
		b.Fatalf("no code in the dev inbox: %v", err)
	}
	code := regexp.MustCompile(`\d{6}`).FindString(msgs[0].Text)
	post("/api/v1/login", `{"phone":"13800138000","code":"`+code+`"}`)
}
