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
	// PageURL is an order's page, where a provider's cashier sends the phone's browser back; nil
	// when no page is served (only orders paid by their code are taken then).
	PageURL func(outTradeNo string) string
	Bureau  string
	Now     func() time.Time
	Loc     *time.Location
	Log     *slog.Logger
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

// CreateOrder opens the payer's order for the account through channel, to be paid by its code
// (billing.PayQR), for amount or, when amount is 0, for what the account owes today: Open with
// an Ask of those.
func (s *Service) CreateOrder(ctx context.Context, accountNo string, payer Payer, channel string, amount billing.Money) (store.Order, error) {
	o, _, err := s.Open(ctx, Ask{AccountNo: accountNo, Payer: payer, Channel: channel, Amount: amount})
	return o, err
}

// Open opens the payer's order for an account as a asks: through a.Channel, paid a.Way, for
// a.Amount or, when that is 0, for what the account owes today. Asking again with the same amount
// and way returns the payer's open order; another amount or way replaces it. Other payers of the
// account are not affected: each has an open order of their own, and what they pay together beyond
// the debt becomes prepaid balance when it is posted. The order comes placed at the provider
// (PENDING) with how to go on paying it (Start), or with an error, and the order stays CREATED, to
// be placed again on the next ask.
func (s *Service) Open(ctx context.Context, a Ask) (store.Order, Start, error) {
	p, ok := s.Providers[a.Channel]
	if !ok {
		return store.Order{}, Start{}, fmt.Errorf("payments: channel %q: %w", a.Channel, billing.ErrInvalid)
	}
	if a.Way == "" {
		a.Way = billing.PayQR
	}
	if err := s.checkWay(a); err != nil {
		return store.Order{}, Start{}, err
	}
	key := a.Payer.Key()
	if key == "" {
		return store.Order{}, Start{}, fmt.Errorf("payments: order for %s without a payer: %w", pii.AccountNo(a.AccountNo), billing.ErrInvalid)
	}
	acc, err := s.Core.AccountByNumber(ctx, a.AccountNo)
	if err != nil {
		return store.Order{}, Start{}, err
	}
	arr, err := s.Core.Arrears(ctx, acc.ID, billing.DateOf(s.Now().In(s.Loc)))
	if err != nil {
		return store.Order{}, Start{}, err
	}
	amount := a.Amount
	switch {
	case amount == 0 && arr.Total == 0:
		return store.Order{}, Start{}, fmt.Errorf("payments: nothing is due on %s; give an amount to pay in advance: %w", pii.AccountNo(a.AccountNo), billing.ErrInvalid)
	case amount == 0:
		amount = arr.Total
	case amount < 0 || amount > arr.Total+MaxTopUp:
		return store.Order{}, Start{}, fmt.Errorf("payments: amount %s: want 0.01 to %s: %w", amount, arr.Total+MaxTopUp, billing.ErrInvalid)
	}
	now := s.Now()
	if open, err := s.Orders.OpenOrder(ctx, a.AccountNo, key, a.Channel); err == nil && open.ExpiresAt.After(now) &&
		(open.Amount != amount || open.Way != a.Way || open.Way == billing.PayJSAPI && open.OpenID != a.OpenID) {
		// Another amount, way or WeChat customer replaces the payer's open order: its code must stop
		// working at the provider first, or money paid on it would land on a closed order.
		if open.Status == Pending {
			if err := p.Close(ctx, open.OutTradeNo); err != nil {
				return store.Order{}, Start{}, fmt.Errorf("payments: close %s before replacing it: %w", open.OutTradeNo, err)
			}
		}
	} else if err != nil && !errors.Is(err, billing.ErrNotFound) {
		return store.Order{}, Start{}, err
	}
	openID := ""
	if a.Way == billing.PayJSAPI {
		openID = a.OpenID
	}
	o, _, err := s.Orders.CreateOrder(ctx, store.NewOrder{OutTradeNo: NewOutTradeNo(a.Channel, now), AccountNo: a.AccountNo,
		PayerPhone: a.Payer.Phone, Payer: key, Channel: a.Channel, Way: a.Way, OpenID: openID, Amount: amount, ExpiresAt: now.Add(OrderTTL)})
	if err != nil {
		return store.Order{}, Start{}, err
	}
	if o.Status != Created { // the open order, already placed
		st, err := s.Resume(ctx, o, a.Phone)
		return o, st, err
	}
	var (
		pre Precreated
		st  Start
	)
	po := s.providerOrder(o)
	a.Phone.ReturnURL = s.pageURL(o.OutTradeNo)
	switch o.Way {
	case billing.PayQR:
		pre, err = p.Precreate(ctx, po)
	case billing.PayH5, billing.PayWAP:
		st.URL, err = p.(PhonePayer).PrecreatePhone(ctx, po, a.Phone)
	case billing.PayJSAPI:
		var req JSAPIRequest
		req, err = p.(JSAPIPayer).PrecreateJSAPI(ctx, po, o.OpenID)
		st.JSAPI = &req
	}
	if err != nil {
		return o, Start{}, fmt.Errorf("payments: precreate %s (%s) at %s: %w", o.OutTradeNo, o.Way, a.Channel, err)
	}
	moved, err := s.Orders.MoveOrder(ctx, o.ID, Created, Pending, fmt.Sprintf("placed at %s (%s)", a.Channel, o.Way), func(u *store.OrderUpdate) {
		u.CodeURL = pre.CodeURL
		if !pre.ExpiresAt.IsZero() && pre.ExpiresAt.Before(o.ExpiresAt) {
			u.ExpiresAt = pre.ExpiresAt
		}
	})
	if errors.Is(err, billing.ErrConflict) { // another request placed it meanwhile
		moved, err = s.Orders.OrderByID(ctx, o.ID)
	}
	return moved, st, err
}

// pageURL is order out's page, or "" when there is none.
func (s *Service) pageURL(out string) string {
	if s.PageURL == nil {
		return ""
	}
	return s.PageURL(out)
}

// providerOrder is what the provider is told of o, the same each time it is asked about o: a
// provider takes an order placed again only with the same description, amount and notify URL.
func (s *Service) providerOrder(o store.Order) ProviderOrder {
	return ProviderOrder{OutTradeNo: o.OutTradeNo, Amount: o.Amount, ExpiresAt: o.ExpiresAt,
		Description: fmt.Sprintf("%s电费-户号%s", s.Bureau, o.AccountNo), NotifyURL: s.NotifyURL(o.Channel)}
}
