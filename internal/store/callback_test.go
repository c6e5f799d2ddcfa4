package store_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

func TestMarkPaidFromCallback(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, _ := newOrderPortal(t, db)
		ctx := t.Context()
		a, _, err := p.CreateOrder(ctx, newOrder("GPW20261126000000000001", "3100000001", 10000))
		if err != nil {
			t.Fatal(err)
		}
		b, _, err := p.CreateOrder(ctx, newOrder("GPA20261126000000000002", "3100000002", 20000))
		if err != nil {
			t.Fatal(err)
		}
		cb := store.Callback{Provider: "wechat", ProviderTxnID: "4200001", OutTradeNo: a.OutTradeNo, Amount: 10000,
			PaidAt: time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC), Header: http.Header{"Wechatpay-Serial": {"X"}}, Body: []byte(`{"id":"raw"}`)}
		res, err := p.MarkPaidFromCallback(ctx, cb)
		if err != nil || res.Outcome != store.PaymentPaid || res.OutboxID == 0 || res.Order.Status != billing.OrderPaid {
			t.Fatalf("first delivery = %+v, %v", res, err)
		}
		again, err := p.MarkPaidFromCallback(ctx, cb)
		if err != nil || again.Outcome != store.PaymentDuplicate || again.OutboxID != 0 {
			t.Errorf("second delivery = %+v, %v; want a duplicate that writes nothing", again, err)
		}
		if seen, _ := p.CallbackSeen(ctx, "wechat", "4200001"); !seen {
			t.Error("the callback was not kept")
		}
		var bodies []string
		rows, err := db.QueryContext(ctx, `SELECT body FROM callbacks`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var body []byte
			if err := rows.Scan(&body); err != nil {
				t.Fatal(err)
			}
			bodies = append(bodies, string(body))
		}
		rows.Close()
		if len(bodies) != 1 || bodies[0] != `{"id":"raw"}` {
			t.Errorf("callbacks kept with bodies %q, want one with the raw body", bodies)
		}
		// The same provider transaction claimed for another order is a conflict, and nothing changes.
		other := cb
		other.OutTradeNo, other.Amount = b.OutTradeNo, 20000
		if _, err := p.MarkPaidFromCallback(ctx, other); !errors.Is(err, billing.ErrConflict) {
			t.Errorf("one transaction for two orders = %v, want ErrConflict", err)
		}
		if o, _ := p.OrderByID(ctx, b.ID); o.Status != billing.OrderCreated {
			t.Errorf("the other order became %s", o.Status)
		}
		// A provider reporting another channel's order is refused.
		wrong := cb
		wrong.Provider, wrong.ProviderTxnID = "alipay", "2026112622009"
		if _, err := p.MarkPaidFromCallback(ctx, wrong); !errors.Is(err, billing.ErrConflict) {
			t.Errorf("alipay reporting a wechat order = %v, want ErrConflict", err)
		}
		// An unknown order keeps no callback: the transaction is all or nothing.
		unknown := store.Callback{Provider: "wechat", ProviderTxnID: "4200009", OutTradeNo: "GPW29990101000000000009", Amount: 1,
			PaidAt: time.Now(), Body: []byte(`{}`)}
		if _, err := p.MarkPaidFromCallback(ctx, unknown); !errors.Is(err, billing.ErrNotFound) {
			t.Errorf("unknown order = %v, want ErrNotFound", err)
		}
		if seen, _ := p.CallbackSeen(ctx, "wechat", "4200009"); seen {
			t.Error("a callback for an unknown order was kept")
		}
		for _, bad := range []store.Callback{
			{Provider: "", ProviderTxnID: "1", OutTradeNo: a.OutTradeNo, Amount: 1, PaidAt: time.Now()},
			{Provider: "wechat", ProviderTxnID: "a b", OutTradeNo: a.OutTradeNo, Amount: 1, PaidAt: time.Now()},
			{Provider: "wechat", ProviderTxnID: "1", OutTradeNo: a.OutTradeNo, Amount: 1, PaidAt: time.Now(), Body: make([]byte, 65<<10)},
		} {
			if _, err := p.MarkPaidFromCallback(ctx, bad); !errors.Is(err, billing.ErrInvalid) {
				t.Errorf("MarkPaidFromCallback(%q, %q, %d bytes) = %v, want ErrInvalid", bad.Provider, bad.ProviderTxnID, len(bad.Body), err)
			}
		}
	})
}

// TestMarkCounterPaidConcurrently delivers one bank collection many times at once, as a bank that
// times out and retries does: each copy is answered as paid or as a duplicate of the one order, and
// one order, one callback and one outbox row are written. Copies that both looked before either
// committed must not end in a duplicate-key error (which the bank would see as "try again").
func TestMarkCounterPaidConcurrently(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, _ := newOrderPortal(t, db)
		const copies = 12
		results := make([]store.MarkPaidResult, copies)
		errs := make([]error, copies)
		atOnce(t, db, copies, func(i int) {
			o := store.NewOrder{OutTradeNo: fmt.Sprintf("GPB2026112600000000%04d", i), AccountNo: "3100000001",
				Channel: "bank", Amount: 12345, ExpiresAt: orderStart.Add(time.Hour)}
			cb := store.Callback{Provider: "bank", ProviderTxnID: "ABC20261126000042", Amount: 12345,
				PaidAt: orderStart, Header: http.Header{}, Body: []byte(`{"txn_id":"ABC20261126000042"}`)}
			results[i], errs[i] = p.MarkCounterPaid(t.Context(), o, cb)
		})
		paid := 0
		for i := range copies {
			if errs[i] != nil {
				t.Errorf("copy %d: %v", i, errs[i])
				continue
			}
			switch results[i].Outcome {
			case store.PaymentPaid:
				paid++
			case store.PaymentDuplicate:
			default:
				t.Errorf("copy %d: outcome %s", i, results[i].Outcome)
			}
			if results[i].Order.ID != results[0].Order.ID {
				t.Errorf("copy %d answered with order %d, copy 0 with %d", i, results[i].Order.ID, results[0].Order.ID)
			}
		}
		if paid != 1 {
			t.Errorf("%d copies marked paid, want 1", paid)
		}
		if got, want := countOrders(t, db), (orderCounts{orders: 1, events: 3, outbox: 1}); got != want {
			t.Errorf("rows %+v, want %+v", got, want)
		}
		if n := countRows(t, db, "callbacks"); n != 1 {
			t.Errorf("%d callbacks kept, want 1", n)
		}
	})
}
