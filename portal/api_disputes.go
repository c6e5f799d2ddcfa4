package portal

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/i18n"
	"gridpay/internal/pii"
	"gridpay/internal/web"
)

// disputeID reads the :id path parameter: a positive dispute id, or invalid input.
func disputeID(c *gin.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("portal: dispute id %q: %w", truncate(c.Param("id"), 20), billing.ErrInvalid)
	}
	return id, nil
}

// apiFileDispute answers POST /api/v1/accounts/{no}/disputes, a multipart/form-data body with
// category, text, and optionally bill_id and photo (JPEG or PNG, at most 5 MB): 201 with the
// dispute, or an error whose message says what to correct and whose field names the culprit.
func (h *Handler) apiFileDispute(c *gin.Context) {
	s, _ := session(c)
	no, err := accountNo(c)
	if err != nil {
		h.apiError(c, err)
		return
	}
	f, err := readDisputeForm(c)
	if err != nil {
		h.disputeAPIError(c, err)
		return
	}
	in := DisputeInput{AccountNo: no, Category: f.Category, Text: f.Text, Photo: f.Photo}
	if in.BillID, err = formBillID(f.BillID); err != nil {
		h.disputeAPIError(c, err)
		return
	}
	d, err := h.svc.FileDispute(c.Request.Context(), s.Phone, in)
	if err != nil {
		h.disputeAPIError(c, err)
		return
	}
	h.logDisputeFiled(c, no, d.ID, len(in.Photo))
	c.Header("Location", fmt.Sprintf("/api/v1/disputes/%d", d.ID))
	c.JSON(http.StatusCreated, viewDispute(lang(c), d))
}

// apiDisputes answers GET /api/v1/disputes: the customer's disputes, newest first.
func (h *Handler) apiDisputes(c *gin.Context) {
	s, _ := session(c)
	list, err := h.svc.Disputes(c.Request.Context(), s.Phone)
	if err != nil {
		h.apiError(c, err)
		return
	}
	l := lang(c)
	out := make([]disputeView, len(list))
	for i, d := range list {
		out[i] = viewDispute(l, d)
	}
	c.JSON(http.StatusOK, gin.H{"disputes": out})
}

// apiDispute answers GET /api/v1/disputes/{id}: one of the customer's disputes with its messages.
func (h *Handler) apiDispute(c *gin.Context) {
	s, _ := session(c)
	id, err := disputeID(c)
	if err != nil {
		h.apiError(c, err)
		return
	}
	d, err := h.svc.Dispute(c.Request.Context(), s.Phone, id)
	if err != nil {
		h.apiError(c, err)
		return
	}
	c.JSON(http.StatusOK, viewDispute(lang(c), d))
}

// disputeAPIError answers like apiError, but input the customer must correct gets the message that
// says what to correct, and the field it is about.
func (h *Handler) disputeAPIError(c *gin.Context, err error) {
	var in *disputeInputError
	if !errors.As(err, &in) {
		h.apiError(c, err)
		return
	}
	status, kind := web.Kind(err)
	h.log.Info("request refused", "request_id", c.GetString("request_id"), "route", c.FullPath(), "status", status, "err", err)
	c.AbortWithStatusJSON(status, gin.H{"error": gin.H{"code": kind, "field": in.field, "message": i18n.T(lang(c), in.key, in.args...)}})
}

// logDisputeFiled notes a new dispute in the log, the account masked.
func (h *Handler) logDisputeFiled(c *gin.Context, accountNo string, id int64, photoBytes int) {
	h.log.Info("dispute filed", "request_id", c.GetString("request_id"), "dispute", id,
		"account", pii.AccountNo(accountNo), "photo_bytes", photoBytes)
}
