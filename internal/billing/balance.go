package billing

import "time"

// BillBalance is the settlement state of one bill.
type BillBalance struct {
	ID             int64
	Period         int // YYYYMM
	Class          Class
	Due            time.Time // due date (civil date)
	Principal      Money     // the bill's total, less any principal adjustment (see Adjust)
	PrincipalPaid  Money
	FeeAccrued     Money // late fee accrued and already rounded, through AccruedThrough
	FeePaid        Money
	FeeWaived      Money     // late fee waived (违约金减免): owed is max(accrued, minimum) - waived - paid
	AccruedThrough time.Time // date of the last settlement; zero value = none yet
}

// Status is where a bill stands in being paid.
type Status string

// The bill statuses. A bill moves from Unpaid through PartlyPaid to Paid as money arrives.
const (
	Unpaid     Status = "unpaid"
	PartlyPaid Status = "partly_paid"
	Paid       Status = "paid"
)

// OpenPrincipal returns the principal not yet paid, never below zero.
func (b BillBalance) OpenPrincipal() Money {
	return max(b.Principal-b.PrincipalPaid, 0)
}

// Status returns Paid when no open principal and no outstanding settled fee remain (a zero bill is
// Paid at once), Unpaid when nothing has been paid towards the bill, and PartlyPaid otherwise.
// Fee still to accrue after AccruedThrough does not count: it exists only once the bill is settled
// again, and a bill with no open principal accrues none.
func (b BillBalance) Status() Status {
	switch {
	case b.OpenPrincipal() == 0 && b.settledFeeOwed() == 0:
		return Paid
	case b.PrincipalPaid == 0 && b.FeePaid == 0:
		return Unpaid
	}
	return PartlyPaid
}

// settledFeeOwed is the fee owed as of AccruedThrough: the accrued fee, lifted to the minimum once
// a settlement happened after the due date, less what was waived and paid.
func (b BillBalance) settledFeeOwed() Money {
	return feeOwed(b.FeeAccrued, b.FeePaid+b.FeeWaived, b.settledOverdue())
}

// feeCharged is the bill's late fee over its life as of AccruedThrough, before waivers and
// payments: the accrued fee, lifted to the minimum once a settlement happened after the due date.
func (b BillBalance) feeCharged() Money {
	if b.settledOverdue() {
		return max(b.FeeAccrued, MinimumLateFee)
	}
	return b.FeeAccrued
}

// settledOverdue reports whether the bill was last settled after its due date, which means it had
// open principal on an overdue day: settlements only happen to bills that are owed something.
func (b BillBalance) settledOverdue() bool {
	return !b.AccruedThrough.IsZero() && DateOf(b.AccruedThrough).After(DateOf(b.Due))
}

// feeOwed applies the 1-yuan minimum over the bill's whole life: max(accrued, minimum) - settled,
// never below zero, where settled is what was paid and waived.
func feeOwed(accrued, settled Money, minimumApplies bool) Money {
	if minimumApplies {
		accrued = max(accrued, MinimumLateFee)
	}
	return max(accrued-settled, 0)
}
