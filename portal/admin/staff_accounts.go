package admin

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/store"
	"gridpay/internal/web"
)

// staffPage lists the staff accounts for administrators.
type staffPage struct {
	page
	Accounts []store.Staff
}

// showStaff answers GET /admin/staff.
func (h *Handler) showStaff(c *gin.Context) error {
	list, err := h.portal.ListStaff(c.Request.Context())
	if err != nil {
		return err
	}
	p := staffPage{page: h.newPage(c), Accounts: list}
	if c.Query("done") != "" {
		p.Notice = p.T("admin.staff.done")
	}
	return h.pages.Render(c, http.StatusOK, "staff", p)
}

// staffAction reads the account of the path and the reason of the form, refusing an
// administrator's action on their own account (another administrator does it, so that nobody
// locks themselves out or lifts their own second factor).
func (h *Handler) staffAction(c *gin.Context) (store.Staff, string, error) {
	id, err := web.PathID(c, "id")
	if err != nil {
		return store.Staff{}, "", err
	}
	me, _ := staffOf(c)
	if id == me.ID {
		return store.Staff{}, "", fmt.Errorf("admin: staff %d acting on their own account: %w", id, billing.ErrForbidden)
	}
	target, err := h.portal.StaffByID(c.Request.Context(), id)
	if err != nil {
		return store.Staff{}, "", err
	}
	reason := truncate(c.PostForm("reason"), 2*store.MaxAuditReason)
	if reason == "" {
		return store.Staff{}, "", &web.InputError{Field: "reason", Key: "admin.error.reason", Kind: billing.ErrInvalid}
	}
	return target, reason, nil
}

// disableStaff answers POST /admin/staff/:id/disable: the account cannot sign in, and its sessions
// end at once.
func (h *Handler) disableStaff(c *gin.Context) error {
	target, reason, err := h.staffAction(c)
	if err != nil {
		return err
	}
	if _, err := h.portal.SetStaffDisabled(c.Request.Context(), target.ID, true, audit(c, reason)); err != nil {
		return err
	}
	if _, err := h.sessions.revokeAll(c.Request.Context(), target.ID, ""); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/staff?done=1")
	return nil
}

// enableStaff answers POST /admin/staff/:id/enable.
func (h *Handler) enableStaff(c *gin.Context) error {
	target, reason, err := h.staffAction(c)
	if err != nil {
		return err
	}
	if _, err := h.portal.SetStaffDisabled(c.Request.Context(), target.ID, false, audit(c, reason)); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/staff?done=1")
	return nil
}

// resetStaffTOTP answers POST /admin/staff/:id/reset-totp: a lost phone. The staff member enrols
// a new second factor at their next sign-in; their sessions end now.
func (h *Handler) resetStaffTOTP(c *gin.Context) error {
	target, reason, err := h.staffAction(c)
	if err != nil {
		return err
	}
	if _, err := h.portal.SetStaffTOTP(c.Request.Context(), target.ID, "", audit(c, reason)); err != nil {
		return err
	}
	if _, err := h.sessions.revokeAll(c.Request.Context(), target.ID, ""); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/staff?done=1")
	return nil
}

// revokeStaffSessions answers POST /admin/staff/:id/revoke: every session of the account ends at
// once, on every web process.
func (h *Handler) revokeStaffSessions(c *gin.Context) error {
	target, reason, err := h.staffAction(c)
	if err != nil {
		return err
	}
	n, err := h.sessions.revokeAll(c.Request.Context(), target.ID, "")
	if err != nil {
		return err
	}
	a := audit(c, reason)
	a.Action, a.Target, a.After = "staff.revoke", "staff:"+target.Username, fmt.Sprintf(`{"sessions_ended":%d}`, n)
	if err := h.portal.RecordAudit(c.Request.Context(), a); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/staff?done=1")
	return nil
}
