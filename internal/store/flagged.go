package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gridpay/internal/billing"
)

// The timeline notes that say why markPaid flagged an order; FlaggedOrders reads its reasons back
// from them.
const (
	noteAmountMismatch = "amount mismatch"
	notePaidAfterClose = "paid after the order was closed"
)

// The reasons of a flagged order (FlaggedOrder.Reason).
const (
	// ReasonAmountMismatch: the provider reported another amount than the order asked; it waits for
	// staff, since nothing posts it by itself.
	ReasonAmountMismatch = "amount_mismatch"
	// ReasonPaidAfterClose: the money arrived after the order was closed, the amount asked. It is
	// posted by itself; it stays flagged only until then, or when posting is stuck.
	ReasonPaidAfterClose = "paid_after_close"
	// ReasonConflictingTxn: besides the flag, callbacks were kept for staff against the order (its
	// transaction reported again with another amount, or another transaction for it): see
	// OrderCallbacks before deciding.
	ReasonConflictingTxn = "conflicting_txn"
	// ReasonUnknownAccount is a bank collection for an account that does not exist. It has no order
	// and so never appears in FlaggedOrders: it is a CallbackConflict of kind ConflictUnknownAccount,
	// and the code is here for the staff page that shows both.
	ReasonUnknownAccount = "unknown_account"
	// ReasonOther: flagged for another reason; Detail says what the timeline says.
	ReasonOther = "other"
)

// FlaggedOrder is an order in status FLAGGED, waiting for staff, with why it was flagged.
type FlaggedOrder struct {
	Order     Order
	Reason    string // ReasonAmountMismatch, ReasonPaidAfterClose, ReasonConflictingTxn or ReasonOther
	Detail    string // the timeline's note of the flag, in English as the store writes it
	FlaggedAt time.Time
	// Conflicts is how many callbacks were kept for staff against the order.
	Conflicts int
}

// FlaggedOrders returns a page of the orders waiting for staff in status FLAGGED, newest first, and
// how many there are in all.
func (p *Portal) FlaggedOrders(ctx context.Context, page Page) ([]FlaggedOrder, int, error) {
	fail := func(err error) ([]FlaggedOrder, int, error) {
		return nil, 0, fmt.Errorf("store: flagged orders: %w", err)
	}
	page = page.normalized()
	flagged := sql.Named("flagged", string(billing.OrderFlagged))
	var total int
	if err := p.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM payment_orders WHERE status = @flagged`, flagged).Scan(&total); err != nil {
		return fail(err)
	}
	rows, err := p.db.QueryContext(ctx, orderSelect+` WHERE status = @flagged ORDER BY created_at DESC, id DESC`+
		p.db.dialect.page("@limit", "@offset"), flagged, sql.Named("limit", page.Limit), sql.Named("offset", page.Offset))
	if err != nil {
		return fail(err)
	}
	orders, err := collect(rows, scanOrder)
	if err != nil {
		return fail(err)
	}
	list := make([]FlaggedOrder, len(orders))
	for i, o := range orders {
		f, err := p.flagOf(ctx, o)
		if err != nil {
			return fail(err)
		}
		list[i] = f
	}
	return list, total, nil
}

// flagOf reads why order o was flagged: the note and time of the last move into FLAGGED, and the
// callbacks kept for staff against it. A page holds at most 100 orders, each read by its keys.
func (p *Portal) flagOf(ctx context.Context, o Order) (FlaggedOrder, error) {
	f := FlaggedOrder{Order: o, Reason: ReasonOther, FlaggedAt: o.UpdatedAt}
	var at timestamp
	err := p.db.QueryRowContext(ctx, `SELECT at, note FROM payment_events
WHERE order_id = @order AND to_status = @flagged AND from_status <> @flagged
ORDER BY id DESC`+p.db.dialect.page("@limit", "@offset"),
		sql.Named("order", o.ID), sql.Named("flagged", string(billing.OrderFlagged)),
		sql.Named("limit", 1), sql.Named("offset", 0)).Scan(&at, &f.Detail)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return FlaggedOrder{}, fmt.Errorf("order %d: %w", o.ID, err)
	default:
		f.FlaggedAt = time.Time(at)
	}
	if err := p.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM callback_conflicts WHERE out_trade_no = @out OR kept_out_trade_no = @out`,
		sql.Named("out", o.OutTradeNo)).Scan(&f.Conflicts); err != nil {
		return FlaggedOrder{}, fmt.Errorf("order %d: %w", o.ID, err)
	}
	switch {
	case f.Conflicts > 0:
		f.Reason = ReasonConflictingTxn
	case strings.Contains(f.Detail, noteAmountMismatch):
		f.Reason = ReasonAmountMismatch
	case strings.HasPrefix(f.Detail, notePaidAfterClose):
		f.Reason = ReasonPaidAfterClose
	}
	return f, nil
}

// FlagResolution is what staff decide for a flagged order: the moves billing's state machine allows
// out of FLAGGED, but for a refund through the provider (FLAGGED -> REFUNDING), which is the payment
// service's, since it calls the provider.
type FlagResolution string

// The resolutions of a flagged order.
const (
	// FlagPost accepts the money as it arrived: FLAGGED -> PAID with an outbox row, so that the
	// worker posts the amount paid as it posts a callback's. The order must have received money.
	FlagPost FlagResolution = "post"
	// FlagRefundOffline records money given back outside gridpay (at the counter, by bank
	// transfer): FLAGGED -> CLOSED. The order must have received money.
	FlagRefundOffline FlagResolution = "refund_offline"
	// FlagClose closes a flagged order that received no money: FLAGGED -> CLOSED.
	FlagClose FlagResolution = "close"
)

// orderState is an order as its audit rows show it.
type orderState struct {
	ID            int64               `json:"id"`
	OutTradeNo    string              `json:"out_trade_no"`
	AccountNo     string              `json:"account_no"`
	Channel       string              `json:"channel"`
	Status        billing.OrderStatus `json:"status"`
	AmountFen     billing.Money       `json:"amount_fen"`
	PaidFen       billing.Money       `json:"paid_fen,omitempty"`
	ProviderTxnID string              `json:"provider_txn_id,omitempty"`
}

func stateOf(o Order) string {
	b, _ := json.Marshal(orderState{ID: o.ID, OutTradeNo: o.OutTradeNo, AccountNo: o.AccountNo, Channel: o.Channel,
		Status: o.Status, AmountFen: o.Amount, PaidFen: o.PaidAmount, ProviderTxnID: o.ProviderTxnID})
	return string(b)
}

// ResolveFlagged carries out staff's decision r on flagged order orderID, with note as the reason,
// in one transaction: the order's conditional move and its timeline, the outbox row when the money
// is posted, and the audit row "payment.resolve" (the store fills its action, target, states and,
// when a.Reason is empty, its reason; who and where are the caller's). An order no longer FLAGGED,
// or a resolution that does not fit it (posting an order that received no money, closing one that
// did), is billing.ErrConflict and writes nothing. After FlagPost the outbox sweeper queues the
// posting within minutes; a caller may queue it at once for the order's id.
func (p *Portal) ResolveFlagged(ctx context.Context, orderID int64, r FlagResolution, note string, a Audit) (Order, error) {
	fail := func(err error) (Order, error) {
		return Order{}, fmt.Errorf("store: resolve flagged order %d: %w", orderID, err)
	}
	var prefix string
	switch r {
	case FlagPost:
		prefix = "staff accepted the payment: "
	case FlagRefundOffline:
		prefix = "staff refunded the payment outside gridpay: "
	case FlagClose:
		prefix = "staff closed the order: "
	default:
		return fail(fmt.Errorf("resolution %q: want post, refund_offline or close: %w", truncateText(string(r), 20), billing.ErrInvalid))
	}
	if !validAuditReason(note) {
		return fail(fmt.Errorf("note: want 1 to %d characters of text: %w", MaxAuditReason, billing.ErrInvalid))
	}
	a.Action, a.Target, a.Before, a.After = "payment.resolve", fmt.Sprintf("order:%d", orderID), "{}", "{}"
	if a.Reason == "" {
		a.Reason = note
	}
	if err := validateAudit(a); err != nil {
		return fail(err)
	}
	now := p.now().UTC().Truncate(time.Millisecond)
	var out Order
	err := p.db.Transact(ctx, func(tx *sql.Tx) error {
		o, err := p.lockedOrder(ctx, tx, "id = @id", sql.Named("id", orderID))
		if err != nil {
			return err
		}
		if o.Status != billing.OrderFlagged {
			return fmt.Errorf("order is %s: %w", o.Status, billing.ErrConflict)
		}
		paid := o.ProviderTxnID != ""
		to := billing.OrderClosed
		switch {
		case r == FlagClose && paid:
			return fmt.Errorf("order received %s: post or refund it: %w", o.PaidAmount, billing.ErrConflict)
		case r != FlagClose && !paid:
			return fmt.Errorf("order received no money: close it: %w", billing.ErrConflict)
		case r == FlagPost:
			to = billing.OrderPaid
		}
		if err := p.changeOrder(ctx, tx, o.ID, billing.OrderFlagged, to, truncateText(prefix+note, MaxOrderNote), orderChange{}, now); err != nil {
			return err
		}
		if r == FlagPost {
			if err := p.armOutbox(ctx, tx, OutboxPostPayment, o.ID, now); err != nil {
				return err
			}
		}
		if out, err = p.orderWhere(ctx, tx, "id = @id", sql.Named("id", o.ID)); err != nil {
			return err
		}
		a.Target, a.Before, a.After = "order:"+o.OutTradeNo, stateOf(o), stateOf(out)
		return p.insertAudit(ctx, tx, now, a)
	})
	if err != nil {
		return fail(err)
	}
	p.ordersChanged(ctx, out.AccountNo)
	return out, nil
}

// armOutbox writes an order's outbox row of kind inside tx, or, when the order has one already (a
// payment paid after close that the worker left to staff), makes it unacknowledged again, so that
// the sweeper queues it.
func (p *Portal) armOutbox(ctx context.Context, tx *sql.Tx, kind string, orderID int64, now time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE outbox SET acked_at = NULL, created_at = @at, attempts = 0, last_error = ''
WHERE kind = @kind AND order_id = @order`, sql.Named("at", timestamp(now)), sql.Named("kind", kind), sql.Named("order", orderID))
	if err != nil {
		return fmt.Errorf("outbox %s for order %d: %w", kind, orderID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n > 0 {
		return nil
	}
	_, err = p.insertOutbox(ctx, tx, kind, orderID, now)
	return err
}
