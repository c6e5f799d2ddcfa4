package store_test

import (
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

func TestRecordReminder(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		acc := f.account(accountSpec{No: "3100000001"})
		bill := f.bill(billSpec{Account: acc, Period: 202602, Due: "2026-03-15", Principal: 10100})
		otherAcc := f.account(accountSpec{No: "3100000002"})
		othersBill := f.bill(billSpec{Account: otherAcc, Period: 202602, Due: "2026-03-15", Principal: 5000})
		core := newCore(db)
		ctx := t.Context()
		first := store.Reminder{AccountID: acc, Stage: "overdue_30", Channel: "sms",
			RemindOn: time.Date(2026, 4, 16, 0, 15, 0, 0, cst), // 15 April in UTC, 16 April in Beijing
			SentAt:   time.Date(2026, 4, 16, 0, 15, 42, 987654321, cst),
			Amount:   10100, Recipient: "138****8000", Content: "【城关供电所】户号3100000001电费101.00元已逾期,请尽快缴纳。", Status: "sent",
			BillID: bill, DueOn: time.Date(2026, 3, 15, 23, 0, 0, 0, cst), MessageID: "2433:1e6d8d3b6e8d4f0c8e9f0a1b2c3d4e5f"}

		got, created, err := core.RecordReminder(ctx, first)
		if err != nil || !created {
			t.Fatalf("RecordReminder = %+v, %v, %v; want created", got, created, err)
		}
		if got.ID <= 0 {
			t.Fatalf("reminder id %d, want a positive id", got.ID)
		}
		want := first
		want.ID, want.RemindOn, want.SentAt = got.ID, day("2026-04-16"), time.Date(2026, 4, 15, 16, 15, 42, 987_000_000, time.UTC)
		want.DueOn = day("2026-03-15")
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("RecordReminder =\n %+v\nwant\n %+v", got, want)
		}
		if list, _, err := core.Reminders(ctx, acc, store.Page{}); err != nil || len(list) != 1 || !reflect.DeepEqual(list[0], want) {
			t.Fatalf("Reminders after recording = %+v, %v; want the record as returned", list, err)
		}

		repeats := []struct {
			name        string
			change      func(r *store.Reminder)
			wantCreated bool
		}{
			{"same record again", func(r *store.Reminder) {}, false},
			{"same account, stage, day and channel; other text and time", func(r *store.Reminder) {
				r.RemindOn, r.SentAt = day("2026-04-16"), time.Date(2026, 4, 16, 9, 0, 0, 0, time.UTC)
				r.Content, r.Status, r.Amount = "另一条", "failed", 1
			}, false},
			{"another channel", func(r *store.Reminder) { r.Channel = "wechat" }, true},
			{"another stage", func(r *store.Reminder) { r.Stage = "notice_7d" }, true},
			{"another day", func(r *store.Reminder) { r.RemindOn = day("2026-04-17") }, true},
		}
		rows := int64(1)
		for _, tt := range repeats {
			t.Run(tt.name, func(t *testing.T) {
				r := first
				tt.change(&r)
				again, created, err := core.RecordReminder(ctx, r)
				if err != nil {
					t.Fatalf("RecordReminder: %v", err)
				}
				if created != tt.wantCreated {
					t.Errorf("created = %v, want %v", created, tt.wantCreated)
				}
				if tt.wantCreated {
					rows++
					if again.ID == got.ID {
						t.Errorf("a new reminder got the first one's id %d", again.ID)
					}
				} else if !reflect.DeepEqual(again, got) {
					t.Errorf("repeat returned\n %+v\nwant the first record\n %+v", again, got)
				}
				if n := countRows(t, db, "reminders"); n != rows {
					t.Errorf("%d reminders stored, want %d", n, rows)
				}
			})
		}

		t.Run("concurrent repeats store one", func(t *testing.T) {
			r := first
			r.Stage = "concurrent"
			const senders = 10
			var (
				wg      sync.WaitGroup
				ids     = make([]int64, senders)
				creates = make([]bool, senders)
				errs    = make([]error, senders)
			)
			for i := range senders {
				wg.Go(func() {
					var rec store.Reminder
					rec, creates[i], errs[i] = core.RecordReminder(ctx, r)
					ids[i] = rec.ID
				})
			}
			wg.Wait()
			created := 0
			for i := range senders {
				if errs[i] != nil {
					t.Errorf("sender %d: %v", i, errs[i])
				}
				if creates[i] {
					created++
				}
				if ids[i] != ids[0] {
					t.Errorf("sender %d got id %d, sender 0 got %d", i, ids[i], ids[0])
				}
			}
			if created != 1 {
				t.Errorf("%d senders created the reminder, want exactly 1", created)
			}
		})

		before := countRows(t, db, "reminders")
		invalid := []struct {
			name   string
			change func(r *store.Reminder)
		}{
			{"empty content", func(r *store.Reminder) { r.Content = "" }},
			{"1001-character content", func(r *store.Reminder) { r.Content = strings.Repeat("电", 1001) }},
			{"600 characters outside the BMP are 1200 NVARCHAR units", func(r *store.Reminder) { r.Content = strings.Repeat("𠮷", 600) }},
			{"content not UTF-8", func(r *store.Reminder) { r.Content = "电费\xff" }},
			{"no account", func(r *store.Reminder) { r.AccountID = 0 }},
			{"empty stage", func(r *store.Reminder) { r.Stage = "" }},
			{"33-character stage", func(r *store.Reminder) { r.Stage = strings.Repeat("s", 33) }},
			{"empty channel", func(r *store.Reminder) { r.Channel = "" }},
			{"empty status", func(r *store.Reminder) { r.Status = "" }},
			{"empty recipient", func(r *store.Reminder) { r.Recipient = "" }},
			{"65-character recipient", func(r *store.Reminder) { r.Recipient = strings.Repeat("*", 65) }},
			{"no reminder date", func(r *store.Reminder) { r.RemindOn = time.Time{} }},
			{"no sending time", func(r *store.Reminder) { r.SentAt = time.Time{} }},
			{"recipient with a NUL", func(r *store.Reminder) { r.Recipient = "138****8000\x00" }},
			{"stage with a space", func(r *store.Reminder) { r.Stage = "overdue 30" }},
			{"stage with a quote", func(r *store.Reminder) { r.Stage = "due'--" }},
			{"stage with a trailing space", func(r *store.Reminder) { r.Stage = "due " }},
			{"channel in Chinese", func(r *store.Reminder) { r.Channel = "短信" }},
			{"17-character channel", func(r *store.Reminder) { r.Channel = strings.Repeat("c", 17) }},
			{"status in capitals", func(r *store.Reminder) { r.Status = "SENT" }},
			{"unknown status", func(r *store.Reminder) { r.Status = "read" }},
			{"reminder date before 2000", func(r *store.Reminder) { r.RemindOn = day("1999-12-31") }},
			{"due date after 2099", func(r *store.Reminder) { r.DueOn = day("2100-01-01") }},
			{"planned date in year 2", func(r *store.Reminder) { r.PlannedOn = time.Date(2, 1, 1, 0, 0, 0, 0, time.UTC) }},
			{"negative bill id", func(r *store.Reminder) { r.BillID = -1 }},
			{"message id with a bell", func(r *store.Reminder) { r.MessageID = "2433:1e6d\a8d3b" }},
			{"message id with a newline", func(r *store.Reminder) { r.MessageID = "2433:1e6d\nstatus=delivered" }},
			{"message id with a space", func(r *store.Reminder) { r.MessageID = "2433 1e6d" }},
			{"message id with a DEL", func(r *store.Reminder) { r.MessageID = "2433\x7f" }},
			{"message id in Chinese", func(r *store.Reminder) { r.MessageID = "消息1" }},
			{"message id not UTF-8", func(r *store.Reminder) { r.MessageID = "\xff\xfe" }},
			{"65-character message id", func(r *store.Reminder) { r.MessageID = strings.Repeat("9", 65) }},
			{"65-character error code", func(r *store.Reminder) { r.Status, r.ErrorCode = "failed", strings.Repeat("E", 65) }},
			{"error code with a tab", func(r *store.Reminder) { r.Status, r.ErrorCode = "failed", "Invalid\tPhone" }},
			{"an error code on a sent reminder", func(r *store.Reminder) { r.ErrorCode = "43004" }},
			{"a delivery time on a sent reminder", func(r *store.Reminder) { r.DeliveredAt = r.SentAt }},
		}
		for _, tt := range invalid {
			t.Run(tt.name, func(t *testing.T) {
				r := first
				r.Stage = "invalid"
				tt.change(&r)
				got, created, err := core.RecordReminder(ctx, r)
				if !errors.Is(err, billing.ErrInvalid) || created || got.ID != 0 {
					t.Errorf("RecordReminder = %+v, %v, %v; want ErrInvalid", got, created, err)
				}
				if n := countRows(t, db, "reminders"); n != before {
					t.Errorf("%d reminders stored, want %d", n, before)
				}
			})
		}

		t.Run("1000-character content is kept whole", func(t *testing.T) {
			r := first
			r.Stage, r.Content = "long", strings.Repeat("电", 1000)
			got, created, err := core.RecordReminder(ctx, r)
			if err != nil || !created {
				t.Fatalf("RecordReminder = %v, %v", created, err)
			}
			var content string
			if err := db.QueryRowContext(ctx, `SELECT content FROM reminders WHERE id = @id`, sql.Named("id", got.ID)).Scan(&content); err != nil {
				t.Fatal(err)
			}
			if content != r.Content {
				t.Errorf("stored content has %d characters, want the 1000 sent", len([]rune(content)))
			}
		})

		kept := []struct {
			name   string
			change func(r *store.Reminder)
		}{
			{"64-character message id", func(r *store.Reminder) { r.MessageID = strings.Repeat("9", 64) }},
			{"a failure with the channel's error code", func(r *store.Reminder) {
				r.Status, r.ErrorCode = "failed", "InvalidParameterValue.IncorrectPhoneNumber"
			}},
			{"WeChat's negative busy code", func(r *store.Reminder) { r.Status, r.ErrorCode = "failed", "-1" }},
			{"a failure without a code or message id", func(r *store.Reminder) { r.Status, r.MessageID = "failed", "" }},
			{"delivered at once, with its time", func(r *store.Reminder) {
				r.Status, r.DeliveredAt = "delivered", time.Date(2026, 4, 16, 0, 15, 43, 123_456_789, cst)
			}},
			{"a notice with its planned interruption", func(r *store.Reminder) { r.PlannedOn = day("2026-04-23") }},
			{"no bill: a low-balance alert", func(r *store.Reminder) { r.BillID, r.DueOn, r.MessageID = 0, time.Time{}, "" }},
		}
		for i, tt := range kept {
			t.Run(tt.name, func(t *testing.T) {
				r := first
				r.Stage, r.RemindOn = fmt.Sprintf("kept_%d", i), day("2026-05-01")
				tt.change(&r)
				got, created, err := core.RecordReminder(ctx, r)
				if err != nil || !created {
					t.Fatalf("RecordReminder = %v, %v", created, err)
				}
				list, _, err := core.Reminders(ctx, acc, store.Page{Limit: 1})
				if err != nil || len(list) != 1 || !reflect.DeepEqual(list[0], got) {
					t.Fatalf("newest reminder = %+v, %v; want\n %+v", list, err, got)
				}
				if got.MessageID != r.MessageID || got.ErrorCode != r.ErrorCode || got.Status != r.Status ||
					!got.PlannedOn.Equal(billing.DateOf(r.PlannedOn)) || got.BillID != r.BillID ||
					!got.DeliveredAt.Equal(r.DeliveredAt.Truncate(time.Millisecond)) {
					t.Errorf("stored %+v\nfrom %+v", got, r)
				}
			})
		}

		for _, tt := range []struct {
			name string
			bill int64
		}{{"a bill of another account", othersBill}, {"no such bill", 999_999}} {
			t.Run(tt.name+" is not found", func(t *testing.T) {
				before := countRows(t, db, "reminders")
				r := first
				r.Stage, r.BillID = "bill_check", tt.bill
				got, created, err := core.RecordReminder(ctx, r)
				if !errors.Is(err, billing.ErrNotFound) || created || got.ID != 0 {
					t.Errorf("RecordReminder about bill %d = %+v, %v, %v; want ErrNotFound", tt.bill, got, created, err)
				}
				if n := countRows(t, db, "reminders"); n != before {
					t.Errorf("%d reminders stored, want %d", n, before)
				}
			})
		}

		t.Run("unknown account is refused", func(t *testing.T) {
			r := first
			r.AccountID = 999_999
			_, created, err := core.RecordReminder(ctx, r)
			if err == nil || created {
				t.Errorf("RecordReminder for a missing account = %v, %v; want an error", created, err)
			}
		})
	})
}

func TestRecordReminderForUnknownAccount(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		_, created, err := newCore(db).RecordReminder(t.Context(), store.Reminder{AccountID: 987654, Stage: "overdue", Channel: "sms",
			RemindOn: day("2026-04-16"), SentAt: time.Date(2026, 4, 16, 1, 0, 0, 0, time.UTC), Amount: 100,
			Recipient: "138****8000", Content: "提醒", Status: "sent"})
		if !errors.Is(err, billing.ErrNotFound) || created {
			t.Fatalf("RecordReminder for an unknown account = %v, %v; want ErrNotFound", created, err)
		}
		if n := countRows(t, db, "reminders"); n != 0 {
			t.Errorf("%d reminders stored, want 0", n)
		}
	})
}

func TestMarkReminderDelivered(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		acc := f.account(accountSpec{No: "3100000001"})
		core := newCore(db)
		ctx := t.Context()
		sentAt := time.Date(2026, 4, 16, 1, 0, 0, 0, time.UTC)
		record := func(stage, channel, message string, status billing.ReminderStatus) store.Reminder {
			t.Helper()
			r, created, err := core.RecordReminder(ctx, store.Reminder{AccountID: acc, Stage: stage, Channel: channel,
				RemindOn: day("2026-04-16"), SentAt: sentAt, Amount: 10100, Recipient: "138****8000",
				Content: "电费已逾期", Status: status, MessageID: message})
			if err != nil || !created {
				t.Fatalf("RecordReminder(%s): %v, %v", stage, created, err)
			}
			return r
		}
		stored := func(id int64) store.Reminder {
			t.Helper()
			list, _, err := core.Reminders(ctx, acc, store.Page{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range list {
				if r.ID == id {
					return r
				}
			}
			t.Fatalf("reminder %d is not listed", id)
			return store.Reminder{}
		}
		reportAt := time.Date(2026, 4, 16, 9, 0, 5, 678_901_234, cst)

		t.Run("a sent reminder becomes delivered, once", func(t *testing.T) {
			r := record("overdue_1", "tencent", "2433:1e6d8d3b6e8d4f0c", billing.ReminderSent)
			got, err := core.MarkReminderDelivered(ctx, "tencent", "2433:1e6d8d3b6e8d4f0c", reportAt)
			if err != nil {
				t.Fatal(err)
			}
			want := r
			want.Status, want.DeliveredAt = billing.ReminderDelivered, time.Date(2026, 4, 16, 1, 0, 5, 678_000_000, time.UTC)
			if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(stored(r.ID), want) {
				t.Fatalf("MarkReminderDelivered =\n %+v\nwant\n %+v", got, want)
			}
			// The channel reports again, later: nothing changes, and it is no error.
			again, err := core.MarkReminderDelivered(ctx, "tencent", "2433:1e6d8d3b6e8d4f0c", reportAt.Add(time.Hour))
			if err != nil || !reflect.DeepEqual(again, want) || !reflect.DeepEqual(stored(r.ID), want) {
				t.Errorf("a second report = %+v, %v; want the first delivery unchanged", again, err)
			}
		})

		t.Run("a failed reminder stays failed", func(t *testing.T) {
			r := record("overdue_15", "wechat", "3128840000000", billing.ReminderFailed)
			if _, err := core.MarkReminderDelivered(ctx, "wechat", "3128840000000", reportAt); !errors.Is(err, billing.ErrConflict) {
				t.Errorf("delivery report of a failed reminder = %v, want ErrConflict", err)
			}
			if got := stored(r.ID); got.Status != billing.ReminderFailed || !got.DeliveredAt.IsZero() {
				t.Errorf("after the report: %s delivered at %v, want failed as recorded", got.Status, got.DeliveredAt)
			}
		})

		t.Run("unknown messages are not found", func(t *testing.T) {
			for _, tc := range []struct{ name, channel, message string }{
				{"no such message", "tencent", "2433:ffffffff"},
				{"the message id of another channel", "wechat", "2433:1e6d8d3b6e8d4f0c"},
				{"a message id in other letter case", "tencent", "2433:1E6D8D3B6E8D4F0C"},
			} {
				if _, err := core.MarkReminderDelivered(ctx, tc.channel, tc.message, reportAt); !errors.Is(err, billing.ErrNotFound) {
					t.Errorf("%s: MarkReminderDelivered(%s, %s) = %v, want ErrNotFound", tc.name, tc.channel, tc.message, err)
				}
			}
		})

		t.Run("an id given twice names the newer reminder", func(t *testing.T) {
			older := record("twice_a", "dev", "7", billing.ReminderSent)
			newer := record("twice_b", "dev", "7", billing.ReminderSent)
			got, err := core.MarkReminderDelivered(ctx, "dev", "7", reportAt)
			if err != nil || got.ID != newer.ID {
				t.Fatalf("MarkReminderDelivered = %+v, %v; want reminder %d", got, err, newer.ID)
			}
			if stored(older.ID).Status != billing.ReminderSent {
				t.Error("the older reminder with the same id became delivered too")
			}
		})

		t.Run("concurrent reports deliver once", func(t *testing.T) {
			r := record("concurrent", "wechat", "3128840000001", billing.ReminderSent)
			const reports = 8
			var (
				wg   sync.WaitGroup
				errs = make([]error, reports)
				got  = make([]store.Reminder, reports)
			)
			for i := range reports {
				wg.Go(func() {
					got[i], errs[i] = core.MarkReminderDelivered(ctx, "wechat", "3128840000001", reportAt.Add(time.Duration(i)*time.Second))
				})
			}
			wg.Wait()
			final := stored(r.ID)
			for i := range reports {
				if errs[i] != nil || !reflect.DeepEqual(got[i], final) {
					t.Errorf("report %d = %+v, %v; want the one delivery %+v", i, got[i], errs[i], final)
				}
			}
			if final.Status != billing.ReminderDelivered {
				t.Errorf("status %s after the reports", final.Status)
			}
		})

		hostile := []struct {
			name, channel, message string
			at                     time.Time
		}{
			{"no message id", "tencent", "", reportAt},
			{"65-character message id", "tencent", strings.Repeat("9", 65), reportAt},
			{"message id with a NUL", "tencent", "2433\x00", reportAt},
			{"message id with a newline", "tencent", "2433:1e6d8d3b6e8d4f0c\n", reportAt},
			{"message id with a space", "tencent", "2433 1e6d", reportAt},
			{"message id with SQL", "tencent", "' OR 1=1 --", reportAt},
			{"no channel", "", "2433:1e6d8d3b6e8d4f0c", reportAt},
			{"channel with a quote", "tencent'", "2433:1e6d8d3b6e8d4f0c", reportAt},
			{"no time", "tencent", "2433:1e6d8d3b6e8d4f0c", time.Time{}},
		}
		for _, tc := range hostile {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := core.MarkReminderDelivered(ctx, tc.channel, tc.message, tc.at); !errors.Is(err, billing.ErrInvalid) {
					t.Errorf("MarkReminderDelivered(%q, %q, %v) = %v, want ErrInvalid", tc.channel, tc.message, tc.at, err)
				}
			})
		}
	})
}

func TestMarkReminderUndelivered(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		acc := f.account(accountSpec{No: "3100000001"})
		core := newCore(db)
		ctx := t.Context()
		sentAt := time.Date(2026, 11, 26, 0, 30, 0, 0, time.UTC)
		record := func(stage, channel, message string, status billing.ReminderStatus, code string) store.Reminder {
			t.Helper()
			r, created, err := core.RecordReminder(ctx, store.Reminder{AccountID: acc, Stage: stage, Channel: channel,
				RemindOn: day("2026-11-26"), SentAt: sentAt, Amount: 17815, Recipient: "138****8000",
				Content: "【青山县供电公司】电费催交通知", Status: status, MessageID: message, ErrorCode: code})
			if err != nil || !created {
				t.Fatalf("RecordReminder(%s): %v, %v", stage, created, err)
			}
			return r
		}
		stored := func(id int64) store.Reminder {
			t.Helper()
			list, _, err := core.Reminders(ctx, acc, store.Page{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range list {
				if r.ID == id {
					return r
				}
			}
			t.Fatalf("reminder %d is not listed", id)
			return store.Reminder{}
		}
		reportAt := time.Date(2026, 11, 26, 9, 1, 2, 345_678_901, cst)

		t.Run("a sent reminder becomes failed with the code, once", func(t *testing.T) {
			r := record("cuijiao", "tencent", "2433:8f1c0d6e", billing.ReminderSent, "")
			got, err := core.MarkReminderUndelivered(ctx, "tencent", "2433:8f1c0d6e", "MK:0001", reportAt)
			if err != nil {
				t.Fatal(err)
			}
			want := r
			want.Status, want.ErrorCode = billing.ReminderFailed, "MK:0001"
			if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(stored(r.ID), want) {
				t.Fatalf("MarkReminderUndelivered =\n %+v\nwant\n %+v", got, want)
			}
			// The channel reports again, with another code: the first stays, and it is no error.
			again, err := core.MarkReminderUndelivered(ctx, "tencent", "2433:8f1c0d6e", "UNDELIV", reportAt.Add(time.Hour))
			if err != nil || !reflect.DeepEqual(again, want) || !reflect.DeepEqual(stored(r.ID), want) {
				t.Errorf("a second report = %+v, %v; want the first failure unchanged", again, err)
			}
			// A delivery report after it is the conflict MarkReminderDelivered knows.
			if _, err := core.MarkReminderDelivered(ctx, "tencent", "2433:8f1c0d6e", reportAt); !errors.Is(err, billing.ErrConflict) {
				t.Errorf("a delivery report after the failure = %v, want ErrConflict", err)
			}
		})

		t.Run("a delivered reminder stays delivered", func(t *testing.T) {
			r := record("overdue_15", "tencent", "2433:delivered", billing.ReminderSent, "")
			delivered, err := core.MarkReminderDelivered(ctx, "tencent", "2433:delivered", reportAt)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := core.MarkReminderUndelivered(ctx, "tencent", "2433:delivered", "MK:0001", reportAt); !errors.Is(err, billing.ErrConflict) {
				t.Errorf("a failure report about a delivered reminder = %v, want ErrConflict", err)
			}
			if got := stored(r.ID); !reflect.DeepEqual(got, delivered) {
				t.Errorf("after the report: %+v, want %+v", got, delivered)
			}
		})

		t.Run("a reminder that failed to send keeps its code", func(t *testing.T) {
			r := record("overdue_1", "wechat", "3128840000009", billing.ReminderFailed, "43004")
			got, err := core.MarkReminderUndelivered(ctx, "wechat", "3128840000009", "MK:0001", reportAt)
			if err != nil || !reflect.DeepEqual(got, r) || !reflect.DeepEqual(stored(r.ID), r) {
				t.Errorf("MarkReminderUndelivered = %+v, %v; want %+v unchanged", got, err, r)
			}
		})

		t.Run("unknown messages are not found", func(t *testing.T) {
			for _, tc := range []struct{ name, channel, message string }{
				{"no such message", "tencent", "2433:ffffffff"},
				{"the message id of another channel", "wechat", "2433:8f1c0d6e"},
				{"a message id in other letter case", "tencent", "2433:8F1C0D6E"},
				{"a message id with a trailing letter", "tencent", "2433:8f1c0d6ee"},
			} {
				if _, err := core.MarkReminderUndelivered(ctx, tc.channel, tc.message, "MK:0001", reportAt); !errors.Is(err, billing.ErrNotFound) {
					t.Errorf("%s: MarkReminderUndelivered(%s, %s) = %v, want ErrNotFound", tc.name, tc.channel, tc.message, err)
				}
			}
		})

		t.Run("an id given twice names the newer reminder", func(t *testing.T) {
			older := record("twice_a", "dev", "8", billing.ReminderSent, "")
			newer := record("twice_b", "dev", "8", billing.ReminderSent, "")
			got, err := core.MarkReminderUndelivered(ctx, "dev", "8", "MK:0001", reportAt)
			if err != nil || got.ID != newer.ID {
				t.Fatalf("MarkReminderUndelivered = %+v, %v; want reminder %d", got, err, newer.ID)
			}
			if stored(older.ID).Status != billing.ReminderSent {
				t.Error("the older reminder with the same id failed too")
			}
		})

		t.Run("a code that looks like SQL is kept as text", func(t *testing.T) {
			const code = "x');DELETE-FROM-reminders;--"
			r := record("sql", "tencent", "2433:sql", billing.ReminderSent, "")
			got, err := core.MarkReminderUndelivered(ctx, "tencent", "2433:sql", code, reportAt)
			if err != nil || got.ErrorCode != code || stored(r.ID).ErrorCode != code {
				t.Errorf("MarkReminderUndelivered = %+v, %v; want the code stored as given", got, err)
			}
			if n := countRows(t, db, "reminders"); n < 6 {
				t.Errorf("%d reminders left", n)
			}
		})

		t.Run("concurrent reports fail it once", func(t *testing.T) {
			r := record("concurrent", "tencent", "2433:concurrent", billing.ReminderSent, "")
			const reports = 8
			var (
				wg   sync.WaitGroup
				errs = make([]error, reports)
				got  = make([]store.Reminder, reports)
			)
			for i := range reports {
				wg.Go(func() {
					got[i], errs[i] = core.MarkReminderUndelivered(ctx, "tencent", "2433:concurrent", fmt.Sprintf("MK:%04d", i),
						reportAt.Add(time.Duration(i)*time.Second))
				})
			}
			wg.Wait()
			final := stored(r.ID)
			for i := range reports {
				if errs[i] != nil || !reflect.DeepEqual(got[i], final) {
					t.Errorf("report %d = %+v, %v; want the one failure %+v", i, got[i], errs[i], final)
				}
			}
			if final.Status != billing.ReminderFailed || !strings.HasPrefix(final.ErrorCode, "MK:") {
				t.Errorf("after the reports: %s with code %q", final.Status, final.ErrorCode)
			}
		})

		t.Run("a delivery and a loss reported at once: one wins, whole", func(t *testing.T) {
			r := record("race", "tencent", "2433:race", billing.ReminderSent, "")
			var (
				wg                sync.WaitGroup
				delivered, failed store.Reminder
				errD, errF        error
			)
			wg.Go(func() { delivered, errD = core.MarkReminderDelivered(ctx, "tencent", "2433:race", reportAt) })
			wg.Go(func() { failed, errF = core.MarkReminderUndelivered(ctx, "tencent", "2433:race", "MK:0001", reportAt) })
			wg.Wait()
			final := stored(r.ID)
			switch {
			case errD == nil && errors.Is(errF, billing.ErrConflict):
				if final.Status != billing.ReminderDelivered || final.ErrorCode != "" || !reflect.DeepEqual(final, delivered) {
					t.Errorf("delivery won, but the record is %+v", final)
				}
			case errF == nil && errors.Is(errD, billing.ErrConflict):
				if final.Status != billing.ReminderFailed || !final.DeliveredAt.IsZero() || !reflect.DeepEqual(final, failed) {
					t.Errorf("the loss won, but the record is %+v", final)
				}
			default:
				t.Errorf("delivered: %v; undelivered: %v; want one to win and the other a conflict", errD, errF)
			}
		})

		hostile := []struct {
			name, channel, message, code string
			at                           time.Time
		}{
			{"no message id", "tencent", "", "MK:0001", reportAt},
			{"65-character message id", "tencent", strings.Repeat("9", 65), "MK:0001", reportAt},
			{"message id with a NUL", "tencent", "2433\x00", "MK:0001", reportAt},
			{"message id with SQL", "tencent", "' OR 1=1 --", "MK:0001", reportAt},
			{"no channel", "", "2433:8f1c0d6e", "MK:0001", reportAt},
			{"channel with a quote", "tencent'", "2433:8f1c0d6e", "MK:0001", reportAt},
			{"17-character channel", strings.Repeat("t", 17), "2433:8f1c0d6e", "MK:0001", reportAt},
			{"no code", "tencent", "2433:8f1c0d6e", "", reportAt},
			{"65-character code", "tencent", "2433:8f1c0d6e", strings.Repeat("E", 65), reportAt},
			{"code with a newline", "tencent", "2433:8f1c0d6e", "MK:0001\nstatus=delivered", reportAt},
			{"code with a space", "tencent", "2433:8f1c0d6e", "phone off", reportAt},
			{"code with a NUL", "tencent", "2433:8f1c0d6e", "MK\x000001", reportAt},
			{"code in Chinese", "tencent", "2433:8f1c0d6e", "用户关机", reportAt},
			{"code of invalid UTF-8", "tencent", "2433:8f1c0d6e", "MK\xff", reportAt},
			{"no time", "tencent", "2433:8f1c0d6e", "MK:0001", time.Time{}},
		}
		for _, tc := range hostile {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := core.MarkReminderUndelivered(ctx, tc.channel, tc.message, tc.code, tc.at); !errors.Is(err, billing.ErrInvalid) {
					t.Errorf("MarkReminderUndelivered(%q, %q, %q, %v) = %v, want ErrInvalid", tc.channel, tc.message, tc.code, tc.at, err)
				}
			})
		}
	})
}

func TestReminders(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		acc := f.account(accountSpec{No: "3100000001"})
		other := f.account(accountSpec{No: "3100000002"})
		quiet := f.account(accountSpec{No: "3100000003"})
		core := newCore(db)
		ctx := t.Context()
		record := func(acc int64, stage, channel, on string) store.Reminder {
			t.Helper()
			r, _, err := core.RecordReminder(ctx, store.Reminder{AccountID: acc, Stage: stage, Channel: channel,
				RemindOn: day(on), SentAt: day(on).Add(time.Hour), Amount: 10100, Recipient: "138****8000",
				Content: "电费提醒", Status: billing.ReminderSent})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		// Recorded out of order; within a day, the later record comes first.
		var want []store.Reminder
		want = append(want, record(acc, "overdue_1", "wechat", "2026-03-16"))
		want = append(want, record(acc, "before_due", "sms", "2026-03-12"))
		want = append(want, record(acc, "overdue_15", "wechat", "2026-03-30"))
		want = append(want, record(acc, "overdue_1", "sms", "2026-03-16"))
		want = append(want, record(acc, "due", "sms", "2026-03-15"))
		record(other, "due", "sms", "2026-03-15")
		slices.SortFunc(want, func(a, b store.Reminder) int {
			if c := b.RemindOn.Compare(a.RemindOn); c != 0 {
				return c
			}
			return int(b.ID - a.ID)
		})

		for _, tc := range []struct {
			name     string
			page     store.Page
			from, to int
		}{
			{"every reminder, newest first", store.Page{}, 0, 5},
			{"the first two", store.Page{Limit: 2}, 0, 2},
			{"the next two", store.Page{Limit: 2, Offset: 2}, 2, 4},
			{"the last, alone", store.Page{Limit: 2, Offset: 4}, 4, 5},
			{"past the end", store.Page{Limit: 2, Offset: 6}, 5, 5},
			{"a negative offset starts at the top", store.Page{Limit: 1, Offset: -5}, 0, 1},
			{"a huge limit is cut to 100", store.Page{Limit: 1 << 30}, 0, 5},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, total, err := core.Reminders(ctx, acc, tc.page)
				if err != nil || total != 5 {
					t.Fatalf("Reminders(%+v) = %d of %d, %v", tc.page, len(got), total, err)
				}
				if !reflect.DeepEqual(got, want[tc.from:tc.to]) {
					t.Errorf("Reminders(%+v) =\n %+v\nwant\n %+v", tc.page, got, want[tc.from:tc.to])
				}
			})
		}
		t.Run("an account without reminders", func(t *testing.T) {
			got, total, err := core.Reminders(ctx, quiet, store.Page{})
			if err != nil || total != 0 || got == nil || len(got) != 0 {
				t.Errorf("Reminders of a quiet account = %#v, %d, %v; want an empty list", got, total, err)
			}
		})
	})
}
