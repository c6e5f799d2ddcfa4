package billing_test

import (
	"errors"
	"testing"
	"time"

	"gridpay/internal/billing"
)

func TestAdjust(t *testing.T) {
	rates := billing.DefaultLateFeeRates()
	// bill is a residential bill of 100.00 (or principal) due 2026-03-15.
	bill := func(principal, principalPaid, feeAccrued, feePaid billing.Money, accruedThrough string) billing.BillBalance {
		b := billing.BillBalance{ID: 7, Period: 202602, Class: billing.Residential, Due: day("2026-03-15"),
			Principal: principal, PrincipalPaid: principalPaid, FeeAccrued: feeAccrued, FeePaid: feePaid}
		if accruedThrough != "" {
			b.AccruedThrough = day(accruedThrough)
		}
		return b
	}
	type fields struct {
		principal, principalPaid, feeAccrued, feePaid, feeWaived billing.Money
		through                                                  string
	}
	tests := []struct {
		name      string
		bill      billing.BillBalance
		kind      billing.AdjustmentKind
		amount    billing.Money
		on        string
		want      fields
		toPrepaid billing.Money
		status    billing.Status
		wantErr   error
	}{
		{name: "principal reduced before the due date", bill: bill(10000, 0, 0, 0, ""), kind: billing.AdjustPrincipal,
			amount: 2000, on: "2026-03-10", want: fields{principal: 8000}, status: billing.Unpaid},
		{name: "whole principal reduced: nothing owed", bill: bill(10000, 0, 0, 0, ""), kind: billing.AdjustPrincipal,
			amount: 10000, on: "2026-03-10", want: fields{principal: 0}, status: billing.Paid},
		{name: "reduction over the principal", bill: bill(10000, 0, 0, 0, ""), kind: billing.AdjustPrincipal,
			amount: 10001, on: "2026-03-10", wantErr: billing.ErrInvalid},
		{name: "partly paid, reduction within the open principal", bill: bill(10000, 5000, 0, 0, ""), kind: billing.AdjustPrincipal,
			amount: 3000, on: "2026-03-10", want: fields{principal: 7000, principalPaid: 5000}, status: billing.PartlyPaid},
		{name: "paid in full: the excess goes to prepaid", bill: bill(10000, 10000, 0, 0, ""), kind: billing.AdjustPrincipal,
			amount: 3000, on: "2026-03-10", want: fields{principal: 7000, principalPaid: 7000}, toPrepaid: 3000, status: billing.Paid},
		{name: "paid on time, reduced after the due date: no fee, no minimum", bill: bill(10000, 10000, 0, 0, ""), kind: billing.AdjustPrincipal,
			amount: 1000, on: "2026-04-01", want: fields{principal: 9000, principalPaid: 9000}, toPrepaid: 1000, status: billing.Paid},
		{name: "overdue: fee settled on the old principal first", bill: bill(10000, 0, 0, 0, ""), kind: billing.AdjustPrincipal,
			amount: 5000, on: "2026-03-25", want: fields{principal: 5000, feeAccrued: 100, through: "2026-03-25"}, status: billing.Unpaid},
		{name: "overdue, paid part above the new principal", bill: bill(10000, 6000, 100, 100, "2026-03-25"), kind: billing.AdjustPrincipal,
			amount: 5000, on: "2026-03-25", want: fields{principal: 5000, principalPaid: 5000, feeAccrued: 100, feePaid: 100, through: "2026-03-25"},
			toPrepaid: 1000, status: billing.Paid},
		{name: "fee waived in full", bill: bill(10000, 0, 0, 0, ""), kind: billing.AdjustLateFee,
			amount: 100, on: "2026-03-25", want: fields{principal: 10000, feeAccrued: 100, feeWaived: 100, through: "2026-03-25"}, status: billing.Unpaid},
		{name: "waiver over the fee accrued to date", bill: bill(10000, 0, 0, 0, ""), kind: billing.AdjustLateFee,
			amount: 101, on: "2026-03-25", wantErr: billing.ErrInvalid},
		{name: "waiver of the minimum: accrued 0.25, charged 1.00", bill: bill(5000, 0, 0, 0, ""), kind: billing.AdjustLateFee,
			amount: 100, on: "2026-03-20", want: fields{principal: 5000, feeAccrued: 25, feeWaived: 100, through: "2026-03-20"}, status: billing.Unpaid},
		{name: "waiver before the due date", bill: bill(10000, 0, 0, 0, ""), kind: billing.AdjustLateFee,
			amount: 1, on: "2026-03-15", wantErr: billing.ErrInvalid},
		{name: "fee already paid: waived part goes to prepaid", bill: bill(10000, 10000, 100, 100, "2026-03-25"), kind: billing.AdjustLateFee,
			amount: 60, on: "2026-04-01", want: fields{principal: 10000, principalPaid: 10000, feeAccrued: 100, feePaid: 40, feeWaived: 60, through: "2026-04-01"},
			toPrepaid: 60, status: billing.Paid},
		{name: "zero amount", bill: bill(10000, 0, 0, 0, ""), kind: billing.AdjustPrincipal, amount: 0, on: "2026-03-10", wantErr: billing.ErrInvalid},
		{name: "unknown kind", bill: bill(10000, 0, 0, 0, ""), kind: "refund", amount: 1, on: "2026-03-10", wantErr: billing.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := billing.Adjust(tt.bill, tt.kind, tt.amount, day(tt.on), rates)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Adjust() error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Adjust() error = %v", err)
			}
			a := got.After
			var through string
			if !a.AccruedThrough.IsZero() {
				through = a.AccruedThrough.Format(time.DateOnly)
			}
			gotFields := fields{a.Principal, a.PrincipalPaid, a.FeeAccrued, a.FeePaid, a.FeeWaived, through}
			if gotFields != tt.want {
				t.Errorf("After = %+v, want %+v", gotFields, tt.want)
			}
			if got.ToPrepaid != tt.toPrepaid {
				t.Errorf("ToPrepaid = %s, want %s", got.ToPrepaid, tt.toPrepaid)
			}
			if s := a.Status(); s != tt.status {
				t.Errorf("Status() = %q, want %q", s, tt.status)
			}
			// Money is neither made nor lost: what left the bill's paid amounts went to prepaid.
			if moved := (got.Before.PrincipalPaid + got.Before.FeePaid) - (a.PrincipalPaid + a.FeePaid); moved != got.ToPrepaid {
				t.Errorf("paid amounts fell by %s, ToPrepaid %s", moved, got.ToPrepaid)
			}
		})
	}
}

// TestAdjustThenLateFee follows adjusted bills to a later settlement: after the adjustment day,
// fee accrues on the new open principal only, and a waiver stays waived.
func TestAdjustThenLateFee(t *testing.T) {
	rates := billing.DefaultLateFeeRates()
	due := day("2026-03-15")
	tests := []struct {
		name      string
		principal billing.Money
		kind      billing.AdjustmentKind
		amount    billing.Money
		on, later string
		wantDue   billing.Money // late fee owed on later
		wantOwed  billing.Money // and principal still open
	}{
		// 10 days on 100.00 = 1.00, then 10 days on 50.00 = 0.50.
		{"principal halved after 10 overdue days", 10000, billing.AdjustPrincipal, 5000, "2026-03-25", "2026-04-04", 150, 5000},
		// The 1.00 accrued to 03-25 is waived; 10 more days on 100.00 accrue 1.00 again.
		{"fee waived, accrual goes on", 10000, billing.AdjustLateFee, 100, "2026-03-25", "2026-04-04", 100, 10000},
		// 0.25 accrued, the 1.00 minimum waived; by 03-30 0.75 accrued in all: still under the waiver.
		{"minimum waived covers accrual up to 1.00", 5000, billing.AdjustLateFee, 100, "2026-03-20", "2026-03-30", 0, 5000},
		// By 04-14, 0.25 + 25 days x 0.05 = 1.50 accrued: 0.50 above the waiver.
		{"accrual above a waived minimum is owed", 5000, billing.AdjustLateFee, 100, "2026-03-20", "2026-04-14", 50, 5000},
		// A waiver of part of the minimum: 1.00 - 0.40.
		{"part of the minimum waived", 5000, billing.AdjustLateFee, 40, "2026-03-20", "2026-03-20", 60, 5000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := billing.BillBalance{ID: 1, Period: 202602, Class: billing.Residential, Due: due, Principal: tt.principal}
			got, err := billing.Adjust(b, tt.kind, tt.amount, day(tt.on), rates)
			if err != nil {
				t.Fatalf("Adjust() error = %v", err)
			}
			fee, _ := got.After.LateFee(day(tt.later), rates)
			if fee != tt.wantDue || got.After.OpenPrincipal() != tt.wantOwed {
				t.Errorf("on %s: fee %s, open principal %s; want %s, %s", tt.later, fee, got.After.OpenPrincipal(), tt.wantDue, tt.wantOwed)
			}
			// A payment of everything owed then leaves the bill paid.
			if owed := fee + got.After.OpenPrincipal(); owed > 0 {
				alloc, err := billing.Allocate([]billing.BillBalance{got.After}, owed, day(tt.later), rates)
				if err != nil {
					t.Fatal(err)
				}
				if len(alloc.Bills) != 1 || alloc.Prepaid != 0 || alloc.Bills[0].After.Status() != billing.Paid {
					t.Errorf("paying %s: %+v, want the bill paid and nothing left", owed, alloc)
				}
			}
		})
	}
}
