package payments

import (
	"context"
	"errors"
	"fmt"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

// Refunder is a provider that can give a payment back.
type Refunder interface {
	// RefundOrder asks for the refund and reports whether the money went back (Done) or is still
	// on its way. The refund number makes asking again safe: the provider refunds once per number.
	RefundOrder(ctx context.Context, r RefundRequest) (done bool, err error)
}

// RefundRequest is a whole-order refund.
type RefundRequest struct {
	OutTradeNo string
	RefundNo   string
	Amount     billing.Money
	Total      billing.Money
	Reason     string
}

// Receipts is the core-database side of a refund: reversing the order's receipt (冲正).
type Receipts interface {
	ReverseReceipt(ctx context.Context, channel, orderNo, ref string) (store.Receipt, error)
}

// refundNo is an order's refund number: one per order, so that every retry asks for the same refund.
func refundNo(o store.Order) string { return "RF" + o.OutTradeNo[2:] }

// Refund gives a posted order's money back (a service call; the staff page arrives with the admin
// issue): POSTED -> REFUNDING, the provider refunds, the core receipt is reversed exactly once,
// REFUNDED. A refund the provider refuses puts the order back to POSTED; one still on its way
// leaves it REFUNDING, and calling Refund again picks it up where it stood.
func (s *Service) Refund(ctx context.Context, outTradeNo, reason string, receipts Receipts) (store.Order, error) {
	o, err := s.Orders.OrderByOutTradeNo(ctx, outTradeNo)
	if err != nil {
		return store.Order{}, err
	}
	r, ok := Unguarded(s.Providers[o.Channel]).(Refunder)
	if !ok {
		return store.Order{}, fmt.Errorf("payments: refund of %s: channel %s cannot refund: %w", outTradeNo, o.Channel, billing.ErrInvalid)
	}
	switch o.Status {
	case Posted:
		if o, err = s.Orders.MoveOrder(ctx, o.ID, Posted, Refunding, "refund asked: "+reason, nil); err != nil {
			return store.Order{}, err
		}
	case Refunding: // resume
	default:
		return store.Order{}, fmt.Errorf("payments: refund of %s: order is %s, not posted: %w", outTradeNo, o.Status, billing.ErrConflict)
	}
	done, err := r.RefundOrder(ctx, RefundRequest{OutTradeNo: o.OutTradeNo, RefundNo: refundNo(o), Amount: o.PaidAmount,
		Total: o.PaidAmount, Reason: reason})
	if err != nil {
		if errors.Is(err, billing.ErrConflict) || errors.Is(err, billing.ErrInvalid) {
			// The provider said no: the money stays with us, posted.
			if _, merr := s.Orders.MoveOrder(ctx, o.ID, Refunding, Posted, "refund refused: "+err.Error(), nil); merr != nil {
				return store.Order{}, errors.Join(err, merr)
			}
		}
		return store.Order{}, fmt.Errorf("payments: refund of %s: %w", outTradeNo, err)
	}
	if !done {
		return o, nil // on its way; ask again later
	}
	if _, err := receipts.ReverseReceipt(ctx, o.Channel, o.OutTradeNo, refundNo(o)); err != nil {
		return store.Order{}, fmt.Errorf("payments: refund of %s: money returned, receipt not yet reversed: %w", outTradeNo, err)
	}
	return s.Orders.MoveOrder(ctx, o.ID, Refunding, Refunded, "refunded as "+refundNo(o), nil)
}
