package portal

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"gridpay/internal/i18n"
	"gridpay/internal/web"
	"gridpay/portal/auth"
)

type bindRequest struct {
	AccountNo string `json:"account_no"`
	Code      string `json:"code,omitempty"`
}

// apiBindCode answers POST /api/v1/bindings/code {"account_no"} alike whether or not the account
// exists: "if the number is right, its registered phone has a code".
func (h *Handler) apiBindCode(c *gin.Context) error {
	s, _ := auth.FromContext(c)
	var req bindRequest
	if err := web.DecodeJSON(c, &req); err != nil {
		return err
	}
	if err := h.startBind(c, s.Phone, req.AccountNo); err != nil {
		return err
	}
	c.JSON(http.StatusAccepted, gin.H{"message": i18n.T(web.Lang(c), "bind.code_sent_if_exists")})
	return nil
}

// apiBind answers POST /api/v1/bindings {"account_no","code"}.
func (h *Handler) apiBind(c *gin.Context) error {
	s, _ := auth.FromContext(c)
	var req bindRequest
	if err := web.DecodeJSON(c, &req); err != nil {
		return err
	}
	if err := h.finishBind(c, s.Phone, req.AccountNo, req.Code); err != nil {
		return err
	}
	c.JSON(http.StatusCreated, gin.H{"account_no": req.AccountNo})
	return nil
}

// apiUnbind answers DELETE /api/v1/bindings/{no}: one tap, no code.
func (h *Handler) apiUnbind(c *gin.Context) error {
	s, _ := auth.FromContext(c)
	no, err := web.AccountNo(c)
	if err != nil {
		return err
	}
	if err := h.svc.Unbind(c.Request.Context(), s.Phone, no); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
