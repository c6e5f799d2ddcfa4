package portal

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/store"
	"gridpay/internal/web"
)

// paymentsPerPage is how many payments one page of the history lists.
const paymentsPerPage = 20

// paymentsPage lists an account's posted payments, newest first, a page at a time.
type paymentsPage struct {
	page
	AccountNo        string
	Payments         []paymentRow
	Total            int
	Page, Pages      int
	PrevURL, NextURL string // empty on the first or last page
}

// paymentRow is one posted payment as the customer reads it.
type paymentRow struct {
	ReceiptNo string
	PaidOn    time.Time
	Channel   string // 微信, WeChat...
	Amount    billing.Money
	LateFee   billing.Money
	Principal billing.Money
	Prepaid   billing.Money
}

// showPayments shows GET /accounts/{no}/payments[?page=2].
func (h *Handler) showPayments(c *gin.Context) error {
	l, err := readAccountList(c, web.ParsePage, paymentsPerPage, h.svc.Payments)
	if err != nil {
		return err
	}
	return h.pages.Render(c, http.StatusOK, "payments", newPaymentsPage(h.newPage(c), l.No, l.Rows, l.Total, l.Paging.Page))
}

// newPaymentsPage puts one page of receipts into the customer's words, with links to its neighbours.
func newPaymentsPage(p page, no string, receipts []store.Receipt, total, n int) paymentsPage {
	pp := paymentsPage{page: p, AccountNo: no, Total: total, Page: n, Pages: web.Paging{Size: paymentsPerPage}.Pages(total)}
	for _, r := range receipts {
		pp.Payments = append(pp.Payments, paymentRow{ReceiptNo: r.No, PaidOn: r.PaidOn,
			Channel: channelLabel(p.Lang, r.Channel), Amount: r.Amount, LateFee: r.Fee, Principal: r.Principal, Prepaid: r.Prepaid})
	}
	base := "/accounts/" + no + "/payments"
	if n > 1 {
		// Past the end, "previous" leads back to the last page there is.
		pp.PrevURL = fmt.Sprintf("%s?page=%d", base, min(n-1, pp.Pages))
	}
	if n < pp.Pages {
		pp.NextURL = fmt.Sprintf("%s?page=%d", base, n+1)
	}
	return pp
}
