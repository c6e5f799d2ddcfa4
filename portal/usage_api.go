package portal

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"gridpay/internal/web"
	"gridpay/portal/auth"
)

// apiUsage answers GET /api/v1/accounts/{no}/usage: 24 billing months oldest first, each with the
// same month a year earlier; daily kWh over the last 60 days where a smart meter reports; and the
// annual tier progress for accounts on an annual tiered tariff, else null.
func (h *Handler) apiUsage(c *gin.Context) error {
	s, _ := auth.FromContext(c)
	no, err := web.AccountNo(c)
	if err != nil {
		return err
	}
	r, err := h.svc.Usage(c.Request.Context(), s.Phone, no)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, r)
	return nil
}
