// Package corecache keeps the core marketing database's answers to the portal in Redis, so that a
// crowd at month end does not hammer the utility's database. It wraps a store.CoreDB and is one
// itself: reads are cached per account with a version number that a payment bumps, so a posted
// payment shows at once on every web process; writes go straight through. Portal does the same for
// the portal database's answers that every signed-in view asks (bindings, payments in flight).
//
// In front of Redis, each process may keep decoded answers in its own memory for a few seconds
// (Local): a change drops them on every process over Redis pub/sub.
package corecache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

// TTL bounds how long an answer is kept even without a payment: the core database also changes
// by itself (new bills, counter payments, address changes).
const TTL = 10 * time.Minute

const prefix = "gridpay:cache:"

// Core is a store.CoreDB that reads through Redis.
type Core struct {
	tiers
	next store.CoreDB
}

// tiers are the cache's Redis tier and, when there is one, the process's local tier, with the
// counts of reads they answered and of those that went on to the database.
type tiers struct {
	rdb          redis.UniversalClient
	log          *slog.Logger
	local        *Local // nil: Redis only
	channel      string // where invalidations are published
	hits, misses atomic.Int64
}

// Stats returns how many reads the cache answered and how many went on to the core database.
func (c *Core) Stats() (hits, misses int64) { return c.hits.Load(), c.misses.Load() }

var _ store.CoreDB = (*Core)(nil)

// New wraps next with a cache in rdb.
func New(next store.CoreDB, rdb redis.UniversalClient, log *slog.Logger) *Core {
	return &Core{next: next, tiers: tiers{rdb: rdb, log: log, channel: channelOf(rdb)}}
}

// UseLocal puts local, the process's own tier, in front of Redis; it is called once, before c
// serves.
func (c *Core) UseLocal(local *Local) { c.local = local }

// Invalidate drops every cached answer about the account, in Redis and in every process's local
// tier: the next read asks the database.
func (c *Core) Invalidate(ctx context.Context, accountID int64) error {
	err := invalidate(ctx, c.rdb, c.local, c.channel, accountSubject(accountID), func(p redis.Pipeliner) {
		p.Incr(ctx, versionKey(accountID))
	})
	if err != nil {
		return fmt.Errorf("corecache: invalidate account %d: %w", accountID, err)
	}
	return nil
}

func versionKey(accountID int64) string { return fmt.Sprintf("%sv:%d", prefix, accountID) }

// accountSubject is what the local tier keeps an account's answers under, and what Invalidate
// publishes.
func accountSubject(accountID int64) string { return fmt.Sprintf("a:%d", accountID) }

// cached answers what under subject from the local tier, else from Redis under the key that key
// names (which may itself read Redis, so it is asked only now), else calls load and keeps its
// answer in both, in Redis for ttl. Redis trouble never fails a read: the database answers and the
// trouble is logged.
func cached[T any](ctx context.Context, c *tiers, subject, what string, ttl time.Duration, key func() string,
	load func() (T, error)) (T, error) {
	if v, ok := c.local.get(subject, what); ok {
		c.hits.Add(1)
		return v.(T), nil
	}
	epoch := c.local.begin()
	v, hit, err := throughRedis(ctx, c.rdb, c.log, key(), ttl, load)
	c.count(hit)
	if err == nil {
		c.local.put(epoch, subject, what, v)
	}
	return v, err
}

// throughRedis answers from Redis under key, or calls load and keeps its answer there for ttl;
// hit says which.
func throughRedis[T any](ctx context.Context, rdb redis.UniversalClient, log *slog.Logger, key string, ttl time.Duration,
	load func() (T, error)) (v T, hit bool, err error) {
	if b, err := rdb.Get(ctx, key).Bytes(); err == nil {
		if err := json.Unmarshal(b, &v); err == nil {
			return v, true, nil
		}
	} else if !errors.Is(err, redis.Nil) {
		log.Warn("cache read failed; asking the database", "err", err)
	}
	if v, err = load(); err != nil {
		return v, false, err
	}
	if b, err := json.Marshal(v); err == nil {
		if err := rdb.Set(ctx, key, b, ttl).Err(); err != nil {
			log.Warn("cache write failed", "err", err)
		}
	}
	return v, false, nil
}

// version reads a version counter; trouble reads as 0, and is logged.
func version(ctx context.Context, rdb redis.UniversalClient, log *slog.Logger, key string) int64 {
	v, err := rdb.Get(ctx, key).Int64()
	if err != nil && !errors.Is(err, redis.Nil) {
		log.Warn("cache version read failed", "err", err)
	}
	return v
}

// forAccount answers what about one account through the tiers, in Redis under the account's
// current version.
func forAccount[T any](ctx context.Context, c *Core, accountID int64, what string, load func() (T, error)) (T, error) {
	return cached(ctx, &c.tiers, accountSubject(accountID), what, TTL, func() string {
		return fmt.Sprintf("%sa:%d:%d:%s", prefix, accountID, version(ctx, c.rdb, c.log, versionKey(accountID)), what)
	}, load)
}

// AccountByNumber implements store.CoreDB.
func (c *Core) AccountByNumber(ctx context.Context, accountNo string) (store.Account, error) {
	return cached(ctx, &c.tiers, "n:"+accountNo, "account", TTL, func() string { return prefix + "no:" + accountNo },
		func() (store.Account, error) { return c.next.AccountByNumber(ctx, accountNo) })
}

// AccountsByPhone implements store.CoreDB.
func (c *Core) AccountsByPhone(ctx context.Context, phone string) ([]store.Account, error) {
	return cached(ctx, &c.tiers, "p:"+phone, "accounts", TTL, func() string { return prefix + "phone:" + phone },
		func() ([]store.Account, error) { return c.next.AccountsByPhone(ctx, phone) })
}

type billsPage struct {
	Bills []store.Bill
	Total int
}

// Bills implements store.CoreDB.
func (c *Core) Bills(ctx context.Context, accountID int64, page store.Page) ([]store.Bill, int, error) {
	p, err := forAccount(ctx, c, accountID, fmt.Sprintf("bills:%d:%d", page.Limit, page.Offset), func() (billsPage, error) {
		bills, total, err := c.next.Bills(ctx, accountID, page)
		return billsPage{bills, total}, err
	})
	return p.Bills, p.Total, err
}

// Bill implements store.CoreDB.
func (c *Core) Bill(ctx context.Context, accountID, billID int64) (store.BillDetail, error) {
	return forAccount(ctx, c, accountID, fmt.Sprintf("bill:%d", billID), func() (store.BillDetail, error) {
		return c.next.Bill(ctx, accountID, billID)
	})
}

// Usage implements store.CoreDB.
func (c *Core) Usage(ctx context.Context, accountID int64, months, days int, asOf time.Time) (store.Usage, error) {
	what := fmt.Sprintf("usage:%d:%d:%s", months, days, asOf.Format("20060102"))
	return forAccount(ctx, c, accountID, what, func() (store.Usage, error) { return c.next.Usage(ctx, accountID, months, days, asOf) })
}

// Arrears implements store.CoreDB.
func (c *Core) Arrears(ctx context.Context, accountID int64, asOf time.Time) (store.Arrears, error) {
	return forAccount(ctx, c, accountID, "arrears:"+asOf.Format("20060102"), func() (store.Arrears, error) { return c.next.Arrears(ctx, accountID, asOf) })
}

// OpenBills implements store.CoreDB.
func (c *Core) OpenBills(ctx context.Context, accountID int64) ([]billing.BillBalance, error) {
	return forAccount(ctx, c, accountID, "open", func() ([]billing.BillBalance, error) {
		return c.next.OpenBills(ctx, accountID)
	})
}

// PostPayment implements store.CoreDB: it posts, then drops the account's cached answers.
func (c *Core) PostPayment(ctx context.Context, p store.Payment) (store.Receipt, error) {
	r, err := c.next.PostPayment(ctx, p)
	if err != nil {
		return r, err
	}
	if err := c.Invalidate(ctx, r.AccountID); err != nil {
		// The payment is posted; the cache's TTL will catch up. Say so loudly.
		c.log.Error("cache not invalidated after a payment", "account_id", r.AccountID, "err", err)
	}
	return r, nil
}

// RecordReminder implements store.CoreDB: it records, then drops the account's cached answers, so
// that the customer's notices list shows the reminder the proof holds.
func (c *Core) RecordReminder(ctx context.Context, r store.Reminder) (store.Reminder, bool, error) {
	rec, created, err := c.next.RecordReminder(ctx, r)
	if err != nil || !created {
		return rec, created, err
	}
	if err := c.Invalidate(ctx, rec.AccountID); err != nil {
		// The reminder is on record; the cache's TTL will catch up.
		c.log.Error("cache not invalidated after a reminder", "account_id", rec.AccountID, "err", err)
	}
	return rec, created, nil
}

// MarkReminderDelivered implements store.CoreDB: it passes the delivery report through, then drops
// the account's cached answers.
func (c *Core) MarkReminderDelivered(ctx context.Context, channel, messageID string, at time.Time) (store.Reminder, error) {
	r, err := c.next.MarkReminderDelivered(ctx, channel, messageID, at)
	if err != nil {
		return r, err
	}
	if err := c.Invalidate(ctx, r.AccountID); err != nil {
		c.log.Error("cache not invalidated after a delivery report", "account_id", r.AccountID, "err", err)
	}
	return r, nil
}

// MarkReminderUndelivered implements store.CoreDB: it passes the report of a reminder that never
// arrived through, then drops the account's cached answers, so that the customer's notices list
// says so.
func (c *Core) MarkReminderUndelivered(ctx context.Context, channel, messageID, code string, at time.Time) (store.Reminder, error) {
	r, err := c.next.MarkReminderUndelivered(ctx, channel, messageID, code, at)
	if err != nil {
		return r, err
	}
	if err := c.Invalidate(ctx, r.AccountID); err != nil {
		c.log.Error("cache not invalidated after a delivery report", "account_id", r.AccountID, "err", err)
	}
	return r, nil
}

type remindersPage struct {
	Reminders []store.Reminder
	Total     int
}

// Reminders implements store.CoreDB.
func (c *Core) Reminders(ctx context.Context, accountID int64, page store.Page) ([]store.Reminder, int, error) {
	p, err := forAccount(ctx, c, accountID, fmt.Sprintf("reminders:%d:%d", page.Limit, page.Offset), func() (remindersPage, error) {
		rs, total, err := c.next.Reminders(ctx, accountID, page)
		return remindersPage{rs, total}, err
	})
	return p.Reminders, p.Total, err
}

// CountOverdueAccounts implements store.CoreDB, uncached, for the arrears run's progress.
func (c *Core) CountOverdueAccounts(ctx context.Context, dueBy time.Time, lowBalance billing.Money) (int, error) {
	return c.next.CountOverdueAccounts(ctx, dueBy, lowBalance)
}

// OverdueAccounts implements store.CoreDB, uncached: the arrears run streams them once a day, and
// decides on what the core database holds now.
func (c *Core) OverdueAccounts(ctx context.Context, dueBy time.Time, lowBalance billing.Money, after int64, limit int) ([]store.ArrearsAccount, error) {
	return c.next.OverdueAccounts(ctx, dueBy, lowBalance, after, limit)
}

// ArrearsAccount implements store.CoreDB, uncached: the arrears run reads it just before sending,
// and a payment posted a moment ago must stop the reminder.
func (c *Core) ArrearsAccount(ctx context.Context, accountID int64) (store.ArrearsAccount, error) {
	return c.next.ArrearsAccount(ctx, accountID)
}

type receiptsPage struct {
	Receipts []store.Receipt
	Total    int
}

// Receipts implements store.CoreDB.
func (c *Core) Receipts(ctx context.Context, accountID int64, page store.Page) ([]store.Receipt, int, error) {
	p, err := forAccount(ctx, c, accountID, fmt.Sprintf("receipts:%d:%d", page.Limit, page.Offset), func() (receiptsPage, error) {
		rs, total, err := c.next.Receipts(ctx, accountID, page)
		return receiptsPage{rs, total}, err
	})
	return p.Receipts, p.Total, err
}

// ReverseReceipt implements store.CoreDB: it reverses, then drops the account's cached answers.
func (c *Core) ReverseReceipt(ctx context.Context, channel, orderNo, ref string) (store.Receipt, error) {
	r, err := c.next.ReverseReceipt(ctx, channel, orderNo, ref)
	if err != nil {
		return r, err
	}
	if err := c.Invalidate(ctx, r.AccountID); err != nil {
		c.log.Error("cache not invalidated after a reversal", "account_id", r.AccountID, "err", err)
	}
	return r, nil
}

// ReceiptOf implements store.CoreDB, uncached: reconciliation wants the database's word.
func (c *Core) ReceiptOf(ctx context.Context, channel, orderNo string) (store.Receipt, error) {
	return c.next.ReceiptOf(ctx, channel, orderNo)
}

// PostAdjustment implements store.CoreDB: it posts a bill adjustment, then drops the account's
// cached answers, so that the bill, the arrears and the prepaid balance show it at once. Posting
// an adjustment already on record invalidates again, which is harmless: a retried task may be
// the one whose first run failed to.
func (c *Core) PostAdjustment(ctx context.Context, a store.Adjustment) (store.AdjustmentRecord, error) {
	r, err := c.next.PostAdjustment(ctx, a)
	if err != nil {
		return r, err
	}
	if err := c.Invalidate(ctx, r.AccountID); err != nil {
		// The adjustment is posted; the cache's TTL will catch up. Say so loudly.
		c.log.Error("cache not invalidated after an adjustment", "account_id", r.AccountID, "err", err)
	}
	return r, nil
}

type adjustmentsPage struct {
	Adjustments []store.AdjustmentRecord
	Total       int
}

// Adjustments implements store.CoreDB.
func (c *Core) Adjustments(ctx context.Context, accountID int64, page store.Page) ([]store.AdjustmentRecord, int, error) {
	p, err := forAccount(ctx, c, accountID, fmt.Sprintf("adjustments:%d:%d", page.Limit, page.Offset), func() (adjustmentsPage, error) {
		list, total, err := c.next.Adjustments(ctx, accountID, page)
		return adjustmentsPage{list, total}, err
	})
	return p.Adjustments, p.Total, err
}

// BillAdjustments implements store.CoreDB.
func (c *Core) BillAdjustments(ctx context.Context, accountID, billID int64) ([]store.AdjustmentRecord, error) {
	return forAccount(ctx, c, accountID, fmt.Sprintf("bill-adjustments:%d", billID), func() ([]store.AdjustmentRecord, error) {
		return c.next.BillAdjustments(ctx, accountID, billID)
	})
}
