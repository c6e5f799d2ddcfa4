package portal

import (
	"github.com/gin-gonic/gin"

	"gridpay/internal/store"
	"gridpay/internal/web"
)

// RenderBillFromMemory returns a handler that shows account accountNo's bill d as the signed-in bill
// page shows it: the same page data, the same template and the same Render path as showBill, but no
// session, cache or database behind it. It is the baseline `make bench` measures the bill page
// against, so that the gap between the two is what reading the session and the bill costs. The page
// is drawn as for a signed-in customer, with a sign-out form holding a token as long as a real one,
// so that both pages are the same size.
func (h *Handler) RenderBillFromMemory(accountNo string, d store.BillDetail) gin.HandlerFunc {
	token := web.NewToken()
	return h.pages.Handle(func(c *gin.Context) error {
		p := h.newPage(c)
		p.SignedIn, p.CSRF = true, token
		return h.renderBill(c, h.billPageOf(p, accountNo, d))
	})
}
