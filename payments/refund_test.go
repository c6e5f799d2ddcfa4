package payments_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
	"gridpay/payments"
	"gridpay/payments/sandbox"
)

// postedOrder is an order paid at the WeChat simulator and posted to the core database, as the
// callback and the worker leave it.
func (r *callbackRig) postedOrder(t *testing.T, amount billing.Money) store.Order {
	t.Helper()
	ctx := context.Background()
	o := r.order(t, amount)
	if err := r.sim.Pay(o.OutTradeNo, sandbox.WeChatNoCallback()); err != nil {
		t.Fatal(err)
	}
	q, err := r.p.Query(ctx, o.OutTradeNo)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.orders.MarkPaid(ctx, o.OutTradeNo, q.ProviderTxnID, q.Amount, q.PaidAt); err != nil {
		t.Fatal(err)
	}
	rc, err := r.core.PostPayment(ctx, store.Payment{AccountNo: o.AccountNo, Channel: o.Channel, OrderNo: o.OutTradeNo,
		Amount: amount, PaidOn: billing.DateOf(time.Now())})
	if err != nil {
		t.Fatal(err)
	}
	o, err = r.orders.MoveOrder(ctx, o.ID, billing.OrderPaid, billing.OrderPosted, "posted", func(u *store.OrderUpdate) { u.PostedReceiptNo = rc.No })
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestRefund(t *testing.T) {
	r := newCallbackRig(t)
	ctx := context.Background()
	svc := &payments.Service{Providers: map[string]payments.Provider{"wechat": r.p}, Orders: r.orders}
	o := r.postedOrder(t, 3000)

	got, err := svc.Refund(ctx, o.OutTradeNo, "customer paid twice", r.core)
	if err != nil || got.Status != billing.OrderRefunded {
		t.Fatalf("Refund = %s, %v; want REFUNDED", got.Status, err)
	}
	var reversed int
	r.coreDB.QueryRowContext(ctx, `SELECT COUNT(*) FROM receipts WHERE order_no = @o AND reversal_ref IS NOT NULL`, sql.Named("o", o.OutTradeNo)).Scan(&reversed)
	if reversed != 1 {
		t.Errorf("%d reversed receipts for the order, want 1", reversed)
	}
	if _, err := svc.Refund(ctx, o.OutTradeNo, "again", r.core); !errors.Is(err, billing.ErrConflict) {
		t.Errorf("refunding a refunded order = %v, want ErrConflict", err)
	}
	unposted := r.order(t, 1200)
	if _, err := svc.Refund(ctx, unposted.OutTradeNo, "x", r.core); !errors.Is(err, billing.ErrConflict) {
		t.Errorf("refunding an unpaid order = %v, want ErrConflict", err)
	}
}
