package store_test

import (
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

// TestReminderProofMigrationKeepsRecords: the reminders on record before core migration 00004 (the
// legal proof) come through it whole, with their ids, and under the same unique key; and the
// migration goes down and up again.
func TestReminderProofMigrationKeepsRecords(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		gd := goose.DialectSQLite3
		if db.Dialect() == "sqlserver" {
			gd = goose.DialectMSSQL
		}
		// The core schema as it stood before migration 00004, as Migrate keeps it.
		gp, err := goose.NewProvider(gd, db.DB, os.DirFS("migrations/core/"+db.Dialect()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := gp.UpTo(ctx, 3); err != nil {
			t.Fatal(err)
		}
		f := newFixture(t, db)
		acc := f.account(accountSpec{No: "3100000001"})
		id := f.insert("reminders", row{"account_id": acc, "stage": "cuijiao", "channel": "sms", "remind_on": "2026-04-14",
			"sent_at": "2026-04-14 01:00:00.000", "amount_fen": 10100, "recipient": "138****8000",
			"content": "【城关供电所】电费催交通知", "status": "delivered"})
		want := store.Reminder{ID: id, AccountID: acc, Stage: "cuijiao", Channel: "sms", RemindOn: day("2026-04-14"),
			SentAt: time.Date(2026, 4, 14, 1, 0, 0, 0, time.UTC), Amount: 10100, Recipient: "138****8000",
			Content: "【城关供电所】电费催交通知", Status: billing.ReminderDelivered}

		check := func(t *testing.T) {
			t.Helper()
			core := newCore(db)
			list, total, err := core.Reminders(ctx, acc, store.Page{})
			if err != nil || total != 1 || !reflect.DeepEqual(list, []store.Reminder{want}) {
				t.Fatalf("Reminders after the migration = %+v, %d, %v; want\n %+v", list, total, err, want)
			}
			again := want
			again.ID, again.Content, again.Status = 0, "again", billing.ReminderSent
			got, created, err := core.RecordReminder(ctx, again)
			if err != nil || created || got.ID != id {
				t.Errorf("recording the same account, stage, day and channel = %+v, %v, %v; want the old record", got, created, err)
			}
		}
		migrate(t, db)
		check(t)

		if _, err := gp.DownTo(ctx, 3); err != nil {
			t.Fatalf("down to 00003: %v", err)
		}
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM reminders`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("after going down: %d reminders, %v; want the one", n, err)
		}
		migrate(t, db)
		check(t)
	})
}
