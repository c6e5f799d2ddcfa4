package billing_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"gridpay/internal/billing"
)

// legalOrderMoves is the state machine as the payment design states it, written out on its own so
// that the test does not read the table it checks.
var legalOrderMoves = map[[2]billing.OrderStatus]bool{
	{billing.OrderCreated, billing.OrderPending}:    true,
	{billing.OrderCreated, billing.OrderClosed}:     true,
	{billing.OrderCreated, billing.OrderFlagged}:    true,
	{billing.OrderPending, billing.OrderPaid}:       true,
	{billing.OrderPending, billing.OrderClosed}:     true,
	{billing.OrderPending, billing.OrderFlagged}:    true,
	{billing.OrderPaid, billing.OrderPosted}:        true,
	{billing.OrderPaid, billing.OrderFlagged}:       true,
	{billing.OrderPaid, billing.OrderRefunding}:     true,
	{billing.OrderPosted, billing.OrderRefunding}:   true,
	{billing.OrderClosed, billing.OrderFlagged}:     true,
	{billing.OrderFlagged, billing.OrderPaid}:       true,
	{billing.OrderFlagged, billing.OrderPosted}:     true,
	{billing.OrderFlagged, billing.OrderRefunding}:  true,
	{billing.OrderFlagged, billing.OrderClosed}:     true,
	{billing.OrderRefunding, billing.OrderRefunded}: true,
	{billing.OrderRefunding, billing.OrderPosted}:   true,
}

func TestOrderTransitionEveryPair(t *testing.T) {
	all := billing.OrderStatuses()
	if len(all) != 8 {
		t.Fatalf("OrderStatuses() has %d statuses, want 8", len(all))
	}
	legal := 0
	for _, from := range all {
		for _, to := range all {
			want := legalOrderMoves[[2]billing.OrderStatus{from, to}]
			t.Run(string(from)+"->"+string(to), func(t *testing.T) {
				if got := from.CanMoveTo(to); got != want {
					t.Errorf("%s.CanMoveTo(%s) = %v, want %v", from, to, got, want)
				}
				err := billing.TransitionOrder(from, to)
				if want {
					if err != nil {
						t.Errorf("TransitionOrder(%s, %s) = %v, want nil", from, to, err)
					}
					return
				}
				if !errors.Is(err, billing.ErrConflict) {
					t.Fatalf("TransitionOrder(%s, %s) = %v, want ErrConflict", from, to, err)
				}
				if msg := err.Error(); !strings.Contains(msg, `"`+string(from)+`"`) || !strings.Contains(msg, `"`+string(to)+`"`) {
					t.Errorf("TransitionOrder(%s, %s) = %q, want both statuses named", from, to, msg)
				}
			})
			if want {
				legal++
			}
		}
	}
	if legal != len(legalOrderMoves) {
		t.Errorf("%d legal moves among the statuses, want %d: a listed move names an unknown status", legal, len(legalOrderMoves))
	}
}

func TestOrderTransitionUnknownStatus(t *testing.T) {
	for _, tc := range []struct {
		name     string
		from, to billing.OrderStatus
	}{
		{"lower case", "pending", billing.OrderPaid},
		{"empty to", billing.OrderPending, ""},
		{"empty from", "", billing.OrderCreated},
		{"made up", billing.OrderPaid, "SETTLED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := billing.TransitionOrder(tc.from, tc.to); !errors.Is(err, billing.ErrConflict) {
				t.Errorf("TransitionOrder(%q, %q) = %v, want ErrConflict", tc.from, tc.to, err)
			}
		})
	}
}

func TestOrderStatusPredicates(t *testing.T) {
	for _, tc := range []struct {
		s           billing.OrderStatus
		valid, open bool
	}{
		{billing.OrderCreated, true, true},
		{billing.OrderPending, true, true},
		{billing.OrderPaid, true, false},
		{billing.OrderPosted, true, false},
		{billing.OrderClosed, true, false},
		{billing.OrderFlagged, true, false},
		{billing.OrderRefunding, true, false},
		{billing.OrderRefunded, true, false},
		{"paid", false, false},
		{"", false, false},
	} {
		t.Run(string(tc.s), func(t *testing.T) {
			if got := tc.s.Valid(); got != tc.valid {
				t.Errorf("%q.Valid() = %v, want %v", tc.s, got, tc.valid)
			}
			if got := tc.s.Open(); got != tc.open {
				t.Errorf("%q.Open() = %v, want %v", tc.s, got, tc.open)
			}
		})
	}
}

// TestOrderInFlight is the definition of a payment in flight (docs/domain.md, the legal clock): the
// customer's money has arrived and is neither posted nor being given back. A FLAGGED order with its
// money is in flight: staff decide whether it is posted or refunded, and until then the customer
// has paid.
func TestOrderInFlight(t *testing.T) {
	for _, tc := range []struct {
		name          string
		s             billing.OrderStatus
		moneyReceived bool
		want          bool
	}{
		{"created", billing.OrderCreated, false, false},
		{"pending", billing.OrderPending, false, false},
		{"paid", billing.OrderPaid, true, true},
		{"posted", billing.OrderPosted, true, false},
		{"closed unpaid", billing.OrderClosed, false, false},
		{"flagged with its money", billing.OrderFlagged, true, true},
		{"flagged without money", billing.OrderFlagged, false, false},
		{"refunding", billing.OrderRefunding, true, false},
		{"refunded", billing.OrderRefunded, true, false},
		{"unknown status with money", "paid", true, false},
		{"empty status", "", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.s.InFlight(tc.moneyReceived); got != tc.want {
				t.Errorf("%q.InFlight(%v) = %v, want %v", tc.s, tc.moneyReceived, got, tc.want)
			}
		})
	}
}

// TestInFlightStatuses checks the list the store builds its query from against the predicate: a
// status is listed exactly when an order in it with its money is in flight.
func TestInFlightStatuses(t *testing.T) {
	listed := billing.InFlightStatuses()
	for _, s := range billing.OrderStatuses() {
		t.Run(string(s), func(t *testing.T) {
			if got, want := slices.Contains(listed, s), s.InFlight(true); got != want {
				t.Errorf("InFlightStatuses() lists %s: %v, want %v (InFlight(true))", s, got, want)
			}
			if s.InFlight(false) {
				t.Errorf("%s.InFlight(false) = true: no money, nothing in flight", s)
			}
		})
	}
	listed[0] = "changed"
	if again := billing.InFlightStatuses(); again[0] == "changed" {
		t.Error("InFlightStatuses() returns a slice its caller can change")
	}
}
