package portal

import (
	"context"

	"gridpay/internal/store"
)

// Notices returns a page of the reminders and notices sent about the account (通知记录), newest first,
// and how many there are. They are the core database's records, the bureau's proof, read through the
// cache: what the customer sees is what the proof says.
func (s *Service) Notices(ctx context.Context, phone, accountNo string, page store.Page) ([]store.Reminder, int, error) {
	v, err := s.account(ctx, phone, accountNo)
	if err != nil {
		return nil, 0, err
	}
	return s.core.Reminders(ctx, v.accountID, page)
}
