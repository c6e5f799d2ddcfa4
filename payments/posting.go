package payments

import (
	"context"
	"log/slog"
)

// Enqueuer queues the posting of a paid order; the worker package implements it.
type Enqueuer interface {
	EnqueuePaymentPost(ctx context.Context, orderID, outboxID int64) error
}

// QueuePosting queues payment:post for an order that a committed transaction made ready to post (a
// callback, the active query or reconciliation marked it paid) and for the outbox row written with
// it. An outboxID of 0 means the transaction wrote none (a duplicate, or money already on its
// way): nothing is queued.
//
// A failure to queue (Redis away) is returned, and logged as a warning when log is not nil, but it
// loses nothing: the outbox row is committed and the outbox sweeper queues it again, so callers
// that answer a provider or record a statement go on as if it were queued. The sweeper passes a nil
// log and reports the error itself.
func QueuePosting(ctx context.Context, e Enqueuer, log *slog.Logger, orderID, outboxID int64) error {
	if outboxID == 0 {
		return nil
	}
	err := e.EnqueuePaymentPost(ctx, orderID, outboxID)
	if err != nil && log != nil {
		log.Warn("payment:post not queued; the outbox sweeper will", "order_id", orderID, "outbox_id", outboxID, "err", err)
	}
	return err
}
