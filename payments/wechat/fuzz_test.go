package wechat_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/payments/sandbox"
	"gridpay/payments/wechat"
)

// FuzzVerifyCallback feeds the callback parser signature headers and bodies, starting from real
// callbacks and broken ones: it must never panic, must refuse with an unauthorized or invalid
// error, and may accept only what carries an order number.
func FuzzVerifyCallback(f *testing.F) {
	const no = "GPW20261126101500000000000060"
	r := paidOrder(f, no)
	now := time.Now()
	cfg := configFor(keys(), r.api.URL)
	cfg.Now = func() time.Time { return now } // seeds stay fresh however long the fuzzing runs
	p, err := wechat.New(cfg)
	if err != nil {
		f.Fatal(err)
	}
	add := func(h http.Header, body []byte) {
		f.Add(h.Get("Wechatpay-Serial"), h.Get("Wechatpay-Timestamp"), h.Get("Wechatpay-Nonce"), h.Get("Wechatpay-Signature"), body)
	}
	for _, opts := range [][]sandbox.WeChatPayOption{
		nil,
		{sandbox.WeChatSignedBy(sandbox.WeChatSignPublicKey)},
		{sandbox.WeChatBadSignature()},
		{sandbox.WeChatWrongAmount(0)},
	} {
		h, body, err := r.sim.Callback(no, opts...)
		if err != nil {
			f.Fatal(err)
		}
		add(h, body)
		add(h, bytes.Replace(body, []byte(`"AEAD_AES_256_GCM"`), []byte(`"AEAD_AES_256_GCm"`), 1))
		add(h, body[:len(body)/2])
	}
	for _, body := range [][]byte{
		nil, []byte("{}"), []byte("null"), []byte(`{"resource":null}`), []byte(`{"resource":{"algorithm":"AEAD_AES_256_GCM"}}`),
		[]byte(`{"resource":{"algorithm":"AEAD_AES_256_GCM","nonce":"","ciphertext":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}}`),
		[]byte(`{"resource":{"algorithm":"AEAD_AES_256_GCM","nonce":"abcdefghijkl","ciphertext":"!!"}}`),
	} {
		add(signAs(f, body, now), body)
	}
	f.Fuzz(func(t *testing.T, serial, timestamp, nonce, signature string, body []byte) {
		h := http.Header{}
		h.Set("Wechatpay-Serial", serial)
		h.Set("Wechatpay-Timestamp", timestamp)
		h.Set("Wechatpay-Nonce", nonce)
		h.Set("Wechatpay-Signature", signature)
		n, err := p.VerifyCallback(context.Background(), h, body)
		if err != nil {
			if !errors.Is(err, billing.ErrUnauthorized) && !errors.Is(err, billing.ErrInvalid) {
				t.Fatalf("error of no kind: %v", err)
			}
			return
		}
		if n.OutTradeNo == "" || (n.Paid && n.ProviderTxnID == "") {
			t.Fatalf("accepted %+v", n)
		}
	})
}
