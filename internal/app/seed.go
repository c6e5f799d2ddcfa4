package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/config"
	"gridpay/internal/demo"
)

func runSeed(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("gridpay seed", stderr)
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives the same county")
	customers := fs.Int("customers", 2000, "number of customer accounts (at least 2)")
	months := fs.Int("months", 24, "months of billing history")
	ifEmpty := fs.Bool("if-empty", false, "do nothing when the database already has accounts")
	day := fs.String("today", "", "the seed's today as YYYY-MM-DD (default: today in GRIDPAY_TIMEZONE)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("seed: unexpected argument %q", fs.Arg(0))
	}
	now := today(cfg)
	if *day != "" {
		t, err := time.Parse("2006-01-02", *day)
		if err != nil {
			return fmt.Errorf("seed: -today %q: want YYYY-MM-DD", *day)
		}
		now = t
	}
	if cfg.Production() {
		return fmt.Errorf("seed: refused in production (GRIDPAY_ENV=production): the demo county is for dev and tests")
	}

	dbs, err := openDatabases(ctx, cfg)
	if err != nil {
		return err
	}
	defer dbs.close()
	if err := dbs.migrate(ctx, log); err != nil {
		return err
	}
	db := dbs.core
	if *ifEmpty {
		empty, err := db.Empty(ctx)
		if err != nil {
			return err
		}
		if !empty {
			seeded, err := db.Seeded(ctx)
			if err != nil {
				return err
			}
			if !seeded {
				return fmt.Errorf("seed: the core database (%s) holds an earlier seed that did not finish: delete it and run again", cfg.CoreDB)
			}
			fmt.Fprintln(stdout, "seed: the core database already has accounts; keeping them")
			return nil
		}
	}
	// Seeding makes short-lived garbage at a great rate; collecting less often leaves the second core
	// to the generator instead of the collector.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	start := time.Now()
	stats, err := demo.Seed(ctx, db, demo.Options{
		Seed: *seed, Customers: *customers, Months: *months, Today: now, Rates: billing.DefaultLateFeeRates(),
		Progress: func(done, total int) {
			if step := max(total/10, 1000); done == total || done%step == 0 {
				fmt.Fprintf(stdout, "seed: %d of %d accounts (%.0f s)\n", done, total, time.Since(start).Seconds())
			}
		},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seed: %d accounts, %d bills, %d monthly and %d daily readings, %d receipts; %d in arrears, %d with prepaid balance; %.1f s\n",
		stats.Accounts, stats.Bills, stats.Readings, stats.DailyReadings, stats.Receipts, stats.InArrears, stats.Prepaid,
		time.Since(start).Seconds())
	return nil
}
