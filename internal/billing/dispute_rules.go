package billing

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// DisputeSLA is how long a dispute may stay in each status before it is overdue (超时): the clock
// starts when the dispute enters the status. A status without an entry has no clock.
type DisputeSLA map[DisputeStatus]time.Duration

// DefaultDisputeSLA returns the bureau's service levels: a day to take a dispute on, three days to
// check it, a day for a supervisor's approval, two days to follow a settlement up, three days for
// the call back; a closed dispute has no clock. It returns a new map each time.
func DefaultDisputeSLA() DisputeSLA {
	return DisputeSLA{
		DisputeOpen:             24 * time.Hour,
		DisputeInReview:         72 * time.Hour,
		DisputeAwaitingApproval: 24 * time.Hour,
		DisputeAdjusted:         48 * time.Hour,
		DisputeRefunded:         48 * time.Hour,
		DisputeRejected:         48 * time.Hour,
		DisputeFollowUp:         72 * time.Hour,
	}
}

// Due returns when a dispute that entered status at since becomes overdue, and false when the
// status has no clock.
func (s DisputeSLA) Due(status DisputeStatus, since time.Time) (time.Time, bool) {
	d, ok := s[status]
	if !ok || d <= 0 {
		return time.Time{}, false
	}
	return since.Add(d), true
}

// Breached reports whether a dispute that entered status at since is overdue at now: past its due
// time, not at it.
func (s DisputeSLA) Breached(status DisputeStatus, since, now time.Time) bool {
	due, ok := s.Due(status, since)
	return ok && now.After(due)
}

// MaxDisputeSLAText bounds the text ParseDisputeSLA reads.
const MaxDisputeSLAText = 500

// ParseDisputeSLA reads service levels written as "open=24h,in_review=72h": each listed status
// overrides DefaultDisputeSLA's, the others keep it. An empty text is the default. An unknown
// status, closed (which has no clock), a status listed twice, a duration time.ParseDuration does not
// read or one not above zero, and a text over MaxDisputeSLAText bytes are ErrInvalid.
func ParseDisputeSLA(v string) (DisputeSLA, error) {
	if len(v) > MaxDisputeSLAText {
		return nil, fmt.Errorf("dispute SLA: %d bytes, want at most %d: %w", len(v), MaxDisputeSLAText, ErrInvalid)
	}
	sla := DefaultDisputeSLA()
	if strings.TrimSpace(v) == "" {
		return sla, nil
	}
	seen := map[DisputeStatus]bool{}
	for _, item := range strings.Split(v, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(item), "=")
		status := DisputeStatus(strings.TrimSpace(name))
		if !ok || !status.Valid() || status == DisputeClosed {
			return nil, fmt.Errorf("dispute SLA: %q: want status=duration for a status other than closed: %w", item, ErrInvalid)
		}
		if seen[status] {
			return nil, fmt.Errorf("dispute SLA: %s listed twice: %w", status, ErrInvalid)
		}
		seen[status] = true
		d, err := time.ParseDuration(strings.TrimSpace(value))
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("dispute SLA: %q: want a duration above zero such as 24h: %w", item, ErrInvalid)
		}
		sla[status] = d
	}
	return sla, nil
}

// DisputeActionKind is how staff settle a dispute: a correction of a bill, a waived late fee, a
// refund, or a reasoned rejection.
type DisputeActionKind string

// The kinds of settlement.
const (
	ActionAdjustBill DisputeActionKind = "adjust_bill" // reduce a bill's principal
	ActionWaiveFee   DisputeActionKind = "waive_fee"   // waive (part of) a bill's late fee
	ActionRefund     DisputeActionKind = "refund"      // give a payment's money back
	ActionReject     DisputeActionKind = "reject"      // nothing to correct, with a reason code
)

var disputeActionKinds = []DisputeActionKind{ActionAdjustBill, ActionWaiveFee, ActionRefund, ActionReject}

// DisputeActionKinds returns every kind of settlement. It returns a new slice each time.
func DisputeActionKinds() []DisputeActionKind { return slices.Clone(disputeActionKinds) }

// Valid reports whether k is one of the kinds.
func (k DisputeActionKind) Valid() bool { return slices.Contains(disputeActionKinds, k) }

// Settles returns the status a dispute settled by k takes; "" for an unknown kind.
func (k DisputeActionKind) Settles() DisputeStatus {
	switch k {
	case ActionAdjustBill, ActionWaiveFee:
		return DisputeAdjusted
	case ActionRefund:
		return DisputeRefunded
	case ActionReject:
		return DisputeRejected
	}
	return ""
}

// HasAmount reports whether a settlement of kind k moves money, and so needs an amount above zero.
func (k DisputeActionKind) HasAmount() bool {
	return k == ActionAdjustBill || k == ActionWaiveFee || k == ActionRefund
}

// DisputeActionStatus is where a proposed settlement stands.
type DisputeActionStatus string

// The statuses of a settlement.
const (
	ActionProposed DisputeActionStatus = "proposed" // waits for a second person's decision
	ActionApproved DisputeActionStatus = "approved" // decided (or within its proposer's limit)
	ActionDeclined DisputeActionStatus = "declined" // refused by the second person
	ActionPosted   DisputeActionStatus = "posted"   // the adjustment reached the core database
)

// DisputeActionStatuses returns every status of a settlement. It returns a new slice each time.
func DisputeActionStatuses() []DisputeActionStatus {
	return []DisputeActionStatus{ActionProposed, ActionApproved, ActionDeclined, ActionPosted}
}

// Valid reports whether s is one of the statuses.
func (s DisputeActionStatus) Valid() bool { return slices.Contains(DisputeActionStatuses(), s) }

// CheckFourEyes returns nil when a settlement is decided by someone other than its proposer, and
// otherwise an error wrapping ErrForbidden: no one approves their own proposal (四眼原则).
func CheckFourEyes(proposedBy, decidedBy int64) error {
	if proposedBy == decidedBy {
		return fmt.Errorf("staff %d cannot decide their own proposal: %w", decidedBy, ErrForbidden)
	}
	return nil
}

// NeedsApproval reports whether a settlement of kind and amount needs a second person: an amount
// above the proposer's limit does. A rejection moves no money and never does.
func NeedsApproval(kind DisputeActionKind, amount, limit Money) bool {
	return kind.HasAmount() && amount > limit
}

// RejectReason is why a dispute was rejected, as a code the customer's message and the reports
// share.
type RejectReason string

// The reasons for a rejection.
const (
	RejectReadingCorrect RejectReason = "reading_correct" // the reading was checked and is right
	RejectPaymentFound   RejectReason = "payment_found"   // the payment was found and is credited
	RejectOutsideScope   RejectReason = "outside_scope"   // not a matter for the bureau
	RejectDuplicate      RejectReason = "duplicate"       // the same matter is disputed already
	RejectNoEvidence     RejectReason = "no_evidence"     // nothing supports the claim
)

var rejectReasons = []RejectReason{RejectReadingCorrect, RejectPaymentFound, RejectOutsideScope, RejectDuplicate, RejectNoEvidence}

// RejectReasons returns every reason code, in the order a form offers them. It returns a new slice
// each time.
func RejectReasons() []RejectReason { return slices.Clone(rejectReasons) }

// Valid reports whether r is one of the reason codes.
func (r RejectReason) Valid() bool { return slices.Contains(rejectReasons, r) }
