package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gridpay/internal/billing"
)

// ReminderFlags are the account settings the arrears run obeys, set by staff.
type ReminderFlags struct {
	// Protected accounts (低保/五保 households, home medical equipment) get no reminders.
	Protected bool
	// Important customers (重要用户) have their disconnection notices copied to the power
	// administration department.
	Important bool
	// ExemptUntil is the date an exemption from reminders runs until; zero for none.
	ExemptUntil time.Time
}

// SetReminderFlags replaces the reminder settings of the account numbered accountNo. The
// exemption date is the civil date of ExemptUntil in its own location (billing.DateOf), as
// every date the store writes.
func (c *Core) SetReminderFlags(ctx context.Context, accountNo string, f ReminderFlags) error {
	if !billing.ValidAccountNo(accountNo) {
		return fmt.Errorf("store: reminder flags of account %q: %w", truncateText(accountNo, 16), billing.ErrInvalid)
	}
	var exempt time.Time
	if !f.ExemptUntil.IsZero() {
		exempt = billing.DateOf(f.ExemptUntil)
		// An exemption for decades is a mistake too: protection is the flag for a lasting one.
		if !plausibleDate(exempt) {
			return fmt.Errorf("store: reminder flags of account %s: exemption until %s: %w",
				accountNo, exempt.Format(dateLayout), billing.ErrInvalid)
		}
	}
	res, err := c.db.ExecContext(ctx, `UPDATE accounts SET protected = @protected, important = @important,
       reminders_exempt_until = @exempt WHERE account_no = @no`,
		sql.Named("protected", f.Protected), sql.Named("important", f.Important),
		sql.Named("exempt", nullDateArg(exempt)), sql.Named("no", accountNo))
	if err != nil {
		return fmt.Errorf("store: reminder flags of account %s: %w", accountNo, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: reminder flags of account %s: %w", accountNo, err)
	} else if n == 0 {
		return fmt.Errorf("store: reminder flags of account %s: %w", accountNo, billing.ErrNotFound)
	}
	return nil
}
