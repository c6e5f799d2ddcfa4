package portal

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"gridpay/internal/i18n"
)

// careCookie switches on large text (关怀模式).
const careCookie = "care"

// setLanguage answers GET /lang/:lang: the choice is kept in a cookie for a year, then the customer
// goes back to the page they were on.
func (h *Handler) setLanguage(c *gin.Context) {
	l := i18n.Lang(c.Param("lang"))
	if l != i18n.ZH && l != i18n.EN {
		l = i18n.ZH
	}
	h.setPref(c, langCookie, string(l))
	c.Redirect(http.StatusSeeOther, backTo(c))
}

// setCare answers GET /care/:on (on or off): large text and big buttons for elderly customers.
func (h *Handler) setCare(c *gin.Context) {
	v := "0"
	if c.Param("on") == "on" {
		v = "1"
	}
	h.setPref(c, careCookie, v)
	c.Redirect(http.StatusSeeOther, backTo(c))
}

func (h *Handler) setPref(c *gin.Context, name, value string) {
	http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: h.secureCookies || c.Request.TLS != nil, SameSite: http.SameSiteLaxMode})
}

// backTo is where a preference link returns: the referring page of this site, else home. Only a
// local path is followed, so the link cannot send anyone elsewhere.
func backTo(c *gin.Context) string {
	ref, err := url.Parse(c.GetHeader("Referer"))
	if err != nil || ref.Host != c.Request.Host || !strings.HasPrefix(ref.Path, "/") || strings.HasPrefix(ref.Path, "//") ||
		strings.HasPrefix(ref.Path, "/lang/") || strings.HasPrefix(ref.Path, "/care/") {
		return "/"
	}
	if ref.RawQuery != "" {
		return ref.Path + "?" + ref.RawQuery
	}
	return ref.Path
}

// care reports whether the customer chose large text.
func care(c *gin.Context) bool {
	v, _ := c.Cookie(careCookie)
	return v == "1"
}
