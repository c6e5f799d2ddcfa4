package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"gridpay/internal/web"
)

// TestRequireJSON: a state-changing JSON call takes application/json (with any charset) and
// nothing else, and the refusal is a 415.
func TestRequireJSON(t *testing.T) {
	for _, tc := range []struct {
		name, contentType string
		ok                bool
	}{
		{"JSON", "application/json", true},
		{"JSON with a charset", "application/json; charset=utf-8", true},
		{"JSON in upper case", "Application/JSON", true},
		{"text/plain, which a cross-site form may send", "text/plain", false},
		{"a form", "application/x-www-form-urlencoded", false},
		{"multipart", "multipart/form-data; boundary=x", false},
		{"none", "", false},
		{"JSON as a prefix of another type", "application/jsonp", false},
		{"malformed", "application/json; =", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := gin.CreateTestContext(httptest.NewRecorder())
			c.Request = httptest.NewRequest(http.MethodPost, "/", nil)
			c.Request.Header.Set("Content-Type", tc.contentType)
			err := web.RequireJSON(c)
			if (err == nil) != tc.ok {
				t.Fatalf("RequireJSON(%q) = %v, want ok %v", tc.contentType, err, tc.ok)
			}
			if status, kind := web.Kind(err); !tc.ok && (status != http.StatusUnsupportedMediaType || kind != "unsupported_media") {
				t.Errorf("Kind = %d %s, want 415 unsupported_media", status, kind)
			}
		})
	}
}
