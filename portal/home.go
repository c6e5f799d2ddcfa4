package portal

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// showHome says what is running; the signed-in home arrives with the portal's sign-in.
func (h *Handler) showHome(c *gin.Context) {
	h.render(c, http.StatusOK, "home", h.info)
}
