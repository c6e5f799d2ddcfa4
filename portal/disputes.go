package portal

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/web"
	"gridpay/portal/auth"
)

type disputesPage struct {
	page
	Disputes []disputeView
	Accounts []AccountView // the accounts a new dispute may be about
}

// showDisputes shows the customer's disputes, newest first, with where each stands, and the way to
// file a new one about each of their accounts.
func (h *Handler) showDisputes(c *gin.Context) error {
	s, _ := auth.FromContext(c)
	p := disputesPage{page: h.newPage(c)}
	list, err := h.svc.Disputes(c.Request.Context(), s.Phone)
	if err != nil {
		return err
	}
	for _, d := range list {
		p.Disputes = append(p.Disputes, viewDispute(p.Lang, d))
	}
	if p.Accounts, err = h.svc.Accounts(c.Request.Context(), s.Phone); err != nil {
		return err
	}
	return h.pages.Render(c, http.StatusOK, "disputes", p)
}

type disputePage struct {
	page
	Dispute disputeView
	Filed   bool // just filed: the page says it arrived
}

// showDispute shows one of the customer's disputes: where it stands, the photo and the messages
// between the customer and the staff.
func (h *Handler) showDispute(c *gin.Context) error {
	s, _ := auth.FromContext(c)
	id, err := web.PathID(c, "id")
	if err != nil {
		return err
	}
	d, err := h.svc.Dispute(c.Request.Context(), s.Phone, id)
	if err != nil {
		return err
	}
	p := disputePage{page: h.newPage(c), Filed: c.Query("filed") == "1"}
	p.Dispute = viewDispute(p.Lang, d)
	return h.pages.Render(c, http.StatusOK, "dispute", p)
}

// showDisputePhoto serves a dispute's photo to the customer who filed it, as the image type its
// bytes were found to be, never sniffed again by the browser, and kept out of shared caches.
func (h *Handler) showDisputePhoto(c *gin.Context) error {
	s, _ := auth.FromContext(c)
	id, err := web.PathID(c, "id")
	if err != nil {
		return err
	}
	ph, err := h.svc.DisputePhoto(c.Request.Context(), s.Phone, id)
	if err != nil {
		return err
	}
	c.Header("Content-Disposition", "inline")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, ph.ContentType, ph.Bytes)
	return nil
}

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
		p.BillID, p.BillLabel = t.Bill.ID, billLabel(p.Lang, billing.Period(t.Bill.Period))
	}
	return p
}

// showNewDispute shows the form to file a dispute about one of the customer's accounts and, with
// ?bill=ID, one of its bills.
func (h *Handler) showNewDispute(c *gin.Context) error {
	s, _ := auth.FromContext(c)
	no, err := web.AccountNo(c)
	if err != nil {
		return err
	}
	var billID int64
	if v := c.Query("bill"); v != "" {
		if billID, err = web.ParseID("bill", v); err != nil {
			return err
		}
	}
	t, err := h.svc.DisputeTarget(c.Request.Context(), s.Phone, no, billID)
	if err != nil {
		return err
	}
	p := h.newDisputeForm(c, t, "", "")
	return h.pages.Render(c, http.StatusOK, "dispute_new", &p)
}

// createDispute handles the form: the dispute is filed and the customer sees it, or the form comes
// back with what to correct and what they typed.
func (h *Handler) createDispute(c *gin.Context) error {
	s, _ := auth.FromContext(c)
	no, err := web.AccountNo(c)
	if err != nil {
		return err
	}
	f, readErr := readDisputeForm(c)
	// The token first, even when the form could not be read whole: a forged form gets only a 403.
	if err := auth.CheckForm(c); err != nil {
		return err
	}
	if readErr != nil {
		return h.disputeFormAgain(c, no, f, readErr)
	}
	in := DisputeInput{AccountNo: no, Category: f.Category, Text: f.Text, Photo: f.Photo}
	if in.BillID, err = formBillID(f.BillID); err != nil {
		return h.disputeFormAgain(c, no, f, err)
	}
	d, err := h.svc.FileDispute(c.Request.Context(), s.Phone, in)
	if err != nil {
		return h.disputeFormAgain(c, no, f, err)
	}
	h.logDisputeFiled(c, no, d.ID, len(in.Photo))
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/disputes/%d?filed=1", d.ID))
	return nil
}

// disputeFormAgain shows the form again with what to correct, keeping what the customer typed. An
// account or bill that is not theirs, and failures of ours, get the error page instead.
func (h *Handler) disputeFormAgain(c *gin.Context, accountNo string, f disputeForm, err error) error {
	var in *web.InputError
	isInput := errors.As(err, &in)
	if _, kind := web.Kind(err); !isInput && kind != "invalid" {
		return err
	}
	s, _ := auth.FromContext(c)
	billID, _ := formBillID(f.BillID)
	t, terr := h.svc.DisputeTarget(c.Request.Context(), s.Phone, accountNo, billID)
	if terr != nil {
		return terr
	}
	p := h.newDisputeForm(c, t, f.Category, f.Text)
	p.PhotoAgain = len(f.Photo) > 0 || (isInput && in.Field == "photo")
	return h.pages.Form(c, "dispute_new", &p, err)
}
