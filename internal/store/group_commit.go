package store

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// groupCommit lets concurrent calls share a transaction, so that one commit (on SQLite, one write
// of the WAL and the one writer's turn) serves several of them. A call that finds fewer than slots
// batches running leads one: it takes every call waiting at that moment (at most max, oldest first,
// itself among them) and runs them; the others wait, and when a batch ends its leader hands the
// calls that queued meanwhile to the first of them, who leads the next batch. A call returns only
// when the batch that held it has ended, so its caller answers no one before that commit. A call
// waits for its batch whatever its context says: the batch's transaction ends by the earliest
// deadline among its calls (batchContext), and a call left waiting would not know whether its work
// was committed.
type groupCommit[T any] struct {
	mu      sync.Mutex
	queue   []*groupCall[T]
	running int
}

// batchSlots is how many batches of one kind a process runs at once: one. On SQLite writers take
// turns anyway; on the SQL Server engine the tests use, transactions that take named locks side by
// side slow each other down (measured with 8 callbacks in flight: 113 callbacks/s with one batch at
// a time, 76 with two, 38 with each callback in its own transaction). A web tier of several
// processes still runs several batches at once.
const batchSlots = 1

type groupCall[T any] struct {
	v T
	// wake is sent nil when the call's batch has ended, or the batch this call is to lead.
	wake chan []*groupCall[T]
}

// do runs v in a batch: run gets the values of a batch and must record each one's outcome in it
// before it returns (or panics). slots is how many batches may run at once, max the most calls a
// batch takes.
func (g *groupCommit[T]) do(v T, slots, max int, run func([]T)) {
	c := &groupCall[T]{v: v, wake: make(chan []*groupCall[T], 1)}
	g.mu.Lock()
	g.queue = append(g.queue, c)
	if g.running >= slots {
		g.mu.Unlock()
		batch := <-c.wake
		if batch == nil {
			return
		}
		g.lead(c, batch, max, run)
		return
	}
	g.running++
	batch := g.takeLocked(max)
	g.mu.Unlock()
	g.lead(c, batch, max, run)
}

// takeLocked takes the oldest calls waiting, at most max of them.
func (g *groupCommit[T]) takeLocked(max int) []*groupCall[T] {
	n := min(len(g.queue), max)
	batch := g.queue[:n:n]
	g.queue = g.queue[n:]
	if len(g.queue) == 0 {
		g.queue = nil
	}
	return batch
}

// transactTogether does the work of several calls in one transaction of db, in their order, and
// reports whether it committed; with fewer than two calls it does nothing and reports false. The
// caller then does each call alone, in a transaction of its own: also after a failure here, so
// that one call's failure never costs another its work. ctxOf is a call's own context.
func transactTogether[C any](db *DB, calls []C, ctxOf func(C) context.Context, work func(context.Context, *sql.Tx, C) error) bool {
	if len(calls) < 2 {
		return false
	}
	ctxs := make([]context.Context, len(calls))
	for i, c := range calls {
		ctxs[i] = ctxOf(c)
	}
	ctx, cancel := batchContext(ctxs)
	defer cancel()
	return db.Transact(ctx, func(tx *sql.Tx) error {
		for _, c := range calls {
			if err := work(ctx, tx, c); err != nil {
				return err
			}
		}
		return nil
	}) == nil
}

// batchContext is the context of a transaction that serves several callers: no one caller's
// cancellation ends it (a provider that hangs up must not roll back the others' work), but the
// earliest of their deadlines does, so that none of them waits on a lock longer than it allowed.
func batchContext(ctxs []context.Context) (context.Context, context.CancelFunc) {
	ctx := context.WithoutCancel(ctxs[0])
	var first time.Time
	for _, c := range ctxs {
		if d, ok := c.Deadline(); ok && (first.IsZero() || d.Before(first)) {
			first = d
		}
	}
	if first.IsZero() {
		return ctx, func() {}
	}
	return context.WithDeadline(ctx, first)
}

// lead runs batch, which holds self, then wakes its other calls and hands the next batch on: also
// when run panics, so that no call waits for ever.
func (g *groupCommit[T]) lead(self *groupCall[T], batch []*groupCall[T], max int, run func([]T)) {
	defer func() {
		for _, c := range batch {
			if c != self {
				c.wake <- nil
			}
		}
		g.mu.Lock()
		next := g.takeLocked(max)
		if len(next) == 0 {
			g.running--
		}
		g.mu.Unlock()
		if len(next) > 0 {
			next[0].wake <- next
		}
	}()
	vs := make([]T, len(batch))
	for i, c := range batch {
		vs[i] = c.v
	}
	run(vs)
}
