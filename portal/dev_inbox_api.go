package portal

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
)

// apiDevInbox answers GET /dev/inbox.json[?to=phone]: the dev channel's messages, newest first.
func (h *Handler) apiDevInbox(c *gin.Context) error {
	to := c.Query("to")
	if len(to) > 32 {
		return fmt.Errorf("portal: inbox filter: %w", billing.ErrInvalid)
	}
	msgs, err := h.inbox.Recent(c.Request.Context(), to, 100)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"messages": msgs})
	return nil
}
