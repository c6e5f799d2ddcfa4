package portal

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

type disputesPage struct {
	page
	Disputes []disputeView
	Accounts []AccountView // the accounts a new dispute may be about
}

// showDisputes shows the customer's disputes, newest first, with where each stands, and the way to
// file a new one about each of their accounts.
func (h *Handler) showDisputes(c *gin.Context) {
	s, _ := session(c)
	p := disputesPage{page: h.newPage(c)}
	list, err := h.svc.Disputes(c.Request.Context(), s.Phone)
	if err != nil {
		h.pageError(c, err)
		return
	}
	for _, d := range list {
		p.Disputes = append(p.Disputes, viewDispute(p.Lang, d))
	}
	if p.Accounts, err = h.svc.Accounts(c.Request.Context(), s.Phone); err != nil {
		h.pageError(c, err)
		return
	}
	h.render(c, http.StatusOK, "disputes", p)
}
