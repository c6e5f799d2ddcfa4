// Package alipay is the Alipay channel (支付宝当面付, face-to-face payment by QR code) as a
// payments.Provider: it precreates an order for a qr_code, queries and closes it over the open API
// gateway, and verifies Alipay's asynchronous notifications. Requests are signed RSA2
// (SHA256withRSA, PKCS#1 v1.5) with the app's private key; responses and notifications are
// verified with Alipay's public key. payments/sandbox has a simulator of the same wire protocol.
package alipay

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"time"

	"gridpay/internal/billing"
	"gridpay/payments"
)

// ProductionGatewayURL is Alipay's open API gateway. It is only a suggestion for configuration:
// Config.GatewayURL is always what is used.
const ProductionGatewayURL = "https://openapi.alipay.com/gateway.do"

// chinaZone is the zone of every Alipay timestamp ("2006-01-02 15:04:05", China Standard Time,
// which has no daylight saving, so no tz database is needed).
var chinaZone = time.FixedZone("CST", 8*3600)

// timeLayout is how Alipay writes times on the wire.
const timeLayout = "2006-01-02 15:04:05"

// Config is what the provider needs to talk to Alipay for one app.
type Config struct {
	AppID    string // the open platform app id (APPID)
	SellerID string // the merchant's Alipay user id (PID, 2088...): notifications must name it
	// PrivateKeyPEM is the app's RSA private key, PKCS#1 ("RSA PRIVATE KEY") or PKCS#8
	// ("PRIVATE KEY").
	PrivateKeyPEM []byte
	// AlipayPublicKeyPEM is Alipay's RSA public key for this app, PKIX ("PUBLIC KEY") or PKCS#1
	// ("RSA PUBLIC KEY").
	AlipayPublicKeyPEM []byte
	// GatewayURL is the open API gateway, e.g. ProductionGatewayURL or a sandbox's URL.
	GatewayURL string
	// HTTPClient makes the gateway calls; nil means a client with a 15-second timeout.
	HTTPClient *http.Client
	// Now is the clock for request timestamps; nil means time.Now.
	Now func() time.Time
}

// Provider is Alipay as a payments.Provider. It is safe for concurrent use.
type Provider struct {
	appID     string
	sellerID  string
	key       *rsa.PrivateKey
	alipayKey *rsa.PublicKey
	gateway   string
	client    *http.Client
	now       func() time.Time
}

var _ payments.Provider = (*Provider)(nil)

// New checks cfg and returns a Provider. Missing ids, keys or gateway URL, and keys that do not
// parse, are errors wrapping billing.ErrInvalid.
func New(cfg Config) (*Provider, error) {
	if cfg.AppID == "" || cfg.SellerID == "" || cfg.GatewayURL == "" {
		return nil, fmt.Errorf("alipay: new provider: %w: app id, seller id and gateway URL are required", billing.ErrInvalid)
	}
	key, err := ParsePrivateKey(cfg.PrivateKeyPEM)
	if err != nil {
		return nil, fmt.Errorf("alipay: new provider: app private key: %w", err)
	}
	pub, err := ParsePublicKey(cfg.AlipayPublicKeyPEM)
	if err != nil {
		return nil, fmt.Errorf("alipay: new provider: alipay public key: %w", err)
	}
	p := &Provider{
		appID:     cfg.AppID,
		sellerID:  cfg.SellerID,
		key:       key,
		alipayKey: pub,
		gateway:   cfg.GatewayURL,
		client:    cfg.HTTPClient,
		now:       cfg.Now,
	}
	if p.client == nil {
		p.client = &http.Client{Timeout: 15 * time.Second}
	}
	if p.now == nil {
		p.now = time.Now
	}
	return p, nil
}

// Name is the channel, payments.Alipay.
func (p *Provider) Name() string { return payments.Alipay }

// APIError is a business error from the gateway: a response whose code is not 10000 (e.g. 40004
// with sub_code ACQ.TRADE_NOT_EXIST).
type APIError struct {
	Method  string
	Code    string
	Msg     string
	SubCode string
	SubMsg  string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("alipay: %s: %s %s (%s %s)", e.Method, e.Code, e.Msg, e.SubCode, e.SubMsg)
}

// Sub-codes this package acts on.
const (
	subTradeNotExist    = "ACQ.TRADE_NOT_EXIST"
	subTradeStatusError = "ACQ.TRADE_STATUS_ERROR"
)

// isSubCode reports whether err is an APIError with the given sub_code.
func isSubCode(err error, subCode string) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.SubCode == subCode
}
