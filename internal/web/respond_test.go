package web_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/i18n"
	"gridpay/internal/web"
)

func TestMessage(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"an input error's own message", &web.InputError{Key: "login.wrong_code", Kind: billing.ErrUnauthorized}, i18n.T(i18n.EN, "login.wrong_code")},
		{"an input error's arguments", fmt.Errorf("x: %w", &web.InputError{Key: "dispute.error.text_too_long", Args: []any{1000}, Kind: billing.ErrInvalid}),
			i18n.T(i18n.EN, "dispute.error.text_too_long", 1000)},
		{"an input error without a key has its kind's", &web.InputError{Kind: billing.ErrConflict}, i18n.T(i18n.EN, "error.conflict")},
		{"a rate limit says how long to wait", &web.TooManyRequests{RetryAfter: 90 * time.Second}, i18n.T(i18n.EN, "login.rate_limited", 90)},
		{"unauthorized without a key is sign in", billing.ErrUnauthorized, i18n.T(i18n.EN, "error.unauthorized")},
		{"internals never show", errors.New("dial tcp 10.0.0.7:6379: refused"), i18n.T(i18n.EN, "error.internal")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := web.Message(i18n.EN, tc.err); got != tc.want {
				t.Errorf("Message = %q, want %q", got, tc.want)
			}
		})
	}
}

// serve runs one request through h on a fresh engine and returns the recorder.
func serve(t *testing.T, h gin.HandlerFunc, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	e := gin.New()
	e.Any("/*path", h)
	w := httptest.NewRecorder()
	e.ServeHTTP(w, req)
	return w
}

func TestAPIErrors(t *testing.T) {
	api := web.NewAPI(slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, tc := range []struct {
		name               string
		err                error
		status             int
		code, field, retry string
	}{
		{"wrong code", &web.InputError{Key: "login.wrong_code", Kind: billing.ErrUnauthorized}, 401, "unauthorized", "", ""},
		{"a field to correct", &web.InputError{Key: "dispute.error.bill", Field: "bill_id", Kind: billing.ErrInvalid}, 400, "invalid", "bill_id", ""},
		{"rate limited", &web.TooManyRequests{RetryAfter: 1500 * time.Millisecond}, 429, "too_many", "", "2"},
		{"internal", errors.New("disk on fire"), 500, "internal", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/x", nil)
			w := serve(t, api.Handle(func(*gin.Context) error { return tc.err }), req)
			var body struct {
				Error map[string]string `json:"error"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if w.Code != tc.status || body.Error["code"] != tc.code || body.Error["field"] != tc.field ||
				body.Error["message"] != web.Message(i18n.ZH, tc.err) || w.Header().Get("Retry-After") != tc.retry {
				t.Errorf("= %d %s Retry-After %q", w.Code, w.Body, w.Header().Get("Retry-After"))
			}
			if strings.Contains(w.Body.String(), "disk") {
				t.Errorf("internals shown: %s", w.Body)
			}
		})
	}
}

type formPage struct {
	Lang  i18n.Lang
	Value string
	Error string
}

func (p *formPage) SetError(msg string) { p.Error = msg }

func TestPagesErrorsAndForms(t *testing.T) {
	fsys := fstest.MapFS{
		"layout.html": {Data: []byte(`{{block "content" .}}{{end}}`)},
		"error.html":  {Data: []byte(`{{define "content"}}<html lang="{{.Lang}}"><p class="error">{{.Error}}</p>{{end}}`)},
		"form.html":   {Data: []byte(`{{define "content"}}<p class="error">{{.Error}}</p><input value="{{.Value}}">{{end}}`)},
	}
	tpl, err := web.NewTemplates(fsys, template.FuncMap{}, map[string]any{"error": &formPage{}, "form": &formPage{}})
	if err != nil {
		t.Fatal(err)
	}
	pages := web.NewPages(slog.New(slog.NewTextHandler(io.Discard, nil)), tpl, func(c *gin.Context, msg string) any {
		return &formPage{Lang: web.Lang(c), Error: msg}
	})
	enReq := func() *http.Request {
		req := httptest.NewRequest(http.MethodPost, "/x", nil)
		req.Header.Set("Accept-Language", "en")
		return req
	}

	w := serve(t, pages.Handle(func(*gin.Context) error { return errors.New("redis: connection refused") }), enReq())
	if want := i18n.T(i18n.EN, "error.internal"); w.Code != 500 || !strings.Contains(w.Body.String(), want) || !strings.Contains(w.Body.String(), `lang="en"`) ||
		strings.Contains(w.Body.String(), "redis") {
		t.Errorf("error page = %d %s", w.Code, w.Body)
	}

	form := func(err error) *httptest.ResponseRecorder {
		return serve(t, pages.Handle(func(c *gin.Context) error {
			return pages.Form(c, "form", &formPage{Value: "3100000002"}, err)
		}), enReq())
	}
	w = form(&web.InputError{Key: "bind.already", Kind: billing.ErrConflict})
	if want := i18n.T(i18n.EN, "bind.already"); w.Code != 409 || !strings.Contains(w.Body.String(), want) || !strings.Contains(w.Body.String(), `value="3100000002"`) {
		t.Errorf("form shown again = %d %s", w.Code, w.Body)
	}
	w = form(&web.TooManyRequests{RetryAfter: time.Minute})
	if w.Code != 429 || w.Header().Get("Retry-After") != "60" || !strings.Contains(w.Body.String(), `value="3100000002"`) {
		t.Errorf("rate-limited form = %d %s", w.Code, w.Body)
	}
	w = form(errors.New("db gone"))
	if w.Code != 500 || strings.Contains(w.Body.String(), "3100000002") || strings.Contains(w.Body.String(), "db gone") {
		t.Errorf("a failure of ours on a form = %d %s, want the error page", w.Code, w.Body)
	}
}

func TestCheckAPIToken(t *testing.T) {
	for _, tc := range []struct {
		name    string
		headers map[string]string
		ok      bool
	}{
		{"the token", map[string]string{web.CSRFHeader: "tok"}, true},
		{"a wrong token", map[string]string{web.CSRFHeader: "nope", "Origin": "http://example.com"}, false},
		{"same origin", map[string]string{"Origin": "http://example.com"}, true},
		{"another origin", map[string]string{"Origin": "https://evil.example"}, false},
		{"same origin by Origin, another site by Sec-Fetch-Site", map[string]string{"Origin": "http://example.com", "Sec-Fetch-Site": "cross-site"}, false},
		{"neither origin nor token", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "http://example.com/api/v1/x", nil)
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			c, _ := gin.CreateTestContext(httptest.NewRecorder())
			c.Request = req
			err := web.CheckAPIToken(c, "tok")
			if (err == nil) != tc.ok || (err != nil && !errors.Is(err, billing.ErrForbidden)) {
				t.Errorf("CheckAPIToken = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

func TestParsePaging(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  web.Paging
		ok    bool
	}{
		{"", web.Paging{Page: 1, Size: 20}, true},
		{"page=3&per_page=100", web.Paging{Page: 3, Size: 100}, true},
		{"page=0", web.Paging{}, false},
		{"page=1001", web.Paging{}, false},
		{"per_page=101", web.Paging{}, false},
		{"page=x", web.Paging{}, false},
	} {
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest(http.MethodGet, "/x?"+tc.query, nil)
		got, err := web.ParsePaging(c, 20)
		if (err == nil) != tc.ok || got != tc.want || (err != nil && !errors.Is(err, billing.ErrInvalid)) {
			t.Errorf("ParsePaging(%q) = %+v %v, want %+v ok %v", tc.query, got, err, tc.want, tc.ok)
		}
	}
	if got := (web.Paging{Page: 3, Size: 20}); got.Offset() != 40 || got.Pages(41) != 3 || got.Pages(0) != 1 {
		t.Errorf("Offset, Pages = %d, %d, %d", got.Offset(), got.Pages(41), got.Pages(0))
	}
}
