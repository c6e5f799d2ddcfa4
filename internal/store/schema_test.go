package store_test

import (
	"strconv"
	"testing"

	"gridpay/internal/store"
)

// TestCodesCompareExactly checks the schema itself: a code column under a CHECK or a key compares
// byte for byte on every engine. SQL Server compares text by the column's collation, and the usual
// server collations (Chinese_PRC_CI_AS, SQL_Latin1_General_CP1_CI_AS) ignore case, so without a
// binary collation 'paid' would pass a CHECK written for 'PAID', and two codes that differ only in
// case would collide on a unique key. (Trailing spaces compare equal under every SQL Server
// collation, binary ones too: the store's input checks keep them out of codes.)
func TestCodesCompareExactly(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		if _, err := db.MigrateSchema(ctx, store.PortalSchema); err != nil {
			t.Fatal(err)
		}
		f := newFixture(t, db)
		acc := f.account(accountSpec{No: "3100000001"})
		const at = "'2026-11-26 08:00:00.000'"
		dispute := func(category, status string) string {
			return `INSERT INTO disputes (phone, account_no, category, text, status, created_at, updated_at)
VALUES ('13800138000', '3100000001', '` + category + `', 'reading looks wrong', '` + status + `', ` + at + `, ` + at + `)`
		}
		order := func(no, status string) string {
			return `INSERT INTO payment_orders (out_trade_no, account_no, channel, amount_fen, status, expires_at, created_at, updated_at)
VALUES ('` + no + `', '3100000001', 'wechat', 100, '` + status + `', ` + at + `, ` + at + `, ` + at + `)`
		}
		meter := func(assetNo string) string {
			return `INSERT INTO meters (asset_no, account_id, digits, multiplier, installed_on) VALUES ('` + assetNo + `', ` +
				itoa(acc) + `, 6, 1, '2026-01-01')`
		}
		reminder := func(stage, channel string) string {
			return `INSERT INTO reminders (account_id, stage, channel, remind_on, sent_at, amount_fen, recipient, content, status)
VALUES (` + itoa(acc) + `, '` + stage + `', '` + channel + `', '2026-11-26', ` + at + `, 100, '138****8000', 'please pay', 'sent')`
		}
		reminderStatus := func(stage, status string) string {
			return `INSERT INTO reminders (account_id, stage, channel, remind_on, sent_at, amount_fen, recipient, content, status)
VALUES (` + itoa(acc) + `, '` + stage + `', 'sms', '2026-11-26', ` + at + `, 100, '138****8000', 'please pay', '` + status + `')`
		}
		run := func(on, status string) string {
			return `INSERT INTO reminder_runs (run_on, started_at, status) VALUES ('` + on + `', ` + at + `, '` + status + `')`
		}
		suppressed := func(reason string) string {
			return `INSERT INTO reminder_run_suppressions (run_id, reason, n) SELECT MIN(id), '` + reason + `', 1 FROM reminder_runs`
		}
		staff := func(username, role string) string {
			return `INSERT INTO staff (username, display_name, role, password_hash, must_change_password, created_at, updated_at)
VALUES ('` + username + `', 'x', '` + role + `', '$argon2id$', 1, ` + at + `, ` + at + `)`
		}
		for _, tc := range []struct {
			name string
			sql  string
			ok   bool
		}{
			{"a staff member", staff("zhang.wei_2-b", "agent"), true},
			{"a staff username in capitals", staff("Zhang.wei", "agent"), false},
			{"the same username again", staff("zhang.wei_2-b", "admin"), false},
			{"a staff username too short", staff("zw", "agent"), false},
			{"a staff username with a space", staff("zhang wei", "agent"), false},
			{"a staff username in Chinese", staff("张伟伟", "agent"), false},
			{"a staff role in capitals", staff("li.na", "ADMIN"), false},
			{"an unknown staff role", staff("li.na", "root"), false},
			{"a dispute of a known category and status", dispute("paid_twice", "open"), true},
			{"dispute category in capitals", dispute("PAID_TWICE", "open"), false},
			{"dispute status in capitals", dispute("paid_twice", "Open"), false},
			{"message by a known author", `INSERT INTO dispute_messages (dispute_id, author, text, created_at)
SELECT MIN(id), 'staff', 'received', ` + at + ` FROM disputes`, true},
			{"message author in capitals", `INSERT INTO dispute_messages (dispute_id, author, text, created_at)
SELECT MIN(id), 'Staff', 'received', ` + at + ` FROM disputes`, false},
			{"photo type in capitals", `INSERT INTO dispute_photos (dispute_id, content_type, bytes)
SELECT MIN(id), 'IMAGE/PNG', 0x89504E47 FROM disputes`, false},
			{"an order of a known status", order("GP1", "PAID"), true},
			{"order status in lower case", order("GP2", "paid"), false},
			{"outbox kind in capitals", `INSERT INTO outbox (kind, order_id, created_at) SELECT 'PAYMENT:POST', MIN(id), ` + at + ` FROM payment_orders`, false},
			{"a meter", meter("AB0001"), true},
			{"a meter whose asset number differs in case is another meter", meter("ab0001"), true},
			{"a reminder", reminder("due", "sms"), true},
			{"the same reminder on a channel in capitals is another channel", reminder("due", "SMS"), true},
			{"the same reminder again", reminder("due", "sms"), false},
			{"a delivered reminder", reminderStatus("delivered", "delivered"), true},
			{"a failed reminder", reminderStatus("failed", "failed"), true},
			{"reminder status in capitals", reminderStatus("capitals", "SENT"), false},
			{"an unknown reminder status", reminderStatus("unknown", "read"), false},
			{"a WeChat follower", `INSERT INTO wechat_followers (account_no, open_id, followed_at) VALUES ('3100000001', 'oAbC', ` + at + `)`, true},
			{"an account number is one follower's alone", `INSERT INTO wechat_followers (account_no, open_id, followed_at) VALUES ('3100000001', 'oXyZ', ` + at + `)`, false},
			{"a reminder run of a known status", run("2026-11-26", "running"), true},
			{"reminder run status in capitals", run("2026-11-27", "RUNNING"), false},
			{"a second run of a day", run("2026-11-26", "done"), false},
			{"a suppression reason", suppressed("holiday"), true},
			{"a suppression reason in capitals is another reason", suppressed("HOLIDAY"), true},
			{"the same suppression reason again", suppressed("holiday"), false},
			{"a counter whose name differs in case is another counter", `INSERT INTO counters (name, last_no) VALUES ('RECEIPT', 0)`, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := db.ExecContext(ctx, tc.sql); (err == nil) != tc.ok {
					t.Errorf("insert = %v, want success %v", err, tc.ok)
				}
			})
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
