package payments

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"gridpay/internal/billing"
)

// Provider is one payment channel's server as gridpay sees it: WeChat Pay, Alipay or a bank, each
// in payments/<provider>, each with a simulator of the same wire protocol in payments/sandbox.
type Provider interface {
	// Name is the channel: wechat, alipay or bank.
	Name() string
	// Precreate asks the provider for a code the customer scans to pay the order (WeChat Native
	// code_url, Alipay 当面付 qr_code).
	Precreate(ctx context.Context, o ProviderOrder) (Precreated, error)
	// Query asks the provider how an order stands (查单), for orders that heard no callback.
	Query(ctx context.Context, outTradeNo string) (QueryResult, error)
	// Close tells the provider to stop taking payment for an order (expiry or cancellation).
	Close(ctx context.Context, outTradeNo string) error
	// VerifyCallback checks a callback exactly as the provider sent it (signature, timestamp,
	// merchant and app ids, decryption) and returns what it says. A bad signature or stale
	// timestamp is billing.ErrUnauthorized; a malformed body billing.ErrInvalid.
	VerifyCallback(ctx context.Context, header http.Header, body []byte) (Notification, error)
	// Ack is the answer that tells the provider a callback was taken (so it stops retrying).
	Ack() Reply
	// Nack is the answer that tells the provider to send the callback again later.
	Nack(reason string) Reply
}

// PhonePayer is a channel that takes payment on the phone that shows the page, in the phone's
// browser, where a QR code on the same screen cannot be scanned: WeChat Pay H5
// (/v3/pay/transactions/h5) and Alipay WAP (alipay.trade.wap.pay). The customer is sent to the URL
// it returns, pays in the provider's app or cashier, and comes back to the client's ReturnURL; the
// money arrives by the same callbacks as a QR payment's.
type PhonePayer interface {
	PrecreatePhone(ctx context.Context, o ProviderOrder, c PhoneClient) (payURL string, err error)
}

// PhoneClient is the phone that pays in its browser.
type PhoneClient struct {
	IP        string // the phone's address, which WeChat Pay H5 wants (scene_info.payer_client_ip)
	ReturnURL string // where the provider sends the browser back: the order's page
}

// ReturnURLValid reports whether c's ReturnURL is an absolute http(s) address, the only kind a
// provider's cashier sends a browser back to (never a script or a path).
func (c PhoneClient) ReturnURLValid() bool {
	u, err := url.Parse(c.ReturnURL)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// JSAPIPayer is a channel that takes payment inside its own app's browser (WeChat Pay JSAPI): the
// order is placed for the customer's OpenID at the app, and the page hands the signed request it
// returns to the app's payment sheet (WeixinJSBridge getBrandWCPayRequest).
type JSAPIPayer interface {
	PrecreateJSAPI(ctx context.Context, o ProviderOrder, openID string) (JSAPIRequest, error)
}

// JSAPIRequest is what the page hands to WeixinJSBridge.invoke("getBrandWCPayRequest", ...), in the
// names and form WeChat wants.
type JSAPIRequest struct {
	AppID     string `json:"appId"`
	TimeStamp string `json:"timeStamp"`
	NonceStr  string `json:"nonceStr"`
	Package   string `json:"package"` // prepay_id=...
	SignType  string `json:"signType"`
	PaySign   string `json:"paySign"`
}

// ProviderOrder is what a provider needs to know of an order.
type ProviderOrder struct {
	OutTradeNo  string
	Amount      billing.Money
	Description string // e.g. "云溪县供电公司电费-户号3100000001"
	ExpiresAt   time.Time
	NotifyURL   string // where the provider calls back: <public URL>/callbacks/<provider>
}

// Complete reports whether o has what every provider needs to place it: our order number, a
// positive amount and where to call back.
func (o ProviderOrder) Complete() bool {
	return o.OutTradeNo != "" && o.Amount > 0 && o.NotifyURL != ""
}

// Precreated is the provider's answer to Precreate.
type Precreated struct {
	CodeURL   string // what the QR code carries
	ExpiresAt time.Time
}

// TradeState is how a provider says an order stands.
type TradeState string

// Trade states across providers.
const (
	TradeNotPaid TradeState = "NOTPAY"
	TradePaid    TradeState = "SUCCESS"
	TradeClosed  TradeState = "CLOSED"
	TradeUnknown TradeState = "UNKNOWN"
)

// QueryResult is the provider's answer to Query.
type QueryResult struct {
	State         TradeState
	ProviderTxnID string
	Amount        billing.Money
	PaidAt        time.Time
}

// Notification is a verified callback: money arrived for an order (Paid), or an event that does
// not credit (e.g. Alipay WAIT_BUYER_PAY), which is answered and otherwise ignored.
type Notification struct {
	Paid          bool
	OutTradeNo    string
	ProviderTxnID string // the provider's transaction id: callbacks are unique on it
	Amount        billing.Money
	PaidAt        time.Time
	// AccountNo is set by bank collection callbacks, which pay an account at the bank's counter
	// without any order of ours.
	AccountNo string
	// Text is the callback as people read it, in UTF-8, where its body as it arrived is not (an
	// Alipay notification in GBK, decoded); "" otherwise. It is kept beside the raw body.
	Text string
}

// Reply is an HTTP answer in the provider's own format.
type Reply struct {
	Status      int
	ContentType string
	Body        []byte
}
