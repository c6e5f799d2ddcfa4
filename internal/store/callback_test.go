package store_test

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
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
		// The same provider transaction claimed for another order is a conflict kept for staff, and
		// nothing else changes.
		other := cb
		other.OutTradeNo, other.Amount = b.OutTradeNo, 20000
		if res, err := p.MarkPaidFromCallback(ctx, other); err != nil || res.Outcome != store.PaymentConflict || res.OutboxID != 0 {
			t.Errorf("one transaction for two orders = %+v, %v; want a conflict for staff", res, err)
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

// TestCallbackConflicts: the same provider transaction reported again with another amount, order
// or account is never dropped as a duplicate nor posted: it is kept for staff (once, however often
// it comes), and the first payment stands. The same transaction with the same amount stays a
// duplicate that writes nothing.
func TestCallbackConflicts(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, _ := newOrderPortal(t, db)
		ctx := t.Context()
		a, _, err := p.CreateOrder(ctx, newOrder("GPW20261126000000000011", "3100000001", 5000))
		if err != nil {
			t.Fatal(err)
		}
		b, _, err := p.CreateOrder(ctx, newOrder("GPW20261126000000000012", "3100000002", 5000))
		if err != nil {
			t.Fatal(err)
		}
		paidAt := time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)
		wx := store.Callback{Provider: "wechat", ProviderTxnID: "4200011", OutTradeNo: a.OutTradeNo, Amount: 5000,
			PaidAt: paidAt, Header: http.Header{}, Body: []byte(`{"id":"first"}`)}
		if res, err := p.MarkPaidFromCallback(ctx, wx); err != nil || res.Outcome != store.PaymentPaid {
			t.Fatalf("first = %+v, %v", res, err)
		}
		counter := func(no string) store.NewOrder {
			return store.NewOrder{OutTradeNo: no, AccountNo: "3100000001", Channel: "bank", Amount: 5000, ExpiresAt: orderStart.Add(time.Hour)}
		}
		bk := store.Callback{Provider: "bank", ProviderTxnID: "ABC1", AccountNo: "3100000001", Amount: 5000, PaidAt: paidAt,
			Header: http.Header{}, Body: []byte(`{"txn_id":"ABC1","amount_fen":5000}`)}
		if res, err := p.MarkCounterPaid(ctx, counter("GPB20261126000000000001"), bk); err != nil || res.Outcome != store.PaymentPaid {
			t.Fatalf("first collection = %+v, %v", res, err)
		}
		c, _, err := p.CreateOrder(ctx, newOrder("GPW20261126000000000013", "3100000003", 5000))
		if err != nil {
			t.Fatal(err)
		}
		var outboxBefore int64 // a case that pays an order first counts from there
		with := func(cb store.Callback, change func(*store.Callback)) store.Callback {
			cb.Body = append([]byte(nil), cb.Body...)
			change(&cb)
			return cb
		}
		for _, tc := range []struct {
			name string
			mark func() (store.MarkPaidResult, error)
			want store.PaymentOutcome
			kind store.ConflictKind
		}{
			{"wechat, same amount: a duplicate", func() (store.MarkPaidResult, error) { return p.MarkPaidFromCallback(ctx, wx) },
				store.PaymentDuplicate, ""},
			{"wechat, another amount", func() (store.MarkPaidResult, error) {
				return p.MarkPaidFromCallback(ctx, with(wx, func(c *store.Callback) { c.Amount, c.Body = 7000, []byte(`{"id":"7000"}`) }))
			}, store.PaymentConflict, store.ConflictAmount},
			{"wechat, another amount again: kept once", func() (store.MarkPaidResult, error) {
				return p.MarkPaidFromCallback(ctx, with(wx, func(c *store.Callback) { c.Amount, c.Body = 7000, []byte(`{"id":"7000"}`) }))
			}, store.PaymentConflict, ""},
			{"wechat, another order", func() (store.MarkPaidResult, error) {
				return p.MarkPaidFromCallback(ctx, with(wx, func(c *store.Callback) { c.OutTradeNo = b.OutTradeNo }))
			}, store.PaymentConflict, store.ConflictOrder},
			{"wechat, another transaction for the paid order", func() (store.MarkPaidResult, error) {
				return p.MarkPaidFromCallback(ctx, with(wx, func(c *store.Callback) { c.ProviderTxnID = "4200099" }))
			}, store.PaymentConflict, store.ConflictPaidTwice},
			{"wechat, paid by a query, then called back with another amount", func() (store.MarkPaidResult, error) {
				if _, err := p.MarkPaid(ctx, c.OutTradeNo, "4200077", 5000, paidAt); err != nil {
					return store.MarkPaidResult{}, err
				}
				outboxBefore = countRows(t, db, "outbox")
				return p.MarkPaidFromCallback(ctx, with(wx, func(cb *store.Callback) { cb.OutTradeNo, cb.ProviderTxnID, cb.Amount = c.OutTradeNo, "4200077", 7000 }))
			}, store.PaymentConflict, store.ConflictAmount},
			{"wechat, paid by a query, then called back alike: a duplicate", func() (store.MarkPaidResult, error) {
				return p.MarkPaidFromCallback(ctx, with(wx, func(cb *store.Callback) { cb.OutTradeNo, cb.ProviderTxnID = c.OutTradeNo, "4200077" }))
			}, store.PaymentDuplicate, ""},
			{"bank, same amount: a duplicate", func() (store.MarkPaidResult, error) {
				return p.MarkCounterPaid(ctx, counter("GPB20261126000000000002"), bk)
			}, store.PaymentDuplicate, ""},
			{"bank, 5000 then 7000", func() (store.MarkPaidResult, error) {
				return p.MarkCounterPaid(ctx, counter("GPB20261126000000000003"), with(bk, func(c *store.Callback) { c.Amount = 7000 }))
			}, store.PaymentConflict, store.ConflictAmount},
			{"bank, another account", func() (store.MarkPaidResult, error) {
				o := counter("GPB20261126000000000004")
				o.AccountNo = "3100000002"
				return p.MarkCounterPaid(ctx, o, with(bk, func(c *store.Callback) { c.AccountNo = "3100000002" }))
			}, store.PaymentConflict, store.ConflictAccount},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before, _ := p.CallbackConflicts(ctx, 0)
				outboxBefore = countRows(t, db, "outbox")
				res, err := tc.mark()
				outbox := outboxBefore
				if err != nil || res.Outcome != tc.want || res.OutboxID != 0 {
					t.Fatalf("= %+v, %v; want %s writing no outbox row", res, err, tc.want)
				}
				after, err := p.CallbackConflicts(ctx, 0)
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case tc.kind == "" && len(after) != len(before):
					t.Errorf("conflicts %d -> %d, want none new", len(before), len(after))
				case tc.kind != "" && (len(after) != len(before)+1 || after[0].Kind != tc.kind):
					t.Errorf("conflicts %+v, want a new one of kind %s first", after, tc.kind)
				}
				if n := countRows(t, db, "outbox"); n != outbox {
					t.Errorf("outbox %d -> %d rows", outbox, n)
				}
			})
		}
		// What staff see: the second report as it came, beside the order the first was kept for.
		all, err := p.CallbackConflicts(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		var amount *store.CallbackConflict
		for i := range all {
			if all[i].Provider == "bank" && all[i].Kind == store.ConflictAmount {
				amount = &all[i]
			}
		}
		if amount == nil || amount.Amount != 7000 || amount.AccountNo != "3100000001" || amount.ProviderTxnID != "ABC1" ||
			amount.KeptOutTradeNo != "GPB20261126000000000001" || string(amount.Body) != `{"txn_id":"ABC1","amount_fen":5000}` {
			t.Errorf("bank amount conflict = %+v", amount)
		}
		if o, _ := p.OrderByID(ctx, a.ID); o.Status != billing.OrderPaid || o.PaidAmount != 5000 {
			t.Errorf("the first order is %s paid %s, want PAID 5000", o.Status, o.PaidAmount)
		}
		if o, _ := p.OrderByID(ctx, b.ID); o.Status != billing.OrderCreated {
			t.Errorf("the other order became %s", o.Status)
		}
		if n := countRows(t, db, "payment_orders"); n != 4 {
			t.Errorf("%d orders, want 4: a conflict makes none", n)
		}

		// A bank collection for an account that does not exist is kept for staff too.
		unknown := store.Callback{Provider: "bank", ProviderTxnID: "ABC9", AccountNo: "3199999999", Amount: 500, PaidAt: paidAt,
			Header: http.Header{"X-Bank-Timestamp": {"1"}}, Body: []byte(`{"txn_id":"ABC9"}`)}
		for range 2 {
			if err := p.RecordUnknownAccount(ctx, unknown); err != nil {
				t.Fatal(err)
			}
		}
		all, _ = p.CallbackConflicts(ctx, 0)
		if len(all) == 0 || all[0].Kind != store.ConflictUnknownAccount || all[0].AccountNo != "3199999999" || all[0].Amount != 500 ||
			(len(all) > 1 && all[1].Kind == store.ConflictUnknownAccount) {
			t.Errorf("conflicts %+v, want the unknown account once, newest first", all)
		}
		if err := p.RecordUnknownAccount(ctx, store.Callback{Provider: "bank", ProviderTxnID: "a b"}); !errors.Is(err, billing.ErrInvalid) {
			t.Errorf("a bad transaction id = %v, want ErrInvalid", err)
		}
	})
}

// TestCallbackText: a callback's text as people read it (an Alipay notification in GBK, decoded)
// is kept beside the body as it arrived.
func TestCallbackText(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, _ := newOrderPortal(t, db)
		ctx := t.Context()
		no := newOrder("GPA20261126000000000021", "3100000001", 5000)
		no.Channel = "alipay"
		a, _, err := p.CreateOrder(ctx, no)
		if err != nil {
			t.Fatal(err)
		}
		cb := store.Callback{Provider: "alipay", ProviderTxnID: "2026112622001", OutTradeNo: a.OutTradeNo, Amount: 5000,
			PaidAt: time.Now(), Header: http.Header{}, Body: []byte("subject=%B5%E7%B7%D1"), Text: `{"subject":"电费缴纳"}`}
		if _, err := p.MarkPaidFromCallback(ctx, cb); err != nil {
			t.Fatal(err)
		}
		var body []byte
		var text string
		if err := db.QueryRowContext(ctx, `SELECT body, body_text FROM callbacks`).Scan(&body, &text); err != nil {
			t.Fatal(err)
		}
		if string(body) != "subject=%B5%E7%B7%D1" || text != `{"subject":"电费缴纳"}` {
			t.Errorf("kept %q with text %q", body, text)
		}
	})
}

// TestMarkPaidFromCallbacksBatch: callbacks taken in one transaction, where one of them fails (an
// unknown order), are each answered as if alone: the others are taken, the failing one writes
// nothing, and a copy of a transaction within the batch is a duplicate of the first.
func TestMarkPaidFromCallbacksBatch(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, clock := newOrderPortal(t, db)
		ctx := t.Context()
		var outs []string
		for i := range 3 {
			o, _, err := p.CreateOrder(ctx, newOrder(fmt.Sprintf("GPW2026112600000001%04d", i), fmt.Sprintf("31000001%02d", i), 1000))
			if err != nil {
				t.Fatal(err)
			}
			outs = append(outs, o.OutTradeNo)
		}
		cb := func(txn, out string) store.Callback {
			return store.Callback{Provider: "wechat", ProviderTxnID: txn, OutTradeNo: out, Amount: 1000, PaidAt: orderStart,
				Header: http.Header{}, Body: []byte(`{"id":"` + txn + `"}`)}
		}
		clock.advance(90 * time.Second)
		results := p.MarkPaidFromCallbacks(ctx, []store.Callback{
			cb("4200000001", outs[0]),
			cb("4200000002", "GPW20261126999999999999"), // no such order
			cb("4200000003", outs[1]),
			cb("4200000001", outs[0]), // the first one again
			cb("4200000004", outs[2]),
		})
		want := []store.PaymentOutcome{store.PaymentPaid, "", store.PaymentPaid, store.PaymentDuplicate, store.PaymentPaid}
		for i, r := range results {
			if i == 1 {
				if !errors.Is(r.Err, billing.ErrNotFound) {
					t.Errorf("callback of an unknown order: %+v, want not found", r)
				}
				continue
			}
			if r.Err != nil || r.Result.Outcome != want[i] {
				t.Errorf("callback %d = %+v, %v; want %s", i, r.Result, r.Err, want[i])
				continue
			}
			stored, err := p.OrderByOutTradeNo(ctx, r.Result.Order.OutTradeNo)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(r.Result.Order, stored) {
				t.Errorf("callback %d answered with order\n %+v\nthe database holds\n %+v", i, r.Result.Order, stored)
			}
		}
		if results[0].Result.OutboxID == 0 || results[3].Result.OutboxID != 0 {
			t.Errorf("outbox rows: first %d, its copy %d; want one for the first only", results[0].Result.OutboxID, results[3].Result.OutboxID)
		}
		if got, want := countOrders(t, db), (orderCounts{orders: 3, events: 9, outbox: 3}); got != want {
			t.Errorf("rows %+v, want %+v", got, want)
		}
		if n := countRows(t, db, "callbacks"); n != 3 {
			t.Errorf("%d callbacks kept, want 3", n)
		}
	})
}

// TestMarkPaidFromCallbackConcurrently sends copies of one provider transaction among callbacks of
// other orders, all at once, so that they share transactions: the transaction is taken once (one
// outbox row), its copies are duplicates, and every other callback is taken.
func TestMarkPaidFromCallbackConcurrently(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, _ := newOrderPortal(t, db)
		ctx := t.Context()
		const copies, others = 8, 8
		var outs []string
		for i := range others + 1 {
			o, _, err := p.CreateOrder(ctx, newOrder(fmt.Sprintf("GPW2026112600000002%04d", i), fmt.Sprintf("31000002%02d", i), 2000))
			if err != nil {
				t.Fatal(err)
			}
			outs = append(outs, o.OutTradeNo)
		}
		results := make([]store.MarkPaidResult, copies+others)
		errs := make([]error, copies+others)
		atOnce(t, db, copies+others, func(i int) {
			txn, out := "4200000100", outs[0]
			if i >= copies {
				txn, out = fmt.Sprintf("42000002%02d", i), outs[i-copies+1]
			}
			results[i], errs[i] = p.MarkPaidFromCallback(ctx, store.Callback{Provider: "wechat", ProviderTxnID: txn, OutTradeNo: out,
				Amount: 2000, PaidAt: orderStart, Header: http.Header{}, Body: []byte(`{}`)})
		})
		paid := 0
		for i := range copies + others {
			switch {
			case errs[i] != nil:
				t.Errorf("callback %d: %v", i, errs[i])
			case i < copies && results[i].Outcome == store.PaymentPaid:
				paid++
			case i < copies && results[i].Outcome != store.PaymentDuplicate:
				t.Errorf("copy %d: outcome %s", i, results[i].Outcome)
			case i >= copies && (results[i].Outcome != store.PaymentPaid || results[i].OutboxID == 0):
				t.Errorf("callback %d of another order: %+v", i, results[i])
			}
		}
		if paid != 1 {
			t.Errorf("%d copies marked paid, want 1", paid)
		}
		if got := countRows(t, db, "outbox"); got != others+1 {
			t.Errorf("%d outbox rows, want %d", got, others+1)
		}
		if n := countRows(t, db, "callbacks"); n != others+1 {
			t.Errorf("%d callbacks kept, want %d", n, others+1)
		}
	})
}
