package billing

import (
	"errors"
	"fmt"
	"time"
)

// LateFeeRate is the daily late-fee rate of one class (电费违约金), in per mille of unpaid principal.
type LateFeeRate struct {
	CurrentYear int64 // per mille of unpaid principal per overdue day, for days in the calendar year the bill first became overdue
	CrossYear   int64 // per mille per day, for overdue days in any later calendar year
}

// LateFeeRates holds the rate of each class. Rates are configuration, per the supply rules.
type LateFeeRates map[Class]LateFeeRate

// DefaultLateFeeRates returns the national rates: residential 1 per mille a day in every year;
// commercial, large industry and agricultural 2 per mille in the year the arrears first became
// overdue and 3 per mille in later years.
func DefaultLateFeeRates() LateFeeRates {
	return LateFeeRates{
		Residential:   {CurrentYear: 1, CrossYear: 1},
		Commercial:    {CurrentYear: 2, CrossYear: 3},
		LargeIndustry: {CurrentYear: 2, CrossYear: 3},
		Agricultural:  {CurrentYear: 2, CrossYear: 3},
	}
}

// Validate returns an error wrapping ErrInvalid when a class is unknown or a rate is negative.
// Call it where the rates are loaded; LateFee trusts them.
func (r LateFeeRates) Validate() error {
	var errs []error
	for _, c := range Classes() {
		if rate, ok := r[c]; ok && (rate.CurrentYear < 0 || rate.CrossYear < 0) {
			errs = append(errs, fmt.Errorf("%s: negative rate %+v", c, rate))
		}
	}
	for c := range r {
		if !c.Valid() {
			errs = append(errs, fmt.Errorf("unknown class %q", c))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("late fee rates: %w: %w", ErrInvalid, errors.Join(errs...))
	}
	return nil
}

// rate returns the rate of class c. A class missing from r falls back to the national default, and
// an unknown class to the non-residential rate, so that a gap in configuration never waives a fee.
func (r LateFeeRates) rate(c Class) LateFeeRate {
	if rate, ok := r[c]; ok {
		return rate
	}
	if rate, ok := DefaultLateFeeRates()[c]; ok {
		return rate
	}
	return DefaultLateFeeRates()[Commercial]
}

// MinimumLateFee is the least late fee of a bill over its whole life, once any day is overdue.
const MinimumLateFee Money = 100 // 1 yuan

// DateOf returns the civil date of t, read in t's own location, as midnight UTC. All date maths
// uses civil dates, so a payment at 00:30 Beijing time counts for that Beijing day, and day counts
// never meet a daylight-saving hour.
func DateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// daysBetween returns the number of days from civil date a to civil date b (negative if b is
// earlier). Both must come from DateOf.
func daysBetween(a, b time.Time) int64 {
	return int64(b.Sub(a) / (24 * time.Hour))
}

// LateFee returns the late fee to charge if the bill is settled on date on, and the new accrued total:
//
//	segment = RoundHalfUp(sum over overdue days d in (max(Due, AccruedThrough), on] of OpenPrincipal x rate(d), 1000)
//
// where rate(d) is CurrentYear if d is in the calendar year of Due+1 day (the year the bill first
// became overdue) and CrossYear otherwise; accrued = FeeAccrued + segment; and
// due = max(accrued, MinimumLateFee once the bill has been overdue) - FeePaid - FeeWaived, never
// below zero.
//
// The bill has been overdue when it was settled after its due date, or when on is after the due
// date with principal still open. A bill paid in full by its due date therefore owes nothing later
// either, and a bill settled on or before its due date owes 0. A date before AccruedThrough adds
// nothing. The segment is computed exactly in int64 and divided once; it stays exact while
// principal x rate x days is below 9.2e18, far beyond any real bill.
func (b BillBalance) LateFee(on time.Time, r LateFeeRates) (due Money, accrued Money) {
	dueDate, day := DateOf(b.Due), DateOf(on)
	start := dueDate
	if !b.AccruedThrough.IsZero() {
		if through := DateOf(b.AccruedThrough); through.After(start) {
			start = through
		}
	}
	open := int64(b.OpenPrincipal())
	var perMilleDays int64 // sum over the overdue days of the day's rate
	if day.After(start) && open > 0 {
		rate := r.rate(b.Class)
		// The last day at the current-year rate is 31 December of the year of the first overdue day.
		lastCurrent := time.Date(dueDate.AddDate(0, 0, 1).Year(), time.December, 31, 0, 0, 0, 0, time.UTC)
		current := max(daysBetween(start, minTime(day, lastCurrent)), 0)
		cross := max(daysBetween(maxTime(start, lastCurrent), day), 0)
		perMilleDays = rate.CurrentYear*current + rate.CrossYear*cross
	}
	accrued = b.FeeAccrued + Money(RoundHalfUp(open*perMilleDays, 1000))
	overdue := b.settledOverdue() || (day.After(dueDate) && open > 0)
	return feeOwed(accrued, b.FeePaid+b.FeeWaived, overdue), accrued
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
