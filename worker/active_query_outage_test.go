package worker_test

import (
	"context"
	"testing"
	"time"

	"gridpay/internal/storetest"
	"gridpay/payments"
	"gridpay/payments/sandbox"
	"gridpay/worker"
)

// TestActiveQueryThroughAnOutage: a customer pays while WeChat Pay's API is down and its callback
// never comes. The active query, asking through the channel's breaker, fails quietly at each point
// of its schedule during the outage (and soon without asking at all); once WeChat is back, the next
// point finds the payment, and it is posted once.
func TestActiveQueryThroughAnOutage(t *testing.T) {
	r := newRig(t, storetest.SQLite)
	sim, p := wechatSandbox(t)
	o := r.openWeChatOrder(t, p, 2150)
	if err := sim.Pay(o.OutTradeNo, sandbox.WeChatNoCallback()); err != nil {
		t.Fatal(err)
	}
	at := o.CreatedAt
	now := func() time.Time { return at }
	b := payments.NewBreaker(payments.WeChat, 3, 30*time.Second, now)
	q := &worker.ActiveQuery{Providers: map[string]payments.Provider{payments.WeChat: payments.Guard(p, b)}, Orders: r.orders,
		Enqueuer: r.enqueuer, Every: 10 * time.Second, Now: now, Log: r.log}
	ctx := context.Background()

	sim.SetOutage(sandbox.WeChatSystemError)
	for _, age := range worker.QuerySchedule {
		at = o.CreatedAt.Add(age + time.Second)
		if paid, _, err := q.Tick(ctx); err != nil || paid != 0 {
			t.Fatalf("tick at %s during the outage: %d paid, %v", age, paid, err)
		}
	}
	if b.Up() {
		t.Fatal("the breaker stayed closed through the outage")
	}
	if got, err := r.orders.OrderByID(ctx, o.ID); err != nil || got.Status != payments.Pending {
		t.Fatalf("during the outage the order is %s (%v), want PENDING", got.Status, err)
	}

	// WeChat is back by the time the order expires: an expired order is asked about on every tick
	// until it is settled, so the payment made during the outage is found before anything closes.
	sim.SetOutage(sandbox.WeChatUp)
	at = o.ExpiresAt.Add(time.Second)
	if paid, closed, err := q.Tick(ctx); err != nil || paid != 1 || closed != 0 {
		t.Fatalf("first tick after the outage: %d paid, %d closed, %v; want the payment found", paid, closed, err)
	}
	r.runServer(t)
	if posted := r.waitPosted(t, o.ID); posted.PaidAmount != 2150 {
		t.Errorf("posted %s, want 21.50", posted.PaidAmount)
	}
}
