package sandbox

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"
)

// WeChatKeys are the identities and keys that a WeChat Pay merchant and WeChat Pay share,
// generated fresh for a sandbox run. The merchant side (gridpay's payments/wechat configuration)
// takes MchID, AppID, MerchantKeyPEM, MerchantCertSerial, APIv3Key, PlatformCertPEM and/or
// PayPublicKeyPEM with PayPublicKeyID; the simulator takes the whole value.
type WeChatKeys struct {
	MchID string
	AppID string
	// APIv3Key is the 32-byte key both sides use for AEAD_AES_256_GCM.
	APIv3Key string

	// MerchantKey signs the merchant's requests; the simulator checks them with its public half.
	MerchantKey        *rsa.PrivateKey
	MerchantKeyPEM     string // PKCS #8, "PRIVATE KEY", as apiclient_key.pem
	MerchantCertSerial string

	// PlatformKey signs as the WeChat Pay platform certificate PlatformCertPEM, whose serial number
	// is PlatformCertSerial.
	PlatformKey        *rsa.PrivateKey
	PlatformCertPEM    string
	PlatformCertSerial string

	// PayKey signs as the WeChat Pay public key (微信支付公钥) PayPublicKeyPEM ("PUBLIC KEY", PKIX),
	// which Wechatpay-Serial names by PayPublicKeyID.
	PayKey          *rsa.PrivateKey
	PayPublicKeyPEM string
	PayPublicKeyID  string
}

// NewWeChatKeys generates a merchant key, a platform key with a self-signed certificate, and a
// WeChat Pay public key, all RSA 2048, and a random APIv3 key. It takes a fraction of a second;
// tests make one and share it.
func NewWeChatKeys() (WeChatKeys, error) {
	k := WeChatKeys{MchID: "1900009191", AppID: "wxd678efh567hg6787"}
	var err error
	if k.APIv3Key, err = weChatRandomString(32); err != nil {
		return WeChatKeys{}, err
	}
	for _, key := range []**rsa.PrivateKey{&k.MerchantKey, &k.PlatformKey, &k.PayKey} {
		if *key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return WeChatKeys{}, fmt.Errorf("sandbox: wechat keys: %w", err)
		}
	}
	der, err := x509.MarshalPKCS8PrivateKey(k.MerchantKey)
	if err != nil {
		return WeChatKeys{}, fmt.Errorf("sandbox: wechat keys: %w", err)
	}
	k.MerchantKeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if k.MerchantCertSerial, err = weChatSerial(); err != nil {
		return WeChatKeys{}, err
	}

	serial, err := weChatSerialNumber()
	if err != nil {
		return WeChatKeys{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "Tenpay.com Root CA (gridpay sandbox)", Organization: []string{"Tenpay.com"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(5, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PlatformKey.PublicKey, k.PlatformKey)
	if err != nil {
		return WeChatKeys{}, fmt.Errorf("sandbox: wechat platform certificate: %w", err)
	}
	k.PlatformCertPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER}))
	// The serial as WeChat writes it: upper-case hex of the number's bytes.
	k.PlatformCertSerial = fmt.Sprintf("%X", serial.Bytes())

	pubDER, err := x509.MarshalPKIXPublicKey(&k.PayKey.PublicKey)
	if err != nil {
		return WeChatKeys{}, fmt.Errorf("sandbox: wechat public key: %w", err)
	}
	k.PayPublicKeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))
	digits, err := weChatRandomDigits(20)
	if err != nil {
		return WeChatKeys{}, err
	}
	k.PayPublicKeyID = "PUB_KEY_ID_" + digits
	return k, nil
}

// weChatSerialNumber returns a random positive 128-bit serial number whose top byte is not zero,
// so that its hex form always has 32 digits.
func weChatSerialNumber() (*big.Int, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	b[0] |= 0x40
	return new(big.Int).SetBytes(b), nil
}

// weChatSerial returns a merchant certificate serial number as WeChat writes it.
func weChatSerial() (string, error) {
	n, err := weChatSerialNumber()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%X", n.Bytes()), nil
}

const weChatAlphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// weChatRandomString returns n random characters of [A-Za-z0-9], as WeChat's nonces are.
func weChatRandomString(n int) (string, error) { return weChatRandomFrom(weChatAlphanumerics, n) }

func weChatRandomDigits(n int) (string, error) { return weChatRandomFrom("0123456789", n) }

func weChatRandomFrom(alphabet string, n int) (string, error) {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", fmt.Errorf("sandbox: random: %w", err)
		}
		b[i] = alphabet[v.Int64()]
	}
	return string(b), nil
}
