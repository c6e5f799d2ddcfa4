package store_test

import (
	"bytes"
	"database/sql"
	"os"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"gridpay/internal/store"
)

// TestDisputeWorkflowMigrationKeepsDisputes: the disputes on record before portal migration 00011
// (which SQLite must rebuild to widen the status CHECK) come through it whole, with their ids,
// threads and photos, the foreign keys of the thread and the photo still holding, and the SLA clock
// started at their last change; and the migration goes down and up again.
func TestDisputeWorkflowMigrationKeepsDisputes(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		gd := goose.DialectSQLite3
		if db.Dialect() == "sqlserver" {
			gd = goose.DialectMSSQL
		}
		gp, err := goose.NewProvider(gd, db.DB, os.DirFS("migrations/portal/"+db.Dialect()), goose.WithTableName("goose_portal_version"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := gp.UpTo(ctx, 10); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
		p := store.NewPortal(db, func() time.Time { return at })
		photo := &store.DisputePhoto{ContentType: "image/jpeg", Bytes: []byte{0xff, 0xd8, 0xff, 0xe0, 0, 1, 2}}
		// Written by hand: FileDispute of today writes the columns 00011 adds.
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.ExecContext(ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		exec(`INSERT INTO disputes (phone, account_no, bill_id, bill_period, category, text, status, created_at, updated_at)
VALUES ('13800138000', '3100000001', 42, 202610, 'reading_amount', @text, 'in_review', '2026-11-19 08:00:00.000', '2026-11-20 09:30:00.000')`,
			sql.Named("text", "十月电量异常"))
		exec(`INSERT INTO disputes (phone, account_no, category, text, status, created_at, updated_at)
VALUES ('13800138001', '3100000002', 'not_credited', @text, 'closed', '2026-11-01 08:00:00.000', '2026-11-02 08:00:00.000')`,
			sql.Named("text", "缴费未到账"))
		first, second := queryInt(t, db, `SELECT MIN(id) FROM disputes`), queryInt(t, db, `SELECT MAX(id) FROM disputes`)
		exec(`INSERT INTO dispute_messages (dispute_id, author, text, created_at) VALUES (@id, 'customer', @text, '2026-11-19 08:00:00.000')`,
			sql.Named("id", first), sql.Named("text", "十月电量异常"))
		exec(`INSERT INTO dispute_messages (dispute_id, author, text, created_at) VALUES (@id, 'staff', @text, '2026-11-20 09:30:00.000')`,
			sql.Named("id", first), sql.Named("text", "已受理"))
		exec(`INSERT INTO dispute_photos (dispute_id, content_type, bytes) VALUES (@id, 'image/jpeg', @bytes)`,
			sql.Named("id", first), sql.Named("bytes", photo.Bytes))

		check := func(t *testing.T) {
			t.Helper()
			d, err := p.StaffDispute(ctx, first)
			if err != nil {
				t.Fatalf("StaffDispute after the migration: %v", err)
			}
			if d.ID != first || d.Status != store.DisputeInReview || d.AccountNo != "3100000001" || d.BillID != 42 || d.BillPeriod != 202610 ||
				d.Text != "十月电量异常" || !d.HasPhoto || !d.StatusAt.Equal(at) || d.StationID != 0 || d.AssigneeID != 0 {
				t.Errorf("dispute after the migration = %+v", d)
			}
			if len(d.Messages) != 2 || d.Messages[0].Text != "十月电量异常" || d.Messages[1].Author != store.AuthorStaff || d.Messages[1].StaffID != 0 {
				t.Errorf("thread after the migration = %+v", d.Messages)
			}
			if ph, err := p.StaffDisputePhoto(ctx, first); err != nil || !bytes.Equal(ph.Bytes, photo.Bytes) {
				t.Errorf("photo after the migration = %v, %v", ph, err)
			}
			if d, err := p.StaffDispute(ctx, second); err != nil || d.Status != store.DisputeClosed ||
				!d.StatusAt.Equal(time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)) {
				t.Errorf("closed dispute after the migration = %+v, %v", d, err)
			}
			// The thread's and the photo's foreign keys still point at disputes.
			for _, q := range []string{
				`INSERT INTO dispute_messages (dispute_id, author, text, created_at) VALUES (999999, 'staff', 'x', '2026-11-20 09:30:00.000')`,
				`INSERT INTO dispute_photos (dispute_id, content_type, bytes) VALUES (999999, 'image/png', @bytes)`,
			} {
				if _, err := db.ExecContext(ctx, q, sql.Named("bytes", []byte{1})); err == nil {
					t.Errorf("%s: accepted without its dispute", q)
				}
			}
			// New disputes take ids after the old ones.
			filed, err := p.FileDispute(ctx, store.NewDispute{Phone: "13800138000", AccountNo: "3100000001", Category: store.DisputeFaultyMeter,
				Text: "表计故障", StationID: 3})
			if err != nil || filed.ID <= second {
				t.Errorf("FileDispute after the migration = %+v, %v; want an id after %d", filed, err, second)
			}
			exec(`DELETE FROM dispute_messages WHERE dispute_id = @id`, sql.Named("id", filed.ID))
			exec(`DELETE FROM disputes WHERE id = @id`, sql.Named("id", filed.ID))
		}
		if _, err := db.MigrateSchema(ctx, store.PortalSchema); err != nil {
			t.Fatal(err)
		}
		check(t)

		if _, err := gp.DownTo(ctx, 10); err != nil {
			t.Fatalf("down to 00010: %v", err)
		}
		if n := countRows(t, db, "disputes") + countRows(t, db, "dispute_messages") + countRows(t, db, "dispute_photos"); n != 5 {
			t.Fatalf("after going down: %d rows of disputes, messages and photos; want 5", n)
		}
		if _, err := db.MigrateSchema(ctx, store.PortalSchema); err != nil {
			t.Fatal(err)
		}
		check(t)
	})
}
