package worker

import (
	"context"
	"log/slog"
	"time"

	"gridpay/internal/store"
	"gridpay/payments"
)

// OutboxSweeper queues again every payment whose outbox row is not acknowledged within Grace, and
// every approved dispute adjustment not yet posted: Redis here keeps nothing on disk, and a restart
// between a callback (or an approval) and its posting must lose nothing. Queuing twice is harmless:
// the task id is the order's (the action's).
type OutboxSweeper struct {
	Orders   *store.Portal
	Enqueuer *Enqueuer
	Grace    time.Duration // how long a row may wait for its task before it is queued again
	Every    time.Duration // how often to look
	Now      func() time.Time
	Log      *slog.Logger
}

// Sweep queues the overdue rows once and returns how many it queued.
func (s *OutboxSweeper) Sweep(ctx context.Context) (int, error) {
	items, err := s.Orders.UnackedOutbox(ctx, s.Now().Add(-s.Grace), 500)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, it := range items {
		if it.Kind != store.OutboxPostPayment {
			continue
		}
		// No log here: the first failure ends the sweep, and Run reports it.
		if err := payments.QueuePosting(ctx, s.Enqueuer, nil, it.OrderID, it.ID); err != nil {
			return n, err
		}
		n++
	}
	actions, err := s.Orders.ActionsToPost(ctx, 500)
	if err != nil {
		return n, err
	}
	for _, a := range actions {
		if a.DecidedAt.After(s.Now().Add(-s.Grace)) { // approved just now: its own task is likely on its way
			continue
		}
		if err := s.Enqueuer.EnqueueAdjustment(ctx, a.ID); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Run sweeps every Every until ctx ends.
func (s *OutboxSweeper) Run(ctx context.Context) {
	tick := time.NewTicker(s.Every)
	defer tick.Stop()
	for {
		if n, err := s.Sweep(ctx); err != nil {
			s.Log.Warn("outbox sweep failed", "err", err)
		} else if n > 0 {
			s.Log.Info("outbox sweep queued postings again", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
