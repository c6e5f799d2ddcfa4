package payments_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/hibiken/asynq"

	"gridpay/internal/billing"
	"gridpay/internal/demo"
	"gridpay/internal/redistest"
	"gridpay/internal/store"
	"gridpay/internal/storetest"
	"gridpay/payments"
	"gridpay/payments/sandbox"
	"gridpay/payments/wechat"
	"gridpay/worker"
)

// callbackRig is the callback endpoint on loopback with real databases (SQLite, or SQL Server in
// the sqlserver subtests) and the real Redis behind it, and the WeChat Pay simulator calling it with
// the real wire format.
type callbackRig struct {
	core     *store.Core
	coreDB   *store.DB
	portalDB *store.DB
	sim      *sandbox.WeChat
	p        *wechat.Provider
	orders   *store.Portal
	url      string
}

// newCallbackRig is the rig on SQLite.
func newCallbackRig(t *testing.T) *callbackRig { return newCallbackRigOn(t, storetest.SQLite) }

// newCallbackRigOn is the rig on fresh databases of dialect d, for tests and benchmarks alike.
func newCallbackRigOn(t testing.TB, d storetest.Dialect) *callbackRig {
	t.Helper()
	ctx := context.Background()
	open := func(name string, s store.Schema) *store.DB {
		db, err := store.Open(ctx, d.NewDSN(t, name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.MigrateSchema(ctx, s); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	core := open("core", store.CoreSchema)
	if _, err := demo.Seed(ctx, core, demo.Options{Seed: 1, Customers: 3, Months: 2, Today: time.Now()}); err != nil {
		t.Fatal(err)
	}
	portal := open("portal", store.PortalSchema)
	r := &callbackRig{orders: store.NewPortal(portal, time.Now), coreDB: core, portalDB: portal,
		core: store.NewCore(core, billing.DefaultLateFeeRates(), time.Now)}
	keys, err := sandbox.NewWeChatKeys()
	if err != nil {
		t.Fatal(err)
	}
	r.sim = sandbox.NewWeChat(keys, sandbox.WeChatRetryScale(0.001))
	simSrv := httptest.NewServer(r.sim)
	t.Cleanup(func() { r.sim.Close(); simSrv.Close() })
	if r.p, err = wechat.New(wechat.Config{MchID: keys.MchID, AppID: keys.AppID, MerchantPrivateKeyPEM: keys.MerchantKeyPEM,
		MerchantCertSerial: keys.MerchantCertSerial, APIv3Key: keys.APIv3Key, PlatformCertsPEM: []string{keys.PlatformCertPEM},
		BaseURL: simSrv.URL}); err != nil {
		t.Fatal(err)
	}
	opt, err := asynq.ParseRedisURI(redistest.URL(t, redistest.DBPayments))
	if err != nil {
		t.Fatal(err)
	}
	client := asynq.NewClient(opt)
	t.Cleanup(func() { client.Close() })
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	cb := &payments.Callbacks{Providers: map[string]payments.Provider{"wechat": r.p}, Orders: r.orders,
		Accounts: store.NewCore(core, billing.DefaultLateFeeRates(), time.Now), Enqueuer: worker.NewEnqueuer(client),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now}
	e.POST("/callbacks/:provider", cb.Handle)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	r.url = srv.URL
	return r
}

// order opens an order of amount and precreates it at the simulator, which will call us back.
func (r *callbackRig) order(t *testing.T, amount billing.Money) store.Order {
	return r.orderB(t, "3100000001", amount)
}

// orderB is order for tests and benchmarks, for any account: one open order per account and channel.
func (r *callbackRig) orderB(t testing.TB, accountNo string, amount billing.Money) store.Order {
	t.Helper()
	ctx := context.Background()
	o, _, err := r.orders.CreateOrder(ctx, store.NewOrder{OutTradeNo: payments.NewOutTradeNo("wechat", time.Now()),
		AccountNo: accountNo, Channel: "wechat", Amount: amount, ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	pre, err := r.p.Precreate(ctx, payments.ProviderOrder{OutTradeNo: o.OutTradeNo, Amount: amount, Description: "电费",
		ExpiresAt: o.ExpiresAt, NotifyURL: r.url + "/callbacks/wechat"})
	if err != nil {
		t.Fatal(err)
	}
	if o, err = r.orders.MoveOrder(ctx, o.ID, billing.OrderCreated, billing.OrderPending, "", func(u *store.OrderUpdate) { u.CodeURL = pre.CodeURL }); err != nil {
		t.Fatal(err)
	}
	return o
}

func (r *callbackRig) status(t *testing.T, id int64) billing.OrderStatus {
	o, err := r.orders.OrderByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return o.Status
}

func (r *callbackRig) deliveries(outTradeNo string) []sandbox.WeChatDelivery {
	var out []sandbox.WeChatDelivery
	for _, d := range r.sim.Deliveries() {
		if d.OutTradeNo == outTradeNo {
			out = append(out, d)
		}
	}
	return out
}

// waitFor polls cond until it holds, failing the test if it does not within 20 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20 s", what)
		}
	}
}

// waitDeliveries waits until the simulator has finished at least n delivery attempts for the order.
func (r *callbackRig) waitDeliveries(t *testing.T, outTradeNo string, n int) []sandbox.WeChatDelivery {
	t.Helper()
	var ds []sandbox.WeChatDelivery
	waitFor(t, fmt.Sprintf("%d deliveries for %s", n, outTradeNo), func() bool {
		ds = r.deliveries(outTradeNo)
		return len(ds) >= n
	})
	return ds
}

// send hands a fresh callback for a paid order to the endpoint, as the simulator would, and returns
// the status it was answered with.
func (r *callbackRig) send(t *testing.T, outTradeNo string) int {
	t.Helper()
	h, body, err := r.sim.Callback(outTradeNo)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, r.url+"/callbacks/wechat", bytes.NewReader(body))
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestWeChatCallbacks(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, d storetest.Dialect) { testWeChatCallbacks(t, newCallbackRigOn(t, d)) })
}

func testWeChatCallbacks(t *testing.T, r *callbackRig) {
	ctx := context.Background()

	t.Run("sent three times: paid once, answered 204 each time", func(t *testing.T) {
		o := r.order(t, 5000)
		if err := r.sim.Pay(o.OutTradeNo, sandbox.WeChatTimes(3)); err != nil {
			t.Fatal(err)
		}
		r.sim.Wait()
		ds := r.deliveries(o.OutTradeNo)
		if len(ds) != 3 {
			t.Fatalf("%d deliveries, want 3", len(ds))
		}
		for _, d := range ds {
			if d.Status != 204 {
				t.Errorf("a delivery was answered %d %s, want 204", d.Status, d.Body)
			}
		}
		if s := r.status(t, o.ID); s != billing.OrderPaid {
			t.Errorf("order is %s, want PAID", s)
		}
		if items, _ := r.orders.UnackedOutbox(ctx, time.Now().Add(time.Hour), 100); len(items) != 1 || items[0].OrderID != o.ID {
			t.Errorf("outbox = %+v, want one row for the order", items)
		}
	})

	t.Run("wrong amount: flagged for staff and answered as received", func(t *testing.T) {
		o := r.order(t, 5000)
		if err := r.sim.Pay(o.OutTradeNo, sandbox.WeChatWrongAmount(4000)); err != nil {
			t.Fatal(err)
		}
		r.sim.Wait()
		if ds := r.deliveries(o.OutTradeNo); len(ds) != 1 || ds[0].Status != 204 {
			t.Errorf("deliveries = %+v, want one answered 204 so that retries stop", ds)
		}
		if s := r.status(t, o.ID); s != billing.OrderFlagged {
			t.Errorf("order is %s, want FLAGGED", s)
		}
	})

	t.Run("bad signature: refused, nothing changes", func(t *testing.T) {
		o := r.order(t, 5000)
		if err := r.sim.Pay(o.OutTradeNo, sandbox.WeChatBadSignature(), sandbox.WeChatTimes(1)); err != nil {
			t.Fatal(err)
		}
		if ds := r.waitDeliveries(t, o.OutTradeNo, 1); ds[0].Status < 400 {
			t.Errorf("deliveries = %+v, want the first refused with 4xx/5xx", ds)
		}
		if s := r.status(t, o.ID); s != billing.OrderPending {
			t.Errorf("order is %s, want still PENDING", s)
		}
	})

	t.Run("late and out of order: each lands on its own order", func(t *testing.T) {
		// Paid in one order at the provider, called back in the other: the callbacks are handed over
		// by the test, so that "late" does not hang on a timer.
		late := r.orderB(t, "3100000002", 700)
		early := r.orderB(t, "3100000003", 800)
		for _, o := range []store.Order{late, early} {
			if err := r.sim.Pay(o.OutTradeNo, sandbox.WeChatNoCallback()); err != nil {
				t.Fatal(err)
			}
		}
		if status := r.send(t, early.OutTradeNo); status != 204 {
			t.Fatalf("early callback answered %d, want 204", status)
		}
		if a, b := r.status(t, late.ID), r.status(t, early.ID); a != billing.OrderPending || b != billing.OrderPaid {
			t.Errorf("before the late callback: late %s, early %s; want PENDING and PAID", a, b)
		}
		if status := r.send(t, late.OutTradeNo); status != 204 {
			t.Fatalf("late callback answered %d, want 204", status)
		}
		for _, o := range []store.Order{late, early} {
			got, err := r.orders.OrderByID(ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != billing.OrderPaid || got.PaidAmount != o.Amount {
				t.Errorf("order %s after both callbacks: %s paid %s, want PAID %s", o.OutTradeNo, got.Status, got.PaidAmount, o.Amount)
			}
		}
	})

	t.Run("an order we never made: not taken, the provider keeps trying", func(t *testing.T) {
		out := payments.NewOutTradeNo("wechat", time.Now())
		if _, err := r.p.Precreate(ctx, payments.ProviderOrder{OutTradeNo: out, Amount: 100, Description: "x",
			ExpiresAt: time.Now().Add(time.Hour), NotifyURL: r.url + "/callbacks/wechat"}); err != nil {
			t.Fatal(err)
		}
		if err := r.sim.Pay(out); err != nil {
			t.Fatal(err)
		}
		if ds := r.waitDeliveries(t, out, 2); ds[0].Status < 500 {
			t.Errorf("deliveries = %+v, want refusals and retries", ds)
		}
		if _, err := r.orders.OrderByOutTradeNo(ctx, out); err == nil {
			t.Error("a callback for an unknown order created one")
		}
	})

	t.Run("50 concurrent copies of one callback: paid once", func(t *testing.T) {
		o := r.orderB(t, "3100000002", 2468)
		if err := r.sim.Pay(o.OutTradeNo, sandbox.WeChatNoCallback()); err != nil {
			t.Fatal(err)
		}
		h, body, err := r.sim.Callback(o.OutTradeNo)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest(http.MethodPost, r.url+"/callbacks/wechat", bytes.NewReader(body))
				req.Header = h.Clone()
				<-start // all at once, as far as the scheduler allows
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				answer, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 204 {
					t.Errorf("a copy was answered %d %s, want 204", resp.StatusCode, answer)
				}
			}()
		}
		close(start)
		wg.Wait()
		items, _ := r.orders.UnackedOutbox(ctx, time.Now().Add(time.Hour), 1000)
		n := 0
		for _, it := range items {
			if it.OrderID == o.ID {
				n++
			}
		}
		got, err := r.orders.OrderByID(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		paid := 0
		for _, e := range got.Events {
			if e.To == billing.OrderPaid && e.From != billing.OrderPaid {
				paid++
			}
		}
		var kept int
		if err := r.portalDB.QueryRowContext(ctx, `SELECT COUNT(*) FROM callbacks WHERE out_trade_no = @o`,
			sql.Named("o", o.OutTradeNo)).Scan(&kept); err != nil {
			t.Fatal(err)
		}
		if got.Status != billing.OrderPaid || n != 1 || paid != 1 || kept != 1 {
			t.Errorf("order %s with %d outbox rows, %d moves to PAID and %d callbacks kept; want PAID with 1, 1 and 1",
				got.Status, n, paid, kept)
		}
	})
}
