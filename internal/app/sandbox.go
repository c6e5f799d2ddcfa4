package app

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"gridpay/internal/config"
	"gridpay/internal/web"
	"gridpay/notify/wechatoa"
	oasandbox "gridpay/notify/wechatoa/sandbox"
	"gridpay/payments"
	"gridpay/payments/alipay"
	"gridpay/payments/sandbox"
	"gridpay/payments/wechat"
)

// sandboxes are the payment simulators of dev mode and the providers wired to them: the real
// provider code (signing, verification, decryption) talks to simulators of the same wire protocols
// on this very server. Production never builds them.
type sandboxes struct {
	providers map[string]payments.Provider
	alipay    *sandbox.Alipay
	wechat    *sandbox.WeChat
	// oa is the official account's simulator, for web authorization only: pages inside WeChat learn
	// the customer's OpenID from it (webAuth) to pay by WeChat Pay JSAPI. Messages still go to the dev
	// inbox.
	oa      *oasandbox.OA
	webAuth *wechatoa.OA
}

// Demo merchant identities of the sandboxes.
const (
	sandboxAlipayAppID    = "2021000000000001"
	sandboxAlipaySellerID = "2088000000000001"
)

func newSandboxes(publicURL string, now func() time.Time) (*sandboxes, error) {
	sim, appKey, err := sandbox.NewAlipayApp(sandbox.AlipayConfig{AppID: sandboxAlipayAppID, SellerID: sandboxAlipaySellerID, Now: now})
	if err != nil {
		return nil, err
	}
	ali, err := alipay.New(alipay.Config{AppID: sandboxAlipayAppID, SellerID: sandboxAlipaySellerID, PrivateKeyPEM: appKey,
		AlipayPublicKeyPEM: sim.PublicKeyPEM(), GatewayURL: publicURL + "/sandbox/alipay/gateway.do", Now: now})
	if err != nil {
		sim.Close()
		return nil, err
	}
	keys, err := sandbox.NewWeChatKeys()
	if err != nil {
		sim.Close()
		return nil, err
	}
	wsim := sandbox.NewWeChat(keys, sandbox.WeChatClock(now))
	wx, err := wechat.New(wechat.Config{MchID: keys.MchID, AppID: keys.AppID, MerchantPrivateKeyPEM: keys.MerchantKeyPEM,
		MerchantCertSerial: keys.MerchantCertSerial, APIv3Key: keys.APIv3Key, PlatformCertsPEM: []string{keys.PlatformCertPEM},
		PublicKeyPEM: keys.PayPublicKeyPEM, PublicKeyID: keys.PayPublicKeyID, BaseURL: publicURL + "/sandbox/wechat", Now: now})
	if err != nil {
		sim.Close()
		wsim.Close()
		return nil, err
	}
	// The official account is the WeChat Pay merchant's app: an OpenID is per app.
	secret := web.NewToken()[:32]
	oa := oasandbox.New(keys.AppID, secret, now)
	auth, err := wechatoa.New(wechatoa.Config{AppID: keys.AppID, Secret: secret, BaseURL: publicURL + "/sandbox/wechat-oa",
		AuthorizeURL: publicURL + "/sandbox/wechat-oa", Now: now})
	if err != nil {
		sim.Close()
		wsim.Close()
		oa.Close()
		return nil, err
	}
	return &sandboxes{providers: map[string]payments.Provider{payments.Alipay: ali, payments.WeChat: wx}, alipay: sim, wechat: wsim,
		oa: oa, webAuth: auth}, nil
}

// pay pays an order on its channel's simulator, as a customer scanning its code would.
func (s *sandboxes) pay(channel, outTradeNo string) error {
	switch channel {
	case payments.Alipay:
		return s.alipay.Pay(outTradeNo, sandbox.AlipayNotify{})
	case payments.WeChat:
		return s.wechat.Pay(outTradeNo)
	default:
		return fmt.Errorf("sandbox: no simulator for channel %q", channel)
	}
}

// mount serves the simulators and the sandbox pay page under /sandbox/.
func (s *sandboxes) mount(e *gin.Engine) {
	e.Any("/sandbox/alipay/*path", gin.WrapH(s.alipay))
	// The simulator checks request signatures against the full request URI, prefix included, and
	// routes on the path without it.
	e.Any("/sandbox/wechat/*path", gin.WrapH(http.StripPrefix("/sandbox/wechat", s.wechat)))
	e.Any("/sandbox/wechat-oa/*path", gin.WrapH(http.StripPrefix("/sandbox/wechat-oa", s.oa)))
	page := gin.WrapH(&sandbox.PayPage{Pay: s.pay})
	e.GET("/sandbox/pay/:out", page)
	e.POST("/sandbox/pay/:out", page)
}

func (s *sandboxes) close() {
	s.alipay.Close()
	s.wechat.Close()
	s.oa.Close()
}

// qrProviders are the QR channels: each configured channel talks to its provider; in dev a channel
// left unconfigured talks to its sandbox (sb, nil in production, where it is simply absent).
func qrProviders(cfg config.Config, sb *sandboxes, now func() time.Time) (map[string]payments.Provider, error) {
	out := map[string]payments.Provider{}
	if sb != nil {
		for name, p := range sb.providers {
			out[name] = p
		}
	}
	if w := cfg.WeChat; w.MchID != "" {
		var certs []string
		if w.PlatformCertPEM != "" {
			certs = []string{w.PlatformCertPEM}
		}
		p, err := wechat.New(wechat.Config{MchID: w.MchID, AppID: w.AppID, MerchantPrivateKeyPEM: w.PrivateKeyPEM,
			MerchantCertSerial: w.CertSerial, APIv3Key: w.APIv3Key, PlatformCertsPEM: certs, PublicKeyPEM: w.PublicKeyPEM,
			PublicKeyID: w.PublicKeyID, BaseURL: w.BaseURL, Now: now})
		if err != nil {
			return nil, fmt.Errorf("GRIDPAY_WECHAT_*: %w", err)
		}
		out[payments.WeChat] = p
	}
	if a := cfg.Alipay; a.AppID != "" {
		p, err := alipay.New(alipay.Config{AppID: a.AppID, SellerID: a.SellerID, PrivateKeyPEM: []byte(a.PrivateKeyPEM),
			AlipayPublicKeyPEM: []byte(a.PublicKeyPEM), GatewayURL: a.GatewayURL, Now: now})
		if err != nil {
			return nil, fmt.Errorf("GRIDPAY_ALIPAY_*: %w", err)
		}
		out[payments.Alipay] = p
	}
	return out, nil
}
