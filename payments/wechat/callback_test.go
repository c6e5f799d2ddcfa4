package wechat_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/payments"
	"gridpay/payments/sandbox"
	"gridpay/payments/wechat"
)

// paidOrder places and pays an order at a simulator, without a callback, and returns the rig.
func paidOrder(t testing.TB, no string) *rig {
	t.Helper()
	r := newRig(t)
	r.order(t, no)
	if err := r.sim.Pay(no, sandbox.WeChatNoCallback()); err != nil {
		t.Fatal(err)
	}
	return r
}

// signAs signs body as WeChat would, with the platform key, so tests can send well-signed
// nonsense.
func signAs(t testing.TB, body []byte, ts time.Time) http.Header {
	t.Helper()
	k := keys()
	tsText := strconv.FormatInt(ts.Unix(), 10)
	sum := sha256.Sum256([]byte(tsText + "\nnonce123\n" + string(body) + "\n"))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k.PlatformKey, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set("Wechatpay-Serial", k.PlatformCertSerial)
	h.Set("Wechatpay-Timestamp", tsText)
	h.Set("Wechatpay-Nonce", "nonce123")
	h.Set("Wechatpay-Signature", base64.StdEncoding.EncodeToString(sig))
	return h
}

func TestVerifyCallback(t *testing.T) {
	const no = "GPW20261126101500000000000040"
	r := paidOrder(t, no)
	q, err := r.p.Query(context.Background(), no)
	if err != nil {
		t.Fatal(err)
	}
	good, goodBody, err := r.sim.Callback(no)
	if err != nil {
		t.Fatal(err)
	}
	k := keys()
	withConfig := func(change func(*wechat.Config)) *wechat.Provider {
		cfg := configFor(k, r.api.URL)
		change(&cfg)
		p, err := wechat.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	header := func(key, value string) http.Header {
		h := good.Clone()
		if value == "" {
			h.Del(key)
		} else {
			h.Set(key, value)
		}
		return h
	}
	badSig, badSigBody, err := r.sim.Callback(no, sandbox.WeChatBadSignature())
	if err != nil {
		t.Fatal(err)
	}
	wrongAmount, wrongAmountBody, err := r.sim.Callback(no, sandbox.WeChatWrongAmount(1))
	if err != nil {
		t.Fatal(err)
	}
	refund, refundBody, err := r.sim.Callback(no, sandbox.WeChatTradeState("REFUND"))
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name       string
		p          *wechat.Provider
		header     http.Header
		body       []byte
		wantErr    error // nil: verifies
		wantKind   error
		wantAmount billing.Money
	}{
		{name: "valid", header: good, body: goodBody, wantAmount: 17550},
		{name: "wrong amount is verified and reported", header: wrongAmount, body: wrongAmountBody, wantAmount: 1},
		// The order query counts REFUND as paid (the money came, a refund began): so does the callback.
		{name: "trade_state REFUND is paid, as the query says", header: refund, body: refundBody, wantAmount: 17550},
		{name: "tampered body", header: good, body: bytes.Replace(goodBody, []byte("TRANSACTION.SUCCESS"), []byte("TRANSACTION.SUCCESs"), 1),
			wantErr: wechat.ErrBadSignature, wantKind: billing.ErrUnauthorized},
		{name: "wrong signature", header: badSig, body: badSigBody, wantErr: wechat.ErrBadSignature, wantKind: billing.ErrUnauthorized},
		{name: "signature not base64", header: header("Wechatpay-Signature", "***"), body: goodBody,
			wantErr: wechat.ErrBadSignature, wantKind: billing.ErrUnauthorized},
		{name: "no signature", header: header("Wechatpay-Signature", ""), body: goodBody,
			wantErr: wechat.ErrBadSignature, wantKind: billing.ErrUnauthorized},
		{name: "no nonce", header: header("Wechatpay-Nonce", ""), body: goodBody,
			wantErr: wechat.ErrBadSignature, wantKind: billing.ErrUnauthorized},
		{name: "timestamp not a number", header: header("Wechatpay-Timestamp", "soon"), body: goodBody,
			wantErr: wechat.ErrBadSignature, wantKind: billing.ErrUnauthorized},
		{name: "unknown serial", header: header("Wechatpay-Serial", "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"), body: goodBody,
			wantErr: wechat.ErrUnknownSerial, wantKind: billing.ErrUnauthorized},
		{name: "public key id for a certificate signature", header: header("Wechatpay-Serial", k.PayPublicKeyID), body: goodBody,
			wantErr: wechat.ErrBadSignature, wantKind: billing.ErrUnauthorized},
		{name: "stale: our clock 6 minutes ahead", header: good, body: goodBody,
			p:       withConfig(func(c *wechat.Config) { c.Now = func() time.Time { return time.Now().Add(6 * time.Minute) } }),
			wantErr: wechat.ErrStaleTimestamp, wantKind: billing.ErrUnauthorized},
		{name: "from the future: our clock 6 minutes behind", header: good, body: goodBody,
			p:       withConfig(func(c *wechat.Config) { c.Now = func() time.Time { return time.Now().Add(-6 * time.Minute) } }),
			wantErr: wechat.ErrStaleTimestamp, wantKind: billing.ErrUnauthorized},
		{name: "certificate expired", header: good, body: goodBody,
			p:       withConfig(func(c *wechat.Config) { c.Now = func() time.Time { return time.Now().AddDate(6, 0, 0) } }),
			wantErr: wechat.ErrUnknownSerial, wantKind: billing.ErrUnauthorized},
		{name: "4 minutes off is fine", header: good, body: goodBody, wantAmount: 17550,
			p: withConfig(func(c *wechat.Config) { c.Now = func() time.Time { return time.Now().Add(4 * time.Minute) } })},
		{name: "another merchant's callback", header: good, body: goodBody,
			p:       withConfig(func(c *wechat.Config) { c.MchID = "1900000002" }),
			wantErr: wechat.ErrWrongMerchant, wantKind: billing.ErrInvalid},
		{name: "another app's callback", header: good, body: goodBody,
			p:       withConfig(func(c *wechat.Config) { c.AppID = "wx0000000000000000" }),
			wantErr: wechat.ErrWrongMerchant, wantKind: billing.ErrInvalid},
		{name: "another APIv3 key", header: good, body: goodBody,
			p:       withConfig(func(c *wechat.Config) { c.APIv3Key = "0123456789abcdef0123456789abcdef" }),
			wantErr: wechat.ErrMalformed, wantKind: billing.ErrInvalid},
		{name: "signed, but not JSON", header: signAs(t, []byte("<xml/>"), time.Now()), body: []byte("<xml/>"),
			wantErr: wechat.ErrMalformed, wantKind: billing.ErrInvalid},
		{name: "signed, but no resource", header: signAs(t, []byte(`{"id":"EV-1"}`), time.Now()), body: []byte(`{"id":"EV-1"}`),
			wantErr: wechat.ErrMalformed, wantKind: billing.ErrInvalid},
		{name: "signed, but another algorithm",
			header:  signAs(t, []byte(`{"id":"EV-1","resource":{"algorithm":"AEAD_AES_128_GCM"}}`), time.Now()),
			body:    []byte(`{"id":"EV-1","resource":{"algorithm":"AEAD_AES_128_GCM"}}`),
			wantErr: wechat.ErrMalformed, wantKind: billing.ErrInvalid},
		{name: "signed, but the ciphertext is not ours",
			header:  signAs(t, []byte(`{"id":"EV-1","resource":{"algorithm":"AEAD_AES_256_GCM","nonce":"abcdefghijkl","ciphertext":"AAAA"}}`), time.Now()),
			body:    []byte(`{"id":"EV-1","resource":{"algorithm":"AEAD_AES_256_GCM","nonce":"abcdefghijkl","ciphertext":"AAAA"}}`),
			wantErr: wechat.ErrMalformed, wantKind: billing.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p
			if p == nil {
				p = r.p
			}
			n, err := p.VerifyCallback(context.Background(), tt.header, tt.body)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !errors.Is(err, tt.wantKind) {
					t.Fatalf("err = %v, want %v (%v)", err, tt.wantErr, tt.wantKind)
				}
				if n != (payments.Notification{}) {
					t.Errorf("a refused callback returned %+v", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := payments.Notification{Paid: true, OutTradeNo: no, ProviderTxnID: q.ProviderTxnID, Amount: tt.wantAmount, PaidAt: q.PaidAt}
			if !sameButTime(n, want) || !n.PaidAt.Equal(want.PaidAt) {
				t.Errorf("got %+v, want %+v", n, want)
			}
		})
	}
}

// sameButTime compares notifications whose PaidAt may differ only in location.
func sameButTime(a, b payments.Notification) bool {
	a.PaidAt, b.PaidAt = time.Time{}, time.Time{}
	return a == b
}

// TestKeySwitch: while WeChat moves from platform certificates to the public key, either may
// sign, and a merchant configured with both accepts both; one configured with a single key
// accepts only that one.
func TestKeySwitch(t *testing.T) {
	const no = "GPW20261126101500000000000050"
	r := paidOrder(t, no)
	k := keys()
	certOnly := configFor(k, r.api.URL)
	certOnly.PublicKeyPEM, certOnly.PublicKeyID = "", ""
	keyOnly := configFor(k, r.api.URL)
	keyOnly.PlatformCertsPEM = nil

	tests := []struct {
		name    string
		cfg     wechat.Config
		signer  sandbox.WeChatSigner
		wantErr error
	}{
		{"both configured, certificate signs", configFor(k, r.api.URL), sandbox.WeChatSignPlatformCert, nil},
		{"both configured, public key signs", configFor(k, r.api.URL), sandbox.WeChatSignPublicKey, nil},
		{"certificate only, certificate signs", certOnly, sandbox.WeChatSignPlatformCert, nil},
		{"certificate only, public key signs", certOnly, sandbox.WeChatSignPublicKey, wechat.ErrUnknownSerial},
		{"public key only, public key signs", keyOnly, sandbox.WeChatSignPublicKey, nil},
		{"public key only, certificate signs", keyOnly, sandbox.WeChatSignPlatformCert, wechat.ErrUnknownSerial},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := wechat.New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			h, body, err := r.sim.Callback(no, sandbox.WeChatSignedBy(tt.signer))
			if err != nil {
				t.Fatal(err)
			}
			n, err := p.VerifyCallback(context.Background(), h, body)
			if !errors.Is(err, tt.wantErr) || (err != nil) != (tt.wantErr != nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && (!n.Paid || n.OutTradeNo != no || n.Amount != 17550) {
				t.Errorf("notification %+v", n)
			}
		})
	}

	// Answers to API calls, too, may come signed by either key.
	for _, signer := range []sandbox.WeChatSigner{sandbox.WeChatSignPlatformCert, sandbox.WeChatSignPublicKey} {
		sim := sandbox.NewWeChat(k, sandbox.WeChatSignWith(signer))
		defer sim.Close()
		srv := httptestServer(t, sim)
		p, err := wechat.New(configFor(k, srv))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Precreate(context.Background(), payments.ProviderOrder{
			OutTradeNo: no, Amount: 100, Description: "电费", NotifyURL: "https://example.com/cb",
		}); err != nil {
			t.Errorf("precreate answered with signer %d: %v", signer, err)
		}
	}
}
