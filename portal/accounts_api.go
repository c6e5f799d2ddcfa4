package portal

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"gridpay/internal/web"
	"gridpay/portal/auth"
)

// apiAccounts answers GET /api/v1/accounts: the customer's accounts.
func (h *Handler) apiAccounts(c *gin.Context) error {
	s, _ := auth.FromContext(c)
	views, err := h.svc.Accounts(c.Request.Context(), s.Phone)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"accounts": views})
	return nil
}

// apiSummary answers GET /api/v1/accounts/{no}/summary.
func (h *Handler) apiSummary(c *gin.Context) error {
	s, _ := auth.FromContext(c)
	no, err := web.AccountNo(c)
	if err != nil {
		return err
	}
	sum, err := h.svc.Summary(c.Request.Context(), s.Phone, no)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, sum)
	return nil
}
