package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gridpay/internal/billing"
)

// RequeuePosting arms the outbox of a PAID order again, for staff who see its posting stuck: the
// row is unacknowledged with its attempts reset (or written, when the order had none), and the
// audit row a is written in the same transaction. It returns the outbox row's id, for the caller
// to queue payment:post with (payments.QueuePosting); should that fail, the sweeper queues it. An
// order in any other status is billing.ErrConflict; the core database's key on channel and order
// number keeps a second posting from crediting twice.
func (p *Portal) RequeuePosting(ctx context.Context, orderID int64, a Audit) (int64, error) {
	fail := func(err error) (int64, error) {
		return 0, fmt.Errorf("store: requeue posting of order %d: %w", orderID, err)
	}
	a.Action, a.Target, a.Before, a.After = "payment.repost", fmt.Sprintf("order:%d", orderID), "{}", "{}"
	if err := validateAudit(a); err != nil {
		return fail(err)
	}
	now := p.now().UTC().Truncate(time.Millisecond)
	var outboxID int64
	err := p.db.Transact(ctx, func(tx *sql.Tx) error {
		o, err := p.lockedOrder(ctx, tx, "id = @id", sql.Named("id", orderID))
		if err != nil {
			return err
		}
		if o.Status != billing.OrderPaid {
			return fmt.Errorf("order is %s: only a PAID order is posted: %w", o.Status, billing.ErrConflict)
		}
		if err := p.armOutbox(ctx, tx, OutboxPostPayment, o.ID, now); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT id FROM outbox WHERE kind = @kind AND order_id = @order`,
			sql.Named("kind", OutboxPostPayment), sql.Named("order", o.ID)).Scan(&outboxID); err != nil {
			return err
		}
		a.Target, a.Before, a.After = "order:"+o.OutTradeNo, stateOf(o), stateOf(o)
		return p.insertAudit(ctx, tx, now, a)
	})
	if err != nil {
		return fail(err)
	}
	return outboxID, nil
}
