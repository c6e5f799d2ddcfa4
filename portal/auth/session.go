package auth

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/web"
)

// Session is a signed-in customer.
type Session struct {
	ID      string    `json:"-"`
	Phone   string    `json:"phone"`
	CSRF    string    `json:"csrf"`
	Created time.Time `json:"created"`
}

// contextKey is where Load keeps the session in the request's context.
const contextKey = "auth.session"

// Load attaches the caller's session to the request, if the cookie names a live one. It is a
// middleware for web's adapters: a failing session store is an error, which the page adapter
// answers with the error page and the API adapter with JSON.
func (a *Auth) Load(c *gin.Context) error {
	id, err := web.Cookie(c, web.SessionCookie)
	if err != nil || id == "" {
		return nil
	}
	s, err := a.Session(c.Request.Context(), id)
	switch {
	case err == nil:
		c.Set(contextKey, s)
	case !errors.Is(err, billing.ErrUnauthorized):
		return err
	}
	return nil
}

// FromContext returns the session Load attached.
func FromContext(c *gin.Context) (Session, bool) {
	v, ok := c.Get(contextKey)
	if !ok {
		return Session{}, false
	}
	s, ok := v.(Session)
	return s, ok
}

// Require refuses API calls without a live session.
func Require(c *gin.Context) error {
	if _, ok := FromContext(c); !ok {
		return fmt.Errorf("auth: no session: %w", billing.ErrUnauthorized)
	}
	return nil
}

// RequireSignIn sends page requests without a live session to the sign-in form.
func RequireSignIn(c *gin.Context) error {
	if _, ok := FromContext(c); !ok {
		c.Redirect(http.StatusSeeOther, "/login")
		c.Abort()
	}
	return nil
}

// CheckAPIToken guards a state-changing API call of a session by its CSRF token or the browser's
// word that it comes from this site (web.CheckAPIToken). Without a session there is nothing to
// protect: the handler decides what an anonymous call means.
func CheckAPIToken(c *gin.Context) error {
	s, ok := FromContext(c)
	if !ok {
		return nil
	}
	return web.CheckAPIToken(c, s.CSRF)
}

// CheckForm refuses a form without the session's CSRF token or, before sign-in, the form token's
// (web.CheckForm).
func CheckForm(c *gin.Context) error {
	s, _ := FromContext(c)
	return web.CheckForm(c, s.CSRF)
}

// SetCookie hands the browser its session for maxAge seconds; a negative maxAge ends it.
func SetCookie(c *gin.Context, cookies web.Cookies, id string, maxAge int) {
	cookies.Set(c, web.SessionCookie, id, maxAge)
}
