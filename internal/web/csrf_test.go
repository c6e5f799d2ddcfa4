package web_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/i18n"
	"gridpay/internal/web"
)

func TestCookiesFollowTheRule(t *testing.T) {
	for _, tc := range []struct {
		name       string
		secure     bool
		tls        bool
		wantSecure bool
		wantPrefix string
	}{
		{"dev over HTTP", false, false, false, ""},
		{"dev over TLS", false, true, true, ""},
		{"production", true, false, true, "__Host-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			c, _ := gin.CreateTestContext(w)
			c.Request = httptest.NewRequest(http.MethodGet, "http://example.com/", nil)
			if tc.tls {
				c.Request = httptest.NewRequest(http.MethodGet, "https://example.com/", nil)
			}
			k := web.Cookies{Secure: tc.secure}
			k.Set(c, web.SessionCookie, "abc", 60)
			k.FormToken(c)
			cookies := (&http.Response{Header: w.Header()}).Cookies()
			if len(cookies) != 2 {
				t.Fatalf("cookies = %v", cookies)
			}
			for _, ck := range cookies {
				if !strings.HasPrefix(ck.Name, tc.wantPrefix+"gridpay_") || ck.Domain != "" {
					t.Errorf("cookie named %q with Domain %q, want prefix %q and no Domain", ck.Name, ck.Domain, tc.wantPrefix)
				}
				if !ck.HttpOnly || ck.Path != "/" || ck.Secure != tc.wantSecure {
					t.Errorf("%s: HttpOnly %v Path %q Secure %v", ck.Name, ck.HttpOnly, ck.Path, ck.Secure)
				}
			}
			if cookies[0].SameSite != http.SameSiteLaxMode || cookies[1].SameSite != http.SameSiteStrictMode || len(cookies[1].Value) != 32 {
				t.Errorf("SameSite %v %v, form token %q", cookies[0].SameSite, cookies[1].SameSite, cookies[1].Value)
			}
		})
	}
}

func TestCookiesAreReadByTheNamesTheyAreWrittenBy(t *testing.T) {
	for _, tc := range []struct {
		name    string
		secure  bool
		cookies string // the Cookie header the browser sends
		want    i18n.Lang
	}{
		{"dev reads the plain name", false, "lang=en", i18n.EN},
		{"production reads the __Host- name", true, "__Host-lang=en", i18n.EN},
		{"production ignores a planted plain name", true, "lang=en", i18n.ZH},
		{"dev ignores the prefixed name", false, "__Host-lang=en", i18n.ZH},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := gin.New()
			k := web.Cookies{Secure: tc.secure}
			e.Use(k.Attach)
			e.GET("/", func(c *gin.Context) {
				token := k.FormToken(c)
				c.String(http.StatusOK, string(web.Lang(c))+" "+token)
			})
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set("Cookie", tc.cookies+"; "+k.Name(web.FormTokenCookie)+"="+strings.Repeat("t", 32))
			r.Header.Set("Accept-Language", "zh-CN")
			w := httptest.NewRecorder()
			e.ServeHTTP(w, r)
			if want := string(tc.want) + " " + strings.Repeat("t", 32); w.Body.String() != want {
				t.Errorf("read %q, want %q", w.Body.String(), want)
			}
		})
	}
}

func TestCheckForm(t *testing.T) {
	for _, tc := range []struct {
		name          string
		session, form string
		cookie        string
		origin        string
		ok            bool
	}{
		{"the session's token", "tok", "tok", "", "", true},
		{"another token", "tok", "nope", "", "", false},
		{"no token", "tok", "", "", "", false},
		{"before sign-in, the cookie's token", "", "form", "form", "", true},
		{"before sign-in, without the cookie", "", "form", "", "", false},
		{"before sign-in, an empty token and no cookie", "", "", "", "", false},
		{"the right token from another site", "tok", "tok", "", "https://evil.example", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "http://example.com/x", strings.NewReader(url.Values{"csrf": {tc.form}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.cookie != "" {
				req.AddCookie(&http.Cookie{Name: web.FormTokenCookie, Value: tc.cookie})
			}
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			c, _ := gin.CreateTestContext(httptest.NewRecorder())
			c.Request = req
			err := web.CheckForm(c, tc.session)
			if (err == nil) != tc.ok || (err != nil && !errors.Is(err, billing.ErrForbidden)) {
				t.Errorf("CheckForm = %v, want ok %v", err, tc.ok)
			}
		})
	}
}
