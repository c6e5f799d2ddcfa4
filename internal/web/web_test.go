package web_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"gridpay/internal/web"
)

// requestSeries counts the series of gridpay_http_requests_total.
func requestSeries(t *testing.T, reg *prometheus.Registry) int {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "gridpay_http_requests_total" {
			return len(mf.GetMetric())
		}
	}
	return 0
}

func TestUnknownMethodsDoNotGrowMetricsOrLogs(t *testing.T) {
	var logs bytes.Buffer
	reg := prometheus.NewRegistry()
	e := web.NewEngine(slog.New(slog.NewTextHandler(&logs, nil)), reg)
	e.GET("/", func(c *gin.Context) { c.String(http.StatusOK, "ok") })

	send := func(method string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Method = method
		e.ServeHTTP(httptest.NewRecorder(), r)
	}
	send(http.MethodGet)
	before := requestSeries(t, reg)
	logs.Reset()
	long := strings.Repeat("X", 32<<10)
	for i := range 100 {
		send(fmt.Sprintf("M%03d%s", i, long[:i*300]))
	}
	if got := requestSeries(t, reg) - before; got > 1 {
		t.Errorf("100 unknown methods added %d series, want at most 1", got)
	}
	if strings.Contains(logs.String(), "M050") || logs.Len() > 100*300 {
		t.Errorf("unknown methods reached the log (%d bytes)", logs.Len())
	}
	if !strings.Contains(logs.String(), "method=other") {
		t.Errorf("log lines do not name unknown methods as other:\n%.300s", logs.String())
	}
}
