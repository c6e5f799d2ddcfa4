package store_test

import (
	"database/sql"
	"os"
	"testing"

	"github.com/pressly/goose/v3"

	"gridpay/internal/store"
)

// TestOrderPayerMigrationKeepsOldOrders: orders made before payers were kept get one from their
// payer phone, or none (the empty payer), and an account that had an open order keeps it through the migration.
func TestOrderPayerMigrationKeepsOldOrders(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		gd := goose.DialectSQLite3
		if db.Dialect() == "sqlserver" {
			gd = goose.DialectMSSQL
		}
		// The portal schema as it stood before migration 00006, as MigrateSchema keeps it.
		gp, err := goose.NewProvider(gd, db.DB, os.DirFS("migrations/portal/"+db.Dialect()), goose.WithTableName("goose_portal_version"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := gp.UpTo(ctx, 5); err != nil {
			t.Fatal(err)
		}
		for _, o := range []struct{ no, phone, status string }{
			{"GPOLD1", "13800138000", "PENDING"},
			{"GPOLD2", "", "CLOSED"},
			{"GPOLD3", "", "PENDING"},
		} {
			account := "3100000001"
			if o.no == "GPOLD3" {
				account = "3100000002"
			}
			if _, err := db.ExecContext(ctx, `INSERT INTO payment_orders (out_trade_no, account_no, payer_phone, channel, amount_fen,
    status, expires_at, created_at, updated_at)
VALUES (@no, @account, @phone, 'wechat', 100, @status, '2026-11-26 10:00:00.000', '2026-11-26 08:00:00.000', '2026-11-26 08:00:00.000')`,
				sql.Named("no", o.no), sql.Named("account", account), sql.Named("status", o.status),
				sql.Named("phone", sql.NullString{String: o.phone, Valid: o.phone != ""})); err != nil {
				t.Fatal(err)
			}
		}
		p, _ := newOrderPortal(t, db) // migrates the rest
		for _, tc := range []struct{ name, no, want string }{
			{"signed in: the phone", "GPOLD1", "phone:13800138000"},
			{"signed out: no one", "GPOLD2", ""},
			{"signed out and still open: no one", "GPOLD3", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				o, err := p.OrderByOutTradeNo(ctx, tc.no)
				if err != nil || o.Payer != tc.want {
					t.Errorf("payer of %s = %q (%v), want %q", tc.no, o.Payer, err, tc.want)
				}
			})
		}
		t.Run("a new payer of an account with an old open order gets their own", func(t *testing.T) {
			o := newOrder("GPNEW1", "3100000002", 100)
			if got := mustCreate(t, p, o); got.Payer != phonePayer {
				t.Errorf("new order's payer = %q, want %q", got.Payer, phonePayer)
			}
		})
	})
}
