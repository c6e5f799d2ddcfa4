package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gridpay/internal/billing"
)

// Reminder limits, as the columns hold them.
const (
	// MaxReminderMessageID bounds a channel's message id: Tencent's SMS serial number, WeChat's msgid
	// as a decimal, the dev inbox's own id.
	MaxReminderMessageID = 64
	// MaxReminderErrorCode bounds a channel's error code (Tencent's "InvalidParameterValue.…" codes
	// are the longest in use, at about 45).
	MaxReminderErrorCode = 64
)

// RecordReminder writes the proof of a reminder or notice sent to an account. Recording the same
// account, stage, day and channel again changes nothing and returns the first record with false.
// A reminder about a bill names one of the account's own bills; another account's bill, or none, is
// not found, as an unknown account is.
func (c *Core) RecordReminder(ctx context.Context, r Reminder) (Reminder, bool, error) {
	r = normalizedReminder(r)
	if err := validateReminder(r); err != nil {
		return Reminder{}, false, fmt.Errorf("store: record reminder: %w", err)
	}
	err := c.db.Transact(ctx, func(tx *sql.Tx) error {
		if r.BillID > 0 {
			var n int
			err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM bills WHERE id = @bill AND account_id = @acc`,
				sql.Named("bill", r.BillID), sql.Named("acc", r.AccountID)).Scan(&n)
			if err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("bill %d of account %d: %w", r.BillID, r.AccountID, billing.ErrNotFound)
			}
		}
		return tx.QueryRowContext(ctx, c.db.dialect.insertID("reminders",
			"account_id, stage, channel, remind_on, sent_at, amount_fen, recipient, content, status, "+
				"bill_id, due_on, planned_on, message_id, error_code, delivered_at",
			"@acc, @stage, @channel, @on, @sent, @amount, @recipient, @content, @status, "+
				"@bill, @due, @planned, @message, @code, @delivered"),
			sql.Named("acc", r.AccountID), sql.Named("stage", r.Stage), sql.Named("channel", r.Channel),
			sql.Named("on", date(r.RemindOn)), sql.Named("sent", timestamp(r.SentAt)), sql.Named("amount", r.Amount),
			sql.Named("recipient", r.Recipient), sql.Named("content", r.Content), sql.Named("status", string(r.Status)),
			sql.Named("bill", sql.NullInt64{Int64: r.BillID, Valid: r.BillID > 0}),
			sql.Named("due", nullDateArg(r.DueOn)), sql.Named("planned", nullDateArg(r.PlannedOn)),
			sql.Named("message", sql.NullString{String: r.MessageID, Valid: r.MessageID != ""}),
			sql.Named("code", sql.NullString{String: r.ErrorCode, Valid: r.ErrorCode != ""}),
			sql.Named("delivered", nullTimestampArg(r.DeliveredAt))).Scan(&r.ID)
	})
	if c.db.dialect.duplicate(err) {
		first, err := reminderWhere(ctx, c.db, `account_id = @acc AND stage = @stage AND remind_on = @on AND channel = @channel`,
			sql.Named("acc", r.AccountID), sql.Named("stage", r.Stage), sql.Named("on", date(r.RemindOn)),
			sql.Named("channel", r.Channel))
		if err != nil {
			return Reminder{}, false, fmt.Errorf("store: reminder of account %d: %w", r.AccountID, err)
		}
		return first, false, nil
	}
	if c.db.dialect.missingParent(err) {
		return Reminder{}, false, fmt.Errorf("store: record reminder: account %d: %w", r.AccountID, billing.ErrNotFound)
	}
	if err != nil {
		return Reminder{}, false, fmt.Errorf("store: record reminder for account %d: %w", r.AccountID, err)
	}
	return r, true, nil
}

// normalizedReminder is r as the columns keep it: civil dates, and instants in UTC to the
// millisecond.
func normalizedReminder(r Reminder) Reminder {
	day := func(t time.Time) time.Time {
		if t.IsZero() {
			return t
		}
		return billing.DateOf(t)
	}
	instant := func(t time.Time) time.Time {
		if t.IsZero() {
			return t
		}
		return t.UTC().Truncate(time.Millisecond)
	}
	r.RemindOn, r.DueOn, r.PlannedOn = day(r.RemindOn), day(r.DueOn), day(r.PlannedOn)
	r.SentAt, r.DeliveredAt = instant(r.SentAt), instant(r.DeliveredAt)
	return r
}

func validateReminder(r Reminder) error {
	// NVARCHAR(n) counts UTF-16 code units: a rare character outside the BMP (𠮷) takes two.
	text := func(s string, max int) bool {
		return s != "" && utf8.ValidString(s) && !strings.ContainsRune(s, 0) && utf16Len(s) <= max
	}
	optionalDay := func(t time.Time) bool { return t.IsZero() || plausibleDate(t) }
	switch {
	case r.AccountID <= 0:
		return fmt.Errorf("account id %d: %w", r.AccountID, billing.ErrInvalid)
	case !identifier(r.Stage, 32) || !identifier(r.Channel, 16):
		// Stages and channels are codes under the unique key: nothing a collation could fold or trim.
		return fmt.Errorf("stage %q and channel %q: want codes of 0-9 A-Z a-z _ -: %w",
			truncateText(r.Stage, 32), truncateText(r.Channel, 16), billing.ErrInvalid)
	case !r.Status.Valid():
		return fmt.Errorf("status %q: %w", truncateText(string(r.Status), 16), billing.ErrInvalid)
	case !text(r.Recipient, 64) || !text(r.Content, 1000):
		return fmt.Errorf("recipient (at most 64) and content (at most 1000 characters) are required: %w", billing.ErrInvalid)
	case r.RemindOn.IsZero() || r.SentAt.IsZero():
		return fmt.Errorf("reminder date and sending time are required: %w", billing.ErrInvalid)
	case !plausibleDate(r.RemindOn) || !optionalDay(r.DueOn) || !optionalDay(r.PlannedOn):
		return fmt.Errorf("reminder, due or planned date out of range: %w", billing.ErrInvalid)
	case r.BillID < 0:
		return fmt.Errorf("bill id %d: %w", r.BillID, billing.ErrInvalid)
	case r.MessageID != "" && !printable(r.MessageID, MaxReminderMessageID):
		return fmt.Errorf("message id %q: want 1 to %d bytes of printable ASCII: %w",
			truncateText(r.MessageID, MaxReminderMessageID), MaxReminderMessageID, billing.ErrInvalid)
	case r.ErrorCode != "" && !printable(r.ErrorCode, MaxReminderErrorCode):
		return fmt.Errorf("error code %q: want 1 to %d bytes of printable ASCII: %w",
			truncateText(r.ErrorCode, MaxReminderErrorCode), MaxReminderErrorCode, billing.ErrInvalid)
	case r.ErrorCode != "" && r.Status != billing.ReminderFailed:
		return fmt.Errorf("an error code on a reminder %s: %w", r.Status, billing.ErrInvalid)
	case !r.DeliveredAt.IsZero() && r.Status != billing.ReminderDelivered:
		return fmt.Errorf("a delivery time on a reminder %s: %w", r.Status, billing.ErrInvalid)
	}
	return nil
}

// MarkReminderDelivered records a channel's delivery report: the reminder that channel knows by
// messageID reached the customer at at. Only a sent reminder becomes delivered, by a conditional
// update; a report about one delivered already changes nothing and returns it as it is, since
// channels repeat their reports. A report about a failed one is a conflict: the proof keeps the
// failure on record as the channel reported it first, for staff to look at. No reminder with that
// id is not found. Should a channel ever have given one id twice, the report is about the newer.
func (c *Core) MarkReminderDelivered(ctx context.Context, channel, messageID string, at time.Time) (Reminder, error) {
	if !identifier(channel, 16) || !printable(messageID, MaxReminderMessageID) || at.IsZero() {
		return Reminder{}, fmt.Errorf("store: reminder delivered: channel %q, message %q at %v: %w",
			truncateText(channel, 16), truncateText(messageID, MaxReminderMessageID), at, billing.ErrInvalid)
	}
	at = at.UTC().Truncate(time.Millisecond)
	r, err := c.reportReminder(ctx, channel, messageID, billing.ReminderDelivered, "delivered_at = @at",
		[]any{sql.Named("at", timestamp(at))}, func(r *Reminder) { r.DeliveredAt = at })
	if err != nil {
		return Reminder{}, fmt.Errorf("store: %s message %s delivered: %w", channel, messageID, err)
	}
	return r, nil
}

// MarkReminderUndelivered records a channel's report that the reminder it knows by messageID never
// reached the customer (the phone was off for days, the number is out of service): a sent reminder
// becomes failed with the channel's code, by a conditional update, so that the legal clock no
// longer counts it as delivered. A report about one failed already changes nothing and returns it
// as it is, its first code kept; one about a reminder delivered is a conflict, since a delivery
// once confirmed stays confirmed. No reminder with that id is not found; of an id given twice the
// report is about the newer. at is when the channel says the message was lost: the reference
// schema keeps no time of a failure (its status and code are the proof), but a utility's own may.
func (c *Core) MarkReminderUndelivered(ctx context.Context, channel, messageID, code string, at time.Time) (Reminder, error) {
	if !identifier(channel, 16) || !printable(messageID, MaxReminderMessageID) || !printable(code, MaxReminderErrorCode) || at.IsZero() {
		return Reminder{}, fmt.Errorf("store: reminder undelivered: channel %q, message %q, code %q at %v: %w",
			truncateText(channel, 16), truncateText(messageID, MaxReminderMessageID), truncateText(code, MaxReminderErrorCode),
			at, billing.ErrInvalid)
	}
	r, err := c.reportReminder(ctx, channel, messageID, billing.ReminderFailed, "error_code = @code",
		[]any{sql.Named("code", code)}, func(r *Reminder) { r.ErrorCode = code })
	if err != nil {
		return Reminder{}, fmt.Errorf("store: %s message %s undelivered: %w", channel, messageID, err)
	}
	return r, nil
}

// reportReminder moves the newest reminder the channel knows by messageID from sent to status to,
// setting the columns of set (with args) as apply sets them on the record, in one transaction. A
// reminder in status to already is returned as it is; one in any other status is a conflict.
func (c *Core) reportReminder(ctx context.Context, channel, messageID string, to billing.ReminderStatus, set string,
	args []any, apply func(*Reminder)) (Reminder, error) {
	const newestWhere = `id = (SELECT MAX(id) FROM reminders WHERE channel = @channel AND message_id = @message)`
	var r Reminder
	err := c.db.Transact(ctx, func(tx *sql.Tx) error {
		var err error
		if r, err = reminderWhere(ctx, tx, newestWhere, sql.Named("channel", channel), sql.Named("message", messageID)); err != nil {
			return err
		}
		if r.Status == billing.ReminderSent {
			res, err := tx.ExecContext(ctx, `UPDATE reminders SET status = @to, `+set+` WHERE id = @id AND status = @sent`,
				append([]any{sql.Named("to", string(to)), sql.Named("id", r.ID), sql.Named("sent", string(billing.ReminderSent))}, args...)...)
			err = oneRow(res, err)
			if err == nil {
				r.Status = to
				apply(&r)
				return nil
			}
			if !errors.Is(err, billing.ErrConflict) {
				return err
			}
			// Another report of the same message got there first: see what it left.
			if r, err = reminderWhere(ctx, tx, `id = @id`, sql.Named("id", r.ID)); err != nil {
				return err
			}
		}
		if r.Status != to {
			return fmt.Errorf("reminder %d is %s: %w", r.ID, r.Status, billing.ErrConflict)
		}
		return nil
	})
	return r, err
}

// Reminders returns a page of the account's reminders and notices, newest day first (the later
// record first within a day), and how many the account has: what the customer's notices list shows.
func (c *Core) Reminders(ctx context.Context, accountID int64, page Page) ([]Reminder, int, error) {
	page = page.normalized()
	var total int
	if err := c.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM reminders WHERE account_id = @acc`,
		sql.Named("acc", accountID)).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: reminders of account %d: %w", accountID, err)
	}
	rows, err := c.db.QueryContext(ctx, reminderSelect+` WHERE account_id = @acc
ORDER BY remind_on DESC, id DESC`+c.db.dialect.page("@limit", "@offset"),
		sql.Named("acc", accountID), sql.Named("limit", page.Limit), sql.Named("offset", page.Offset))
	if err != nil {
		return nil, 0, fmt.Errorf("store: reminders of account %d: %w", accountID, err)
	}
	list, err := collect(rows, scanReminder)
	if err != nil {
		return nil, 0, fmt.Errorf("store: reminders of account %d: %w", accountID, err)
	}
	return list, total, nil
}

const reminderSelect = `SELECT id, account_id, stage, channel, remind_on, sent_at, amount_fen, recipient, content, status,
       bill_id, due_on, planned_on, message_id, error_code, delivered_at
FROM reminders`

// reminderWhere reads one reminder by a condition on its columns. No reminder is billing.ErrNotFound.
func reminderWhere(ctx context.Context, q querier, where string, args ...any) (Reminder, error) {
	r, err := scanReminder(q.QueryRowContext(ctx, reminderSelect+" WHERE "+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Reminder{}, fmt.Errorf("reminder: %w", billing.ErrNotFound)
	}
	return r, err
}

func scanReminder(row rowScanner) (Reminder, error) {
	var (
		r             Reminder
		on            date
		sent          timestamp
		status        string
		bill          sql.NullInt64
		due, planned  nullDate
		message, code sql.NullString
		delivered     sql.Null[timestamp]
	)
	err := row.Scan(&r.ID, &r.AccountID, &r.Stage, &r.Channel, &on, &sent, &r.Amount, &r.Recipient, &r.Content,
		&status, &bill, &due, &planned, &message, &code, &delivered)
	r.RemindOn, r.SentAt, r.Status = timeOf(on), time.Time(sent), billing.ReminderStatus(status)
	r.BillID, r.DueOn, r.PlannedOn = bill.Int64, time.Time(due), time.Time(planned)
	r.MessageID, r.ErrorCode = message.String, code.String
	if delivered.Valid {
		r.DeliveredAt = time.Time(delivered.V)
	}
	return r, err
}
