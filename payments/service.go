package payments

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/pii"
	"gridpay/internal/store"
)

// Core is what ordering asks the core database: the account, and what it owes today.
type Core interface {
	AccountByNumber(ctx context.Context, accountNo string) (store.Account, error)
	Arrears(ctx context.Context, accountID int64, asOf time.Time) (store.Arrears, error)
}

// MaxTopUp bounds what a customer may pay beyond what is due (prepaid balance, 预存).
const MaxTopUp billing.Money = 5_000_000 // 50,000.00 yuan

// OrderTTL is how long a QR code can be paid.
const OrderTTL = 30 * time.Minute

// Service creates payment orders and gets each its code from the provider (docs/design.md, step 1).
type Service struct {
	Providers map[string]Provider // the QR channels: wechat, alipay
	Orders    *store.Portal
	Core      Core
	NotifyURL func(provider string) string // where the provider calls back
	Bureau    string
	Now       func() time.Time
	Loc       *time.Location
	Log       *slog.Logger
}

// CreateOrder opens an order for the account through channel, for amount or, when amount is 0, for
// what the account owes today. Asking again with the same amount returns the open order; another
// amount replaces it. The provider's code comes with it (the order is PENDING), or an error and the
// order stays CREATED, to be precreated again on the next ask.
func (s *Service) CreateOrder(ctx context.Context, accountNo, payerPhone, channel string, amount billing.Money) (store.Order, error) {
	p, ok := s.Providers[channel]
	if !ok {
		return store.Order{}, fmt.Errorf("payments: channel %q: %w", channel, billing.ErrInvalid)
	}
	a, err := s.Core.AccountByNumber(ctx, accountNo)
	if err != nil {
		return store.Order{}, err
	}
	arr, err := s.Core.Arrears(ctx, a.ID, billing.DateOf(s.Now().In(s.Loc)))
	if err != nil {
		return store.Order{}, err
	}
	switch {
	case amount == 0 && arr.Total == 0:
		return store.Order{}, fmt.Errorf("payments: nothing is due on %s; give an amount to pay in advance: %w", pii.AccountNo(accountNo), billing.ErrInvalid)
	case amount == 0:
		amount = arr.Total
	case amount < 0 || amount > arr.Total+MaxTopUp:
		return store.Order{}, fmt.Errorf("payments: amount %s: want 0.01 to %s: %w", amount, arr.Total+MaxTopUp, billing.ErrInvalid)
	}
	now := s.Now()
	if open, err := s.Orders.OpenOrder(ctx, accountNo, channel); err == nil && open.Amount != amount && open.ExpiresAt.After(now) {
		// Another amount replaces the open order: only its own payer may do that, and its code must
		// stop working at the provider first, or money paid on it would land on a closed order.
		if open.PayerPhone != payerPhone {
			return store.Order{}, fmt.Errorf("payments: a payment for %s is in progress; try again after %s: %w",
				pii.AccountNo(accountNo), open.ExpiresAt.In(s.Loc).Format("15:04"), billing.ErrConflict)
		}
		if open.Status == Pending {
			if err := p.Close(ctx, open.OutTradeNo); err != nil {
				return store.Order{}, fmt.Errorf("payments: close %s before replacing it: %w", open.OutTradeNo, err)
			}
		}
	} else if err != nil && !errors.Is(err, billing.ErrNotFound) {
		return store.Order{}, err
	}
	o, _, err := s.Orders.CreateOrder(ctx, store.NewOrder{OutTradeNo: NewOutTradeNo(channel, now), AccountNo: accountNo,
		PayerPhone: payerPhone, Channel: channel, Amount: amount, ExpiresAt: now.Add(OrderTTL)})
	if err != nil {
		return store.Order{}, err
	}
	if o.Status != Created {
		return o, nil // the open order, already precreated
	}
	pre, err := p.Precreate(ctx, ProviderOrder{OutTradeNo: o.OutTradeNo, Amount: o.Amount, ExpiresAt: o.ExpiresAt,
		Description: fmt.Sprintf("%s电费-户号%s", s.Bureau, o.AccountNo), NotifyURL: s.NotifyURL(channel)})
	if err != nil {
		return o, fmt.Errorf("payments: precreate %s at %s: %w", o.OutTradeNo, channel, err)
	}
	moved, err := s.Orders.MoveOrder(ctx, o.ID, Created, Pending, "code from "+channel, func(u *store.OrderUpdate) {
		u.CodeURL = pre.CodeURL
		if !pre.ExpiresAt.IsZero() && pre.ExpiresAt.Before(o.ExpiresAt) {
			u.ExpiresAt = pre.ExpiresAt
		}
	})
	if errors.Is(err, billing.ErrConflict) { // another request precreated it meanwhile
		return s.Orders.OrderByID(ctx, o.ID)
	}
	return moved, err
}
