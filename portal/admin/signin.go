package admin

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/pquerna/otp/totp"
	"github.com/skip2/go-qrcode"

	"gridpay/internal/billing"
	"gridpay/internal/i18n"
	"gridpay/internal/staff"
	"gridpay/internal/store"
	"gridpay/internal/web"
)

// loginPage is the sign-in form and its steps: password, TOTP code, enrolment, new password.
type loginPage struct {
	page
	Username string
	Demo     []DemoLogin
	Secret   string // enrolment: the secret to type in when the code cannot be scanned
	Rules    []string
}

// The size limits of the sign-in forms' fields, past which a field is refused unread.
const maxLoginField = 256

func (h *Handler) newLoginPage(c *gin.Context) *loginPage {
	p := &loginPage{page: h.newPage(c)}
	for _, d := range h.demo { // dev only: the code each demo authenticator would show now
		if d.TOTPSecret != "" {
			d.Code, _ = totp.GenerateCode(d.TOTPSecret, h.now())
		}
		p.Demo = append(p.Demo, d)
	}
	if p.CSRF == "" {
		p.CSRF = h.cookies.FormToken(c)
	}
	p.Staff = nil // not signed in until the last step
	return p
}

// showLogin answers GET /admin/login: the form, or where a signed-in staff member belongs.
func (h *Handler) showLogin(c *gin.Context) error {
	if ss, ok := sessionOf(c); ok {
		c.Redirect(http.StatusSeeOther, stagePath(ss.Stage))
		return nil
	}
	return h.pages.Render(c, http.StatusOK, "login", h.newLoginPage(c))
}

// login answers POST /admin/login: a username and password open a session at the next stage of
// the sign-in.
func (h *Handler) login(c *gin.Context) error {
	if err := web.ParseForm(c, maxForm); err != nil {
		return err
	}
	p := h.newLoginPage(c)
	p.Username = truncate(c.PostForm("username"), staff.MaxUsername)
	if err := web.CheckForm(c, ""); err != nil {
		return err
	}
	acct, err := h.signIns.password(c.Request.Context(), c.PostForm("username"), truncate(c.PostForm("password"), maxLoginField), c.ClientIP())
	if err != nil {
		return h.pages.Form(c, "login", p, err)
	}
	ss, err := h.sessions.start(c.Request.Context(), acct.ID, nextStage(acct, ""))
	if err != nil {
		return err
	}
	return h.signedInTo(c, ss)
}

// signedInTo hands the browser session ss and sends it to the page of its stage.
func (h *Handler) signedInTo(c *gin.Context, ss Session) error {
	h.cookies.SetStrict(c, web.StaffCookie, ss.ID, 0)
	c.Redirect(http.StatusSeeOther, stagePath(ss.Stage))
	return nil
}

// showTOTP answers GET /admin/login/totp: the form for the second factor's code.
func (h *Handler) showTOTP(c *gin.Context) error {
	if _, _, ok := h.pendingSession(c, StageTOTP); !ok {
		return nil
	}
	return h.pages.Render(c, http.StatusOK, "totp", h.newLoginPage(c))
}

// checkTOTP answers POST /admin/login/totp.
func (h *Handler) checkTOTP(c *gin.Context) error {
	ss, acct, ok := h.pendingSession(c, StageTOTP)
	if !ok {
		return nil
	}
	if err := h.signIns.code(c.Request.Context(), acct, acct.TOTPSecret, truncate(c.PostForm("code"), 16)); err != nil {
		return h.pages.Form(c, "totp", h.newLoginPage(c), err)
	}
	next, err := h.sessions.advance(c.Request.Context(), ss, nextStage(acct, StageTOTP))
	if err != nil {
		return err
	}
	return h.signedInTo(c, next)
}

// showEnrol answers GET /admin/login/enrol: a new secret for the staff member's authenticator app,
// as a QR code and as text.
func (h *Handler) showEnrol(c *gin.Context) error {
	ss, acct, ok := h.pendingSession(c, StageEnrol)
	if !ok {
		return nil
	}
	if ss.Enrol == "" {
		k, err := newTOTPSecret(h.bureau+" gridpay", acct.Username)
		if err != nil {
			return err
		}
		ss.Enrol = k.Secret()
		if err := h.sessions.save(c.Request.Context(), ss, false); err != nil {
			return err
		}
	}
	p := h.newLoginPage(c)
	p.Secret = ss.Enrol
	return h.pages.Render(c, http.StatusOK, "enrol", p)
}

// showEnrolQR answers GET /admin/login/enrol/qr.png: the otpauth:// address of the secret being
// enrolled, as a QR code for the authenticator app to scan.
func (h *Handler) showEnrolQR(c *gin.Context) error {
	ss, acct, ok := h.pendingSession(c, StageEnrol)
	if !ok {
		return nil
	}
	if ss.Enrol == "" {
		return billing.ErrNotFound
	}
	png, err := qrcode.Encode(otpauthURL(h.bureau+" gridpay", acct.Username, ss.Enrol), qrcode.Medium, 256)
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "image/png", png)
	return nil
}

// enrol answers POST /admin/login/enrol: a code from the app proves it holds the secret, which is
// then the staff member's second factor.
func (h *Handler) enrol(c *gin.Context) error {
	ss, acct, ok := h.pendingSession(c, StageEnrol)
	if !ok {
		return nil
	}
	p := h.newLoginPage(c)
	p.Secret = ss.Enrol
	if ss.Enrol == "" {
		c.Redirect(http.StatusSeeOther, "/admin/login/enrol")
		return nil
	}
	ctx := c.Request.Context()
	if err := h.signIns.code(ctx, acct, ss.Enrol, truncate(c.PostForm("code"), 16)); err != nil {
		return h.pages.Form(c, "enrol", p, err)
	}
	a := store.Audit{StaffID: acct.ID, Reason: "enrolled at sign-in", ClientAddr: c.ClientIP()}
	acct, err := h.portal.SetStaffTOTP(ctx, acct.ID, ss.Enrol, a)
	if err != nil {
		return err
	}
	next, err := h.sessions.advance(ctx, ss, nextStage(acct, StageEnrol))
	if err != nil {
		return err
	}
	return h.signedInTo(c, next)
}

// showPassword answers GET /admin/login/password: a one-time password is replaced before anything
// else.
func (h *Handler) showPassword(c *gin.Context) error {
	if _, _, ok := h.pendingSession(c, StagePassword); !ok {
		return nil
	}
	p := h.newLoginPage(c)
	p.Rules = passwordRules(p.Lang)
	return h.pages.Render(c, http.StatusOK, "password", p)
}

// changePassword answers POST /admin/login/password: the new password, twice. A weak one is
// refused with what makes it weak; every other session of the account ends.
func (h *Handler) changePassword(c *gin.Context) error {
	ss, acct, ok := h.pendingSession(c, StagePassword)
	if !ok {
		return nil
	}
	p := h.newLoginPage(c)
	p.Rules = passwordRules(p.Lang)
	pw, again := truncate(c.PostForm("password"), maxLoginField), truncate(c.PostForm("again"), maxLoginField)
	if pw != again {
		return h.pages.Form(c, "password", p, &web.InputError{Field: "again", Key: "admin.password.mismatch", Kind: billing.ErrInvalid})
	}
	if err := staff.CheckStrength(pw); err != nil {
		return h.pages.Form(c, "password", p, &web.InputError{Field: "password", Key: "admin.password.weak", Kind: billing.ErrInvalid})
	}
	if same, _ := staff.CheckPassword(acct.PasswordHash, pw); same {
		return h.pages.Form(c, "password", p, &web.InputError{Field: "password", Key: "admin.password.same", Kind: billing.ErrInvalid})
	}
	hash, err := staff.HashPassword(pw)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	if _, err := h.portal.SetStaffPassword(ctx, acct.ID, hash, false, store.Audit{StaffID: acct.ID, Reason: "changed at sign-in", ClientAddr: c.ClientIP()}); err != nil {
		return err
	}
	if _, err := h.sessions.revokeAll(ctx, acct.ID, ss.ID); err != nil {
		return err
	}
	next, err := h.sessions.advance(ctx, ss, StageDone)
	if err != nil {
		return err
	}
	return h.signedInTo(c, next)
}

// logout answers POST /admin/logout.
func (h *Handler) logout(c *gin.Context) error {
	if ss, ok := sessionOf(c); ok {
		if err := h.sessions.end(c.Request.Context(), ss); err != nil {
			return err
		}
	}
	h.cookies.SetStrict(c, web.StaffCookie, "", -1)
	c.Redirect(http.StatusSeeOther, "/admin/login")
	return nil
}

// setLanguage answers GET /admin/lang/:lang and goes back to the staff home page.
func (h *Handler) setLanguage(c *gin.Context) error {
	l := i18n.Lang(c.Param("lang"))
	if l != i18n.ZH && l != i18n.EN {
		l = i18n.ZH
	}
	h.cookies.Set(c, web.LangCookie, string(l), 365*24*3600)
	c.Redirect(http.StatusSeeOther, "/admin/")
	return nil
}

// passwordRules are the password rules as the form states them.
func passwordRules(lang i18n.Lang) []string {
	return []string{i18n.T(lang, "admin.password.rule_length", staff.MinPassword), i18n.T(lang, "admin.password.rule_common")}
}

// truncate cuts s to at most n bytes, at a rune boundary: a form field's size limit.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !isRuneStart(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return strings.ToValidUTF8(s, "")
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// otpauthURL is the address an authenticator app scans: Key URI Format, SHA1, 6 digits, 30 s.
func otpauthURL(issuer, username, secret string) string {
	q := url.Values{"secret": {secret}, "issuer": {issuer}, "algorithm": {"SHA1"}, "digits": {"6"}, "period": {"30"}}
	return "otpauth://totp/" + url.PathEscape(issuer+":"+username) + "?" + q.Encode()
}
