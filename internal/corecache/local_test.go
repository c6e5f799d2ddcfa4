package corecache_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gridpay/internal/billing"
	"gridpay/internal/corecache"
	"gridpay/internal/demo"
	"gridpay/internal/redistest"
	"gridpay/internal/store"
)

// The tests below run two processes' caches, A and B, on one Redis and one pair of databases, as
// two web processes (or a worker and a web process) do. B keeps answers locally for an hour, so
// that what B shows after A changed something came from the invalidation and not from an expiry.

// dbs are a core database seeded with a small demo county and an empty portal database.
type dbs struct{ core, portal *store.DB }

func openDBs(t *testing.T) dbs {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	open := func(name string, schema store.Schema) *store.DB {
		db, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.MigrateSchema(ctx, schema); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	d := dbs{core: open("core.db", store.CoreSchema), portal: open("portal.db", store.PortalSchema)}
	if _, err := demo.Seed(ctx, d.core, demo.Options{Seed: 1, Customers: 5, Months: 6, Today: today}); err != nil {
		t.Fatal(err)
	}
	return d
}

// process is one process's caches over the shared databases.
type process struct {
	core     *corecache.Core
	reads    *corecache.Portal
	local    *corecache.Local
	orders   *store.Portal
	commands *atomic.Int64 // Redis commands the process sent, but for its subscription
}

// clock is a settable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// countCommands counts the commands a Redis client sends.
type countCommands struct{ n *atomic.Int64 }

func (h countCommands) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h countCommands) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}
func (h countCommands) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.n.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}

// startProcess starts a process's caches on its own Redis connections, keeping answers locally
// for ttl on clk, and waits until it listens for invalidations.
func startProcess(t *testing.T, d dbs, redisURL string, ttl time.Duration, clk *clock) *process {
	t.Helper()
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	p := &process{commands: new(atomic.Int64)}
	rdb.AddHook(countCommands{p.commands})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	p.local = corecache.NewLocal(rdb, log, ttl, clk.Now)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.local.Run(ctx)
	}()
	t.Cleanup(func() { cancel(); <-done; rdb.Close() })
	p.core = corecache.New(store.NewCore(d.core, billing.DefaultLateFeeRates(), clk.Now), rdb, log)
	p.core.UseLocal(p.local)
	p.orders = store.NewPortal(d.portal, clk.Now)
	p.reads = corecache.NewPortal(p.orders, rdb, log)
	p.reads.UseLocal(p.local)
	p.orders.Watch(p.reads)
	waitFor(t, "the process to subscribe", func() bool { _, n := p.local.Stats(); return n >= 1 })
	return p
}

// waitFor polls cond for up to 3 seconds: pub/sub delivers in a moment, not within the call.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func twoProcesses(t *testing.T) (a, b *process, clk *clock, d dbs) {
	t.Helper()
	url := redistest.URL(t, redistest.DBCoreCache)
	d = openDBs(t)
	clk = &clock{now: today.Add(9 * time.Hour)}
	return startProcess(t, d, url, time.Hour, clk), startProcess(t, d, url, time.Hour, clk), clk, d
}

func mustArrears(t *testing.T, p *process, accountID int64) store.Arrears {
	t.Helper()
	a, err := p.core.Arrears(context.Background(), accountID, today)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestWarmReadsAskNeitherRedisNorTheDatabase(t *testing.T) {
	_, b, _, _ := twoProcesses(t)
	ctx := context.Background()
	acc, err := b.core.AccountByNumber(ctx, "3100000001")
	if err != nil {
		t.Fatal(err)
	}
	bills, _, err := b.core.Bills(ctx, acc.ID, store.Page{Limit: 1})
	if err != nil || len(bills) == 0 {
		t.Fatalf("Bills = %v, %v", bills, err)
	}
	first, err := b.core.Bill(ctx, acc.ID, bills[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.reads.Bindings(ctx, "13800138000"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.reads.InFlight(ctx, "3100000001"); err != nil {
		t.Fatal(err)
	}
	_, coreMisses := b.core.Stats()
	_, portalMisses := b.reads.Stats()
	commands := b.commands.Load()
	for range 3 {
		if _, err := b.core.AccountByNumber(ctx, "3100000001"); err != nil {
			t.Fatal(err)
		}
		again, err := b.core.Bill(ctx, acc.ID, bills[0].ID)
		if err != nil || !reflect.DeepEqual(again, first) {
			t.Fatalf("Bill again = %+v, %v; want %+v", again, err, first)
		}
		if _, err := b.reads.Bindings(ctx, "13800138000"); err != nil {
			t.Fatal(err)
		}
		if _, err := b.reads.InFlight(ctx, "3100000001"); err != nil {
			t.Fatal(err)
		}
	}
	if n := b.commands.Load() - commands; n != 0 {
		t.Errorf("warm reads sent %d commands to Redis, want none", n)
	}
	if _, m := b.core.Stats(); m != coreMisses {
		t.Errorf("warm reads went to the core database %d times", m-coreMisses)
	}
	if _, m := b.reads.Stats(); m != portalMisses {
		t.Errorf("warm reads went to the portal database %d times", m-portalMisses)
	}
	if hits, _ := b.local.Stats(); hits != 12 {
		t.Errorf("the local tier answered %d reads, want 12", hits)
	}
}

func TestAPaymentPostedOnOneProcessShowsOnTheOther(t *testing.T) {
	a, b, _, _ := twoProcesses(t)
	ctx := context.Background()
	acc, err := b.core.AccountByNumber(ctx, "3100000001")
	if err != nil {
		t.Fatal(err)
	}
	before := mustArrears(t, b, acc.ID)
	mustArrears(t, b, acc.ID) // kept by B now
	mustArrears(t, a, acc.ID) // and by A
	r, err := a.core.PostPayment(ctx, store.Payment{AccountNo: "3100000001", Channel: "wechat", OrderNo: "LOCAL0001", Amount: 1000, PaidOn: today})
	if err != nil {
		t.Fatal(err)
	}
	want := before.Total - r.Amount + r.Prepaid
	// A, which posted, shows it at once, without waiting for its own message.
	if got := mustArrears(t, a, acc.ID).Total; got != want {
		t.Errorf("A, which posted, shows %s owed, want %s", got, want)
	}
	waitFor(t, "B to show the payment", func() bool { return mustArrears(t, b, acc.ID).Total == want })
}

func TestBindingsChangedOnOneProcessShowOnTheOther(t *testing.T) {
	a, b, _, _ := twoProcesses(t)
	ctx := context.Background()
	const phone = "13900139000"
	bindings := func() []string {
		nos, err := b.reads.Bindings(ctx, phone)
		if err != nil {
			t.Fatal(err)
		}
		return nos
	}
	if got := bindings(); len(got) != 0 {
		t.Fatalf("bindings = %v, want none", got)
	}
	if _, err := a.orders.Bind(ctx, phone, "3100000002"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "B to show the new binding", func() bool { return slices.Equal(bindings(), []string{"3100000002"}) })
	if err := a.orders.Unbind(ctx, phone, "3100000002"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "B to show the binding gone", func() bool { return len(bindings()) == 0 })
}

func TestAPaymentInFlightOnOneProcessShowsOnTheOther(t *testing.T) {
	a, b, clk, _ := twoProcesses(t)
	ctx := context.Background()
	inFlight := func() bool {
		in, err := b.reads.InFlight(ctx, "3100000001")
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	if inFlight() {
		t.Fatal("a payment in flight before any order")
	}
	o, _, err := a.orders.CreateOrder(ctx, store.NewOrder{OutTradeNo: "WX20261126LOCAL1", AccountNo: "3100000001",
		Payer: "phone:13800138000", PayerPhone: "13800138000", Channel: "wechat", Amount: 5000, ExpiresAt: clk.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if inFlight() {
		t.Fatal("an order not paid yet is in flight")
	}
	if _, err := a.orders.MarkPaid(ctx, o.OutTradeNo, "TXN0001", 5000, clk.Now()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "B to show the payment in flight", inFlight)
	if _, err := a.orders.MoveOrder(ctx, o.ID, billing.OrderPaid, billing.OrderPosted, "posted",
		func(u *store.OrderUpdate) { u.PostedReceiptNo = "R0001" }); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "B to show the payment posted", func() bool { return !inFlight() })
}

// changeUnheard posts a payment as a process whose message never arrived would: the database and
// Redis have it, the channel never said so.
func changeUnheard(t *testing.T, d dbs, redisURL string, accountID int64, orderNo string) {
	t.Helper()
	ctx := context.Background()
	core := store.NewCore(d.core, billing.DefaultLateFeeRates(), func() time.Time { return today })
	if _, err := core.PostPayment(ctx, store.Payment{AccountNo: "3100000001", Channel: "wechat", OrderNo: orderNo, Amount: 1000, PaidOn: today}); err != nil {
		t.Fatal(err)
	}
	opts, _ := redis.ParseURL(redisURL)
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	if err := rdb.Incr(ctx, fmt.Sprintf("gridpay:cache:v:%d", accountID)).Err(); err != nil {
		t.Fatal(err)
	}
}

func TestALostSubscriptionLeavesNothingStale(t *testing.T) {
	url := redistest.URL(t, redistest.DBCoreCache)
	d := openDBs(t)
	b := startProcess(t, d, url, time.Hour, &clock{now: today.Add(9 * time.Hour)})
	acc, err := b.core.AccountByNumber(context.Background(), "3100000001")
	if err != nil {
		t.Fatal(err)
	}
	before := mustArrears(t, b, acc.ID)
	changeUnheard(t, d, url, acc.ID, "LOST0001")
	if got := mustArrears(t, b, acc.ID); got.Total != before.Total {
		t.Fatalf("B heard of a change nobody published: %s, was %s", got.Total, before.Total)
	}
	// B's subscription is cut; it subscribes again, and has forgotten what it kept.
	opts, _ := redis.ParseURL(url)
	admin := redis.NewClient(opts)
	defer admin.Close()
	if err := admin.ClientKillByFilter(context.Background(), "TYPE", "pubsub").Err(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "B to subscribe again", func() bool { _, n := b.local.Stats(); return n >= 2 })
	if got := mustArrears(t, b, acc.ID); got.Total == before.Total {
		t.Errorf("after subscribing again B still shows %s owed from before the payment", got.Total)
	}
}

func TestLocalAnswersLastNoLongerThanTheirTTL(t *testing.T) {
	url := redistest.URL(t, redistest.DBCoreCache)
	d := openDBs(t)
	clk := &clock{now: today.Add(9 * time.Hour)}
	b := startProcess(t, d, url, corecache.LocalTTL, clk)
	acc, err := b.core.AccountByNumber(context.Background(), "3100000001")
	if err != nil {
		t.Fatal(err)
	}
	before := mustArrears(t, b, acc.ID)
	changeUnheard(t, d, url, acc.ID, "TTL0001")
	clk.Add(corecache.LocalTTL - time.Millisecond)
	if got := mustArrears(t, b, acc.ID); got.Total != before.Total {
		t.Fatalf("B dropped its answer before its TTL: %s, was %s", got.Total, before.Total)
	}
	clk.Add(time.Millisecond)
	if got := mustArrears(t, b, acc.ID); got.Total == before.Total {
		t.Errorf("B still shows %s owed %s after the change", got.Total, corecache.LocalTTL)
	}
}
