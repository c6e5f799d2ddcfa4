package billing

import (
	"fmt"
	"time"
)

// AdjustmentKind is what a bill adjustment (账单调整) reduces: the bill's principal (a wrong reading,
// say) or its late fee (违约金减免).
type AdjustmentKind string

// The adjustment kinds.
const (
	AdjustPrincipal AdjustmentKind = "principal"
	AdjustLateFee   AdjustmentKind = "late_fee"
)

// Valid reports whether k is one of the adjustment kinds.
func (k AdjustmentKind) Valid() bool { return k == AdjustPrincipal || k == AdjustLateFee }

// Adjusted is what one adjustment did to one bill.
type Adjusted struct {
	Before    BillBalance // the bill as it stood, settled through the adjustment's date
	After     BillBalance // the bill once adjusted
	ToPrepaid Money       // money already paid that the bill no longer owes: to the prepaid balance
}

// Adjust reduces a bill by amount (> 0) on date on, after settling its late fee through on as a
// payment would (so the days before on accrue on the principal as it was):
//
//   - AdjustPrincipal lowers Principal by amount; at most the whole Principal. What the customer
//     already paid beyond the new principal leaves PrincipalPaid and goes to ToPrepaid, as the rest
//     of a payment does. From on, late fee accrues on the new open principal only.
//   - AdjustLateFee raises FeeWaived by amount; at most the fee charged to date and not yet waived,
//     where the fee charged is max(accrued, MinimumLateFee) once the bill has been overdue: the
//     minimum is applied before the waiver. Fee accrued after on is owed again (a waiver covers
//     days up to on, not later ones), so the fee owed later is
//     max(accrued, MinimumLateFee) - FeeWaived - FeePaid, never below zero; a waiver of the whole
//     minimum therefore also covers later accrual up to 1 yuan. What the customer already paid of
//     the waived fee goes to ToPrepaid.
//
// A zero or negative amount, an unknown kind, or an amount over what can be reduced is ErrInvalid.
// The status of After follows from its amounts (Paid once nothing is owed).
func Adjust(b BillBalance, kind AdjustmentKind, amount Money, on time.Time, r LateFeeRates) (Adjusted, error) {
	if amount <= 0 {
		return Adjusted{}, fmt.Errorf("adjust bill %d: amount %s is not positive: %w", b.ID, amount, ErrInvalid)
	}
	before := b.settle(on, r)
	after := before
	var toPrepaid Money
	switch kind {
	case AdjustPrincipal:
		if amount > before.Principal {
			return Adjusted{}, fmt.Errorf("adjust bill %d: reduction %s over its principal %s: %w",
				b.ID, amount, before.Principal, ErrInvalid)
		}
		after.Principal -= amount
		if after.PrincipalPaid > after.Principal {
			toPrepaid = after.PrincipalPaid - after.Principal
			after.PrincipalPaid = after.Principal
		}
	case AdjustLateFee:
		if waivable := before.feeCharged() - before.FeeWaived; amount > waivable {
			return Adjusted{}, fmt.Errorf("adjust bill %d: waiver %s over the late fee %s charged to date: %w",
				b.ID, amount, max(waivable, 0), ErrInvalid)
		}
		after.FeeWaived += amount
		if open := after.feeCharged() - after.FeeWaived; after.FeePaid > open {
			toPrepaid = after.FeePaid - open
			after.FeePaid = open
		}
	default:
		return Adjusted{}, fmt.Errorf("adjust bill %d: kind %q: %w", b.ID, kind, ErrInvalid)
	}
	return Adjusted{Before: before, After: after, ToPrepaid: toPrepaid}, nil
}

// settle accrues the bill's late fee through on, as Allocate does for a bill that receives money:
// only a bill that has been overdue by then is settled, so a bill paid on time stays free of the
// minimum fee.
func (b BillBalance) settle(on time.Time, r LateFeeRates) BillBalance {
	day := DateOf(on)
	if !day.After(DateOf(b.Due)) || (b.OpenPrincipal() == 0 && !b.settledOverdue()) {
		return b
	}
	_, b.FeeAccrued = b.LateFee(day, r)
	if b.AccruedThrough.IsZero() || day.After(DateOf(b.AccruedThrough)) {
		b.AccruedThrough = day
	}
	return b
}
