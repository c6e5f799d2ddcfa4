// Package demo generates the demo county: a deterministic grid, tariffs, customers, meters,
// readings, bills computed by internal/billing, payments posted by its allocation rules, prepaid
// balances and arrears. `gridpay seed` and `make run` use it; tests and benchmarks too.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

// The two well-known demo accounts, always present (README, `make run`).
const (
	DemoResidentialNo    = "3100000001"
	DemoResidentialPhone = "13800138000"
	DemoCommercialNo     = "3100000002"
	DemoCommercialPhone  = "13800138001"
)

// Options say what to generate.
type Options struct {
	Seed      uint64               // same seed, same county
	Customers int                  // number of accounts, at least 2 (the demo accounts)
	Months    int                  // billing months of history per account
	Today     time.Time            // the seed's "today": the newest bill is last month's
	Rates     billing.LateFeeRates // late fee rates used when payments are allocated
	// Progress, when set, is called after each chunk of accounts is written.
	Progress func(done, total int)
}

// Stats count what Seed wrote.
type Stats struct {
	Accounts      int
	Meters        int
	Bills         int
	Readings      int
	DailyReadings int
	Receipts      int
	InArrears     int // accounts with an overdue open bill on Today
	Prepaid       int // accounts with a prepaid balance
}

// chunk is how many accounts go into one loader transaction.
const chunk = 1000

// Seed fills an empty core database with the demo county. Rows are written in transactions of
// `chunk` accounts while the next chunk is generated, several at once where the database takes
// that well (store.DB.LoadWriters); a failed seed leaves a partial county, to be removed by
// recreating the database.
func Seed(ctx context.Context, db *store.DB, o Options) (_ Stats, err error) {
	switch {
	case o.Customers < 2 || o.Customers > 2_000_000:
		return Stats{}, fmt.Errorf("demo: customers %d: want 2 to 2,000,000: %w", o.Customers, billing.ErrInvalid)
	case o.Months < 2 || o.Months > 120:
		return Stats{}, fmt.Errorf("demo: months %d: want 2 to 120: %w", o.Months, billing.ErrInvalid)
	case o.Today.IsZero():
		return Stats{}, fmt.Errorf("demo: no date for today: %w", billing.ErrInvalid)
	}
	if o.Rates == nil {
		o.Rates = billing.DefaultLateFeeRates()
	}
	empty, err := db.Empty(ctx)
	if err != nil {
		return Stats{}, err
	}
	if !empty {
		return Stats{}, fmt.Errorf("demo: the core database already has accounts; seeding needs an empty one: %w", billing.ErrConflict)
	}

	restore, err := db.PrepareBulkLoad(ctx)
	if err != nil {
		return Stats{}, err
	}
	defer func() {
		if rerr := restore(context.WithoutCancel(ctx)); rerr != nil && err == nil {
			err = rerr
		}
	}()
	g := newGenerator(o)
	// The grid and tariffs go first, on their own: every chunk refers to them, and chunks, which
	// share no other rows, are written side by side where the database allows it.
	grid := newLoader(db)
	g.county = addGrid(grid, rand.New(rand.NewPCG(o.Seed, 0)), g.today)
	if err := grid.Flush(ctx); err != nil {
		return Stats{}, fmt.Errorf("demo: seed: %w", err)
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	writers := db.LoadWriters()
	free := make(chan *store.Loader, writers+1)
	free <- grid
	for range writers {
		free <- newLoader(db)
	}
	full := make(chan *store.Loader)
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() { // generation runs beside the writers
			for l := range full {
				if ctx.Err() == nil {
					if err := l.Flush(ctx); err != nil {
						cancel(err)
					}
				}
				l.Reset()
				free <- l
			}
		})
	}

	for start := 0; start < o.Customers; start += chunk {
		var l *store.Loader
		select {
		case l = <-free:
		case <-ctx.Done():
		}
		if l == nil {
			break
		}
		for i := start; i < min(start+chunk, o.Customers); i++ {
			g.account(l, i)
		}
		full <- l
		if o.Progress != nil {
			o.Progress(min(start+chunk, o.Customers), o.Customers)
		}
	}
	close(full)
	wg.Wait()
	// The first failed Flush cancelled ctx with its error; a cancelled parent shows here too.
	if err := context.Cause(ctx); err != nil {
		return Stats{}, fmt.Errorf("demo: seed: %w", err)
	}
	if err := db.SetCounter(ctx, "receipt", g.receiptSeq); err != nil {
		return Stats{}, err
	}
	if err := db.MarkSeeded(ctx, int64(o.Seed)); err != nil {
		return Stats{}, err
	}
	return g.stats, nil
}

// newLoader declares the tables in foreign-key order.
func newLoader(db *store.DB) *store.Loader {
	l := db.NewLoader()
	l.Declare("substations", "id", "code", "name", "voltage_kv")
	l.Declare("lines", "id", "code", "name", "substation_id", "voltage_kv")
	l.Declare("supply_stations", "id", "code", "name", "town", "phone")
	l.Declare("transformer_areas", "id", "code", "name", "station_id", "line_id", "capacity_kva", "no_load_loss_w", "load_loss_w")
	l.Declare("tariffs", "id", "code", "name", "class", "kind", "tier_mode", "flat_price", "capacity_price", "valid_from")
	l.Declare("tariff_prices", "tariff_id", "item", "seq", "up_to_kwh", "price")
	l.Declare("accounts", "id", "account_no", "name", "address", "phone", "class", "industry_code", "station_id",
		"area_id", "tariff_id", "capacity_kva", "important", "prepaid_fen", "opened_on")
	l.Declare("meters", "id", "asset_no", "account_id", "digits", "multiplier", "smart", "tou", "installed_on")
	l.Declare("readings", "meter_id", "period", "read_on", "total", "peak", "flat", "valley")
	l.Declare("daily_readings", "meter_id", "read_on", "total", "peak", "flat", "valley")
	l.Declare("bills", "id", "account_id", "period", "class", "tariff_id", "issued_on", "due_on", "kwh", "principal_fen",
		"principal_paid_fen", "fee_accrued_fen", "fee_paid_fen", "accrued_through", "status")
	l.Declare("bill_items", "bill_id", "line_no", "code", "quantity", "unit_price", "amount_fen")
	l.Declare("receipts", "id", "receipt_no", "account_id", "channel", "order_no", "amount_fen", "fee_fen",
		"principal_fen", "prepaid_fen", "paid_on", "posted_at")
	l.Declare("receipt_allocations", "receipt_id", "bill_id", "fee_fen", "principal_fen")
	l.Declare("prepaid_ledger", "id", "account_id", "entry_on", "delta_fen", "balance_fen", "reason", "receipt_id", "bill_id")
	return l
}
