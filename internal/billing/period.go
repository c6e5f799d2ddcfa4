package billing

import (
	"fmt"
	"strconv"
	"time"
)

// Period is a billing period (账期): a calendar month, held as the integer YYYYMM (202610 is October
// 2026), which is how the databases keep it. The zero Period means "no period" and is not Valid.
type Period int

// The range of periods gridpay accepts: four-digit years.
const (
	minPeriod Period = 190001
	maxPeriod Period = 999912
)

// PeriodOf returns the period of year and month. It does not check them: see Valid.
func PeriodOf(year int, month time.Month) Period { return Period(year*100 + int(month)) }

// PeriodOfDate returns the period that t's calendar date (in t's own location) falls in.
func PeriodOfDate(t time.Time) Period { return PeriodOf(t.Year(), t.Month()) }

// ParsePeriod parses a period written as "202610" or "2026-10". Anything else, and a month
// outside 1..12, is an error wrapping ErrInvalid.
func ParsePeriod(s string) (Period, error) {
	digits := s
	if len(s) == 7 && s[4] == '-' {
		digits = s[:4] + s[5:]
	}
	if len(digits) != 6 || !allDigits(digits) {
		return 0, fmt.Errorf("billing period %q: want YYYYMM or YYYY-MM: %w", truncateForError(s), ErrInvalid)
	}
	n, _ := strconv.Atoi(digits) // six ASCII digits always parse
	p := Period(n)
	if !p.Valid() {
		return 0, fmt.Errorf("billing period %q: no such month: %w", s, ErrInvalid)
	}
	return p, nil
}

// Valid reports whether p is a month of a four-digit year: YYYYMM with MM in 01..12.
func (p Period) Valid() bool {
	return p >= minPeriod && p <= maxPeriod && p%100 >= 1 && p%100 <= 12
}

// Year returns the period's calendar year.
func (p Period) Year() int { return int(p) / 100 }

// Month returns the period's month of the year.
func (p Period) Month() time.Month { return time.Month(int(p) % 100) }

// AddMonths returns the period n months after p (before it when n is negative). p must be Valid.
func (p Period) AddMonths(n int) Period {
	m := p.Year()*12 + int(p.Month()) - 1 + n
	return PeriodOf(m/12, time.Month(m%12+1))
}

// Prev returns the period before p: 202601 -> 202512. p must be Valid.
func (p Period) Prev() Period { return p.AddMonths(-1) }

// FirstDay returns the first day of the period as a civil date (midnight UTC, like DateOf), so that
// callers can use time's layouts ("Jan 2006") on it.
func (p Period) FirstDay() time.Time {
	return time.Date(p.Year(), p.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// String formats the period as "2026-10", its form in JSON and URLs.
func (p Period) String() string { return fmt.Sprintf("%04d-%02d", p.Year(), int(p.Month())) }

// Chinese formats the period as customers read it in Chinese: "2026年10月", "2026年3月".
func (p Period) Chinese() string { return fmt.Sprintf("%d年%d月", p.Year(), int(p.Month())) }

// English formats the period as customers read it in English: "Oct 2026".
func (p Period) English() string { return p.FirstDay().Format("Jan 2006") }

// truncateForError cuts hostile input to a few bytes for an error message.
func truncateForError(s string) string {
	if len(s) > 16 {
		return s[:16] + "..."
	}
	return s
}
