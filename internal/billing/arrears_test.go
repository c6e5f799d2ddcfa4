package billing_test

import (
	"testing"
	"time"

	"gridpay/internal/billing"
)

func TestSummarize(t *testing.T) {
	older := billing.BillBalance{ID: 1, Period: 202602, Class: billing.Residential, Due: day("2026-03-15"), Principal: 10000}
	newer := billing.BillBalance{ID: 2, Period: 202603, Class: billing.Residential, Due: day("2026-04-15"), Principal: 8000}
	paid := billing.BillBalance{ID: 3, Period: 202601, Class: billing.Residential, Due: day("2026-02-15"), Principal: 5000, PrincipalPaid: 5000}
	feeOnly := billing.BillBalance{ID: 4, Period: 202602, Class: billing.Residential, Due: day("2026-03-15"),
		Principal: 5000, PrincipalPaid: 5000, FeeAccrued: 25, FeePaid: 25, AccruedThrough: day("2026-03-20")}
	commercial := billing.BillBalance{ID: 5, Period: 202511, Class: billing.Commercial, Due: day("2025-12-20"), Principal: 1000000}
	tests := []struct {
		name string
		open []billing.BillBalance
		on   string
		want billing.Arrears
	}{
		{"no bills", nil, "2026-04-10", billing.Arrears{}},
		{"only paid bills", []billing.BillBalance{paid}, "2026-04-10", billing.Arrears{}},
		{"one overdue, one not yet due, one paid", []billing.BillBalance{newer, paid, older}, "2026-04-10",
			billing.Arrears{Principal: 18000, LateFee: 260, Total: 18260, OldestDue: day("2026-03-15"), Bills: 2, MaxDaysOverdue: 26}},
		{"nothing overdue yet", []billing.BillBalance{newer}, "2026-04-10",
			billing.Arrears{Principal: 8000, Total: 8000, OldestDue: day("2026-04-15"), Bills: 1}},
		{"on the due date", []billing.BillBalance{newer}, "2026-04-15",
			billing.Arrears{Principal: 8000, Total: 8000, OldestDue: day("2026-04-15"), Bills: 1}},
		{"only an unpaid minimum fee left", []billing.BillBalance{feeOnly}, "2026-03-30",
			billing.Arrears{LateFee: 75, Total: 75, OldestDue: day("2026-03-15"), Bills: 1, MaxDaysOverdue: 15}},
		{"domain example 4 with a residential bill", []billing.BillBalance{older, commercial}, "2026-01-10",
			billing.Arrears{Principal: 1010000, LateFee: 52000, Total: 1062000, OldestDue: day("2025-12-20"), Bills: 2, MaxDaysOverdue: 21}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := billing.Summarize(tt.open, day(tt.on), billing.DefaultLateFeeRates())
			if got.Principal != tt.want.Principal || got.LateFee != tt.want.LateFee || got.Total != tt.want.Total ||
				!got.OldestDue.Equal(tt.want.OldestDue) || got.OldestDue.IsZero() != tt.want.OldestDue.IsZero() ||
				got.Bills != tt.want.Bills || got.MaxDaysOverdue != tt.want.MaxDaysOverdue {
				t.Errorf("Summarize(%s) = %+v, want %+v", tt.on, got, tt.want)
			}
		})
	}
}

// TestSummarizeBeijingDates checks that a due date and a payment date given in Beijing time count
// civil days, not 24-hour spans from the instant.
func TestSummarizeBeijingDates(t *testing.T) {
	bill := billing.BillBalance{ID: 1, Class: billing.Residential, Principal: 10000, Due: time.Date(2026, 3, 15, 0, 0, 0, 0, beijing)}
	tests := []struct {
		name     string
		on       time.Time
		wantDays int
		wantFee  billing.Money
	}{
		{"half past midnight on the due date", time.Date(2026, 3, 15, 0, 30, 0, 0, beijing), 0, 0},
		{"late on the due date", time.Date(2026, 3, 15, 23, 59, 0, 0, beijing), 0, 0},
		{"half past midnight the next day", time.Date(2026, 3, 16, 0, 30, 0, 0, beijing), 1, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := billing.Summarize([]billing.BillBalance{bill}, tt.on, billing.DefaultLateFeeRates())
			if got.MaxDaysOverdue != tt.wantDays || got.LateFee != tt.wantFee || !got.OldestDue.Equal(day("2026-03-15")) {
				t.Errorf("Summarize(%v) = %+v, want %d days, fee %s, oldest due 2026-03-15", tt.on, got, tt.wantDays, tt.wantFee)
			}
		})
	}
}
