package billing

import (
	"fmt"
	"slices"
)

// OrderStatus is where a payment order stands, from the moment a customer taps Pay until the money
// is posted to the account (销账) or given back.
//
// The state machine lives here rather than in package payments because two layers enforce it:
// payments drives orders through it, and internal/store checks every change of an order's status
// against it inside the transaction that makes the change. Imports point down (docs/design.md) and
// payments sits above store, so the rule must live below both; payments re-exports it as
// payments.Status.
type OrderStatus string

// The order statuses. An order is CREATED, becomes PENDING once the provider gave it a code to pay,
// PAID when the provider reports the money, and POSTED once the core database holds the receipt.
const (
	OrderCreated   OrderStatus = "CREATED"
	OrderPending   OrderStatus = "PENDING"
	OrderPaid      OrderStatus = "PAID"
	OrderPosted    OrderStatus = "POSTED"
	OrderClosed    OrderStatus = "CLOSED"    // expired, replaced or cancelled without payment
	OrderFlagged   OrderStatus = "FLAGGED"   // needs staff: paid after close, wrong amount, ...
	OrderRefunding OrderStatus = "REFUNDING" // refund asked of the provider
	OrderRefunded  OrderStatus = "REFUNDED"
)

// OrderStatuses returns every order status in the order of the happy path, then the side roads.
// It returns a new slice each time.
func OrderStatuses() []OrderStatus {
	return []OrderStatus{OrderCreated, OrderPending, OrderPaid, OrderPosted, OrderClosed, OrderFlagged,
		OrderRefunding, OrderRefunded}
}

// orderMoves is the set of legal moves. Anything not listed is refused.
var orderMoves = map[OrderStatus][]OrderStatus{
	OrderCreated: {OrderPending, OrderClosed, OrderFlagged},
	OrderPending: {OrderPaid, OrderClosed, OrderFlagged},
	OrderPaid:    {OrderPosted, OrderFlagged, OrderRefunding},
	OrderPosted:  {OrderRefunding},
	// A payment reported after the order was closed is still the customer's money: it is credited
	// and flagged for staff.
	OrderClosed: {OrderFlagged},
	// Staff decide a flagged order: accept its money (PAID, to be posted as a callback's money is),
	// give the money back, or close it. Money paid after close with the amount asked is posted
	// straight from FLAGGED.
	OrderFlagged: {OrderPaid, OrderPosted, OrderRefunding, OrderClosed},
	// A refund the provider refused leaves the money posted.
	OrderRefunding: {OrderRefunded, OrderPosted},
	OrderRefunded:  nil,
}

// Valid reports whether s is one of the order statuses.
func (s OrderStatus) Valid() bool {
	_, ok := orderMoves[s]
	return ok
}

// CanMoveTo reports whether an order may move from s to t. Staying put is not a move.
func (s OrderStatus) CanMoveTo(t OrderStatus) bool {
	for _, to := range orderMoves[s] {
		if to == t {
			return true
		}
	}
	return false
}

// Open reports whether an order in status s may still be paid as asked: CREATED or PENDING. An
// account has at most one open order per channel.
func (s OrderStatus) Open() bool { return s == OrderCreated || s == OrderPending }

// inFlightStatuses are the statuses in which an order that received its money holds it on the way
// to the account: PAID, waiting for its posting, and FLAGGED, waiting for staff (paid after close,
// or the wrong amount). Whether a flagged payment is posted or given back is staff's decision; until
// then the customer has paid.
var inFlightStatuses = []OrderStatus{OrderPaid, OrderFlagged}

// InFlightStatuses returns the statuses in which an order with its money received is in flight (see
// InFlight), for queries that select such orders. It returns a new slice each time.
func InFlightStatuses() []OrderStatus { return slices.Clone(inFlightStatuses) }

// InFlight reports whether an order in status s holds money on its way to the account: the money
// was received (moneyReceived: the provider reported it paid) and the order is PAID, not yet
// posted, or FLAGGED for staff. Such money stops the legal clock (docs/domain.md): no reminder and no
// notice for it.
func (s OrderStatus) InFlight(moneyReceived bool) bool {
	return moneyReceived && slices.Contains(inFlightStatuses, s)
}

// TransitionOrder returns nil when an order may move from one status to the other, and otherwise an
// error wrapping ErrConflict that names both.
func TransitionOrder(from, to OrderStatus) error {
	if !from.CanMoveTo(to) {
		return fmt.Errorf("order status %q cannot move to %q: %w", string(from), string(to), ErrConflict)
	}
	return nil
}
