package billing

import (
	"fmt"
	"slices"
)

// DisputeCategory is what a customer disputes (客户异议, docs/domain.md).
type DisputeCategory string

// The dispute categories.
const (
	DisputeReadingAmount DisputeCategory = "reading_amount"  // 电量电费异议: the reading or the amount
	DisputeNotCredited   DisputeCategory = "not_credited"    // 缴费未到账: paid, but not credited
	DisputePaidTwice     DisputeCategory = "paid_twice"      // 重复缴费: paid twice
	DisputeLateFeeWaiver DisputeCategory = "late_fee_waiver" // 违约金减免: asks for the late fee to be waived
	DisputeFaultyMeter   DisputeCategory = "faulty_meter"    // 表计故障: the meter is faulty
)

var disputeCategories = []DisputeCategory{DisputeReadingAmount, DisputeNotCredited, DisputePaidTwice,
	DisputeLateFeeWaiver, DisputeFaultyMeter}

// DisputeCategories returns every category, in the order a form offers them. It returns a new slice
// each time.
func DisputeCategories() []DisputeCategory { return slices.Clone(disputeCategories) }

// Valid reports whether c is one of the categories.
func (c DisputeCategory) Valid() bool { return slices.Contains(disputeCategories, c) }

// DisputeStatus is where a dispute stands: open when filed (受理), in review while staff check the
// evidence (核查), awaiting approval while a second person looks at a proposed settlement (待审批),
// then settled as adjusted, refunded or rejected (处理), followed up with the customer (回访), and
// closed (关闭).
//
// Like OrderStatus, the state machine lives here because internal/store checks every change of a
// dispute's status against it inside the transaction that makes the change.
type DisputeStatus string

// The dispute statuses, in the order of a dispute's life.
const (
	DisputeOpen             DisputeStatus = "open"
	DisputeInReview         DisputeStatus = "in_review"
	DisputeAwaitingApproval DisputeStatus = "awaiting_approval" // a settlement above its proposer's limit waits for a supervisor
	DisputeAdjusted         DisputeStatus = "adjusted"          // settled: the bill or the account was corrected
	DisputeRefunded         DisputeStatus = "refunded"          // settled: money given back
	DisputeRejected         DisputeStatus = "rejected"          // settled: nothing to correct, with a reason
	DisputeFollowUp         DisputeStatus = "follow_up"         // staff call the customer back about the outcome
	DisputeClosed           DisputeStatus = "closed"
)

// DisputeStatuses returns every dispute status in the order of a dispute's life. It returns a new
// slice each time.
func DisputeStatuses() []DisputeStatus {
	return []DisputeStatus{DisputeOpen, DisputeInReview, DisputeAwaitingApproval, DisputeAdjusted, DisputeRefunded,
		DisputeRejected, DisputeFollowUp, DisputeClosed}
}

// disputeMoves is the set of legal moves. Anything not listed is refused; in particular nothing goes
// back to open, and nothing settled or closed goes back into review: a customer who disagrees with
// the outcome files a new dispute, so that every outcome told to a customer stays on record as told.
// The one way back is a declined settlement, which returns the dispute to checking.
var disputeMoves = map[DisputeStatus][]DisputeStatus{
	// A withdrawn, duplicate or plainly unfounded case may be closed or rejected as it stands; any
	// correction of money is checked first.
	DisputeOpen:             {DisputeInReview, DisputeRejected, DisputeClosed},
	DisputeInReview:         {DisputeAwaitingApproval, DisputeAdjusted, DisputeRefunded, DisputeRejected, DisputeClosed},
	DisputeAwaitingApproval: {DisputeAdjusted, DisputeRefunded, DisputeRejected, DisputeInReview},
	DisputeAdjusted:         {DisputeFollowUp, DisputeClosed},
	DisputeRefunded:         {DisputeFollowUp, DisputeClosed},
	DisputeRejected:         {DisputeFollowUp, DisputeClosed},
	DisputeFollowUp:         {DisputeClosed},
	DisputeClosed:           nil,
}

// Open reports whether a dispute in status s still waits for staff: filed, in review or awaiting
// approval, not yet settled. An open dispute holds back arrears reminders about the bill it
// disputes (docs/domain.md).
func (s DisputeStatus) Open() bool {
	return s == DisputeOpen || s == DisputeInReview || s == DisputeAwaitingApproval
}

// OpenDisputeStatuses returns the statuses in which a dispute is open. It returns a new slice each
// time.
func OpenDisputeStatuses() []DisputeStatus {
	var out []DisputeStatus
	for _, s := range DisputeStatuses() {
		if s.Open() {
			out = append(out, s)
		}
	}
	return out
}

// Valid reports whether s is one of the dispute statuses.
func (s DisputeStatus) Valid() bool {
	_, ok := disputeMoves[s]
	return ok
}

// CanMoveTo reports whether a dispute may move from s to t. Staying put is not a move.
func (s DisputeStatus) CanMoveTo(t DisputeStatus) bool { return slices.Contains(disputeMoves[s], t) }

// TransitionDispute returns nil when a dispute may move from one status to the other, and otherwise
// an error wrapping ErrConflict that names both.
func TransitionDispute(from, to DisputeStatus) error {
	if !from.CanMoveTo(to) {
		return fmt.Errorf("dispute status %q cannot move to %q: %w", string(from), string(to), ErrConflict)
	}
	return nil
}
