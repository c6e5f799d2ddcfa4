package billing_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"gridpay/internal/billing"
)

// legalDisputeMoves is the dispute's life as docs/domain.md tells it, written out on its own so that the
// test does not read the table it checks: staff take an open dispute into review (受理 -> 核查),
// settle it by an adjustment, a refund or a rejection, through a supervisor's approval when the
// amount is above their limit (待审批), follow the outcome up with the customer (回访) and close it.
// An open dispute may also be rejected or closed as it stands (unfounded, withdrawn, a duplicate).
// The only way back is a declined approval, which returns the dispute to review; a settled or
// closed dispute is never open again, and a customer who disagrees files a new one.
var legalDisputeMoves = map[[2]billing.DisputeStatus]bool{
	{billing.DisputeOpen, billing.DisputeInReview}:             true,
	{billing.DisputeOpen, billing.DisputeRejected}:             true,
	{billing.DisputeOpen, billing.DisputeClosed}:               true,
	{billing.DisputeInReview, billing.DisputeAwaitingApproval}: true,
	{billing.DisputeInReview, billing.DisputeAdjusted}:         true,
	{billing.DisputeInReview, billing.DisputeRefunded}:         true,
	{billing.DisputeInReview, billing.DisputeRejected}:         true,
	{billing.DisputeInReview, billing.DisputeClosed}:           true,
	{billing.DisputeAwaitingApproval, billing.DisputeAdjusted}: true,
	{billing.DisputeAwaitingApproval, billing.DisputeRefunded}: true,
	{billing.DisputeAwaitingApproval, billing.DisputeRejected}: true,
	{billing.DisputeAwaitingApproval, billing.DisputeInReview}: true,
	{billing.DisputeAdjusted, billing.DisputeFollowUp}:         true,
	{billing.DisputeAdjusted, billing.DisputeClosed}:           true,
	{billing.DisputeRefunded, billing.DisputeFollowUp}:         true,
	{billing.DisputeRefunded, billing.DisputeClosed}:           true,
	{billing.DisputeRejected, billing.DisputeFollowUp}:         true,
	{billing.DisputeRejected, billing.DisputeClosed}:           true,
	{billing.DisputeFollowUp, billing.DisputeClosed}:           true,
}

func TestDisputeTransitionEveryPair(t *testing.T) {
	all := billing.DisputeStatuses()
	if len(all) != 8 {
		t.Fatalf("DisputeStatuses() has %d statuses, want 8", len(all))
	}
	legal := 0
	for _, from := range all {
		for _, to := range all {
			want := legalDisputeMoves[[2]billing.DisputeStatus{from, to}]
			if want {
				legal++
			}
			t.Run(string(from)+"->"+string(to), func(t *testing.T) {
				if got := from.CanMoveTo(to); got != want {
					t.Errorf("%s.CanMoveTo(%s) = %v, want %v", from, to, got, want)
				}
				err := billing.TransitionDispute(from, to)
				if want {
					if err != nil {
						t.Errorf("TransitionDispute(%s, %s) = %v, want nil", from, to, err)
					}
					return
				}
				if !errors.Is(err, billing.ErrConflict) {
					t.Fatalf("TransitionDispute(%s, %s) = %v, want ErrConflict", from, to, err)
				}
				if msg := err.Error(); !strings.Contains(msg, `"`+string(from)+`"`) || !strings.Contains(msg, `"`+string(to)+`"`) {
					t.Errorf("TransitionDispute(%s, %s) = %q, want both statuses named", from, to, msg)
				}
			})
		}
	}
	if legal != len(legalDisputeMoves) {
		t.Errorf("%d legal moves among the statuses, want %d: a listed move names an unknown status", legal, len(legalDisputeMoves))
	}
}

func TestDisputeTransitionUnknownStatus(t *testing.T) {
	for _, tc := range []struct {
		name     string
		from, to billing.DisputeStatus
	}{
		{"upper case", "OPEN", billing.DisputeClosed},
		{"empty to", billing.DisputeOpen, ""},
		{"empty from", "", billing.DisputeOpen},
		{"made up", billing.DisputeInReview, "approved"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := billing.TransitionDispute(tc.from, tc.to); !errors.Is(err, billing.ErrConflict) {
				t.Errorf("TransitionDispute(%q, %q) = %v, want ErrConflict", tc.from, tc.to, err)
			}
		})
	}
}

func TestDisputeStatusesAndCategories(t *testing.T) {
	wantStatuses := []billing.DisputeStatus{"open", "in_review", "awaiting_approval", "adjusted", "refunded", "rejected", "follow_up", "closed"}
	if got := billing.DisputeStatuses(); !slices.Equal(got, wantStatuses) {
		t.Errorf("DisputeStatuses() = %v, want %v", got, wantStatuses)
	}
	wantCategories := []billing.DisputeCategory{"reading_amount", "not_credited", "paid_twice", "late_fee_waiver", "faulty_meter"}
	got := billing.DisputeCategories()
	if !slices.Equal(got, wantCategories) {
		t.Errorf("DisputeCategories() = %v, want %v", got, wantCategories)
	}
	got[0] = "changed"
	if again := billing.DisputeCategories(); again[0] != wantCategories[0] {
		t.Error("DisputeCategories() returns a slice its caller can change")
	}
	for _, tc := range []struct {
		name  string
		s     billing.DisputeStatus
		c     billing.DisputeCategory
		valid bool
	}{
		{"first", billing.DisputeOpen, billing.DisputeReadingAmount, true},
		{"last", billing.DisputeClosed, billing.DisputeFaultyMeter, true},
		{"empty", "", "", false},
		{"upper case", "OPEN", "PAID_TWICE", false},
		{"made up", "approved", "other", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.s.Valid() != tc.valid || tc.c.Valid() != tc.valid {
				t.Errorf("%q.Valid() = %v, %q.Valid() = %v; want %v", tc.s, tc.s.Valid(), tc.c, tc.c.Valid(), tc.valid)
			}
		})
	}
}

func TestOpenDisputeStatuses(t *testing.T) {
	want := map[billing.DisputeStatus]bool{billing.DisputeOpen: true, billing.DisputeInReview: true, billing.DisputeAwaitingApproval: true}
	for _, s := range billing.DisputeStatuses() {
		if s.Open() != want[s] {
			t.Errorf("%s.Open() = %v, want %v", s, s.Open(), want[s])
		}
	}
	if got := billing.OpenDisputeStatuses(); !slices.Equal(got, []billing.DisputeStatus{billing.DisputeOpen, billing.DisputeInReview, billing.DisputeAwaitingApproval}) {
		t.Errorf("OpenDisputeStatuses() = %v", got)
	}
}

func TestReminderStatusReached(t *testing.T) {
	for s, want := range map[billing.ReminderStatus]bool{billing.ReminderSent: true, billing.ReminderDelivered: true,
		billing.ReminderFailed: false, "queued": false, "": false} {
		if got := s.Reached(); got != want {
			t.Errorf("%q.Reached() = %v, want %v", s, got, want)
		}
		if s.Valid() != (s != "queued" && s != "") {
			t.Errorf("%q.Valid() = %v", s, s.Valid())
		}
	}
}
