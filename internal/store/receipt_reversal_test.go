package store_test

import (
	"errors"
	"fmt"
	"testing"

	"gridpay/internal/billing"
	"gridpay/internal/store"
	"gridpay/internal/storetest"
)

// TestReverseReceipt refunds docs/domain.md example 5's second payment (103.02 on 2026-05-05, which
// settled the bill and left nothing over) and an overpayment's prepaid part.
func TestReverseReceipt(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		acc := f.account(accountSpec{No: "3100000001"})
		bill := f.bill(billSpec{Account: acc, Period: 202603, Due: "2026-04-15", KWh: 300, Principal: 20000})
		core := newCore(db)
		ctx := t.Context()
		first, err := core.PostPayment(ctx, store.Payment{AccountNo: "3100000001", Channel: "wechat", OrderNo: "W1", Amount: 10000, PaidOn: day("2026-04-25")})
		if err != nil {
			t.Fatal(err)
		}
		second, err := core.PostPayment(ctx, store.Payment{AccountNo: "3100000001", Channel: "wechat", OrderNo: "W2", Amount: 15302, PaidOn: day("2026-05-05")})
		if err != nil || second.Prepaid != 5000 {
			t.Fatalf("second payment = %+v, %v; want 50.00 to prepaid", second, err)
		}
		if s := f.billState(bill); s.Status != "paid" {
			t.Fatalf("bill before the refund: %+v", s)
		}

		r, err := core.ReverseReceipt(ctx, "wechat", "W2", "RF2")
		if err != nil || r.No != second.No {
			t.Fatalf("ReverseReceipt = %+v, %v", r, err)
		}
		// Back to after the first payment: 102.00 open, fee 2.00 paid; the fee accrued through 05-05
		// stays accrued (3.02 in all), owed again.
		s := f.billState(bill)
		if s.PrincipalPaid != 9800 || s.FeePaid != 200 || s.FeeAccrued != 302 || s.Status != "partly_paid" {
			t.Errorf("bill after the refund = %+v, want 98.00 principal and 2.00 fee paid, 3.02 accrued, partly paid", s)
		}
		if p := queryInt(t, db, fmt.Sprintf(`SELECT prepaid_fen FROM accounts WHERE id = %d`, acc)); p != 0 {
			t.Errorf("prepaid balance %d after the refund, want 0", p)
		}
		if n := queryInt(t, db, `SELECT COUNT(*) FROM receipts WHERE reversal_ref = 'RF2' AND reversed_at IS NOT NULL`); n != 1 {
			t.Errorf("%d receipts marked reversed by RF2, want 1", n)
		}
		storetest.CheckBooks(t, db.DB)

		t.Run("the same refund again changes nothing", func(t *testing.T) {
			before := f.billState(bill)
			if _, err := core.ReverseReceipt(ctx, "wechat", "W2", "RF2"); err != nil {
				t.Fatal(err)
			}
			if after := f.billState(bill); after != before {
				t.Errorf("bill changed on a repeated reversal: %+v -> %+v", before, after)
			}
		})
		t.Run("another refund of a reversed receipt is a conflict", func(t *testing.T) {
			if _, err := core.ReverseReceipt(ctx, "wechat", "W2", "RF3"); !errors.Is(err, billing.ErrConflict) {
				t.Errorf("= %v, want ErrConflict", err)
			}
		})
		t.Run("refunding the first payment too opens the whole bill", func(t *testing.T) {
			if _, err := core.ReverseReceipt(ctx, "wechat", first.OrderNo, "RF1"); err != nil {
				t.Fatal(err)
			}
			if s := f.billState(bill); s.PrincipalPaid != 0 || s.FeePaid != 0 || s.Status != "unpaid" {
				t.Errorf("bill after both refunds = %+v, want nothing paid", s)
			}
			storetest.CheckBooks(t, db.DB)
		})
		for _, bad := range [][3]string{{"wechat", "NOPE", "RF9"}, {"", "W1", "RF9"}, {"wechat", "W1", "bad ref"}} {
			if _, err := core.ReverseReceipt(ctx, bad[0], bad[1], bad[2]); err == nil {
				t.Errorf("ReverseReceipt(%q) succeeded", bad)
			}
		}
	})
}
