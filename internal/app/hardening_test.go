package app_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"gridpay/internal/app"
	"gridpay/internal/redistest"
)

// productionEnv is a production configuration with an SMS gateway on fresh SQLite databases,
// migrated.
func productionEnv(t *testing.T, extra env) env {
	t.Helper()
	e := withSMS(withDBs(t, env{"GRIDPAY_ENV": "production", "GRIDPAY_PUBLIC_URL": "https://pay.example.cn", "GRIDPAY_BUREAU": "青山县供电公司",
		"GRIDPAY_REDIS_URL": redistest.URL(t, redistest.DBApp), "GRIDPAY_BANK_SECRET": strings.Repeat("ab", 32)}))
	for k, v := range extra {
		e[k] = v
	}
	if err := app.Run(context.Background(), []string{"migrate"}, e.get, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	return e
}

// noFollow fetches u without following redirects.
func noFollow(t *testing.T, u string) *http.Response {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func TestMetricsListener(t *testing.T) {
	for _, tc := range []struct {
		name          string
		production    bool
		metricsAddr   bool
		publicMetrics int
	}{
		{"dev keeps metrics on the main server", false, false, 200},
		{"dev with a metrics listener", false, true, 404},
		{"production without a metrics listener serves none", true, false, 404},
		{"production with a metrics listener", true, true, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := env{"GRIDPAY_REDIS_URL": redistest.URL(t, redistest.DBApp)}
			if tc.production {
				e = productionEnv(t, nil)
			}
			metrics := ""
			if tc.metricsAddr {
				metrics = freeAddr(t)
				e["GRIDPAY_METRICS_ADDR"] = metrics
			}
			cmd := "all"
			if tc.production {
				cmd = "serve"
			}
			base, _ := startServer(t, cmd, e)
			get(t, base+"/healthz")
			if resp, _ := get(t, base+"/metrics"); resp.StatusCode != tc.publicMetrics {
				t.Errorf("public GET /metrics = %d, want %d", resp.StatusCode, tc.publicMetrics)
			}
			if metrics != "" {
				resp, body := get(t, "http://"+metrics+"/metrics")
				if resp.StatusCode != 200 || !strings.Contains(body, `gridpay_http_requests_total{method="GET",route="/healthz",status="200"}`) {
					t.Errorf("GET /metrics on the metrics listener = %d:\n%.500s", resp.StatusCode, body)
				}
				if resp, _ := get(t, "http://"+metrics+"/"); resp.StatusCode != 404 {
					t.Errorf("the metrics listener serves the site: GET / = %d", resp.StatusCode)
				}
			}
		})
	}
}

// TestReadyzShowsPaymentChannels: /readyz names each payment channel's state beside the checks
// that make the process ready, and /metrics says whether each takes orders.
func TestReadyzShowsPaymentChannels(t *testing.T) {
	base, _ := startServer(t, "all", env{"GRIDPAY_REDIS_URL": redistest.URL(t, redistest.DBApp)})
	resp, body := get(t, base+"/readyz")
	if resp.StatusCode != 200 || !strings.Contains(body, `"channel_wechat":"ok"`) || !strings.Contains(body, `"channel_alipay":"ok"`) {
		t.Errorf("GET /readyz = %d %s", resp.StatusCode, body)
	}
	if _, body := get(t, base+"/metrics"); !strings.Contains(body, `gridpay_payment_channel_up{channel="wechat"} 1`) {
		t.Error("/metrics lacks gridpay_payment_channel_up for wechat")
	}
}

// TestDebugListener checks that GRIDPAY_DEBUG_ADDR serves Go's profiler on its own internal
// listener in production, and that the site itself never serves it.
func TestDebugListener(t *testing.T) {
	debug := freeAddr(t)
	base, _ := startServer(t, "serve", productionEnv(t, env{"GRIDPAY_DEBUG_ADDR": debug}))
	if resp, body := get(t, "http://"+debug+"/debug/pprof/goroutine?debug=1"); resp.StatusCode != 200 || !strings.Contains(body, "goroutine profile") {
		t.Errorf("GET /debug/pprof/goroutine on the debug listener = %d:\n%.300s", resp.StatusCode, body)
	}
	if resp, _ := get(t, "http://"+debug+"/healthz"); resp.StatusCode != 404 {
		t.Errorf("the debug listener serves the site: GET /healthz = %d", resp.StatusCode)
	}
	if resp, _ := get(t, base+"/debug/pprof/"); resp.StatusCode != 404 {
		t.Errorf("the site serves the profiler: GET /debug/pprof/ = %d", resp.StatusCode)
	}
}

func TestProductionSendsHSTSAndHostOnlyCookies(t *testing.T) {
	base, _ := startServer(t, "serve", productionEnv(t, nil))
	for _, path := range []string{"/healthz", "/", "/login"} {
		if resp, _ := get(t, base+path); resp.Header.Get("Strict-Transport-Security") != "max-age=31536000; includeSubDomains" {
			t.Errorf("production GET %s: Strict-Transport-Security %q", path, resp.Header.Get("Strict-Transport-Security"))
		}
	}
	for path, want := range map[string]string{"/lang/en": "__Host-lang", "/care/on": "__Host-care", "/login": "__Host-gridpay_csrf"} {
		resp := noFollow(t, base+path)
		var names []string
		for _, ck := range resp.Cookies() {
			names = append(names, ck.Name)
		}
		if len(names) != 1 || names[0] != want {
			t.Errorf("production GET %s sets cookies %v, want %s", path, names, want)
		}
	}

	dev, _ := startServer(t, "all", env{"GRIDPAY_REDIS_URL": redistest.URL(t, redistest.DBApp)})
	if resp, _ := get(t, dev+"/"); resp.Header.Get("Strict-Transport-Security") != "" {
		t.Error("dev over plain HTTP sends Strict-Transport-Security")
	}
}

func TestProductionRefusesTheDemoCounty(t *testing.T) {
	e := withDBs(t, env{})
	ctx := context.Background()
	if err := app.Run(ctx, []string{"seed", "--customers", "5", "--months", "2", "--today", "2026-11-26"}, e.get, io.Discard, io.Discard); err != nil {
		t.Fatalf("seed: %v", err)
	}
	prod := productionEnv(t, env{"GRIDPAY_CORE_DB": e["GRIDPAY_CORE_DB"], "GRIDPAY_PORTAL_DB": e["GRIDPAY_PORTAL_DB"], "GRIDPAY_ADDR": freeAddr(t)})
	for _, cmd := range []string{"serve", "all", "worker"} {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second) // a server that starts runs until then
		err := app.Run(rctx, []string{cmd}, prod.get, io.Discard, io.Discard)
		cancel()
		if err == nil || !strings.Contains(err.Error(), "demo") || !strings.Contains(err.Error(), "GRIDPAY_CORE_DB") {
			t.Errorf("production %s on the demo county = %v, want a refusal naming the demo seed and GRIDPAY_CORE_DB", cmd, err)
		}
	}
}
