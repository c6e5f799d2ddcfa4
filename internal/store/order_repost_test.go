package store_test

import (
	"errors"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

func TestRequeuePosting(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, clock := newOrderPortal(t, db)
		ctx := t.Context()
		finance := financeStaff(t, p)
		paid, outboxID := paidOrder(t, p, clock.now(), 1)
		if err := p.AckOutbox(ctx, outboxID); err != nil {
			t.Fatal(err)
		}
		posted, postedBox := paidOrder(t, p, clock.now(), 2)
		if _, err := p.MoveOrder(ctx, posted, billing.OrderPaid, billing.OrderPosted, "posted as R1",
			func(u *store.OrderUpdate) { u.PostedReceiptNo = "R1" }); err != nil {
			t.Fatal(err)
		}
		if err := p.AckOutbox(ctx, postedBox); err != nil {
			t.Fatal(err)
		}
		clock.advance(time.Hour)
		for _, tc := range []struct {
			name    string
			order   int64
			audit   store.Audit
			want    error
			unacked int64
		}{
			{"a posted order", posted, finance, billing.ErrConflict, 0},
			{"a missing order", 999999, finance, billing.ErrNotFound, 0},
			{"an audit without an address", paid, store.Audit{StaffID: finance.StaffID}, billing.ErrInvalid, 0},
			{"a paid order whose posting stuck", paid, finance, nil, 1},
			{"the same again", paid, finance, nil, 1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				audits := countRows(t, db, "staff_audit")
				got, err := p.RequeuePosting(ctx, tc.order, tc.audit)
				unacked := queryInt(t, db, "SELECT COUNT(*) FROM outbox WHERE acked_at IS NULL")
				if unacked != tc.unacked {
					t.Errorf("%d outbox rows wait, want %d", unacked, tc.unacked)
				}
				if tc.want != nil {
					if !errors.Is(err, tc.want) || got != 0 {
						t.Errorf("RequeuePosting = %d, %v; want %v", got, err, tc.want)
					}
					if n := countRows(t, db, "staff_audit"); n != audits {
						t.Errorf("%d audit rows -> %d, want none written", audits, n)
					}
					return
				}
				if err != nil || got != outboxID {
					t.Fatalf("RequeuePosting = %d, %v; want the order's outbox row %d", got, err, outboxID)
				}
				entries, _, err := p.AuditLog(ctx, store.AuditFilter{Action: "payment.repost"}, store.Page{Limit: 1})
				if err != nil || len(entries) != 1 || entries[0].StaffID != finance.StaffID || entries[0].Target == "" {
					t.Fatalf("AuditLog = %+v, %v", entries, err)
				}
				items, err := p.UnackedOutbox(ctx, clock.now().Add(time.Second), 10)
				if err != nil || len(items) != 1 || items[0].ID != outboxID || items[0].Attempts != 0 {
					t.Errorf("UnackedOutbox = %+v, %v; want the order's row, armed again", items, err)
				}
			})
		}
	})
}
