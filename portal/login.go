package portal

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/i18n"
	"gridpay/internal/pii"
	"gridpay/internal/web"
)

// formCSRFCookie holds the token that sign-in forms, which have no session yet, send back.
const formCSRFCookie = "gridpay_csrf"

type loginPage struct {
	page
	Phone       string
	PhoneMasked string
	CodeSent    bool
}

// showLogin shows the sign-in form (step one: the phone).
func (h *Handler) showLogin(c *gin.Context) {
	if _, ok := session(c); ok {
		c.Redirect(http.StatusSeeOther, "/")
		return
	}
	p := loginPage{page: h.newPage(c)}
	p.CSRF = h.formToken(c)
	h.render(c, http.StatusOK, "login", p)
}

// formToken returns the sign-in forms' CSRF token, setting its cookie the first time.
func (h *Handler) formToken(c *gin.Context) string {
	if v, err := c.Cookie(formCSRFCookie); err == nil && len(v) == 32 {
		return v
	}
	v := randomToken()[:32]
	http.SetCookie(c.Writer, &http.Cookie{Name: formCSRFCookie, Value: v, Path: "/", HttpOnly: true,
		Secure: h.secureCookies || c.Request.TLS != nil, SameSite: http.SameSiteStrictMode})
	return v
}

// checkFormToken refuses a form whose csrf field does not match the session's token or, before
// sign-in, the form cookie's.
func (h *Handler) checkFormToken(c *gin.Context) error {
	want := ""
	if s, ok := session(c); ok {
		want = s.CSRF
	} else if v, err := c.Cookie(formCSRFCookie); err == nil {
		want = v
	}
	got := c.PostForm("csrf")
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 || crossOrigin(c.Request) {
		return fmt.Errorf("portal: form without a valid CSRF token: %w", billing.ErrForbidden)
	}
	return nil
}

// sendLoginCode handles the phone form: the code goes out, the page asks for it.
func (h *Handler) sendLoginCode(c *gin.Context) {
	p := loginPage{page: h.newPage(c), Phone: c.PostForm("phone")}
	p.CSRF = h.formToken(c)
	if err := h.checkFormToken(c); err != nil {
		h.pageError(c, err)
		return
	}
	if err := h.auth.SendCode(c.Request.Context(), p.Phone, c.ClientIP()); err != nil {
		h.loginError(c, p, err)
		return
	}
	p.CodeSent, p.PhoneMasked = true, pii.Phone(p.Phone)
	h.render(c, http.StatusOK, "login", p)
}

// login handles the code form: a session, then home.
func (h *Handler) login(c *gin.Context) {
	p := loginPage{page: h.newPage(c), Phone: c.PostForm("phone"), CodeSent: true}
	p.CSRF, p.PhoneMasked = h.formToken(c), pii.Phone(p.Phone)
	if err := h.checkFormToken(c); err != nil {
		h.pageError(c, err)
		return
	}
	s, err := h.auth.SignIn(c.Request.Context(), p.Phone, c.PostForm("code"), c.ClientIP())
	if err != nil {
		h.loginError(c, p, err)
		return
	}
	h.setSessionCookie(c, s.ID, int(sessionTTL.Seconds()))
	c.Redirect(http.StatusSeeOther, "/")
}

// logout ends the session from the page's sign-out button.
func (h *Handler) logout(c *gin.Context) {
	if err := h.checkFormToken(c); err != nil {
		h.pageError(c, err)
		return
	}
	if s, ok := session(c); ok {
		if err := h.auth.SignOut(c.Request.Context(), s); err != nil {
			h.pageError(c, err)
			return
		}
	}
	h.setSessionCookie(c, "", -1)
	c.Redirect(http.StatusSeeOther, "/")
}

// loginError shows the sign-in form again with what went wrong, in the customer's language.
func (h *Handler) loginError(c *gin.Context, p loginPage, err error) {
	status, kind := web.Kind(err)
	var tooMany *web.TooManyRequests
	switch {
	case errors.As(err, &tooMany):
		c.Header("Retry-After", fmt.Sprint(tooMany.RetrySeconds()))
	case kind == "unauthorized":
	case kind == "invalid":
		p.CodeSent = p.CodeSent && ValidPhone(p.Phone)
	default:
		h.pageError(c, err)
		return
	}
	p.Error = web.Message(p.Lang, err)
	h.render(c, status, "login", p)
}

// pageError answers a page request that failed with a plain page in the customer's language.
func (h *Handler) pageError(c *gin.Context, err error) {
	status, kind := web.Kind(err)
	if status >= 500 {
		h.log.Error("page failed", "request_id", c.GetString("request_id"), "route", c.FullPath(), "err", err)
	}
	p := h.newPage(c)
	p.Error = i18n.T(p.Lang, "error."+kind)
	h.render(c, status, "error", p)
}
