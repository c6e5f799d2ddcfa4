// Package web is the HTTP kit every area shares (the customer pages and JSON API, the staff pages,
// the payment callbacks), so that none keeps its own copy: request ids, access logs, recovery,
// security headers, metrics, health endpoints; templates with their start-up check; CSRF; parameter
// parsing; rate limits; cookies; and one path from an error to a response (Kind, Message and the
// adapters of handlers that return errors).
package web

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// RequestIDHeader carries the request id to the client and from a trusted proxy.
const RequestIDHeader = "X-Request-Id"

// maxBodyBytes bounds every request body unless a route sets a smaller limit.
const maxBodyBytes = 1 << 20

// NewEngine returns a gin engine with gridpay's middleware: request id, recovery that logs one
// line per 500, access log, security headers, Cache-Control no-store unless a handler says
// otherwise, request metrics, a body size limit and gzip for text answers (Compress).
func NewEngine(log *slog.Logger, reg prometheus.Registerer) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.ContextWithFallback = true
	e.HandleMethodNotAllowed = true
	// Trust no proxy headers by default: per-address rate limits must see the real peer, not an
	// X-Forwarded-For anyone can write.
	if err := e.SetTrustedProxies(nil); err != nil {
		panic(err)
	}
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gridpay_http_requests_total", Help: "HTTP requests by route, method and status.",
	}, []string{"route", "method", "status"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "gridpay_http_request_duration_seconds", Help: "HTTP request latency by route.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route"})
	reg.MustRegister(requests, latency)

	e.Use(func(c *gin.Context) {
		id := c.GetHeader(RequestIDHeader)
		if !validRequestID(id) {
			id = newRequestID()
		}
		c.Set("request_id", id)
		c.Header(RequestIDHeader, id)
		c.Set(rawBodyKey, c.Request.Body)
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxBodyBytes)
		start := time.Now()
		method := methodLabel(c.Request.Method)
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler { // the client went away; net/http expects to see it
					panic(p)
				}
				log.Error("panic", "request_id", id, "method", method, "path", c.Request.URL.Path,
					"panic", p, "stack", string(debug.Stack()))
				c.AbortWithStatus(http.StatusInternalServerError)
			}
			route := c.FullPath()
			if route == "" {
				route = "unmatched"
			}
			status := c.Writer.Status()
			elapsed := time.Since(start)
			requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
			latency.WithLabelValues(route).Observe(elapsed.Seconds())
			log.Info("request", "request_id", id, "method", method, "route", route,
				"status", status, "bytes", c.Writer.Size(), "ms", elapsed.Milliseconds())
		}()
		SecurityHeaders(c.Writer.Header())
		// Nothing is stored by default: pages and API answers carry accounts, bills and sign-in
		// state, and a shared phone's browser or a proxy must not keep them. A handler that serves
		// something public (content-hashed assets, an account's printed QR code) sets its own.
		c.Header("Cache-Control", "no-store")
		c.Next()
	})
	e.Use(Compress)
	return e
}

// TrustProxies makes the engine believe the client address that the proxies given (CIDRs or single
// addresses, e.g. nginx or a load balancer in front of gridpay) write into X-Forwarded-For or
// X-Real-IP, so that per-address limits count each customer and not the proxy. With none (the
// default) those headers are ignored: anyone can write them.
func TrustProxies(e *gin.Engine, proxies []string) error {
	e.RemoteIPHeaders = []string{"X-Forwarded-For", "X-Real-IP"}
	if len(proxies) == 0 {
		proxies = nil
	}
	if err := e.SetTrustedProxies(proxies); err != nil {
		return fmt.Errorf("web: trusted proxies: %w", err)
	}
	return nil
}

// StrictTransport is a middleware for a site served over HTTPS only: browsers that saw it once
// keep to HTTPS for a year, for the site and its subdomains, so that no one on the way can offer
// them a plain-HTTP copy.
func StrictTransport(c *gin.Context) {
	c.Header("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	c.Next()
}

// methodLabel names a request's method for metrics and logs from a fixed set, so that a client
// inventing methods cannot add series or long log fields: any other method is "other".
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}

// rawBodyKey keeps the request body as it arrived, for LimitBody.
const rawBodyKey = "web.raw_body"

// LimitBody replaces this request's body limit (the engine's default is 1 MB): upload routes raise
// it, before they read anything.
func LimitBody(c *gin.Context, n int64) {
	if raw, ok := c.Get(rawBodyKey); ok {
		if body, ok := raw.(io.ReadCloser); ok {
			c.Request.Body = http.MaxBytesReader(c.Writer, body, n)
		}
	}
}

// SecurityHeaders sets the headers every response carries: a CSP without inline script, no
// framing, no MIME sniffing and a strict referrer policy.
func SecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
}

// validRequestID accepts a caller's request id only if it is short and plain, so that it can go
// into log lines and headers as it is.
func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
