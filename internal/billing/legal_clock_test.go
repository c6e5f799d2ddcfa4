package billing_test

import (
	"testing"
	"time"

	"gridpay/internal/billing"
)

func TestLegalClock(t *testing.T) {
	for _, tc := range []struct {
		name                     string
		class                    billing.Class
		due, today               string
		noticeFrom, lawful, plan string
	}{
		{"residential: notice from day 31, 7 days of notice", billing.Residential, "2026-10-20", "2026-10-25", "2026-11-20", "2026-11-20", "2026-11-27"},
		{"commercial: 3 days of notice", billing.Commercial, "2026-10-20", "2026-10-25", "2026-11-20", "2026-11-20", "2026-11-23"},
		{"agricultural counts as non-residential", billing.Agricultural, "2026-10-20", "2026-10-25", "2026-11-20", "2026-11-20", "2026-11-23"},
		{"seen after the first notice day: a notice today", billing.Residential, "2026-10-20", "2026-11-26", "2026-11-20", "2026-11-20", "2026-12-03"},
		{"across a leap day", billing.Residential, "2028-02-10", "2028-02-10", "2028-03-12", "2028-03-12", "2028-03-19"},
		{"across the year end", billing.LargeIndustry, "2026-12-20", "2027-01-01", "2027-01-20", "2027-01-20", "2027-01-23"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			due := date(tc.due)
			if got := billing.NoticeFrom(due); !got.Equal(date(tc.noticeFrom)) {
				t.Errorf("NoticeFrom = %s, want %s", got.Format("2006-01-02"), tc.noticeFrom)
			}
			if got := billing.EarliestDisconnection(due); !got.Equal(date(tc.lawful)) {
				t.Errorf("EarliestDisconnection = %s, want %s", got.Format("2006-01-02"), tc.lawful)
			}
			if got := billing.EarliestCutOff(tc.class, due, date(tc.today)); !got.Equal(date(tc.plan)) {
				t.Errorf("EarliestCutOff on %s = %s, want %s", tc.today, got.Format("2006-01-02"), tc.plan)
			}
			// Day 31 is more than 30 days overdue; day 30 is not.
			if d := int(date(tc.lawful).Sub(due).Hours() / 24); d != 31 {
				t.Errorf("earliest disconnection is %d days after the due date, want 31", d)
			}
		})
	}
}

func TestPlannedDisconnection(t *testing.T) {
	for _, tc := range []struct {
		name, due, notice string
		lead              int
		want              string
	}{
		{"7 days after the notice", "2026-10-20", "2026-11-20", 7, "2026-11-27"},
		{"a longer lead", "2026-10-20", "2026-11-22", 10, "2026-12-02"},
		{"never before the bill is more than 30 days overdue", "2026-10-20", "2026-11-01", 3, "2026-11-20"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := billing.PlannedDisconnection(date(tc.due), date(tc.notice), tc.lead); !got.Equal(date(tc.want)) {
				t.Errorf("PlannedDisconnection = %s, want %s", got.Format("2006-01-02"), tc.want)
			}
		})
	}
}

func TestDailyLateFee(t *testing.T) {
	rates := billing.DefaultLateFeeRates()
	res := billing.BillBalance{ID: 1, Period: 202609, Class: billing.Residential, Due: date("2026-10-20"), Principal: 20000}
	com := billing.BillBalance{ID: 2, Period: 202511, Class: billing.Commercial, Due: date("2025-12-20"), Principal: 1000000}
	for _, tc := range []struct {
		name string
		open []billing.BillBalance
		on   string
		want billing.Money
	}{
		{"not yet due: nothing grows", []billing.BillBalance{res}, "2026-10-19", 0},
		{"first overdue day still under the 1-yuan minimum", []billing.BillBalance{res}, "2026-10-20", 100},
		{"under the minimum: the minimum does not grow", []billing.BillBalance{res}, "2026-10-22", 0},
		{"residential 200.00 past the minimum grows 0.20 a day", []billing.BillBalance{res}, "2026-11-26", 20},
		{"cross-year commercial 10,000.00 grows 30.00 a day", []billing.BillBalance{com}, "2026-03-01", 3000},
		{"two bills add up", []billing.BillBalance{res, com}, "2026-11-26", 3020},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := billing.DailyLateFee(tc.open, date(tc.on), rates); got != tc.want {
				t.Errorf("DailyLateFee on %s = %s, want %s", tc.on, got, tc.want)
			}
		})
	}
}

func date(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}
