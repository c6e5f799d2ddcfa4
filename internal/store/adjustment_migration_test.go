package store_test

import (
	"os"
	"testing"

	"github.com/pressly/goose/v3"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

// TestAdjustmentMigrationKeepsBills: bills and the prepaid ledger on record before core migration
// 00005 come through it unchanged (nothing waived), take adjustments after it, and the migration
// goes down (dropping the adjustments, keeping the bills) and up again.
func TestAdjustmentMigrationKeepsBills(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		gd := goose.DialectSQLite3
		if db.Dialect() == "sqlserver" {
			gd = goose.DialectMSSQL
		}
		gp, err := goose.NewProvider(gd, db.DB, os.DirFS("migrations/core/"+db.Dialect()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := gp.UpTo(ctx, 4); err != nil {
			t.Fatal(err)
		}
		f := newFixture(t, db)
		acc := f.account(accountSpec{No: "3100000001"})
		bill := f.bill(billSpec{Account: acc, Period: 202603, Due: "2026-04-15", Principal: 20000, PrincipalPaid: 9800,
			FeeAccrued: 200, FeePaid: 200, AccruedThrough: "2026-04-25", Status: billing.PartlyPaid})
		want := billing.BillBalance{ID: bill, Period: 202603, Class: billing.Residential, Due: day("2026-04-15"),
			Principal: 20000, PrincipalPaid: 9800, FeeAccrued: 200, FeePaid: 200, AccruedThrough: day("2026-04-25")}

		check := func(t *testing.T) {
			t.Helper()
			open, err := newCore(db).OpenBills(ctx, acc)
			if err != nil || len(open) != 1 || open[0] != want {
				t.Fatalf("OpenBills after the migration = %+v, %v; want %+v", open, err, want)
			}
		}
		migrate(t, db)
		check(t)
		rec, err := newCore(db).PostAdjustment(ctx, store.Adjustment{No: "AJ0000000001", AccountNo: "3100000001", BillID: bill,
			Kind: store.AdjustLateFee, Amount: 200, Reason: "违约金减免", On: day("2026-04-25")})
		if err != nil || rec.ToPrepaid != 200 {
			t.Fatalf("PostAdjustment after the migration = %+v, %v; want the paid 2.00 to prepaid", rec, err)
		}

		if _, err := gp.DownTo(ctx, 4); err != nil {
			t.Fatalf("down to 00004: %v", err)
		}
		if n := countRows(t, db, "bills"); n != 1 {
			t.Fatalf("after going down: %d bills, want the one", n)
		}
		migrate(t, db)
		// Going down drops the waivers with their table (a down migration loses what only the new
		// columns held): the fee the waiver moved to prepaid stays unpaid, and nothing is waived.
		want.FeePaid = 0
		check(t)
		// A fresh adjustment still posts.
		if _, err := newCore(db).PostAdjustment(ctx, store.Adjustment{No: "AJ0000000002", AccountNo: "3100000001", BillID: bill,
			Kind: store.AdjustPrincipal, Amount: 100, Reason: "更正", On: day("2026-04-25")}); err != nil {
			t.Fatalf("PostAdjustment after going down and up: %v", err)
		}
	})
}
