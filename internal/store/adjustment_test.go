package store_test

import (
	"database/sql"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
	"gridpay/internal/storetest"
)

// adjustedBill is a bill's columns that adjustments change, as stored.
type adjustedBill struct {
	Principal, PrincipalPaid, FeeAccrued, FeePaid, FeeWaived billing.Money
	AccruedThrough, Status                                   string
}

func (f *fixture) adjustedBill(id int64) adjustedBill {
	f.t.Helper()
	var (
		b       adjustedBill
		through any
	)
	err := f.db.QueryRowContext(f.t.Context(), `SELECT principal_fen, principal_paid_fen, fee_accrued_fen, fee_paid_fen,
       fee_waived_fen, accrued_through, status FROM bills WHERE id = @id`, sql.Named("id", id)).Scan(
		&b.Principal, &b.PrincipalPaid, &b.FeeAccrued, &b.FeePaid, &b.FeeWaived, &through, &b.Status)
	if err != nil {
		f.t.Fatalf("bill %d: %v", id, err)
	}
	b.AccruedThrough = dateText(through)
	return b
}

// adjustmentWorld is what an adjustment may write: the bill, the adjustments, the prepaid balance
// and its ledger.
type adjustmentWorld struct {
	Bill        adjustedBill
	Adjustments int64
	Prepaid     int64
	Ledger      int64
}

func (f *fixture) adjustmentWorld(acc, bill int64) adjustmentWorld {
	f.t.Helper()
	var w adjustmentWorld
	w.Bill = f.adjustedBill(bill)
	w.Adjustments = queryInt(f.t, f.db, `SELECT COUNT(*) FROM bill_adjustments`)
	w.Prepaid = queryInt(f.t, f.db, `SELECT prepaid_fen FROM accounts WHERE id = @acc`, sql.Named("acc", acc))
	w.Ledger = queryInt(f.t, f.db, `SELECT COUNT(*) FROM prepaid_ledger`)
	return w
}

// TestPostAdjustment posts each kind of adjustment to a residential bill of 100.00 due 2026-03-15
// and checks the bill, the prepaid balance and its ledger, and the books.
func TestPostAdjustment(t *testing.T) {
	tests := []struct {
		name      string
		bill      billSpec
		paid      billing.Money // paid on payOn before the adjustment
		payOn     string
		kind      store.AdjustmentKind
		amount    billing.Money
		on        string
		want      adjustedBill
		toPrepaid billing.Money
	}{
		{name: "principal reduced before the due date", bill: billSpec{Principal: 10000},
			kind: store.AdjustPrincipal, amount: 1234, on: "2026-03-10",
			want: adjustedBill{Principal: 8766, Status: "unpaid"}},
		{name: "overdue: fee settled on the old principal, then reduced", bill: billSpec{Principal: 10000},
			kind: store.AdjustPrincipal, amount: 5000, on: "2026-03-25",
			want: adjustedBill{Principal: 5000, FeeAccrued: 100, AccruedThrough: "2026-03-25", Status: "unpaid"}},
		{name: "reduced below what was paid: the excess to prepaid", bill: billSpec{Principal: 10000}, paid: 10000, payOn: "2026-03-10",
			kind: store.AdjustPrincipal, amount: 3000, on: "2026-03-10",
			want: adjustedBill{Principal: 7000, PrincipalPaid: 7000, Status: "paid"}, toPrepaid: 3000},
		{name: "late fee waived", bill: billSpec{Principal: 10000},
			kind: store.AdjustLateFee, amount: 100, on: "2026-03-25",
			want: adjustedBill{Principal: 10000, FeeAccrued: 100, FeeWaived: 100, AccruedThrough: "2026-03-25", Status: "unpaid"}},
		{name: "paid late fee waived: to prepaid", bill: billSpec{Principal: 10000}, paid: 10100, payOn: "2026-03-25",
			kind: store.AdjustLateFee, amount: 100, on: "2026-04-01",
			want:      adjustedBill{Principal: 10000, PrincipalPaid: 10000, FeeAccrued: 100, FeeWaived: 100, AccruedThrough: "2026-04-01", Status: "paid"},
			toPrepaid: 100},
	}
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		core := newCore(db)
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				accNo := "31000001" + string(rune('0'+i/10)) + string(rune('0'+i%10))
				acc := f.account(accountSpec{No: accNo})
				spec := tt.bill
				spec.Account, spec.Period, spec.Due = acc, 202602, "2026-03-15"
				bill := f.bill(spec)
				if tt.paid > 0 {
					if _, err := core.PostPayment(t.Context(), store.Payment{AccountNo: accNo, Channel: "wechat", OrderNo: "W" + accNo,
						Amount: tt.paid, PaidOn: day(tt.payOn)}); err != nil {
						t.Fatal(err)
					}
				}
				a := store.Adjustment{No: "AJ00000000" + accNo[8:], AccountNo: accNo, BillID: bill, Kind: tt.kind,
					Amount: tt.amount, Reason: "抄表错误，按实际读数更正", DisputeID: 42, On: day(tt.on)}
				rec, err := core.PostAdjustment(t.Context(), a)
				if err != nil {
					t.Fatalf("PostAdjustment: %v", err)
				}
				want := store.AdjustmentRecord{ID: rec.ID, No: a.No, AccountID: acc, AccountNo: accNo, BillID: bill,
					BillPeriod: 202602, Kind: tt.kind, Amount: tt.amount, ToPrepaid: tt.toPrepaid, Reason: a.Reason,
					DisputeID: 42, On: day(tt.on), PostedAt: time.Date(2026, 4, 25, 2, 30, 0, 123000000, time.UTC)}
				if rec.ID == 0 || !reflect.DeepEqual(rec, want) {
					t.Errorf("record =\n %+v\nwant\n %+v", rec, want)
				}
				if got := f.adjustedBill(bill); got != tt.want {
					t.Errorf("bill =\n %+v\nwant\n %+v", got, tt.want)
				}
				prepaid := queryInt(t, db, `SELECT prepaid_fen FROM accounts WHERE id = @acc`, sql.Named("acc", acc))
				ledger := queryInt(t, db, `SELECT COALESCE(SUM(delta_fen), 0) FROM prepaid_ledger
WHERE account_id = @acc AND reason = 'adjustment' AND adjustment_id = @adj AND bill_id = @bill`,
					sql.Named("acc", acc), sql.Named("adj", rec.ID), sql.Named("bill", bill))
				if prepaid != int64(tt.toPrepaid) || ledger != int64(tt.toPrepaid) {
					t.Errorf("prepaid balance %d, ledger 'adjustment' %d; want %d", prepaid, ledger, tt.toPrepaid)
				}
				list, err := core.BillAdjustments(t.Context(), acc, bill)
				if err != nil || !reflect.DeepEqual(list, []store.AdjustmentRecord{rec}) {
					t.Errorf("BillAdjustments = %+v, %v", list, err)
				}
				d, err := core.Bill(t.Context(), acc, bill)
				if err != nil || !reflect.DeepEqual(d.Adjustments, []store.AdjustmentRecord{rec}) || d.Balance.Principal != tt.want.Principal ||
					d.Balance.FeeWaived != tt.want.FeeWaived {
					t.Errorf("Bill = %+v (adjustments %+v), %v", d.Balance, d.Adjustments, err)
				}
				storetest.CheckBooks(t, db.DB)
			})
		}
	})
}

// TestPostAdjustmentOnce: the same adjustment number posts once; again it returns the first record
// and changes nothing, with other amounts it is a conflict, and an amount too large or a bill of
// another account writes nothing.
func TestPostAdjustmentOnce(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		acc := f.account(accountSpec{No: "3100000001"})
		other := f.account(accountSpec{No: "3100000002"})
		bill := f.bill(billSpec{Account: acc, Period: 202603, Due: "2026-04-15", Principal: 20000})
		second := f.bill(billSpec{Account: acc, Period: 202604, Due: "2026-05-15", Principal: 9000})
		foreign := f.bill(billSpec{Account: other, Period: 202603, Due: "2026-04-15", Principal: 10000})
		core := newCore(db)
		ctx := t.Context()
		if _, err := core.PostPayment(ctx, store.Payment{AccountNo: "3100000001", Channel: "wechat", OrderNo: "W1",
			Amount: 5000, PaidOn: day("2026-04-10")}); err != nil {
			t.Fatal(err)
		}
		adj := store.Adjustment{No: "AJ2026042501", AccountNo: "3100000001", BillID: bill, Kind: store.AdjustPrincipal,
			Amount: 16000, Reason: "表计故障，退补电量", On: day("2026-04-10")}
		first, err := core.PostAdjustment(ctx, adj)
		if err != nil || first.ToPrepaid != 1000 {
			t.Fatalf("first posting = %+v, %v; want 10.00 to prepaid (50.00 paid of a bill now 40.00)", first, err)
		}
		before := f.adjustmentWorld(acc, bill)
		with := func(change func(a *store.Adjustment)) store.Adjustment {
			a := adj
			change(&a)
			return a
		}
		tests := []struct {
			name    string
			adj     store.Adjustment
			wantErr error // nil: the first record comes back
		}{
			{"the same adjustment again", adj, nil},
			{"again with another reason and day", with(func(a *store.Adjustment) { a.Reason, a.On = "重复", day("2026-04-20") }), nil},
			{"the same number, another amount", with(func(a *store.Adjustment) { a.Amount = 1 }), billing.ErrConflict},
			{"the same number, another kind", with(func(a *store.Adjustment) { a.Kind = store.AdjustLateFee }), billing.ErrConflict},
			{"the same number, another bill", with(func(a *store.Adjustment) { a.BillID = second }), billing.ErrConflict},
			{"over the principal left", with(func(a *store.Adjustment) { a.No, a.Amount = "AJ2026042502", 4001 }), billing.ErrInvalid},
			{"a waiver over the fee accrued", with(func(a *store.Adjustment) { a.No, a.Kind, a.Amount = "AJ2026042503", store.AdjustLateFee, 1 }), billing.ErrInvalid},
			{"a bill of another account", with(func(a *store.Adjustment) { a.No, a.BillID = "AJ2026042504", foreign }), billing.ErrNotFound},
			{"an unknown account", with(func(a *store.Adjustment) { a.No, a.AccountNo = "AJ2026042505", "3199999999" }), billing.ErrNotFound},
			{"a bad number", with(func(a *store.Adjustment) { a.No = "AJ12345" }), billing.ErrInvalid},
			{"no reason", with(func(a *store.Adjustment) { a.No, a.Reason = "AJ2026042506", "  " }), billing.ErrInvalid},
			{"a reason too long", with(func(a *store.Adjustment) { a.No, a.Reason = "AJ2026042507", strings.Repeat("错", 201) }), billing.ErrInvalid},
			{"a zero amount", with(func(a *store.Adjustment) { a.No, a.Amount = "AJ2026042508", 0 }), billing.ErrInvalid},
			{"no date", with(func(a *store.Adjustment) { a.No, a.On = "AJ2026042509", time.Time{} }), billing.ErrInvalid},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := core.PostAdjustment(ctx, tt.adj)
				switch {
				case tt.wantErr == nil && (err != nil || !reflect.DeepEqual(got, first)):
					t.Errorf("= %+v, %v; want the first record %+v", got, err, first)
				case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
					t.Errorf("error = %v, want %v", err, tt.wantErr)
				}
				if after := f.adjustmentWorld(acc, bill); after != before {
					t.Errorf("the database changed:\n %+v\nwas\n %+v", after, before)
				}
			})
		}
		list, total, err := core.Adjustments(ctx, acc, store.Page{})
		if err != nil || total != 1 || !reflect.DeepEqual(list, []store.AdjustmentRecord{first}) {
			t.Errorf("Adjustments = %+v, %d, %v", list, total, err)
		}
		storetest.CheckBooks(t, db.DB)
	})
}

// TestAdjustmentsNewestFirst lists an account's adjustments newest first, a page at a time.
func TestAdjustmentsNewestFirst(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		acc := f.account(accountSpec{No: "3100000001"})
		bill := f.bill(billSpec{Account: acc, Period: 202603, Due: "2026-04-15", Principal: 20000})
		core := newCore(db)
		for _, no := range []string{"AJ0000000001", "AJ0000000002", "AJ0000000003"} {
			if _, err := core.PostAdjustment(t.Context(), store.Adjustment{No: no, AccountNo: "3100000001", BillID: bill,
				Kind: store.AdjustPrincipal, Amount: 100, Reason: "更正", On: day("2026-04-10")}); err != nil {
				t.Fatal(err)
			}
		}
		list, total, err := core.Adjustments(t.Context(), acc, store.Page{Limit: 2, Offset: 1})
		if err != nil || total != 3 || len(list) != 2 || list[0].No != "AJ0000000002" || list[1].No != "AJ0000000001" {
			t.Errorf("Adjustments page 2 = %+v, %d, %v; want AJ...02, AJ...01 of 3", list, total, err)
		}
		all, err := core.BillAdjustments(t.Context(), acc, bill)
		if err != nil || len(all) != 3 || all[0].No != "AJ0000000001" || all[2].No != "AJ0000000003" {
			t.Errorf("BillAdjustments = %+v, %v; want oldest first", all, err)
		}
		if got := f.adjustedBill(bill).Principal; got != 19700 {
			t.Errorf("principal after three reductions of 1.00 = %d, want 19700", got)
		}
	})
}

// TestAdjustmentThenPayment: a late fee waived stays waived when the customer pays later, and late
// fee after the adjustment day accrues on the new principal only (docs/domain.md's late fee).
func TestAdjustmentThenPayment(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		acc := f.account(accountSpec{No: "3100000001"})
		// 200.00 due 04-15. On 04-25 10 days accrued 2.00: waived. Then 50.00 of principal taken off.
		bill := f.bill(billSpec{Account: acc, Period: 202603, Due: "2026-04-15", Principal: 20000})
		core := newCore(db)
		ctx := t.Context()
		for _, a := range []store.Adjustment{
			{No: "AJ0000000001", Kind: store.AdjustLateFee, Amount: 200, On: day("2026-04-25")},
			{No: "AJ0000000002", Kind: store.AdjustPrincipal, Amount: 5000, On: day("2026-04-25")},
		} {
			a.AccountNo, a.BillID, a.Reason = "3100000001", bill, "违约金减免"
			if _, err := core.PostAdjustment(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		arrears, err := core.Arrears(ctx, acc, day("2026-05-05"))
		// 10 more days on 150.00: 1.50 of fee, and the principal 150.00.
		if err != nil || arrears.Principal != 15000 || arrears.LateFee != 150 {
			t.Fatalf("Arrears on 05-05 = %+v, %v; want 150.00 principal and 1.50 fee", arrears, err)
		}
		r, err := core.PostPayment(ctx, store.Payment{AccountNo: "3100000001", Channel: "wechat", OrderNo: "W1",
			Amount: 15150, PaidOn: day("2026-05-05")})
		if err != nil || r.Fee != 150 || r.Principal != 15000 || r.Prepaid != 0 {
			t.Fatalf("payment = %+v, %v; want 1.50 fee and 150.00 principal", r, err)
		}
		want := adjustedBill{Principal: 15000, PrincipalPaid: 15000, FeeAccrued: 350, FeePaid: 150, FeeWaived: 200,
			AccruedThrough: "2026-05-05", Status: "paid"}
		if got := f.adjustedBill(bill); got != want {
			t.Errorf("bill = %+v, want %+v", got, want)
		}
		bills, total, err := core.Bills(ctx, acc, store.Page{})
		if err != nil || total != 1 || bills[0].Status() != billing.Paid || bills[0].Balance.FeeWaived != 200 {
			t.Errorf("Bills = %+v, %d, %v", bills, total, err)
		}
		storetest.CheckBooks(t, db.DB)
	})
}

// TestPostAdjustmentConcurrent posts one adjustment from many goroutines at once: one record, one
// change to the bill, the same answer for all.
func TestPostAdjustmentConcurrent(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		acc := f.account(accountSpec{No: "3100000001"})
		bill := f.bill(billSpec{Account: acc, Period: 202603, Due: "2026-04-15", Principal: 20000})
		core := newCore(db)
		if _, err := core.PostPayment(t.Context(), store.Payment{AccountNo: "3100000001", Channel: "wechat", OrderNo: "W1",
			Amount: 20000, PaidOn: day("2026-04-10")}); err != nil {
			t.Fatal(err)
		}
		adj := store.Adjustment{No: "AJ2026042501", AccountNo: "3100000001", BillID: bill, Kind: store.AdjustPrincipal,
			Amount: 3000, Reason: "抄表错误", On: day("2026-04-20")}
		const posters = 10
		recs := make([]store.AdjustmentRecord, posters)
		errs := make([]error, posters)
		atOnce(t, db, posters, func(i int) { recs[i], errs[i] = core.PostAdjustment(t.Context(), adj) })
		for i := range posters {
			if errs[i] != nil {
				t.Errorf("poster %d: %v", i, errs[i])
			} else if !reflect.DeepEqual(recs[i], recs[0]) {
				t.Errorf("poster %d got\n %+v\nposter 0 got\n %+v", i, recs[i], recs[0])
			}
		}
		want := adjustmentWorld{Bill: adjustedBill{Principal: 17000, PrincipalPaid: 17000, Status: "paid"},
			Adjustments: 1, Prepaid: 3000, Ledger: 1}
		if got := f.adjustmentWorld(acc, bill); got != want {
			t.Errorf("after %d concurrent postings:\n %+v\nwant\n %+v", posters, got, want)
		}
		storetest.CheckBooks(t, db.DB)
	})
}
