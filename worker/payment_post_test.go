package worker_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"gridpay/internal/billing"
	"gridpay/internal/corecache"
	"gridpay/internal/demo"
	"gridpay/internal/redistest"
	"gridpay/internal/store"
	"gridpay/internal/storetest"
	"gridpay/notify"
	"gridpay/payments"
	"gridpay/worker"
)

var today = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

// rig is a worker with real databases of one dialect (a small demo county), the real Redis, the dev
// inbox.
type rig struct {
	core     *store.DB
	orders   *store.Portal
	cached   *corecache.Core
	inbox    *notify.DevInbox
	poster   *worker.PaymentPoster
	enqueuer *worker.Enqueuer
	redis    asynq.RedisConnOpt
	log      *slog.Logger
	now      func() time.Time
}

func newRig(t testing.TB, d storetest.Dialect) *rig {
	t.Helper()
	ctx := context.Background()
	coreDSN, portalDSN := d.NewDSN(t, "core"), d.NewDSN(t, "portal")
	open := func(dsn string, s store.Schema) *store.DB {
		db, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.MigrateSchema(ctx, s); err != nil {
			t.Fatal(err)
		}
		return db
	}
	seedDB := open(coreDSN, store.CoreSchema)
	if _, err := demo.Seed(ctx, seedDB, demo.Options{Seed: 1, Customers: 5, Months: 3, Today: today}); err != nil {
		t.Fatal(err)
	}
	seedDB.Close()
	r := &rig{core: open(coreDSN, store.CoreSchema), log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	pdb := open(portalDSN, store.PortalSchema)
	t.Cleanup(func() { r.core.Close(); pdb.Close() })
	r.now = func() time.Time { return time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC) }
	r.orders = store.NewPortal(pdb, time.Now)

	url := redistest.URL(t, redistest.DBWorker)
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	r.redis, err = asynq.ParseRedisURI(url)
	if err != nil {
		t.Fatal(err)
	}
	client := asynq.NewClient(r.redis)
	t.Cleanup(func() { client.Close() })
	r.enqueuer = worker.NewEnqueuer(client)
	r.inbox = notify.NewDevInbox(rdb, "云溪县供电公司", r.now)
	r.cached = corecache.New(store.NewCore(r.core, billing.DefaultLateFeeRates(), r.now), rdb, r.log)
	r.poster = &worker.PaymentPoster{Orders: r.orders, Core: r.cached, SMS: r.inbox,
		Loc: time.FixedZone("CST", 8*3600), Log: r.log}
	return r
}

// paidOrder makes an order for the account and has the provider pay it, as a callback would.
func (r *rig) paidOrder(t testing.TB, accountNo string, amount billing.Money) store.MarkPaidResult {
	t.Helper()
	ctx := context.Background()
	o, _, err := r.orders.CreateOrder(ctx, store.NewOrder{OutTradeNo: payments.NewOutTradeNo("wechat", time.Now()),
		AccountNo: accountNo, PayerPhone: "13800138000", Channel: "wechat", Amount: amount, ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.orders.MoveOrder(ctx, o.ID, billing.OrderCreated, billing.OrderPending, "precreated",
		func(u *store.OrderUpdate) { u.CodeURL = "weixin://wxpay/bizpayurl?pr=test" }); err != nil {
		t.Fatal(err)
	}
	res, err := r.orders.MarkPaid(ctx, o.OutTradeNo, "4200000"+o.OutTradeNo[2:], amount, time.Date(2026, 11, 25, 17, 30, 0, 0, time.UTC))
	if err != nil || res.OutboxID == 0 {
		t.Fatalf("MarkPaid = %+v, %v", res, err)
	}
	return res
}

func (r *rig) receipts(t *testing.T, orderNo string) int {
	var n int
	if err := r.core.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM receipts WHERE order_no = @o`,
		sql.Named("o", orderNo)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// runServer processes tasks until the test ends.
func (r *rig) runServer(t *testing.T) {
	srv := worker.NewServer(r.redis, 4, r.log)
	srv.Handle(worker.TypePaymentPost, r.poster)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func (r *rig) waitPosted(t *testing.T, orderID int64) store.Order {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		o, err := r.orders.OrderByID(context.Background(), orderID)
		if err != nil {
			t.Fatal(err)
		}
		if o.Status == billing.OrderPosted {
			return o
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("order %d not posted within 20 s", orderID)
	return store.Order{}
}

func TestPaidOrderIsPostedOnceAndTheCustomerTold(t *testing.T) {
	storetest.ForEach(t, testPaidOrderIsPostedOnceAndTheCustomerTold)
}

func testPaidOrderIsPostedOnceAndTheCustomerTold(t *testing.T, d storetest.Dialect) {
	r := newRig(t, d)
	ctx := context.Background()
	acc, err := r.cached.AccountByNumber(ctx, "3100000001")
	if err != nil {
		t.Fatal(err)
	}
	before, err := r.cached.Arrears(ctx, acc.ID, today) // cached now; the posting must invalidate it
	if err != nil {
		t.Fatal(err)
	}
	res := r.paidOrder(t, "3100000001", 5000)
	r.runServer(t)
	// A callback, its retry and the sweeper all queue the same order.
	for range 3 {
		if err := r.enqueuer.EnqueuePaymentPost(ctx, res.Order.ID, res.OutboxID); err != nil {
			t.Fatal(err)
		}
	}
	o := r.waitPosted(t, res.Order.ID)
	if !strings.HasPrefix(o.PostedReceiptNo, "SF20261126") || r.receipts(t, o.OutTradeNo) != 1 {
		t.Errorf("posted as %q with %d receipts, want one receipt dated 26 November (Beijing)", o.PostedReceiptNo, r.receipts(t, o.OutTradeNo))
	}
	after, err := r.cached.Arrears(ctx, acc.ID, today)
	if err != nil || after.Total >= before.Total {
		t.Errorf("arrears after paying 50.00: %s, before %s: the cache was not invalidated", after.Total, before.Total)
	}
	if items, _ := r.orders.UnackedOutbox(ctx, time.Now().Add(time.Hour), 10); len(items) != 0 {
		t.Errorf("%d outbox rows still unacknowledged", len(items))
	}
	msgs, _ := r.inbox.Recent(ctx, "13800138000", 5)
	if len(msgs) == 0 || !strings.Contains(msgs[0].Text, o.PostedReceiptNo) || !strings.Contains(msgs[0].Text, "50.00") {
		t.Errorf("receipt message = %+v", msgs)
	}
}

// TestReceiptMessageIsAKindWithParameters: the payer is told by a receipt message whose parameters
// are the account, the amount and the receipt number, and the prepaid money only when there is some.
func TestReceiptMessageIsAKindWithParameters(t *testing.T) {
	r := newRig(t, storetest.SQLite)
	ctx := context.Background()
	acc, err := r.cached.AccountByNumber(ctx, "3100000001")
	if err != nil {
		t.Fatal(err)
	}
	owed, err := r.cached.Arrears(ctx, acc.ID, today)
	if err != nil || owed.Total < 200 {
		t.Fatalf("account 3100000001 owes %s (%v); the test needs it to owe at least 2.00", owed.Total, err)
	}
	for _, tc := range []struct {
		name    string
		amount  billing.Money
		prepaid bool
	}{
		{"part of what is due", 100, false},
		{"more than is due", owed.Total + 10000, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := r.paidOrder(t, "3100000001", tc.amount)
			task, err := worker.NewPaymentPostTask(res.Order.ID, res.OutboxID)
			if err != nil {
				t.Fatal(err)
			}
			if err := r.poster.ProcessTask(ctx, task); err != nil {
				t.Fatal(err)
			}
			receipt, err := r.cached.ReceiptOf(ctx, "wechat", res.Order.OutTradeNo)
			if err != nil {
				t.Fatal(err)
			}
			want := notify.Params{notify.ParamAccount: "3100000001", notify.ParamAmount: tc.amount.String(), notify.ParamReceiptNo: receipt.No}
			if tc.prepaid {
				want[notify.ParamPrepaid] = receipt.Prepaid.String()
			}
			msgs, err := r.inbox.Recent(ctx, "13800138000", 1)
			if err != nil || len(msgs) != 1 || msgs[0].Kind != notify.Receipt || !maps.Equal(msgs[0].Params, want) {
				t.Fatalf("receipt message = %+v (%v), want a receipt with %v", msgs, err, want)
			}
			if strings.Contains(msgs[0].Text, "预存") != tc.prepaid {
				t.Errorf("receipt text %q: mentions prepaid money %v, want %v", msgs[0].Text, !tc.prepaid, tc.prepaid)
			}
		})
	}
}

func TestHandlerTwiceStillPostsOnce(t *testing.T) {
	storetest.ForEach(t, testHandlerTwiceStillPostsOnce)
}

func testHandlerTwiceStillPostsOnce(t *testing.T, d storetest.Dialect) {
	r := newRig(t, d)
	res := r.paidOrder(t, "3100000002", 12345)
	task, err := worker.NewPaymentPostTask(res.Order.ID, res.OutboxID)
	if err != nil {
		t.Fatal(err)
	}
	// A worker killed after posting and before acknowledging: the task runs again.
	for i := 0; i < 2; i++ {
		if err := r.poster.ProcessTask(context.Background(), task); err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
	}
	if n := r.receipts(t, res.Order.OutTradeNo); n != 1 {
		t.Errorf("%d receipts, want 1", n)
	}
}

func TestSweeperQueuesWhatRedisLost(t *testing.T) {
	storetest.ForEach(t, testSweeperQueuesWhatRedisLost)
}

func testSweeperQueuesWhatRedisLost(t *testing.T, d storetest.Dialect) {
	r := newRig(t, d)
	res := r.paidOrder(t, "3100000001", 3000) // the callback committed, but Redis was down: nothing queued
	r.runServer(t)
	s := &worker.OutboxSweeper{Orders: r.orders, Enqueuer: r.enqueuer, Grace: time.Minute, Every: time.Hour,
		Now: func() time.Time { return time.Now().Add(2 * time.Minute) }, Log: r.log}
	n, err := s.Sweep(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("Sweep = %d, %v; want 1", n, err)
	}
	r.waitPosted(t, res.Order.ID)
	if n, _ := s.Sweep(context.Background()); n != 0 {
		t.Errorf("a second sweep queued %d, want 0 once posted", n)
	}
}

func TestCoreOutageIsRetriedNotLost(t *testing.T) {
	storetest.ForEach(t, testCoreOutageIsRetriedNotLost)
}

func testCoreOutageIsRetriedNotLost(t *testing.T, d storetest.Dialect) {
	r := newRig(t, d)
	res := r.paidOrder(t, "3100000001", 2000)
	task, _ := worker.NewPaymentPostTask(res.Order.ID, res.OutboxID)
	r.core.Close() // the core database is unreachable
	if err := r.poster.ProcessTask(context.Background(), task); err == nil || errors.Is(err, asynq.SkipRetry) {
		t.Fatalf("posting with the core database down = %v, want an error to retry", err)
	}
	o, _ := r.orders.OrderByID(context.Background(), res.Order.ID)
	items, _ := r.orders.UnackedOutbox(context.Background(), time.Now().Add(time.Hour), 10)
	if o.Status != billing.OrderPaid || len(items) != 1 || items[0].Attempts != 1 || items[0].LastError == "" {
		t.Errorf("after a failed posting: order %s, outbox %+v; want PAID and one unacknowledged row with the error", o.Status, items)
	}
}

func TestBadPayloadsAreNotRetried(t *testing.T) { storetest.ForEach(t, testBadPayloadsAreNotRetried) }

func testBadPayloadsAreNotRetried(t *testing.T, d storetest.Dialect) {
	r := newRig(t, d)
	for _, p := range []string{``, `{`, `{"order_id":0,"outbox_id":1}`, `{"order_id":999999,"outbox_id":1}`} {
		err := r.poster.ProcessTask(context.Background(), asynq.NewTask(worker.TypePaymentPost, []byte(p)))
		if !errors.Is(err, asynq.SkipRetry) {
			t.Errorf("payload %q = %v, want SkipRetry", p, err)
		}
	}
	if _, err := worker.NewPaymentPostTask(0, 1); !errors.Is(err, billing.ErrInvalid) {
		t.Errorf("NewPaymentPostTask(0, 1) = %v", err)
	}
}

func TestFlaggedOrderWaitsForStaff(t *testing.T) { storetest.ForEach(t, testFlaggedOrderWaitsForStaff) }

func testFlaggedOrderWaitsForStaff(t *testing.T, d storetest.Dialect) {
	r := newRig(t, d)
	ctx := context.Background()
	o, _, _ := r.orders.CreateOrder(ctx, store.NewOrder{OutTradeNo: payments.NewOutTradeNo("alipay", time.Now()),
		AccountNo: "3100000001", Channel: "alipay", Amount: 5000, ExpiresAt: time.Now().Add(time.Hour)})
	r.orders.MoveOrder(ctx, o.ID, billing.OrderCreated, billing.OrderPending, "precreated", func(u *store.OrderUpdate) { u.CodeURL = "https://qr.alipay.com/x" })
	res, err := r.orders.MarkPaid(ctx, o.OutTradeNo, "2026112622001", 4000, time.Now()) // wrong amount
	if err != nil || res.Outcome != store.PaymentFlagged {
		t.Fatalf("MarkPaid with a wrong amount = %+v, %v", res, err)
	}
	// Nothing queued for a flagged order; if a stale task comes anyway, nothing is posted.
	task, _ := worker.NewPaymentPostTask(o.ID, 1)
	r.poster.ProcessTask(ctx, task)
	if n := r.receipts(t, o.OutTradeNo); n != 0 {
		t.Errorf("a flagged order was posted: %d receipts", n)
	}
}

// TestConcurrentPostingsToOneAccount posts eight paid orders of one account at once, as eight
// workers would: together they owe more than the oldest bills, so each posting settles fees and
// principal of the same bills the others are settling, and the last ones spill into the prepaid
// balance. Each is posted exactly once under its own receipt number, the account's books add up,
// and what is owed drops by exactly what was paid.
func TestConcurrentPostingsToOneAccount(t *testing.T) {
	storetest.ForEach(t, testConcurrentPostingsToOneAccount)
}

func testConcurrentPostingsToOneAccount(t *testing.T, d storetest.Dialect) {
	r := newRig(t, d)
	ctx := context.Background()
	core := store.NewCore(r.core, billing.DefaultLateFeeRates(), r.now) // uncached: the truth
	accountNo, acc, before := r.accountInArrears(t, core)
	const n = 8
	amount := max(before.Total/(n-2), 100)
	orders := make([]store.Order, n)
	tasks := make([]*asynq.Task, n)
	for i := range n {
		res := r.paidOrder(t, accountNo, amount)
		task, err := worker.NewPaymentPostTask(res.Order.ID, res.OutboxID)
		if err != nil {
			t.Fatal(err)
		}
		orders[i], tasks[i] = res.Order, task
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, task := range tasks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if err := r.poster.ProcessTask(ctx, task); err != nil {
				t.Errorf("posting order %d of %d: %v", i+1, n, err)
			}
		}()
	}
	close(start)
	wg.Wait()

	receiptNos := map[string]string{}
	for _, o := range orders {
		got, err := r.orders.OrderByID(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		receipt, err := core.ReceiptOf(ctx, "wechat", o.OutTradeNo)
		if err != nil || got.Status != billing.OrderPosted || receipt.No != got.PostedReceiptNo || receipt.Amount != amount ||
			r.receipts(t, o.OutTradeNo) != 1 {
			t.Errorf("order %s: %s as %q, receipt %+v (%v), %d receipts; want POSTED with its one receipt of %s",
				o.OutTradeNo, got.Status, got.PostedReceiptNo, receipt, err, r.receipts(t, o.OutTradeNo), amount)
			continue
		}
		if other, ok := receiptNos[receipt.No]; ok {
			t.Errorf("orders %s and %s share receipt number %s", other, o.OutTradeNo, receipt.No)
		}
		receiptNos[receipt.No] = o.OutTradeNo
	}
	storetest.CheckBooks(t, r.core.DB)

	after, err := core.Arrears(ctx, acc.ID, today)
	if err != nil {
		t.Fatal(err)
	}
	paid := n * amount
	settled := min(paid, before.Total)
	if after.Total != before.Total-settled || after.Prepaid != before.Prepaid+paid-settled {
		t.Errorf("owed %s with %s prepaid before paying %s, %s with %s prepaid after; want %s with %s",
			before.Total, before.Prepaid, paid, after.Total, after.Prepaid, before.Total-settled, before.Prepaid+paid-settled)
	}
}

// TestOneTaskRunConcurrentlyPostsOnce runs one order's task in eight workers at once (a task handed
// out again while its first run is still going): one receipt, every run succeeds, and all of them
// agree on its number.
func TestOneTaskRunConcurrentlyPostsOnce(t *testing.T) {
	storetest.ForEach(t, testOneTaskRunConcurrentlyPostsOnce)
}

func testOneTaskRunConcurrentlyPostsOnce(t *testing.T, d storetest.Dialect) {
	r := newRig(t, d)
	ctx := context.Background()
	res := r.paidOrder(t, "3100000002", 4321)
	task, err := worker.NewPaymentPostTask(res.Order.ID, res.OutboxID)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if err := r.poster.ProcessTask(ctx, task); err != nil {
				t.Errorf("run %d: %v", i+1, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	o, err := r.orders.OrderByID(ctx, res.Order.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := r.receipts(t, o.OutTradeNo); n != 1 || o.Status != billing.OrderPosted || o.PostedReceiptNo == "" {
		t.Errorf("order %s as %q with %d receipts, want POSTED with 1", o.Status, o.PostedReceiptNo, n)
	}
	if items, _ := r.orders.UnackedOutbox(ctx, time.Now().Add(time.Hour), 10); len(items) != 0 {
		t.Errorf("%d outbox rows still unacknowledged", len(items))
	}
	storetest.CheckBooks(t, r.core.DB)
}

// accountInArrears returns the demo account owing the most, what it owes today, and fails the test
// when no account owes anything.
func (r *rig) accountInArrears(t *testing.T, core *store.Core) (string, store.Account, store.Arrears) {
	t.Helper()
	ctx := context.Background()
	var (
		no   string
		acc  store.Account
		owed store.Arrears
	)
	for i := 1; i <= 5; i++ {
		n := fmt.Sprintf("31000000%02d", i)
		a, err := core.AccountByNumber(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		ar, err := core.Arrears(ctx, a.ID, today)
		if err != nil {
			t.Fatal(err)
		}
		if ar.Total > owed.Total {
			no, acc, owed = n, a, ar
		}
	}
	if no == "" {
		t.Fatal("no demo account owes anything")
	}
	return no, acc, owed
}
