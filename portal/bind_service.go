package portal

import (
	"context"
	"fmt"

	"gridpay/internal/billing"
	"gridpay/internal/pii"
	"gridpay/internal/web"
)

// BindTarget checks that accountNo exists and is not already the phone's, and returns the phone the
// binding code must go to: the account's registered one.
func (s *Service) BindTarget(ctx context.Context, phone, accountNo string) (registeredPhone string, err error) {
	a, err := s.core.AccountByNumber(ctx, accountNo)
	if err != nil {
		return "", err
	}
	if _, err := s.account(ctx, phone, accountNo); err == nil {
		return "", &web.InputError{Key: "bind.already",
			Kind: fmt.Errorf("portal: bind %s: already the customer's: %w", pii.AccountNo(accountNo), billing.ErrConflict)}
	}
	return a.Phone, nil
}

// Bind adds accountNo to the phone's list; the caller has checked the binding code.
func (s *Service) Bind(ctx context.Context, phone, accountNo string) error {
	if _, err := s.core.AccountByNumber(ctx, accountNo); err != nil {
		return err
	}
	_, err := s.portal.Bind(ctx, phone, accountNo)
	return err
}

// Unbind removes a bound account from the phone's list. An account registered to the phone is the
// customer's by the core database, not by a binding, and cannot be removed here.
func (s *Service) Unbind(ctx context.Context, phone, accountNo string) error {
	v, err := s.account(ctx, phone, accountNo)
	if err != nil {
		return err
	}
	if v.Registered {
		return fmt.Errorf("portal: unbind %s: registered to the phone: %w", pii.AccountNo(accountNo), billing.ErrConflict)
	}
	return s.portal.Unbind(ctx, phone, accountNo)
}
