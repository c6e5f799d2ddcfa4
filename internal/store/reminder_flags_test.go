package store_test

import (
	"errors"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

func TestSetReminderFlags(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.account(accountSpec{No: "3100000001"})
		core := newCore(db)
		ctx := t.Context()

		// Defaults of the migration: nothing set.
		a, err := core.AccountByNumber(ctx, "3100000001")
		if err != nil {
			t.Fatal(err)
		}
		if a.Protected || a.Important || !a.RemindersExemptUntil.IsZero() {
			t.Fatalf("new account: protected %v, important %v, exempt until %v; want none set",
				a.Protected, a.Important, a.RemindersExemptUntil)
		}

		tests := []struct {
			name    string
			no      string
			flags   store.ReminderFlags
			want    store.ReminderFlags // as read back, when wantErr is nil
			wantErr error
		}{
			{"protected", "3100000001", store.ReminderFlags{Protected: true}, store.ReminderFlags{Protected: true}, nil},
			{"important", "3100000001", store.ReminderFlags{Important: true}, store.ReminderFlags{Important: true}, nil},
			{"exempt until a date", "3100000001", store.ReminderFlags{ExemptUntil: day("2026-05-31")},
				store.ReminderFlags{ExemptUntil: day("2026-05-31")}, nil},
			{"exemption given in Beijing time keeps its Beijing date", "3100000001",
				store.ReminderFlags{ExemptUntil: time.Date(2026, 6, 1, 0, 30, 0, 0, cst)},
				store.ReminderFlags{ExemptUntil: day("2026-06-01")}, nil},
			{"all three", "3100000001", store.ReminderFlags{Protected: true, Important: true, ExemptUntil: day("2028-02-29")},
				store.ReminderFlags{Protected: true, Important: true, ExemptUntil: day("2028-02-29")}, nil},
			{"cleared", "3100000001", store.ReminderFlags{}, store.ReminderFlags{}, nil},
			{"unknown account", "3199999999", store.ReminderFlags{Protected: true}, store.ReminderFlags{}, billing.ErrNotFound},
			{"malformed account number", "31000000", store.ReminderFlags{Protected: true}, store.ReminderFlags{}, billing.ErrInvalid},
			{"exemption before 2000", "3100000001", store.ReminderFlags{ExemptUntil: day("1999-12-31")}, store.ReminderFlags{}, billing.ErrInvalid},
			{"exemption after 2099", "3100000001", store.ReminderFlags{ExemptUntil: day("2100-01-01")}, store.ReminderFlags{}, billing.ErrInvalid},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before, err := core.AccountByNumber(ctx, "3100000001")
				if err != nil {
					t.Fatal(err)
				}
				err = core.SetReminderFlags(ctx, tt.no, tt.flags)
				if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
					t.Fatalf("SetReminderFlags(%s, %+v) = %v, want %v", tt.no, tt.flags, err, tt.wantErr)
				}
				a, err := core.AccountByNumber(ctx, "3100000001")
				if err != nil {
					t.Fatal(err)
				}
				got := store.ReminderFlags{Protected: a.Protected, Important: a.Important, ExemptUntil: a.RemindersExemptUntil}
				want := tt.want
				if tt.wantErr != nil { // a refused change leaves the account as it was
					want = store.ReminderFlags{Protected: before.Protected, Important: before.Important, ExemptUntil: before.RemindersExemptUntil}
				}
				if got != want {
					t.Errorf("account afterwards has %+v, want %+v", got, want)
				}
			})
		}
	})
}
