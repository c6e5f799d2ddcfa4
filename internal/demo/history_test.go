package demo_test

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/demo"
	"gridpay/internal/store"
)

// seeded opens a fresh SQLite core database holding a demo county of n accounts and months of
// history, as of 2026-11-26.
func seeded(t *testing.T, n, months int) *store.DB {
	t.Helper()
	ctx := context.Background()
	path := "sqlite:" + filepath.Join(t.TempDir(), "core.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.MigrateSchema(ctx, store.CoreSchema); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Seed(ctx, db, demo.Options{Seed: 1, Customers: n, Months: months,
		Today: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// Seeding tunes the connection for the load: read through a fresh one.
	if db, err = store.Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// accountHistory is what a customer sees of one account: billed kWh by period, and the daily
// readings of its meter.
type accountHistory struct {
	no     string
	meter  billing.Meter
	billed map[int]int64 // period -> kWh
	daily  []dailyReading
}

type dailyReading struct {
	on    time.Time
	total int64
}

func histories(t *testing.T, db *store.DB) []*accountHistory {
	t.Helper()
	ctx := t.Context()
	byID := map[int64]*accountHistory{}
	var out []*accountHistory
	rows, err := db.QueryContext(ctx, `SELECT a.id, a.account_no, m.digits, m.multiplier FROM accounts a JOIN meters m ON m.account_id = a.id ORDER BY a.id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		h := &accountHistory{billed: map[int]int64{}}
		if err := rows.Scan(&id, &h.no, &h.meter.Digits, &h.meter.Multiplier); err != nil {
			t.Fatal(err)
		}
		byID[id] = h
		out = append(out, h)
	}
	rows.Close()
	rows, err = db.QueryContext(ctx, `SELECT account_id, period, kwh FROM bills`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, kwh int64
		var period int
		if err := rows.Scan(&id, &period, &kwh); err != nil {
			t.Fatal(err)
		}
		byID[id].billed[period] = kwh
	}
	rows.Close()
	rows, err = db.QueryContext(ctx, `SELECT m.account_id, d.read_on, d.total FROM daily_readings d JOIN meters m ON m.id = d.meter_id ORDER BY m.account_id, d.read_on`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, total int64
		var on string
		if err := rows.Scan(&id, &on, &total); err != nil {
			t.Fatal(err)
		}
		d, err := time.Parse("2006-01-02", on[:10])
		if err != nil {
			t.Fatal(err)
		}
		byID[id].daily = append(byID[id].daily, dailyReading{d, total})
	}
	rows.Close()
	return out
}

// TestEveryAccountIsOneBelievableCustomer checks the demo county as customers see it on the usage
// page: the days of each month add up to what the month's bill charged, and no account's monthly
// use jumps far from its own usual level (seasons aside), so that months and days tell one story.
func TestEveryAccountIsOneBelievableCustomer(t *testing.T) {
	db := seeded(t, 40, 24)
	checkedMonths := 0
	for _, h := range histories(t, db) {
		// Daily kWh summed by month, over months whose every day has a reading (and the day before).
		hundredths := map[int]int64{}
		days := map[int]int{}
		for k := 1; k < len(h.daily); k++ {
			prev, cur := h.daily[k-1], h.daily[k]
			if cur.on.Sub(prev.on) != 24*time.Hour {
				t.Fatalf("%s: daily readings skip from %s to %s", h.no, prev.on.Format(time.DateOnly), cur.on.Format(time.DateOnly))
			}
			// Energy in 0.01 kWh, summed before rounding: each day rounded to a whole kWh on its own
			// would drift from the bill by up to half a kWh a day on a small consumer.
			if _, err := billing.Consumption(h.meter, billing.Reading(prev.total), billing.Reading(cur.total)); err != nil {
				t.Fatalf("%s on %s: %v", h.no, cur.on.Format(time.DateOnly), err)
			}
			diff := cur.total - prev.total
			if diff < 0 {
				diff += int64(math.Pow10(h.meter.Digits)) * 100
			}
			p := int(billing.PeriodOf(cur.on.Year(), cur.on.Month()))
			hundredths[p] += diff * h.meter.Multiplier
			days[p]++
		}
		for p, n := range days {
			billed, ok := h.billed[p]
			per := billing.Period(p)
			if !ok || n != per.FirstDay().AddDate(0, 1, -1).Day() {
				continue // the month in progress, or one the daily window cuts
			}
			checkedMonths++
			sum := billing.RoundHalfUp(hundredths[p], 100)
			if diff := sum - billed; diff*diff > (billed*3/100+2)*(billed*3/100+2) {
				t.Errorf("%s %s: its days add up to %d kWh, its bill to %d kWh", h.no, per, sum, billed)
			}
		}
		var monthly []int64
		for _, kwh := range h.billed {
			monthly = append(monthly, kwh)
		}
		slices.Sort(monthly)
		median := monthly[len(monthly)/2]
		for p, kwh := range h.billed {
			if kwh*4 < median || kwh > median*4 {
				t.Errorf("%s %s: %d kWh, against a usual month of %d kWh", h.no, billing.Period(p), kwh, median)
			}
		}
	}
	if checkedMonths < 20 {
		t.Errorf("only %d months had daily readings for every day: the check saw too little", checkedMonths)
	}
}
