package store_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

func TestUsage(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		acc := f.account(accountSpec{No: "3100000001"})
		for _, b := range []struct {
			period    int
			kwh       int64
			principal billing.Money
		}{{202601, 250, 13460}, {202602, 180, 9440}, {202603, 300, 17500}} {
			f.bill(billSpec{Account: acc, Period: b.period, Due: "2026-04-15", KWh: b.kwh, Principal: b.principal})
		}
		// Daily readings in 0.01 kWh. Meter 1 rolls over on 7 March and missed 8 March.
		m1 := f.meter(acc, "3300000000001", 6, 1)
		for _, r := range []struct {
			on    string
			total int64
		}{
			{"2026-03-04", 99990000},
			{"2026-03-05", 99999000},
			{"2026-03-06", 99999900}, // 9 kWh
			{"2026-03-07", 500},      // 999999.00 -> 000005.00: 6 kWh
			{"2026-03-09", 2000},     // previous day missing: left out
			{"2026-03-10", 3250},     // 12.50 kWh -> 13
			{"2026-03-11", 9999},     // 67.49 kWh -> 67
		} {
			f.daily(m1, r.on, r.total)
		}
		// Meter 2, a CT meter, adds 1.00 x 40 = 40 kWh on 10 March.
		m2 := f.meter(acc, "3300000000002", 6, 40)
		f.daily(m2, "2026-03-09", 10000)
		f.daily(m2, "2026-03-10", 10100)
		// Another account's meter must not count.
		other := f.meter(f.account(accountSpec{No: "3100000002"}), "3300000000003", 6, 1)
		for i, on := range []string{"2026-03-05", "2026-03-06", "2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10"} {
			f.daily(other, on, int64(i)*100000)
		}
		core := newCore(db)

		monthly := []store.MonthlyUsage{{Period: 202601, KWh: 250, Amount: 13460}, {Period: 202602, KWh: 180, Amount: 9440},
			{Period: 202603, KWh: 300, Amount: 17500}}
		tests := []struct {
			name         string
			months, days int
			asOf         time.Time
			want         store.Usage
		}{
			{"rollover and a gap", 2, 5, day("2026-03-10"), store.Usage{Monthly: monthly[1:],
				Daily: []store.DailyUsage{{Day: day("2026-03-06"), KWh: 9}, {Day: day("2026-03-07"), KWh: 6}, {Day: day("2026-03-10"), KWh: 53}}}},
			{"more months than bills", 12, 2, day("2026-03-07"), store.Usage{Monthly: monthly,
				Daily: []store.DailyUsage{{Day: day("2026-03-06"), KWh: 9}, {Day: day("2026-03-07"), KWh: 6}}}},
			{"one day", 1, 1, day("2026-03-10"), store.Usage{Monthly: monthly[2:],
				Daily: []store.DailyUsage{{Day: day("2026-03-10"), KWh: 53}}}},
			{"late evening in Beijing is that day", 0, 1, time.Date(2026, 3, 10, 23, 59, 0, 0, time.FixedZone("CST", 8*3600)),
				store.Usage{Monthly: []store.MonthlyUsage{}, Daily: []store.DailyUsage{{Day: day("2026-03-10"), KWh: 53}}}},
			{"past the last reading", 0, 3, day("2026-03-12"), store.Usage{Monthly: []store.MonthlyUsage{},
				Daily: []store.DailyUsage{{Day: day("2026-03-10"), KWh: 53}, {Day: day("2026-03-11"), KWh: 67}}}},
			{"nothing asked", 0, 0, day("2026-03-10"), store.Usage{Monthly: []store.MonthlyUsage{}, Daily: []store.DailyUsage{}}},
			{"no readings then", 120, 366, day("2025-12-31"), store.Usage{Monthly: monthly, Daily: []store.DailyUsage{}}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := core.Usage(t.Context(), acc, tt.months, tt.days, tt.asOf)
				if err != nil {
					t.Fatalf("Usage: %v", err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("Usage(%d, %d, %s) =\n %+v\nwant\n %+v", tt.months, tt.days, tt.asOf.Format(time.DateOnly), got, tt.want)
				}
			})
		}

		invalid := []struct {
			name         string
			months, days int
		}{
			{"negative months", -1, 30},
			{"more than 120 months", 121, 30},
			{"negative days", 12, -1},
			{"more than 366 days", 12, 367},
		}
		for _, tt := range invalid {
			t.Run(tt.name, func(t *testing.T) {
				_, err := core.Usage(t.Context(), acc, tt.months, tt.days, day("2026-03-10"))
				if !errors.Is(err, billing.ErrInvalid) {
					t.Errorf("Usage(%d, %d) error = %v, want ErrInvalid", tt.months, tt.days, err)
				}
			})
		}
	})
}
