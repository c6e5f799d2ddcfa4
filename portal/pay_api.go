package portal

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/i18n"
	"gridpay/internal/store"
	"gridpay/internal/web"
	"gridpay/payments"
	"gridpay/portal/auth"
)

// orderJSON is a payment order in the API.
type orderJSON struct {
	ID         int64           `json:"id"`
	OutTradeNo string          `json:"out_trade_no"`
	AccountNo  string          `json:"account_no"`
	Channel    string          `json:"channel"`
	Way        billing.PayWay  `json:"way"`
	Amount     billing.Money   `json:"amount_fen"`
	Status     payments.Status `json:"status"`
	CodeURL    string          `json:"code_url,omitempty"`
	QRURL      string          `json:"qr_url,omitempty"`
	PayURL     string          `json:"pay_url"`
	ExpiresAt  time.Time       `json:"expires_at"`
	ReceiptNo  string          `json:"receipt_no,omitempty"`
	// CashierURL (H5, WAP) and JSAPI (inside WeChat) are how to go on paying an order just made in
	// place; only the answer that makes or finds the order has them.
	CashierURL string                 `json:"cashier_url,omitempty"`
	JSAPI      *payments.JSAPIRequest `json:"jsapi,omitempty"`
	Timeline   []eventJSON            `json:"timeline,omitempty"`
}

type eventJSON struct {
	At   time.Time       `json:"at"`
	From payments.Status `json:"from,omitempty"`
	To   payments.Status `json:"to"`
	Note string          `json:"note"`
}

func toOrderJSON(o store.Order) orderJSON {
	j := orderJSON{ID: o.ID, OutTradeNo: o.OutTradeNo, AccountNo: o.AccountNo, Channel: o.Channel, Way: o.Way, Amount: o.Amount,
		Status: o.Status, CodeURL: o.CodeURL, PayURL: "/pay/" + o.OutTradeNo, ExpiresAt: o.ExpiresAt, ReceiptNo: o.PostedReceiptNo}
	if o.CodeURL != "" && o.Status == payments.Pending { // a code is shown only while it can be paid
		j.QRURL = "/pay/" + o.OutTradeNo + "/qr.png"
	}
	for _, e := range o.Events {
		j.Timeline = append(j.Timeline, eventJSON{At: e.At, From: e.From, To: e.To, Note: e.Note})
	}
	return j
}

// guardCreatePayment guards asking to pay, which changes state signed in or not: a session's call
// needs its token or the browser's word that it comes from this site (auth.CheckAPIToken), a call
// without one that word (web.SameOrigin); and the body must be JSON, which a cross-site form cannot
// send without the browser asking first.
func guardCreatePayment(c *gin.Context) error {
	if _, ok := auth.FromContext(c); ok {
		if err := auth.CheckAPIToken(c); err != nil {
			return err
		}
	} else if err := web.SameOrigin(c); err != nil {
		return err
	}
	return web.RequireJSON(c)
}

// apiCreatePayment answers POST /api/v1/accounts/{no}/payments {"channel","amount_fen"?,"way"?}:
// the caller's order, made or, asked again, found (guardCreatePayment guards it). Without a way it
// is paid by its code (qr); h5 and wap answer the provider's cashier_url, and jsapi, for a browser
// web authorization found (its OpenID cookie), the request for WeChat's payment sheet.
func (h *Handler) apiCreatePayment(c *gin.Context) error {
	no, err := web.AccountNo(c)
	if err != nil {
		return err
	}
	var req payRequest
	if err := web.DecodeJSON(c, &req); err != nil {
		return err
	}
	if req.Way == "" {
		req.Way = string(billing.PayQR) // an API client asks for the way it can show
	}
	o, st, err := h.createOrder(c, no, req, h.openID(c))
	var down *payments.ChannelDownError
	if errors.As(err, &down) {
		// 503 with Retry-After, the message naming the channel, and the channels to try instead.
		h.log.Warn("payment channel down", "channel", down.Channel, "err", down.Err)
		others := []string{}
		for _, ch := range h.pay.UpChannels() {
			if ch != down.Channel {
				others = append(others, ch)
			}
		}
		c.Header("Retry-After", strconv.Itoa(down.RetrySeconds()))
		c.AbortWithStatusJSON(http.StatusServiceUnavailable, gin.H{"error": gin.H{"code": "unavailable",
			"message": i18n.T(web.Lang(c), "pay.down", i18n.T(web.Lang(c), "pay."+down.Channel)), "channel": down.Channel,
			"other_channels": others, "retry_after_seconds": down.RetrySeconds()}})
		return nil
	}
	if err != nil {
		return err
	}
	c.Header("Location", "/api/v1/payments/"+o.OutTradeNo)
	j := toOrderJSON(o)
	j.CashierURL, j.JSAPI = st.URL, st.JSAPI
	c.JSON(http.StatusCreated, j)
	return nil
}

// apiPayment answers GET /api/v1/payments/{out_trade_no}: status and timeline, to the order's payer
// only (the same session phone or payer token cookie); to anyone else the order does not exist.
func (h *Handler) apiPayment(c *gin.Context) error {
	o, err := h.payerOrder(c)
	if err != nil {
		return err
	}
	if o.Events, err = h.orders.OrderEvents(c.Request.Context(), o.ID); err != nil {
		return err
	}
	c.JSON(http.StatusOK, toOrderJSON(o))
	return nil
}
