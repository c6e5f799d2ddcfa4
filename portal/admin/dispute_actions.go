package admin

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/store"
	"gridpay/internal/web"
)

// caseAction reads what every action on a case carries: the dispute of the path and the status the
// staff member saw when they acted (so that two staff acting at once cannot both win).
func caseAction(c *gin.Context) (id int64, from store.DisputeStatus, err error) {
	if id, err = web.PathID(c, "id"); err != nil {
		return 0, "", err
	}
	from = store.DisputeStatus(truncate(c.PostForm("from"), 32))
	if !from.Valid() {
		return 0, "", &web.InputError{Field: "from", Key: "admin.error.filter", Kind: billing.ErrInvalid}
	}
	return id, from, nil
}

// formText is a free-text field of a staff form, trimmed and cut to its limit; the store refuses
// what is still too long or not text.
func formText(c *gin.Context, name string) string {
	return strings.TrimSpace(truncate(c.PostForm(name), 4*store.MaxDisputeText))
}

// backToCase sends the staff member back to the case, saying what was done.
func backToCase(c *gin.Context, id int64, done string) error {
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/admin/disputes/%d?done=%s", id, done))
	return nil
}

// moveDispute answers POST /admin/disputes/:id/move: a move to another status (to), a reply to the
// customer and an internal note, any of them, with a reason for the audit log.
func (h *Handler) moveDispute(c *gin.Context) error {
	me, _ := staffOf(c)
	id, from, err := caseAction(c)
	if err != nil {
		return err
	}
	m := store.DisputeMove{ID: id, From: from, To: store.DisputeStatus(truncate(c.PostForm("to"), 32)),
		Reply: formText(c, "reply"), Note: formText(c, "note"), Audit: audit(c, formText(c, "reason"))}
	if m.To == "" && m.Reply == "" && m.Note == "" {
		return &web.InputError{Field: "reply", Key: "admin.dispute.nothing", Kind: billing.ErrInvalid}
	}
	if m.Audit.Reason == "" {
		m.Audit.Reason = string(m.To)
		if m.Audit.Reason == "" {
			m.Audit.Reason = "reply"
		}
	}
	if _, err := h.disputes.Move(c.Request.Context(), me, m); err != nil {
		return err
	}
	return backToCase(c, id, "moved")
}

// proposeAction answers POST /admin/disputes/:id/actions: a settlement (adjust a bill, waive its
// late fee, refund a payment, reject) with its amount in yuan and a reason.
func (h *Handler) proposeAction(c *gin.Context) error {
	me, _ := staffOf(c)
	id, from, err := caseAction(c)
	if err != nil {
		return err
	}
	p := Proposal{DisputeID: id, From: from, Kind: billing.DisputeActionKind(truncate(c.PostForm("kind"), 32)),
		OrderNo: strings.TrimSpace(truncate(c.PostForm("order"), 64)), ReasonCode: truncate(c.PostForm("reason_code"), 32),
		Reason: formText(c, "reason"), ClientAddr: c.ClientIP()}
	if !p.Kind.Valid() {
		return &web.InputError{Field: "kind", Key: "admin.dispute.kind_error", Kind: billing.ErrInvalid}
	}
	if p.Kind.HasAmount() {
		if p.Amount, err = billing.ParseMoney(strings.TrimSpace(truncate(c.PostForm("amount"), 32))); err != nil || p.Amount <= 0 {
			return &web.InputError{Field: "amount", Key: "admin.dispute.amount_error", Kind: billing.ErrInvalid}
		}
	}
	if p.Kind != billing.ActionReject {
		p.ReasonCode = ""
	}
	if p.Kind != billing.ActionRefund {
		p.OrderNo = ""
	}
	if p.Kind == billing.ActionAdjustBill || p.Kind == billing.ActionWaiveFee {
		if v := c.PostForm("bill"); v != "" {
			if p.BillID, err = web.ParseID("bill", v); err != nil {
				return err
			}
		}
	}
	if p.Reason == "" {
		return &web.InputError{Field: "reason", Key: "admin.error.reason", Kind: billing.ErrInvalid}
	}
	a, err := h.disputes.Propose(c.Request.Context(), me, p)
	if err != nil {
		return err
	}
	if a.Status == billing.ActionProposed {
		return backToCase(c, id, "proposed")
	}
	return backToCase(c, id, "settled")
}

// decideAction answers POST /admin/disputes/:id/actions/:action/approve and .../decline.
func (h *Handler) decideAction(approve bool) web.HandlerFunc {
	return func(c *gin.Context) error {
		me, _ := staffOf(c)
		id, err := web.PathID(c, "id")
		if err != nil {
			return err
		}
		actionID, err := web.PathID(c, "action")
		if err != nil {
			return err
		}
		reason := formText(c, "reason")
		if reason == "" {
			return &web.InputError{Field: "reason", Key: "admin.error.reason", Kind: billing.ErrInvalid}
		}
		if _, err := h.disputes.Decide(c.Request.Context(), me, id, actionID, approve, reason, c.ClientIP()); err != nil {
			return err
		}
		if approve {
			return backToCase(c, id, "settled")
		}
		return backToCase(c, id, "declined")
	}
}

// retryAction answers POST /admin/disputes/:id/actions/:action/retry: an approved refund or
// adjustment carried out again.
func (h *Handler) retryAction(c *gin.Context) error {
	me, _ := staffOf(c)
	id, err := web.PathID(c, "id")
	if err != nil {
		return err
	}
	actionID, err := web.PathID(c, "action")
	if err != nil {
		return err
	}
	if err := h.disputes.Retry(c.Request.Context(), me, id, actionID); err != nil {
		return err
	}
	return backToCase(c, id, "settled")
}
