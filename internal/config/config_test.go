package config_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"gridpay/internal/config"
)

func getenv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	c, err := config.Load(getenv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Env != config.Dev || c.Addr != "127.0.0.1:8080" || c.MetricsAddr != "" || c.DebugAddr != "" || c.TrustedProxies != nil || c.PublicURL != "http://127.0.0.1:8080" ||
		c.CoreDB != "sqlite:data/core.db" || c.PortalDB != "sqlite:data/portal.db" || !c.EmbeddedRedis() || c.LogLevel != slog.LevelInfo ||
		c.Location.String() != "Asia/Shanghai" || c.ShutdownTimeout != 15*time.Second || c.Production() ||
		c.WorkerConcurrency != 4 || len(c.BankSecret) != 32 || c.Bureau != "云溪县供电公司" {
		t.Errorf("defaults = %+v", c)
	}
}

func TestLoadValues(t *testing.T) {
	c, err := config.Load(getenv(withSMS(map[string]string{
		"GRIDPAY_ENV":              "production",
		"GRIDPAY_ADDR":             "127.0.0.1:9000",
		"GRIDPAY_PUBLIC_URL":       "https://pay.example.cn",
		"GRIDPAY_CORE_DB":          "sqlserver://u:p@db:1433?database=yx",
		"GRIDPAY_REDIS_URL":        "redis://redis:6379/2",
		"GRIDPAY_LOG_LEVEL":        "debug",
		"GRIDPAY_TIMEZONE":         "Asia/Urumqi",
		"GRIDPAY_SHUTDOWN_TIMEOUT": "3s",
		"GRIDPAY_BANK_SECRET":      strings.Repeat("ab", 32),
		"GRIDPAY_BUREAU":           " 青山县供电公司 ",
	})))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Production() || c.Addr != "127.0.0.1:9000" || c.EmbeddedRedis() || c.LogLevel != slog.LevelDebug ||
		c.Location.String() != "Asia/Urumqi" || c.ShutdownTimeout != 3*time.Second || c.Bureau != "青山县供电公司" {
		t.Errorf("values = %+v", c)
	}
}

func TestLoadRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"port not a number", map[string]string{"GRIDPAY_ADDR": ":notaport"}, []string{"GRIDPAY_ADDR", "host:port"}},
		{"port out of range", map[string]string{"GRIDPAY_ADDR": ":70000"}, []string{"GRIDPAY_ADDR"}},
		{"no port", map[string]string{"GRIDPAY_ADDR": "localhost"}, []string{"GRIDPAY_ADDR"}},
		{"environment", map[string]string{"GRIDPAY_ENV": "prod"}, []string{"GRIDPAY_ENV", `"dev" or "production"`}},
		{"database scheme", map[string]string{"GRIDPAY_CORE_DB": "mysql://x"}, []string{"GRIDPAY_CORE_DB", "sqlite:<path>"}},
		{"redis scheme", map[string]string{"GRIDPAY_REDIS_URL": "http://x"}, []string{"GRIDPAY_REDIS_URL"}},
		{"log level", map[string]string{"GRIDPAY_LOG_LEVEL": "loud"}, []string{"GRIDPAY_LOG_LEVEL"}},
		{"time zone", map[string]string{"GRIDPAY_TIMEZONE": "Mars/Olympus"}, []string{"GRIDPAY_TIMEZONE"}},
		{"shutdown timeout", map[string]string{"GRIDPAY_SHUTDOWN_TIMEOUT": "-1s"}, []string{"GRIDPAY_SHUTDOWN_TIMEOUT"}},
		{"public url", map[string]string{"GRIDPAY_PUBLIC_URL": "pay.example.cn"}, []string{"GRIDPAY_PUBLIC_URL"}},
		{"dev on a deployed-looking site", map[string]string{"GRIDPAY_PUBLIC_URL": "https://pay.example.cn"}, []string{"GRIDPAY_ENV", "production"}},
		{"worker concurrency zero", map[string]string{"GRIDPAY_WORKER_CONCURRENCY": "0"}, []string{"GRIDPAY_WORKER_CONCURRENCY"}},
		{"worker concurrency words", map[string]string{"GRIDPAY_WORKER_CONCURRENCY": "many"}, []string{"GRIDPAY_WORKER_CONCURRENCY"}},
		{"production without redis", map[string]string{"GRIDPAY_ENV": "production", "GRIDPAY_PUBLIC_URL": "https://p.cn"}, []string{"GRIDPAY_REDIS_URL"}},
		{"production without a bank secret", map[string]string{"GRIDPAY_ENV": "production", "GRIDPAY_PUBLIC_URL": "https://p.cn", "GRIDPAY_REDIS_URL": "redis://r:6379"}, []string{"GRIDPAY_BANK_SECRET"}},
		{"bank secret too short", map[string]string{"GRIDPAY_BANK_SECRET": "abcd"}, []string{"GRIDPAY_BANK_SECRET"}},
		{"bank secret not hex", map[string]string{"GRIDPAY_BANK_SECRET": strings.Repeat("zz", 32)}, []string{"GRIDPAY_BANK_SECRET"}},
		{"production without a bureau", map[string]string{"GRIDPAY_ENV": "production", "GRIDPAY_PUBLIC_URL": "https://p.cn", "GRIDPAY_REDIS_URL": "redis://r:6379",
			"GRIDPAY_BANK_SECRET": strings.Repeat("ab", 32)}, []string{"GRIDPAY_BUREAU", "production"}},
		{"production in the demo county's name", map[string]string{"GRIDPAY_ENV": "production", "GRIDPAY_PUBLIC_URL": "https://p.cn", "GRIDPAY_REDIS_URL": "redis://r:6379",
			"GRIDPAY_BANK_SECRET": strings.Repeat("ab", 32), "GRIDPAY_BUREAU": "云溪县供电公司"}, []string{"GRIDPAY_BUREAU", "demo"}},
		{"bureau too long", map[string]string{"GRIDPAY_BUREAU": strings.Repeat("电", 33)}, []string{"GRIDPAY_BUREAU", "32"}},
		{"bureau with the signature's brackets", map[string]string{"GRIDPAY_BUREAU": "【青山县供电公司】"}, []string{"GRIDPAY_BUREAU"}},
		{"bureau with a line break", map[string]string{"GRIDPAY_BUREAU": "青山县\n供电公司"}, []string{"GRIDPAY_BUREAU"}},
		{"bureau not UTF-8", map[string]string{"GRIDPAY_BUREAU": "青山\xff"}, []string{"GRIDPAY_BUREAU"}},
		{"production over plain http", map[string]string{"GRIDPAY_ENV": "production", "GRIDPAY_REDIS_URL": "redis://r:6379"}, []string{"GRIDPAY_PUBLIC_URL", "https"}},
		{"several at once are all named", map[string]string{"GRIDPAY_ADDR": "x", "GRIDPAY_LOG_LEVEL": "y"}, []string{"GRIDPAY_ADDR", "GRIDPAY_LOG_LEVEL"}},
		{"trusted proxy not a CIDR", map[string]string{"GRIDPAY_TRUSTED_PROXIES": "10.0.0.0/8, nginx"}, []string{"GRIDPAY_TRUSTED_PROXIES", `"nginx"`, "CIDR"}},
		{"trusted proxy mask out of range", map[string]string{"GRIDPAY_TRUSTED_PROXIES": "10.0.0.0/33"}, []string{"GRIDPAY_TRUSTED_PROXIES"}},
		{"metrics address without a port", map[string]string{"GRIDPAY_METRICS_ADDR": "localhost"}, []string{"GRIDPAY_METRICS_ADDR", "host:port"}},
		{"metrics on the public listener", map[string]string{"GRIDPAY_ADDR": ":9000", "GRIDPAY_METRICS_ADDR": ":9000"}, []string{"GRIDPAY_METRICS_ADDR", "GRIDPAY_ADDR"}},
		{"profiler on every interface", map[string]string{"GRIDPAY_DEBUG_ADDR": ":6060"}, []string{"GRIDPAY_DEBUG_ADDR", "loopback or private"}},
		{"profiler on a public address", map[string]string{"GRIDPAY_DEBUG_ADDR": "203.0.113.7:6060"}, []string{"GRIDPAY_DEBUG_ADDR", "loopback or private"}},
		{"profiler on a host name", map[string]string{"GRIDPAY_DEBUG_ADDR": "pay.example.cn:6060"}, []string{"GRIDPAY_DEBUG_ADDR"}},
		{"profiler without a port", map[string]string{"GRIDPAY_DEBUG_ADDR": "127.0.0.1"}, []string{"GRIDPAY_DEBUG_ADDR"}},
		{"profiler on the metrics listener", map[string]string{"GRIDPAY_METRICS_ADDR": "127.0.0.1:9090", "GRIDPAY_DEBUG_ADDR": "127.0.0.1:9090"}, []string{"GRIDPAY_DEBUG_ADDR", "GRIDPAY_METRICS_ADDR"}},
		{"hostile value is quoted, not echoed raw", map[string]string{"GRIDPAY_ADDR": "\x00\n:x"}, []string{`"\x00\n:x"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Load(getenv(tc.env))
			if err == nil {
				t.Fatal("Load succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestLoadNeverEchoesConnectionSecrets(t *testing.T) {
	for _, name := range []string{"GRIDPAY_CORE_DB", "GRIDPAY_PORTAL_DB", "GRIDPAY_REDIS_URL"} {
		_, err := config.Load(getenv(map[string]string{name: "mysql://admin:hunter2@db:3306/x"}))
		if err == nil || !strings.Contains(err.Error(), name) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: error %v should name the variable and hide its value", name, err)
		}
	}
}

// TestLoadBankSecretOneError: a bank secret that is not 64 hex digits is one problem, named once
// and said as it is, in dev and in production alike (never "empty" when it is set).
func TestLoadBankSecretOneError(t *testing.T) {
	prod := withSMS(map[string]string{"GRIDPAY_ENV": "production", "GRIDPAY_PUBLIC_URL": "https://p.cn", "GRIDPAY_REDIS_URL": "redis://r:6379",
		"GRIDPAY_BUREAU": "青山县供电公司"})
	for _, tc := range []struct {
		name   string
		secret string
		env    map[string]string
	}{
		{"two bytes in dev", "abcd", nil},
		{"two bytes in production", "abcd", prod},
		{"not hex in production", strings.Repeat("zz", 32), prod},
		{"33 bytes in production", strings.Repeat("ab", 33), prod},
		{"31 bytes in dev", strings.Repeat("ab", 31), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"GRIDPAY_BANK_SECRET": tc.secret}
			for k, v := range tc.env {
				env[k] = v
			}
			_, err := config.Load(getenv(env))
			if err == nil {
				t.Fatal("Load succeeded")
			}
			msg := err.Error()
			if n := strings.Count(msg, "GRIDPAY_BANK_SECRET"); n != 1 || strings.Contains(msg, "empty") ||
				!strings.Contains(msg, "64 hex digits") || !strings.Contains(msg, "32-byte") {
				t.Errorf("error %q: want GRIDPAY_BANK_SECRET named once, as 64 hex digits of a 32-byte key, never empty", msg)
			}
		})
	}
	if c, err := config.Load(getenv(map[string]string{"GRIDPAY_BANK_SECRET": strings.Repeat("AB", 32)})); err != nil || len(c.BankSecret) != 32 {
		t.Errorf("64 hex digits: %d bytes, %v; want the 32-byte key", len(c.BankSecret), err)
	}
}

func TestLoadListenersAndProxies(t *testing.T) {
	prod := production(nil)
	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name        string
		env         map[string]string
		addr        string
		metricsAddr string
		proxies     []string
	}{
		{"dev stays on this machine", nil, "127.0.0.1:8080", "", nil},
		{"dev told otherwise", with(nil, "GRIDPAY_ADDR", ":8081"), ":8081", "", nil},
		{"production on every interface", prod, ":8080", "", nil},
		{"production with an internal metrics listener", with(prod, "GRIDPAY_METRICS_ADDR", "127.0.0.1:9090"), ":8080", "127.0.0.1:9090", nil},
		{"proxies by CIDR and address", with(nil, "GRIDPAY_TRUSTED_PROXIES", " 10.0.0.0/8, 192.168.1.10 ,,fd00::/8"), "127.0.0.1:8080", "",
			[]string{"10.0.0.0/8", "192.168.1.10", "fd00::/8"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := config.Load(getenv(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			if c.Addr != tc.addr || c.MetricsAddr != tc.metricsAddr || strings.Join(c.TrustedProxies, " ") != strings.Join(tc.proxies, " ") {
				t.Errorf("addr %q metrics %q proxies %q, want %q %q %q", c.Addr, c.MetricsAddr, c.TrustedProxies, tc.addr, tc.metricsAddr, tc.proxies)
			}
		})
	}
}
