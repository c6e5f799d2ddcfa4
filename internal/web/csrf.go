package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
)

// CSRFHeader carries a session's CSRF token on API calls from clients that send no Origin.
const CSRFHeader = "X-CSRF-Token"

// csrfField is the form field that carries the token back.
const csrfField = "csrf"

// NewToken returns 32 random characters, safe in URLs and cookies: session ids and CSRF tokens.
func NewToken() string {
	var b [24]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// CrossOrigin reports whether a browser says this request comes from another site: an Origin
// header naming another host than the one addressed, or Sec-Fetch-Site saying so.
func CrossOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		return true
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	u, err := url.Parse(origin)
	return err != nil || u.Host != r.Host
}

// SameOrigin refuses a state-changing API call a browser marks as coming from another site. It
// guards calls made before there is a session (sign-in), which have no token to check.
func SameOrigin(c *gin.Context) error {
	if CrossOrigin(c.Request) {
		return fmt.Errorf("web: cross-origin %s: %w", c.Request.URL.Path, billing.ErrForbidden)
	}
	return nil
}

// CheckAPIToken guards a state-changing API call of a session whose CSRF token is token: the token
// in the X-CSRF-Token header passes; without it the call must come, by the browser's word, from this
// site. A client that sends neither Origin nor token (not a browser) must send the token.
func CheckAPIToken(c *gin.Context, token string) error {
	if got := c.GetHeader(CSRFHeader); got != "" {
		if subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1 {
			return nil
		}
		return fmt.Errorf("web: wrong CSRF token: %w", billing.ErrForbidden)
	}
	if c.GetHeader("Origin") == "" || CrossOrigin(c.Request) {
		return fmt.Errorf("web: %s without CSRF token or same origin: %w", c.Request.URL.Path, billing.ErrForbidden)
	}
	return nil
}

// FormToken returns the CSRF token of forms shown before sign-in, setting its cookie the first
// time; after sign-in forms carry the session's token instead.
func (k Cookies) FormToken(c *gin.Context) string {
	if v, err := k.Get(c, FormTokenCookie); err == nil && len(v) == 32 {
		return v
	}
	v := NewToken()[:32]
	k.set(c, &http.Cookie{Name: FormTokenCookie, Value: v, SameSite: http.SameSiteStrictMode})
	return v
}

// CheckForm refuses a form whose csrf field does not match sessionToken or, with no session
// (sessionToken ""), the form token cookie's; and any form a browser says comes from another site.
func CheckForm(c *gin.Context, sessionToken string) error {
	want := sessionToken
	if want == "" {
		want, _ = Cookie(c, FormTokenCookie)
	}
	got := c.PostForm(csrfField)
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 || CrossOrigin(c.Request) {
		return fmt.Errorf("web: form without a valid CSRF token: %w", billing.ErrForbidden)
	}
	return nil
}
