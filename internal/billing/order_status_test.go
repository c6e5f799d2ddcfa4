package billing_test

import (
	"errors"
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
		s                     billing.OrderStatus
		valid, open, inFlight bool
	}{
		{billing.OrderCreated, true, true, false},
		{billing.OrderPending, true, true, false},
		{billing.OrderPaid, true, false, true},
		{billing.OrderPosted, true, false, false},
		{billing.OrderClosed, true, false, false},
		{billing.OrderFlagged, true, false, false},
		{billing.OrderRefunding, true, false, false},
		{billing.OrderRefunded, true, false, false},
		{"paid", false, false, false},
		{"", false, false, false},
	} {
		t.Run(string(tc.s), func(t *testing.T) {
			if got := tc.s.Valid(); got != tc.valid {
				t.Errorf("%q.Valid() = %v, want %v", tc.s, got, tc.valid)
			}
			if got := tc.s.Open(); got != tc.open {
				t.Errorf("%q.Open() = %v, want %v", tc.s, got, tc.open)
			}
			if got := tc.s.InFlight(); got != tc.inFlight {
				t.Errorf("%q.InFlight() = %v, want %v", tc.s, got, tc.inFlight)
			}
		})
	}
}
