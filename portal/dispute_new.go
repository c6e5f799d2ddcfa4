package portal

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/i18n"
	"gridpay/internal/web"
)

type disputeFormPage struct {
	page
	Account    AccountView
	BillID     int64
	BillLabel  string
	Categories []disputeOption
	Text       string
	PhotoAgain bool // a photo was sent with input that must be corrected: it must be chosen again
}

func (h *Handler) newDisputeForm(c *gin.Context, t DisputeTarget, category, text string) disputeFormPage {
	p := disputeFormPage{page: h.newPage(c), Account: t.Account, Text: text}
	p.Categories = disputeOptions(p.Lang, category)
	if t.Bill != nil {
		p.BillID, p.BillLabel = t.Bill.ID, billLabel(p.Lang, t.Bill.Period)
	}
	return p
}

// showNewDispute shows the form to file a dispute about one of the customer's accounts and, with
// ?bill=ID, one of its bills.
func (h *Handler) showNewDispute(c *gin.Context) {
	s, _ := session(c)
	no, err := accountNo(c)
	if err != nil {
		h.pageError(c, err)
		return
	}
	var billID int64
	if v := c.Query("bill"); v != "" {
		if billID, err = strconv.ParseInt(v, 10, 64); err != nil || billID <= 0 {
			h.pageError(c, fmt.Errorf("portal: bill %q: %w", truncate(v, 20), billing.ErrInvalid))
			return
		}
	}
	t, err := h.svc.DisputeTarget(c.Request.Context(), s.Phone, no, billID)
	if err != nil {
		h.pageError(c, err)
		return
	}
	h.render(c, http.StatusOK, "dispute_new", h.newDisputeForm(c, t, "", ""))
}

// createDispute handles the form: the dispute is filed and the customer sees it, or the form comes
// back with what to correct and what they typed.
func (h *Handler) createDispute(c *gin.Context) {
	s, _ := session(c)
	no, err := accountNo(c)
	if err != nil {
		h.pageError(c, err)
		return
	}
	f, readErr := readDisputeForm(c)
	// The token first, even when the form could not be read whole: a forged form gets only a 403.
	if err := h.checkFormToken(c); err != nil {
		h.pageError(c, err)
		return
	}
	if readErr != nil {
		h.disputeFormError(c, no, f, readErr)
		return
	}
	in := DisputeInput{AccountNo: no, Category: f.Category, Text: f.Text, Photo: f.Photo}
	if in.BillID, err = formBillID(f.BillID); err != nil {
		h.disputeFormError(c, no, f, err)
		return
	}
	d, err := h.svc.FileDispute(c.Request.Context(), s.Phone, in)
	if err != nil {
		h.disputeFormError(c, no, f, err)
		return
	}
	h.logDisputeFiled(c, no, d.ID, len(in.Photo))
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/disputes/%d?filed=1", d.ID))
}

// disputeFormError shows the form again with what to correct, keeping what the customer typed. An
// account or bill that is not theirs, and failures of ours, get the error page instead.
func (h *Handler) disputeFormError(c *gin.Context, accountNo string, f disputeForm, err error) {
	status, kind := web.Kind(err)
	var in *disputeInputError
	if !errors.As(err, &in) && kind != "invalid" {
		h.pageError(c, err)
		return
	}
	s, _ := session(c)
	billID, _ := formBillID(f.BillID)
	t, terr := h.svc.DisputeTarget(c.Request.Context(), s.Phone, accountNo, billID)
	if terr != nil {
		h.pageError(c, terr)
		return
	}
	p := h.newDisputeForm(c, t, f.Category, f.Text)
	p.Error = i18n.T(p.Lang, "error.invalid")
	if in != nil {
		p.Error = i18n.T(p.Lang, in.key, in.args...)
		p.PhotoAgain = len(f.Photo) > 0 || in.field == "photo"
	}
	h.log.Info("request refused", "request_id", c.GetString("request_id"), "route", c.FullPath(), "status", status, "err", err)
	h.render(c, status, "dispute_new", p)
}
