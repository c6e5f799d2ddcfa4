package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
	"gridpay/internal/storetest"
)

// cst is Beijing time: a payment at 00:30 there counts for that Beijing day.
var cst = time.FixedZone("CST", 8*3600)

// postedAt is newCore's clock in UTC, to the millisecond.
var postedAt = time.Date(2026, 4, 25, 2, 30, 0, 123_000_000, time.UTC)

// ledgerEntry is one prepaid_ledger row.
type ledgerEntry struct {
	Account        int64
	On             string
	Delta, Balance billing.Money
	Reason         string
	Receipt        int64
}

func ledger(t *testing.T, db *store.DB) []ledgerEntry {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT account_id, entry_on, delta_fen, balance_fen, reason, receipt_id
FROM prepaid_ledger ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	entries := []ledgerEntry{}
	for rows.Next() {
		var (
			e       ledgerEntry
			on      any
			receipt sql.NullInt64
		)
		if err := rows.Scan(&e.Account, &on, &e.Delta, &e.Balance, &e.Reason, &receipt); err != nil {
			t.Fatal(err)
		}
		e.On, e.Receipt = dateText(on), receipt.Int64
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return entries
}

// dbState is everything a posting may change, to show that a refused or repeated one changed nothing.
type dbState struct {
	Receipts, Allocations, Ledger, Counter int64
	Prepaid                                billing.Money
	Bills                                  map[int64]billState
}

func (f *fixture) state(account int64, bills ...int64) dbState {
	f.t.Helper()
	s := dbState{
		Receipts:    countRows(f.t, f.db, "receipts"),
		Allocations: countRows(f.t, f.db, "receipt_allocations"),
		Ledger:      countRows(f.t, f.db, "prepaid_ledger"),
		Counter:     queryInt(f.t, f.db, `SELECT last_no FROM counters WHERE name = 'receipt'`),
		Prepaid:     billing.Money(queryInt(f.t, f.db, `SELECT prepaid_fen FROM accounts WHERE id = @id`, sql.Named("id", account))),
		Bills:       map[int64]billState{},
	}
	for _, b := range bills {
		s.Bills[b] = f.billState(b)
	}
	return s
}

// receiptRow reads a receipt back as stored.
func receiptRow(t *testing.T, db *store.DB, id int64) store.Receipt {
	t.Helper()
	var (
		r      store.Receipt
		paidOn any
	)
	err := db.QueryRowContext(t.Context(), `SELECT id, receipt_no, account_id, channel, order_no, amount_fen, fee_fen,
       principal_fen, prepaid_fen, paid_on FROM receipts WHERE id = @id`, sql.Named("id", id)).Scan(&r.ID, &r.No,
		&r.AccountID, &r.Channel, &r.OrderNo, &r.Amount, &r.Fee, &r.Principal, &r.Prepaid, &paidOn)
	if err != nil {
		t.Fatalf("receipt %d: %v", id, err)
	}
	r.PaidOn = day(dateText(paidOn))
	return r
}

func TestPostPaymentDomainExample5(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		acc := f.account(accountSpec{No: "3100000001"})
		bill := f.bill(billSpec{Account: acc, Period: 202603, Due: "2026-04-15", Principal: 20000})
		core := newCore(db)

		steps := []struct {
			name      string
			pay       store.Payment
			want      store.Receipt
			wantBill  billState
			wantOwing billing.Arrears // the day after
		}{
			{"100.00 on 04-25 pays the 2.00 fee and 98.00",
				store.Payment{AccountNo: "3100000001", Channel: "wechat", OrderNo: "4200202604250001", Amount: 10000,
					PaidOn: time.Date(2026, 4, 25, 0, 30, 0, 0, cst)},
				store.Receipt{No: "SF2026042500000001", AccountID: acc, Channel: "wechat", OrderNo: "4200202604250001",
					Amount: 10000, Fee: 200, Principal: 9800, PaidOn: day("2026-04-25"), PostedAt: postedAt,
					Allocations: []store.Allocation{{BillID: bill, Fee: 200, Principal: 9800}}},
				billState{PrincipalPaid: 9800, FeeAccrued: 200, FeePaid: 200, AccruedThrough: "2026-04-25", Status: "partly_paid"},
				// One more day on 102.00: 0.10, the minimum having been met by the 2.00 paid.
				billing.Arrears{Principal: 10200, LateFee: 10, Total: 10210, OldestDue: day("2026-04-15"), Bills: 1, MaxDaysOverdue: 11},
			},
			{"103.02 on 05-05 pays the rest",
				store.Payment{AccountNo: "3100000001", Channel: "alipay", OrderNo: "2088202605050001", Amount: 10302,
					PaidOn: day("2026-05-05")},
				store.Receipt{No: "SF2026050500000002", AccountID: acc, Channel: "alipay", OrderNo: "2088202605050001",
					Amount: 10302, Fee: 102, Principal: 10200, PaidOn: day("2026-05-05"), PostedAt: postedAt,
					Allocations: []store.Allocation{{BillID: bill, Fee: 102, Principal: 10200}}},
				billState{PrincipalPaid: 20000, FeeAccrued: 302, FeePaid: 302, AccruedThrough: "2026-05-05", Status: "paid"},
				billing.Arrears{},
			},
		}
		for i, s := range steps {
			t.Run(s.name, func(t *testing.T) {
				got, err := core.PostPayment(t.Context(), s.pay)
				if err != nil {
					t.Fatalf("PostPayment: %v", err)
				}
				if got.ID <= 0 {
					t.Errorf("receipt id %d, want a positive id", got.ID)
				}
				s.want.ID = got.ID
				if !reflect.DeepEqual(got, s.want) {
					t.Errorf("PostPayment =\n %+v\nwant\n %+v", got, s.want)
				}
				if !regexp.MustCompile(`^SF\d{8}\d{8}$`).MatchString(got.No) {
					t.Errorf("receipt number %q is not SF + date + 8 digits", got.No)
				}
				stored := receiptRow(t, db, got.ID)
				want := s.want
				want.PostedAt, want.Allocations = time.Time{}, nil
				if !reflect.DeepEqual(stored, want) {
					t.Errorf("stored receipt =\n %+v\nwant\n %+v", stored, want)
				}
				if b := f.billState(bill); b != s.wantBill {
					t.Errorf("bill after posting = %+v, want %+v", b, s.wantBill)
				}
				if n := countRows(t, db, "receipts"); n != int64(i+1) {
					t.Errorf("%d receipts, want %d", n, i+1)
				}
				next := billing.DateOf(s.pay.PaidOn).AddDate(0, 0, 1)
				owing, err := core.Arrears(t.Context(), acc, next)
				if err != nil {
					t.Fatal(err)
				}
				if owing.Arrears != s.wantOwing {
					t.Errorf("arrears the day after = %+v, want %+v", owing.Arrears, s.wantOwing)
				}
			})
		}
		if n := countRows(t, db, "prepaid_ledger"); n != 0 {
			t.Errorf("%d prepaid ledger rows, want none: nothing was overpaid", n)
		}
	})
}

func TestPostPaymentTwiceIsOnce(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		acc := f.account(accountSpec{No: "3100000001"})
		// The newer bill is inserted first, so bill ids do not follow due dates.
		newer := f.bill(billSpec{Account: acc, Period: 202603, Due: "2026-04-15", Principal: 5000})
		older := f.bill(billSpec{Account: acc, Period: 202602, Due: "2026-03-15", Principal: 10000})
		core := newCore(db)
		pay := store.Payment{AccountNo: "3100000001", Channel: "bank", OrderNo: "BK202603250000000101", Amount: 12000,
			PaidOn: day("2026-03-25")}

		first, err := core.PostPayment(t.Context(), pay)
		if err != nil {
			t.Fatal(err)
		}
		// Oldest bill first, its fee (10 days of 0.1% of 100.00 = 1.00) before its principal; the rest
		// to the newer bill, not yet due.
		want := store.Receipt{ID: first.ID, No: "SF2026032500000001", AccountID: acc, Channel: "bank", OrderNo: pay.OrderNo,
			Amount: 12000, Fee: 100, Principal: 11900, PaidOn: day("2026-03-25"), PostedAt: postedAt,
			Allocations: []store.Allocation{{BillID: older, Fee: 100, Principal: 10000}, {BillID: newer, Principal: 1900}}}
		if !reflect.DeepEqual(first, want) {
			t.Fatalf("first posting =\n %+v\nwant\n %+v", first, want)
		}
		before := f.state(acc, older, newer)

		tests := []struct {
			name string
			pay  store.Payment
		}{
			{"same payment again", pay},
			{"same payment, another day", store.Payment{AccountNo: pay.AccountNo, Channel: pay.Channel, OrderNo: pay.OrderNo,
				Amount: pay.Amount, PaidOn: day("2026-04-30")}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				again, err := core.PostPayment(t.Context(), tt.pay)
				if err != nil {
					t.Fatalf("posting again: %v", err)
				}
				if !reflect.DeepEqual(again, first) {
					t.Errorf("posting again returned\n %+v\nwant the first receipt\n %+v", again, first)
				}
				if after := f.state(acc, older, newer); !reflect.DeepEqual(after, before) {
					t.Errorf("posting again changed the database:\n %+v\nwas\n %+v", after, before)
				}
			})
		}
	})
}

func TestPostPaymentConcurrent(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		acc := f.account(accountSpec{No: "3100000001"})
		bill := f.bill(billSpec{Account: acc, Period: 202603, Due: "2026-04-15", Principal: 20000})
		core := newCore(db)
		pay := store.Payment{AccountNo: "3100000001", Channel: "wechat", OrderNo: "4200202604250001", Amount: 10000,
			PaidOn: day("2026-04-25")}

		const posters = 20
		receipts := make([]store.Receipt, posters)
		errs := make([]error, posters)
		atOnce(t, db, posters, func(i int) { receipts[i], errs[i] = core.PostPayment(t.Context(), pay) })
		for i := range posters {
			if errs[i] != nil {
				t.Errorf("poster %d: %v", i, errs[i])
				continue
			}
			if !reflect.DeepEqual(receipts[i], receipts[0]) {
				t.Errorf("poster %d got\n %+v\nposter 0 got\n %+v", i, receipts[i], receipts[0])
			}
		}
		if receipts[0].No != "SF2026042500000001" {
			t.Errorf("receipt number %q, want SF2026042500000001", receipts[0].No)
		}
		want := dbState{Receipts: 1, Allocations: 1, Counter: 1, Bills: map[int64]billState{
			bill: {PrincipalPaid: 9800, FeeAccrued: 200, FeePaid: 200, AccruedThrough: "2026-04-25", Status: "partly_paid"}}}
		if got := f.state(acc, bill); !reflect.DeepEqual(got, want) {
			t.Errorf("after %d concurrent postings:\n %+v\nwant\n %+v", posters, got, want)
		}
	})
}

// A posting that waits for its account's lock waits no longer than its caller's deadline: a worker
// or a request that gives up is answered with an error, not kept until the lock's own ceiling, and
// nothing is posted.
func TestPostPaymentLockWaitEndsWithDeadline(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		if db.Dialect() != "sqlserver" {
			t.Skip("SQLite serialises write transactions itself; the account lock is SQL Server's sp_getapplock")
		}
		f := newFixture(t, db)
		acc := f.account(accountSpec{No: "3100000001"})
		bill := f.bill(billSpec{Account: acc, Period: 202603, Due: "2026-04-15", Principal: 20000})
		holder, err := db.BeginTx(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer holder.Rollback()
		var rc int
		if err := holder.QueryRowContext(t.Context(), `DECLARE @rc INT, @name NVARCHAR(255) = DB_NAME() + N':gridpay:account:3100000001';
EXEC @rc = sp_getapplock @Resource = @name, @LockMode = 'Exclusive', @LockOwner = 'Transaction';
SELECT @rc`).Scan(&rc); err != nil || rc < 0 {
			t.Fatalf("hold the account's lock: rc %d, %v", rc, err)
		}

		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		pay := store.Payment{AccountNo: "3100000001", Channel: "wechat", OrderNo: "4200202604250001", Amount: 10000,
			PaidOn: day("2026-04-25")}
		start := time.Now()
		_, err = newCore(db).PostPayment(ctx, pay)
		if err == nil {
			t.Fatal("posted while another transaction held the account's lock")
		}
		if waited := time.Since(start); waited > 10*time.Second {
			t.Errorf("waited %s for the lock with a 1 s deadline", waited)
		}
		if err := holder.Rollback(); err != nil {
			t.Fatal(err)
		}
		want := dbState{Bills: map[int64]billState{bill: {Status: "unpaid"}}}
		if got := f.state(acc, bill); !reflect.DeepEqual(got, want) {
			t.Errorf("after a posting that gave up:\n %+v\nwant\n %+v", got, want)
		}
	})
}

func TestPostPaymentOverpayment(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		owing := f.account(accountSpec{No: "3100000001", Prepaid: 1000})
		bill := f.bill(billSpec{Account: owing, Period: 202602, Due: "2026-03-15", Principal: 10000})
		noBills := f.account(accountSpec{No: "3100000002", Class: billing.Commercial})
		core := newCore(db)
		if err := db.SetCounter(t.Context(), "receipt", 41); err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			name        string
			account     int64
			pay         store.Payment
			want        store.Receipt
			wantPrepaid billing.Money
			wantLedger  ledgerEntry
		}{
			{"150.00 on a 100.00 bill before it is due", owing,
				store.Payment{AccountNo: "3100000001", Channel: "counter", OrderNo: "GT20260310000000010001", Amount: 15000, PaidOn: day("2026-03-10")},
				store.Receipt{No: "SF2026031000000042", AccountID: owing, Channel: "counter", OrderNo: "GT20260310000000010001",
					Amount: 15000, Principal: 10000, Prepaid: 5000, PaidOn: day("2026-03-10"), PostedAt: postedAt,
					Allocations: []store.Allocation{{BillID: bill, Principal: 10000}}},
				6000, ledgerEntry{Account: owing, On: "2026-03-10", Delta: 5000, Balance: 6000, Reason: "payment"}},
			{"an account with nothing to pay", noBills,
				store.Payment{AccountNo: "3100000002", Channel: "alipay", OrderNo: "2088202603110000000201", Amount: 30000, PaidOn: day("2026-03-11")},
				store.Receipt{No: "SF2026031100000043", AccountID: noBills, Channel: "alipay", OrderNo: "2088202603110000000201",
					Amount: 30000, Prepaid: 30000, PaidOn: day("2026-03-11"), PostedAt: postedAt},
				30000, ledgerEntry{Account: noBills, On: "2026-03-11", Delta: 30000, Balance: 30000, Reason: "payment"}},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := core.PostPayment(t.Context(), tt.pay)
				if err != nil {
					t.Fatal(err)
				}
				tt.want.ID = got.ID
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("PostPayment =\n %+v\nwant\n %+v", got, tt.want)
				}
				a, err := core.Arrears(t.Context(), tt.account, tt.pay.PaidOn)
				if err != nil {
					t.Fatal(err)
				}
				if a.Prepaid != tt.wantPrepaid || a.Bills != 0 || a.Total != 0 {
					t.Errorf("arrears after posting = %+v, want nothing owed and prepaid %s", a, tt.wantPrepaid)
				}
				l := ledger(t, db)
				if len(l) != i+1 {
					t.Fatalf("prepaid ledger has %d rows, want %d", len(l), i+1)
				}
				tt.wantLedger.Receipt = got.ID
				if l[i] != tt.wantLedger {
					t.Errorf("ledger row = %+v, want %+v", l[i], tt.wantLedger)
				}
			})
		}
		if b := f.billState(bill); b != (billState{PrincipalPaid: 10000, Status: "paid"}) {
			t.Errorf("bill paid before its due date = %+v, want paid with no fee and no accrual date", b)
		}
	})
}

func TestPostPaymentConflict(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		acc := f.account(accountSpec{No: "3100000001"})
		other := f.account(accountSpec{No: "3100000002"})
		bill := f.bill(billSpec{Account: acc, Period: 202603, Due: "2026-04-15", Principal: 20000})
		core := newCore(db)
		pay := store.Payment{AccountNo: "3100000001", Channel: "wechat", OrderNo: "4200202604250001", Amount: 10000, PaidOn: day("2026-04-25")}
		first, err := core.PostPayment(t.Context(), pay)
		if err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			name    string
			change  func(p *store.Payment)
			wantErr error // nil: a new, separate receipt
		}{
			{"same order, other amount", func(p *store.Payment) { p.Amount = 5000 }, billing.ErrConflict},
			{"same order, other account", func(p *store.Payment) { p.AccountNo = "3100000002" }, billing.ErrConflict},
			{"same order number, other channel", func(p *store.Payment) { p.Channel = "alipay" }, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := f.state(other, bill)
				p := pay
				tt.change(&p)
				got, err := core.PostPayment(t.Context(), p)
				if tt.wantErr != nil {
					if !errors.Is(err, tt.wantErr) {
						t.Fatalf("PostPayment = %+v, %v; want %v", got, err, tt.wantErr)
					}
					if after := f.state(other, bill); !reflect.DeepEqual(after, before) {
						t.Errorf("a conflicting posting changed the database:\n %+v\nwas\n %+v", after, before)
					}
					return
				}
				if err != nil {
					t.Fatalf("PostPayment: %v", err)
				}
				if got.ID == first.ID || got.No == first.No {
					t.Errorf("another channel's order got the first receipt %s", got.No)
				}
			})
		}
	})
}

func TestPostPaymentRejects(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		acc := f.account(accountSpec{No: "3100000001", Prepaid: 500})
		bill := f.bill(billSpec{Account: acc, Period: 202603, Due: "2026-04-15", Principal: 20000})
		core := newCore(db)
		valid := store.Payment{AccountNo: "3100000001", Channel: "wechat", OrderNo: "4200202604250001", Amount: 10000, PaidOn: day("2026-04-25")}

		tests := []struct {
			name    string
			change  func(p *store.Payment)
			wantErr error
		}{
			{"unknown account", func(p *store.Payment) { p.AccountNo = "3100000009" }, billing.ErrNotFound},
			{"malformed account", func(p *store.Payment) { p.AccountNo = "3100000001' OR '1'='1" }, billing.ErrInvalid},
			{"empty channel", func(p *store.Payment) { p.Channel = "" }, billing.ErrInvalid},
			{"17-byte channel", func(p *store.Payment) { p.Channel = strings.Repeat("c", 17) }, billing.ErrInvalid},
			{"channel not UTF-8", func(p *store.Payment) { p.Channel = "we\xffchat" }, billing.ErrInvalid},
			{"empty order number", func(p *store.Payment) { p.OrderNo = "" }, billing.ErrInvalid},
			{"65-character order number", func(p *store.Payment) { p.OrderNo = strings.Repeat("9", 65) }, billing.ErrInvalid},
			{"order number not UTF-8", func(p *store.Payment) { p.OrderNo = "4200\xc3\x28" }, billing.ErrInvalid},
			{"order number with a trailing space", func(p *store.Payment) { p.OrderNo = "4200202604250001 " }, billing.ErrInvalid},
			{"order number in Chinese", func(p *store.Payment) { p.OrderNo = "订单1" }, billing.ErrInvalid},
			{"order number with SQL", func(p *store.Payment) { p.OrderNo = "1';DROP TABLE receipts;--" }, billing.ErrInvalid},
			{"zero amount", func(p *store.Payment) { p.Amount = 0 }, billing.ErrInvalid},
			{"negative amount", func(p *store.Payment) { p.Amount = -10000 }, billing.ErrInvalid},
			{"no payment date", func(p *store.Payment) { p.PaidOn = time.Time{} }, billing.ErrInvalid},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := f.state(acc, bill)
				p := valid
				tt.change(&p)
				got, err := core.PostPayment(t.Context(), p)
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("PostPayment = %+v, %v; want %v", got, err, tt.wantErr)
				}
				if !reflect.DeepEqual(got, store.Receipt{}) {
					t.Errorf("a refused posting returned a receipt: %+v", got)
				}
				if after := f.state(acc, bill); !reflect.DeepEqual(after, before) {
					t.Errorf("a refused posting changed the database:\n %+v\nwas\n %+v", after, before)
				}
			})
		}

		t.Run("64-character order number is accepted", func(t *testing.T) {
			p := valid
			p.OrderNo = strings.Repeat("9", 64)
			got, err := core.PostPayment(t.Context(), p)
			if err != nil {
				t.Fatalf("PostPayment: %v", err)
			}
			if stored := receiptRow(t, db, got.ID); stored.OrderNo != p.OrderNo {
				t.Errorf("stored order number %q, want %q", stored.OrderNo, p.OrderNo)
			}
		})
	})
}

// TestPostPaymentsToOneAccountConcurrently posts different payments to one account at once, as
// several workers do when a customer pays twice in a minute or a bank and WeChat payment meet: each
// is posted once with its own receipt number, and every bill's paid amounts equal what the receipts
// allocated to it. On an engine that ignores table hints, a posting that read the bills before the
// other committed would add its money to stale figures and lose the other's.
func TestPostPaymentsToOneAccountConcurrently(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		acc := f.account(accountSpec{No: "3100000001"})
		bills := []int64{
			f.bill(billSpec{Account: acc, Period: 202601, Due: "2026-02-15", Principal: 3000}),
			f.bill(billSpec{Account: acc, Period: 202602, Due: "2026-03-15", Principal: 4000}),
			f.bill(billSpec{Account: acc, Period: 202603, Due: "2026-04-15", Principal: 5000}),
		}
		core := newCore(db)
		const posters = 10
		receipts := make([]store.Receipt, posters)
		errs := make([]error, posters)
		atOnce(t, db, posters, func(i int) {
			receipts[i], errs[i] = core.PostPayment(t.Context(), store.Payment{AccountNo: "3100000001", Channel: "wechat",
				OrderNo: fmt.Sprintf("42002026042500%02d", i), Amount: 1500, PaidOn: day("2026-04-25")})
		})
		numbers := map[string]bool{}
		var received billing.Money
		for i := range posters {
			if errs[i] != nil {
				t.Fatalf("poster %d: %v", i, errs[i])
			}
			numbers[receipts[i].No] = true
			received += receipts[i].Amount
		}
		if len(numbers) != posters {
			t.Errorf("%d distinct receipt numbers for %d payments: %v", len(numbers), posters, numbers)
		}
		if got := queryInt(t, db, `SELECT last_no FROM counters WHERE name = 'receipt'`); got != posters {
			t.Errorf("receipt counter at %d, want %d", got, posters)
		}
		if got := countRows(t, db, "receipts"); got != posters {
			t.Errorf("%d receipts, want %d", got, posters)
		}
		storetest.CheckBooks(t, db.DB)
		var settled billing.Money
		for _, b := range bills {
			s := f.billState(b)
			settled += s.PrincipalPaid + s.FeePaid
		}
		prepaid := billing.Money(queryInt(t, db, `SELECT prepaid_fen FROM accounts WHERE id = @id`, sql.Named("id", acc)))
		if settled+prepaid != received {
			t.Errorf("bills settled %s and prepaid %s, together %s; the payments brought %s", settled, prepaid, settled+prepaid, received)
		}
		if prepaid > 0 {
			ledger := billing.Money(queryInt(t, db, `SELECT balance_fen FROM prepaid_ledger WHERE id = (SELECT MAX(id) FROM prepaid_ledger)`))
			if ledger != prepaid {
				t.Errorf("the ledger's last balance is %s, the account's %s", ledger, prepaid)
			}
		}
	})
}

// TestReceiptNumbersAcrossAccounts posts to many accounts at once: the receipt counter is shared,
// and no two receipts may get one number (the unique key would refuse the second, and its payment
// would wait for a retry).
func TestReceiptNumbersAcrossAccounts(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		const accounts = 8
		for i := range accounts {
			acc := f.account(accountSpec{No: fmt.Sprintf("31000000%02d", i+1)})
			f.bill(billSpec{Account: acc, Period: 202603, Due: "2026-04-15", Principal: 10000})
		}
		core := newCore(db)
		receipts := make([]store.Receipt, accounts)
		errs := make([]error, accounts)
		atOnce(t, db, accounts, func(i int) {
			receipts[i], errs[i] = core.PostPayment(t.Context(), store.Payment{AccountNo: fmt.Sprintf("31000000%02d", i+1),
				Channel: "alipay", OrderNo: fmt.Sprintf("2026042522001%02d", i), Amount: 5000, PaidOn: day("2026-04-25")})
		})
		numbers := map[string]bool{}
		for i := range accounts {
			if errs[i] != nil {
				t.Fatalf("account %d: %v", i+1, errs[i])
			}
			numbers[receipts[i].No] = true
		}
		if len(numbers) != accounts {
			t.Errorf("%d distinct receipt numbers for %d postings: %v", len(numbers), accounts, numbers)
		}
	})
}

// TestPostPaymentBesideAuditTriggers posts and reverses a payment in a core database whose tables
// carry the kind of audit triggers a utility adds to its own database. On SQL Server the row count
// of an UPDATE includes what its triggers wrote, so a check for "exactly one row" would take every
// posting for a conflict.
func TestPostPaymentBesideAuditTriggers(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		acc := f.account(accountSpec{No: "3100000001"})
		f.bill(billSpec{Account: acc, Period: 202603, Due: "2026-04-15", Principal: 20000})
		ddl := []string{`CREATE TABLE audit_log (tbl VARCHAR(16) NOT NULL, row_id BIGINT NOT NULL)`}
		for _, table := range []string{"bills", "accounts", "counters", "receipts"} {
			id := "id"
			if table == "counters" {
				id = "last_no"
			}
			if db.Dialect() == "sqlserver" {
				ddl = append(ddl, `CREATE TRIGGER `+table+`_audit ON `+table+` AFTER UPDATE AS
INSERT INTO audit_log (tbl, row_id) SELECT '`+table+`', `+id+` FROM inserted`)
			} else {
				ddl = append(ddl, `CREATE TRIGGER `+table+`_audit AFTER UPDATE ON `+table+` BEGIN
INSERT INTO audit_log (tbl, row_id) VALUES ('`+table+`', NEW.`+id+`); END`)
			}
		}
		for _, q := range ddl {
			if _, err := db.ExecContext(t.Context(), q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		core := newCore(db)
		if _, err := core.PostPayment(t.Context(), store.Payment{AccountNo: "3100000001", Channel: "wechat",
			OrderNo: "4200000001", Amount: 25000, PaidOn: day("2026-04-25")}); err != nil {
			t.Fatalf("PostPayment: %v", err)
		}
		if _, err := core.ReverseReceipt(t.Context(), "wechat", "4200000001", "RF1"); err != nil {
			t.Fatalf("ReverseReceipt: %v", err)
		}
		if n := countRows(t, db, "audit_log"); n == 0 {
			t.Error("the triggers wrote nothing: the test proves nothing")
		}
		storetest.CheckBooks(t, db.DB)
	})
}

// TestPostPaymentReceiptNumberTaken posts with the receipt counter set back (a load that forgot to
// move it on): the payment is not posted, and the error names the real cause instead of claiming
// the payment was posted before.
func TestPostPaymentReceiptNumberTaken(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		acc := f.account(accountSpec{No: "3100000001"})
		f.bill(billSpec{Account: acc, Period: 202603, Due: "2026-04-15", Principal: 20000})
		core := newCore(db)
		pay := func(order string) error {
			_, err := core.PostPayment(t.Context(), store.Payment{AccountNo: "3100000001", Channel: "wechat",
				OrderNo: order, Amount: 1000, PaidOn: day("2026-04-25")})
			return err
		}
		if err := pay("4200000001"); err != nil {
			t.Fatal(err)
		}
		if err := db.SetCounter(t.Context(), "receipt", 0); err != nil {
			t.Fatal(err)
		}
		err := pay("4200000002")
		if err == nil || errors.Is(err, billing.ErrNotFound) {
			t.Errorf("posting under a receipt number already taken = %v, want the duplicate key's error", err)
		}
		if n := countRows(t, db, "receipts"); n != 1 {
			t.Errorf("%d receipts, want 1", n)
		}
	})
}

// TestPostPaymentsBatch: payments posted in one transaction, where one of them fails (an account
// that does not exist), are each answered as if posted alone: the others post, in the order given
// within an account, the failing one writes nothing, and a payment posted before answers with its
// first receipt.
func TestPostPaymentsBatch(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a := f.account(accountSpec{No: "3100000001"})
		f.bill(billSpec{Account: a, Period: 202603, Due: "2026-04-15", Principal: 20000})
		b := f.account(accountSpec{No: "3100000002"})
		f.bill(billSpec{Account: b, Period: 202603, Due: "2026-04-15", Principal: 5000})
		core := newCore(db)
		pay := func(account, order string, amount billing.Money) store.Payment {
			return store.Payment{AccountNo: account, Channel: "wechat", OrderNo: order, Amount: amount, PaidOn: day("2026-04-25")}
		}
		first, err := core.PostPayment(t.Context(), pay("3100000002", "4200202604250000", 1000))
		if err != nil {
			t.Fatal(err)
		}
		results := core.PostPayments(t.Context(), []store.Payment{
			pay("3100000002", "4200202604250004", 2000),
			pay("3100000001", "4200202604250001", 10000),
			pay("3100009999", "4200202604250002", 10000), // no such account
			pay("3100000001", "4200202604250003", 5000),
			pay("3100000002", "4200202604250000", 1000), // posted before
		})
		for i, r := range results {
			switch {
			case i == 2:
				if !errors.Is(r.Err, billing.ErrNotFound) {
					t.Errorf("payment of an unknown account: %+v, want not found", r)
				}
			case r.Err != nil:
				t.Errorf("payment %d: %v", i, r.Err)
			}
		}
		if !reflect.DeepEqual(results[4].Receipt, first) {
			t.Errorf("the payment posted before answered\n %+v\nwant its first receipt\n %+v", results[4].Receipt, first)
		}
		// Within an account, in the order given: the first payment takes the fee and the older part.
		if r1, r3 := results[1].Receipt, results[3].Receipt; r1.Fee != 200 || r3.Fee != 0 || r1.No >= r3.No {
			t.Errorf("receipts of one account: %+v then %+v; want the first to take the late fee and the lower number", r1, r3)
		}
		// A batch where every payment posts is one transaction, by account and in the order given.
		again := core.PostPayments(t.Context(), []store.Payment{
			pay("3100000002", "4200202604250005", 100),
			pay("3100000001", "4200202604250006", 100),
			pay("3100000002", "4200202604250007", 100),
		})
		for i, r := range again {
			if r.Err != nil {
				t.Errorf("second batch, payment %d: %v", i, r.Err)
			}
		}
		if a6, b5, b7 := again[1].Receipt.No, again[0].Receipt.No, again[2].Receipt.No; !(a6 < b5 && b5 < b7) {
			t.Errorf("receipt numbers %s, %s, %s; want account 3100000001's first, then 3100000002's in the order given", b5, a6, b7)
		}
		if n := countRows(t, db, "receipts"); n != 7 {
			t.Errorf("%d receipts, want 7", n)
		}
		storetest.CheckBooks(t, db.DB)
	})
}
