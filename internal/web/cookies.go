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
)

// Cookies sets cookies by the site's one rule: for the whole site (Path /), out of reach of script
// (HttpOnly), not sent along with other sites' requests that change things (SameSite Lax, Strict for
// the form token), and only over HTTPS in production or whenever the request came over TLS.
type Cookies struct {
	Secure bool // production: cookies only over HTTPS
}

// Set sets a cookie for maxAge seconds: 0 for the browser's session, negative to delete it.
func (k Cookies) Set(c *gin.Context, name, value string, maxAge int) {
	k.set(c, &http.Cookie{Name: name, Value: value, MaxAge: maxAge, SameSite: http.SameSiteLaxMode})
}

func (k Cookies) set(c *gin.Context, ck *http.Cookie) {
	ck.Path, ck.HttpOnly, ck.Secure = "/", true, k.Secure || c.Request.TLS != nil
	http.SetCookie(c.Writer, ck)
}

// Lang is the caller's language: their choice, else their browser's, else Chinese.
func Lang(c *gin.Context) i18n.Lang {
	cookie, _ := c.Cookie(LangCookie)
	return i18n.Pick(cookie, c.GetHeader("Accept-Language"))
}
