package admin

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/store"
	"gridpay/internal/web"
	"gridpay/payments"
)

// paymentsPageSize is how many orders a page of the search shows.
const paymentsPageSize = 30

// channels are the payment channels as the filters offer them.
var channels = []string{payments.WeChat, payments.Alipay, payments.Bank}

// paymentsPage is the payment search: its form and, once something was asked, the orders found.
type paymentsPage struct {
	page
	Orders   []store.Order
	Searched bool
	Statuses []billing.OrderStatus
	Channels []string
	Total    int
	Paging   web.Paging
	Pages    int
	PrevURL  string
	NextURL  string
	// The search as given.
	Account, Out, Txn, Receipt, Status, Channel, From, To string
}

// queryText reads the query parameter name, trimmed: at most n bytes of UTF-8, or input the staff
// member must correct.
func queryText(c *gin.Context, name string, n int) (string, error) {
	v := c.Query(name)
	if len(v) > n || !utf8.ValidString(v) {
		return "", &web.InputError{Field: name, Key: "admin.error.filter", Kind: billing.ErrInvalid}
	}
	return strings.TrimSpace(v), nil
}

// parseDay reads a day (YYYY-MM-DD) of the bureau's calendar as its midnight there; next gives the
// midnight after it, so that a range's last day counts whole.
func (h *Handler) parseDay(field, s string, next bool) (time.Time, error) {
	day, err := time.ParseInLocation(time.DateOnly, s, h.loc)
	if err != nil || day.Year() < 2000 || day.Year() > 2099 {
		return time.Time{}, &web.InputError{Field: field, Key: "admin.error.date", Kind: billing.ErrInvalid}
	}
	if next {
		day = day.AddDate(0, 0, 1)
	}
	return day, nil
}

// showPayments answers GET /admin/payments?account=&out=&txn=&receipt=&status=&channel=&from=&to=&page=.
func (h *Handler) showPayments(c *gin.Context) error {
	me, _ := staffOf(c)
	p := paymentsPage{page: h.newPage(c), Statuses: billing.OrderStatuses(), Channels: channels}
	var q store.OrderQuery
	for _, f := range []struct {
		name string
		n    int
		to   *string
	}{{"account", 10, &p.Account}, {"out", 32, &p.Out}, {"txn", 64, &p.Txn}, {"receipt", 32, &p.Receipt},
		{"status", 16, &p.Status}, {"channel", 16, &p.Channel}, {"from", 10, &p.From}, {"to", 10, &p.To}} {
		v, err := queryText(c, f.name, f.n)
		if err != nil {
			return err
		}
		*f.to = v
	}
	if p.Account != "" && !billing.ValidAccountNo(p.Account) {
		return &web.InputError{Field: "account", Key: "admin.error.account", Kind: billing.ErrInvalid}
	}
	q.AccountNo, q.OutTradeNo, q.ProviderTxnID, q.ReceiptNo, q.Channel = p.Account, p.Out, p.Txn, p.Receipt, p.Channel
	if p.Status != "" {
		if !billing.OrderStatus(p.Status).Valid() {
			return &web.InputError{Field: "status", Key: "admin.error.filter", Kind: billing.ErrInvalid}
		}
		q.Statuses = []billing.OrderStatus{billing.OrderStatus(p.Status)}
	}
	var err error
	if p.From != "" {
		if q.From, err = h.parseDay("from", p.From, false); err != nil {
			return err
		}
	}
	if p.To != "" {
		if q.To, err = h.parseDay("to", p.To, true); err != nil {
			return err
		}
	}
	if p.Paging, err = web.ParsePage(c, paymentsPageSize); err != nil {
		return err
	}
	p.Searched = p.Account+p.Out+p.Txn+p.Receipt+p.Status+p.Channel+p.From+p.To != ""
	if p.Searched {
		p.Orders, p.Total, err = h.payments.Search(c.Request.Context(), me, q, store.Page{Limit: p.Paging.Size, Offset: p.Paging.Offset()})
		if err != nil {
			return err
		}
	}
	p.Pages = p.Paging.Pages(p.Total)
	p.PrevURL, p.NextURL = pageLinks(c, p.Paging.Page, p.Pages)
	return h.pages.Render(c, http.StatusOK, "payments", p)
}

// paymentPage is one order: its timeline, the callbacks kept for it and the actions of the
// staff member's role.
type paymentPage struct {
	page
	OrderCase
	Resolutions []store.FlagResolution
	CanAct      bool // finance: resolve, post again, text the receipt again
}

// showPayment answers GET /admin/payments/:out.
func (h *Handler) showPayment(c *gin.Context) error {
	me, _ := staffOf(c)
	out, err := web.OutTradeNo(c)
	if err != nil {
		return err
	}
	oc, err := h.payments.Case(c.Request.Context(), me, out)
	if err != nil {
		return err
	}
	p := paymentPage{page: h.newPage(c), OrderCase: oc, CanAct: me.Role == "finance",
		Resolutions: []store.FlagResolution{store.FlagPost, store.FlagRefundOffline, store.FlagClose}}
	switch c.Query("done") {
	case "resolved", "reposted", "resent":
		p.Notice = p.T("admin.payment.done_" + c.Query("done"))
	}
	return h.pages.Render(c, http.StatusOK, "payment", p)
}

// flaggedPage is the orders waiting for staff, with a resolve form each, and the bank collections
// for accounts that do not exist.
type flaggedPage struct {
	page
	Flagged     []store.FlaggedOrder
	Unknown     []store.CallbackConflict
	Resolutions []store.FlagResolution
	CanAct      bool
	Total       int
	Paging      web.Paging
	Pages       int
	PrevURL     string
	NextURL     string
}

// showFlagged answers GET /admin/payments/flagged?page=.
func (h *Handler) showFlagged(c *gin.Context) error {
	me, _ := staffOf(c)
	p := flaggedPage{page: h.newPage(c), CanAct: me.Role == "finance",
		Resolutions: []store.FlagResolution{store.FlagPost, store.FlagRefundOffline, store.FlagClose}}
	var err error
	if p.Paging, err = web.ParsePage(c, paymentsPageSize); err != nil {
		return err
	}
	p.Flagged, p.Total, p.Unknown, err = h.payments.Flagged(c.Request.Context(), me, store.Page{Limit: p.Paging.Size, Offset: p.Paging.Offset()})
	if err != nil {
		return err
	}
	p.Pages = p.Paging.Pages(p.Total)
	p.PrevURL, p.NextURL = pageLinks(c, p.Paging.Page, p.Pages)
	return h.pages.Render(c, http.StatusOK, "flagged", p)
}

// backToOrder sends the staff member back to the order, saying what was done.
func backToOrder(c *gin.Context, out, done string) error {
	c.Redirect(http.StatusSeeOther, "/admin/payments/"+out+"?done="+done)
	return nil
}

// resolvePayment answers POST /admin/payments/:out/resolve: a flagged order posted, refunded
// outside gridpay or closed (resolution), with a note.
func (h *Handler) resolvePayment(c *gin.Context) error {
	me, _ := staffOf(c)
	out, err := web.OutTradeNo(c)
	if err != nil {
		return err
	}
	r := store.FlagResolution(truncate(c.PostForm("resolution"), 32))
	if r != store.FlagPost && r != store.FlagRefundOffline && r != store.FlagClose {
		return &web.InputError{Field: "resolution", Key: "admin.payment.resolution_error", Kind: billing.ErrInvalid}
	}
	note := formText(c, "note")
	if note == "" {
		return &web.InputError{Field: "note", Key: "admin.error.reason", Kind: billing.ErrInvalid}
	}
	if _, err := h.payments.Resolve(c.Request.Context(), me, out, r, note, audit(c, note)); err != nil {
		return err
	}
	return backToOrder(c, out, "resolved")
}

// resolveConflict answers POST /admin/payments/conflicts/:id/resolve: how a bank collection for an
// account that does not exist was settled (sent back, taken at the counter for the right account),
// recorded once.
func (h *Handler) resolveConflict(c *gin.Context) error {
	me, _ := staffOf(c)
	id, err := web.PathID(c, "id")
	if err != nil {
		return err
	}
	resolution := formText(c, "resolution")
	if resolution == "" {
		return &web.InputError{Field: "resolution", Key: "admin.error.reason", Kind: billing.ErrInvalid}
	}
	if _, err := h.payments.ResolveConflict(c.Request.Context(), me, id, resolution, audit(c, resolution)); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/payments/flagged?done=1")
	return nil
}

// repostPayment answers POST /admin/payments/:out/repost: a PAID order's posting queued again,
// with a reason.
func (h *Handler) repostPayment(c *gin.Context) error {
	me, _ := staffOf(c)
	out, err := web.OutTradeNo(c)
	if err != nil {
		return err
	}
	reason := formText(c, "reason")
	if reason == "" {
		return &web.InputError{Field: "reason", Key: "admin.error.reason", Kind: billing.ErrInvalid}
	}
	if err := h.payments.Repost(c.Request.Context(), me, out, audit(c, reason)); err != nil {
		return err
	}
	return backToOrder(c, out, "reposted")
}

// resendReceipt answers POST /admin/payments/:out/resend-receipt: a POSTED order's receipt texted
// again, with a reason.
func (h *Handler) resendReceipt(c *gin.Context) error {
	me, _ := staffOf(c)
	out, err := web.OutTradeNo(c)
	if err != nil {
		return err
	}
	reason := formText(c, "reason")
	if reason == "" {
		return &web.InputError{Field: "reason", Key: "admin.error.reason", Kind: billing.ErrInvalid}
	}
	if err := h.payments.ResendReceipt(c.Request.Context(), me, out, audit(c, reason)); err != nil {
		return err
	}
	return backToOrder(c, out, "resent")
}
