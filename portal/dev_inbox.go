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
func (h *Handler) showDevInbox(c *gin.Context) {
	msgs, err := h.inbox.Recent(c.Request.Context(), "", 100)
	if err != nil {
		h.log.Error("dev inbox", "request_id", c.GetString("request_id"), "err", err)
		c.String(http.StatusInternalServerError, "系统繁忙，请稍后再试。 Something went wrong; please try again later.")
		return
	}
	h.render(c, http.StatusOK, "dev_inbox", devInboxPage{page: h.newPage(c), Messages: msgs})
}
