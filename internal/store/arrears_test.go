package store_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

func TestArrears(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		one := f.account(accountSpec{No: "3100000001"})
		f.bill(billSpec{Account: one, Period: 202602, Due: "2026-03-15", Principal: 10000})

		small := f.account(accountSpec{No: "3100000002"})
		f.bill(billSpec{Account: small, Period: 202602, Due: "2026-03-15", Principal: 5000})

		com := f.account(accountSpec{No: "3100000003", Class: billing.Commercial})
		f.bill(billSpec{Account: com, Class: billing.Commercial, Period: 202511, Due: "2025-12-20", Principal: 1_000_000})

		prepaid := f.account(accountSpec{No: "3100000004", Prepaid: 2500})
		f.bill(billSpec{Account: prepaid, Period: 202601, Due: "2026-02-15", Principal: 7000, PrincipalPaid: 7000, Status: billing.Paid})
		f.bill(billSpec{Account: prepaid, Period: 202603, Due: "2026-04-15", Principal: 5000}) // newer, inserted first
		f.bill(billSpec{Account: prepaid, Period: 202602, Due: "2026-03-15", Principal: 10000})

		settled := f.account(accountSpec{No: "3100000005", Prepaid: 800})
		f.bill(billSpec{Account: settled, Period: 202602, Due: "2026-03-15", Principal: 10000, PrincipalPaid: 10000,
			FeeAccrued: 100, FeePaid: 100, AccruedThrough: "2026-03-25", Status: billing.Paid})

		// docs/domain.md example 5 after its first payment.
		partly := f.account(accountSpec{No: "3100000006"})
		f.bill(billSpec{Account: partly, Period: 202603, Due: "2026-04-15", Principal: 20000, PrincipalPaid: 9800,
			FeeAccrued: 200, FeePaid: 200, AccruedThrough: "2026-04-25", Status: billing.PartlyPaid})
		core := newCore(db)

		tests := []struct {
			name    string
			account int64
			asOf    time.Time
			want    billing.Arrears
			prepaid billing.Money
		}{
			{"residential, 10 days overdue (DOMAIN 1)", one, day("2026-03-25"),
				billing.Arrears{Principal: 10000, LateFee: 100, Total: 10100, OldestDue: day("2026-03-15"), Bills: 1, MaxDaysOverdue: 10}, 0},
			{"late evening in Beijing is that day", one, time.Date(2026, 3, 25, 23, 30, 0, 0, time.FixedZone("CST", 8*3600)),
				billing.Arrears{Principal: 10000, LateFee: 100, Total: 10100, OldestDue: day("2026-03-15"), Bills: 1, MaxDaysOverdue: 10}, 0},
			{"on the due date (DOMAIN 3)", one, day("2026-03-15"),
				billing.Arrears{Principal: 10000, Total: 10000, OldestDue: day("2026-03-15"), Bills: 1}, 0},
			{"minimum fee (DOMAIN 2)", small, day("2026-03-20"),
				billing.Arrears{Principal: 5000, LateFee: 100, Total: 5100, OldestDue: day("2026-03-15"), Bills: 1, MaxDaysOverdue: 5}, 0},
			{"commercial across the year end (DOMAIN 4)", com, day("2026-01-10"),
				billing.Arrears{Principal: 1_000_000, LateFee: 52000, Total: 1_052_000, OldestDue: day("2025-12-20"), Bills: 1, MaxDaysOverdue: 21}, 0},
			{"two open bills, a paid one, and a prepaid balance", prepaid, day("2026-03-25"),
				billing.Arrears{Principal: 15000, LateFee: 100, Total: 15100, OldestDue: day("2026-03-15"), Bills: 2, MaxDaysOverdue: 10}, 2500},
			{"nothing open", settled, day("2026-06-01"), billing.Arrears{}, 800},
			{"rest of a part-paid bill (DOMAIN 5)", partly, day("2026-05-05"),
				billing.Arrears{Principal: 10200, LateFee: 102, Total: 10302, OldestDue: day("2026-04-15"), Bills: 1, MaxDaysOverdue: 20}, 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := core.Arrears(t.Context(), tt.account, tt.asOf)
				if err != nil {
					t.Fatalf("Arrears: %v", err)
				}
				want := store.Arrears{Arrears: tt.want, AsOf: billing.DateOf(tt.asOf), Prepaid: tt.prepaid}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("Arrears(%s) =\n %+v\nwant\n %+v", tt.asOf.Format(time.DateOnly), got, want)
				}
			})
		}

		t.Run("unknown account", func(t *testing.T) {
			_, err := core.Arrears(t.Context(), 999_999, day("2026-03-25"))
			if !errors.Is(err, billing.ErrNotFound) {
				t.Errorf("Arrears of an unknown account: %v, want ErrNotFound", err)
			}
		})
	})
}
