package app_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gridpay/internal/app"
	"gridpay/internal/redistest"
	"gridpay/internal/storetest"
	"gridpay/payments/sandbox"
)

// env is a fake environment for app.Run.
type env map[string]string

func (e env) get(k string) string { return e[k] }

// withDBs adds SQLite core and portal databases in a temporary folder unless e names its own.
func withDBs(t testing.TB, e env) env {
	dir := t.TempDir()
	if e["GRIDPAY_CORE_DB"] == "" {
		e["GRIDPAY_CORE_DB"] = "sqlite:" + filepath.Join(dir, "core.db")
	}
	if e["GRIDPAY_PORTAL_DB"] == "" {
		e["GRIDPAY_PORTAL_DB"] = "sqlite:" + filepath.Join(dir, "portal.db")
	}
	return e
}

// withDialectDBs adds fresh, empty core and portal databases of dialect d to e.
func withDialectDBs(t testing.TB, d storetest.Dialect, e env) env {
	e["GRIDPAY_CORE_DB"], e["GRIDPAY_PORTAL_DB"] = d.NewDSN(t, "core"), d.NewDSN(t, "portal")
	return e
}

// freeAddr returns a loopback address with a port nobody listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// syncBuffer is a bytes.Buffer safe for the server goroutine to write while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServer runs `gridpay <cmd>` until the test ends and returns its base URL once /healthz answers.
func startServer(t *testing.T, cmd string, e env) (string, *syncBuffer) {
	t.Helper()
	addr := freeAddr(t)
	e = withDBs(t, e)
	e["GRIDPAY_ADDR"] = addr
	ctx, cancel := context.WithCancel(context.Background())
	out, logs := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx, []string{cmd}, e.get, out, logs) }()
	t.Cleanup(func() {
		// A failed test shows what the server logged at warning level and above, the why of an
		// answer the test did not expect.
		if t.Failed() {
			for _, line := range strings.Split(logs.String(), "\n") {
				if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") {
					t.Log(line)
				}
			}
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("gridpay %s did not stop cleanly: %v", cmd, err)
			}
		case <-time.After(20 * time.Second):
			t.Errorf("gridpay %s did not stop within 20 s", cmd)
		}
	})
	base := "http://" + addr
	// A bound, not a timing: `all` on the SQL Server engine of a busy machine takes its time to check
	// both schemas before it listens.
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("gridpay %s exited early: %v", cmd, err)
		default:
		}
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			return base, out
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("gridpay %s did not answer /healthz within 60 s", cmd)
	return "", nil
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestAllServesHealthReadinessMetricsAndHome(t *testing.T) {
	base, out := startServer(t, "all", env{
		"GRIDPAY_REDIS_URL": redistest.URL(t, redistest.DBApp),
	})

	for _, tc := range []struct {
		name, path string
		status     int
		contains   []string
	}{
		{"healthz", "/healthz", 200, []string{`"status":"ok"`}},
		{"readyz with databases and redis up", "/readyz", 200, []string{`"core_db":"ok"`, `"portal_db":"ok"`, `"redis":"ok"`, `"status":"ready"`}},
		{"home page in Chinese first", "/", 200, []string{"云溪县供电公司", "登录网上营业厅", "3100000001", "13800138001", `lang="zh-CN"`}},
		{"unknown page", "/no/such/page", 404, nil},
		{"metrics after the requests above", "/metrics", 200, []string{`gridpay_http_requests_total{method="GET",route="/healthz",status="200"}`, "go_goroutines"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, base+tc.path)
			if resp.StatusCode != tc.status {
				t.Fatalf("GET %s = %d, want %d; body %s", tc.path, resp.StatusCode, tc.status, body)
			}
			for _, s := range tc.contains {
				if !strings.Contains(body, s) {
					t.Errorf("GET %s: body lacks %q", tc.path, s)
				}
			}
			for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Request-Id"} {
				if resp.Header.Get(h) == "" {
					t.Errorf("GET %s: no %s header", tc.path, h)
				}
			}
		})
	}
	if !strings.Contains(out.String(), "gridpay is running: http://") || !strings.Contains(out.String(), "3100000001") {
		t.Errorf("start-up banner lacks the URL or the demo accounts:\n%s", out.String())
	}
}

func TestStaticAssetsHaveContentHashURLs(t *testing.T) {
	base, _ := startServer(t, "all", env{
		"GRIDPAY_REDIS_URL": redistest.URL(t, redistest.DBApp),
	})
	_, home := get(t, base+"/")
	m := regexp.MustCompile(`href="(/static/([0-9a-f]{12})/css/app\.css)"`).FindStringSubmatch(home)
	if m == nil {
		t.Fatalf("home page links no hashed stylesheet:\n%s", home)
	}
	resp, body := get(t, base+m[1])
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || !strings.Contains(body, "--brand") {
		t.Errorf("GET %s = %d, Cache-Control %q", m[1], resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("stylesheet Content-Type = %q", ct)
	}
	for _, path := range []string{"/static/000000000000/css/app.css", "/static/" + m[2] + "/css/../../../go.mod", "/static/" + m[2] + "/css/none.css"} {
		if resp, _ := get(t, base+path); resp.StatusCode != 404 {
			t.Errorf("GET %s = %d, want 404", path, resp.StatusCode)
		}
	}
}

func TestReadyzFailsWhenRedisIsDown(t *testing.T) {
	down := freeAddr(t) // nothing listens there
	base, _ := startServer(t, "serve", env{
		"GRIDPAY_REDIS_URL": "redis://" + down + "/0",
	})
	resp, body := get(t, base+"/readyz")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `"redis":"unavailable"`) || !strings.Contains(body, `"core_db":"ok"`) {
		t.Fatalf("GET /readyz = %d %s, want 503 naming redis", resp.StatusCode, body)
	}
	if strings.Contains(body, down) {
		t.Errorf("readiness leaks internals to the client: %s", body)
	}
}

func TestBadConfigurationStopsWithTheVariableNamed(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  env
		want string
	}{
		{"port that is not a number", env{"GRIDPAY_ADDR": ":notaport"}, "GRIDPAY_ADDR"},
		{"unknown environment", env{"GRIDPAY_ENV": "staging"}, "GRIDPAY_ENV"},
		{"database of another kind", env{"GRIDPAY_CORE_DB": "postgres://x"}, "GRIDPAY_CORE_DB"},
		{"production without redis", env{"GRIDPAY_ENV": "production", "GRIDPAY_PUBLIC_URL": "https://pay.example.cn"}, "GRIDPAY_REDIS_URL"},
		{"production without the bureau's name", env{"GRIDPAY_ENV": "production", "GRIDPAY_PUBLIC_URL": "https://pay.example.cn",
			"GRIDPAY_REDIS_URL": "redis://127.0.0.1:6379/0", "GRIDPAY_BANK_SECRET": strings.Repeat("5a", 32)}, "GRIDPAY_BUREAU"},
		{"port already taken", nil, "GRIDPAY_ADDR"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.env
			if e == nil { // hold a port and ask gridpay to listen on it too
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				defer ln.Close()
				e = env{"GRIDPAY_ADDR": ln.Addr().String(), "GRIDPAY_REDIS_URL": redistest.URL(t, redistest.DBApp)}
			}
			e = withDBs(t, e)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := app.Run(ctx, []string{"all"}, e.get, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run = %v, want an error naming %s", err, tc.want)
			}
		})
	}
}

func TestSeedThenSeedIfEmptyKeepsData(t *testing.T) {
	e := withDBs(t, env{})
	ctx := context.Background()
	var out bytes.Buffer
	args := []string{"seed", "--customers", "30", "--months", "3", "--today", "2026-11-26"}
	if err := app.Run(ctx, args, e.get, &out, io.Discard); err != nil {
		t.Fatalf("seed: %v", err)
	}
	if !strings.Contains(out.String(), "seed: 30 accounts, 90 bills") {
		t.Errorf("seed output = %q", out.String())
	}
	out.Reset()
	if err := app.Run(ctx, append(args, "--if-empty"), e.get, &out, io.Discard); err != nil {
		t.Fatalf("seed --if-empty on a seeded database: %v", err)
	}
	if !strings.Contains(out.String(), "keeping them") {
		t.Errorf("seed --if-empty output = %q", out.String())
	}
	if err := app.Run(ctx, args, e.get, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "already has accounts") {
		t.Errorf("second seed = %v, want a refusal", err)
	}
	for _, bad := range [][]string{
		{"seed", "--customers", "1"},
		{"seed", "--today", "26/11/2026"},
		{"seed", "--months", "x"},
		{"seed", "extra"},
	} {
		if err := app.Run(ctx, bad, e.get, io.Discard, io.Discard); err == nil {
			t.Errorf("gridpay %s succeeded, want an error", strings.Join(bad, " "))
		}
	}
}

func TestSeedIsRefusedInProduction(t *testing.T) {
	e := env{"GRIDPAY_ENV": "production", "GRIDPAY_REDIS_URL": "redis://127.0.0.1:6379/0",
		"GRIDPAY_PUBLIC_URL": "https://pay.example.cn", "GRIDPAY_BANK_SECRET": strings.Repeat("5a", 32), "GRIDPAY_BUREAU": "青山县供电公司"}
	e = withDBs(t, withSMS(e))
	err := app.Run(context.Background(), []string{"seed"}, e.get, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "seed: refused in production") {
		t.Fatalf("seed in production = %v, want a refusal", err)
	}
}

func TestUsageAndUnknownSubcommand(t *testing.T) {
	var out bytes.Buffer
	if err := app.Run(context.Background(), []string{"help"}, env{}.get, &out, io.Discard); err != nil || !strings.Contains(out.String(), "gridpay all") {
		t.Errorf("help = %v, %q", err, out.String())
	}
	if err := app.Run(context.Background(), []string{"frobnicate"}, env{}.get, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "frobnicate") {
		t.Errorf("unknown subcommand = %v", err)
	}
	if err := app.Run(context.Background(), nil, env{}.get, io.Discard, io.Discard); err == nil {
		t.Error("no subcommand succeeded")
	}
}

func TestMigrateTwice(t *testing.T) {
	e := withDBs(t, env{})
	var logs bytes.Buffer
	for i, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?s)schema=core dialect=sqlite applied=[1-9].*schema=portal dialect=sqlite applied=[1-9]`),
		regexp.MustCompile(`(?s)schema=core dialect=sqlite applied=0.*schema=portal dialect=sqlite applied=0`),
	} {
		logs.Reset()
		if err := app.Run(context.Background(), []string{"migrate"}, e.get, io.Discard, &logs); err != nil {
			t.Fatalf("migrate %d: %v", i+1, err)
		}
		if !want.MatchString(logs.String()) {
			t.Errorf("migrate %d logged %q, want %s", i+1, logs.String(), want)
		}
	}
}

func TestSeedIfEmptyRefusesAHalfFinishedSeed(t *testing.T) {
	e := withDBs(t, env{})
	ctx, cancel := context.WithCancel(context.Background())
	// Cancel once the second chunk is handed over, so the first is surely written: the seed stops half-way.
	out := &cancelOnWrite{cancel: cancel, after: "seed: 2000 of"}
	err := app.Run(ctx, []string{"seed", "--customers", "3000", "--months", "2", "--today", "2026-11-26"}, e.get, out, io.Discard)
	if err == nil {
		t.Fatal("an interrupted seed reported success")
	}
	err = app.Run(context.Background(), []string{"seed", "--if-empty", "--customers", "30", "--months", "2"}, e.get, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "did not finish") {
		t.Fatalf("seed --if-empty after an interrupted seed = %v, want a refusal naming it", err)
	}
}

// cancelOnWrite cancels a context once the output contains a marker.
type cancelOnWrite struct {
	bytes.Buffer
	cancel func()
	after  string
}

func (w *cancelOnWrite) Write(p []byte) (int, error) {
	n, err := w.Buffer.Write(p)
	if strings.Contains(w.String(), w.after) {
		w.cancel()
	}
	return n, err
}

func TestWorkerSubcommand(t *testing.T) {
	if err := app.Run(context.Background(), []string{"worker"}, withDBs(t, env{}).get, io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "GRIDPAY_REDIS_URL") {
		t.Errorf("worker without a Redis = %v, want an error naming GRIDPAY_REDIS_URL", err)
	}
	e := withDBs(t, env{"GRIDPAY_REDIS_URL": redistest.URL(t, redistest.DBApp)})
	if err := app.Run(context.Background(), []string{"migrate"}, e.get, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx, []string{"worker"}, e.get, io.Discard, logs) }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "worker running") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("worker stopped with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("worker did not stop within 30 s of the signal")
	}
	if !strings.Contains(logs.String(), "worker running") || !strings.Contains(logs.String(), "worker stopped") {
		t.Errorf("worker logs:\n%s", logs.String())
	}
}

// TestProductionPaysThroughConfiguredProviders runs `gridpay serve` in production with a WeChat Pay
// merchant configured from key files (keys made like real ones): it starts, serves no sandbox and
// no dev inbox, and a merchant configured by half stops it with the missing variable named.
func TestProductionPaysThroughConfiguredProviders(t *testing.T) {
	keys, err := sandbox.NewWeChatKeys()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	addr := freeAddr(t)
	e := withDBs(t, env{"GRIDPAY_ENV": "production", "GRIDPAY_PUBLIC_URL": "https://pay.example.cn", "GRIDPAY_BUREAU": "青山县供电公司",
		"GRIDPAY_REDIS_URL": redistest.URL(t, redistest.DBApp), "GRIDPAY_BANK_SECRET": strings.Repeat("ab", 32),
		"GRIDPAY_WECHAT_MCHID": keys.MchID, "GRIDPAY_WECHAT_APPID": keys.AppID, "GRIDPAY_WECHAT_CERT_SERIAL": keys.MerchantCertSerial,
		"GRIDPAY_WECHAT_APIV3_KEY": keys.APIv3Key, "GRIDPAY_WECHAT_KEY_FILE": write("key.pem", keys.MerchantKeyPEM),
		"GRIDPAY_WECHAT_PLATFORM_CERT_FILE": write("platform.pem", keys.PlatformCertPEM), "GRIDPAY_WECHAT_BASE_URL": "http://" + addr})
	e = withSMS(e)
	if err := app.Run(context.Background(), []string{"migrate"}, e.get, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	base, _ := startServer(t, "serve", e)
	for path, want := range map[string]int{"/sandbox/pay/GPW1": 404, "/sandbox/alipay/gateway.do": 404, "/dev/inbox": 404, "/healthz": 200} {
		if resp, _ := get(t, base+path); resp.StatusCode != want {
			t.Errorf("production GET %s = %d, want %d", path, resp.StatusCode, want)
		}
	}
	delete(e, "GRIDPAY_WECHAT_KEY_FILE")
	if err := app.Run(context.Background(), []string{"serve"}, e.get, io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "GRIDPAY_WECHAT_KEY_FILE") {
		t.Errorf("a half-configured WeChat merchant = %v, want an error naming GRIDPAY_WECHAT_KEY_FILE", err)
	}
}
