package store_test

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

// TestInFlightAccounts checks the batch question against InFlight's, which follows billing's rule,
// for an order in every status, and over a whole batch.
func TestInFlightAccounts(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, _ := newOrderPortal(t, db)
		ctx := t.Context()
		var nos []string
		for _, o := range ordersInEveryStatus(t, p) {
			nos = append(nos, o.AccountNo)
		}
		// Paid after close: FLAGGED with its money.
		c := mustCreate(t, p, newOrder("GPW20261126160000000000009999", "3100000999", 17500))
		mustMove(t, p, c.ID, billing.OrderCreated, billing.OrderClosed, nil)
		if _, err := p.MarkPaid(ctx, c.OutTradeNo, "4200000001202611269999", 17500, orderStart); err != nil {
			t.Fatal(err)
		}
		nos = append(nos, "3100000999", "3100000998") // the last has no order at all
		got, err := p.InFlightAccounts(ctx, nos)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{}
		for _, no := range nos {
			one, err := p.InFlight(ctx, no)
			if err != nil {
				t.Fatal(err)
			}
			if one {
				want[no] = true
			}
		}
		if len(want) != 2 || !reflect.DeepEqual(got, want) {
			t.Errorf("InFlightAccounts = %v; InFlight one by one says %v (want PAID and FLAGGED with money)", got, want)
		}

		t.Run("a whole batch", func(t *testing.T) {
			batch := make([]string, store.MaxArrearsBatch)
			for i := range batch {
				batch[i] = fmt.Sprintf("32%08d", i)
			}
			want := map[string]bool{}
			// Either side of where a long IN list is cut.
			for _, i := range []int{0, 511, 512, 999} {
				o := mustCreate(t, p, newOrder(fmt.Sprintf("GPW2026112616000000000001%04d", i), batch[i], 100))
				mustMove(t, p, o.ID, billing.OrderCreated, billing.OrderPending, func(u *store.OrderUpdate) { u.CodeURL = "weixin://x" })
				if _, err := p.MarkPaid(ctx, o.OutTradeNo, fmt.Sprintf("42000000012026112601%04d", i), 100, orderStart); err != nil {
					t.Fatal(err)
				}
				want[batch[i]] = true
			}
			got, err := p.InFlightAccounts(ctx, batch)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("InFlightAccounts of %d accounts = %v, %v; want %v", len(batch), got, err, want)
			}
		})

		for _, tc := range []struct {
			name string
			nos  []string
		}{
			{"a hostile number", []string{"3100000101", "3100000101' OR '1'='1"}},
			{"a short number", []string{"310000010"}},
			{"a number not UTF-8", []string{"310000010\xff"}},
			{"more than a batch", make([]string, store.MaxArrearsBatch+1)},
		} {
			if got, err := p.InFlightAccounts(ctx, tc.nos); !errors.Is(err, billing.ErrInvalid) {
				t.Errorf("%s: InFlightAccounts = %v, %v; want ErrInvalid", tc.name, got, err)
			}
		}
		if got, err := p.InFlightAccounts(ctx, nil); err != nil || got == nil || len(got) != 0 {
			t.Errorf("InFlightAccounts of none = %#v, %v; want an empty map", got, err)
		}
	})
}

func TestOpenDisputes(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, _ := newDisputeStore(t, db)
		ctx := t.Context()
		file := func(no string, bill int64, status store.DisputeStatus) {
			t.Helper()
			d := store.NewDispute{Phone: "13800138000", AccountNo: no, Category: store.DisputeReadingAmount, Text: "读数不对"}
			if bill > 0 {
				d.BillID, d.BillPeriod = bill, 202610
			} else {
				d.Category = store.DisputeNotCredited
			}
			filed, err := p.FileDispute(ctx, d)
			if err != nil {
				t.Fatal(err)
			}
			// Through review, as staff take a dispute, unless it is closed as it stands.
			path := []store.DisputeStatus{store.DisputeInReview, status}
			switch status {
			case store.DisputeOpen:
				path = nil
			case store.DisputeInReview, store.DisputeClosed:
				path = []store.DisputeStatus{status}
			case store.DisputeFollowUp:
				path = []store.DisputeStatus{store.DisputeInReview, store.DisputeRejected, status}
			}
			for _, to := range path {
				if _, err := p.AddStaffReply(ctx, filed.ID, "处理中", to); err != nil {
					t.Fatalf("move dispute to %s: %v", to, err)
				}
			}
		}
		file("3100000001", 42, store.DisputeOpen)
		file("3100000001", 7, store.DisputeInReview)
		file("3100000001", 42, store.DisputeInReview) // the same bill twice
		file("3100000001", 9, store.DisputeRejected)  // settled: holds nothing back
		file("3100000002", 0, store.DisputeOpen)      // about the account as a whole
		file("3100000002", 11, store.DisputeOpen)
		file("3100000003", 0, store.DisputeClosed)
		file("3100000003", 12, store.DisputeAdjusted)
		file("3100000004", 0, store.DisputeInReview)
		file("3100000005", 13, store.DisputeAwaitingApproval) // a settlement waits for a supervisor: still open
		file("3100000005", 14, store.DisputeFollowUp)         // settled, being followed up: holds nothing back

		got, err := p.OpenDisputes(ctx, []string{"3100000001", "3100000002", "3100000003", "3100000004", "3100000005"})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]store.DisputedBills{
			"3100000001": {Bills: []int64{7, 42}},
			"3100000002": {Bills: []int64{11}, Account: true},
			"3100000004": {Account: true},
			"3100000005": {Bills: []int64{13}},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("OpenDisputes =\n %+v\nwant\n %+v", got, want)
		}

		t.Run("open is billing's rule", func(t *testing.T) {
			for _, s := range billing.DisputeStatuses() {
				if s.Open() != (s == store.DisputeOpen || s == store.DisputeInReview || s == store.DisputeAwaitingApproval) {
					t.Fatalf("billing's open statuses changed (%s): update this test's disputes", s)
				}
			}
		})

		t.Run("a whole batch", func(t *testing.T) {
			batch := make([]string, store.MaxArrearsBatch)
			for i := range batch {
				batch[i] = fmt.Sprintf("32%08d", i)
			}
			want := map[string]store.DisputedBills{}
			for _, i := range []int{0, 511, 512, 999} {
				file(batch[i], int64(i+1), store.DisputeOpen)
				want[batch[i]] = store.DisputedBills{Bills: []int64{int64(i + 1)}}
			}
			got, err := p.OpenDisputes(ctx, batch)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("OpenDisputes of %d accounts = %+v, %v; want %+v", len(batch), got, err, want)
			}
		})

		for _, tc := range []struct {
			name string
			nos  []string
		}{
			{"a hostile number", []string{"3100000001", "3100000001') OR ('1'='1"}},
			{"an empty number", []string{""}},
			{"more than a batch", make([]string, store.MaxArrearsBatch+1)},
		} {
			if got, err := p.OpenDisputes(ctx, tc.nos); !errors.Is(err, billing.ErrInvalid) {
				t.Errorf("%s: OpenDisputes = %v, %v; want ErrInvalid", tc.name, got, err)
			}
		}
		if got, err := p.OpenDisputes(ctx, nil); err != nil || got == nil || len(got) != 0 {
			t.Errorf("OpenDisputes of none = %#v, %v; want an empty map", got, err)
		}
	})
}
