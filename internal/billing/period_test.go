package billing_test

import (
	"errors"
	"testing"
	"time"

	"gridpay/internal/billing"
)

func TestParsePeriod(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    string
		want billing.Period
	}{
		{"compact", "202610", 202610},
		{"dashed", "2026-10", 202610},
		{"January", "2026-01", 202601},
		{"December", "202612", 202612},
		{"oldest", "190001", 190001},
		{"newest", "9999-12", 999912},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := billing.ParsePeriod(tc.s)
			if err != nil || got != tc.want {
				t.Errorf("ParsePeriod(%q) = %d, %v; want %d", tc.s, got, err, tc.want)
			}
		})
	}
	for _, tc := range []struct{ name, s string }{
		{"empty", ""},
		{"month 00", "202600"},
		{"month 13", "202613"},
		{"dashed month 13", "2026-13"},
		{"before 1900", "189912"},
		{"short", "20261"},
		{"long", "2026100"},
		{"one-digit month", "2026-1"},
		{"slash", "2026/10"},
		{"sign", "+20261"},
		{"Chinese", "2026年10月"},
		{"full-width digits", "２０２６１０"},
		{"spaces", " 202610"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := billing.ParsePeriod(tc.s); !errors.Is(err, billing.ErrInvalid) {
				t.Errorf("ParsePeriod(%q) = %d, %v; want ErrInvalid", tc.s, got, err)
			}
		})
	}
}

func TestPeriod(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		p                     billing.Period
		valid                 bool
		year                  int
		month                 time.Month
		str, chinese, english string
		prev, plus12, minus13 billing.Period
	}{
		{"October", 202610, true, 2026, time.October, "2026-10", "2026年10月", "Oct 2026", 202609, 202710, 202509},
		{"March", 202603, true, 2026, time.March, "2026-03", "2026年3月", "Mar 2026", 202602, 202703, 202502},
		{"January", 202601, true, 2026, time.January, "2026-01", "2026年1月", "Jan 2026", 202512, 202701, 202412},
		{"December", 202512, true, 2025, time.December, "2025-12", "2025年12月", "Dec 2025", 202511, 202612, 202411},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.p
			if p.Valid() != tc.valid || p.Year() != tc.year || p.Month() != tc.month {
				t.Errorf("%d: Valid %v, Year %d, Month %v; want %v, %d, %v", p, p.Valid(), p.Year(), p.Month(), tc.valid, tc.year, tc.month)
			}
			if p.String() != tc.str || p.Chinese() != tc.chinese || p.English() != tc.english {
				t.Errorf("%d formats as %q, %q, %q; want %q, %q, %q", p, p.String(), p.Chinese(), p.English(), tc.str, tc.chinese, tc.english)
			}
			if p.Prev() != tc.prev || p.AddMonths(12) != tc.plus12 || p.AddMonths(-13) != tc.minus13 || p.AddMonths(0) != p {
				t.Errorf("%d: Prev %d, +12 %d, -13 %d; want %d, %d, %d", p, p.Prev(), p.AddMonths(12), p.AddMonths(-13), tc.prev, tc.plus12, tc.minus13)
			}
			if got := billing.PeriodOf(tc.year, tc.month); got != p {
				t.Errorf("PeriodOf(%d, %v) = %d, want %d", tc.year, tc.month, got, p)
			}
			if d := p.FirstDay(); d != time.Date(tc.year, tc.month, 1, 0, 0, 0, 0, time.UTC) {
				t.Errorf("%d.FirstDay() = %v", p, d)
			}
			if back, err := billing.ParsePeriod(p.String()); err != nil || back != p {
				t.Errorf("ParsePeriod(%q) = %d, %v; want it back", p.String(), back, err)
			}
		})
	}
	for _, p := range []billing.Period{0, 202600, 202613, 189912, 1000001, -202610} {
		if p.Valid() {
			t.Errorf("Period(%d).Valid() = true", p)
		}
	}
	cst := time.FixedZone("CST", 8*3600)
	if got := billing.PeriodOfDate(time.Date(2026, 10, 31, 23, 30, 0, 0, cst)); got != 202610 {
		t.Errorf("PeriodOfDate(31 Oct 23:30 in China) = %d, want 202610 (the date's own location)", got)
	}
}
