package worker

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
	"gridpay/payments"
)

// QuerySchedule is when an open order that heard no callback is asked about (查单补单), by its age:
// at 30 s, 2 min, 5 min, 15 min, then hourly until it expires. At expiry it is asked once more and,
// unpaid, closed at the provider and here.
var QuerySchedule = []time.Duration{30 * time.Second, 2 * time.Minute, 5 * time.Minute, 15 * time.Minute}

// ActiveQuery asks the providers about open orders on QuerySchedule. It keeps no state: each tick
// it asks about the orders whose age crossed a point of the schedule since the last tick, so every
// worker process may run it (asking twice is harmless: marking paid is idempotent).
type ActiveQuery struct {
	Providers map[string]payments.Provider
	Orders    *store.Portal
	Enqueuer  *Enqueuer
	Every     time.Duration // the tick; a schedule point is due when the age crossed it within a tick
	Now       func() time.Time
	Log       *slog.Logger
}

// Due reports whether an order of this age should be asked about in the tick that ends now.
func (q *ActiveQuery) Due(age time.Duration) bool {
	crossed := func(point time.Duration) bool { return age >= point && age < point+q.Every }
	for _, p := range QuerySchedule {
		if crossed(p) {
			return true
		}
	}
	return age >= time.Hour && age%time.Hour < q.Every
}

// Tick asks about the orders due now and closes the expired ones; it returns how many it found
// paid and how many it closed.
func (q *ActiveQuery) Tick(ctx context.Context) (paid, closed int, err error) {
	now := q.Now()
	open, err := q.Orders.OpenOrders(ctx, now.Add(-QuerySchedule[0]), 1000)
	if err != nil {
		return 0, 0, err
	}
	for _, o := range open {
		p, ok := q.Providers[o.Channel]
		if !ok {
			continue
		}
		expired := !now.Before(o.ExpiresAt)
		if !expired && !q.Due(now.Sub(o.CreatedAt)) {
			continue
		}
		found, err := q.ask(ctx, p, o)
		switch {
		case err != nil:
			q.Log.Warn("active query failed", "order", o.OutTradeNo, "channel", o.Channel, "err", err)
			continue
		case found:
			paid++
		case expired:
			if err := q.close(ctx, p, o); err != nil {
				q.Log.Warn("closing an expired order failed", "order", o.OutTradeNo, "err", err)
				continue
			}
			closed++
		}
	}
	return paid, closed, nil
}

// ask queries the provider; money found is marked paid and queued for posting like a callback.
func (q *ActiveQuery) ask(ctx context.Context, p payments.Provider, o store.Order) (bool, error) {
	r, err := p.Query(ctx, o.OutTradeNo)
	if errors.Is(err, billing.ErrNotFound) {
		return false, nil // the provider never heard of it (its code was never made): not paid
	}
	if err != nil || r.State != payments.TradePaid {
		return false, err
	}
	res, err := q.Orders.MarkPaid(ctx, o.OutTradeNo, r.ProviderTxnID, r.Amount, r.PaidAt)
	if err != nil {
		return false, err
	}
	q.Log.Info("active query found a payment", "order", o.OutTradeNo, "outcome", res.Outcome)
	payments.QueuePosting(ctx, q.Enqueuer, q.Log, res.Order.ID, res.OutboxID)
	return true, nil
}

// close ends an expired, unpaid order at the provider, then here. A payment that lands after this
// is still credited: its callback moves the order from CLOSED to FLAGGED and posts it.
func (q *ActiveQuery) close(ctx context.Context, p payments.Provider, o store.Order) error {
	if o.Status == payments.Pending {
		// A conflict means it was paid meanwhile: the order stays open and the next ask finds it.
		if err := p.Close(ctx, o.OutTradeNo); err != nil {
			return err
		}
	}
	_, err := q.Orders.MoveOrder(ctx, o.ID, o.Status, payments.Closed, "expired unpaid", nil)
	return err
}

// Run ticks every Every until ctx ends.
func (q *ActiveQuery) Run(ctx context.Context) {
	tick := time.NewTicker(q.Every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if paid, closed, err := q.Tick(ctx); err != nil {
			q.Log.Warn("active query tick failed", "err", err)
		} else if paid+closed > 0 {
			q.Log.Info("active query", "found_paid", paid, "closed", closed)
		}
	}
}
