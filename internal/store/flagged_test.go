package store_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/staff"
	"gridpay/internal/store"
)

// financeStaff creates a finance staff member and returns the audit of their actions from an office
// address.
func financeStaff(t *testing.T, p *store.Portal) store.Audit {
	t.Helper()
	s, err := p.CreateStaff(t.Context(), store.NewStaff{Username: "qian.cai", DisplayName: "钱财", Role: staff.Finance,
		PasswordHash: staffHash}, cliAudit)
	if err != nil {
		t.Fatal(err)
	}
	return store.Audit{StaffID: s.ID, ClientAddr: "10.1.2.3:51234"}
}

// flaggedOrders makes one flagged order of each kind: a wrong amount, money after close, a wrong
// amount with another transaction kept against it, and one flagged before any money came.
func flaggedOrders(t *testing.T, p *store.Portal, clock *orderClock) (mismatch, afterClose, conflicting, noMoney store.Order) {
	t.Helper()
	ctx := t.Context()
	mismatch = mustCreate(t, p, orderAt(clock, "GPW20261126160000000000000001", "3100000001", phonePayer, "wechat", 10000))
	if res, err := p.MarkPaid(ctx, mismatch.OutTradeNo, "4200000001", 9000, clock.now()); err != nil || res.Outcome != store.PaymentFlagged {
		t.Fatalf("MarkPaid of another amount = %+v, %v", res, err)
	}
	clock.advance(time.Minute)
	afterClose = mustCreate(t, p, orderAt(clock, "GPW20261126160000000000000002", "3100000002", phonePayer, "wechat", 20000))
	mustMove(t, p, afterClose.ID, billing.OrderCreated, billing.OrderClosed, nil)
	if res, err := p.MarkPaid(ctx, afterClose.OutTradeNo, "4200000002", 20000, clock.now()); err != nil || res.OutboxID == 0 {
		t.Fatalf("MarkPaid after close = %+v, %v", res, err)
	}
	clock.advance(time.Minute)
	conflicting = mustCreate(t, p, orderAt(clock, "GPW20261126160000000000000003", "3100000003", phonePayer, "wechat", 30000))
	cb := store.Callback{Provider: "wechat", ProviderTxnID: "4200000003", OutTradeNo: conflicting.OutTradeNo, Amount: 3000,
		PaidAt: clock.now(), Header: http.Header{}, Body: []byte(`{"n":1}`)}
	if res, err := p.MarkPaidFromCallback(ctx, cb); err != nil || res.Outcome != store.PaymentFlagged {
		t.Fatalf("a callback of another amount = %+v, %v", res, err)
	}
	cb.ProviderTxnID, cb.Body = "4200000004", []byte(`{"n":2}`)
	if res, err := p.MarkPaidFromCallback(ctx, cb); err != nil || res.Outcome != store.PaymentConflict {
		t.Fatalf("a second transaction for the order = %+v, %v", res, err)
	}
	clock.advance(time.Minute)
	noMoney = mustCreate(t, p, orderAt(clock, "GPW20261126160000000000000004", "3100000004", phonePayer, "wechat", 40000))
	if _, err := p.MoveOrder(ctx, noMoney.ID, billing.OrderCreated, billing.OrderFlagged, "the customer reported a stolen phone", nil); err != nil {
		t.Fatal(err)
	}
	return mismatch, afterClose, conflicting, noMoney
}

func TestFlaggedOrders(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, clock := newOrderPortal(t, db)
		ctx := t.Context()
		mismatch, afterClose, conflicting, noMoney := flaggedOrders(t, p, clock)
		mustCreate(t, p, orderAt(clock, "GPW20261126160000000000000005", "3100000005", phonePayer, "wechat", 500)) // not flagged

		got, total, err := p.FlaggedOrders(ctx, store.Page{})
		if err != nil || total != 4 || len(got) != 4 {
			t.Fatalf("FlaggedOrders = %d of %d, %v; want 4", len(got), total, err)
		}
		want := []struct {
			order     store.Order
			reason    string
			detail    string
			flaggedAt time.Time
			conflicts int
		}{
			{noMoney, store.ReasonOther, "the customer reported a stolen phone", orderStart.Add(3 * time.Minute), 0},
			{conflicting, store.ReasonConflictingTxn, "amount mismatch: order of 300.00, paid 30.00", orderStart.Add(2 * time.Minute), 1},
			{afterClose, store.ReasonPaidAfterClose, "paid after the order was closed: credited", orderStart.Add(time.Minute), 0},
			{mismatch, store.ReasonAmountMismatch, "amount mismatch: order of 100.00, paid 90.00", orderStart, 0},
		}
		for i, w := range want {
			g := got[i]
			if g.Order.ID != w.order.ID || g.Order.Status != billing.OrderFlagged || g.Reason != w.reason || g.Detail != w.detail ||
				!g.FlaggedAt.Equal(w.flaggedAt) || g.Conflicts != w.conflicts {
				t.Errorf("flagged order %d = %+v, reason %q, %q at %s, %d conflicts; want order %d, %q, %q at %s, %d", i, g.Order, g.Reason,
					g.Detail, g.FlaggedAt, g.Conflicts, w.order.ID, w.reason, w.detail, w.flaggedAt, w.conflicts)
			}
		}
		if got[3].Order.PaidAmount != 9000 || got[3].Order.ProviderTxnID != "4200000001" {
			t.Errorf("the mismatched order = %+v, want what the provider reported", got[3].Order)
		}
		page, total, err := p.FlaggedOrders(ctx, store.Page{Limit: 2, Offset: 2})
		if err != nil || total != 4 || len(page) != 2 || page[0].Order.ID != afterClose.ID || page[1].Order.ID != mismatch.ID {
			t.Errorf("FlaggedOrders' second page of two = %+v of %d, %v", page, total, err)
		}
	})
}

// resolveCounts is what a resolution writes.
type resolveCounts struct{ events, outbox, unacked, audit int64 }

func countResolve(t *testing.T, db *store.DB) resolveCounts {
	t.Helper()
	return resolveCounts{countRows(t, db, "payment_events"), countRows(t, db, "outbox"),
		queryInt(t, db, "SELECT COUNT(*) FROM outbox WHERE acked_at IS NULL"), countRows(t, db, "staff_audit")}
}

func TestResolveFlagged(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, clock := newOrderPortal(t, db)
		ctx := t.Context()
		finance := financeStaff(t, p)
		mismatch, afterClose, conflicting, noMoney := flaggedOrders(t, p, clock)
		// The worker left the money paid after close to staff (posting failed for good, say): its
		// outbox row is acknowledged.
		items, err := p.UnackedOutbox(ctx, clock.now().Add(time.Hour), 10)
		if err != nil || len(items) != 1 || items[0].OrderID != afterClose.ID {
			t.Fatalf("UnackedOutbox = %+v, %v; want the order paid after close", items, err)
		}
		if err := p.AckOutbox(ctx, items[0].ID); err != nil {
			t.Fatal(err)
		}
		clock.advance(time.Hour)

		for _, tc := range []struct {
			name    string
			order   store.Order
			r       store.FlagResolution
			note    string
			want    error
			status  billing.OrderStatus
			unacked int64 // outbox rows waiting afterwards
		}{
			{"closing an order that received money", mismatch, store.FlagClose, "no", billing.ErrConflict, billing.OrderFlagged, 0},
			{"posting an order that received none", noMoney, store.FlagPost, "no", billing.ErrConflict, billing.OrderFlagged, 0},
			{"refunding an order that received none", noMoney, store.FlagRefundOffline, "no", billing.ErrConflict, billing.OrderFlagged, 0},
			{"a refund through the provider", mismatch, "refund", "no", billing.ErrInvalid, billing.OrderFlagged, 0},
			{"a blank note", mismatch, store.FlagPost, " \n", billing.ErrInvalid, billing.OrderFlagged, 0},
			{"a note with a control character", mismatch, store.FlagPost, "ok\x00", billing.ErrInvalid, billing.OrderFlagged, 0},
			{"post the wrong amount", mismatch, store.FlagPost, "客户确认少付 10 元，按实收入账", nil, billing.OrderPaid, 1},
			{"post again", mismatch, store.FlagPost, "again", billing.ErrConflict, billing.OrderPaid, 1},
			{"post money paid after close", afterClose, store.FlagPost, "posting failed; try again", nil, billing.OrderPaid, 2},
			{"refund offline", conflicting, store.FlagRefundOffline, "refunded at the Chengguan counter", nil, billing.OrderClosed, 2},
			{"close an order without money", noMoney, store.FlagClose, "the phone was found", nil, billing.OrderClosed, 2},
			{"close again", noMoney, store.FlagClose, "again", billing.ErrConflict, billing.OrderClosed, 2},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := countResolve(t, db)
				got, err := p.ResolveFlagged(ctx, tc.order.ID, tc.r, tc.note, finance)
				after := countResolve(t, db)
				if o := orderByID(t, p, tc.order.ID); o.Status != tc.status {
					t.Errorf("order is %s, want %s", o.Status, tc.status)
				}
				if after.unacked != tc.unacked {
					t.Errorf("%d outbox rows wait, want %d", after.unacked, tc.unacked)
				}
				if tc.want != nil {
					if !errors.Is(err, tc.want) || got.ID != 0 {
						t.Errorf("ResolveFlagged = %+v, %v; want %v", got, err, tc.want)
					}
					if after != before {
						t.Errorf("rows %+v -> %+v, want nothing written", before, after)
					}
					return
				}
				if err != nil || got.ID != tc.order.ID || got.Status != tc.status || !got.UpdatedAt.Equal(clock.now()) {
					t.Fatalf("ResolveFlagged = %+v, %v; want the order %s", got, err, tc.status)
				}
				if after.events != before.events+1 || after.audit != before.audit+1 || after.outbox > before.outbox+1 {
					t.Errorf("rows %+v -> %+v, want one event and one audit row", before, after)
				}
				entries, _, err := p.AuditLog(ctx, store.AuditFilter{StaffID: finance.StaffID, Action: "payment.resolve"}, store.Page{Limit: 1})
				if err != nil || len(entries) != 1 {
					t.Fatalf("AuditLog = %+v, %v", entries, err)
				}
				e := entries[0]
				var b, a map[string]any
				if err := errors.Join(json.Unmarshal([]byte(e.Before), &b), json.Unmarshal([]byte(e.After), &a)); err != nil {
					t.Fatal(err)
				}
				if e.Target != "order:"+tc.order.OutTradeNo || e.Reason != tc.note || e.ClientAddr != "10.1.2.3:51234" ||
					b["status"] != "FLAGGED" || a["status"] != string(tc.status) || a["out_trade_no"] != tc.order.OutTradeNo {
					t.Errorf("audit row = %+v", e)
				}
				o := orderByID(t, p, tc.order.ID)
				last := o.Events[len(o.Events)-1]
				if last.From != billing.OrderFlagged || last.To != tc.status || !last.At.Equal(clock.now()) {
					t.Errorf("last event = %+v", last)
				}
			})
		}
		// Posting queued the worker's task as a callback does: the sweeper finds both rows.
		items, err = p.UnackedOutbox(ctx, clock.now().Add(time.Minute), 10)
		if err != nil || len(items) != 2 || items[0].OrderID == items[1].OrderID {
			t.Errorf("UnackedOutbox = %+v, %v; want the two posted orders", items, err)
		}
		for _, it := range items {
			if it.OrderID != mismatch.ID && it.OrderID != afterClose.ID || it.Attempts != 0 {
				t.Errorf("outbox row %+v", it)
			}
		}
		if _, err := p.ResolveFlagged(ctx, 99999, store.FlagPost, "no such order", finance); !errors.Is(err, billing.ErrNotFound) {
			t.Errorf("ResolveFlagged of no order = %v, want ErrNotFound", err)
		}
		if list, total, err := p.FlaggedOrders(ctx, store.Page{}); err != nil || total != 0 || len(list) != 0 {
			t.Errorf("FlaggedOrders after every decision = %+v of %d, %v", list, total, err)
		}
	})
}
