package admin

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// homePage is the staff home: what the signed-in role can do.
type homePage struct {
	page
}

// showHome answers GET /admin/.
func (h *Handler) showHome(c *gin.Context) error {
	return h.pages.Render(c, http.StatusOK, "home", homePage{page: h.newPage(c)})
}
