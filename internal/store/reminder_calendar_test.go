package store_test

import (
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

func TestSuppressedReminderDays(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, clock := newOrderPortal(t, db)
		ctx := t.Context()
		addedAt := orderStart.Truncate(time.Millisecond)
		suppress := func(on time.Time, reason string) {
			t.Helper()
			if err := p.SuppressReminderDay(ctx, on, reason, cliAudit); err != nil {
				t.Fatalf("SuppressReminderDay(%s, %s) = %v", on, reason, err)
			}
		}
		days := func(from, to string) []store.SuppressedDay {
			t.Helper()
			got, err := p.SuppressedReminderDays(ctx, day(from), day(to))
			if err != nil {
				t.Fatalf("SuppressedReminderDays(%s, %s) = %v", from, to, err)
			}
			return got
		}
		// Added out of order; 00:30 on 1 October in Beijing is the 1st there, still 30 September in UTC.
		suppress(day("2026-10-03"), "国庆节")
		suppress(time.Date(2026, 10, 1, 0, 30, 0, 0, cst), "国庆节")
		suppress(day("2026-10-02"), "国庆节")
		suppress(day("2026-07-21"), "暴雨红色预警𠮷") // a rare character outside the BMP is two NVARCHAR units
		suppress(day("2027-02-16"), "春节")

		want := []store.SuppressedDay{
			{Day: day("2026-10-01"), Reason: "国庆节", AddedAt: addedAt},
			{Day: day("2026-10-02"), Reason: "国庆节", AddedAt: addedAt},
			{Day: day("2026-10-03"), Reason: "国庆节", AddedAt: addedAt},
		}
		if got := days("2026-10-01", "2026-10-03"); !reflect.DeepEqual(got, want) {
			t.Errorf("the National Day week, bounds included =\n %+v\nwant\n %+v", got, want)
		}
		if got := days("2026-10-02", "2026-10-02"); !reflect.DeepEqual(got, want[1:2]) {
			t.Errorf("one day = %+v", got)
		}
		if got := days("2026-10-04", "2027-02-15"); got == nil || len(got) != 0 {
			t.Errorf("a range with no suppressed day = %#v, want an empty list", got)
		}
		if got := days("2026-07-01", "2027-07-01"); len(got) != 5 || got[0].Reason != "暴雨红色预警𠮷" || got[4].Reason != "春节" {
			t.Errorf("a year = %+v", got)
		}

		t.Run("a second call for a day changes its reason", func(t *testing.T) {
			clock.advance(time.Hour)
			suppress(day("2026-10-02"), "国庆节（调休）")
			got := days("2026-10-02", "2026-10-02")
			if len(got) != 1 || got[0].Reason != "国庆节（调休）" || !got[0].AddedAt.Equal(addedAt) {
				t.Errorf("after a second call = %+v: want the new reason, added when first added", got)
			}
		})

		t.Run("concurrent first calls make one day", func(t *testing.T) {
			var wg sync.WaitGroup
			errs := make([]error, 8)
			for i := range errs {
				wg.Go(func() { errs[i] = p.SuppressReminderDay(ctx, day("2026-12-31"), "寒潮", cliAudit) })
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("caller %d: %v", i, err)
				}
			}
			if got := days("2026-12-31", "2026-12-31"); len(got) != 1 {
				t.Errorf("days = %+v, want one", got)
			}
		})

		t.Run("unsuppressing", func(t *testing.T) {
			if err := p.UnsuppressReminderDay(ctx, day("2026-10-03"), cliAudit); err != nil {
				t.Fatal(err)
			}
			if got := days("2026-10-03", "2026-10-03"); len(got) != 0 {
				t.Errorf("after unsuppressing: %+v", got)
			}
			if err := p.UnsuppressReminderDay(ctx, day("2026-10-03"), cliAudit); !errors.Is(err, billing.ErrNotFound) {
				t.Errorf("unsuppressing again = %v, want ErrNotFound", err)
			}
		})

		t.Run("400 days is the longest range", func(t *testing.T) {
			if _, err := p.SuppressedReminderDays(ctx, day("2026-01-01"), day("2026-01-01").AddDate(0, 0, 399)); err != nil {
				t.Errorf("400 days: %v", err)
			}
			if _, err := p.SuppressedReminderDays(ctx, day("2026-01-01"), day("2026-01-01").AddDate(0, 0, 400)); !errors.Is(err, billing.ErrInvalid) {
				t.Errorf("401 days = %v, want ErrInvalid", err)
			}
		})

		before := countRows(t, db, "reminder_suppressed_days")
		for _, tc := range []struct {
			name   string
			on     time.Time
			reason string
		}{
			{"no reason", day("2026-05-01"), ""},
			{"a blank reason", day("2026-05-01"), " \u3000 "},
			{"101-character reason", day("2026-05-01"), strings.Repeat("节", 101)},
			{"51 characters outside the BMP are 102 NVARCHAR units", day("2026-05-01"), strings.Repeat("𠮷", 51)},
			{"a reason with a newline", day("2026-05-01"), "劳动节\n第二行"},
			{"a reason with a NUL", day("2026-05-01"), "劳动节\x00"},
			{"a reason not UTF-8", day("2026-05-01"), "劳动节\xff"},
			{"no day", time.Time{}, "劳动节"},
			{"a day before 2000", day("1999-12-31"), "劳动节"},
			{"a day after 2099", day("2100-01-01"), "劳动节"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if err := p.SuppressReminderDay(ctx, tc.on, tc.reason, cliAudit); !errors.Is(err, billing.ErrInvalid) {
					t.Errorf("SuppressReminderDay(%s, %q) = %v, want ErrInvalid", tc.on, tc.reason, err)
				}
				if n := countRows(t, db, "reminder_suppressed_days"); n != before {
					t.Errorf("%d days stored, want %d", n, before)
				}
			})
		}
		if err := p.SuppressReminderDay(ctx, day("2026-05-01"), strings.Repeat("节", 100), cliAudit); err != nil {
			t.Errorf("a 100-character reason: %v", err)
		}
		for _, tc := range []struct {
			name     string
			from, to time.Time
		}{
			{"backwards", day("2026-10-03"), day("2026-10-01")},
			{"no start", time.Time{}, day("2026-10-01")},
			{"from the year 1", time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1, 12, 31, 0, 0, 0, 0, time.UTC)},
			{"a decade", day("2026-01-01"), day("2036-01-01")},
		} {
			if got, err := p.SuppressedReminderDays(ctx, tc.from, tc.to); !errors.Is(err, billing.ErrInvalid) {
				t.Errorf("%s: SuppressedReminderDays = %+v, %v; want ErrInvalid", tc.name, got, err)
			}
		}
		if err := p.UnsuppressReminderDay(ctx, time.Time{}, cliAudit); !errors.Is(err, billing.ErrInvalid) {
			t.Errorf("UnsuppressReminderDay of no day = %v, want ErrInvalid", err)
		}
	})
}

// Every change of the calendar writes its audit row with it; a refused one writes none.
func TestSuppressionCalendarAudit(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, _ := newOrderPortal(t, db)
		ctx := t.Context()
		rows := func(action string) []store.AuditEntry {
			t.Helper()
			got, _, err := p.AuditLog(ctx, store.AuditFilter{Action: action}, store.Page{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		a := store.Audit{Reason: "寒潮", ClientAddr: "192.0.2.1"}
		if err := p.SuppressReminderDay(ctx, day("2026-12-20"), "寒潮", a); err != nil {
			t.Fatal(err)
		}
		if err := p.SuppressReminderDay(ctx, day("2026-12-20"), "暴雪", a); err != nil {
			t.Fatal(err)
		}
		got := rows("reminder.suppress")
		if len(got) != 2 {
			t.Fatalf("suppress audit rows = %+v, want 2", got)
		}
		var first, second store.AuditEntry = got[0], got[1]
		if first.ID > second.ID {
			first, second = second, first
		}
		if first.Target != "reminder-day:2026-12-20" || first.Before != "" || !strings.Contains(first.After, "寒潮") ||
			!strings.Contains(second.Before, "寒潮") || !strings.Contains(second.After, "暴雪") || second.ClientAddr != "192.0.2.1" {
			t.Errorf("audit rows = %+v, %+v", first, second)
		}
		for _, tc := range []struct {
			name string
			do   func() error
		}{
			{"a reason too long", func() error {
				return p.SuppressReminderDay(ctx, day("2026-12-21"), strings.Repeat("雪", store.MaxSuppressionReason+1), a)
			}},
			{"no client address", func() error { return p.SuppressReminderDay(ctx, day("2026-12-21"), "雪", store.Audit{}) }},
			{"a day not on the calendar", func() error { return p.UnsuppressReminderDay(ctx, day("2026-12-22"), a) }},
		} {
			if err := tc.do(); err == nil {
				t.Errorf("%s: no error", tc.name)
			}
		}
		if n := len(rows("reminder.suppress")) + len(rows("reminder.unsuppress")); n != 2 {
			t.Errorf("after refused changes: %d audit rows, want 2", n)
		}
		if err := p.UnsuppressReminderDay(ctx, day("2026-12-20"), a); err != nil {
			t.Fatal(err)
		}
		if got := rows("reminder.unsuppress"); len(got) != 1 || !strings.Contains(got[0].Before, "暴雪") || got[0].After != "" {
			t.Errorf("unsuppress audit rows = %+v", got)
		}
	})
}
