package admin

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/pii"
	"gridpay/internal/web"
)

// disputePage is one dispute's case: the thread, the evidence side by side, and the actions the
// staff member's role offers.
type disputePage struct {
	page
	Case
	Names        map[int64]string // staff ids to display names
	Moves        []billing.DisputeStatus
	Kinds        []billing.DisputeActionKind
	RejectCodes  []billing.RejectReason
	Pending      *Pending // the settlement waiting for a second person; nil when none
	AgentLimit   billing.Money
	CanAct       bool // the role may move the case and propose settlements
	CanApprove   bool // the role may decide a pending settlement (never its own)
	MaskedName   string
	MaskedPhone  string
	MaskedAddr   string
	ReplyDefault string
}

// Pending is a settlement waiting for approval, with who proposed it.
type Pending struct {
	ActionID   int64
	Kind       billing.DisputeActionKind
	Amount     billing.Money
	Reason     string
	ProposedBy int64
	Mine       bool // the viewer proposed it: four eyes, so they cannot approve it
}

// showDispute answers GET /admin/disputes/:id.
func (h *Handler) showDispute(c *gin.Context) error {
	me, _ := staffOf(c)
	id, err := web.PathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	cs, err := h.disputes.Case(ctx, me, id)
	if err != nil {
		return err
	}
	p := disputePage{page: h.newPage(c), Case: cs, Names: map[int64]string{}, Kinds: billing.DisputeActionKinds(),
		RejectCodes: billing.RejectReasons(), AgentLimit: h.disputes.AgentLimit,
		CanAct: me.Role == "agent" || me.Role == "supervisor", CanApprove: me.Role == "supervisor",
		MaskedName: pii.Name(cs.Account.Name), MaskedPhone: pii.Phone(cs.Phone), MaskedAddr: pii.Address(cs.Account.Address)}
	for _, to := range billing.DisputeStatuses() {
		// Settlements are reached through proposals, which record what was decided.
		if cs.Status.CanMoveTo(to) && to != billing.DisputeAwaitingApproval && to != billing.DisputeAdjusted &&
			to != billing.DisputeRefunded && to != billing.DisputeRejected {
			p.Moves = append(p.Moves, to)
		}
	}
	for _, a := range cs.Actions {
		if a.Status == billing.ActionProposed {
			p.Pending = &Pending{ActionID: a.ID, Kind: a.Kind, Amount: a.Amount, Reason: a.Reason, ProposedBy: a.ProposedBy, Mine: a.ProposedBy == me.ID}
		}
	}
	staff, err := h.portal.ListStaff(ctx)
	if err != nil {
		return err
	}
	for _, s := range staff {
		p.Names[s.ID] = s.DisplayName
	}
	switch c.Query("done") {
	case "moved":
		p.Notice = p.T("admin.dispute.done_moved")
	case "proposed":
		p.Notice = p.T("admin.dispute.done_proposed")
	case "settled":
		p.Notice = p.T("admin.dispute.done_settled")
	case "declined":
		p.Notice = p.T("admin.dispute.done_declined")
	}
	return h.pages.Render(c, http.StatusOK, "dispute", p)
}

// showDisputePhoto answers GET /admin/disputes/:id/photo: the customer's photo, for staff of the
// dispute's station.
func (h *Handler) showDisputePhoto(c *gin.Context) error {
	me, _ := staffOf(c)
	id, err := web.PathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	if _, err := h.disputes.Dispute(ctx, me, id); err != nil {
		return err
	}
	ph, err := h.portal.StaffDisputePhoto(ctx, id)
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "private, no-store")
	c.Header("Content-Disposition", "inline")
	c.Data(http.StatusOK, ph.ContentType, ph.Bytes)
	return nil
}
