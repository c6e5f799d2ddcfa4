package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"gridpay/internal/i18n"
)

// The site's cookies, named in one list so that no two areas use one name for different things.
const (
	SessionCookie   = "gridpay_session" // a customer's session id; the session lives in Redis
	FormTokenCookie = "gridpay_csrf"    // the CSRF token of forms sent before sign-in
	LangCookie      = "lang"            // the language the customer chose
	CareCookie      = "care"            // large text (关怀模式) when "1"
	PayerCookie     = "gridpay_payer"   // a signed-out payer's token (代缴): their orders are theirs alone
	OpenIDCookie    = "gridpay_openid"  // the WeChat customer web authorization found this browser to be
	StaffCookie     = "gridpay_staff"   // a staff member's session id (portal/admin); apart from customers'
)

// Cookies sets cookies by the site's one rule: for the whole site (Path /), out of reach of script
// (HttpOnly), not sent along with other sites' requests that change things (SameSite Lax, Strict for
// the form token), and only over HTTPS in production or whenever the request came over TLS. In
// production the names carry the __Host- prefix, which browsers accept only from this very host
// over HTTPS with Path / and no Domain: no sibling subdomain or plain-HTTP answer can plant one
// (a session chosen by someone else, say).
type Cookies struct {
	Secure bool // production: cookies only over HTTPS, under __Host- names
}

// hostPrefix is the name prefix of Secure, host-only cookies.
const hostPrefix = "__Host-"

// Name is the name the cookie called name goes by on this site: the one place that decides the
// prefix, so that reading and writing agree.
func (k Cookies) Name(name string) string {
	if k.Secure {
		return hostPrefix + name
	}
	return name
}

// Get reads the cookie called name by the name Set writes it under.
func (k Cookies) Get(c *gin.Context, name string) (string, error) {
	return c.Cookie(k.Name(name))
}

// Set sets a cookie for maxAge seconds: 0 for the browser's session, negative to delete it.
func (k Cookies) Set(c *gin.Context, name, value string, maxAge int) {
	k.set(c, &http.Cookie{Name: name, Value: value, MaxAge: maxAge, SameSite: http.SameSiteLaxMode})
}

// SetStrict sets a cookie as Set does but never sends it along with a request from another site,
// not even a link followed from one: the staff session's rule.
func (k Cookies) SetStrict(c *gin.Context, name, value string, maxAge int) {
	k.set(c, &http.Cookie{Name: name, Value: value, MaxAge: maxAge, SameSite: http.SameSiteStrictMode})
}

func (k Cookies) set(c *gin.Context, ck *http.Cookie) {
	ck.Name = k.Name(ck.Name)
	ck.Path, ck.HttpOnly, ck.Secure = "/", true, k.Secure || c.Request.TLS != nil
	http.SetCookie(c.Writer, ck)
}

// cookiesKey is where Attach keeps the site's cookie rule in a request's context.
const cookiesKey = "web.cookies"

// Attach is a middleware that makes k the cookie rule of every request it runs for, so that code
// holding no Cookies (Lang, Cookie) reads the names k writes.
func (k Cookies) Attach(c *gin.Context) {
	c.Set(cookiesKey, k)
	c.Next()
}

// Cookie reads the cookie called name of this request by the rule Attach gave it (plain names when
// none was given).
func Cookie(c *gin.Context, name string) (string, error) {
	var k Cookies
	if v, ok := c.Get(cookiesKey); ok {
		k, _ = v.(Cookies)
	}
	return k.Get(c, name)
}

// Lang is the caller's language: their choice, else their browser's, else Chinese.
func Lang(c *gin.Context) i18n.Lang {
	cookie, _ := Cookie(c, LangCookie)
	return i18n.Pick(cookie, c.GetHeader("Accept-Language"))
}
