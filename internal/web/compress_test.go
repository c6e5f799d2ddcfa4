package web_test

import (
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"gridpay/internal/web"
)

func TestCompression(t *testing.T) {
	page := strings.Repeat("<p>电费 bill 3100000001</p>\n", 200)
	e := web.NewEngine(slog.New(slog.NewTextHandler(io.Discard, nil)), prometheus.NewRegistry())
	e.GET("/page", func(c *gin.Context) { c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(page)) })
	e.GET("/json", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"text": page}) })
	e.GET("/css", func(c *gin.Context) { c.Data(http.StatusOK, "text/css; charset=utf-8", []byte(page)) })
	e.GET("/js", func(c *gin.Context) { c.Data(http.StatusOK, "text/javascript; charset=utf-8", []byte(page)) })
	e.GET("/svg", func(c *gin.Context) { c.Data(http.StatusOK, "image/svg+xml", []byte(page)) })
	e.GET("/png", func(c *gin.Context) { c.Data(http.StatusOK, "image/png", []byte(page)) })
	e.GET("/gzipped", func(c *gin.Context) {
		c.Header("Content-Encoding", "gzip")
		c.Data(http.StatusOK, "text/html", []byte(page))
	})
	e.GET("/empty", func(c *gin.Context) { c.Status(http.StatusNoContent) })
	e.GET("/written", func(c *gin.Context) { // a handler that writes in pieces, as templates do
		c.Header("Content-Type", "text/html; charset=utf-8")
		c.Status(http.StatusOK)
		for range 200 {
			io.WriteString(c.Writer, "<p>电费 bill 3100000001</p>\n")
		}
	})
	for _, tc := range []struct {
		name, path, acceptEncoding string
		gzipped                    bool
	}{
		{"html", "/page", "gzip, deflate, br", true},
		{"html written in pieces", "/written", "gzip", true},
		{"json", "/json", "gzip", true},
		{"css", "/css", "gzip", true},
		{"js", "/js", "gzip", true},
		{"svg", "/svg", "gzip", true},
		{"html, gzip with a quality", "/page", "br;q=1.0, gzip;q=0.8", true},
		{"html, gzip refused", "/page", "gzip;q=0, identity", false},
		{"html, not asked", "/page", "", false},
		{"html, another encoding", "/page", "br", false},
		{"png is compressed already", "/png", "gzip", false},
		{"already encoded", "/gzipped", "gzip", false},
		{"no body", "/empty", "gzip", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, tc.path, nil)
			if tc.acceptEncoding != "" {
				r.Header.Set("Accept-Encoding", tc.acceptEncoding)
			}
			w := httptest.NewRecorder()
			e.ServeHTTP(w, r)
			if got := w.Header().Get("Content-Encoding") == "gzip" && tc.path != "/gzipped"; got != tc.gzipped {
				t.Fatalf("GET %s with Accept-Encoding %q: Content-Encoding %q, want gzip %v", tc.path, tc.acceptEncoding, w.Header().Get("Content-Encoding"), tc.gzipped)
			}
			if tc.path != "/empty" && !strings.Contains(w.Header().Get("Vary"), "Accept-Encoding") {
				t.Errorf("Vary = %q, want Accept-Encoding", w.Header().Get("Vary"))
			}
			if !tc.gzipped {
				return
			}
			if w.Header().Get("Content-Length") != "" {
				t.Errorf("a gzipped answer keeps the raw Content-Length %s", w.Header().Get("Content-Length"))
			}
			zr, err := gzip.NewReader(w.Body)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), "电费 bill 3100000001") || len(b) < len(page) {
				t.Errorf("unzipped body is %d bytes: %.100s", len(b), b)
			}
		})
	}
}

func TestCompressionLeavesGinsOwnAnswersWhole(t *testing.T) {
	e := web.NewEngine(slog.New(slog.NewTextHandler(io.Discard, nil)), prometheus.NewRegistry())
	e.GET("/page", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	for _, tc := range []struct{ name, method, path string }{
		{"not found", http.MethodGet, "/none"},
		{"method not allowed", http.MethodPost, "/page"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, tc.path, nil)
			r.Header.Set("Accept-Encoding", "gzip")
			w := httptest.NewRecorder()
			e.ServeHTTP(w, r)
			body := w.Body.String()
			if enc := w.Header().Get("Content-Encoding"); enc == "gzip" {
				zr, err := gzip.NewReader(w.Body)
				if err != nil {
					t.Fatal(err)
				}
				b, err := io.ReadAll(zr)
				if err != nil {
					t.Fatalf("%s %s: a broken gzip body: %v", tc.method, tc.path, err)
				}
				body = string(b)
			}
			if !strings.Contains(body, "not") {
				t.Errorf("%s %s = %d %q", tc.method, tc.path, w.Code, body)
			}
		})
	}
}
