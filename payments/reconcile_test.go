package payments_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"gridpay/internal/billing"
	"gridpay/internal/redistest"
	"gridpay/internal/store"
	"gridpay/payments"
	"gridpay/payments/bank"
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
	rec := &payments.Reconciler{Sources: map[string]payments.StatementSource{"wechat": r.p}, Orders: r.orders, Receipts: r.core, Accounts: r.core,
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

func TestReconcileBankStatement(t *testing.T) {
	r := newCallbackRig(t)
	ctx := context.Background()
	cst := time.FixedZone("CST", 8*3600)
	today := time.Now().In(cst)
	at := time.Date(today.Year(), today.Month(), today.Day(), 10, 0, 0, 0, cst)
	// ABC1 was called back (PAID, not yet posted); ABC2 never was; ABC3 names no account.
	if _, err := r.orders.MarkCounterPaid(ctx,
		store.NewOrder{OutTradeNo: payments.NewOutTradeNo("bank", time.Now()), AccountNo: "3100000001", Channel: "bank", Amount: 1000, ExpiresAt: time.Now().Add(time.Hour)},
		store.Callback{Provider: "bank", ProviderTxnID: "ABC1", Amount: 1000, PaidAt: at, Body: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	stamp := at.Format(time.RFC3339)
	os.WriteFile(filepath.Join(dir, today.Format("20060102")+".csv"), []byte("txn_id,account_no,amount_fen,paid_at\n"+
		"ABC1,3100000001,1000,"+stamp+"\nABC2,3100000002,2000,"+stamp+"\nABC3,3199999999,3000,"+stamp+"\n"), 0o644)

	opt, _ := asynq.ParseRedisURI(redistest.URL(t, redistest.DBPayments))
	client := asynq.NewClient(opt)
	defer client.Close()
	rec := &payments.Reconciler{Sources: map[string]payments.StatementSource{"bank": bank.StatementDir{Dir: dir, Loc: cst}},
		Orders: r.orders, Receipts: r.core, Accounts: r.core, Enqueuer: worker.NewEnqueuer(client), Loc: cst,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	got, err := rec.Run(ctx, today)
	if err != nil {
		t.Fatal(err)
	}
	byTxn := map[string]store.ReconItem{}
	for _, it := range got["bank"] {
		byTxn[it.ProviderTxnID] = it
	}
	if it := byTxn["ABC1"]; it.Status != payments.ReconPaidNotPosted || it.OutTradeNo == "" {
		t.Errorf("ABC1 = %+v, want paid_not_posted on its order", it)
	}
	if it := byTxn["ABC2"]; it.Status != payments.ReconMissingLocally || it.OutTradeNo == "" {
		t.Errorf("ABC2 = %+v, want missing_locally, recorded as an order", it)
	} else if o, err := r.orders.OrderByOutTradeNo(ctx, it.OutTradeNo); err != nil || o.Status != billing.OrderPaid || o.AccountNo != "3100000002" {
		t.Errorf("ABC2's order = %+v, %v; want PAID for 3100000002", o, err)
	}
	if it := byTxn["ABC3"]; it.Status != payments.ReconMissingLocally || it.OutTradeNo != "" || !strings.Contains(it.Note, "no such account") {
		t.Errorf("ABC3 = %+v, want missing_locally with no order and the account named", it)
	}
	if _, err := rec.Run(ctx, today); err != nil { // a second run records nothing twice
		t.Fatal(err)
	}
	if o, err := r.orders.OrderByProviderTxn(ctx, "bank", "ABC2"); err != nil || o.Status != billing.OrderPaid {
		t.Errorf("ABC2 after a second run: %+v, %v", o, err)
	}
}
