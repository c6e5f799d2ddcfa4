// Package wechat is WeChat Pay API v3 as gridpay uses it: Native payments (a code_url the customer
// scans), the order query (查单), closing an order, and the payment callback (支付通知).
//
// Requests are signed with the merchant's private key; responses and callbacks are verified
// against the WeChat Pay platform certificates, the WeChat Pay public key, or both at once, since
// during a key switch either may sign. The wechatpay-go SDK supplies the signer, the verifiers,
// the AES-GCM decryption and the wire models; its API client is not used because it fixes the
// endpoint host and reads the wall clock, and here both are configuration.
package wechat

import (
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/signers"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/verifiers"
	"github.com/wechatpay-apiv3/wechatpay-go/utils"

	"gridpay/internal/billing"
	"gridpay/payments"
)

// DefaultBaseURL is WeChat Pay's production API server.
const DefaultBaseURL = "https://api.mch.weixin.qq.com"

// MaxClockSkew is how far a response's or callback's Wechatpay-Timestamp may be from our clock.
const MaxClockSkew = 5 * time.Minute

// Errors VerifyCallback (and the response checks of the API calls) return. Each wraps a
// billing kind, so callers may test either.
var (
	// ErrBadSignature means Wechatpay-Signature does not verify, or a signature header is missing.
	ErrBadSignature = fmt.Errorf("wechat: bad signature: %w", billing.ErrUnauthorized)
	// ErrUnknownSerial means Wechatpay-Serial names neither a configured platform certificate nor
	// the configured WeChat Pay public key.
	ErrUnknownSerial = fmt.Errorf("wechat: unknown Wechatpay-Serial: %w", billing.ErrUnauthorized)
	// ErrStaleTimestamp means Wechatpay-Timestamp is more than MaxClockSkew from our clock.
	ErrStaleTimestamp = fmt.Errorf("wechat: timestamp outside %v: %w", MaxClockSkew, billing.ErrUnauthorized)
	// ErrMalformed means a signed body could not be decoded or decrypted.
	ErrMalformed = fmt.Errorf("wechat: malformed message: %w", billing.ErrInvalid)
	// ErrWrongMerchant means a verified message names another mchid or appid than ours.
	ErrWrongMerchant = fmt.Errorf("wechat: mchid or appid is not ours: %w", billing.ErrInvalid)
)

// Config is what the provider needs from configuration. PEM fields hold the PEM text itself.
type Config struct {
	MchID string // 商户号
	AppID string // the app (公众号/小程序/移动应用) the merchant number is bound to

	MerchantPrivateKeyPEM string // apiclient_key.pem: signs our requests
	MerchantCertSerial    string // serial number of the merchant API certificate, in hex
	APIv3Key              string // 32 bytes: decrypts callback resources

	// PlatformCertsPEM are WeChat Pay platform certificates (平台证书); Wechatpay-Serial names one
	// by its serial number. PublicKeyPEM with PublicKeyID is the WeChat Pay public key (微信支付公钥);
	// Wechatpay-Serial names it by its id (PUB_KEY_ID_...). At least one of the two must be set;
	// both may be, and then a message signed by either is accepted.
	PlatformCertsPEM []string
	PublicKeyPEM     string
	PublicKeyID      string

	BaseURL    string       // empty: DefaultBaseURL
	HTTPClient *http.Client // nil: a client with a 10 s timeout
	Now        func() time.Time
}

// Provider is WeChat Pay Native; it implements payments.Provider.
type Provider struct {
	mchID, appID string
	apiV3Key     string
	baseURL      string
	http         *http.Client
	now          func() time.Time
	signer       auth.Signer
	verifier     auth.Verifier
	serials      map[string]bool      // every Wechatpay-Serial the verifier can check
	certExpiry   map[string]time.Time // platform certificates' NotAfter, by serial
}

var _ payments.Provider = (*Provider)(nil)

// New checks cfg and returns a Provider. Every key and certificate is parsed here, so that a bad
// one stops the process at start-up rather than at the first payment.
func New(cfg Config) (*Provider, error) {
	if cfg.MchID == "" || cfg.AppID == "" {
		return nil, fmt.Errorf("wechat: MchID and AppID are required: %w", billing.ErrInvalid)
	}
	if len(cfg.APIv3Key) != 32 {
		return nil, fmt.Errorf("wechat: APIv3Key must be 32 bytes, not %d: %w", len(cfg.APIv3Key), billing.ErrInvalid)
	}
	if cfg.MerchantCertSerial == "" {
		return nil, fmt.Errorf("wechat: MerchantCertSerial is required: %w", billing.ErrInvalid)
	}
	key, err := utils.LoadPrivateKey(cfg.MerchantPrivateKeyPEM)
	if err != nil {
		return nil, fmt.Errorf("wechat: merchant private key: %v: %w", err, billing.ErrInvalid)
	}
	p := &Provider{
		mchID:    cfg.MchID,
		appID:    cfg.AppID,
		apiV3Key: cfg.APIv3Key,
		baseURL:  strings.TrimRight(cfg.BaseURL, "/"),
		http:     cfg.HTTPClient,
		now:      cfg.Now,
		signer: &signers.SHA256WithRSASigner{
			MchID: cfg.MchID, CertificateSerialNo: cfg.MerchantCertSerial, PrivateKey: key,
		},
		serials:    map[string]bool{},
		certExpiry: map[string]time.Time{},
	}
	if p.baseURL == "" {
		p.baseURL = DefaultBaseURL
	}
	if p.http == nil {
		p.http = &http.Client{Timeout: 10 * time.Second}
	}
	if p.now == nil {
		p.now = time.Now
	}

	var certs []*x509.Certificate
	for i, s := range cfg.PlatformCertsPEM {
		c, err := utils.LoadCertificate(s)
		if err != nil {
			return nil, fmt.Errorf("wechat: platform certificate %d: %v: %w", i, err, billing.ErrInvalid)
		}
		if _, ok := c.PublicKey.(*rsa.PublicKey); !ok {
			return nil, fmt.Errorf("wechat: platform certificate %d has no RSA key: %w", i, billing.ErrInvalid)
		}
		certs = append(certs, c)
		serial := utils.GetCertificateSerialNumber(*c)
		p.serials[serial], p.certExpiry[serial] = true, c.NotAfter
	}
	var pub *rsa.PublicKey
	if cfg.PublicKeyPEM != "" || cfg.PublicKeyID != "" {
		if cfg.PublicKeyPEM == "" || cfg.PublicKeyID == "" {
			return nil, fmt.Errorf("wechat: PublicKeyPEM and PublicKeyID go together: %w", billing.ErrInvalid)
		}
		if pub, err = utils.LoadPublicKey(cfg.PublicKeyPEM); err != nil {
			return nil, fmt.Errorf("wechat: WeChat Pay public key: %v: %w", err, billing.ErrInvalid)
		}
		p.serials[cfg.PublicKeyID] = true
	}
	switch {
	case pub != nil && len(certs) > 0:
		p.verifier = verifiers.NewSHA256WithRSACombinedVerifier(core.NewCertificateMapWithList(certs), cfg.PublicKeyID, *pub)
	case pub != nil:
		p.verifier = verifiers.NewSHA256WithRSAPubkeyVerifier(cfg.PublicKeyID, *pub)
	case len(certs) > 0:
		p.verifier = verifiers.NewSHA256WithRSAVerifier(core.NewCertificateMapWithList(certs))
	default:
		return nil, fmt.Errorf("wechat: configure platform certificates, a WeChat Pay public key, or both: %w", billing.ErrInvalid)
	}
	return p, nil
}

// Name is the channel, "wechat".
func (p *Provider) Name() string { return payments.WeChat }
