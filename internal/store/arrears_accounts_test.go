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
		severalMarch := f.bill(billSpec{Account: several, Period: 202603, Due: "2026-04-15", Principal: 6000})
		f.bill(billSpec{Account: several, Period: 202512, Due: "2026-01-15", Principal: 9000, PrincipalPaid: 9000, Status: billing.Paid})
		want = append(want, several)

		// A commercial account with every flag set and a reminder history.
		flagged := f.account(accountSpec{No: "3100000302", Class: billing.Commercial, Phone: "13912345678"})
		flaggedBill := f.bill(billSpec{Account: flagged, Class: billing.Commercial, Period: 202602, Due: "2026-03-15", Principal: 500000})
		if err := core.SetReminderFlags(ctx, "3100000302", store.ReminderFlags{Protected: true, Important: true,
			ExemptUntil: day("2026-04-30")}); err != nil {
			t.Fatal(err)
		}
		want = append(want, flagged)
		// about names the bill a reminder is about: its id, due date and a notice's planned date.
		type about struct {
			bill         int64
			due, planned string
		}
		remind := func(acc int64, stage, channel, on string, status billing.ReminderStatus, a about) {
			t.Helper()
			date := func(s string) time.Time {
				if s == "" {
					return time.Time{}
				}
				return day(s)
			}
			_, _, err := core.RecordReminder(ctx, store.Reminder{AccountID: acc, Stage: stage, Channel: channel,
				RemindOn: day(on), SentAt: day(on).Add(9 * time.Hour), Amount: 500000, Recipient: "139****5678",
				Content: "电费已逾期", Status: status, BillID: a.bill, DueOn: date(a.due), PlannedOn: date(a.planned)})
			if err != nil {
				t.Fatal(err)
			}
		}
		// Recorded out of order: the history comes back by day.
		remind(flagged, "notice", "sms", "2026-04-16", "delivered", about{flaggedBill, "2026-03-15", "2026-04-19"})
		remind(flagged, "overdue_15", "sms", "2026-03-30", "delivered", about{flaggedBill, "2026-03-15", ""})
		remind(flagged, "due_day", "wechat", "2026-03-15", "failed", about{due: "2026-03-15"}) // a record without a bill id
		remind(flagged, "due_day", "sms", "2026-03-15", "delivered", about{})
		// Another account's reminder, and one of an account not in the result, must not show.
		remind(paidOnly, "due_day", "sms", "2026-03-15", "delivered", about{})
		remind(several, "before_due", "sms", "2026-04-12", "sent", about{severalMarch, "2026-04-15", ""})
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
						batch, err := core.OverdueAccounts(ctx, dueBy, 0, after, size)
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
			batch, err := core.OverdueAccounts(ctx, dueBy, 0, several-1, 2)
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
					Reminders: []store.ReminderEntry{{Stage: "before_due", RemindOn: day("2026-04-12"), Channel: "sms", Status: "sent",
						BillID: severalMarch, DueOn: day("2026-04-15")}}},
				{ID: flagged, No: "3100000302", Class: billing.Commercial, Phone: "13912345678", Protected: true, Important: true,
					RemindersExemptUntil: day("2026-04-30"),
					Open:                 []billing.BillBalance{{Period: 202602, Class: billing.Commercial, Due: day("2026-03-15"), Principal: 500000}},
					Reminders: []store.ReminderEntry{
						{Stage: "due_day", RemindOn: day("2026-03-15"), Channel: "wechat", Status: "failed", DueOn: day("2026-03-15")},
						{Stage: "due_day", RemindOn: day("2026-03-15"), Channel: "sms", Status: "delivered"},
						{Stage: "overdue_15", RemindOn: day("2026-03-30"), Channel: "sms", Status: "delivered",
							BillID: flaggedBill, DueOn: day("2026-03-15")},
						{Stage: "notice", RemindOn: day("2026-04-16"), Channel: "sms", Status: "delivered",
							BillID: flaggedBill, DueOn: day("2026-03-15"), PlannedOn: day("2026-04-19")},
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
			before, err := core.OverdueAccounts(ctx, dueBy, 0, 0, store.MaxArrearsBatch)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := core.PostPayment(ctx, store.Payment{AccountNo: "3100000100", Channel: "counter", OrderNo: "T1",
				Amount: 20000, PaidOn: asOf}); err != nil {
				t.Fatal(err)
			}
			after, err := core.OverdueAccounts(ctx, dueBy, 0, 0, store.MaxArrearsBatch)
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
				got, err := core.OverdueAccounts(ctx, dueBy, 0, tt.after, tt.limit)
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

// TestArrearsAccount reads one account as the run's re-check before sending does: the same state
// OverdueAccounts gives, read afresh.
func TestArrearsAccount(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		core := newCore(db)
		ctx := t.Context()
		before := f.account(accountSpec{No: "3100000001"}) // neighbours whose bills and reminders must not show
		f.bill(billSpec{Account: before, Period: 202602, Due: "2026-03-15", Principal: 7000})
		acc := f.account(accountSpec{No: "3100000002", Class: billing.Commercial, Phone: "13912345678", Prepaid: 300})
		old := f.bill(billSpec{Account: acc, Class: billing.Commercial, Period: 202602, Due: "2026-03-15", Principal: 500000})
		f.bill(billSpec{Account: acc, Class: billing.Commercial, Period: 202603, Due: "2026-04-15", Principal: 400000})
		after := f.account(accountSpec{No: "3100000003"})
		f.bill(billSpec{Account: after, Period: 202602, Due: "2026-03-15", Principal: 7000})
		idle := f.account(accountSpec{No: "3100000004"}) // no bills at all
		for _, id := range []int64{before, acc, after} {
			if _, _, err := core.RecordReminder(ctx, store.Reminder{AccountID: id, Stage: "overdue_15", Channel: "sms",
				RemindOn: day("2026-03-30"), SentAt: day("2026-03-30").Add(time.Hour), Amount: 500000,
				Recipient: "139****5678", Content: "电费已逾期", Status: billing.ReminderSent}); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := core.RecordReminder(ctx, store.Reminder{AccountID: acc, Stage: "cuijiao", Channel: "wechat",
			RemindOn: day("2026-04-14"), SentAt: day("2026-04-14").Add(time.Hour), Amount: 500000, Recipient: "139****5678",
			Content: "电费催交通知", Status: billing.ReminderDelivered, BillID: old, DueOn: day("2026-03-15")}); err != nil {
			t.Fatal(err)
		}

		batch, err := core.OverdueAccounts(ctx, day("2026-04-20"), 0, 0, store.MaxArrearsBatch)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(batch, func(a store.ArrearsAccount) bool { return a.ID == acc })
		if i < 0 {
			t.Fatalf("account %d is not overdue in %+v", acc, batch)
		}
		got, err := core.ArrearsAccount(ctx, acc)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, batch[i]) {
			t.Fatalf("ArrearsAccount =\n %+v\nwant as OverdueAccounts gives it\n %+v", got, batch[i])
		}
		if len(got.Open) != 2 || len(got.Reminders) != 2 || got.Reminders[1].BillID != old {
			t.Fatalf("ArrearsAccount = %+v: want two open bills and two reminders, the second about bill %d", got, old)
		}

		t.Run("a payment and a flag set since are seen at once", func(t *testing.T) {
			if _, err := core.PostPayment(ctx, store.Payment{AccountNo: "3100000002", Channel: "counter", OrderNo: "T1",
				Amount: 2_000_000, PaidOn: day("2026-04-20")}); err != nil {
				t.Fatal(err)
			}
			if err := core.SetReminderFlags(ctx, "3100000002", store.ReminderFlags{Protected: true}); err != nil {
				t.Fatal(err)
			}
			fresh, err := core.ArrearsAccount(ctx, acc)
			if err != nil {
				t.Fatal(err)
			}
			if len(fresh.Open) != 0 || !fresh.Protected || fresh.Prepaid <= got.Prepaid || !reflect.DeepEqual(fresh.Reminders, got.Reminders) {
				t.Errorf("after paying everything and protecting: %+v", fresh)
			}
		})

		t.Run("an account with nothing open", func(t *testing.T) {
			a, err := core.ArrearsAccount(ctx, idle)
			if err != nil || a.ID != idle || a.No != "3100000004" || len(a.Open) != 0 || len(a.Reminders) != 0 {
				t.Errorf("ArrearsAccount(%d) = %+v, %v; want the account with no bills or reminders", idle, a, err)
			}
		})

		for _, id := range []int64{0, -1, 999_999} {
			if a, err := core.ArrearsAccount(ctx, id); !errors.Is(err, billing.ErrNotFound) {
				t.Errorf("ArrearsAccount(%d) = %+v, %v; want ErrNotFound", id, a, err)
			}
		}
	})
}

// TestOverdueAccountsWithLowBalance: prepaid accounts under the alert's threshold are in reach of
// the run with no bill at all, in the same id order as the overdue ones; an empty balance, one at
// the threshold and a threshold of zero bring none.
func TestOverdueAccountsWithLowBalance(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		core := newCore(db)
		ctx := t.Context()
		overdue := f.account(accountSpec{No: "3100000001"})
		f.bill(billSpec{Account: overdue, Period: 202602, Due: "2026-03-15", Principal: 7000})
		low := f.account(accountSpec{No: "3100000002", Prepaid: 1999})
		f.account(accountSpec{No: "3100000003", Prepaid: 2000}) // at the threshold
		f.account(accountSpec{No: "3100000004"})                // nothing prepaid
		lowToo := f.account(accountSpec{No: "3100000005", Prepaid: 1})
		ids := func(threshold billing.Money, limit int, after int64) []int64 {
			batch, err := core.OverdueAccounts(ctx, day("2026-04-20"), threshold, after, limit)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, a := range batch {
				out = append(out, a.ID)
			}
			return out
		}
		if got, want := ids(2000, store.MaxArrearsBatch, 0), []int64{overdue, low, lowToo}; !slices.Equal(got, want) {
			t.Errorf("under 20.00: %v, want %v", got, want)
		}
		if got, want := ids(2000, 1, low), []int64{lowToo}; !slices.Equal(got, want) {
			t.Errorf("paged after %d: %v, want %v", low, got, want)
		}
		if got, want := ids(0, store.MaxArrearsBatch, 0), []int64{overdue}; !slices.Equal(got, want) {
			t.Errorf("no threshold: %v, want %v", got, want)
		}
		for _, tc := range []struct {
			low  billing.Money
			want int
		}{{2000, 3}, {0, 1}, {2001, 4}} {
			if n, err := core.CountOverdueAccounts(ctx, day("2026-04-20"), tc.low); err != nil || n != tc.want {
				t.Errorf("CountOverdueAccounts(under %s) = %d, %v; want %d", tc.low, n, err, tc.want)
			}
		}
		if _, err := core.OverdueAccounts(ctx, day("2026-04-20"), -1, 0, 10); !errors.Is(err, billing.ErrInvalid) {
			t.Errorf("a negative threshold: %v, want ErrInvalid", err)
		}
	})
}
