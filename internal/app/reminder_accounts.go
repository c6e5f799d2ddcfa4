package app

import (
	"context"
	"fmt"

	"gridpay/internal/corecache"
	"gridpay/internal/store"
)

// reminderAccounts is the core database as the staff's reminders pages read and change it: read
// fresh, not through the cache (staff act on what they read), and a change of an account's
// reminder flags drops what the cache keeps of the account.
type reminderAccounts struct {
	*store.Core
	cache *corecache.Core
}

// SetReminderFlags sets the flags, then invalidates the account's cached answers.
func (r reminderAccounts) SetReminderFlags(ctx context.Context, accountNo string, f store.ReminderFlags) error {
	if err := r.Core.SetReminderFlags(ctx, accountNo, f); err != nil {
		return err
	}
	a, err := r.Core.AccountByNumber(ctx, accountNo)
	if err != nil {
		return fmt.Errorf("app: reminder flags of %s: %w", accountNo, err)
	}
	return r.cache.Invalidate(ctx, a.ID)
}
