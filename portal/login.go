package portal

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/pii"
	"gridpay/portal/auth"
)

type loginPage struct {
	page
	Phone       string
	PhoneMasked string
	CodeSent    bool
}

// showLogin shows the sign-in form (step one: the phone).
func (h *Handler) showLogin(c *gin.Context) error {
	if _, ok := auth.FromContext(c); ok {
		c.Redirect(http.StatusSeeOther, "/")
		return nil
	}
	p := loginPage{page: h.newPage(c)}
	p.CSRF = h.cookies.FormToken(c)
	return h.pages.Render(c, http.StatusOK, "login", &p)
}

// sendLoginCode handles the phone form: the code goes out, the page asks for it.
func (h *Handler) sendLoginCode(c *gin.Context) error {
	p := loginPage{page: h.newPage(c), Phone: c.PostForm("phone")}
	p.CSRF = h.cookies.FormToken(c)
	if err := auth.CheckForm(c); err != nil {
		return err
	}
	if err := h.auth.SendCode(c.Request.Context(), p.Phone, c.ClientIP()); err != nil {
		return h.pages.Form(c, "login", &p, err)
	}
	p.CodeSent, p.PhoneMasked = true, pii.Phone(p.Phone)
	return h.pages.Render(c, http.StatusOK, "login", &p)
}

// login handles the code form: a session, then home. A phone that is not one goes back to step one.
func (h *Handler) login(c *gin.Context) error {
	p := loginPage{page: h.newPage(c), Phone: c.PostForm("phone"), CodeSent: billing.ValidPhone(c.PostForm("phone"))}
	p.CSRF, p.PhoneMasked = h.cookies.FormToken(c), pii.Phone(p.Phone)
	if err := auth.CheckForm(c); err != nil {
		return err
	}
	s, err := h.auth.SignIn(c.Request.Context(), p.Phone, c.PostForm("code"), c.ClientIP())
	if err != nil {
		return h.pages.Form(c, "login", &p, err)
	}
	auth.SetCookie(c, h.cookies, s.ID, int(auth.SessionTTL.Seconds()))
	c.Redirect(http.StatusSeeOther, "/")
	return nil
}

// logout ends the session from the page's sign-out button.
func (h *Handler) logout(c *gin.Context) error {
	if err := auth.CheckForm(c); err != nil {
		return err
	}
	if s, ok := auth.FromContext(c); ok {
		if err := h.auth.SignOut(c.Request.Context(), s); err != nil {
			return err
		}
	}
	auth.SetCookie(c, h.cookies, "", -1)
	c.Redirect(http.StatusSeeOther, "/")
	return nil
}
