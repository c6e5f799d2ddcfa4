package worker_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
	"gridpay/internal/storetest"
	"gridpay/payments"
	"gridpay/payments/sandbox"
	"gridpay/payments/wechat"
	"gridpay/worker"
)

// wechatSandbox is the WeChat Pay simulator on loopback and the real provider wired to it.
func wechatSandbox(t *testing.T) (*sandbox.WeChat, *wechat.Provider) {
	t.Helper()
	keys, err := sandbox.NewWeChatKeys()
	if err != nil {
		t.Fatal(err)
	}
	sim := sandbox.NewWeChat(keys)
	srv := httptest.NewServer(sim)
	t.Cleanup(func() { srv.Close(); sim.Close() })
	p, err := wechat.New(wechat.Config{MchID: keys.MchID, AppID: keys.AppID, MerchantPrivateKeyPEM: keys.MerchantKeyPEM,
		MerchantCertSerial: keys.MerchantCertSerial, APIv3Key: keys.APIv3Key, PlatformCertsPEM: []string{keys.PlatformCertPEM},
		BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return sim, p
}

// openWeChatOrder creates an order and precreates it at the simulator, as payments.Service does.
func (r *rig) openWeChatOrder(t *testing.T, p payments.Provider, amount billing.Money) store.Order {
	t.Helper()
	ctx := context.Background()
	o, _, err := r.orders.CreateOrder(ctx, store.NewOrder{OutTradeNo: payments.NewOutTradeNo("wechat", time.Now()),
		AccountNo: "3100000001", Channel: "wechat", Amount: amount, ExpiresAt: time.Now().Add(30 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	pre, err := p.Precreate(ctx, payments.ProviderOrder{OutTradeNo: o.OutTradeNo, Amount: amount, Description: "电费",
		ExpiresAt: o.ExpiresAt, NotifyURL: "http://127.0.0.1:1/callbacks/wechat"})
	if err != nil {
		t.Fatal(err)
	}
	o, err = r.orders.MoveOrder(ctx, o.ID, billing.OrderCreated, billing.OrderPending, "precreated",
		func(u *store.OrderUpdate) { u.CodeURL = pre.CodeURL })
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestActiveQueryFindsAPaymentWithoutCallback(t *testing.T) {
	storetest.ForEach(t, testActiveQueryFindsAPaymentWithoutCallback)
}

func testActiveQueryFindsAPaymentWithoutCallback(t *testing.T, d storetest.Dialect) {
	r := newRig(t, d)
	sim, p := wechatSandbox(t)
	o := r.openWeChatOrder(t, p, 4321)
	if err := sim.Pay(o.OutTradeNo, sandbox.WeChatNoCallback()); err != nil { // paid; the callback never comes
		t.Fatal(err)
	}
	q := &worker.ActiveQuery{Providers: map[string]payments.Provider{"wechat": p}, Orders: r.orders, Enqueuer: r.enqueuer,
		Every: 10 * time.Second, Now: func() time.Time { return o.CreatedAt.Add(31 * time.Second) }, Log: r.log}
	paid, closed, err := q.Tick(context.Background())
	if err != nil || paid != 1 || closed != 0 {
		t.Fatalf("Tick = %d paid, %d closed, %v; want the payment found", paid, closed, err)
	}
	r.runServer(t)
	if posted := r.waitPosted(t, o.ID); posted.PaidAmount != 4321 {
		t.Errorf("posted %s, want 43.21", posted.PaidAmount)
	}
	if paid, _, _ := q.Tick(context.Background()); paid != 0 {
		t.Error("a posted order was asked about again")
	}
}

func TestActiveQueryClosesExpiredOrders(t *testing.T) {
	storetest.ForEach(t, testActiveQueryClosesExpiredOrders)
}

func testActiveQueryClosesExpiredOrders(t *testing.T, d storetest.Dialect) {
	r := newRig(t, d)
	_, p := wechatSandbox(t)
	o := r.openWeChatOrder(t, p, 1000)
	q := &worker.ActiveQuery{Providers: map[string]payments.Provider{"wechat": p}, Orders: r.orders, Enqueuer: r.enqueuer,
		Every: 10 * time.Second, Now: func() time.Time { return o.ExpiresAt.Add(time.Second) }, Log: r.log}
	paid, closed, err := q.Tick(context.Background())
	if err != nil || paid != 0 || closed != 1 {
		t.Fatalf("Tick at expiry = %d paid, %d closed, %v; want one closed", paid, closed, err)
	}
	got, _ := r.orders.OrderByID(context.Background(), o.ID)
	res, _ := p.Query(context.Background(), o.OutTradeNo)
	if got.Status != billing.OrderClosed || res.State != payments.TradeClosed {
		t.Errorf("after expiry: order %s here, %s at the provider; want both closed", got.Status, res.State)
	}
	// A payment reported after the close is still credited, and flagged for staff to see.
	mp, err := r.orders.MarkPaid(context.Background(), o.OutTradeNo, "4200000000002026112600000001", 1000, time.Now())
	if err != nil || mp.Outcome != store.PaymentFlagged || mp.OutboxID == 0 {
		t.Fatalf("payment after close = %+v, %v; want flagged and queued for posting", mp, err)
	}
	task, _ := worker.NewPaymentPostTask(o.ID, mp.OutboxID)
	if err := r.poster.ProcessTask(context.Background(), task); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.orders.OrderByID(context.Background(), o.ID); got.Status != billing.OrderPosted || r.receipts(t, o.OutTradeNo) != 1 {
		t.Errorf("paid after close: order %s with %d receipts, want POSTED with one", got.Status, r.receipts(t, o.OutTradeNo))
	}
}

func TestActiveQueryClosesOrdersTheProviderNeverSaw(t *testing.T) {
	storetest.ForEach(t, testActiveQueryClosesOrdersTheProviderNeverSaw)
}

func testActiveQueryClosesOrdersTheProviderNeverSaw(t *testing.T, d storetest.Dialect) {
	r := newRig(t, d)
	_, p := wechatSandbox(t)
	ctx := context.Background()
	o, _, err := r.orders.CreateOrder(ctx, store.NewOrder{OutTradeNo: payments.NewOutTradeNo("wechat", time.Now()),
		AccountNo: "3100000001", Channel: "wechat", Amount: 1000, ExpiresAt: time.Now().Add(30 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	// Its precreate failed: the provider never heard of it, and it stayed CREATED.
	q := &worker.ActiveQuery{Providers: map[string]payments.Provider{"wechat": p}, Orders: r.orders, Enqueuer: r.enqueuer,
		Every: 10 * time.Second, Now: func() time.Time { return o.ExpiresAt.Add(time.Second) }, Log: r.log}
	if paid, closed, err := q.Tick(ctx); err != nil || paid != 0 || closed != 1 {
		t.Errorf("Tick = %d paid, %d closed, %v; want it closed", paid, closed, err)
	}
}

func TestQueryScheduleByAge(t *testing.T) {
	q := &worker.ActiveQuery{Every: 10 * time.Second}
	for _, tc := range []struct {
		age  time.Duration
		want bool
	}{
		{0, false}, {29 * time.Second, false}, {30 * time.Second, true}, {39 * time.Second, true}, {40 * time.Second, false},
		{2 * time.Minute, true}, {5*time.Minute + 5*time.Second, true}, {10 * time.Minute, false}, {15 * time.Minute, true},
		{59 * time.Minute, false}, {time.Hour, true}, {time.Hour + 10*time.Second, false}, {2*time.Hour + 9*time.Second, true},
	} {
		if got := q.Due(tc.age); got != tc.want {
			t.Errorf("due at age %s = %v, want %v", tc.age, got, tc.want)
		}
	}
}
