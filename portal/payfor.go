package portal

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/web"
	"gridpay/payments"
)

// limitPayForPerIP bounds look-ups of other people's accounts from one address (代缴 needs no
// sign-in, so without it anyone could read through the county's accounts); limitPayForPerAccount
// bounds look-ups of one account from all addresses together, so that many addresses cannot
// watch one account either. limitPayForPerAccountIP keeps one address to its own share of an
// account's look-ups, so that it cannot spend them all and keep the account's payers out.
var (
	limitPayForPerIP        = web.PerMinute(30)
	limitPayForPerAccountIP = web.PerHour(5)
	limitPayForPerAccount   = web.PerHour(30)
)

// allowPayFor takes one look-up from the caller's address.
func (h *Handler) allowPayFor(c *gin.Context) error {
	return h.limiter.Allow(c.Request.Context(), web.Rule{Key: "payfor:ip:" + c.ClientIP(), Limit: limitPayForPerIP})
}

// allowPayForAccount takes one look-up of account no from the caller's address, from the address's
// share of the account's look-ups, and from the account's own allowance.
func (h *Handler) allowPayForAccount(c *gin.Context, no string) error {
	if err := h.allowPayFor(c); err != nil {
		return err
	}
	return h.limiter.AllowAll(c.Request.Context(),
		web.Rule{Key: "payfor:account:ip:" + no + ":" + c.ClientIP(), Limit: limitPayForPerAccountIP},
		web.Rule{Key: "payfor:account:" + no, Limit: limitPayForPerAccount})
}

// lookUpPayFor finds an account to pay for, rate limited per address. An account that does not
// exist says so in words the customer can act on: check the number.
func (h *Handler) lookUpPayFor(c *gin.Context, no string) (PayForView, error) {
	if !billing.ValidAccountNo(no) {
		return PayForView{}, fmt.Errorf("portal: pay for: account number: %w", billing.ErrInvalid)
	}
	if err := h.allowPayForAccount(c, no); err != nil {
		return PayForView{}, err
	}
	v, err := h.svc.PayFor(c.Request.Context(), no)
	if errors.Is(err, billing.ErrNotFound) {
		return PayForView{}, &web.InputError{Key: "payfor.not_found", Kind: err}
	}
	return v, err
}

type payForPage struct {
	page
	AccountNo string
	Found     *PayForView
}

// showPayFor answers GET /payfor[?account=...]: a plain GET form, so it works without JavaScript.
func (h *Handler) showPayFor(c *gin.Context) error {
	p := payForPage{page: h.newPage(c), AccountNo: c.Query("account")}
	if !p.SignedIn {
		p.CSRF = h.cookies.FormToken(c) // the Pay buttons post a form before any sign-in
	}
	if p.AccountNo == "" {
		return h.pages.Render(c, http.StatusOK, "payfor", &p)
	}
	v, err := h.lookUpPayFor(c, p.AccountNo)
	if err != nil {
		return h.pages.Form(c, "payfor", &p, err)
	}
	p.Found = &v
	return h.pages.Render(c, http.StatusOK, "payfor", &p)
}

// showAccountQR answers GET /payfor/{no}/qr.png: a fixed code for an account, printed on paper bills
// and reminders, that opens the page to pay it (代缴) on any phone.
func (h *Handler) showAccountQR(c *gin.Context) error {
	no, err := web.AccountNo(c)
	if err != nil {
		return err
	}
	png, err := payments.QRPNG(h.publicURL+"/payfor?account="+no, 320)
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "public, max-age=86400")
	c.Data(http.StatusOK, "image/png", png)
	return nil
}
