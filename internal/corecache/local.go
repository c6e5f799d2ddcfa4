package corecache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// LocalTTL bounds how long a process keeps an answer in its own memory. Changes made through
// gridpay reach every process at once over Redis pub/sub; the TTL is for what pub/sub cannot tell:
// a message lost while a process was reconnecting, and changes the core database makes by itself.
const LocalTTL = 5 * time.Second

// maxLocal bounds the local tier, and so a web process's memory (a bill in detail is a few
// kilobytes): past it, everything is dropped and the tier fills again. A few seconds of a busy
// month end's distinct reads fit.
const maxLocal = 20_000

// How the subscriber notices a connection that died without a word: it pings when it has heard
// nothing for pingEvery, and takes the connection for lost when nothing came for deadAfter.
const (
	pingEvery = time.Second
	deadAfter = 3 * time.Second
)

// Local is a process's own tier in front of the Redis one: decoded answers, kept for LocalTTL, so
// that a page view reads them without a round trip to Redis or a JSON decoding. Every change that
// drops an answer from Redis (a payment posted, a binding made, an order paid) is published on a
// Redis channel, and every process drops its copy when the message arrives. While a process is not
// subscribed (starting, or its subscription lost) it keeps and answers nothing locally, and it
// empties its tier when it subscribes again, so that a message it missed leaves nothing stale.
//
// Answers are shared between requests: callers must not modify what they get.
type Local struct {
	rdb     redis.UniversalClient
	log     *slog.Logger
	now     func() time.Time
	ttl     time.Duration
	channel string

	mu        sync.RWMutex
	live      bool   // subscribed: only then are answers kept and given
	epoch     uint64 // moves on at every drop, so that an answer read before it is not kept after it
	subjects  map[string]map[string]localEntry
	size      int
	nextSweep time.Time

	hits, subscriptions atomic.Int64
}

type localEntry struct {
	v       any
	expires time.Time
}

// NewLocal returns a local tier that listens on rdb once Run runs, keeping answers for ttl
// (LocalTTL in production) on the clock now.
func NewLocal(rdb redis.UniversalClient, log *slog.Logger, ttl time.Duration, now func() time.Time) *Local {
	return &Local{rdb: rdb, log: log, now: now, ttl: ttl, channel: channelOf(rdb), subjects: map[string]map[string]localEntry{}}
}

// channelOf names the channel of invalidations: pub/sub spans a Redis server's databases, the
// cached answers do not, so processes on another database number neither hear nor disturb these.
func channelOf(rdb redis.UniversalClient) string {
	if c, ok := rdb.(*redis.Client); ok {
		return fmt.Sprintf("%sinvalidate:%d", prefix, c.Options().DB)
	}
	return prefix + "invalidate"
}

// Stats returns how many reads the local tier answered, and how many times the process subscribed
// (the first time and after every lost connection).
func (l *Local) Stats() (hits, subscriptions int64) {
	if l == nil {
		return 0, 0
	}
	return l.hits.Load(), l.subscriptions.Load()
}

// Run listens for the subjects other processes drop until ctx ends.
func (l *Local) Run(ctx context.Context) {
	for ctx.Err() == nil {
		l.listen(ctx)
		l.flush(false)
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond): // then subscribe again
		}
	}
}

// listen subscribes and drops what each message names, until the subscription fails or goes
// silent.
func (l *Local) listen(ctx context.Context) {
	ps := l.rdb.Subscribe(ctx, l.channel)
	defer ps.Close()
	heard := time.Now() // the wall clock: this is about the connection, not about dates
	for {
		msg, err := ps.ReceiveTimeout(ctx, pingEvery)
		var ne net.Error
		switch {
		case ctx.Err() != nil:
			return
		case errors.As(err, &ne) && ne.Timeout():
			if time.Since(heard) > deadAfter {
				l.log.Warn("cache invalidations: no answer from Redis; subscribing again")
				return
			}
			if err := ps.Ping(ctx); err != nil {
				l.log.Warn("cache invalidations: ping failed; subscribing again", "err", err)
				return
			}
			continue
		case err != nil:
			l.log.Warn("cache invalidations: subscription lost; subscribing again", "err", err)
			return
		}
		heard = time.Now()
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				// Whatever was published while this process was not listening is lost: start empty.
				l.flush(true)
				l.subscriptions.Add(1)
			}
		case *redis.Message:
			l.drop(m.Payload)
		}
	}
}

// invalidate moves subject's version on with bump and tells every process listening on channel to
// drop its copies, in one round trip; then it drops local's own (local is nil when this process
// keeps none: it publishes all the same, since the others may keep one). The local drop comes after
// the version moved, so that no read in this process can keep an answer from before it.
func invalidate(ctx context.Context, rdb redis.UniversalClient, local *Local, channel, subject string,
	bump func(redis.Pipeliner)) error {
	_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		bump(p)
		p.Publish(ctx, channel, subject)
		return nil
	})
	if local != nil {
		local.drop(subject)
	}
	return err
}

// get returns the answer kept for what under subject.
func (l *Local) get(subject, what string) (any, bool) {
	if l == nil {
		return nil, false
	}
	now := l.now()
	l.mu.RLock()
	e, ok := l.subjects[subject][what]
	live := l.live
	l.mu.RUnlock()
	if !ok || !live || !now.Before(e.expires) {
		return nil, false
	}
	l.hits.Add(1)
	return e.v, true
}

// begin is called before reading an answer from Redis or the database: put keeps the answer only
// if nothing was dropped in between.
func (l *Local) begin() uint64 {
	if l == nil {
		return 0
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.epoch
}

// put keeps v for what under subject, unless something was dropped since begin said epoch.
func (l *Local) put(epoch uint64, subject, what string, v any) {
	if l == nil {
		return
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.live || l.epoch != epoch {
		return
	}
	if now.After(l.nextSweep) || l.size >= maxLocal {
		l.sweep(now)
	}
	m := l.subjects[subject]
	if m == nil {
		m = map[string]localEntry{}
		l.subjects[subject] = m
	}
	if _, ok := m[what]; !ok {
		l.size++
	}
	m[what] = localEntry{v: v, expires: now.Add(l.ttl)}
}

// sweep drops expired answers, or all of them when the tier is full; the caller holds mu.
func (l *Local) sweep(now time.Time) {
	l.nextSweep = now.Add(l.ttl)
	if l.size >= maxLocal {
		l.subjects, l.size = map[string]map[string]localEntry{}, 0
		return
	}
	for subject, m := range l.subjects {
		for what, e := range m {
			if !now.Before(e.expires) {
				delete(m, what)
				l.size--
			}
		}
		if len(m) == 0 {
			delete(l.subjects, subject)
		}
	}
}

// drop forgets every answer about subject.
func (l *Local) drop(subject string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.epoch++
	l.size -= len(l.subjects[subject])
	delete(l.subjects, subject)
}

// flush forgets everything; live says whether answers may be kept from now on.
func (l *Local) flush(live bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.epoch++
	l.live = live
	l.subjects, l.size = map[string]map[string]localEntry{}, 0
}
