package portal

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"gridpay/portal/auth"
)

type homePage struct {
	page
	Summaries []Summary
}

// showHome shows a signed-in customer what each of their accounts owes today and where it stands
// on the legal clock; anyone else gets the welcome page with the way to sign in.
func (h *Handler) showHome(c *gin.Context) error {
	p := homePage{page: h.newPage(c)}
	s, ok := auth.FromContext(c)
	if !ok {
		return h.pages.Render(c, http.StatusOK, "home", p)
	}
	views, err := h.svc.Accounts(c.Request.Context(), s.Phone)
	if err != nil {
		return err
	}
	for _, v := range views {
		sum, err := h.svc.Summary(c.Request.Context(), s.Phone, v.No)
		if err != nil {
			return err
		}
		p.Summaries = append(p.Summaries, sum)
	}
	return h.pages.Render(c, http.StatusOK, "home", p)
}
