package store_test

import (
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

// orderAt is a WeChat order of amount for account by payer, created now and valid two hours.
func orderAt(c *orderClock, outTradeNo, account, payer, channel string, amount billing.Money) store.NewOrder {
	return store.NewOrder{OutTradeNo: outTradeNo, AccountNo: account, Payer: payer, Channel: channel, Amount: amount,
		ExpiresAt: c.now().Add(2 * time.Hour)}
}

// outTradeNos lists the orders' numbers in order.
func outTradeNos(orders []store.Order) []string {
	out := []string{}
	for _, o := range orders {
		out = append(out, o.OutTradeNo)
	}
	return out
}

func TestSearchOrders(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, clock := newOrderPortal(t, db)
		ctx := t.Context()
		// a: posted; b, an hour later: created; c, two hours later: flagged for a wrong amount.
		a := mustCreate(t, p, orderAt(clock, "GPW20261126160000000000000001", "3100000001", phonePayer, "wechat", 10000))
		if _, err := p.MarkPaid(ctx, a.OutTradeNo, "4200000001", 10000, clock.now()); err != nil {
			t.Fatal(err)
		}
		mustMove(t, p, a.ID, billing.OrderPaid, billing.OrderPosted, func(u *store.OrderUpdate) { u.PostedReceiptNo = "SF2026112600001" })
		clock.advance(time.Hour)
		b := mustCreate(t, p, orderAt(clock, "GPA20261126170000000000000002", "3100000002", tokenPayer, "alipay", 20000))
		clock.advance(time.Hour)
		c := mustCreate(t, p, orderAt(clock, "GPW20261126180000000000000003", "3100000001", tokenPayer, "wechat", 5000))
		if _, err := p.MarkPaid(ctx, c.OutTradeNo, "4200000003", 4000, clock.now()); err != nil {
			t.Fatal(err)
		}

		for _, tc := range []struct {
			name  string
			q     store.OrderQuery
			page  store.Page
			want  []string
			total int
		}{
			{"account, newest first", store.OrderQuery{AccountNo: "3100000001"}, store.Page{}, []string{c.OutTradeNo, a.OutTradeNo}, 2},
			{"order number", store.OrderQuery{OutTradeNo: b.OutTradeNo}, store.Page{}, []string{b.OutTradeNo}, 1},
			{"provider transaction", store.OrderQuery{ProviderTxnID: "4200000001"}, store.Page{}, []string{a.OutTradeNo}, 1},
			{"core receipt", store.OrderQuery{ReceiptNo: "SF2026112600001"}, store.Page{}, []string{a.OutTradeNo}, 1},
			{"unknown receipt", store.OrderQuery{ReceiptNo: "SF2026112699999"}, store.Page{}, []string{}, 0},
			{"one status", store.OrderQuery{Statuses: []billing.OrderStatus{billing.OrderFlagged}}, store.Page{}, []string{c.OutTradeNo}, 1},
			{"two statuses", store.OrderQuery{Statuses: []billing.OrderStatus{billing.OrderCreated, billing.OrderPosted}}, store.Page{},
				[]string{b.OutTradeNo, a.OutTradeNo}, 2},
			{"account and channel", store.OrderQuery{AccountNo: "3100000001", Channel: "alipay"}, store.Page{}, []string{}, 0},
			{"an hour and a half", store.OrderQuery{From: orderStart, To: orderStart.Add(90 * time.Minute)}, store.Page{},
				[]string{b.OutTradeNo, a.OutTradeNo}, 2},
			{"from the second order on", store.OrderQuery{From: orderStart.Add(time.Hour), To: orderStart.Add(31 * 24 * time.Hour)},
				store.Page{}, []string{c.OutTradeNo, b.OutTradeNo}, 2},
			{"to is not included", store.OrderQuery{AccountNo: "3100000001", To: orderStart.Add(2 * time.Hour)}, store.Page{},
				[]string{a.OutTradeNo}, 1},
			{"second page of one", store.OrderQuery{Statuses: billing.OrderStatuses()}, store.Page{Limit: 1, Offset: 1},
				[]string{b.OutTradeNo}, 3},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, total, err := p.SearchOrders(ctx, tc.q, tc.page)
				if err != nil || total != tc.total || !slices.Equal(outTradeNos(got), tc.want) {
					t.Errorf("SearchOrders = %v of %d, %v; want %v of %d", outTradeNos(got), total, err, tc.want, tc.total)
				}
			})
		}
		if got, _, err := p.SearchOrders(ctx, store.OrderQuery{ReceiptNo: "SF2026112600001"}, store.Page{}); err != nil ||
			len(got) != 1 || got[0].PostedReceiptNo != "SF2026112600001" || got[0].PaidAmount != 10000 || got[0].Status != billing.OrderPosted {
			t.Errorf("the order found by its receipt = %+v, %v", got, err)
		}

		for _, tc := range []struct {
			name string
			q    store.OrderQuery
		}{
			{"nothing: the whole table", store.OrderQuery{}},
			{"a channel alone", store.OrderQuery{Channel: "wechat"}},
			{"a start alone", store.OrderQuery{From: orderStart}},
			{"an end alone", store.OrderQuery{To: orderStart}},
			{"32 days", store.OrderQuery{From: orderStart, To: orderStart.Add(32 * 24 * time.Hour)}},
			{"the end before the start", store.OrderQuery{From: orderStart, To: orderStart.Add(-time.Hour)}},
			{"a year 1 start", store.OrderQuery{AccountNo: "3100000001", From: time.Time{}.Add(time.Hour)}},
			{"a bad account", store.OrderQuery{AccountNo: "31000000'1"}},
			{"a bad order number", store.OrderQuery{OutTradeNo: "GP W"}},
			{"a long transaction", store.OrderQuery{ProviderTxnID: string(make([]byte, 65))}},
			{"a bad receipt", store.OrderQuery{ReceiptNo: "SF%"}},
			{"a bad status", store.OrderQuery{Statuses: []billing.OrderStatus{"LOST"}}},
			{"too many statuses", store.OrderQuery{Statuses: slices.Repeat([]billing.OrderStatus{billing.OrderPaid}, 9)}},
			{"a bad channel", store.OrderQuery{AccountNo: "3100000001", Channel: "paypal"}},
		} {
			t.Run("refused: "+tc.name, func(t *testing.T) {
				got, total, err := p.SearchOrders(ctx, tc.q, store.Page{})
				if !errors.Is(err, billing.ErrInvalid) || got != nil || total != 0 {
					t.Errorf("SearchOrders = %v of %d, %v; want ErrInvalid", outTradeNos(got), total, err)
				}
			})
		}
	})
}

func TestOrderCallbacks(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, clock := newOrderPortal(t, db)
		ctx := t.Context()
		a := mustCreate(t, p, orderAt(clock, "GPW20261126160000000000000001", "3100000001", phonePayer, "wechat", 10000))
		quiet := mustCreate(t, p, orderAt(clock, "GPW20261126160000000000000002", "3100000002", phonePayer, "wechat", 10000))
		body := []byte("{\"id\":\"raw\",\"summary\":\"支付成功\"}\n")
		cb := store.Callback{Provider: "wechat", ProviderTxnID: "4200000001", OutTradeNo: a.OutTradeNo, Amount: 10000,
			PaidAt: clock.now(), Header: http.Header{"Wechatpay-Serial": {"5157F09EFDC096DE15EBE81A47057A72"}}, Body: body}
		if res, err := p.MarkPaidFromCallback(ctx, cb); err != nil || res.Outcome != store.PaymentPaid {
			t.Fatalf("MarkPaidFromCallback = %+v, %v", res, err)
		}
		clock.advance(time.Minute)
		again := cb
		again.Amount, again.Body = 7000, []byte(`{"id":"again"}`)
		if res, err := p.MarkPaidFromCallback(ctx, again); err != nil || res.Outcome != store.PaymentConflict {
			t.Fatalf("the transaction again with another amount = %+v, %v", res, err)
		}

		got, err := p.OrderCallbacks(ctx, a.ID)
		if err != nil || len(got) != 2 {
			t.Fatalf("OrderCallbacks = %+v, %v; want the callback and the conflict", got, err)
		}
		first, second := got[0], got[1]
		if first.Conflict != "" || string(first.Body) != string(body) || first.ProviderTxnID != "4200000001" ||
			first.Header.Get("Wechatpay-Serial") != "5157F09EFDC096DE15EBE81A47057A72" || !first.ReceivedAt.Equal(orderStart) {
			t.Errorf("the callback taken = %+v", first)
		}
		if second.Conflict != store.ConflictAmount || second.Amount != 7000 || string(second.Body) != `{"id":"again"}` ||
			!second.ReceivedAt.Equal(orderStart.Add(time.Minute)) {
			t.Errorf("the callback kept for staff = %+v", second)
		}
		if got, err := p.OrderCallbacks(ctx, quiet.ID); err != nil || len(got) != 0 {
			t.Errorf("OrderCallbacks of an order without any = %+v, %v", got, err)
		}
		if _, err := p.OrderCallbacks(ctx, 99999); !errors.Is(err, billing.ErrNotFound) {
			t.Errorf("OrderCallbacks of no order = %v, want ErrNotFound", err)
		}
	})
}
