package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gridpay/internal/billing"
)

// MaxArrearsBatch is the most accounts OverdueAccounts returns in one call: enough that a county's
// run takes few round trips, few enough that a batch, its bills and its reminders stay small.
const MaxArrearsBatch = 1000

// ArrearsAccount is what the arrears run needs of one account with bills in the ladder's reach: its
// settings, its open bills and the reminders already on record.
type ArrearsAccount struct {
	ID    int64
	No    string
	Class billing.Class
	// Phone is where reminders go; it must never reach a log line (LogValue leaves it out).
	Phone                string
	Protected            bool
	Important            bool
	RemindersExemptUntil time.Time // zero: no exemption
	Prepaid              billing.Money
	// Open is every bill not fully paid, oldest first, including those not yet in reach.
	Open []billing.BillBalance
	// Reminders is the account's reminder history, oldest first.
	Reminders []ReminderEntry
}

// LogValue implements slog.LogValuer: an account in a log line shows its id and number, never its
// phone.
func (a ArrearsAccount) LogValue() slog.Value {
	return slog.GroupValue(slog.Int64("id", a.ID), slog.String("no", a.No), slog.String("class", string(a.Class)))
}

// ReminderEntry is one reminder on record, as the ladder reads the history: which stage went out on
// which day, through which channel, about which bill, and how it ended.
type ReminderEntry struct {
	Stage    string
	RemindOn time.Time
	Channel  string
	Status   billing.ReminderStatus
	BillID   int64     // the bill it was about; 0 for none
	DueOn    time.Time // that bill's due date, which tells the bill when a record carries no id
	// PlannedOn is a notice's planned interruption, which the final notice repeats; zero otherwise.
	PlannedOn time.Time
}

// arrearsAccountSelect reads the settings of accounts for the arrears run; the caller adds the
// WHERE clause and the order.
const arrearsAccountSelect = `SELECT a.id, a.account_no, a.class, a.phone, a.protected, a.important,
       a.reminders_exempt_until, a.prepaid_fen
FROM accounts a`

func scanArrearsAccount(row rowScanner) (ArrearsAccount, error) {
	var (
		a      ArrearsAccount
		class  string
		exempt nullDate
	)
	err := row.Scan(&a.ID, &a.No, &class, &a.Phone, &a.Protected, &a.Important, &exempt, &a.Prepaid)
	a.Class, a.RemindersExemptUntil = billing.Class(class), time.Time(exempt)
	return a, err
}

// inReach is the condition on an account a that puts it in the arrears run's reach: a bill not
// fully paid due on or before @due_by, or a prepaid balance above zero and under @low.
const inReach = `(EXISTS (
    SELECT 1 FROM bills b WHERE b.account_id = a.id AND b.status <> 'paid' AND b.due_on <= @due_by)
    OR (a.prepaid_fen > 0 AND a.prepaid_fen < @low))`

// CountOverdueAccounts returns how many accounts OverdueAccounts would page through with dueBy and
// lowBalance: the whole of a run, for its progress.
func (c *Core) CountOverdueAccounts(ctx context.Context, dueBy time.Time, lowBalance billing.Money) (int, error) {
	if lowBalance < 0 {
		return 0, fmt.Errorf("store: count overdue accounts: threshold %s: %w", lowBalance, billing.ErrInvalid)
	}
	var n int
	err := c.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts a WHERE `+inReach,
		sql.Named("due_by", date(billing.DateOf(dueBy))), sql.Named("low", int64(lowBalance))).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count overdue accounts: %w", err)
	}
	return n, nil
}

// OverdueAccounts returns, in account id order, up to limit accounts with an id above after that
// have a bill not fully paid due on or before dueBy, or a prepaid balance above zero and under
// lowBalance (0: none such), with their open bills and reminder history.
// The caller passes the run's day plus the ladder's longest lead before a due date (the first
// reminder goes out 3 days before it), and pages by passing the last id it got as after, until a
// call returns fewer than limit. The three reads of a batch are not one snapshot: a payment posted
// meanwhile may show in the bills and not in the selection, which is why the run checks again
// before sending (ArrearsAccount).
func (c *Core) OverdueAccounts(ctx context.Context, dueBy time.Time, lowBalance billing.Money, after int64, limit int) ([]ArrearsAccount, error) {
	if limit <= 0 || limit > MaxArrearsBatch || after < 0 || lowBalance < 0 {
		return nil, fmt.Errorf("store: overdue accounts after %d: batch of %d: %w", after, limit, billing.ErrInvalid)
	}
	// EXISTS over the open-bill index keeps the scan in account id order, so the database stops
	// after limit accounts instead of sorting every overdue one.
	rows, err := c.db.QueryContext(ctx, arrearsAccountSelect+`
WHERE a.id > @after AND `+inReach+`
ORDER BY a.id`+c.db.dialect.page("@limit", "@offset"),
		sql.Named("after", after), sql.Named("due_by", date(billing.DateOf(dueBy))), sql.Named("low", int64(lowBalance)),
		sql.Named("limit", limit), sql.Named("offset", 0))
	if err != nil {
		return nil, fmt.Errorf("store: overdue accounts after %d: %w", after, err)
	}
	accounts, err := collect(rows, scanArrearsAccount)
	if err != nil {
		return nil, fmt.Errorf("store: overdue accounts after %d: %w", after, err)
	}
	if err := c.fillArrears(ctx, accounts); err != nil {
		return nil, fmt.Errorf("store: overdue accounts after %d: %w", after, err)
	}
	return accounts, nil
}

// ArrearsAccount returns one account's state as OverdueAccounts gives it (settings, every open bill,
// the reminder history), read afresh, whether or not a bill is in the ladder's reach: the run reads
// it again just before sending, so that a payment posted or a flag set since the batch was read
// stops the reminder. No such account is not found.
func (c *Core) ArrearsAccount(ctx context.Context, accountID int64) (ArrearsAccount, error) {
	a, err := scanArrearsAccount(c.db.QueryRowContext(ctx, arrearsAccountSelect+` WHERE a.id = @id`, sql.Named("id", accountID)))
	if errors.Is(err, sql.ErrNoRows) {
		return ArrearsAccount{}, fmt.Errorf("store: arrears account %d: %w", accountID, billing.ErrNotFound)
	}
	if err != nil {
		return ArrearsAccount{}, fmt.Errorf("store: arrears account %d: %w", accountID, err)
	}
	one := []ArrearsAccount{a}
	if err := c.fillArrears(ctx, one); err != nil {
		return ArrearsAccount{}, fmt.Errorf("store: arrears account %d: %w", accountID, err)
	}
	return one[0], nil
}

// fillArrears reads the open bills and reminder history of accounts, which are in id order.
func (c *Core) fillArrears(ctx context.Context, accounts []ArrearsAccount) error {
	if len(accounts) == 0 {
		return nil
	}
	// The bills and reminders are read by id range, not by a list of ids: two statements whatever
	// the batch size, and no parameter limit to mind. Accounts in the range that are not in the
	// batch (nothing in reach) are dropped here.
	first, last := accounts[0].ID, accounts[len(accounts)-1].ID
	open, err := openBillsBetween(ctx, c.db, first, last)
	if err != nil {
		return fmt.Errorf("accounts %d-%d: bills: %w", first, last, err)
	}
	history, err := remindersBetween(ctx, c.db, first, last)
	if err != nil {
		return fmt.Errorf("accounts %d-%d: reminders: %w", first, last, err)
	}
	for i := range accounts {
		accounts[i].Open = open[accounts[i].ID]
		accounts[i].Reminders = history[accounts[i].ID]
	}
	return nil
}

// remindersBetween returns the reminder history of the accounts with ids first to last, each
// account's oldest first.
func remindersBetween(ctx context.Context, q querier, first, last int64) (map[int64][]ReminderEntry, error) {
	rows, err := q.QueryContext(ctx, `SELECT account_id, stage, remind_on, channel, status, bill_id, due_on, planned_on
FROM reminders WHERE account_id BETWEEN @first AND @last
ORDER BY account_id, remind_on, id`, sql.Named("first", first), sql.Named("last", last))
	if err != nil {
		return nil, err
	}
	type entry struct {
		account int64
		ReminderEntry
	}
	entries, err := collect(rows, func(row rowScanner) (entry, error) {
		var (
			e            entry
			on           date
			status       string
			bill         sql.NullInt64
			due, planned nullDate
		)
		err := row.Scan(&e.account, &e.Stage, &on, &e.Channel, &status, &bill, &due, &planned)
		e.RemindOn, e.Status = timeOf(on), billing.ReminderStatus(status)
		e.BillID, e.DueOn, e.PlannedOn = bill.Int64, time.Time(due), time.Time(planned)
		return e, err
	})
	if err != nil {
		return nil, err
	}
	history := map[int64][]ReminderEntry{}
	for _, e := range entries {
		history[e.account] = append(history[e.account], e.ReminderEntry)
	}
	return history, nil
}
