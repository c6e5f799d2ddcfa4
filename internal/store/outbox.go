package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"

	"gridpay/internal/billing"
)

// OutboxPostPayment is the outbox kind that has a paid order posted to the core database; it is
// also the name of the worker task that does it.
const OutboxPostPayment = "payment:post"

// maxOutboxError bounds the last error kept on an outbox row, in UTF-16 code units.
const maxOutboxError = 1000

// OutboxItem is work committed together with an order change, kept until a worker acknowledges it:
// Redis may lose a task, the outbox does not.
type OutboxItem struct {
	ID        int64
	Kind      string // OutboxPostPayment
	OrderID   int64
	CreatedAt time.Time
	Attempts  int    // how many times a worker tried and failed
	LastError string // the last failure, "" when none
}

// insertOutbox writes an outbox row inside the transaction of the change it belongs to.
func (p *Portal) insertOutbox(ctx context.Context, tx *sql.Tx, kind string, orderID int64, now time.Time) (int64, error) {
	var id int64
	err := p.db.queryRow(ctx, tx, p.db.dialect.insertID("outbox", "kind, order_id, created_at, attempts, last_error",
		"@kind, @order, @at, 0, ''"),
		sql.Named("kind", kind), sql.Named("order", orderID), sql.Named("at", timestamp(now))).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("outbox %s for order %d: %w", kind, orderID, err)
	}
	return id, nil
}

// UnackedOutbox returns outbox rows not yet acknowledged and created before olderThan, oldest
// first, at most limit of them (100 when limit is 0 or less, never more than 1000). The sweeper
// enqueues their tasks again; olderThan leaves alone the rows whose first enqueue may still be on
// its way.
func (p *Portal) UnackedOutbox(ctx context.Context, olderThan time.Time, limit int) ([]OutboxItem, error) {
	rows, err := p.db.QueryContext(ctx, `SELECT id, kind, order_id, created_at, attempts, last_error FROM outbox
WHERE acked_at IS NULL AND created_at < @before ORDER BY created_at, id`+p.db.dialect.page("@limit", "@offset"),
		sql.Named("before", timestamp(olderThan)), sql.Named("limit", listLimit(limit)), sql.Named("offset", 0))
	if err != nil {
		return nil, fmt.Errorf("store: unacknowledged outbox: %w", err)
	}
	items, err := collect(rows, func(row rowScanner) (OutboxItem, error) {
		var (
			it OutboxItem
			at timestamp
		)
		err := row.Scan(&it.ID, &it.Kind, &it.OrderID, &at, &it.Attempts, &it.LastError)
		it.CreatedAt = time.Time(at)
		return it, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: unacknowledged outbox: %w", err)
	}
	return items, nil
}

// AckOutbox acknowledges outbox row id: its work is done and the sweeper leaves it alone.
// Acknowledging twice keeps the first time; a missing row is billing.ErrNotFound.
func (p *Portal) AckOutbox(ctx context.Context, id int64) error {
	if err := p.ackOutbox(ctx, p.db, id, p.now().UTC()); err != nil {
		return fmt.Errorf("store: ack outbox %d: %w", id, err)
	}
	return nil
}

// ackOutbox is AckOutbox on q, a transaction or the database.
func (p *Portal) ackOutbox(ctx context.Context, q querier, id int64, now time.Time) error {
	res, err := p.db.exec(ctx, q, `UPDATE outbox SET acked_at = @at WHERE id = @id AND acked_at IS NULL`,
		sql.Named("at", timestamp(now)), sql.Named("id", id))
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err == nil && n == 0 {
		var exists int
		err = p.db.queryRow(ctx, q, `SELECT COUNT(*) FROM outbox WHERE id = @id`, sql.Named("id", id)).Scan(&exists)
		if err == nil && exists == 0 {
			err = fmt.Errorf("outbox row %d: %w", id, billing.ErrNotFound)
		}
	}
	return err
}

// OutboxAttempt records a failed attempt at outbox row id's work: one more attempt, and cause as its
// last error (valid UTF-8, cut to 1000 characters). A missing row is billing.ErrNotFound.
func (p *Portal) OutboxAttempt(ctx context.Context, id int64, cause error) error {
	msg := ""
	if cause != nil {
		msg = outboxErrorText(cause.Error())
	}
	res, err := p.db.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, last_error = @msg WHERE id = @id`,
		sql.Named("msg", msg), sql.Named("id", id))
	if err != nil {
		return fmt.Errorf("store: outbox %d attempt: %w", id, err)
	}
	return p.outboxTouched(ctx, res, id, "attempt")
}

// outboxTouched turns an update that changed no row into billing.ErrNotFound when row id does not
// exist, and into nil when it does (an acknowledgement repeated).
func (p *Portal) outboxTouched(ctx context.Context, res sql.Result, id int64, op string) error {
	n, err := res.RowsAffected()
	if err == nil && n == 0 {
		var exists int
		err = p.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE id = @id`, sql.Named("id", id)).Scan(&exists)
		if err == nil && exists == 0 {
			err = billing.ErrNotFound
		}
	}
	if err != nil {
		return fmt.Errorf("store: outbox %d %s: %w", id, op, err)
	}
	return nil
}

// outboxErrorText makes an error message fit last_error: valid UTF-8 without NUL, at most
// maxOutboxError UTF-16 code units, cut on a rune boundary.
func outboxErrorText(s string) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
	if utf16Len(s) <= maxOutboxError {
		return s
	}
	n := 0
	for i, r := range s {
		w := utf16.RuneLen(r)
		if n+w > maxOutboxError {
			return s[:i]
		}
		n += w
	}
	return s
}
