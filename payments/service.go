package payments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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

// channelOrder is the order in which pages offer the QR channels.
var channelOrder = []string{WeChat, Alipay}

// UpChannels returns the configured QR channels that take orders now, in the order pages offer
// them: a channel whose breaker is open after repeated failures (Breaker) is left out until its
// cooldown ends, so that customers are not sent to a provider that is down.
func (s *Service) UpChannels() []string {
	var up []string
	for _, name := range channelOrder {
		p, ok := s.Providers[name]
		if !ok {
			continue
		}
		if b := BreakerOf(p); b != nil && !b.Up() {
			continue
		}
		up = append(up, name)
	}
	return up
}

// Payer is who asks to pay: a signed-in customer, known by the session's phone, or someone signed
// out (代缴), known by the payer token their browser keeps. Payers of one account do not meet: each
// has their own open order, and only they see it.
type Payer struct {
	Phone string // the session's phone; "" when signed out
	Token string // the browser's payer token, used when Phone is ""
}

// Key is the payer as orders keep it (store.Order.Payer): "phone:" and the phone, or "token:" and
// the SHA-256 of the token in hex, so that the database never holds the token itself. A payer with
// neither has no key, "".
func (p Payer) Key() string {
	switch {
	case p.Phone != "":
		return "phone:" + p.Phone
	case p.Token != "":
		sum := sha256.Sum256([]byte(p.Token))
		return "token:" + hex.EncodeToString(sum[:])
	}
	return ""
}

// Owns reports whether o is one of the payer's orders: made under the session's phone or under the
// browser's token, so that an order started signed out stays the payer's after they sign in. Orders
// from before payers were kept belong to no one.
func (p Payer) Owns(o store.Order) bool {
	if o.Payer == "" {
		return false
	}
	phone, token := Payer{Phone: p.Phone}.Key(), Payer{Token: p.Token}.Key()
	return o.Payer == phone && phone != "" || o.Payer == token && token != ""
}

// CreateOrder opens the payer's order for the account through channel, for amount or, when amount
// is 0, for what the account owes today. Asking again with the same amount returns the payer's open
// order; another amount replaces it. Other payers of the account are not affected: each has an open
// order of their own, and what they pay together beyond the debt becomes prepaid balance when it is
// posted. The provider's code comes with the order (it is PENDING), or an error and the order stays
// CREATED, to be precreated again on the next ask.
func (s *Service) CreateOrder(ctx context.Context, accountNo string, payer Payer, channel string, amount billing.Money) (store.Order, error) {
	p, ok := s.Providers[channel]
	if !ok {
		return store.Order{}, fmt.Errorf("payments: channel %q: %w", channel, billing.ErrInvalid)
	}
	key := payer.Key()
	if key == "" {
		return store.Order{}, fmt.Errorf("payments: order for %s without a payer: %w", pii.AccountNo(accountNo), billing.ErrInvalid)
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
	if open, err := s.Orders.OpenOrder(ctx, accountNo, key, channel); err == nil && open.Amount != amount && open.ExpiresAt.After(now) {
		// Another amount replaces the payer's open order: its code must stop working at the provider
		// first, or money paid on it would land on a closed order.
		if open.Status == Pending {
			if err := p.Close(ctx, open.OutTradeNo); err != nil {
				return store.Order{}, fmt.Errorf("payments: close %s before replacing it: %w", open.OutTradeNo, err)
			}
		}
	} else if err != nil && !errors.Is(err, billing.ErrNotFound) {
		return store.Order{}, err
	}
	o, _, err := s.Orders.CreateOrder(ctx, store.NewOrder{OutTradeNo: NewOutTradeNo(channel, now), AccountNo: accountNo,
		PayerPhone: payer.Phone, Payer: key, Channel: channel, Amount: amount, ExpiresAt: now.Add(OrderTTL)})
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
