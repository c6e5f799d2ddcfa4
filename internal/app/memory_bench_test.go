package app

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gridpay/internal/redistest"
)

// BenchmarkServeMemory builds the gridpay binary, starts `gridpay serve` on a seeded county of 2,000
// customers (SQLite, the real Redis), and loads the signed-in bill page over 50 connections for a
// minute (GRIDPAY_BENCH_LOAD changes it, e.g. 10s). It reports the process's resident memory
// (VmRSS) idle before the load and after it, its peak (VmHWM), and the requests/s and p99 the load
// saw from outside the process. One iteration; make bench runs it.
func BenchmarkServeMemory(b *testing.B) {
	load := time.Minute
	if v := os.Getenv("GRIDPAY_BENCH_LOAD"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			b.Fatalf("GRIDPAY_BENCH_LOAD=%q: want a duration such as 10s", v)
		}
		load = d
	}
	dir := b.TempDir()
	bin := filepath.Join(dir, "gridpay")
	build := exec.Command("go", "build", "-o", bin, "gridpay")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	redisURL := redistest.URL(b, redistest.DBApp)
	env := append(os.Environ(),
		"GRIDPAY_CORE_DB=sqlite:"+filepath.Join(dir, "core.db"), "GRIDPAY_PORTAL_DB=sqlite:"+filepath.Join(dir, "portal.db"),
		"GRIDPAY_REDIS_URL="+redisURL, "GRIDPAY_LOG_LEVEL=warn", "GRIDPAY_ADDR="+addr)
	for _, args := range [][]string{{"migrate"}, {"seed", "--customers", "2000", "--months", "24", "--today", "2026-11-26"}} {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("gridpay %s: %v\n%s", args[0], err, out)
		}
	}
	serve := exec.Command(bin, "serve")
	serve.Env = env
	serve.Stdout, serve.Stderr = io.Discard, os.Stderr
	if err := serve.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		serve.Process.Signal(os.Interrupt)
		serve.Wait()
	}()
	base := "http://" + addr
	for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Since(start) > 30*time.Second {
			b.Fatal("gridpay serve did not answer /healthz in 30 s")
		}
	}
	opts, _ := redis.ParseURL(redisURL)
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	c := benchClient()
	signInForBench(b, c, base, rdb)
	url := fmt.Sprintf("%s/accounts/3100000001/bills/%d", base, newestBill(b, c, base))
	idle := procStatus(b, serve.Process.Pid, "VmRSS")

	b.ResetTimer()
	n, p99 := loadFor(b, c, url, load)
	b.StopTimer()
	rss, peak := procStatus(b, serve.Process.Pid, "VmRSS"), procStatus(b, serve.Process.Pid, "VmHWM")
	b.ReportMetric(idle, "MB-rss-idle")
	b.ReportMetric(rss, "MB-rss")
	b.ReportMetric(peak, "MB-rss-peak")
	b.ReportMetric(float64(n)/load.Seconds(), "req/s")
	b.ReportMetric(p99, "p99-ms")
	b.Logf("gridpay serve after %s of the bill page over %d connections: %d requests, resident %.1f MB (idle %.1f MB, peak %.1f MB)",
		load, connections, n, rss, idle, peak)
}

// loadFor requests url over 50 connections until d has passed; it returns how many requests were
// answered and their p99 latency in milliseconds.
func loadFor(b *testing.B, c *http.Client, url string, d time.Duration) (int, float64) {
	var (
		mu    sync.Mutex
		all   []time.Duration
		wg    sync.WaitGroup
		fails atomic.Int64
	)
	end := time.Now().Add(d)
	for range connections {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(end) {
				t0 := time.Now()
				resp, err := c.Get(url)
				if err != nil {
					fails.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					fails.Add(1)
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if f := fails.Load(); f > 0 {
		b.Fatalf("%d requests failed under load", f)
	}
	slices.Sort(all)
	if len(all) == 0 {
		return 0, 0
	}
	return len(all), float64(all[len(all)*99/100].Microseconds()) / 1000
}

// procStatus reads one "kB" field of /proc/<pid>/status (VmRSS, VmHWM) in megabytes (MiB).
func procStatus(b *testing.B, pid int, field string) float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 64)
		if err != nil {
			b.Fatalf("/proc/%d/status %s: %v", pid, field, err)
		}
		return kb / 1024
	}
	b.Fatalf("/proc/%d/status has no %s", pid, field)
	return 0
}
