package web

import (
	"compress/gzip"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
)

// Compress is a middleware that gzips text answers (HTML, JSON, CSS, JavaScript, SVG) for clients
// that accept gzip: customers on slow mobile data get the usage page in a fraction of its size.
// Images that are compressed already (PNG QR codes) and answers that carry their own encoding go
// as they are. Every answer says Vary: Accept-Encoding, so that caches keep both forms apart.
func Compress(c *gin.Context) {
	c.Writer.Header().Add("Vary", "Accept-Encoding")
	if c.Request.Method == http.MethodHead || !acceptsGzip(c.GetHeader("Accept-Encoding")) {
		c.Next()
		return
	}
	w := &gzipWriter{ResponseWriter: c.Writer}
	c.Writer = w
	defer func() {
		// gin writes its own 404 and 405 bodies after the chain returns: they go out as they are.
		c.Writer = w.ResponseWriter
		w.close()
	}()
	c.Next()
}

// compressible are the media types worth compressing.
var compressible = map[string]bool{
	"text/html": true, "text/plain": true, "text/css": true, "text/csv": true,
	"text/javascript": true, "application/javascript": true,
	"application/json": true, "application/problem+json": true, "image/svg+xml": true,
}

// acceptsGzip reports whether an Accept-Encoding header accepts gzip (and not with q=0).
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return !(strings.HasPrefix(q, "q=0") && strings.Trim(strings.TrimPrefix(q, "q=0"), ".0") == "")
	}
	return false
}

// gzipWriters compress at gzip's fastest level: on these pages it keeps most of the saving (a page
// to about a quarter) for a fraction of the default level's CPU, which cost as much as rendering
// the page.
var gzipWriters = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed); return w }}

// gzipWriter decides at the first byte of the body whether to compress: by then the handler has set
// the status, the content type and any encoding of its own.
type gzipWriter struct {
	gin.ResponseWriter
	decided bool
	gz      *gzip.Writer
}

func (w *gzipWriter) decide() {
	if w.decided {
		return
	}
	w.decided = true
	h := w.ResponseWriter.Header()
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	status := w.ResponseWriter.Status()
	if h.Get("Content-Encoding") != "" || !compressible[mt] || status < 200 || status == http.StatusNoContent ||
		status == http.StatusNotModified || w.ResponseWriter.Written() {
		return
	}
	h.Del("Content-Length")
	h.Set("Content-Encoding", "gzip")
	w.gz = gzipWriters.Get().(*gzip.Writer)
	w.gz.Reset(w.ResponseWriter)
}

// Write compresses b when the answer is worth it.
func (w *gzipWriter) Write(b []byte) (int, error) {
	w.decide()
	if w.gz == nil {
		return w.ResponseWriter.Write(b)
	}
	return w.gz.Write(b)
}

// WriteString is Write of a string.
func (w *gzipWriter) WriteString(s string) (int, error) {
	return w.Write([]byte(s))
}

// Flush sends what is compressed so far.
func (w *gzipWriter) Flush() {
	if w.gz != nil {
		w.gz.Flush()
	}
	w.ResponseWriter.Flush()
}

func (w *gzipWriter) close() {
	w.decided = true // whatever comes after the chain is written as it is
	if w.gz == nil {
		return
	}
	w.gz.Close()
	w.gz.Reset(io.Discard)
	gzipWriters.Put(w.gz)
	w.gz = nil
}
