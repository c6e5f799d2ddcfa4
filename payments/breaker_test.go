package payments_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"gridpay/internal/billing"
	"gridpay/internal/redistest"
	"gridpay/payments"
	"gridpay/payments/sandbox"
	"gridpay/worker"
)

// stubProvider answers Precreate with the error its test sets, and counts the calls that reach it.
type stubProvider struct {
	payments.Provider
	err   error
	calls int
}

func (s *stubProvider) Precreate(context.Context, payments.ProviderOrder) (payments.Precreated, error) {
	s.calls++
	return payments.Precreated{CodeURL: "weixin://wxpay/bizpayurl?pr=stub"}, s.err
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestBreaker(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{t: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	stub := &stubProvider{}
	b := payments.NewBreaker("wechat", 3, 30*time.Second, clock.now)
	p := payments.Guard(stub, b)
	call := func() error { _, err := p.Precreate(ctx, payments.ProviderOrder{}); return err }
	down := func(err error) *payments.ChannelDownError {
		t.Helper()
		var d *payments.ChannelDownError
		if !errors.As(err, &d) || !errors.Is(err, billing.ErrUnavailable) {
			t.Fatalf("error %v is not the channel down", err)
		}
		return d
	}

	// The caller's mistakes are the provider working: they never open the breaker.
	for _, err := range []error{billing.ErrInvalid, fmt.Errorf("wechat: %w", billing.ErrNotFound), billing.ErrConflict, context.Canceled} {
		stub.err = err
		for range 5 {
			if got := call(); !errors.Is(got, err) || errors.Is(got, billing.ErrUnavailable) {
				t.Fatalf("%v came back as %v", err, got)
			}
		}
	}
	if b.State() != payments.BreakerClosed {
		t.Fatalf("refusals opened the breaker: %s", b.State())
	}

	// Two failures and a success: the streak starts again.
	stub.err = errors.New("dial tcp: connection refused")
	down(call())
	down(call())
	stub.err = nil
	if err := call(); err != nil {
		t.Fatal(err)
	}
	stub.err = context.DeadlineExceeded
	down(call())
	down(call())
	if !b.Up() {
		t.Fatal("two failures in a row opened the breaker")
	}
	if d := down(call()); d.RetryAfter != 30*time.Second || d.RetrySeconds() != 30 {
		t.Errorf("third failure: retry after %s (%d s), want the cooldown", d.RetryAfter, d.RetrySeconds())
	}
	if b.Up() || b.State() != payments.BreakerOpen {
		t.Fatalf("three failures in a row left the breaker %s", b.State())
	}

	// Open: refused without asking the provider, saying how long is left.
	calls := stub.calls
	clock.add(12 * time.Second)
	if d := down(call()); d.RetrySeconds() != 18 {
		t.Errorf("open: retry after %d s, want 18", d.RetrySeconds())
	}
	if stub.calls != calls {
		t.Fatal("an open breaker let a call through")
	}

	// After the cooldown one probe goes; it fails, and the breaker opens for another cooldown.
	clock.add(18 * time.Second)
	if b.State() != payments.BreakerHalfOpen || !b.Up() {
		t.Fatalf("after the cooldown: %s", b.State())
	}
	down(call())
	if stub.calls != calls+1 || b.State() != payments.BreakerOpen {
		t.Fatalf("a failed probe: %d calls, breaker %s", stub.calls-calls, b.State())
	}

	// The provider is back: the next probe closes it.
	stub.err = nil
	clock.add(30 * time.Second)
	if err := call(); err != nil {
		t.Fatal(err)
	}
	if b.State() != payments.BreakerClosed {
		t.Fatalf("a good probe left the breaker %s", b.State())
	}
}

// TestOrderingThroughAnOutage orders through the WeChat Pay simulator while it answers
// SYSTEM_ERROR, then while it hangs, then after it comes back: the customer hears "channel down"
// (503 with Retry-After at the edge) at once once the breaker is open, within the deadline while
// it hangs, the order stays CREATED and every retry reuses it, and when WeChat is back the same
// order gets its code, is paid and called back once.
func TestOrderingThroughAnOutage(t *testing.T) {
	r := newCallbackRig(t)
	ctx := context.Background()
	clock := &testClock{t: time.Now()}
	b := payments.NewBreaker(payments.WeChat, 3, 30*time.Second, clock.now).WithDeadline(300 * time.Millisecond)
	svc := &payments.Service{Providers: map[string]payments.Provider{payments.WeChat: payments.Guard(r.p, b)}, Orders: r.orders,
		Core: r.core, Bureau: "测试县供电公司", Now: time.Now, Loc: time.Local, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		NotifyURL: func(p string) string { return r.url + "/callbacks/" + p }}
	payer := payments.Payer{Phone: "13800138000"}
	order := func() (time.Duration, error) {
		t.Helper()
		start := time.Now()
		o, err := svc.CreateOrder(ctx, "3100000001", payer, payments.WeChat, 0)
		if err == nil {
			return time.Since(start), nil
		}
		var down *payments.ChannelDownError
		if !errors.As(err, &down) || down.Channel != payments.WeChat || down.RetrySeconds() < 1 {
			t.Fatalf("ordering while WeChat is down: %v", err)
		}
		if o.Status != payments.Created {
			t.Fatalf("the order is %s, want CREATED to be retried", o.Status)
		}
		return time.Since(start), err
	}
	openOrders := func() []string {
		t.Helper()
		var nos []string
		rows, err := r.portalDB.QueryContext(ctx, `SELECT out_trade_no FROM payment_orders WHERE account_no = '3100000001'`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var no string
			rows.Scan(&no)
			nos = append(nos, no)
		}
		return nos
	}

	r.sim.SetOutage(sandbox.WeChatSystemError)
	for range 3 {
		if _, err := order(); err == nil {
			t.Fatal("ordered while WeChat answers SYSTEM_ERROR")
		}
	}
	if b.Up() {
		t.Fatal("three failures left the channel up")
	}
	r.sim.SetOutage(sandbox.WeChatHang)
	if took, err := order(); err == nil || took > time.Second {
		t.Fatalf("with the breaker open: %v after %s, want refused in under 1 s", err, took)
	}
	clock.add(31 * time.Second) // the probe meets a provider that hangs: it gives up at the deadline
	if took, err := order(); err == nil || took > 2*time.Second {
		t.Fatalf("probe into a hanging provider: %v after %s", err, took)
	}
	if b.Up() {
		t.Fatal("a failed probe left the channel up")
	}
	if nos := openOrders(); len(nos) != 1 {
		t.Fatalf("retries made orders %v, want one", nos)
	}

	r.sim.SetOutage(sandbox.WeChatUp)
	clock.add(31 * time.Second)
	o, err := svc.CreateOrder(ctx, "3100000001", payer, payments.WeChat, 0)
	if err != nil {
		t.Fatalf("WeChat is back: %v", err)
	}
	if nos := openOrders(); len(nos) != 1 || nos[0] != o.OutTradeNo || o.Status != payments.Pending || o.CodeURL == "" {
		t.Fatalf("after the outage: order %s %s, orders %v", o.OutTradeNo, o.Status, openOrders())
	}
	if !b.Up() {
		t.Fatal("the channel is still down after a good probe")
	}
	if err := r.sim.Pay(o.OutTradeNo); err != nil {
		t.Fatal(err)
	}
	r.waitDeliveries(t, o.OutTradeNo, 1)
	waitFor(t, "the order paid", func() bool { return r.status(t, o.ID) == payments.Paid })
}

// TestReconcileThroughAnOutage: while WeChat Pay's API is down the day's reconciliation fails and
// keeps nothing (no half result over an earlier one); the next run after it is back reconciles
// the day whole, the payment heard of only in the statement included.
func TestReconcileThroughAnOutage(t *testing.T) {
	r := newCallbackRig(t)
	ctx := context.Background()
	cst := time.FixedZone("CST", 8*3600)
	unheard := r.orderB(t, "3100000002", 4000)
	if err := r.sim.Pay(unheard.OutTradeNo, sandbox.WeChatNoCallback()); err != nil {
		t.Fatal(err)
	}
	opt, _ := asynq.ParseRedisURI(redistest.URL(t, redistest.DBPayments))
	client := asynq.NewClient(opt)
	defer client.Close()
	rec := &payments.Reconciler{Sources: map[string]payments.StatementSource{payments.WeChat: r.p}, Orders: r.orders, Receipts: r.core,
		Accounts: r.core, Enqueuer: worker.NewEnqueuer(client), Loc: cst, Now: time.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}

	r.sim.SetOutage(sandbox.WeChatSystemError)
	if _, err := rec.Run(ctx, time.Now()); err == nil {
		t.Fatal("reconciled while WeChat is down")
	}
	if kept, err := r.orders.Reconciliation(ctx, billing.DateOf(time.Now().In(cst)), payments.WeChat); err != nil || len(kept) != 0 {
		t.Fatalf("a failed run kept %d items (%v)", len(kept), err)
	}
	r.sim.SetOutage(sandbox.WeChatUp)
	got, err := rec.Run(ctx, time.Now())
	if err != nil {
		t.Fatalf("after the outage: %v", err)
	}
	if items := got[payments.WeChat]; len(items) != 1 || items[0].OutTradeNo != unheard.OutTradeNo || items[0].Status != payments.ReconMissingLocally {
		t.Fatalf("after the outage: %+v", items)
	}
	if o, _ := r.orders.OrderByOutTradeNo(ctx, unheard.OutTradeNo); o.Status != billing.OrderPaid {
		t.Errorf("the payment found in the statement left the order %s, want PAID", o.Status)
	}
}
