package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"gridpay/internal/redistest"
	"gridpay/internal/web"
)

func TestTrustedProxiesGiveEachClientItsOwnBudget(t *testing.T) {
	opts, err := redis.ParseURL(redistest.URL(t, redistest.DBWeb))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	const proxy = "10.0.0.5"
	for _, tc := range []struct {
		name    string
		trusted []string
		// the statuses of requests from the proxy for the clients named, in order
		clients []string
		headers string // X-Forwarded-For or X-Real-IP
		want    []int
	}{
		{"trusted proxy, two clients", []string{"10.0.0.0/8"}, []string{"203.0.113.1", "203.0.113.2", "203.0.113.1"}, "X-Forwarded-For", []int{200, 200, 429}},
		{"trusted proxy by address, X-Real-IP", []string{proxy}, []string{"203.0.113.1", "203.0.113.2"}, "X-Real-IP", []int{200, 200}},
		{"no trusted proxy: forged headers are ignored", nil, []string{"203.0.113.1", "203.0.113.2"}, "X-Forwarded-For", []int{200, 429}},
		{"another proxy is not trusted", []string{"192.168.0.0/16"}, []string{"203.0.113.1", "203.0.113.2"}, "X-Forwarded-For", []int{200, 429}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rdb.FlushDB(t.Context())
			e := web.NewEngine(slog.New(slog.NewTextHandler(io.Discard, nil)), prometheus.NewRegistry())
			if err := web.TrustProxies(e, tc.trusted); err != nil {
				t.Fatal(err)
			}
			limiter := web.NewLimiter(rdb)
			e.GET("/code", func(c *gin.Context) {
				if err := limiter.Allow(c, web.Rule{Key: "test:ip:" + c.ClientIP(), Limit: web.PerHour(1)}); err != nil {
					c.String(http.StatusTooManyRequests, "")
					return
				}
				c.String(http.StatusOK, c.ClientIP())
			})
			for i, client := range tc.clients {
				r := httptest.NewRequest(http.MethodGet, "/code", nil)
				r.RemoteAddr = proxy + ":40000"
				r.Header.Set(tc.headers, client)
				w := httptest.NewRecorder()
				e.ServeHTTP(w, r)
				if w.Code != tc.want[i] {
					t.Errorf("request %d for %s = %d (%s), want %d", i, client, w.Code, w.Body, tc.want[i])
				}
			}
		})
	}
}

func TestTrustProxiesRefusesBadEntries(t *testing.T) {
	e := web.NewEngine(slog.New(slog.NewTextHandler(io.Discard, nil)), prometheus.NewRegistry())
	if err := web.TrustProxies(e, []string{"10.0.0.0/33"}); err == nil {
		t.Error("a bad CIDR was accepted")
	}
}
