package store_test

import (
	"reflect"
	"testing"

	"gridpay/internal/store"
)

func TestReceipts(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		acc := f.account(accountSpec{No: "3100000001"})
		f.bill(billSpec{Account: acc, Period: 202602, Due: "2026-03-20", Principal: 20000})
		other := f.account(accountSpec{No: "3100000002"})
		empty := f.account(accountSpec{No: "3100000003"})
		core := newCore(db)

		// Posted out of date order, and two on one day: the list goes by payment date, then by
		// posting order, newest first.
		post := func(p store.Payment) store.Receipt {
			t.Helper()
			r, err := core.PostPayment(t.Context(), p)
			if err != nil {
				t.Fatalf("PostPayment %s: %v", p.OrderNo, err)
			}
			r.Allocations = nil // a list leaves them out
			return r
		}
		w1 := post(store.Payment{AccountNo: "3100000001", Channel: "wechat", OrderNo: "W1", Amount: 5000, PaidOn: day("2026-03-01")})
		c1 := post(store.Payment{AccountNo: "3100000001", Channel: "counter", OrderNo: "C1", Amount: 100000, PaidOn: day("2026-05-05")})
		a1 := post(store.Payment{AccountNo: "3100000001", Channel: "alipay", OrderNo: "A1", Amount: 3000, PaidOn: day("2026-04-20")})
		b1 := post(store.Payment{AccountNo: "3100000001", Channel: "bank", OrderNo: "B1", Amount: 2000, PaidOn: day("2026-03-01")})
		o1 := post(store.Payment{AccountNo: "3100000002", Channel: "wechat", OrderNo: "O1", Amount: 7000, PaidOn: day("2026-06-01")})
		if c1.Fee == 0 || c1.Prepaid == 0 {
			t.Fatalf("the counter payment should settle a late fee and leave prepaid: %+v", c1)
		}

		tests := []struct {
			name      string
			account   int64
			page      store.Page
			want      []store.Receipt
			wantTotal int
		}{
			{"all, newest first", acc, store.Page{Limit: 10}, []store.Receipt{c1, a1, b1, w1}, 4},
			{"first page", acc, store.Page{Limit: 2}, []store.Receipt{c1, a1}, 4},
			{"second page", acc, store.Page{Limit: 2, Offset: 2}, []store.Receipt{b1, w1}, 4},
			{"past the end", acc, store.Page{Limit: 2, Offset: 4}, []store.Receipt{}, 4},
			{"no limit means 24", acc, store.Page{}, []store.Receipt{c1, a1, b1, w1}, 4},
			{"negative offset means the start", acc, store.Page{Limit: 1, Offset: -5}, []store.Receipt{c1}, 4},
			{"another account's receipts only", other, store.Page{Limit: 10}, []store.Receipt{o1}, 1},
			{"an account without payments", empty, store.Page{Limit: 10}, []store.Receipt{}, 0},
			{"no such account", 999999, store.Page{Limit: 10}, []store.Receipt{}, 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, total, err := core.Receipts(t.Context(), tt.account, tt.page)
				if err != nil {
					t.Fatalf("Receipts: %v", err)
				}
				if total != tt.wantTotal {
					t.Errorf("total = %d, want %d", total, tt.wantTotal)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("Receipts(%+v) =\n %+v\nwant\n %+v", tt.page, got, tt.want)
				}
			})
		}
	})
}
