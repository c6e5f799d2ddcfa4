package portal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/store"
	"gridpay/internal/web"
	"gridpay/payments"
	"gridpay/portal/auth"
)

// WebAuth is the WeChat official account's web authorization (网页授权): it tells which WeChat user
// opened a page, by the OpenID WeChat Pay JSAPI pays for. notify/wechatoa's OA is one.
type WebAuth interface {
	AuthorizeURL(redirectURI, state string) string
	OpenID(ctx context.Context, code string) (string, error)
}

// Limits of paying inside WeChat.
const (
	// openIDCookieAge is how long a browser keeps the WeChat customer's OpenID: long enough that a
	// customer paying each month is not sent through web authorization each time.
	openIDCookieAge = 30 * 24 * 3600
	// payAuthTTL is how long a Pay button waits for web authorization to come back.
	payAuthTTL = 10 * time.Minute
	// payAuthKeyPrefix is where the Pay buttons waiting for web authorization are kept in Redis.
	payAuthKeyPrefix = "gridpay:payauth:"
	// maxAuthParam bounds the code and state web authorization sends back.
	maxAuthParam = 128
)

// limitPayAuthPerIP bounds the Pay buttons one address may send through web authorization.
var limitPayAuthPerIP = web.PerMinute(20)

// jsapi reports whether orders can be paid inside WeChat here: web authorization is configured.
func (h *Handler) jsapi() bool { return h.webAuth != nil }

// payWay is how req is to be paid: the way it names, when the channel takes it here, or else the
// first way that suits the browser asking (payments.Service.WaysIn).
func (h *Handler) payWay(c *gin.Context, req payRequest) (billing.PayWay, error) {
	ways := h.pay.Ways(req.Channel, h.jsapi())
	if req.Way != "" {
		w := billing.PayWay(req.Way)
		for _, ok := range ways {
			if w == ok {
				return w, nil
			}
		}
		return "", fmt.Errorf("portal: way to pay %.16q on %.16q: want one of %v: %w", req.Way, req.Channel, ways, billing.ErrInvalid)
	}
	if in := h.pay.WaysIn(payments.BrowserOf(c.GetHeader("User-Agent")), req.Channel, h.jsapi()); len(in) > 0 {
		return in[0], nil
	}
	return billing.PayQR, nil // an unknown channel: Open refuses it
}

// openID is the WeChat customer this browser was found to be by web authorization, or "".
func (h *Handler) openID(c *gin.Context) string {
	v, err := web.Cookie(c, web.OpenIDCookie)
	if err != nil || !billing.ValidOpenID(v) {
		return ""
	}
	return v
}

// paymentSheet is the request for WeChat's payment sheet of o, a JSAPI order whose page is open
// inside WeChat, signed afresh (the sheet refuses an old signature); or, when there is none, why:
// the browser no longer knows its WeChat customer, the page is open for another customer than the
// order's, or WeChat Pay did not answer.
func (h *Handler) paymentSheet(c *gin.Context, o store.Order) (*payments.JSAPIRequest, string) {
	switch openID := h.openID(c); {
	case openID == "":
		return nil, "forgotten" // the browser forgot who it is: web authorization again
	case openID != o.OpenID:
		return nil, "other_user"
	}
	st, err := h.pay.Resume(c.Request.Context(), o, payments.PhoneClient{})
	if err != nil || st.JSAPI == nil {
		h.log.Warn("no payment sheet for the order; its other ways are offered", "request_id", c.GetString("request_id"),
			"order", o.OutTradeNo, "err", err)
		return nil, "unavailable"
	}
	return st.JSAPI, ""
}

// payAuth is a Pay button pressed inside WeChat, kept while web authorization learns who pressed it.
type payAuth struct {
	AccountNo string `json:"account_no"`
	Channel   string `json:"channel"`
	AmountFen int64  `json:"amount_fen"`
	Payer     string `json:"payer"` // the payer's key: the same browser must come back
}

// authorizeThenPay answers a Pay button inside WeChat from a browser whose OpenID is not yet known:
// the button is kept under a new state, and the browser is sent to web authorization, which comes
// back to /wechat/authorized (payAuthorized) with the state and a code for the OpenID.
func (h *Handler) authorizeThenPay(c *gin.Context, accountNo string, req payRequest) error {
	// Each button keeps a record for a while: a bound on them per address, before any is kept.
	if err := h.limiter.Allow(c.Request.Context(), web.Rule{Key: "payauth:ip:" + c.ClientIP(), Limit: limitPayAuthPerIP}); err != nil {
		return err
	}
	state := web.NewToken()[:32]
	b, err := json.Marshal(payAuth{AccountNo: accountNo, Channel: req.Channel, AmountFen: req.AmountFen, Payer: h.payerForOrder(c).Key()})
	if err != nil {
		return err
	}
	if err := h.rdb.Set(c.Request.Context(), payAuthKeyPrefix+state, b, payAuthTTL).Err(); err != nil {
		return fmt.Errorf("portal: keep a pay button for web authorization: %w", err)
	}
	c.Redirect(http.StatusSeeOther, h.webAuth.AuthorizeURL(h.publicURL+"/wechat/authorized", state))
	return nil
}

// payAuthorized answers GET /wechat/authorized?code=&state=, where web authorization sends the
// browser back: the OpenID is learnt from the code and kept in a cookie, and the Pay button kept
// under the state is carried out, once, for the same payer. Without an OpenID (the customer
// refused, or WeChat failed) the order is made to be paid by its code, which WeChat reads by a long
// press, so that the customer can still pay.
func (h *Handler) payAuthorized(c *gin.Context) error {
	if h.webAuth == nil || h.pay == nil {
		return fmt.Errorf("portal: web authorization is not configured: %w", billing.ErrNotFound)
	}
	code, state := c.Query("code"), c.Query("state")
	if state == "" || len(state) > maxAuthParam || len(code) > maxAuthParam {
		return fmt.Errorf("portal: web authorization came back without a usable state: %w", billing.ErrInvalid)
	}
	ctx := c.Request.Context()
	b, err := h.rdb.GetDel(ctx, payAuthKeyPrefix+state).Bytes()
	if err != nil {
		return fmt.Errorf("portal: web authorization state unknown, used or expired: %w", billing.ErrNotFound)
	}
	var kept payAuth
	if err := json.Unmarshal(b, &kept); err != nil {
		return fmt.Errorf("portal: kept pay button: %w", err)
	}
	if kept.Payer == "" || kept.Payer != payer(c).Key() {
		return fmt.Errorf("portal: web authorization came back to another browser: %w", billing.ErrForbidden)
	}
	req := payRequest{Channel: kept.Channel, AmountFen: kept.AmountFen, Way: string(billing.PayJSAPI)}
	openID := ""
	if code != "" {
		openID, err = h.webAuth.OpenID(ctx, code)
	}
	if !billing.ValidOpenID(openID) {
		h.log.Warn("web authorization gave no OpenID; paying by code", "request_id", c.GetString("request_id"), "err", err)
		req.Way, openID = string(billing.PayQR), ""
	} else {
		h.cookies.Set(c, web.OpenIDCookie, openID, openIDCookieAge)
	}
	amount := ""
	if kept.AmountFen != 0 {
		amount = billing.Money(kept.AmountFen).String()
	}
	return h.finishPay(c, kept.AccountNo, req, openID, amount)
}

// finishPay makes the order req asks and sends the browser on: to the provider's cashier for a way
// in the phone's browser, else to the order's page. amount is the amount as the customer typed it,
// for the page that offers other channels when this one is down.
func (h *Handler) finishPay(c *gin.Context, accountNo string, req payRequest, openID, amount string) error {
	o, st, err := h.createOrder(c, accountNo, req, openID)
	var down *payments.ChannelDownError
	if errors.Is(err, payments.ErrOpenIDRefused) {
		// WeChat Pay refused the order for this OpenID (another app's, or no longer valid): it is
		// forgotten, to be learnt again next time, and the customer pays by the code now.
		h.log.Warn("WeChat Pay refused the customer's OpenID; paying by code", "request_id", c.GetString("request_id"), "err", err)
		h.cookies.Set(c, web.OpenIDCookie, "", -1)
		req.Way, openID = string(billing.PayQR), ""
		o, st, err = h.createOrder(c, accountNo, req, "")
	}
	if errors.As(err, &down) {
		return h.showChannelDown(c, accountNo, amount, down)
	}
	if err != nil {
		return err
	}
	if st.URL != "" {
		c.Redirect(http.StatusSeeOther, st.URL)
		return nil
	}
	c.Redirect(http.StatusSeeOther, "/pay/"+o.OutTradeNo)
	return nil
}

// goPay answers POST /pay/{out}/go, the order page's button to pay in the phone's browser: the
// provider is asked again for its cashier's address (WeChat's lasts five minutes), and the browser
// is sent there.
func (h *Handler) goPay(c *gin.Context) error {
	if err := auth.CheckForm(c); err != nil {
		return err
	}
	o, err := h.payerOrder(c)
	if err != nil {
		return err
	}
	if h.pay == nil || !o.Way.InPlace() || o.Way == billing.PayJSAPI {
		return fmt.Errorf("portal: order %s is not paid in the phone's browser: %w", o.OutTradeNo, billing.ErrInvalid)
	}
	st, err := h.pay.Resume(c.Request.Context(), o, payments.PhoneClient{IP: c.ClientIP()})
	if errors.Is(err, billing.ErrConflict) {
		c.Redirect(http.StatusSeeOther, "/pay/"+o.OutTradeNo) // paid, closed or expired meanwhile: its page says so
		return nil
	}
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, st.URL)
	return nil
}
