package portal

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/i18n"
	"gridpay/internal/store"
	"gridpay/payments"
)

// orderJSON is a payment order in the API.
type orderJSON struct {
	ID         int64           `json:"id"`
	OutTradeNo string          `json:"out_trade_no"`
	AccountNo  string          `json:"account_no"`
	Channel    string          `json:"channel"`
	Amount     billing.Money   `json:"amount_fen"`
	Status     payments.Status `json:"status"`
	CodeURL    string          `json:"code_url,omitempty"`
	QRURL      string          `json:"qr_url,omitempty"`
	PayURL     string          `json:"pay_url"`
	ExpiresAt  time.Time       `json:"expires_at"`
	ReceiptNo  string          `json:"receipt_no,omitempty"`
	Timeline   []eventJSON     `json:"timeline,omitempty"`
}

type eventJSON struct {
	At   time.Time       `json:"at"`
	From payments.Status `json:"from,omitempty"`
	To   payments.Status `json:"to"`
	Note string          `json:"note"`
}

func toOrderJSON(o store.Order) orderJSON {
	j := orderJSON{ID: o.ID, OutTradeNo: o.OutTradeNo, AccountNo: o.AccountNo, Channel: o.Channel, Amount: o.Amount,
		Status: o.Status, CodeURL: o.CodeURL, PayURL: "/pay/" + o.OutTradeNo, ExpiresAt: o.ExpiresAt, ReceiptNo: o.PostedReceiptNo}
	if o.CodeURL != "" && o.Status == payments.Pending { // a code is shown only while it can be paid
		j.QRURL = "/pay/" + o.OutTradeNo + "/qr.png"
	}
	for _, e := range o.Events {
		j.Timeline = append(j.Timeline, eventJSON{At: e.At, From: e.From, To: e.To, Note: e.Note})
	}
	return j
}

type payRequest struct {
	Channel   string `json:"channel"`
	AmountFen int64  `json:"amount_fen"`
}

// createOrder opens an order for the account: a signed-in customer's own account, or, with no
// session, any account (代缴) under the per-address look-up limit.
func (h *Handler) createOrder(c *gin.Context, accountNo string, req payRequest) (store.Order, error) {
	if h.pay == nil {
		return store.Order{}, fmt.Errorf("portal: no payment channels configured: %w", billing.ErrNotFound)
	}
	phone := ""
	if s, ok := session(c); ok {
		phone = s.Phone
		if _, err := h.svc.account(c.Request.Context(), s.Phone, accountNo); err != nil {
			return store.Order{}, err
		}
	} else {
		if !validAccountNo(accountNo) {
			return store.Order{}, fmt.Errorf("portal: account number: %w", billing.ErrInvalid)
		}
		if err := h.auth.allow(c.Request.Context(), "payfor:ip:"+c.ClientIP(), limitPayForPerIP); err != nil {
			return store.Order{}, err
		}
	}
	return h.pay.CreateOrder(c.Request.Context(), accountNo, phone, req.Channel, billing.Money(req.AmountFen))
}

// apiCreatePayment answers POST /api/v1/accounts/{no}/payments {"channel","amount_fen"?}.
func (h *Handler) apiCreatePayment(c *gin.Context) {
	no, err := accountNo(c)
	if err != nil {
		h.apiError(c, err)
		return
	}
	var req payRequest
	if err := decodeJSON(c, &req); err != nil {
		h.apiError(c, err)
		return
	}
	o, err := h.createOrder(c, no, req)
	if err != nil {
		h.apiError(c, err)
		return
	}
	c.Header("Location", "/api/v1/payments/"+o.OutTradeNo)
	c.JSON(http.StatusCreated, toOrderJSON(o))
}

// outTradeNo reads the :out path parameter: our order numbers are short plain identifiers.
func outTradeNo(c *gin.Context) (string, error) {
	v := c.Param("out")
	if v == "" || len(v) > 32 || strings.Trim(v, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return "", fmt.Errorf("portal: order number: %w", billing.ErrInvalid)
	}
	return v, nil
}

// apiPayment answers GET /api/v1/payments/{out_trade_no}: status and timeline. The order number,
// long and random, is the key: whoever started the payment (代缴 too) may follow it.
func (h *Handler) apiPayment(c *gin.Context) {
	out, err := outTradeNo(c)
	if err != nil {
		h.apiError(c, err)
		return
	}
	o, err := h.orders.OrderByOutTradeNo(c.Request.Context(), out)
	if err == nil {
		o, err = h.orders.OrderByID(c.Request.Context(), o.ID) // with its timeline
	}
	if err != nil {
		h.apiError(c, err)
		return
	}
	c.JSON(http.StatusOK, toOrderJSON(o))
}

type payPage struct {
	page
	Order    orderJSON
	Expired  bool
	Done     bool           // paid or posted: no more refreshing
	InWeChat bool           // the page is open inside WeChat: long-press the code instead of scanning it
	InAlipay bool           // inside Alipay: its link opens the payment directly
	Loc      *time.Location // the bureau's clock, on which the expiry is read
}

// startPay handles the Pay buttons (a signed-in customer's account, or 代缴): an order, then its page.
func (h *Handler) startPay(c *gin.Context) {
	if err := h.checkFormToken(c); err != nil {
		h.pageError(c, err)
		return
	}
	no, err := accountNo(c)
	if err != nil {
		h.pageError(c, err)
		return
	}
	var amount int64
	if v := strings.TrimSpace(c.PostForm("amount")); v != "" {
		m, err := billing.ParseMoney(v)
		if err != nil {
			h.pageError(c, err)
			return
		}
		amount = int64(m)
	}
	o, err := h.createOrder(c, no, payRequest{Channel: c.PostForm("channel"), AmountFen: amount})
	if err != nil {
		h.pageError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/pay/"+o.OutTradeNo)
}

// showPay shows an order: the QR to scan, the amount, until when, and how it stands. While it waits
// for the money the page refreshes itself every few seconds (no script needed).
func (h *Handler) showPay(c *gin.Context) {
	out, err := outTradeNo(c)
	if err != nil {
		h.pageError(c, err)
		return
	}
	o, err := h.orders.OrderByOutTradeNo(c.Request.Context(), out)
	if err != nil {
		h.pageError(c, err)
		return
	}
	ua := c.GetHeader("User-Agent")
	p := payPage{page: h.newPage(c), Order: toOrderJSON(o), Loc: h.loc,
		InWeChat: strings.Contains(ua, "MicroMessenger"), InAlipay: strings.Contains(ua, "AlipayClient")}
	p.Done = o.Status == payments.Paid || o.Status == payments.Posted
	p.Expired = !p.Done && o.Status != payments.Flagged && h.now().After(o.ExpiresAt)
	if !p.Done && !p.Expired {
		c.Header("Refresh", "5")
	}
	h.render(c, http.StatusOK, "pay", p)
}

// showPayQR answers GET /pay/{out}/qr.png: the order's code as a PNG, made once and cached.
func (h *Handler) showPayQR(c *gin.Context) {
	out, err := outTradeNo(c)
	if err != nil {
		h.pageError(c, err)
		return
	}
	o, err := h.orders.OrderByOutTradeNo(c.Request.Context(), out)
	if err == nil && (o.CodeURL == "" || o.Status != payments.Pending || !h.now().Before(o.ExpiresAt)) {
		err = fmt.Errorf("portal: order %s has no payable code: %w", out, billing.ErrNotFound)
	}
	if err != nil {
		h.pageError(c, err)
		return
	}
	png, err := h.qr(c, o)
	if err != nil {
		h.pageError(c, err)
		return
	}
	c.Header("Cache-Control", "private, max-age=1800")
	c.Data(http.StatusOK, "image/png", png)
}

// qr makes an order's QR PNG once; later requests get the copy kept in Redis until the order expires.
func (h *Handler) qr(c *gin.Context, o store.Order) ([]byte, error) {
	ctx := c.Request.Context()
	key := keyPrefix + "qr:" + o.OutTradeNo
	if b, err := h.auth.rdb.Get(ctx, key).Bytes(); err == nil {
		return b, nil
	}
	png, err := payments.QRPNG(o.CodeURL, 320)
	if err != nil {
		return nil, err
	}
	if ttl := time.Until(o.ExpiresAt) + time.Hour; ttl > 0 {
		if err := h.auth.rdb.Set(ctx, key, png, ttl).Err(); err != nil {
			h.log.Warn("QR not cached", "err", err)
		}
	}
	return png, nil
}

// ExpiresText shows the expiry time in the bureau's clock, e.g. 14:35.
func (p payPage) ExpiresText() string {
	return p.Order.ExpiresAt.In(p.Loc).Format("15:04")
}

// StatusText names the order's status for the customer.
func (p payPage) StatusText() string {
	return i18n.T(p.Lang, "pay.status."+strings.ToLower(string(p.Order.Status)))
}

// showAccountQR answers GET /payfor/{no}/qr.png: a fixed code for an account, printed on paper bills
// and reminders, that opens the page to pay it (代缴) on any phone.
func (h *Handler) showAccountQR(c *gin.Context) {
	no, err := accountNo(c)
	if err != nil {
		h.pageError(c, err)
		return
	}
	png, err := payments.QRPNG(h.publicURL+"/payfor?account="+no, 320)
	if err != nil {
		h.pageError(c, err)
		return
	}
	c.Header("Cache-Control", "public, max-age=86400")
	c.Data(http.StatusOK, "image/png", png)
}
