package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gridpay/internal/billing"
)

// Suppression calendar limits.
const (
	// MaxSuppressionReason bounds a suppressed day's reason, in UTF-16 code units as its
	// NVARCHAR(100) column counts them.
	MaxSuppressionReason = 100
	// MaxSuppressedDaysRange bounds the days SuppressedReminderDays reads at once: a year and a
	// month, so that a run or a staff page can see a year ahead, and no request reads the table whole.
	MaxSuppressedDaysRange = 400
)

// SuppressedDay is a day of the suppression calendar: no arrears reminder goes out on it
// (holidays, extreme weather).
type SuppressedDay struct {
	Day     time.Time // a civil date in the bureau's time zone
	Reason  string    // staff's words: 春节, 暴雨红色预警
	AddedAt time.Time // when the day was first put on the calendar
}

// SuppressReminderDay puts day (its civil date, billing.DateOf) on the suppression calendar for
// reason. A day on it already keeps its place and takes the new reason. The audit row a (who and
// from where; the store fills in the action, target and states) is written in the same
// transaction.
func (p *Portal) SuppressReminderDay(ctx context.Context, day time.Time, reason string, a Audit) error {
	on := billing.DateOf(day)
	if !plausibleDate(on) || !validSuppressionReason(reason) {
		return fmt.Errorf("store: suppress reminders on %s: want a date in 2000-2099 and a reason of 1 to %d characters: %w",
			on.Format(dateLayout), MaxSuppressionReason, billing.ErrInvalid)
	}
	a.Action, a.Target = "reminder.suppress", "reminder-day:"+on.Format(dateLayout)
	a.After = calendarJSON(on, reason)
	if err := validateAudit(a); err != nil {
		return fmt.Errorf("store: suppress reminders on %s: %w", on.Format(dateLayout), err)
	}
	now := p.now().UTC().Truncate(time.Millisecond)
	// Two callers adding the same day at once: the second insert is a duplicate, and its
	// transaction runs again to find the day there and update it.
	var err error
	for range 3 {
		err = p.db.Transact(ctx, func(tx *sql.Tx) error {
			a := a
			var before string
			err := tx.QueryRowContext(ctx, `SELECT reason FROM reminder_suppressed_days WHERE day = @day`,
				sql.Named("day", date(on))).Scan(&before)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				_, err = tx.ExecContext(ctx, `INSERT INTO reminder_suppressed_days (day, reason, added_at) VALUES (@day, @reason, @at)`,
					sql.Named("day", date(on)), sql.Named("reason", reason), sql.Named("at", timestamp(now)))
				if p.db.dialect.duplicate(err) {
					return errDayAdded
				}
			case err == nil:
				a.Before = calendarJSON(on, before)
				res, uerr := tx.ExecContext(ctx, `UPDATE reminder_suppressed_days SET reason = @reason WHERE day = @day`,
					sql.Named("day", date(on)), sql.Named("reason", reason))
				err = oneRow(res, uerr)
			}
			if err != nil {
				return err
			}
			return p.insertAudit(ctx, tx, now, a)
		})
		if !errors.Is(err, errDayAdded) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("store: suppress reminders on %s: %w", on.Format(dateLayout), err)
	}
	return nil
}

// UnsuppressReminderDay takes day off the suppression calendar, writing the audit row a in the same
// transaction; a day not on it is not found.
func (p *Portal) UnsuppressReminderDay(ctx context.Context, day time.Time, a Audit) error {
	on := billing.DateOf(day)
	if !plausibleDate(on) {
		return fmt.Errorf("store: unsuppress reminders on %s: %w", on.Format(dateLayout), billing.ErrInvalid)
	}
	a.Action, a.Target = "reminder.unsuppress", "reminder-day:"+on.Format(dateLayout)
	if err := validateAudit(a); err != nil {
		return fmt.Errorf("store: unsuppress reminders on %s: %w", on.Format(dateLayout), err)
	}
	now := p.now().UTC().Truncate(time.Millisecond)
	err := p.db.Transact(ctx, func(tx *sql.Tx) error {
		var before string
		err := tx.QueryRowContext(ctx, `SELECT reason FROM reminder_suppressed_days WHERE day = @day`,
			sql.Named("day", date(on))).Scan(&before)
		if errors.Is(err, sql.ErrNoRows) {
			return billing.ErrNotFound
		}
		if err != nil {
			return err
		}
		a.Before = calendarJSON(on, before)
		res, err := tx.ExecContext(ctx, `DELETE FROM reminder_suppressed_days WHERE day = @day`, sql.Named("day", date(on)))
		if err := deletedOne(res, err); err != nil {
			return err
		}
		return p.insertAudit(ctx, tx, now, a)
	})
	if err != nil {
		return fmt.Errorf("store: unsuppress reminders on %s: %w", on.Format(dateLayout), err)
	}
	return nil
}

// errDayAdded is a suppressed day another caller inserted between this one's read and insert.
var errDayAdded = fmt.Errorf("the day was added meanwhile: %w", billing.ErrConflict)

// calendarJSON is a suppressed day as audit rows show it.
func calendarJSON(on time.Time, reason string) string {
	b, _ := json.Marshal(struct {
		Day    string `json:"day"`
		Reason string `json:"reason"`
	}{on.Format(dateLayout), reason})
	return string(b)
}

// SuppressedReminderDays returns the days of the suppression calendar from from to to, both
// included, in order. The range is at most MaxSuppressedDaysRange days.
func (p *Portal) SuppressedReminderDays(ctx context.Context, from, to time.Time) ([]SuppressedDay, error) {
	first, last := billing.DateOf(from), billing.DateOf(to)
	if !plausibleDate(first) || !plausibleDate(last) || last.Before(first) ||
		last.Sub(first) >= MaxSuppressedDaysRange*24*time.Hour {
		return nil, fmt.Errorf("store: suppressed days %s to %s: want at most %d days in 2000-2099: %w",
			first.Format(dateLayout), last.Format(dateLayout), MaxSuppressedDaysRange, billing.ErrInvalid)
	}
	rows, err := p.db.QueryContext(ctx, `SELECT day, reason, added_at FROM reminder_suppressed_days
WHERE day BETWEEN @first AND @last ORDER BY day`, sql.Named("first", date(first)), sql.Named("last", date(last)))
	if err != nil {
		return nil, fmt.Errorf("store: suppressed days %s to %s: %w", first.Format(dateLayout), last.Format(dateLayout), err)
	}
	days, err := collect(rows, func(row rowScanner) (SuppressedDay, error) {
		var (
			d     SuppressedDay
			on    date
			added timestamp
		)
		err := row.Scan(&on, &d.Reason, &added)
		d.Day, d.AddedAt = timeOf(on), time.Time(added)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: suppressed days %s to %s: %w", first.Format(dateLayout), last.Format(dateLayout), err)
	}
	return days, nil
}

// validSuppressionReason reports whether s is a reason staff could have typed: valid UTF-8, not
// blank, no control characters (a reason is one line on a staff page), and fits its column.
func validSuppressionReason(s string) bool {
	return utf8.ValidString(s) && strings.TrimSpace(s) != "" && utf16Len(s) <= MaxSuppressionReason &&
		!strings.ContainsFunc(s, unicode.IsControl)
}
