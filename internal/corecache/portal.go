package corecache

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"gridpay/internal/store"
)

// InFlightTTL bounds how long Redis keeps whether an account has a payment in flight. Every change
// of an order that can start or end one drops it at once (store.PortalWatcher); the bound is
// shorter than TTL all the same, since the legal clock stops on it.
const InFlightTTL = time.Minute

// PortalDB is what Portal reads through: the portal store.
type PortalDB interface {
	Bindings(ctx context.Context, phone string) ([]string, error)
	InFlight(ctx context.Context, accountNo string) (bool, error)
}

// Portal keeps the portal database's answers that every view of a signed-in customer asks, which
// accounts are bound to the phone and whether an account has a payment in flight, in Redis and in
// the local tier, each under a version that a change moves on. It is the store's watcher
// (store.PortalWatcher): a binding made or removed, and an order paid, flagged, posted or resolved,
// drop what it kept at once, on every process.
type Portal struct {
	tiers
	next PortalDB
}

var _ store.PortalWatcher = (*Portal)(nil)

// NewPortal wraps next with a cache in rdb.
func NewPortal(next PortalDB, rdb redis.UniversalClient, log *slog.Logger) *Portal {
	return &Portal{next: next, tiers: tiers{rdb: rdb, log: log, channel: channelOf(rdb)}}
}

// UseLocal puts local, the process's own tier, in front of Redis; it is called once, before p
// serves.
func (p *Portal) UseLocal(local *Local) { p.local = local }

// Stats returns how many reads the cache answered and how many went on to the portal database.
func (p *Portal) Stats() (hits, misses int64) { return p.hits.Load(), p.misses.Load() }

func bindingsSubject(phone string) string   { return "b:" + phone }
func ordersSubject(accountNo string) string { return "o:" + accountNo }

// Bindings returns the account numbers bound to phone, as store.Portal.Bindings does.
func (p *Portal) Bindings(ctx context.Context, phone string) ([]string, error) {
	subject := bindingsSubject(phone)
	return cached(ctx, &p.tiers, subject, "bindings", TTL, func() string { return p.versioned(ctx, subject) }, func() ([]string, error) {
		return p.next.Bindings(ctx, phone)
	})
}

// InFlight reports whether the account has a payment in flight, as store.Portal.InFlight does.
func (p *Portal) InFlight(ctx context.Context, accountNo string) (bool, error) {
	subject := ordersSubject(accountNo)
	return cached(ctx, &p.tiers, subject, "in-flight", InFlightTTL, func() string { return p.versioned(ctx, subject) }, func() (bool, error) {
		return p.next.InFlight(ctx, accountNo)
	})
}

// count counts a read the Redis tier answered (hit) or one that went on to the database.
func (t *tiers) count(hit bool) {
	if hit {
		t.hits.Add(1)
	} else {
		t.misses.Add(1)
	}
}

// versioned names the Redis key of subject's answer under its current version: a reader that
// loaded from the database before a change keeps its answer under the version it read, which
// nobody reads again.
func (p *Portal) versioned(ctx context.Context, subject string) string {
	return fmt.Sprintf("%sportal:%s:%d", prefix, subject, version(ctx, p.rdb, p.log, p.versionKey(subject)))
}

func (p *Portal) versionKey(subject string) string { return prefix + "portal:v:" + subject }

// BindingsChanged implements store.PortalWatcher: the phone's bindings are read again, on every
// process.
func (p *Portal) BindingsChanged(ctx context.Context, phone string) {
	p.changed(ctx, bindingsSubject(phone))
}

// OrdersChanged implements store.PortalWatcher: whether the account has a payment in flight is
// read again, on every process.
func (p *Portal) OrdersChanged(ctx context.Context, accountNo string) {
	p.changed(ctx, ordersSubject(accountNo))
}

// changed moves subject's version on and publishes it. The change is committed by then; should
// Redis fail, the TTLs catch up, and the failure is logged loudly.
func (p *Portal) changed(ctx context.Context, subject string) {
	err := invalidate(ctx, p.rdb, p.local, p.channel, subject, func(pl redis.Pipeliner) {
		pl.Incr(ctx, p.versionKey(subject))
	})
	if err != nil {
		p.log.Error("portal cache not invalidated after a change", "subject", subject, "err", err)
	}
}
