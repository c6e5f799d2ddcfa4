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
		Enqueuer: worker.NewEnqueuer(client), Loc: cst, Now: time.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
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
		Orders: r.orders, Receipts: r.core, Accounts: r.core, Enqueuer: worker.NewEnqueuer(client), Loc: cst, Now: time.Now,
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

// TestReconcileRecordsOnItsClock records a bank collection found only in a statement on the
// Reconciler's clock: the order made for it is numbered and expires by that clock, not by the
// machine's.
func TestReconcileRecordsOnItsClock(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	for _, tc := range []struct {
		name   string
		now    time.Time
		prefix string // the order number's channel letter and time in China
	}{
		{"a morning years ahead", time.Date(2031, 5, 6, 7, 8, 9, 0, cst), "GPB20310506070809"},
		{"late evening in UTC is the next day in China", time.Date(2030, 12, 31, 17, 30, 0, 0, time.UTC), "GPB20310101013000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newCallbackRig(t)
			ctx := context.Background()
			clock := func() time.Time { return tc.now }
			orders := store.NewPortal(r.portalDB, clock) // the store on the same clock: the order must not look expired
			day := tc.now.In(cst).AddDate(0, 0, -1)
			paidAt := time.Date(day.Year(), day.Month(), day.Day(), 10, 0, 0, 0, cst)
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, day.Format("20060102")+".csv"), []byte("txn_id,account_no,amount_fen,paid_at\n"+
				"XYZ9,3100000002,2000,"+paidAt.Format(time.RFC3339)+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			opt, _ := asynq.ParseRedisURI(redistest.URL(t, redistest.DBPayments))
			client := asynq.NewClient(opt)
			defer client.Close()
			rec := &payments.Reconciler{Sources: map[string]payments.StatementSource{"bank": bank.StatementDir{Dir: dir, Loc: cst}},
				Orders: orders, Receipts: r.core, Accounts: r.core, Enqueuer: worker.NewEnqueuer(client), Loc: cst, Now: clock,
				Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
			if _, err := rec.Run(ctx, day); err != nil {
				t.Fatal(err)
			}
			o, err := orders.OrderByProviderTxn(ctx, "bank", "XYZ9")
			if err != nil {
				t.Fatalf("the statement's collection was not recorded: %v", err)
			}
			if !strings.HasPrefix(o.OutTradeNo, tc.prefix) {
				t.Errorf("order number %s, want it to start %s (the clock's time in China)", o.OutTradeNo, tc.prefix)
			}
			if want := tc.now.Add(time.Hour); !o.ExpiresAt.Equal(want) {
				t.Errorf("order expires at %v, want %v (an hour after the clock)", o.ExpiresAt, want)
			}
		})
	}
}

// TestReconcileWithoutClock refuses to run rather than record orders on no clock at all.
func TestReconcileWithoutClock(t *testing.T) {
	rec := &payments.Reconciler{Loc: time.UTC, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if _, err := rec.Run(context.Background(), time.Now()); err == nil || !strings.Contains(err.Error(), "Now") {
		t.Errorf("Run without Now = %v, want an error naming it", err)
	}
}
