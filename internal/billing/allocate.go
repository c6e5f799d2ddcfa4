package billing

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Applied is what one payment did to one bill.
type Applied struct {
	BillID    int64
	Fee       Money       // late fee paid by this payment
	Principal Money       // principal paid by this payment
	After     BillBalance // the bill's state after settlement (FeeAccrued/AccruedThrough updated to `on` when on > Due)
}

// Allocation is how one payment was split (销账).
type Allocation struct {
	Bills   []Applied // only bills that received money, oldest first
	Prepaid Money     // what is left, to the prepaid balance
}

// Allocate applies a payment of amount (> 0, else ErrInvalid) made on date on to open bills: oldest
// first (by Due, then Period, then ID; fully paid bills skipped), within a bill late fee first, then
// principal; the rest becomes prepaid balance. Only bills that receive money are settled: their fee
// is accrued through on, so the next settlement counts only the days after it. The input slice is
// not modified.
//
// Payments must be allocated in date order; one dated before a bill's AccruedThrough adds no fee
// but cannot undo the days already accrued on the higher principal.
func Allocate(open []BillBalance, amount Money, on time.Time, r LateFeeRates) (Allocation, error) {
	if amount <= 0 {
		return Allocation{}, fmt.Errorf("allocate: amount %s is not positive: %w", amount, ErrInvalid)
	}
	bills := slices.Clone(open)
	slices.SortStableFunc(bills, func(a, b BillBalance) int {
		return cmp.Or(
			DateOf(a.Due).Compare(DateOf(b.Due)),
			cmp.Compare(a.Period, b.Period),
			cmp.Compare(a.ID, b.ID),
		)
	})
	day := DateOf(on)
	left := amount
	var applied []Applied
	for _, b := range bills {
		if left == 0 {
			break
		}
		feeDue, accrued := b.LateFee(day, r)
		fee := min(left, feeDue)
		left -= fee
		principal := min(left, b.OpenPrincipal())
		left -= principal
		if fee+principal == 0 {
			continue // fully paid: nothing to settle
		}
		after := b
		after.FeePaid += fee
		after.PrincipalPaid += principal
		if day.After(DateOf(b.Due)) {
			after.FeeAccrued = accrued
			if b.AccruedThrough.IsZero() || day.After(DateOf(b.AccruedThrough)) {
				after.AccruedThrough = day
			}
		}
		applied = append(applied, Applied{BillID: b.ID, Fee: fee, Principal: principal, After: after})
	}
	return Allocation{Bills: applied, Prepaid: left}, nil
}

// ApplyPrepaid pays a newly issued bill from a prepaid balance: uses min(balance, what the bill owes
// on on). Returns the amount used and the allocation (zero allocation and 0 when balance <= 0 or
// nothing is owed); the allocation's Prepaid is always 0, since only what is owed is used.
func ApplyPrepaid(balance Money, bill BillBalance, on time.Time, r LateFeeRates) (used Money, a Allocation) {
	if balance <= 0 {
		return 0, Allocation{}
	}
	fee, _ := bill.LateFee(on, r)
	owed := fee + bill.OpenPrincipal()
	if owed <= 0 {
		return 0, Allocation{}
	}
	used = min(balance, owed)
	// used > 0, the only way Allocate can fail.
	a, _ = Allocate([]BillBalance{bill}, used, on, r)
	return used, a
}
