package portal

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

type homePage struct {
	page
	Summaries []Summary
}

// showHome shows a signed-in customer what each of their accounts owes today and where it stands
// on the legal clock; anyone else gets the welcome page with the way to sign in.
func (h *Handler) showHome(c *gin.Context) {
	p := homePage{page: h.newPage(c)}
	s, ok := session(c)
	if !ok {
		h.render(c, http.StatusOK, "home", p)
		return
	}
	views, err := h.svc.Accounts(c.Request.Context(), s.Phone)
	if err != nil {
		h.pageError(c, err)
		return
	}
	for _, v := range views {
		sum, err := h.svc.Summary(c.Request.Context(), s.Phone, v.No)
		if err != nil {
			h.pageError(c, err)
			return
		}
		p.Summaries = append(p.Summaries, sum)
	}
	h.render(c, http.StatusOK, "home", p)
}
