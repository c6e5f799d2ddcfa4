package store_test

import (
	"errors"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

// The queue's age filter: disputes filed before a time, and nothing else.
func TestStaffDisputesFiledBefore(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, clock := newDisputeStore(t, db)
		ctx := t.Context()
		file := func() store.Dispute {
			d, err := p.FileDispute(ctx, store.NewDispute{Phone: "13800138000", AccountNo: "3100000001", Category: billing.DisputeFaultyMeter,
				Text: "电表不走字"})
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		old := file()
		clock.t = clock.t.Add(10 * 24 * time.Hour)
		fresh := file()
		list, total, err := p.StaffDisputes(ctx, store.DisputeQuery{FiledBefore: clock.t.Add(-7 * 24 * time.Hour)}, store.Page{})
		if err != nil || total != 1 || len(list) != 1 || list[0].ID != old.ID {
			t.Fatalf("filed over 7 days ago = %d of %d, %v; want only #%d", len(list), total, err, old.ID)
		}
		if _, total, err := p.StaffDisputes(ctx, store.DisputeQuery{}, store.Page{}); err != nil || total != 2 {
			t.Errorf("no age filter = %d, %v; want both (#%d too)", total, err, fresh.ID)
		}
		if _, _, err := p.StaffDisputes(ctx, store.DisputeQuery{FiledBefore: time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)}, store.Page{}); !errors.Is(err, billing.ErrInvalid) {
			t.Errorf("a filter of 1900: %v, want invalid", err)
		}
	})
}
