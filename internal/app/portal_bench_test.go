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
	"gridpay/notify"
)

// BenchmarkPortal drives the signed-in bill page and the summary API with concurrent requests on
// loopback, beside a bare gin handler in the same run, and reports requests/s, p99 latency and the
// core-database reads per request once the cache is warm (the rest are answered from Redis).
// make bench runs it; go test -bench Portal -run '^$' ./internal/app/ alone.
func BenchmarkPortal(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	vars := map[string]string{
		"GRIDPAY_CORE_DB":   "sqlite:" + filepath.Join(dir, "core.db"),
		"GRIDPAY_PORTAL_DB": "sqlite:" + filepath.Join(dir, "portal.db"),
		"GRIDPAY_REDIS_URL": redistest.URL(b, redistest.DBApp),
		"GRIDPAY_LOG_LEVEL": "error",
	}
	cfg, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dbs, err := openDatabases(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	if err := dbs.migrate(ctx, log); err != nil {
		b.Fatal(err)
	}
	if _, err := demo.Seed(ctx, dbs.core, demo.Options{Seed: 1, Customers: 2000, Months: 24, Today: today(cfg)}); err != nil {
		b.Fatal(err)
	}
	dbs.close()
	if dbs, err = openDatabases(ctx, cfg); err != nil {
		b.Fatal(err)
	}
	defer dbs.close()
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
	bare := gin.New()
	bare.GET("/bare", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	bareSrv := httptest.NewServer(bare)
	defer bareSrv.Close()

	c := benchClient()
	signInForBench(b, c, site.URL, rdb)
	resp, err := c.Get(site.URL + "/api/v1/accounts/3100000001/bills?per_page=1")
	if err != nil {
		b.Fatal(err)
	}
	var bills struct {
		Bills []struct{ ID int64 } `json:"bills"`
	}
	json.NewDecoder(resp.Body).Decode(&bills)
	resp.Body.Close()
	if len(bills.Bills) == 0 {
		b.Fatal("no bill to show")
	}

	for _, target := range []struct{ name, url string }{
		{"bare_gin", bareSrv.URL + "/bare"},
		{"bill_page", fmt.Sprintf("%s/accounts/3100000001/bills/%d", site.URL, bills.Bills[0].ID)},
		{"summary_api", site.URL + "/api/v1/accounts/3100000001/summary"},
	} {
		b.Run(target.name, func(b *testing.B) {
			get(b, c, target.url) // warm the cache
			missesBefore := cacheMisses(b, c, site.URL)
			lat := measure(b, c, target.url)
			if target.name != "bare_gin" {
				b.ReportMetric(float64(cacheMisses(b, c, site.URL)-missesBefore)/float64(b.N), "core-reads/op")
			}
			b.ReportMetric(lat, "p99-ms")
		})
	}
}

// measure requests url b.N times from 16 goroutines and reports requests/s; it returns the p99
// latency in milliseconds.
func measure(b *testing.B, c *http.Client, url string) float64 {
	var (
		mu  sync.Mutex
		all []time.Duration
	)
	b.SetParallelism(8) // 16 goroutines on 2 cores
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

var missesRe = regexp.MustCompile(`(?m)^gridpay_core_cache_misses_total (\S+)$`)

func cacheMisses(b *testing.B, c *http.Client, base string) int64 {
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
	f, _ := strconv.ParseFloat(string(m[1]), 64)
	return int64(f)
}

func benchClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64}}
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
