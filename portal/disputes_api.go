package portal

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"gridpay/internal/pii"
	"gridpay/internal/web"
	"gridpay/portal/auth"
)

// apiFileDispute answers POST /api/v1/accounts/{no}/disputes, a multipart/form-data body with
// category, text, and optionally bill_id and photo (JPEG or PNG, at most 5 MB): 201 with the
// dispute, or an error whose message says what to correct and whose field names the culprit.
func (h *Handler) apiFileDispute(c *gin.Context) error {
	s, _ := auth.FromContext(c)
	no, err := web.AccountNo(c)
	if err != nil {
		return err
	}
	f, err := readDisputeForm(c)
	if err != nil {
		return err
	}
	in := DisputeInput{AccountNo: no, Category: f.Category, Text: f.Text, Photo: f.Photo}
	if in.BillID, err = formBillID(f.BillID); err != nil {
		return err
	}
	d, err := h.svc.FileDispute(c.Request.Context(), s.Phone, in)
	if err != nil {
		return err
	}
	h.logDisputeFiled(c, no, d.ID, len(in.Photo))
	c.Header("Location", fmt.Sprintf("/api/v1/disputes/%d", d.ID))
	c.JSON(http.StatusCreated, viewDispute(web.Lang(c), d))
	return nil
}

// apiDisputes answers GET /api/v1/disputes: the customer's disputes, newest first.
func (h *Handler) apiDisputes(c *gin.Context) error {
	s, _ := auth.FromContext(c)
	list, err := h.svc.Disputes(c.Request.Context(), s.Phone)
	if err != nil {
		return err
	}
	l := web.Lang(c)
	out := make([]disputeView, len(list))
	for i, d := range list {
		out[i] = viewDispute(l, d)
	}
	c.JSON(http.StatusOK, gin.H{"disputes": out})
	return nil
}

// apiDispute answers GET /api/v1/disputes/{id}: one of the customer's disputes with its messages.
func (h *Handler) apiDispute(c *gin.Context) error {
	s, _ := auth.FromContext(c)
	id, err := web.PathID(c, "id")
	if err != nil {
		return err
	}
	d, err := h.svc.Dispute(c.Request.Context(), s.Phone, id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, viewDispute(web.Lang(c), d))
	return nil
}

// logDisputeFiled notes a new dispute in the log, the account masked.
func (h *Handler) logDisputeFiled(c *gin.Context, accountNo string, id int64, photoBytes int) {
	h.log.Info("dispute filed", "request_id", c.GetString("request_id"), "dispute", id,
		"account", pii.AccountNo(accountNo), "photo_bytes", photoBytes)
}
