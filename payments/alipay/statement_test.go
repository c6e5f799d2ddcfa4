package alipay_test

import (
	"context"
	"testing"
	"time"

	"gridpay/payments/sandbox"
)

func TestStatement(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	no := r.precreate(t, "https://pay.example.cn/callbacks/alipay")
	if err := r.sim.Pay(no, sandbox.AlipayNotify{Never: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.provider.Refund(ctx, no, "R1", 100, ""); err != nil { // a refund row, which is not a payment
		t.Fatal(err)
	}
	q, err := r.provider.Query(ctx, no)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.provider.Statement(ctx, now); err == nil {
		t.Error("today's statement was there before the day ended")
	}
	r.setClock(time.Date(2026, 11, 27, 9, 0, 0, 0, cst))
	lines, err := r.provider.Statement(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 1 || lines[0].OutTradeNo != no || lines[0].ProviderTxnID != q.ProviderTxnID || lines[0].Amount != q.Amount ||
		!lines[0].PaidAt.Equal(q.PaidAt) {
		t.Errorf("Statement = %+v, want the one payment %s of %s (txn %s, paid %s)", lines, no, q.Amount, q.ProviderTxnID, q.PaidAt)
	}
}
