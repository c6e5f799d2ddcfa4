package alipay_test

import (
	"context"
	"errors"
	"net/url"
	"testing"

	"gridpay/internal/billing"
	"gridpay/payments/sandbox"
)

// FuzzVerifyCallback feeds the notification parser arbitrary bodies: it must never panic, every
// error must be of a kind (invalid or unauthorized), and whatever it accepts must be a whole
// notification.
func FuzzVerifyCallback(f *testing.F) {
	r := newRig(f)
	no := r.precreate(f, "https://pay.example.cn/callbacks/alipay")
	if err := r.sim.Pay(no, sandbox.AlipayNotify{Never: true}); err != nil {
		f.Fatal(err)
	}
	for _, n := range []sandbox.AlipayNotify{
		{},
		{TradeStatus: "TRADE_FINISHED"},
		{TradeStatus: "WAIT_BUYER_PAY"},
		{BadSignature: true},
		{Edit: func(v url.Values) { v.Set("total_amount", "0.001") }},
		{Charset: "gbk", Edit: func(v url.Values) { v.Set("subject", "电费缴纳") }},
		{Charset: "gb18030", Edit: func(v url.Values) { v.Set("subject", "电费缴纳𠀀") }},
	} {
		form, err := r.sim.Notification(no, n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add([]byte(form.Encode()))
	}
	f.Add([]byte(""))
	f.Add([]byte("%zz"))
	f.Add([]byte("sign_type=RSA2&sign=&app_id=" + testAppID))
	f.Add([]byte("a=1&a=2;b"))

	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := r.provider.VerifyCallback(context.Background(), nil, body)
		if err != nil {
			if !errors.Is(err, billing.ErrInvalid) && !errors.Is(err, billing.ErrUnauthorized) {
				t.Fatalf("error without a kind: %v", err)
			}
			return
		}
		if n.OutTradeNo == "" || n.ProviderTxnID == "" || n.Amount <= 0 || (n.Paid && n.PaidAt.IsZero()) {
			t.Fatalf("accepted an incomplete notification: %+v", n)
		}
	})
}
