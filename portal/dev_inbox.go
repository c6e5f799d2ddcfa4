package portal

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"gridpay/notify"
)

type devInboxPage struct {
	page
	Messages []notify.Delivery
}

// showDevInbox shows every message the dev channel "sent", newest first (dev and tests only).
func (h *Handler) showDevInbox(c *gin.Context) error {
	msgs, err := h.inbox.Recent(c.Request.Context(), "", 100)
	if err != nil {
		return err
	}
	return h.pages.Render(c, http.StatusOK, "dev_inbox", devInboxPage{page: h.newPage(c), Messages: msgs})
}
