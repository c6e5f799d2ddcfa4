package portal

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// apiPayFor answers GET /api/v1/payfor/{no}: the masked name and address and the amount due, for
// paying without binding (代缴). No sign-in needed: a paper bill's QR code leads here.
func (h *Handler) apiPayFor(c *gin.Context) error {
	v, err := h.lookUpPayFor(c, c.Param("no"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, v)
	return nil
}
