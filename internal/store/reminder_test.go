package store_test

import (
	"database/sql"
	"errors"
	"reflect"
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
		core := newCore(db)
		ctx := t.Context()
		first := store.Reminder{AccountID: acc, Stage: "overdue_30", Channel: "sms",
			RemindOn: time.Date(2026, 4, 16, 0, 15, 0, 0, cst), // 15 April in UTC, 16 April in Beijing
			SentAt:   time.Date(2026, 4, 16, 0, 15, 42, 987654321, cst),
			Amount:   10100, Recipient: "138****8000", Content: "【城关供电所】户号3100000001电费101.00元已逾期,请尽快缴纳。", Status: "sent"}

		got, created, err := core.RecordReminder(ctx, first)
		if err != nil || !created {
			t.Fatalf("RecordReminder = %+v, %v, %v; want created", got, created, err)
		}
		if got.ID <= 0 {
			t.Fatalf("reminder id %d, want a positive id", got.ID)
		}
		want := first
		want.ID, want.RemindOn, want.SentAt = got.ID, day("2026-04-16"), time.Date(2026, 4, 15, 16, 15, 42, 987_000_000, time.UTC)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("RecordReminder =\n %+v\nwant\n %+v", got, want)
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
