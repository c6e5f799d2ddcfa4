package store_test

import (
	"errors"
	"reflect"
	"testing"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

// billFixture is a residential account with five months of bills and readings, and a commercial
// account with two meters (one rolling over) and two bills.
type billFixture struct {
	*fixture
	res, com         int64
	resBills         map[int]int64 // by period
	comBills         map[int]int64
	resKWh           map[int]int64
	resPrincipal     map[int]billing.Money
	partlyPaidPeriod int
}

var residentialTariffValue = billing.Tariff{Code: residentialTariff, Name: residentialName, Kind: billing.Tiered,
	Mode: billing.Monthly, Tiers: residentialTiers}

func newBillFixture(t *testing.T, db *store.DB) *billFixture {
	t.Helper()
	f := &billFixture{fixture: newFixture(t, db), resBills: map[int]int64{}, comBills: map[int]int64{},
		resKWh: map[int]int64{}, resPrincipal: map[int]billing.Money{}, partlyPaidPeriod: 202512}
	f.res = f.account(accountSpec{No: "3100000001", Phone: "13800138000"})
	f.com = f.account(accountSpec{No: "3100000002", Phone: "13800138001", Class: billing.Commercial, Capacity: 50})

	// Residential: readings in 0.01 kWh at the end of each period; 202603 is docs/domain.md's 300 kWh.
	m := f.meter(f.res, "3300000000001", 6, 1)
	readings := []struct {
		period int
		total  int64
		due    string
	}{
		{202510, 42000, ""},
		{202511, 57000, "2025-12-15"},
		{202512, 77000, "2026-01-15"},
		{202601, 102000, "2026-02-15"},
		{202602, 120000, "2026-03-15"},
		{202603, 150000, "2026-04-15"},
	}
	for i, r := range readings {
		f.reading(m, r.period, r.total)
		if i == 0 {
			continue
		}
		kwh := (r.total - readings[i-1].total) / 100
		items, err := residentialTariffValue.Bill(billing.Usage{KWh: kwh})
		if err != nil {
			t.Fatal(err)
		}
		b := billSpec{Account: f.res, Period: r.period, Due: r.due, KWh: kwh, Principal: billing.Total(items), Items: items}
		switch r.period {
		case 202511:
			b.PrincipalPaid, b.Status = b.Principal, billing.Paid
		case f.partlyPaidPeriod:
			b.PrincipalPaid, b.FeeAccrued, b.FeePaid, b.AccruedThrough, b.Status = 5000, 120, 120, "2026-01-20", billing.PartlyPaid
		}
		f.resBills[r.period] = f.bill(b)
		f.resKWh[r.period], f.resPrincipal[r.period] = kwh, b.Principal
	}

	// Commercial: a five-digit meter that rolls over from 99950.00 to 00030.00 (80 kWh) and a CT
	// meter with multiplier 40 going from 1200.00 to 1230.00 (1200 kWh), docs/domain.md's examples. The
	// five-digit meter has no December reading, so January shows it unchanged. A third meter was
	// installed after the bills and has no readings for them.
	m5 := f.meter(f.com, "3300000000002", 5, 1)
	m40 := f.meter(f.com, "3300000000003", 6, 40)
	f.meter(f.com, "3300000000004", 6, 1)
	f.reading(m5, 202601, 9990000)
	f.reading(m5, 202602, 9995000)
	f.reading(m5, 202603, 3000)
	f.reading(m40, 202512, 110000)
	f.reading(m40, 202601, 112000)
	f.reading(m40, 202602, 120000)
	f.reading(m40, 202603, 123000)
	for _, b := range []struct {
		period int
		due    string
		kwh    int64
	}{{202601, "2026-02-20", 800}, {202603, "2026-04-20", 1280}} {
		amount := billing.Charge(b.kwh, commercialFlatRate)
		f.comBills[b.period] = f.bill(billSpec{Account: f.com, Class: billing.Commercial, Period: b.period, Due: b.due,
			KWh: b.kwh, Principal: amount, Items: []billing.LineItem{{Code: "energy", Quantity: b.kwh, UnitPrice: commercialFlatRate, Amount: amount}}})
	}
	return f
}

// resBill is the residential bill of a period as Bills and Bill return it.
func (f *billFixture) resBill(period int, issued, due string) store.Bill {
	b := store.Bill{ID: f.resBills[period], AccountID: f.res, Period: period, Class: billing.Residential,
		TariffCode: residentialTariff, IssuedOn: day(issued), DueOn: day(due), KWh: f.resKWh[period]}
	b.Balance = billing.BillBalance{ID: b.ID, Period: period, Class: billing.Residential, Due: b.DueOn, Principal: f.resPrincipal[period]}
	switch period {
	case 202511:
		b.Balance.PrincipalPaid = b.Balance.Principal
	case f.partlyPaidPeriod:
		b.Balance.PrincipalPaid, b.Balance.FeeAccrued, b.Balance.FeePaid, b.Balance.AccruedThrough = 5000, 120, 120, day("2026-01-20")
	}
	return b
}

func TestBills(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newBillFixture(t, db)
		core := newCore(db)
		tests := []struct {
			name      string
			account   int64
			page      store.Page
			want      []int // periods
			wantTotal int
		}{
			{"first page, newest first", f.res, store.Page{Limit: 2}, []int{202603, 202602}, 5},
			{"second page", f.res, store.Page{Limit: 2, Offset: 2}, []int{202601, 202512}, 5},
			{"last page, short", f.res, store.Page{Limit: 2, Offset: 4}, []int{202511}, 5},
			{"past the end", f.res, store.Page{Limit: 2, Offset: 10}, []int{}, 5},
			{"no limit means the default page", f.res, store.Page{}, []int{202603, 202602, 202601, 202512, 202511}, 5},
			{"negative offset means the start", f.res, store.Page{Limit: 1, Offset: -5}, []int{202603}, 5},
			{"limit above 100 is capped", f.res, store.Page{Limit: 1_000_000}, []int{202603, 202602, 202601, 202512, 202511}, 5},
			{"other account", f.com, store.Page{Limit: 10}, []int{202603, 202601}, 2},
			{"unknown account", 999_999, store.Page{Limit: 10}, []int{}, 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				bills, total, err := core.Bills(t.Context(), tt.account, tt.page)
				if err != nil {
					t.Fatalf("Bills: %v", err)
				}
				if bills == nil {
					t.Fatal("Bills returned nil, want an empty list")
				}
				periods := []int{}
				for _, b := range bills {
					periods = append(periods, b.Period)
					if b.AccountID != tt.account {
						t.Errorf("bill %d belongs to account %d, want %d", b.ID, b.AccountID, tt.account)
					}
				}
				if !reflect.DeepEqual(periods, tt.want) || total != tt.wantTotal {
					t.Errorf("Bills(%+v) = %v, total %d; want %v, total %d", tt.page, periods, total, tt.want, tt.wantTotal)
				}
			})
		}

		t.Run("fields and balances", func(t *testing.T) {
			bills, _, err := core.Bills(t.Context(), f.res, store.Page{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			want := []store.Bill{
				f.resBill(202603, "2026-04-01", "2026-04-15"),
				f.resBill(202602, "2026-03-01", "2026-03-15"),
				f.resBill(202601, "2026-02-01", "2026-02-15"),
				f.resBill(202512, "2026-01-01", "2026-01-15"),
				f.resBill(202511, "2025-12-01", "2025-12-15"),
			}
			if !reflect.DeepEqual(bills, want) {
				t.Errorf("Bills =\n %+v\nwant\n %+v", bills, want)
			}
			wantStatus := []billing.Status{billing.Unpaid, billing.Unpaid, billing.Unpaid, billing.PartlyPaid, billing.Paid}
			for i, b := range bills {
				if b.Status() != wantStatus[i] {
					t.Errorf("bill %d status %s, want %s", b.Period, b.Status(), wantStatus[i])
				}
			}
		})
	})
}

func TestBill(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newBillFixture(t, db)
		core := newCore(db)
		comTariff := billing.Tariff{Code: commercialTariff, Name: commercialName, Kind: billing.FlatRate, Flat: commercialFlatRate}
		comBill := func(period int, issued, due string, kwh int64, amount billing.Money) store.Bill {
			b := store.Bill{ID: f.comBills[period], AccountID: f.com, Period: period, Class: billing.Commercial,
				TariffCode: commercialTariff, IssuedOn: day(issued), DueOn: day(due), KWh: kwh}
			b.Balance = billing.BillBalance{ID: b.ID, Period: period, Class: billing.Commercial, Due: b.DueOn, Principal: amount}
			return b
		}

		tests := []struct {
			name            string
			account, billID int64
			want            store.BillDetail
			wantErr         error
		}{
			{"residential, 300 kWh over three tiers", f.res, f.resBills[202603], store.BillDetail{
				Bill: f.resBill(202603, "2026-04-01", "2026-04-15"),
				// docs/domain.md: 160 x 0.51 + 80 x 0.56 + 60 x 0.81 = 81.60 + 44.80 + 48.60 = 175.00
				Items: []billing.LineItem{
					{Code: "tier1", Quantity: 160, UnitPrice: 5100, Amount: 8160},
					{Code: "tier2", Quantity: 80, UnitPrice: 5600, Amount: 4480},
					{Code: "tier3", Quantity: 60, UnitPrice: 8100, Amount: 4860},
				},
				Readings:    []store.MeterReading{{AssetNo: "3300000000001", Digits: 6, Multiplier: 1, Previous: 120000, Current: 150000, KWh: 300}},
				Tariff:      residentialTariffValue,
				Adjustments: []store.AdjustmentRecord{},
			}, nil},
			{"commercial, rollover and multiplier", f.com, f.comBills[202603], store.BillDetail{
				Bill:  comBill(202603, "2026-04-01", "2026-04-20", 1280, 83200),
				Items: []billing.LineItem{{Code: "energy", Quantity: 1280, UnitPrice: 6500, Amount: 83200}},
				Readings: []store.MeterReading{
					{AssetNo: "3300000000002", Digits: 5, Multiplier: 1, Previous: 9995000, Current: 3000, KWh: 80},
					{AssetNo: "3300000000003", Digits: 6, Multiplier: 40, Previous: 120000, Current: 123000, KWh: 1200},
				},
				Tariff:      comTariff,
				Adjustments: []store.AdjustmentRecord{},
			}, nil},
			{"january reads december; a meter without the previous reading shows none used", f.com, f.comBills[202601], store.BillDetail{
				Bill:  comBill(202601, "2026-02-01", "2026-02-20", 800, 52000),
				Items: []billing.LineItem{{Code: "energy", Quantity: 800, UnitPrice: 6500, Amount: 52000}},
				Readings: []store.MeterReading{
					{AssetNo: "3300000000002", Digits: 5, Multiplier: 1, Previous: 9990000, Current: 9990000, KWh: 0},
					{AssetNo: "3300000000003", Digits: 6, Multiplier: 40, Previous: 110000, Current: 112000, KWh: 800},
				},
				Tariff:      comTariff,
				Adjustments: []store.AdjustmentRecord{},
			}, nil},
			{"another account's bill", f.com, f.resBills[202603], store.BillDetail{}, billing.ErrNotFound},
			{"the other way round", f.res, f.comBills[202603], store.BillDetail{}, billing.ErrNotFound},
			{"no such bill", f.res, 999_999, store.BillDetail{}, billing.ErrNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := core.Bill(t.Context(), tt.account, tt.billID)
				if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
					t.Fatalf("Bill(%d, %d) error = %v, want %v", tt.account, tt.billID, err, tt.wantErr)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("Bill(%d, %d) =\n %+v\nwant\n %+v", tt.account, tt.billID, got, tt.want)
				}
				if err != nil {
					return
				}
				// The stored items are what the stored tariff makes of the stored readings.
				var kwh int64
				for _, r := range got.Readings {
					kwh += r.KWh
				}
				items, err := got.Tariff.Bill(billing.Usage{KWh: kwh})
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(items, got.Items) || kwh != got.KWh || billing.Total(items) != got.Balance.Principal {
					t.Errorf("tariff %s on %d kWh gives %+v, the bill has %d kWh and %+v", got.Tariff.Code, kwh, items, got.KWh, got.Items)
				}
			})
		}
	})
}
