package portal

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/i18n"
	"gridpay/internal/store"
	"gridpay/internal/web"
	"gridpay/payments"
	"gridpay/portal/auth"
)

type payRequest struct {
	Channel   string `json:"channel"`
	AmountFen int64  `json:"amount_fen"`
	// Way is how to pay (billing.PayWay): "" picks the way for the browser that asks (payWay).
	Way string `json:"way"`
}

// payerCookieAge is how long a browser keeps its payer token: long enough to come back to an order
// (its page, its receipt) after closing the browser, which on cheap phones happens often.
const payerCookieAge = 90 * 24 * 3600

// payer is who the request pays as: the session's phone when signed in, and the browser's payer
// token cookie when it has one (an order made signed out stays the payer's after signing in).
func payer(c *gin.Context) payments.Payer {
	var p payments.Payer
	if s, ok := auth.FromContext(c); ok {
		p.Phone = s.Phone
	}
	if v, err := web.Cookie(c, web.PayerCookie); err == nil && validPayerToken(v) {
		p.Token = v
	}
	return p
}

// validPayerToken reports whether v looks like a token web.NewToken made; anything else is ignored.
func validPayerToken(v string) bool {
	if len(v) != 32 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// payerForOrder is payer(c), and for a signed-out browser without a payer token a new one, set in
// its cookie: the order about to be made is that browser's.
func (h *Handler) payerForOrder(c *gin.Context) payments.Payer {
	p := payer(c)
	if p.Phone == "" && p.Token == "" {
		p.Token = web.NewToken()[:32]
	}
	if p.Phone == "" {
		h.cookies.Set(c, web.PayerCookie, p.Token, payerCookieAge) // refreshed on each order
	}
	return p
}

// payerOrder returns the order of the :out path parameter when the request is its payer's; to
// anyone else it does not exist (billing.ErrNotFound, not forbidden: the answer must not confirm the
// order number).
func (h *Handler) payerOrder(c *gin.Context) (store.Order, error) {
	out, err := web.OutTradeNo(c)
	if err != nil {
		return store.Order{}, err
	}
	o, err := h.orders.OrderByOutTradeNo(c.Request.Context(), out)
	if err != nil {
		return store.Order{}, err
	}
	if !payer(c).Owns(o) {
		return store.Order{}, fmt.Errorf("portal: order %s is not the caller's: %w", out, billing.ErrNotFound)
	}
	return o, nil
}

// createOrder opens the caller's order for the account, paid the way req asks or, when it asks
// none, the way that suits the browser (payWay). A signed-in customer pays their own accounts, and
// any other (代缴) under the per-address look-up limit, as anyone signed out may; the order is the
// payer's (payerForOrder), whoever else pays the account meanwhile. openID is the WeChat customer
// for a way inside WeChat.
func (h *Handler) createOrder(c *gin.Context, accountNo string, req payRequest, openID string) (store.Order, payments.Start, error) {
	if h.pay == nil {
		return store.Order{}, payments.Start{}, fmt.Errorf("portal: no payment channels configured: %w", billing.ErrNotFound)
	}
	way, err := h.payWay(c, req)
	if err != nil {
		return store.Order{}, payments.Start{}, err
	}
	own := false
	if s, ok := auth.FromContext(c); ok {
		_, err := h.svc.account(c.Request.Context(), s.Phone, accountNo)
		if err != nil && !errors.Is(err, billing.ErrNotFound) {
			return store.Order{}, payments.Start{}, err
		}
		own = err == nil
	}
	if !own {
		if err := h.allowPayFor(c); err != nil {
			return store.Order{}, payments.Start{}, err
		}
	}
	return h.pay.Open(c.Request.Context(), payments.Ask{AccountNo: accountNo, Payer: h.payerForOrder(c), Channel: req.Channel,
		Amount: billing.Money(req.AmountFen), Way: way, Phone: payments.PhoneClient{IP: c.ClientIP()}, OpenID: openID})
}

type payPage struct {
	page
	Order    orderJSON
	Expired  bool
	Done     bool           // paid or posted: nothing left to follow
	InWeChat bool           // the page is open inside WeChat: long-press the code instead of scanning it
	InAlipay bool           // inside Alipay: its link opens the payment directly
	Loc      *time.Location // the bureau's clock, on which the expiry is read
	// JSAPI is the request js/pay.js hands to WeChat's payment sheet, for an order paid inside
	// WeChat (billing.PayJSAPI) when the page is open there for the customer it was placed for;
	// else SheetProblem says why there is none: forgotten, other_user or unavailable (paymentSheet).
	JSAPI        *payments.JSAPIRequest
	SheetProblem string
	// Others are the other ways this browser can pay the same amount on the same channel: each
	// replaces the order with one paid that way.
	Others []billing.PayWay
	Amount string // the order's amount in yuan, as the forms of Others send it
}

// Waiting reports whether the order waits for the money: the customer can still pay it.
func (p payPage) Waiting() bool { return !p.Done && !p.Expired && p.Order.Status == payments.Pending }

// Title is the page's title: paying by a code, or paying on this phone.
func (p payPage) Title() string {
	if p.Order.Way.InPlace() {
		return i18n.T(p.Lang, "pay.title_in_place")
	}
	return i18n.T(p.Lang, "pay.title")
}

// WayName names a way to pay on the order's channel, e.g. 在微信中支付.
func (p payPage) WayName(w billing.PayWay) string {
	return i18n.T(p.Lang, "pay.way."+string(w), p.ChannelName(p.Order.Channel))
}

// ExpiresText shows the expiry time in the bureau's clock, e.g. 14:35.
func (p payPage) ExpiresText() string {
	return p.Order.ExpiresAt.In(p.Loc).Format("15:04")
}

// StatusText names the order's status for the customer.
func (p payPage) StatusText() string {
	return i18n.T(p.Lang, "pay.status."+strings.ToLower(string(p.Order.Status)))
}

// startPay handles the Pay buttons (a signed-in customer's account, or 代缴): an order, then its page.
func (h *Handler) startPay(c *gin.Context) error {
	if err := auth.CheckForm(c); err != nil {
		return err
	}
	no, err := web.AccountNo(c)
	if err != nil {
		return err
	}
	var amount int64
	if v := strings.TrimSpace(c.PostForm("amount")); v != "" {
		m, err := billing.ParseMoney(v)
		if err != nil {
			return err
		}
		amount = int64(m)
	}
	req := payRequest{Channel: c.PostForm("channel"), AmountFen: amount, Way: c.PostForm("way")}
	if h.pay != nil {
		way, err := h.payWay(c, req)
		if err != nil {
			return err
		}
		if openID := h.openID(c); way == billing.PayJSAPI && openID == "" {
			return h.authorizeThenPay(c, no, req)
		}
		req.Way = string(way)
	}
	return h.finishPay(c, no, req, h.openID(c), strings.TrimSpace(c.PostForm("amount")))
}

// payDownPage says that the channel a customer chose cannot take orders now, and offers the other
// channels for the same amount, and the same channel again later.
type payDownPage struct {
	page
	AccountNo    string
	Amount       string // as the customer typed it; "" pays what is due
	Down         string // the channel that is down
	Others       []string
	RetrySeconds int
}

// showChannelDown answers a Pay button whose channel is down: 503 with Retry-After, and on the page
// the other channels that take orders now. The order made for it stays open to be retried.
func (h *Handler) showChannelDown(c *gin.Context, accountNo, amount string, down *payments.ChannelDownError) error {
	h.log.Warn("payment channel down", "channel", down.Channel, "err", down.Err)
	p := payDownPage{page: h.newPage(c), AccountNo: accountNo, Amount: amount, Down: down.Channel, RetrySeconds: down.RetrySeconds()}
	if !p.SignedIn {
		p.CSRF = h.cookies.FormToken(c) // 代缴: the buttons post a form before any sign-in
	}
	for _, ch := range p.Channels {
		if ch != down.Channel {
			p.Others = append(p.Others, ch)
		}
	}
	c.Header("Retry-After", strconv.Itoa(down.RetrySeconds()))
	return h.pages.Render(c, http.StatusServiceUnavailable, "pay_down", p)
}

// showPay shows an order: the QR to scan, the amount, until when, and how it stands. While it waits
// for the money, js/pay.js asks the API how the order stands and says so in a polite live region;
// without script a button loads the page again.
func (h *Handler) showPay(c *gin.Context) error {
	o, err := h.payerOrder(c)
	if err != nil {
		return err
	}
	b := payments.BrowserOf(c.GetHeader("User-Agent"))
	p := payPage{page: h.newPage(c), Order: toOrderJSON(o), Loc: h.loc, InWeChat: b.InWeChat, InAlipay: b.InAlipay,
		Amount: o.Amount.String()}
	p.Done = o.Status == payments.Paid || o.Status == payments.Posted
	p.Expired = !p.Done && o.Status != payments.Flagged && h.now().After(o.ExpiresAt)
	if p.Waiting() && h.pay != nil {
		if !p.SignedIn {
			p.CSRF = h.cookies.FormToken(c) // 代缴: the buttons post forms
		}
		for _, w := range h.pay.WaysIn(b, o.Channel, h.jsapi()) {
			if w != o.Way {
				p.Others = append(p.Others, w)
			}
		}
		if o.Way == billing.PayJSAPI && b.InWeChat {
			p.JSAPI, p.SheetProblem = h.paymentSheet(c, o)
		}
	}
	// No Refresh header: a reload every few seconds throws keyboard and screen-reader focus back to
	// the top (WCAG 2.2.1). The page's script follows the order's status instead, and without
	// script the customer checks with a button.
	return h.pages.Render(c, http.StatusOK, "pay", p)
}

// showPayQR answers GET /pay/{out}/qr.png: the order's code as a PNG, made once and cached.
func (h *Handler) showPayQR(c *gin.Context) error {
	o, err := h.payerOrder(c)
	if err != nil {
		return err
	}
	if o.CodeURL == "" || o.Status != payments.Pending || !h.now().Before(o.ExpiresAt) {
		return fmt.Errorf("portal: order %s has no payable code: %w", o.OutTradeNo, billing.ErrNotFound)
	}
	png, err := h.qr(c, o)
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "private, max-age=1800")
	c.Data(http.StatusOK, "image/png", png)
	return nil
}

// qrKeyPrefix is where an order's QR PNG is kept in Redis.
const qrKeyPrefix = "gridpay:qr:"

// qr makes an order's QR PNG once; later requests get the copy kept in Redis until the order expires.
func (h *Handler) qr(c *gin.Context, o store.Order) ([]byte, error) {
	ctx := c.Request.Context()
	key := qrKeyPrefix + o.OutTradeNo
	if b, err := h.rdb.Get(ctx, key).Bytes(); err == nil {
		return b, nil
	}
	png, err := payments.QRPNG(o.CodeURL, 320)
	if err != nil {
		return nil, err
	}
	if ttl := time.Until(o.ExpiresAt) + time.Hour; ttl > 0 {
		if err := h.rdb.Set(ctx, key, png, ttl).Err(); err != nil {
			h.log.Warn("QR not cached", "request_id", c.GetString("request_id"), "err", err)
		}
	}
	return png, nil
}
