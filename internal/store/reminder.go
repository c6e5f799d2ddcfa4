package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"gridpay/internal/billing"
)

// RecordReminder writes the proof of a reminder or notice sent to an account. Recording the same
// account, stage, day and channel again changes nothing and returns the first record with false.
func (c *Core) RecordReminder(ctx context.Context, r Reminder) (Reminder, bool, error) {
	r.RemindOn = billing.DateOf(r.RemindOn)
	r.SentAt = r.SentAt.UTC().Truncate(time.Millisecond)
	if err := validateReminder(r); err != nil {
		return Reminder{}, false, fmt.Errorf("store: record reminder: %w", err)
	}
	err := c.db.Transact(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, c.db.dialect.insertID("reminders",
			"account_id, stage, channel, remind_on, sent_at, amount_fen, recipient, content, status",
			"@acc, @stage, @channel, @on, @sent, @amount, @recipient, @content, @status"),
			sql.Named("acc", r.AccountID), sql.Named("stage", r.Stage), sql.Named("channel", r.Channel),
			sql.Named("on", date(r.RemindOn)), sql.Named("sent", timestamp(r.SentAt)), sql.Named("amount", r.Amount),
			sql.Named("recipient", r.Recipient), sql.Named("content", r.Content), sql.Named("status", r.Status)).Scan(&r.ID)
	})
	if c.db.dialect.duplicate(err) {
		first, err := c.reminder(ctx, r)
		return first, false, err
	}
	if c.db.dialect.missingParent(err) {
		return Reminder{}, false, fmt.Errorf("store: record reminder: account %d: %w", r.AccountID, billing.ErrNotFound)
	}
	if err != nil {
		return Reminder{}, false, fmt.Errorf("store: record reminder for account %d: %w", r.AccountID, err)
	}
	return r, true, nil
}

func validateReminder(r Reminder) error {
	// NVARCHAR(n) counts UTF-16 code units: a rare character outside the BMP (𠮷) takes two.
	text := func(s string, max int) bool { return s != "" && utf8.ValidString(s) && utf16Len(s) <= max }
	switch {
	case r.AccountID <= 0:
		return fmt.Errorf("account id %d: %w", r.AccountID, billing.ErrInvalid)
	case !text(r.Stage, 32) || !text(r.Channel, 16) || !text(r.Status, 16):
		return fmt.Errorf("stage, channel and status are required short texts: %w", billing.ErrInvalid)
	case !text(r.Recipient, 64) || !text(r.Content, 1000):
		return fmt.Errorf("recipient (at most 64) and content (at most 1000 characters) are required: %w", billing.ErrInvalid)
	case r.RemindOn.IsZero() || r.SentAt.IsZero():
		return fmt.Errorf("reminder date and sending time are required: %w", billing.ErrInvalid)
	}
	return nil
}

func (c *Core) reminder(ctx context.Context, key Reminder) (Reminder, error) {
	var (
		r    Reminder
		on   date
		sent timestamp
	)
	err := c.db.QueryRowContext(ctx, `SELECT id, account_id, stage, channel, remind_on, sent_at, amount_fen,
       recipient, content, status
FROM reminders WHERE account_id = @acc AND stage = @stage AND remind_on = @on AND channel = @channel`,
		sql.Named("acc", key.AccountID), sql.Named("stage", key.Stage), sql.Named("on", date(key.RemindOn)),
		sql.Named("channel", key.Channel)).Scan(&r.ID, &r.AccountID, &r.Stage, &r.Channel, &on, &sent,
		&r.Amount, &r.Recipient, &r.Content, &r.Status)
	if errors.Is(err, sql.ErrNoRows) {
		return Reminder{}, fmt.Errorf("store: reminder of account %d: %w", key.AccountID, billing.ErrNotFound)
	}
	if err != nil {
		return Reminder{}, fmt.Errorf("store: reminder of account %d: %w", key.AccountID, err)
	}
	r.RemindOn, r.SentAt = timeOf(on), time.Time(sent)
	return r, nil
}
