package billing_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"gridpay/internal/billing"
)

// day parses a civil date such as "2026-03-15" as midnight UTC, the form DateOf returns.
func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

var beijing = time.FixedZone("CST", 8*60*60)

func TestLateFee(t *testing.T) {
	rates := billing.DefaultLateFeeRates()
	residential := func(principal billing.Money, due string) billing.BillBalance {
		return billing.BillBalance{ID: 1, Period: 202602, Class: billing.Residential, Due: day(due), Principal: principal}
	}
	commercial := func(principal billing.Money, due string) billing.BillBalance {
		b := residential(principal, due)
		b.Class = billing.Commercial
		return b
	}
	// The state after the first payment of domain example 5.
	example5After := residential(20000, "2026-04-15")
	example5After.PrincipalPaid, example5After.FeeAccrued, example5After.FeePaid = 9800, 200, 200
	example5After.AccruedThrough = day("2026-04-25")

	paidOnTime := residential(10000, "2026-03-15")
	paidOnTime.PrincipalPaid = 10000

	paidLate := residential(5000, "2026-03-15")
	paidLate.PrincipalPaid, paidLate.FeeAccrued, paidLate.FeePaid = 5000, 25, 100
	paidLate.AccruedThrough = day("2026-03-20")

	feeOnlySettled := commercial(1000000, "2025-12-20")
	feeOnlySettled.FeeAccrued, feeOnlySettled.FeePaid = 52000, 52000
	feeOnlySettled.AccruedThrough = day("2026-01-10")

	withClass := func(b billing.BillBalance, c billing.Class) billing.BillBalance {
		b.Class = c
		return b
	}
	tests := []struct {
		name        string
		bill        billing.BillBalance
		on          time.Time
		rates       billing.LateFeeRates
		wantDue     billing.Money
		wantAccrued billing.Money
	}{
		{"domain example 1: residential 10 days", residential(10000, "2026-03-15"), day("2026-03-25"), rates, 100, 100},
		{"domain example 2: residential 0.25 lifted to the 1.00 minimum", residential(5000, "2026-03-15"), day("2026-03-20"), rates, 100, 25},
		{"domain example 3: paid on the due date", residential(10000, "2026-03-15"), day("2026-03-15"), rates, 0, 0},
		{"domain example 3: paid before the due date", residential(10000, "2026-03-15"), day("2026-03-01"), rates, 0, 0},
		{"domain example 4: commercial across the new year", commercial(1000000, "2025-12-20"), day("2026-01-10"), rates, 52000, 52000},
		{"domain example 4 within 2025 only", commercial(1000000, "2025-12-20"), day("2025-12-31"), rates, 22000, 22000},
		{"domain example 5 second payment adds 1.02", example5After, day("2026-05-05"), rates, 102, 302},
		{"residential across the new year stays at 1 per mille", residential(10000, "2025-12-20"), day("2026-01-10"), rates, 210, 210},
		{"per mille half rounds up once", residential(100050, "2026-03-15"), day("2026-03-25"), rates, 1001, 1001},
		{"one day overdue is the minimum", residential(10000, "2026-03-15"), day("2026-03-16"), rates, 100, 10},
		{"leap year: due 28 February counts 29 February", residential(200000, "2028-02-28"), day("2028-03-01"), rates, 400, 400},
		{"common year: due 28 February counts one day", residential(200000, "2026-02-28"), day("2026-03-01"), rates, 200, 200},
		{"due on leap day", residential(200000, "2028-02-29"), day("2028-03-10"), rates, 2000, 2000},
		{"due 31 December: January days are current-year", commercial(100000, "2025-12-31"), day("2026-01-10"), rates, 2000, 2000},
		{"due 31 December: cross-year rate from the next 1 January", commercial(100000, "2025-12-31"), day("2027-01-02"), rates, 73600, 73600},
		{"settled fee only: later days all cross-year", feeOnlySettled, day("2026-01-20"), rates, 30000, 82000},
		{"date before the last settlement adds nothing", example5After, day("2026-04-20"), rates, 0, 200},
		{"paid in full on time owes nothing later", paidOnTime, day("2026-04-30"), rates, 0, 0},
		{"paid late with the minimum owes nothing more", paidLate, day("2026-04-30"), rates, 0, 25},
		{"zero bill is never overdue", residential(0, "2026-03-15"), day("2026-04-30"), rates, 0, 0},
		{"civil dates in Beijing time", billing.BillBalance{Class: billing.Residential, Principal: 10000, Due: time.Date(2026, 3, 15, 23, 0, 0, 0, beijing)},
			time.Date(2026, 3, 25, 0, 30, 0, 0, beijing), rates, 100, 100},
		{"configured rates", residential(10000, "2026-03-15"), day("2026-03-25"), billing.LateFeeRates{billing.Residential: {CurrentYear: 2, CrossYear: 2}}, 200, 200},
		{"nil rates fall back to the defaults", commercial(1000000, "2025-12-20"), day("2026-01-10"), nil, 52000, 52000},
		{"unknown class pays the non-residential rates", withClass(commercial(1000000, "2025-12-20"), "mystery"), day("2026-01-10"), rates, 52000, 52000},
		{"agricultural uses 2 and 3 per mille", withClass(commercial(1000000, "2025-12-20"), billing.Agricultural), day("2026-01-10"), rates, 52000, 52000},
		{"large industry uses 2 and 3 per mille", withClass(commercial(1000000, "2025-12-20"), billing.LargeIndustry), day("2026-01-10"), rates, 52000, 52000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			due, accrued := tt.bill.LateFee(tt.on, tt.rates)
			if due != tt.wantDue || accrued != tt.wantAccrued {
				t.Errorf("LateFee(%s) = due %s, accrued %s; want due %s, accrued %s",
					tt.on.Format(time.DateOnly), due, accrued, tt.wantDue, tt.wantAccrued)
			}
		})
	}
}

func TestDateOf(t *testing.T) {
	tests := []struct {
		name string
		in   time.Time
		want time.Time
	}{
		{"Beijing just after midnight is still that day", time.Date(2026, 3, 15, 0, 30, 0, 0, beijing), day("2026-03-15")},
		{"Beijing late evening", time.Date(2026, 3, 15, 23, 59, 59, 0, beijing), day("2026-03-15")},
		{"UTC last nanosecond", time.Date(2026, 12, 31, 23, 59, 59, 999999999, time.UTC), day("2026-12-31")},
		{"west of UTC on new year's eve", time.Date(2026, 12, 31, 22, 0, 0, 0, time.FixedZone("EST", -5*60*60)), day("2026-12-31")},
		{"leap day", time.Date(2028, 2, 29, 12, 0, 0, 0, beijing), day("2028-02-29")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := billing.DateOf(tt.in)
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("DateOf(%v) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestDefaultLateFeeRates(t *testing.T) {
	want := billing.LateFeeRates{
		billing.Residential:   {CurrentYear: 1, CrossYear: 1},
		billing.Commercial:    {CurrentYear: 2, CrossYear: 3},
		billing.LargeIndustry: {CurrentYear: 2, CrossYear: 3},
		billing.Agricultural:  {CurrentYear: 2, CrossYear: 3},
	}
	if got := billing.DefaultLateFeeRates(); !reflect.DeepEqual(got, want) {
		t.Errorf("DefaultLateFeeRates() = %v, want %v", got, want)
	}
	if billing.MinimumLateFee != 100 {
		t.Errorf("MinimumLateFee = %s, want 1.00", billing.MinimumLateFee)
	}
}

func TestLateFeeRatesValidate(t *testing.T) {
	tests := []struct {
		name    string
		rates   billing.LateFeeRates
		wantErr bool
	}{
		{"defaults", billing.DefaultLateFeeRates(), false},
		{"nil", nil, false},
		{"one class", billing.LateFeeRates{billing.Residential: {CurrentYear: 1, CrossYear: 1}}, false},
		{"negative current-year rate", billing.LateFeeRates{billing.Commercial: {CurrentYear: -2, CrossYear: 3}}, true},
		{"negative cross-year rate", billing.LateFeeRates{billing.Commercial: {CurrentYear: 2, CrossYear: -3}}, true},
		{"unknown class", billing.LateFeeRates{"mystery": {CurrentYear: 2, CrossYear: 3}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.rates.Validate()
			if tt.wantErr != errors.Is(err, billing.ErrInvalid) || (!tt.wantErr && err != nil) {
				t.Errorf("Validate() = %v, want error: %v", err, tt.wantErr)
			}
		})
	}
}
