package admin

import (
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/staff"
	"gridpay/internal/store"
	"gridpay/internal/web"
)

// Where the middleware keeps the session and the staff member in a request's context.
const (
	sessionKeyCtx = "admin.session"
	staffKeyCtx   = "admin.staff"
)

func sessionOf(c *gin.Context) (Session, bool) {
	v, ok := c.Get(sessionKeyCtx)
	if !ok {
		return Session{}, false
	}
	s, ok := v.(Session)
	return s, ok
}

func staffOf(c *gin.Context) (store.Staff, bool) {
	v, ok := c.Get(staffKeyCtx)
	if !ok {
		return store.Staff{}, false
	}
	s, ok := v.(store.Staff)
	return s, ok
}

// load attaches the caller's staff session and account, if the cookie names a live session of an
// enabled account. The account is read afresh on every request, so that a disabled account or a
// changed role counts at once; a disabled account's sessions end here too.
func (h *Handler) load(c *gin.Context) error {
	id, err := h.cookies.Get(c, web.StaffCookie)
	if err != nil || id == "" {
		return nil
	}
	ctx := c.Request.Context()
	ss, err := h.sessions.get(ctx, id)
	if errors.Is(err, billing.ErrUnauthorized) {
		return nil
	}
	if err != nil {
		return err
	}
	acct, err := h.portal.StaffByID(ctx, ss.StaffID)
	if errors.Is(err, billing.ErrNotFound) || err == nil && acct.Disabled {
		_, err = h.sessions.revokeAll(ctx, ss.StaffID, "")
		return err
	}
	if err != nil {
		return err
	}
	c.Set(sessionKeyCtx, ss)
	c.Set(staffKeyCtx, acct)
	return nil
}

// stagePath is the page that finishes a sign-in at stage.
func stagePath(s Stage) string {
	switch s {
	case StageTOTP:
		return "/admin/login/totp"
	case StageEnrol:
		return "/admin/login/enrol"
	case StagePassword:
		return "/admin/login/password"
	}
	return "/admin/"
}

// requireSignedIn sends a request without a finished sign-in to the sign-in form (or the step of it
// that is next): a page to the page, anything else is unauthorized.
func requireSignedIn(c *gin.Context) error {
	ss, ok := sessionOf(c)
	if ok && ss.Stage == StageDone {
		return nil
	}
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
		return fmt.Errorf("admin: %s %s without a session: %w", c.Request.Method, c.Request.URL.Path, billing.ErrUnauthorized)
	}
	to := "/admin/login"
	if ok {
		to = stagePath(ss.Stage)
	}
	c.Redirect(http.StatusSeeOther, to)
	c.Abort()
	return nil
}

// allow refuses a staff member whose role is not one of roles.
func allow(roles []staff.Role) web.HandlerFunc {
	return func(c *gin.Context) error {
		s, ok := staffOf(c)
		if !ok || !slices.Contains(roles, s.Role) {
			return fmt.Errorf("admin: %s %s is not for role %q: %w", c.Request.Method, c.FullPath(), s.Role, billing.ErrForbidden)
		}
		return nil
	}
}

// maxForm bounds a staff form: a reason or a reply of a thousand characters fits many times over.
const maxForm = 32 << 10

// checkForm refuses a state-changing request without the session's CSRF token (a form field, or
// the X-CSRF-Token header of a script's call) or that a browser says comes from another site.
func checkForm(c *gin.Context) error {
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	if err := web.ParseForm(c, maxForm); err != nil {
		return err
	}
	ss, _ := sessionOf(c)
	if c.GetHeader(web.CSRFHeader) != "" {
		return web.CheckAPIToken(c, ss.CSRF)
	}
	return web.CheckForm(c, ss.CSRF)
}

// pendingSession returns the session of a sign-in at stage, and its account; anything else is sent
// back to where it belongs.
func (h *Handler) pendingSession(c *gin.Context, stage Stage) (Session, store.Staff, bool) {
	ss, ok := sessionOf(c)
	acct, _ := staffOf(c)
	if !ok || ss.Stage != stage {
		to := "/admin/login"
		if ok {
			to = stagePath(ss.Stage)
		}
		c.Redirect(http.StatusSeeOther, to)
		return Session{}, store.Staff{}, false
	}
	return ss, acct, true
}
