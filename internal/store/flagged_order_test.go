package store_test

import (
	"errors"
	"testing"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

func TestFlaggedOrderByID(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, clock := newOrderPortal(t, db)
		mismatch, _, conflicting, _ := flaggedOrders(t, p, clock)
		open := mustCreate(t, p, orderAt(clock, "GPW20261126160000000000000005", "3100000005", phonePayer, "wechat", 500))
		for _, tc := range []struct {
			name      string
			id        int64
			reason    string
			conflicts int
			want      error
		}{
			{"a wrong amount", mismatch.ID, store.ReasonAmountMismatch, 0, nil},
			{"a conflicting transaction", conflicting.ID, store.ReasonConflictingTxn, 1, nil},
			{"an order not flagged", open.ID, "", 0, billing.ErrConflict},
			{"no such order", 999999, "", 0, billing.ErrNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f, err := p.FlaggedOrderByID(t.Context(), tc.id)
				if tc.want != nil {
					if !errors.Is(err, tc.want) || f.Order.ID != 0 {
						t.Errorf("FlaggedOrderByID = %+v, %v; want %v", f, err, tc.want)
					}
					return
				}
				if err != nil || f.Order.ID != tc.id || f.Reason != tc.reason || f.Conflicts != tc.conflicts || f.Detail == "" {
					t.Errorf("FlaggedOrderByID = %+v, %v; want %s with %d conflicts", f, err, tc.reason, tc.conflicts)
				}
			})
		}
	})
}
