package admin

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"gridpay/internal/store"
)

// homePage is the staff home: the station's dispute counts, what waits for the signed-in role, and
// the pages the role may open.
type homePage struct {
	page
	Counts store.DisputeCounts
}

// showHome answers GET /admin/.
func (h *Handler) showHome(c *gin.Context) error {
	p := homePage{page: h.newPage(c)}
	me, _ := staffOf(c)
	counts, err := h.portal.DisputeCounts(c.Request.Context(), scope(me), h.now(), h.disputes.SLA)
	if err != nil {
		return err
	}
	p.Counts = counts
	return h.pages.Render(c, http.StatusOK, "home", p)
}

// Count is how many of the station's disputes are in status.
func (p homePage) Count(status string) int { return p.Counts.ByStatus[store.DisputeStatus(status)] }
