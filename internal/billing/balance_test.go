package billing_test

import (
	"testing"

	"gridpay/internal/billing"
)

func TestBillBalanceStatus(t *testing.T) {
	bill := func(principalPaid, feeAccrued, feePaid billing.Money, accruedThrough string) billing.BillBalance {
		b := billing.BillBalance{ID: 1, Period: 202602, Class: billing.Residential, Due: day("2026-03-15"),
			Principal: 10000, PrincipalPaid: principalPaid, FeeAccrued: feeAccrued, FeePaid: feePaid}
		if accruedThrough != "" {
			b.AccruedThrough = day(accruedThrough)
		}
		return b
	}
	tests := []struct {
		name     string
		bill     billing.BillBalance
		wantOpen billing.Money
		want     billing.Status
	}{
		{"new bill", bill(0, 0, 0, ""), 10000, billing.Unpaid},
		{"zero bill is paid at once", billing.BillBalance{Due: day("2026-03-15")}, 0, billing.Paid},
		{"principal partly paid before due", bill(3000, 0, 0, ""), 7000, billing.PartlyPaid},
		{"only the fee paid", bill(0, 100, 100, "2026-03-25"), 10000, billing.PartlyPaid},
		{"settled but unpaid fee, nothing paid yet", bill(0, 100, 0, "2026-03-25"), 10000, billing.Unpaid},
		{"principal paid on time", bill(10000, 0, 0, ""), 0, billing.Paid},
		{"principal paid, settled fee outstanding", bill(10000, 100, 0, "2026-03-25"), 0, billing.PartlyPaid},
		{"principal paid, minimum fee outstanding", bill(10000, 25, 25, "2026-03-20"), 0, billing.PartlyPaid},
		{"principal and minimum fee paid", bill(10000, 25, 100, "2026-03-20"), 0, billing.Paid},
		{"principal overpaid never opens negative", bill(12000, 0, 0, ""), 0, billing.Paid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.bill.OpenPrincipal(); got != tt.wantOpen {
				t.Errorf("OpenPrincipal() = %s, want %s", got, tt.wantOpen)
			}
			if got := tt.bill.Status(); got != tt.want {
				t.Errorf("Status() = %q, want %q", got, tt.want)
			}
		})
	}
}
