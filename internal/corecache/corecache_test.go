package corecache_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"reflect"
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

var today = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

// counting passes every call through to the real store and counts those that reach it.
type counting struct {
	store.CoreDB
	calls atomic.Int64
}

func (c *counting) Arrears(ctx context.Context, id int64, asOf time.Time) (store.Arrears, error) {
	c.calls.Add(1)
	return c.CoreDB.Arrears(ctx, id, asOf)
}

func (c *counting) AccountByNumber(ctx context.Context, no string) (store.Account, error) {
	c.calls.Add(1)
	return c.CoreDB.AccountByNumber(ctx, no)
}

func (c *counting) Bills(ctx context.Context, id int64, p store.Page) ([]store.Bill, int, error) {
	c.calls.Add(1)
	return c.CoreDB.Bills(ctx, id, p)
}

func (c *counting) Reminders(ctx context.Context, id int64, p store.Page) ([]store.Reminder, int, error) {
	c.calls.Add(1)
	return c.CoreDB.Reminders(ctx, id, p)
}

func (c *counting) ArrearsAccount(ctx context.Context, id int64) (store.ArrearsAccount, error) {
	c.calls.Add(1)
	return c.CoreDB.ArrearsAccount(ctx, id)
}

func setup(t *testing.T, redisURL string) (*corecache.Core, *counting) {
	t.Helper()
	ctx := context.Background()
	path := "sqlite:" + filepath.Join(t.TempDir(), "core.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Seed(ctx, db, demo.Options{Seed: 1, Customers: 5, Months: 6, Today: today}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err = store.Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	inner := &counting{CoreDB: store.NewCore(db, billing.DefaultLateFeeRates(), func() time.Time { return today })}
	return corecache.New(inner, rdb, slog.New(slog.NewTextHandler(io.Discard, nil))), inner
}

func TestReadsAreCachedUntilAPaymentPosts(t *testing.T) {
	c, inner := setup(t, redistest.URL(t, redistest.DBCoreCache))
	ctx := context.Background()
	acc, err := c.AccountByNumber(ctx, "3100000001")
	if err != nil {
		t.Fatal(err)
	}
	first, err := c.Arrears(ctx, acc.ID, today)
	if err != nil || first.Total <= 0 {
		t.Fatalf("Arrears = %+v, %v", first, err)
	}
	before := inner.calls.Load()
	for range 3 {
		again, err := c.Arrears(ctx, acc.ID, today)
		if err != nil || !reflect.DeepEqual(again, first) {
			t.Fatalf("cached Arrears = %+v, %v; want %+v", again, err, first)
		}
		if _, _, err := c.Bills(ctx, acc.ID, store.Page{Limit: 3}); err != nil {
			t.Fatal(err)
		}
	}
	if n := inner.calls.Load() - before; n != 1 { // only the first Bills call reaches the database
		t.Errorf("%d calls reached the database for 3 repeated reads, want 1", n)
	}
	if hits, misses := c.Stats(); hits != 5 || misses != 3 { // account, arrears, bills missed once
		t.Errorf("Stats = %d hits, %d misses; want 5 and 3", hits, misses)
	}
	if _, err := c.Arrears(ctx, acc.ID, today.AddDate(0, 0, 1)); err != nil {
		t.Fatal(err)
	}
	if n := inner.calls.Load() - before; n != 2 {
		t.Errorf("another day's arrears did not reach the database")
	}

	r, err := c.PostPayment(ctx, store.Payment{AccountNo: "3100000001", Channel: "wechat", OrderNo: "CACHE0001", Amount: 1000, PaidOn: today})
	if err != nil {
		t.Fatal(err)
	}
	after, err := c.Arrears(ctx, acc.ID, today)
	if err != nil {
		t.Fatal(err)
	}
	if after.Total != first.Total-r.Amount+r.Prepaid {
		t.Errorf("after paying %s the cache says %s owed, want %s", r.Amount, after.Total, first.Total-r.Amount)
	}
}

func TestErrorsAreNotCached(t *testing.T) {
	c, inner := setup(t, redistest.URL(t, redistest.DBCoreCache))
	for range 2 {
		if _, err := c.AccountByNumber(context.Background(), "3100099999"); !errors.Is(err, billing.ErrNotFound) {
			t.Fatalf("AccountByNumber = %v, want not found", err)
		}
	}
	if n := inner.calls.Load(); n != 2 {
		t.Errorf("%d calls reached the database, want 2: a miss must not be remembered", n)
	}
}

func TestRedisDownFallsBackToTheDatabase(t *testing.T) {
	c, _ := setup(t, "redis://127.0.0.1:1/0") // nothing listens on port 1
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	acc, err := c.AccountByNumber(ctx, "3100000001")
	if err != nil || acc.No != "3100000001" {
		t.Fatalf("AccountByNumber with Redis down = %+v, %v", acc, err)
	}
	if _, err := c.Arrears(ctx, acc.ID, today); err != nil {
		t.Errorf("Arrears with Redis down: %v", err)
	}
}

// TestRemindersAreCachedUntilARecordOrAReport: the customer's notices list is cached per account like
// the other account reads, and a recorded reminder or a delivery report shows in it at once; the
// run's re-check (ArrearsAccount) always reaches the database.
func TestRemindersAreCachedUntilARecordOrAReport(t *testing.T) {
	c, inner := setup(t, redistest.URL(t, redistest.DBCoreCache))
	ctx := context.Background()
	acc, err := c.AccountByNumber(ctx, "3100000001")
	if err != nil {
		t.Fatal(err)
	}
	other, err := c.AccountByNumber(ctx, "3100000002")
	if err != nil {
		t.Fatal(err)
	}
	list := func(id int64) ([]store.Reminder, int) {
		t.Helper()
		rs, total, err := c.Reminders(ctx, id, store.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		return rs, total
	}
	reaching := func(t *testing.T, want int64, read func()) {
		t.Helper()
		before := inner.calls.Load()
		read()
		if n := inner.calls.Load() - before; n != want {
			t.Errorf("%d calls reached the database, want %d", n, want)
		}
	}

	var before []store.Reminder
	reaching(t, 1, func() { before, _ = list(acc.ID) })
	reaching(t, 0, func() {
		if again, _ := list(acc.ID); !reflect.DeepEqual(again, before) {
			t.Errorf("cached Reminders = %+v, want %+v", again, before)
		}
	})
	reaching(t, 1, func() { list(other.ID) })

	r := store.Reminder{AccountID: acc.ID, Stage: "overdue_1", Channel: "tencent", RemindOn: today,
		SentAt: today.Add(time.Hour), Amount: 10100, Recipient: "138****8000", Content: "电费已逾期",
		Status: billing.ReminderSent, MessageID: "2433:cache"}
	rec, created, err := c.RecordReminder(ctx, r)
	if err != nil || !created {
		t.Fatalf("RecordReminder = %v, %v", created, err)
	}
	reaching(t, 1, func() {
		after, total := list(acc.ID)
		if total != len(before)+1 || !reflect.DeepEqual(after[0], rec) {
			t.Errorf("after recording: %d reminders, newest %+v; want %d, newest %+v", total, after[0], len(before)+1, rec)
		}
	})
	reaching(t, 0, func() { list(other.ID) }) // another account's answers stay

	delivered, err := c.MarkReminderDelivered(ctx, "tencent", "2433:cache", today.Add(2*time.Hour))
	if err != nil || delivered.Status != billing.ReminderDelivered {
		t.Fatalf("MarkReminderDelivered = %+v, %v", delivered, err)
	}
	reaching(t, 1, func() {
		if after, _ := list(acc.ID); after[0].Status != billing.ReminderDelivered {
			t.Errorf("after the delivery report the list says %s", after[0].Status)
		}
	})

	lost := r
	lost.Stage, lost.MessageID = "overdue_15", "2433:lost"
	if _, created, err := c.RecordReminder(ctx, lost); err != nil || !created {
		t.Fatalf("RecordReminder = %v, %v", created, err)
	}
	reaching(t, 1, func() { list(acc.ID) })
	failed, err := c.MarkReminderUndelivered(ctx, "tencent", "2433:lost", "MK:0001", today.Add(3*time.Hour))
	if err != nil || failed.Status != billing.ReminderFailed {
		t.Fatalf("MarkReminderUndelivered = %+v, %v", failed, err)
	}
	reaching(t, 1, func() {
		if after, _ := list(acc.ID); after[0].Status != billing.ReminderFailed || after[0].ErrorCode != "MK:0001" {
			t.Errorf("after the report of a lost message the list says %+v", after[0])
		}
	})

	reaching(t, 2, func() {
		for range 2 {
			a, err := c.ArrearsAccount(ctx, acc.ID)
			if err != nil || a.ID != acc.ID || len(a.Reminders) == 0 {
				t.Errorf("ArrearsAccount = %+v, %v", a, err)
			}
		}
	})
	if _, err := c.ArrearsAccount(ctx, 999_999); !errors.Is(err, billing.ErrNotFound) {
		t.Errorf("ArrearsAccount of no account = %v, want ErrNotFound", err)
	}
	if _, err := c.MarkReminderDelivered(ctx, "tencent", "2433:none", today); !errors.Is(err, billing.ErrNotFound) {
		t.Errorf("MarkReminderDelivered of an unknown message = %v, want ErrNotFound", err)
	}
	if _, err := c.MarkReminderUndelivered(ctx, "tencent", "2433:none", "MK:0001", today); !errors.Is(err, billing.ErrNotFound) {
		t.Errorf("MarkReminderUndelivered of an unknown message = %v, want ErrNotFound", err)
	}
}

// TestAdjustmentShowsAtOnce: a bill adjustment posted through the cache drops the account's cached
// bill and arrears, so the customer sees the bill reduced at once; the adjustment lists pass through.
func TestAdjustmentShowsAtOnce(t *testing.T) {
	c, _ := setup(t, redistest.URL(t, redistest.DBCoreCache))
	ctx := context.Background()
	var (
		acc  store.Account
		open []billing.BillBalance
	)
	for _, no := range []string{"3100000001", "3100000002", "3100000003", "3100000004", "3100000005"} {
		a, err := c.AccountByNumber(ctx, no)
		if err != nil {
			t.Fatal(err)
		}
		if open, err = c.OpenBills(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if len(open) > 0 && open[0].OpenPrincipal() > 100 {
			acc = a
			break
		}
	}
	if acc.ID == 0 {
		t.Fatal("the demo county has no account with an open bill")
	}
	bill := open[0]
	before, err := c.Bill(ctx, acc.ID, bill.ID)
	if err != nil {
		t.Fatal(err)
	}
	owed, err := c.Arrears(ctx, acc.ID, today)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := c.PostAdjustment(ctx, store.Adjustment{No: "AJ0000000001", AccountNo: acc.No, BillID: bill.ID,
		Kind: store.AdjustPrincipal, Amount: 100, Reason: "抄表错误", On: today})
	if err != nil || rec.AccountID != acc.ID {
		t.Fatalf("PostAdjustment = %+v, %v", rec, err)
	}
	after, err := c.Bill(ctx, acc.ID, bill.ID)
	if err != nil || after.Balance.Principal != before.Balance.Principal-100 || !reflect.DeepEqual(after.Adjustments, []store.AdjustmentRecord{rec}) {
		t.Errorf("Bill after the adjustment: principal %s (was %s), adjustments %+v, %v",
			after.Balance.Principal, before.Balance.Principal, after.Adjustments, err)
	}
	if now, err := c.Arrears(ctx, acc.ID, today); err != nil || now.Principal != owed.Principal-100 {
		t.Errorf("Arrears after the adjustment: principal %s, was %s, %v", now.Principal, owed.Principal, err)
	}
	list, total, err := c.Adjustments(ctx, acc.ID, store.Page{})
	if err != nil || total != 1 || !reflect.DeepEqual(list, []store.AdjustmentRecord{rec}) {
		t.Errorf("Adjustments = %+v, %d, %v", list, total, err)
	}
	of, err := c.BillAdjustments(ctx, acc.ID, bill.ID)
	if err != nil || !reflect.DeepEqual(of, []store.AdjustmentRecord{rec}) {
		t.Errorf("BillAdjustments = %+v, %v", of, err)
	}
}
