package store_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

func TestOverdueAccounts(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		core := newCore(db)
		ctx := t.Context()
		asOf := day("2026-04-20")
		dueBy := asOf.AddDate(0, 0, 3) // the ladder's first reminder is 3 days before the due date

		// Twenty plain accounts in four kinds, interleaved so that pages mix them.
		var (
			want     []int64
			paidOnly int64 // the first account with everything paid
		)
		for i := range 20 {
			id := f.account(accountSpec{No: fmt.Sprintf("31000001%02d", i)})
			switch i % 4 {
			case 0: // overdue
				f.bill(billSpec{Account: id, Period: 202602, Due: "2026-03-15", Principal: 10000})
				want = append(want, id)
			case 1: // everything paid
				if paidOnly == 0 {
					paidOnly = id
				}
				f.bill(billSpec{Account: id, Period: 202602, Due: "2026-03-15", Principal: 10000, PrincipalPaid: 10000, Status: billing.Paid})
			case 2: // due on the last day in reach
				f.bill(billSpec{Account: id, Period: 202603, Due: "2026-04-23", Principal: 10000})
				want = append(want, id)
			case 3: // due the day after reach: not yet
				f.bill(billSpec{Account: id, Period: 202603, Due: "2026-04-24", Principal: 10000})
			}
		}
		f.account(accountSpec{No: "3100000201"}) // no bills at all

		// One account with an older partly paid bill, an overdue one and one not yet in reach: all
		// three open bills come with it, oldest first.
		several := f.account(accountSpec{No: "3100000301", Prepaid: 1500})
		f.bill(billSpec{Account: several, Period: 202604, Due: "2026-05-15", Principal: 3000})
		f.bill(billSpec{Account: several, Period: 202601, Due: "2026-02-15", Principal: 8000, PrincipalPaid: 5000,
			FeeAccrued: 120, FeePaid: 120, AccruedThrough: "2026-02-20", Status: billing.PartlyPaid})
		f.bill(billSpec{Account: several, Period: 202603, Due: "2026-04-15", Principal: 6000})
		f.bill(billSpec{Account: several, Period: 202512, Due: "2026-01-15", Principal: 9000, PrincipalPaid: 9000, Status: billing.Paid})
		want = append(want, several)

		// A commercial account with every flag set and a reminder history.
		flagged := f.account(accountSpec{No: "3100000302", Class: billing.Commercial, Phone: "13912345678"})
		f.bill(billSpec{Account: flagged, Class: billing.Commercial, Period: 202602, Due: "2026-03-15", Principal: 500000})
		if err := core.SetReminderFlags(ctx, "3100000302", store.ReminderFlags{Protected: true, Important: true,
			ExemptUntil: day("2026-04-30")}); err != nil {
			t.Fatal(err)
		}
		want = append(want, flagged)
		remind := func(acc int64, stage, channel, on, status string) {
			t.Helper()
			_, _, err := core.RecordReminder(ctx, store.Reminder{AccountID: acc, Stage: stage, Channel: channel,
				RemindOn: day(on), SentAt: day(on).Add(9 * time.Hour), Amount: 500000, Recipient: "139****5678",
				Content: "电费已逾期", Status: status})
			if err != nil {
				t.Fatal(err)
			}
		}
		// Recorded out of order: the history comes back by day.
		remind(flagged, "overdue_15", "sms", "2026-03-30", "delivered")
		remind(flagged, "due_day", "wechat", "2026-03-15", "failed")
		remind(flagged, "due_day", "sms", "2026-03-15", "delivered")
		// Another account's reminder, and one of an account not in the result, must not show.
		remind(paidOnly, "due_day", "sms", "2026-03-15", "delivered")
		remind(several, "before_due", "sms", "2026-04-12", "sent")
		slices.Sort(want)

		t.Run("pages", func(t *testing.T) {
			for _, size := range []int{1, 2, 7, store.MaxArrearsBatch} {
				t.Run(fmt.Sprintf("size %d", size), func(t *testing.T) {
					var got []int64
					after, calls := int64(0), 0
					for {
						calls++
						if calls > len(want)+2 {
							t.Fatalf("no end after %d calls", calls)
						}
						batch, err := core.OverdueAccounts(ctx, dueBy, after, size)
						if err != nil {
							t.Fatalf("OverdueAccounts(after %d, %d): %v", after, size, err)
						}
						if len(batch) > size {
							t.Fatalf("OverdueAccounts(after %d, %d) returned %d accounts", after, size, len(batch))
						}
						for _, a := range batch {
							got = append(got, a.ID)
						}
						if len(batch) < size {
							break
						}
						after = batch[len(batch)-1].ID
					}
					if !slices.Equal(got, want) {
						t.Errorf("accounts over every page = %v\nwant each overdue one once, in id order: %v", got, want)
					}
				})
			}
		})

		t.Run("what each account carries", func(t *testing.T) {
			batch, err := core.OverdueAccounts(ctx, dueBy, several-1, 2)
			if err != nil {
				t.Fatal(err)
			}
			wantBatch := []store.ArrearsAccount{
				{ID: several, No: "3100000301", Class: billing.Residential, Phone: "13900000301", Prepaid: 1500,
					Open: []billing.BillBalance{
						{Period: 202601, Class: billing.Residential, Due: day("2026-02-15"), Principal: 8000, PrincipalPaid: 5000,
							FeeAccrued: 120, FeePaid: 120, AccruedThrough: day("2026-02-20")},
						{Period: 202603, Class: billing.Residential, Due: day("2026-04-15"), Principal: 6000},
						{Period: 202604, Class: billing.Residential, Due: day("2026-05-15"), Principal: 3000},
					},
					Reminders: []store.ReminderEntry{{Stage: "before_due", RemindOn: day("2026-04-12"), Channel: "sms", Status: "sent"}}},
				{ID: flagged, No: "3100000302", Class: billing.Commercial, Phone: "13912345678", Protected: true, Important: true,
					RemindersExemptUntil: day("2026-04-30"),
					Open:                 []billing.BillBalance{{Period: 202602, Class: billing.Commercial, Due: day("2026-03-15"), Principal: 500000}},
					Reminders: []store.ReminderEntry{
						{Stage: "due_day", RemindOn: day("2026-03-15"), Channel: "wechat", Status: "failed"},
						{Stage: "due_day", RemindOn: day("2026-03-15"), Channel: "sms", Status: "delivered"},
						{Stage: "overdue_15", RemindOn: day("2026-03-30"), Channel: "sms", Status: "delivered"},
					}},
			}
			// Bill ids are the database's: compare without them, after checking they are there.
			for i := range batch {
				for j := range batch[i].Open {
					if batch[i].Open[j].ID <= 0 {
						t.Errorf("account %d bill %d has no id", batch[i].ID, j)
					}
					batch[i].Open[j].ID = 0
				}
			}
			if !reflect.DeepEqual(batch, wantBatch) {
				t.Errorf("OverdueAccounts =\n %+v\nwant\n %+v", batch, wantBatch)
			}
		})

		t.Run("a bill paid off leaves the selection", func(t *testing.T) {
			before, err := core.OverdueAccounts(ctx, dueBy, 0, store.MaxArrearsBatch)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := core.PostPayment(ctx, store.Payment{AccountNo: "3100000100", Channel: "counter", OrderNo: "T1",
				Amount: 20000, PaidOn: asOf}); err != nil {
				t.Fatal(err)
			}
			after, err := core.OverdueAccounts(ctx, dueBy, 0, store.MaxArrearsBatch)
			if err != nil {
				t.Fatal(err)
			}
			if len(after) != len(before)-1 || after[0].ID == want[0] {
				t.Errorf("after paying account %d: %d accounts from %d, first %d", want[0], len(after), len(before), after[0].ID)
			}
		})

		bad := []struct {
			name  string
			after int64
			limit int
		}{
			{"no limit", 0, 0},
			{"negative limit", 0, -1},
			{"limit above the batch maximum", 0, store.MaxArrearsBatch + 1},
			{"negative cursor", -1, 10},
		}
		for _, tt := range bad {
			t.Run(tt.name, func(t *testing.T) {
				got, err := core.OverdueAccounts(ctx, dueBy, tt.after, tt.limit)
				if !errors.Is(err, billing.ErrInvalid) {
					t.Errorf("OverdueAccounts(after %d, %d) = %d accounts, %v; want ErrInvalid", tt.after, tt.limit, len(got), err)
				}
			})
		}
	})
}

func TestArrearsAccountLogValueHidesPhone(t *testing.T) {
	a := store.ArrearsAccount{ID: 7, No: "3100000007", Phone: "13912345678", Class: billing.Residential}
	if s := a.LogValue().String(); strings.Contains(s, "13912345678") || !strings.Contains(s, "3100000007") {
		t.Errorf("LogValue() = %s: want the account number and no phone", s)
	}
}
