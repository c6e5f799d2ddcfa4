package billing_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"gridpay/internal/billing"
)

func TestDefaultDisputeSLA(t *testing.T) {
	since := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	sla := billing.DefaultDisputeSLA()
	for _, tc := range []struct {
		status billing.DisputeStatus
		clock  time.Duration // 0: none
	}{
		{billing.DisputeOpen, 24 * time.Hour},
		{billing.DisputeInReview, 72 * time.Hour},
		{billing.DisputeAwaitingApproval, 24 * time.Hour},
		{billing.DisputeAdjusted, 48 * time.Hour},
		{billing.DisputeRefunded, 48 * time.Hour},
		{billing.DisputeRejected, 48 * time.Hour},
		{billing.DisputeFollowUp, 72 * time.Hour},
		{billing.DisputeClosed, 0},
		{"unknown", 0},
	} {
		t.Run(string(tc.status), func(t *testing.T) {
			due, ok := sla.Due(tc.status, since)
			if ok != (tc.clock > 0) || (ok && !due.Equal(since.Add(tc.clock))) {
				t.Fatalf("Due(%s) = %v, %v; want a clock of %v", tc.status, due, ok, tc.clock)
			}
			if tc.clock == 0 {
				if sla.Breached(tc.status, since, since.AddDate(10, 0, 0)) {
					t.Errorf("Breached(%s) ten years on = true; a status without a clock is never overdue", tc.status)
				}
				return
			}
			for _, c := range []struct {
				name string
				at   time.Time
				want bool
			}{
				{"at entry", since, false},
				{"a millisecond before due", since.Add(tc.clock - time.Millisecond), false},
				{"at due", since.Add(tc.clock), false},
				{"a millisecond past due", since.Add(tc.clock + time.Millisecond), true},
				{"past due, in another zone", since.Add(tc.clock + time.Minute).In(time.FixedZone("CST", 8*3600)), true},
			} {
				if got := sla.Breached(tc.status, since, c.at); got != c.want {
					t.Errorf("%s: Breached = %v, want %v", c.name, got, c.want)
				}
			}
		})
	}
	sla[billing.DisputeOpen] = time.Minute
	if again := billing.DefaultDisputeSLA(); again[billing.DisputeOpen] != 24*time.Hour {
		t.Error("DefaultDisputeSLA returns a map its caller can change")
	}
}

func TestParseDisputeSLA(t *testing.T) {
	def := billing.DefaultDisputeSLA()
	with := func(changes map[billing.DisputeStatus]time.Duration) billing.DisputeSLA {
		s := billing.DefaultDisputeSLA()
		for k, v := range changes {
			s[k] = v
		}
		return s
	}
	for _, tc := range []struct {
		name string
		in   string
		want billing.DisputeSLA // nil: ErrInvalid
	}{
		{"empty is the default", "", def},
		{"blank is the default", "  ", def},
		{"one override", "open=12h", with(map[billing.DisputeStatus]time.Duration{billing.DisputeOpen: 12 * time.Hour})},
		{"several with spaces", " open = 12h , follow_up=96h,awaiting_approval=30m ", with(map[billing.DisputeStatus]time.Duration{
			billing.DisputeOpen: 12 * time.Hour, billing.DisputeFollowUp: 96 * time.Hour, billing.DisputeAwaitingApproval: 30 * time.Minute})},
		{"every status with a clock", "open=1h,in_review=2h,awaiting_approval=3h,adjusted=4h,refunded=5h,rejected=6h,follow_up=7h",
			billing.DisputeSLA{billing.DisputeOpen: time.Hour, billing.DisputeInReview: 2 * time.Hour, billing.DisputeAwaitingApproval: 3 * time.Hour,
				billing.DisputeAdjusted: 4 * time.Hour, billing.DisputeRefunded: 5 * time.Hour, billing.DisputeRejected: 6 * time.Hour,
				billing.DisputeFollowUp: 7 * time.Hour}},
		{"unknown status", "opened=1h", nil},
		{"status in capitals", "OPEN=1h", nil},
		{"closed has no clock", "closed=1h", nil},
		{"listed twice", "open=1h,open=2h", nil},
		{"no duration", "open=", nil},
		{"no equals sign", "open", nil},
		{"bad duration", "open=24", nil},
		{"days are not a unit", "open=1d", nil},
		{"zero", "open=0s", nil},
		{"negative", "open=-1h", nil},
		{"trailing comma", "open=1h,", nil},
		{"over 500 bytes", "open=1h," + strings.Repeat(" ", 493), nil},
		{"10 KB", strings.Repeat("open=1h,", 1280), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := billing.ParseDisputeSLA(tc.in)
			if tc.want == nil {
				if !errors.Is(err, billing.ErrInvalid) {
					t.Errorf("ParseDisputeSLA(%q) = %v, %v; want ErrInvalid", tc.in, got, err)
				}
				return
			}
			if err != nil || len(got) != len(tc.want) {
				t.Fatalf("ParseDisputeSLA(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("ParseDisputeSLA(%q)[%s] = %v, want %v", tc.in, k, got[k], v)
				}
			}
		})
	}
	// The bound itself passes.
	if _, err := billing.ParseDisputeSLA("open=1h" + strings.Repeat(" ", 493)); err != nil {
		t.Errorf("500 bytes: %v", err)
	}
}

func TestDisputeActionKinds(t *testing.T) {
	if got := billing.DisputeActionKinds(); !slices.Equal(got, []billing.DisputeActionKind{"adjust_bill", "waive_fee", "refund", "reject"}) {
		t.Errorf("DisputeActionKinds() = %v", got)
	}
	for _, tc := range []struct {
		kind      billing.DisputeActionKind
		valid     bool
		settles   billing.DisputeStatus
		hasAmount bool
	}{
		{billing.ActionAdjustBill, true, billing.DisputeAdjusted, true},
		{billing.ActionWaiveFee, true, billing.DisputeAdjusted, true},
		{billing.ActionRefund, true, billing.DisputeRefunded, true},
		{billing.ActionReject, true, billing.DisputeRejected, false},
		{"", false, "", false},
		{"REFUND", false, "", false},
		{"approve", false, "", false},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			if tc.kind.Valid() != tc.valid || tc.kind.Settles() != tc.settles || tc.kind.HasAmount() != tc.hasAmount {
				t.Errorf("%q: Valid %v, Settles %q, HasAmount %v; want %v, %q, %v", tc.kind, tc.kind.Valid(), tc.kind.Settles(),
					tc.kind.HasAmount(), tc.valid, tc.settles, tc.hasAmount)
			}
			// What a settlement leads to is a legal move out of review and out of approval.
			if tc.valid && (!billing.DisputeInReview.CanMoveTo(tc.settles) || !billing.DisputeAwaitingApproval.CanMoveTo(tc.settles)) {
				t.Errorf("%s settles as %s, which review or approval cannot move to", tc.kind, tc.settles)
			}
		})
	}
	statuses := billing.DisputeActionStatuses()
	if !slices.Equal(statuses, []billing.DisputeActionStatus{"proposed", "approved", "declined", "posted"}) {
		t.Errorf("DisputeActionStatuses() = %v", statuses)
	}
	for _, s := range statuses {
		if !s.Valid() {
			t.Errorf("%s.Valid() = false", s)
		}
	}
	for _, s := range []billing.DisputeActionStatus{"", "Proposed", "rejected"} {
		if s.Valid() {
			t.Errorf("%q.Valid() = true", s)
		}
	}
}

func TestCheckFourEyes(t *testing.T) {
	for _, tc := range []struct {
		name               string
		proposer, decision int64
		want               error
	}{
		{"another person", 7, 8, nil},
		{"the proposer", 7, 7, billing.ErrForbidden},
		{"nobody twice", 0, 0, billing.ErrForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := billing.CheckFourEyes(tc.proposer, tc.decision)
			if (tc.want == nil) != (err == nil) || !errors.Is(err, tc.want) {
				t.Errorf("CheckFourEyes(%d, %d) = %v, want %v", tc.proposer, tc.decision, err, tc.want)
			}
		})
	}
}

func TestNeedsApproval(t *testing.T) {
	const limit = billing.Money(50000) // 500.00 yuan
	for _, tc := range []struct {
		name   string
		kind   billing.DisputeActionKind
		amount billing.Money
		want   bool
	}{
		{"adjustment below the limit", billing.ActionAdjustBill, 49999, false},
		{"adjustment at the limit", billing.ActionAdjustBill, 50000, false},
		{"adjustment a fen above", billing.ActionAdjustBill, 50001, true},
		{"fee waiver above", billing.ActionWaiveFee, 80000, true},
		{"fee waiver within", billing.ActionWaiveFee, 100, false},
		{"refund above", billing.ActionRefund, 1_000_000, true},
		{"refund at the limit", billing.ActionRefund, 50000, false},
		{"rejection never", billing.ActionReject, 0, false},
		{"rejection with an amount still never", billing.ActionReject, 1_000_000, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := billing.NeedsApproval(tc.kind, tc.amount, limit); got != tc.want {
				t.Errorf("NeedsApproval(%s, %d, %d) = %v, want %v", tc.kind, tc.amount, limit, got, tc.want)
			}
		})
	}
	if !billing.NeedsApproval(billing.ActionRefund, 1, 0) {
		t.Error("an agent with no limit refunds a fen alone")
	}
}

func TestRejectReasons(t *testing.T) {
	want := []billing.RejectReason{"reading_correct", "payment_found", "outside_scope", "duplicate", "no_evidence"}
	got := billing.RejectReasons()
	if !slices.Equal(got, want) {
		t.Fatalf("RejectReasons() = %v, want %v", got, want)
	}
	got[0] = "changed"
	if billing.RejectReasons()[0] != want[0] {
		t.Error("RejectReasons() returns a slice its caller can change")
	}
	for _, r := range want {
		if !r.Valid() {
			t.Errorf("%s.Valid() = false", r)
		}
	}
	for _, r := range []billing.RejectReason{"", "Duplicate", "other"} {
		if r.Valid() {
			t.Errorf("%q.Valid() = true", r)
		}
	}
}
