package billing_test

import (
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"gridpay/internal/billing"
)

// payment is one step of a bill's life: a payment on a date and what it must do.
type payment struct {
	on            string
	amount        billing.Money
	wantFee       billing.Money
	wantPrincipal billing.Money
	wantPrepaid   billing.Money
	wantOpen      billing.Money // open principal afterwards
	wantAccrued   billing.Money // FeeAccrued afterwards
	wantThrough   string        // AccruedThrough afterwards, "" for none
	wantStatus    billing.Status
}

// TestAllocateSequence pays one bill several times, each payment starting from the state the
// previous one left.
func TestAllocateSequence(t *testing.T) {
	residential := func(principal billing.Money, due string) billing.BillBalance {
		return billing.BillBalance{ID: 42, Period: 202603, Class: billing.Residential, Due: day(due), Principal: principal}
	}
	tests := []struct {
		name     string
		bill     billing.BillBalance
		payments []payment
	}{
		{
			name: "domain example 5: residential 200.00 paid in two parts",
			bill: residential(20000, "2026-04-15"),
			payments: []payment{
				{"2026-04-25", 10000, 200, 9800, 0, 10200, 200, "2026-04-25", billing.PartlyPaid},
				{"2026-05-05", 10302, 102, 10200, 0, 0, 302, "2026-05-05", billing.Paid},
			},
		},
		{
			name: "domain example 1 through Allocate, then the last yuan",
			bill: residential(10000, "2026-03-15"),
			payments: []payment{
				{"2026-03-25", 10000, 100, 9900, 0, 100, 100, "2026-03-25", billing.PartlyPaid},
				{"2026-03-25", 100, 0, 100, 0, 0, 100, "2026-03-25", billing.Paid},
			},
		},
		{
			name: "payment on the due date",
			bill: residential(10000, "2026-03-15"),
			payments: []payment{
				{"2026-03-15", 10000, 0, 10000, 0, 0, 0, "", billing.Paid},
			},
		},
		{
			name: "payment smaller than the outstanding fee, then two more",
			bill: residential(10000, "2026-03-15"),
			payments: []payment{
				{"2026-03-25", 40, 40, 0, 0, 10000, 100, "2026-03-25", billing.PartlyPaid},
				{"2026-03-30", 5000, 110, 4890, 0, 5110, 150, "2026-03-30", billing.PartlyPaid},
				{"2026-04-09", 6000, 51, 5110, 839, 0, 201, "2026-04-09", billing.Paid},
			},
		},
		{
			name: "minimum fee counts over the bill's whole life",
			bill: residential(5000, "2026-03-15"),
			payments: []payment{
				{"2026-03-20", 30, 30, 0, 0, 5000, 25, "2026-03-20", billing.PartlyPaid},
				{"2026-03-22", 10000, 70, 5000, 4930, 0, 35, "2026-03-22", billing.Paid},
			},
		},
		{
			name: "part before the due date, rest late",
			bill: residential(10000, "2026-03-15"),
			payments: []payment{
				{"2026-03-10", 3000, 0, 3000, 0, 7000, 0, "", billing.PartlyPaid},
				{"2026-03-20", 7100, 100, 7000, 0, 0, 35, "2026-03-20", billing.Paid},
			},
		},
		{
			name: "commercial paid in parts across the new year",
			bill: billing.BillBalance{ID: 7, Period: 202511, Class: billing.Commercial, Due: day("2025-12-20"), Principal: 1000000},
			payments: []payment{
				{"2025-12-31", 522000, 22000, 500000, 0, 500000, 22000, "2025-12-31", billing.PartlyPaid},
				{"2026-01-10", 600000, 15000, 500000, 85000, 0, 37000, "2026-01-10", billing.Paid},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bill := tt.bill
			if got := bill.Status(); got != billing.Unpaid {
				t.Fatalf("new bill Status() = %q, want %q", got, billing.Unpaid)
			}
			for i, p := range tt.payments {
				a, err := billing.Allocate([]billing.BillBalance{bill}, p.amount, day(p.on), billing.DefaultLateFeeRates())
				if err != nil {
					t.Fatalf("payment %d: Allocate: %v", i+1, err)
				}
				if len(a.Bills) != 1 {
					t.Fatalf("payment %d: %d bills settled, want 1: %+v", i+1, len(a.Bills), a)
				}
				got := a.Bills[0]
				if got.BillID != bill.ID || got.Fee != p.wantFee || got.Principal != p.wantPrincipal || a.Prepaid != p.wantPrepaid {
					t.Errorf("payment %d: bill %d fee %s principal %s prepaid %s; want bill %d fee %s principal %s prepaid %s",
						i+1, got.BillID, got.Fee, got.Principal, a.Prepaid, bill.ID, p.wantFee, p.wantPrincipal, p.wantPrepaid)
				}
				after := got.After
				var wantThrough time.Time
				if p.wantThrough != "" {
					wantThrough = day(p.wantThrough)
				}
				if after.OpenPrincipal() != p.wantOpen || after.FeeAccrued != p.wantAccrued ||
					!after.AccruedThrough.Equal(wantThrough) || after.Status() != p.wantStatus {
					t.Errorf("payment %d: after open %s accrued %s through %v status %q; want open %s accrued %s through %v status %q",
						i+1, after.OpenPrincipal(), after.FeeAccrued, after.AccruedThrough, after.Status(),
						p.wantOpen, p.wantAccrued, wantThrough, p.wantStatus)
				}
				bill = after
			}
		})
	}
}

func TestAllocate(t *testing.T) {
	older := billing.BillBalance{ID: 1, Period: 202602, Class: billing.Residential, Due: day("2026-03-15"), Principal: 10000}
	newer := billing.BillBalance{ID: 2, Period: 202603, Class: billing.Residential, Due: day("2026-04-15"), Principal: 8000}
	paid := billing.BillBalance{ID: 3, Period: 202601, Class: billing.Residential, Due: day("2026-02-15"), Principal: 5000, PrincipalPaid: 5000}
	settle := func(b billing.BillBalance, fee, principal billing.Money, feeAccrued billing.Money, through string) billing.Applied {
		after := b
		after.FeePaid += fee
		after.PrincipalPaid += principal
		if through != "" {
			after.FeeAccrued = feeAccrued
			after.AccruedThrough = day(through)
		}
		return billing.Applied{BillID: b.ID, Fee: fee, Principal: principal, After: after}
	}
	sameDue := func(id int64, period int) billing.BillBalance {
		return billing.BillBalance{ID: id, Period: period, Class: billing.Commercial, Due: day("2026-03-15"), Principal: 1000}
	}
	// A bill with a lower id and period than sameDue(2, 202602) but a later due date, as after a re-issue.
	reissued := billing.BillBalance{ID: 1, Period: 202601, Class: billing.Commercial, Due: day("2026-03-20"), Principal: 1000}
	tests := []struct {
		name   string
		open   []billing.BillBalance
		amount billing.Money
		on     string
		want   billing.Allocation
	}{
		{
			// The older bill is 26 days overdue: 100.00 x 0.1% x 26 = 2.60.
			name: "two bills oldest first", open: []billing.BillBalance{newer, older}, amount: 15000, on: "2026-04-10",
			want: billing.Allocation{Bills: []billing.Applied{
				settle(older, 260, 10000, 260, "2026-04-10"),
				settle(newer, 0, 4740, 0, ""),
			}},
		},
		{
			name: "payment larger than all arrears goes to prepaid", open: []billing.BillBalance{newer, older}, amount: 50000, on: "2026-04-10",
			want: billing.Allocation{Bills: []billing.Applied{
				settle(older, 260, 10000, 260, "2026-04-10"),
				settle(newer, 0, 8000, 0, ""),
			}, Prepaid: 31740},
		},
		{
			name: "payment smaller than the oldest fee leaves the newer bill alone", open: []billing.BillBalance{newer, older}, amount: 50, on: "2026-04-10",
			want: billing.Allocation{Bills: []billing.Applied{settle(older, 50, 0, 260, "2026-04-10")}},
		},
		{
			name: "fully paid bills are skipped", open: []billing.BillBalance{paid, older}, amount: 5000, on: "2026-03-25",
			want: billing.Allocation{Bills: []billing.Applied{settle(older, 100, 4900, 100, "2026-03-25")}},
		},
		{
			name: "no open bills: all prepaid", open: []billing.BillBalance{paid}, amount: 5000, on: "2026-03-25",
			want: billing.Allocation{Prepaid: 5000},
		},
		{
			name: "nil bills: all prepaid", open: nil, amount: 1, on: "2026-03-25",
			want: billing.Allocation{Prepaid: 1},
		},
		{
			name: "due date comes before period and id", open: []billing.BillBalance{reissued, sameDue(2, 202602)},
			amount: 1500, on: "2026-03-10",
			want: billing.Allocation{Bills: []billing.Applied{
				settle(sameDue(2, 202602), 0, 1000, 0, ""),
				settle(reissued, 0, 500, 0, ""),
			}},
		},
		{
			name: "same due date: by period, then by id", open: []billing.BillBalance{sameDue(7, 202603), sameDue(5, 202603), sameDue(9, 202602)},
			amount: 1500, on: "2026-03-15",
			want: billing.Allocation{Bills: []billing.Applied{
				settle(sameDue(9, 202602), 0, 1000, 0, ""),
				settle(sameDue(5, 202603), 0, 500, 0, ""),
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := slices.Clone(tt.open)
			got, err := billing.Allocate(tt.open, tt.amount, day(tt.on), billing.DefaultLateFeeRates())
			if err != nil {
				t.Fatalf("Allocate: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Allocate =\n%+v\nwant\n%+v", got, tt.want)
			}
			if !reflect.DeepEqual(tt.open, input) {
				t.Errorf("Allocate modified its input: %+v, was %+v", tt.open, input)
			}
		})
	}
}

func TestAllocateRejects(t *testing.T) {
	open := []billing.BillBalance{{ID: 1, Class: billing.Residential, Due: day("2026-03-15"), Principal: 10000}}
	tests := []struct {
		name   string
		amount billing.Money
	}{
		{"zero amount", 0},
		{"negative amount", -100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := billing.Allocate(open, tt.amount, day("2026-03-25"), billing.DefaultLateFeeRates())
			if !errors.Is(err, billing.ErrInvalid) || !reflect.DeepEqual(got, billing.Allocation{}) {
				t.Errorf("Allocate(%s) = %+v, %v; want a zero Allocation and an error wrapping ErrInvalid", tt.amount, got, err)
			}
		})
	}
}

func TestApplyPrepaid(t *testing.T) {
	newBill := billing.BillBalance{ID: 5, Period: 202603, Class: billing.Residential, Due: day("2026-04-15"), Principal: 17500}
	overdue := billing.BillBalance{ID: 6, Period: 202602, Class: billing.Residential, Due: day("2026-03-15"), Principal: 10000}
	paid := newBill
	paid.PrincipalPaid = 17500
	after := func(b billing.BillBalance, fee, principal billing.Money, through string) billing.BillBalance {
		b.FeePaid += fee
		b.PrincipalPaid += principal
		if through != "" {
			b.FeeAccrued = fee
			b.AccruedThrough = day(through)
		}
		return b
	}
	tests := []struct {
		name     string
		balance  billing.Money
		bill     billing.BillBalance
		on       string
		wantUsed billing.Money
		want     billing.Allocation
	}{
		{"balance covers the new bill", 20000, newBill, "2026-04-01", 17500,
			billing.Allocation{Bills: []billing.Applied{{BillID: 5, Principal: 17500, After: after(newBill, 0, 17500, "")}}}},
		{"balance exactly the bill", 17500, newBill, "2026-04-01", 17500,
			billing.Allocation{Bills: []billing.Applied{{BillID: 5, Principal: 17500, After: after(newBill, 0, 17500, "")}}}},
		{"balance covers part of the bill", 5000, newBill, "2026-04-01", 5000,
			billing.Allocation{Bills: []billing.Applied{{BillID: 5, Principal: 5000, After: after(newBill, 0, 5000, "")}}}},
		{"overdue bill pays the fee first", 20000, overdue, "2026-03-25", 10100,
			billing.Allocation{Bills: []billing.Applied{{BillID: 6, Fee: 100, Principal: 10000, After: after(overdue, 100, 10000, "2026-03-25")}}}},
		{"zero balance", 0, newBill, "2026-04-01", 0, billing.Allocation{}},
		{"negative balance", -100, newBill, "2026-04-01", 0, billing.Allocation{}},
		{"nothing owed", 20000, paid, "2026-04-01", 0, billing.Allocation{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			used, got := billing.ApplyPrepaid(tt.balance, tt.bill, day(tt.on), billing.DefaultLateFeeRates())
			if used != tt.wantUsed || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ApplyPrepaid = %s, %+v\nwant %s, %+v", used, got, tt.wantUsed, tt.want)
			}
		})
	}
}
