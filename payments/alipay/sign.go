package alipay

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"gridpay/internal/billing"
)

// ParsePrivateKey parses an RSA private key in PEM, PKCS#1 or PKCS#8. Anything else is an error
// wrapping billing.ErrInvalid.
func ParsePrivateKey(pemBytes []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block", billing.ErrInvalid)
	}
	if key, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return key, nil
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", billing.ErrInvalid, err)
	}
	rsaKey, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w: not an RSA key", billing.ErrInvalid)
	}
	return rsaKey, nil
}

// ParsePublicKey parses an RSA public key in PEM, PKIX or PKCS#1. Anything else is an error
// wrapping billing.ErrInvalid.
func ParsePublicKey(pemBytes []byte) (*rsa.PublicKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block", billing.ErrInvalid)
	}
	if key, err := x509.ParsePKCS1PublicKey(block.Bytes); err == nil {
		return key, nil
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", billing.ErrInvalid, err)
	}
	rsaKey, ok := key.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: not an RSA key", billing.ErrInvalid)
	}
	return rsaKey, nil
}

// signContent is the string Alipay signs: the parameters with a value, except those in skip,
// sorted by name and joined as "k=v&k=v" with the values as they are (not URL-encoded). Requests
// skip only sign; notifications skip sign and sign_type. Callers reject repeated names first.
func signContent(values url.Values, skip ...string) string {
	return joinSorted(values, false, skip)
}

// signContentWithEmpty is signContent keeping parameters whose value is empty as "k=". Alipay's
// SDKs disagree on empty parameters in notifications (its Java SDK keeps them, other SDKs drop
// them), so VerifyCallback accepts a signature over either form.
func signContentWithEmpty(values url.Values, skip ...string) string {
	return joinSorted(values, true, skip)
}

func joinSorted(values url.Values, keepEmpty bool, skip []string) string {
	keys := make([]string, 0, len(values))
	for k, vs := range values {
		if len(vs) == 0 || (vs[0] == "" && !keepEmpty) || contains(skip, k) {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(values[k][0])
	}
	return b.String()
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// signRSA2 returns the base64 SHA256withRSA (PKCS#1 v1.5) signature of content.
func signRSA2(key *rsa.PrivateKey, content []byte) (string, error) {
	sum := sha256.Sum256(content)
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// verifyRSA2 checks a base64 SHA256withRSA signature of content. Any failure is an error wrapping
// billing.ErrUnauthorized.
func verifyRSA2(key *rsa.PublicKey, content []byte, signature string) error {
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return fmt.Errorf("%w: signature is not base64", billing.ErrUnauthorized)
	}
	sum := sha256.Sum256(content)
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, sum[:], sig); err != nil {
		return fmt.Errorf("%w: bad signature", billing.ErrUnauthorized)
	}
	return nil
}
