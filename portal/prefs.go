package portal

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"gridpay/internal/i18n"
	"gridpay/internal/web"
)

// prefMaxAge keeps a preference for a year.
const prefMaxAge = 365 * 24 * 3600

// setLanguage answers GET /lang/:lang: the choice is kept in a cookie for a year, then the customer
// goes back to the page they were on.
func (h *Handler) setLanguage(c *gin.Context) error {
	l := i18n.Lang(c.Param("lang"))
	if l != i18n.ZH && l != i18n.EN {
		l = i18n.ZH
	}
	h.cookies.Set(c, web.LangCookie, string(l), prefMaxAge)
	c.Redirect(http.StatusSeeOther, backTo(c))
	return nil
}

// setCare answers GET /care/:on (on or off): large text and big buttons for elderly customers.
func (h *Handler) setCare(c *gin.Context) error {
	v := "0"
	if c.Param("on") == "on" {
		v = "1"
	}
	h.cookies.Set(c, web.CareCookie, v, prefMaxAge)
	c.Redirect(http.StatusSeeOther, backTo(c))
	return nil
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
	v, _ := c.Cookie(web.CareCookie)
	return v == "1"
}
