package payments_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"gridpay/internal/billing"
	"gridpay/internal/redistest"
	"gridpay/payments"
	"gridpay/payments/sandbox"
	"gridpay/worker"
)

func TestReconcileWeChat(t *testing.T) {
	r := newCallbackRig(t)
	ctx := context.Background()
	cst := time.FixedZone("CST", 8*3600)

	posted := r.postedOrder(t, 3000) // paid, called back, posted: matched
	unheard := r.orderB(t, "3100000002", 4000)
	if err := r.sim.Pay(unheard.OutTradeNo, sandbox.WeChatNoCallback()); err != nil { // paid, never heard of
		t.Fatal(err)
	}
	unposted := r.orderB(t, "3100000003", 5000)
	if err := r.sim.Pay(unposted.OutTradeNo, sandbox.WeChatNoCallback()); err != nil {
		t.Fatal(err)
	}
	q, _ := r.p.Query(ctx, unposted.OutTradeNo)
	if _, err := r.orders.MarkPaid(ctx, unposted.OutTradeNo, q.ProviderTxnID, q.Amount, q.PaidAt); err != nil { // paid, not yet posted
		t.Fatal(err)
	}
	phantom := r.orderB(t, "3100000004", 6000) // we think it paid; WeChat never took it
	if _, err := r.orders.MarkPaid(ctx, phantom.OutTradeNo, "4200000000000000000000009999", 6000, time.Now()); err != nil {
		t.Fatal(err)
	}

	opt, _ := asynq.ParseRedisURI(redistest.URL(t, redistest.DBPayments))
	client := asynq.NewClient(opt)
	defer client.Close()
	rec := &payments.Reconciler{Sources: map[string]payments.StatementSource{"wechat": r.p}, Orders: r.orders, Receipts: r.core,
		Enqueuer: worker.NewEnqueuer(client), Loc: cst, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	got, err := rec.Run(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		posted.OutTradeNo:   payments.ReconMatched,
		unheard.OutTradeNo:  payments.ReconMissingLocally,
		unposted.OutTradeNo: payments.ReconPaidNotPosted,
		phantom.OutTradeNo:  payments.ReconMissingAtProvider,
	}
	if len(got["wechat"]) != len(want) {
		t.Errorf("%d items, want %d: %+v", len(got["wechat"]), len(want), got["wechat"])
	}
	for _, it := range got["wechat"] {
		if want[it.OutTradeNo] != it.Status {
			t.Errorf("%s: %s (%s), want %s", it.OutTradeNo, it.Status, it.Note, want[it.OutTradeNo])
		}
		if it.OutTradeNo == posted.OutTradeNo && (it.ReceiptNo != posted.PostedReceiptNo || it.ProviderAmount != 3000) {
			t.Errorf("matched item = %+v", it)
		}
	}
	// The payment we never heard of is now marked paid and queued for posting.
	if o, _ := r.orders.OrderByOutTradeNo(ctx, unheard.OutTradeNo); o.Status != billing.OrderPaid {
		t.Errorf("the statement's unheard payment left the order %s, want PAID", o.Status)
	}
	// The result is kept for the staff page, and a second run replaces it.
	if _, err := rec.Run(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	kept, err := r.orders.Reconciliation(ctx, billing.DateOf(time.Now().In(cst)), "wechat")
	if err != nil || len(kept) != len(want) {
		t.Fatalf("kept %d items (%v), want %d", len(kept), err, len(want))
	}
	for _, it := range kept {
		if it.OutTradeNo == unheard.OutTradeNo && it.Status != payments.ReconPaidNotPosted {
			t.Errorf("second run: %s is %s, want paid_not_posted now that it is marked", it.OutTradeNo, it.Status)
		}
	}
}
