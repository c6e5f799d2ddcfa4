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
// plain local path is followed, so the link cannot send anyone elsewhere: browsers read "//host"
// and "/\host" (also when written /%5Chost) as another site.
func backTo(c *gin.Context) string {
	ref, err := url.Parse(c.GetHeader("Referer"))
	if err != nil || ref.Host != c.Request.Host || ref.User != nil || !localPath(ref.Path) ||
		strings.HasPrefix(ref.Path, "/lang/") || strings.HasPrefix(ref.Path, "/care/") {
		return "/"
	}
	back := ref.EscapedPath()
	if ref.RawQuery != "" {
		back += "?" + ref.RawQuery
	}
	return back
}

// localPath reports whether p (decoded) is a path of this site that no browser could read as
// another host: one leading slash, no backslash anywhere, no control characters.
func localPath(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsRune(p, '\\') {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < 0x20 || p[i] == 0x7f {
			return false
		}
	}
	return true
}

// care reports whether the customer chose large text.
func care(c *gin.Context) bool {
	v, _ := web.Cookie(c, web.CareCookie)
	return v == "1"
}
