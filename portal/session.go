package portal

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
)

// sessionCookie carries the session id; the session itself lives in Redis.
const sessionCookie = "gridpay_session"

// csrfHeader carries the session's CSRF token on API calls from clients that send no Origin.
const csrfHeader = "X-CSRF-Token"

// loadSession attaches the caller's session, if the cookie names a live one. When the session
// store fails, fail answers: the error page for pages, JSON for the API.
func (h *Handler) loadSession(fail func(*gin.Context, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		if id, err := c.Cookie(sessionCookie); err == nil && id != "" {
			if s, err := h.auth.Session(c.Request.Context(), id); err == nil {
				c.Set("session", s)
			} else if !errors.Is(err, billing.ErrUnauthorized) {
				fail(c, err)
				c.Abort()
				return
			}
		}
		c.Next()
	}
}

// session returns the caller's session.
func session(c *gin.Context) (Session, bool) {
	v, ok := c.Get("session")
	if !ok {
		return Session{}, false
	}
	s, ok := v.(Session)
	return s, ok
}

// requireSession refuses API calls without a live session.
func (h *Handler) requireSession(c *gin.Context) {
	if _, ok := session(c); !ok {
		h.apiError(c, fmt.Errorf("portal: no session: %w", billing.ErrUnauthorized))
		return
	}
	c.Next()
}

// crossOrigin reports whether a browser says this request comes from another site: an Origin
// header naming another host than the one addressed, or Sec-Fetch-Site saying so.
func crossOrigin(r *http.Request) bool {
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

// sameOrigin refuses state-changing calls a browser marks as coming from another site (sign-in
// requests, which have no session yet).
func (h *Handler) sameOrigin(c *gin.Context) {
	if crossOrigin(c.Request) {
		h.apiError(c, fmt.Errorf("portal: cross-origin %s: %w", c.Request.URL.Path, billing.ErrForbidden))
		return
	}
	c.Next()
}

// sameOriginOrToken guards state-changing calls of a session: the session's CSRF token in the
// X-CSRF-Token header passes; without it the call must come, by the browser's word, from this site.
// A client that sends neither Origin nor token (not a browser) must send the token.
func (h *Handler) sameOriginOrToken(c *gin.Context) {
	s, ok := session(c)
	if !ok {
		c.Next() // nothing to protect; the handler decides what an anonymous call means
		return
	}
	if token := c.GetHeader(csrfHeader); token != "" {
		if subtle.ConstantTimeCompare([]byte(token), []byte(s.CSRF)) == 1 {
			c.Next()
			return
		}
		h.apiError(c, fmt.Errorf("portal: wrong CSRF token: %w", billing.ErrForbidden))
		return
	}
	if c.GetHeader("Origin") == "" || crossOrigin(c.Request) {
		h.apiError(c, fmt.Errorf("portal: %s without CSRF token or same origin: %w", c.Request.URL.Path, billing.ErrForbidden))
		return
	}
	c.Next()
}

// setSessionCookie hands the browser its session: HttpOnly, SameSite=Lax, Secure over HTTPS.
func (h *Handler) setSessionCookie(c *gin.Context, id string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: sessionCookie, Value: id, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: h.secureCookies || c.Request.TLS != nil, SameSite: http.SameSiteLaxMode,
	})
}

// requireSignIn sends page requests without a live session to the sign-in form.
func (h *Handler) requireSignIn(c *gin.Context) {
	if _, ok := session(c); !ok {
		c.Redirect(http.StatusSeeOther, "/login")
		c.Abort()
		return
	}
	c.Next()
}
