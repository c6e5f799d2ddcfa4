package store_test

import (
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

// orderClock is the portal's clock in order tests; goroutines may read it.
type orderClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *orderClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *orderClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// orderStart is when order tests begin: 16:00:00.123 in China.
var orderStart = time.Date(2026, 11, 26, 8, 0, 0, 123_000_000, time.UTC)

// newOrderPortal migrates the portal schema into db and returns its store with a clock at orderStart.
func newOrderPortal(t *testing.T, db *store.DB) (*store.Portal, *orderClock) {
	t.Helper()
	if _, err := db.MigrateSchema(t.Context(), store.PortalSchema); err != nil {
		t.Fatal(err)
	}
	c := &orderClock{t: orderStart}
	return store.NewPortal(db, c.now), c
}

// newOrder is a WeChat order of amount for account, paid by a signed-in customer, valid two hours.
func newOrder(outTradeNo, account string, amount billing.Money) store.NewOrder {
	return store.NewOrder{OutTradeNo: outTradeNo, AccountNo: account, PayerPhone: "13800138000", Payer: phonePayer,
		Channel: "wechat", Amount: amount, ExpiresAt: orderStart.Add(2 * time.Hour)}
}

// Payer keys of order tests, as payments makes them: a signed-in phone, and a browser's token hashed.
const (
	phonePayer = "phone:13800138000"
	tokenPayer = "token:4ab1e5b7c2a4f6e8d0c2b4a6f8e0d2c4b6a8f0e2d4c6b8a0f2e4d6c8b0a2f4e6"
)

// orderCounts is how many rows the order tables hold.
type orderCounts struct{ orders, events, outbox int64 }

func countOrders(t *testing.T, db *store.DB) orderCounts {
	t.Helper()
	return orderCounts{countRows(t, db, "payment_orders"), countRows(t, db, "payment_events"), countRows(t, db, "outbox")}
}

// mustCreate creates an order that must be new.
func mustCreate(t *testing.T, p *store.Portal, o store.NewOrder) store.Order {
	t.Helper()
	got, created, err := p.CreateOrder(t.Context(), o)
	if err != nil || !created {
		t.Fatalf("CreateOrder(%s) = %v, created %v; want a new order", o.OutTradeNo, err, created)
	}
	return got
}

// mustMove moves an order and fails the test when it cannot.
func mustMove(t *testing.T, p *store.Portal, id int64, from, to billing.OrderStatus, set func(*store.OrderUpdate)) store.Order {
	t.Helper()
	o, err := p.MoveOrder(t.Context(), id, from, to, "test", set)
	if err != nil {
		t.Fatalf("MoveOrder(%d, %s, %s) = %v", id, from, to, err)
	}
	return o
}

// orderByID reads an order with its timeline, failing the test when it cannot.
func orderByID(t *testing.T, p *store.Portal, id int64) store.Order {
	t.Helper()
	o, err := p.OrderByID(t.Context(), id)
	if err != nil {
		t.Fatalf("OrderByID(%d) = %v", id, err)
	}
	return o
}

// steps renders an order's timeline as "->CREATED", "CREATED->CLOSED: note", for comparing.
func steps(o store.Order) []string {
	out := []string{}
	for _, e := range o.Events {
		s := string(e.From) + "->" + string(e.To)
		if e.Note != "" {
			s += ": " + e.Note
		}
		out = append(out, s)
	}
	return out
}

func withoutEvents(o store.Order) store.Order {
	o.Events = nil
	return o
}

func TestCreateOrder(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, clock := newOrderPortal(t, db)
		ctx := t.Context()
		const account = "3100000042"

		first := mustCreate(t, p, newOrder("GPW20261126160000000000000001", account, 17500))
		want := store.Order{ID: first.ID, OutTradeNo: "GPW20261126160000000000000001", AccountNo: account,
			PayerPhone: "13800138000", Payer: phonePayer, Channel: "wechat", Way: billing.PayQR, Amount: 17500, Status: billing.OrderCreated,
			ExpiresAt: orderStart.Add(2 * time.Hour), CreatedAt: orderStart, UpdatedAt: orderStart}
		if !reflect.DeepEqual(first, want) {
			t.Fatalf("CreateOrder = %+v\nwant %+v", first, want)
		}
		if got := orderByID(t, p, first.ID); !reflect.DeepEqual(withoutEvents(got), want) ||
			!reflect.DeepEqual(steps(got), []string{"->CREATED"}) {
			t.Fatalf("OrderByID = %+v, timeline %q; want %+v, [->CREATED]", got, steps(got), want)
		}
		if got, err := p.OrderByOutTradeNo(ctx, first.OutTradeNo); err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("OrderByOutTradeNo = %+v, %v; want %+v", got, err, want)
		}

		t.Run("second tap with the same amount returns the open order", func(t *testing.T) {
			clock.advance(time.Minute)
			got, created, err := p.CreateOrder(ctx, newOrder("GPW20261126160100000000000002", account, 17500))
			if err != nil || created || !reflect.DeepEqual(got, want) {
				t.Fatalf("CreateOrder = %+v, created %v, %v; want the first order, not created", got, created, err)
			}
			if c := countOrders(t, db); c != (orderCounts{1, 1, 0}) {
				t.Errorf("rows = %+v, want one order and its creation event", c)
			}
		})

		t.Run("another channel has its own open order", func(t *testing.T) {
			o := newOrder("GPA20261126160100000000000003", account, 17500)
			o.Channel = "alipay"
			got := mustCreate(t, p, o)
			if got.ID == first.ID || got.Channel != "alipay" || got.Status != billing.OrderCreated {
				t.Errorf("CreateOrder(alipay) = %+v, want a new alipay order", got)
			}
		})

		var second store.Order
		t.Run("another amount closes the open order and opens a new one", func(t *testing.T) {
			second = mustCreate(t, p, newOrder("GPW20261126160100000000000004", account, 18000))
			if second.Amount != 18000 || second.Status != billing.OrderCreated || !second.CreatedAt.Equal(orderStart.Add(time.Minute)) {
				t.Errorf("new order = %+v, want 180.00 CREATED at %s", second, orderStart.Add(time.Minute))
			}
			old := orderByID(t, p, first.ID)
			if old.Status != billing.OrderClosed || !old.UpdatedAt.Equal(orderStart.Add(time.Minute)) {
				t.Errorf("old order is %s updated %s, want CLOSED at %s", old.Status, old.UpdatedAt, orderStart.Add(time.Minute))
			}
			wantSteps := []string{"->CREATED", "CREATED->CLOSED: replaced by a new order of 180.00"}
			if !reflect.DeepEqual(steps(old), wantSteps) {
				t.Errorf("old order's timeline = %q, want %q", steps(old), wantSteps)
			}
		})

		t.Run("an expired open order is replaced even for the same amount", func(t *testing.T) {
			clock.advance(2 * time.Hour) // past the second order's expiry, orderStart + 2h
			third := mustCreate(t, p, store.NewOrder{OutTradeNo: "GPW20261126180100000000000005", AccountNo: account,
				Payer: phonePayer, Channel: "wechat", Amount: 18000, ExpiresAt: clock.now().Add(2 * time.Hour)})
			old := orderByID(t, p, second.ID)
			wantSteps := []string{"->CREATED", "CREATED->CLOSED: expired; replaced by a new order"}
			if old.Status != billing.OrderClosed || !reflect.DeepEqual(steps(old), wantSteps) {
				t.Errorf("expired order is %s with timeline %q; want CLOSED, %q", old.Status, steps(old), wantSteps)
			}
			if third.PayerPhone != "" {
				t.Errorf("anonymous order's payer phone = %q, want empty", third.PayerPhone)
			}
			if n := queryInt(t, db, `SELECT COUNT(*) FROM payment_orders WHERE payer_phone IS NULL AND id = @id`, sql.Named("id", third.ID)); n != 1 {
				t.Errorf("anonymous (代缴) order's payer_phone is not NULL")
			}
		})

		t.Run("the same amount paid another way replaces the order; the way is kept", func(t *testing.T) {
			o := newOrder("GPW20261126180200000000000006", account, 18000)
			o.ExpiresAt, o.Way = clock.now().Add(time.Hour), billing.PayH5
			h5 := mustCreate(t, p, o)
			if h5.Way != billing.PayH5 || orderByID(t, p, h5.ID).Way != billing.PayH5 {
				t.Errorf("order made for h5 reads back as %q", orderByID(t, p, h5.ID).Way)
			}
			again, created, err := p.CreateOrder(ctx, store.NewOrder{OutTradeNo: "GPW20261126180200000000000007", AccountNo: account,
				PayerPhone: "13800138000", Payer: phonePayer, Channel: "wechat", Way: billing.PayH5, Amount: 18000, ExpiresAt: o.ExpiresAt})
			if err != nil || created || again.ID != h5.ID {
				t.Errorf("asking again the same way = %v, created %v, order %d; want the open order %d", err, created, again.ID, h5.ID)
			}
			o.OutTradeNo, o.Way, o.OpenID = "GPW20261126180200000000000008", billing.PayJSAPI, "oGridpayTestOpenID0000000001"
			jsapi := mustCreate(t, p, o)
			old := orderByID(t, p, h5.ID)
			wantSteps := []string{"->CREATED", "CREATED->CLOSED: replaced by a new order paid by jsapi"}
			if old.Status != billing.OrderClosed || !reflect.DeepEqual(steps(old), wantSteps) || jsapi.Way != billing.PayJSAPI {
				t.Errorf("h5 order is %s with timeline %q, the new one %q; want CLOSED, %q, jsapi", old.Status, steps(old), jsapi.Way, wantSteps)
			}
			if got := orderByID(t, p, jsapi.ID); got.OpenID != o.OpenID {
				t.Errorf("the jsapi order reads back for OpenID %q, want %q", got.OpenID, o.OpenID)
			}
			// Another WeChat user on the same payer's browser: a new order, for them.
			o.OutTradeNo, o.OpenID = "GPW20261126180200000000000010", "oGridpayTestOpenID0000000002"
			other := mustCreate(t, p, o)
			if old := orderByID(t, p, jsapi.ID); old.Status != billing.OrderClosed || other.OpenID != o.OpenID ||
				!reflect.DeepEqual(steps(old), []string{"->CREATED", "CREATED->CLOSED: replaced by a new order for another WeChat user"}) {
				t.Errorf("the first customer's jsapi order is %s with timeline %q, want CLOSED for another WeChat user", old.Status, steps(old))
			}
			for _, bad := range []struct {
				way    billing.PayWay
				openID string
			}{{"QR", ""}, {"bank", ""}, {"h5 ", ""}, {"jsapi' OR '1'='1", ""}, {billing.PayWay(strings.Repeat("w", 300)), ""},
				{billing.PayJSAPI, ""}, {billing.PayQR, "oGridpayTestOpenID0000000001"}, {billing.PayJSAPI, "o' OR '1'='1"},
				{billing.PayJSAPI, strings.Repeat("o", 65)}} {
				before := countOrders(t, db)
				o.OutTradeNo, o.Way, o.OpenID = "GPW20261126180200000000000009", bad.way, bad.openID
				if _, _, err := p.CreateOrder(ctx, o); !errors.Is(err, billing.ErrInvalid) {
					t.Errorf("CreateOrder paid by %.20q for %.20q = %v, want ErrInvalid", bad.way, bad.openID, err)
				}
				if after := countOrders(t, db); after != before {
					t.Errorf("way %.20q for %.20q: rows %+v -> %+v, want nothing written", bad.way, bad.openID, before, after)
				}
			}
		})

		t.Run("an order number already used is a conflict", func(t *testing.T) {
			before := countOrders(t, db)
			o := newOrder("GPW20261126160000000000000001", "3100000007", 100)
			o.ExpiresAt = clock.now().Add(time.Hour)
			_, _, err := p.CreateOrder(ctx, o)
			if !errors.Is(err, billing.ErrConflict) {
				t.Errorf("CreateOrder with a used number = %v, want ErrConflict", err)
			}
			if after := countOrders(t, db); after != before {
				t.Errorf("rows %+v -> %+v, want nothing written", before, after)
			}
		})

		if open := queryInt(t, db, `SELECT COUNT(*) FROM payment_orders WHERE account_no = @no AND channel = 'wechat'
AND status IN ('CREATED', 'PENDING')`, sql.Named("no", account)); open != 1 {
			t.Errorf("%d open wechat orders for the account, want 1", open)
		}
	})
}

func TestCreateOrderConcurrent(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, _ := newOrderPortal(t, db)
		const callers = 10

		run := func(account string, amount func(i int) billing.Money) ([]store.Order, []bool) {
			orders, created := make([]store.Order, callers), make([]bool, callers)
			atOnce(t, db, callers, func(i int) {
				var err error
				orders[i], created[i], err = p.CreateOrder(t.Context(),
					newOrder(fmt.Sprintf("GP%s%04d", account, i), account, amount(i)))
				if err != nil {
					t.Errorf("caller %d: CreateOrder = %v", i, err)
				}
			})
			return orders, created
		}
		openOrders := func(account string) int64 {
			return queryInt(t, db, `SELECT COUNT(*) FROM payment_orders WHERE account_no = @no AND status IN ('CREATED', 'PENDING')`, sql.Named("no", account))
		}

		t.Run("same amount: one order, created once", func(t *testing.T) {
			orders, created := run("3100000001", func(int) billing.Money { return 17500 })
			n := 0
			for i := range callers {
				if created[i] {
					n++
				}
				if orders[i].ID != orders[0].ID {
					t.Errorf("caller %d got order %d, caller 0 got %d", i, orders[i].ID, orders[0].ID)
				}
			}
			if n != 1 {
				t.Errorf("%d callers created an order, want 1", n)
			}
			if got := queryInt(t, db, `SELECT COUNT(*) FROM payment_orders WHERE account_no = '3100000001'`); got != 1 {
				t.Errorf("%d orders written, want 1", got)
			}
			if got := openOrders("3100000001"); got != 1 {
				t.Errorf("%d open orders, want 1", got)
			}
		})

		t.Run("ten amounts: ten orders, one left open", func(t *testing.T) {
			orders, created := run("3100000002", func(i int) billing.Money { return billing.Money(100 + i) })
			for i := range callers {
				if !created[i] || orders[i].Amount != billing.Money(100+i) {
					t.Errorf("caller %d: created %v, amount %s; want a new order of its own amount", i, created[i], orders[i].Amount)
				}
			}
			if got := openOrders("3100000002"); got != 1 {
				t.Errorf("%d open orders, want 1", got)
			}
			if got := queryInt(t, db, `SELECT COUNT(*) FROM payment_orders WHERE account_no = '3100000002' AND status = 'CLOSED'`); got != callers-1 {
				t.Errorf("%d closed orders, want %d", got, callers-1)
			}
		})
	})
}

func TestCreateOrderRefusesHostileInput(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, _ := newOrderPortal(t, db)
		good := newOrder("GPW20261126160000000000000001", "3100000042", 17500)
		for _, tc := range []struct {
			name   string
			change func(o *store.NewOrder)
		}{
			{"channel not taken", func(o *store.NewOrder) { o.Channel = "paypal" }},
			{"channel in upper case", func(o *store.NewOrder) { o.Channel = "WECHAT" }},
			{"channel empty", func(o *store.NewOrder) { o.Channel = "" }},
			{"amount zero", func(o *store.NewOrder) { o.Amount = 0 }},
			{"amount negative", func(o *store.NewOrder) { o.Amount = -17500 }},
			{"amount one fen over 10,000,000.00", func(o *store.NewOrder) { o.Amount = store.MaxOrderAmount + 1 }},
			{"out_trade_no of 33 characters", func(o *store.NewOrder) { o.OutTradeNo = strings.Repeat("9", 33) }},
			{"out_trade_no empty", func(o *store.NewOrder) { o.OutTradeNo = "" }},
			{"out_trade_no with SQL", func(o *store.NewOrder) { o.OutTradeNo = "GP1' OR '1'='1" }},
			{"out_trade_no in invalid UTF-8", func(o *store.NewOrder) { o.OutTradeNo = "GP\xff\xfe" }},
			{"out_trade_no in full-width digits", func(o *store.NewOrder) { o.OutTradeNo = "GP１２３" }},
			{"account number in invalid UTF-8", func(o *store.NewOrder) { o.AccountNo = "31000000\xc3\x28" }},
			{"account number of 9 digits", func(o *store.NewOrder) { o.AccountNo = "310000004" }},
			{"payer phone not a mobile", func(o *store.NewOrder) { o.PayerPhone = "0791861234" }},
			{"payer phone in invalid UTF-8", func(o *store.NewOrder) { o.PayerPhone = "1380013800\x80" }},
			{"payer of 81 characters", func(o *store.NewOrder) { o.Payer = "token:" + strings.Repeat("a", 75) }},
			{"payer with a space", func(o *store.NewOrder) { o.Payer = "phone: 13800138000" }},
			{"payer in invalid UTF-8", func(o *store.NewOrder) { o.Payer = "token:\xff" }},
			{"expiry now", func(o *store.NewOrder) { o.ExpiresAt = orderStart }},
			{"expiry missing", func(o *store.NewOrder) { o.ExpiresAt = time.Time{} }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				o := good
				tc.change(&o)
				got, created, err := p.CreateOrder(t.Context(), o)
				if !errors.Is(err, billing.ErrInvalid) || created || got.ID != 0 {
					t.Errorf("CreateOrder = %+v, created %v, %v; want ErrInvalid", got, created, err)
				}
				if c := countOrders(t, db); c != (orderCounts{}) {
					t.Errorf("rows = %+v, want nothing written", c)
				}
			})
		}
		if got, created, err := p.CreateOrder(t.Context(), good); err != nil || !created || got.Amount != 17500 {
			t.Errorf("the good order = %+v, %v, %v; want it created", got, created, err)
		}
		if got, created, err := p.CreateOrder(t.Context(), newOrder("GPW1", "3100000007", store.MaxOrderAmount)); err != nil || !created || got.Amount != 1_000_000_000 {
			t.Errorf("an order of exactly 10,000,000.00 = %+v, %v, %v; want it created", got, created, err)
		}
	})
}

// ordersInEveryStatus makes one order per status through the store's own API, each for its own
// account, and returns them by status.
func ordersInEveryStatus(t *testing.T, p *store.Portal) map[billing.OrderStatus]store.Order {
	t.Helper()
	ctx := t.Context()
	out := map[billing.OrderStatus]store.Order{}
	codeURL := func(u *store.OrderUpdate) { u.CodeURL = "weixin://wxpay/bizpayurl?pr=abc" }
	receipt := func(u *store.OrderUpdate) { u.PostedReceiptNo = "SF2026112600000001" }
	for i, s := range billing.OrderStatuses() {
		no := fmt.Sprintf("GPW2026112616000000000000%04d", i)
		o := mustCreate(t, p, newOrder(no, fmt.Sprintf("31000001%02d", i), 17500))
		path := map[billing.OrderStatus][]billing.OrderStatus{
			billing.OrderCreated:   {},
			billing.OrderPending:   {billing.OrderPending},
			billing.OrderPaid:      {billing.OrderPending, billing.OrderPaid},
			billing.OrderPosted:    {billing.OrderPending, billing.OrderPaid, billing.OrderPosted},
			billing.OrderClosed:    {billing.OrderPending, billing.OrderClosed},
			billing.OrderFlagged:   {billing.OrderPending, billing.OrderFlagged},
			billing.OrderRefunding: {billing.OrderPending, billing.OrderPaid, billing.OrderPosted, billing.OrderRefunding},
			billing.OrderRefunded:  {billing.OrderPending, billing.OrderPaid, billing.OrderPosted, billing.OrderRefunding, billing.OrderRefunded},
		}[s]
		for _, to := range path {
			switch to {
			case billing.OrderPending:
				o = mustMove(t, p, o.ID, o.Status, to, codeURL)
			case billing.OrderPaid:
				res, err := p.MarkPaid(ctx, no, "4200000001"+no[len(no)-4:], 17500, orderStart)
				if err != nil || res.Outcome != store.PaymentPaid {
					t.Fatalf("MarkPaid(%s) = %+v, %v", no, res, err)
				}
				o = res.Order
			case billing.OrderPosted:
				o = mustMove(t, p, o.ID, o.Status, to, receipt)
			default:
				o = mustMove(t, p, o.ID, o.Status, to, nil)
			}
		}
		if o.Status != s {
			t.Fatalf("made an order in %s, want %s", o.Status, s)
		}
		out[s] = o
	}
	return out
}

func TestMoveOrderRefusesEveryIllegalMove(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, _ := newOrderPortal(t, db)
		orders := ordersInEveryStatus(t, p)
		before := countOrders(t, db)
		illegal := 0
		for _, from := range billing.OrderStatuses() {
			for _, to := range billing.OrderStatuses() {
				if from.CanMoveTo(to) {
					continue
				}
				illegal++
				t.Run(string(from)+"->"+string(to), func(t *testing.T) {
					o := orders[from]
					_, err := p.MoveOrder(t.Context(), o.ID, from, to, "should not happen", nil)
					if !errors.Is(err, billing.ErrConflict) {
						t.Errorf("MoveOrder = %v, want ErrConflict", err)
					}
					if got := orderByID(t, p, o.ID); !reflect.DeepEqual(withoutEvents(got), withoutEvents(o)) {
						t.Errorf("order changed: %+v, want %+v", got, o)
					}
				})
			}
		}
		if illegal != 64-17 {
			t.Errorf("%d illegal moves tried, want 47", illegal)
		}
		if after := countOrders(t, db); after != before {
			t.Errorf("rows %+v -> %+v, want nothing written", before, after)
		}
	})
}

func TestMoveOrder(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, clock := newOrderPortal(t, db)
		ctx := t.Context()
		o := mustCreate(t, p, newOrder("GPW20261126160000000000000001", "3100000042", 17500))

		t.Run("created to pending sets the code and the provider's expiry", func(t *testing.T) {
			clock.advance(time.Second)
			expires := orderStart.Add(90 * time.Minute).In(time.FixedZone("CST", 8*3600))
			got, err := p.MoveOrder(ctx, o.ID, billing.OrderCreated, billing.OrderPending, "precreated", func(u *store.OrderUpdate) {
				u.CodeURL = "weixin://wxpay/bizpayurl?pr=Kx3Lh2Q"
				u.ExpiresAt = expires
			})
			if err != nil {
				t.Fatal(err)
			}
			want := o
			want.Status, want.CodeURL = billing.OrderPending, "weixin://wxpay/bizpayurl?pr=Kx3Lh2Q"
			want.ExpiresAt, want.UpdatedAt = orderStart.Add(90*time.Minute), orderStart.Add(time.Second)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("MoveOrder = %+v\nwant %+v", got, want)
			}
			o = got
		})

		for _, tc := range []struct {
			name     string
			id       int64
			from, to billing.OrderStatus
			note     string
			set      func(*store.OrderUpdate)
			err      error
		}{
			{"from a status the order is no longer in", o.ID, billing.OrderCreated, billing.OrderClosed, "", nil, billing.ErrConflict},
			{"to paid: MarkPaid's alone", o.ID, billing.OrderPending, billing.OrderPaid, "", nil, billing.ErrInvalid},
			{"unknown status", o.ID, billing.OrderPending, "pending", "", nil, billing.ErrConflict},
			{"missing order", 999_999, billing.OrderPending, billing.OrderClosed, "", nil, billing.ErrNotFound},
			{"note in invalid UTF-8", o.ID, billing.OrderPending, billing.OrderClosed, "bad \xff note", nil, billing.ErrInvalid},
			{"note too long", o.ID, billing.OrderPending, billing.OrderClosed, strings.Repeat("注", store.MaxOrderNote+1), nil, billing.ErrInvalid},
			{"note with NUL", o.ID, billing.OrderPending, billing.OrderClosed, "a\x00b", nil, billing.ErrInvalid},
			{"code url with a space", o.ID, billing.OrderPending, billing.OrderClosed, "", func(u *store.OrderUpdate) {
				u.CodeURL = "weixin://wxpay/biz payurl"
			}, billing.ErrInvalid},
			{"code url too long", o.ID, billing.OrderPending, billing.OrderClosed, "", func(u *store.OrderUpdate) {
				u.CodeURL = "https://x/" + strings.Repeat("a", store.MaxCodeURL)
			}, billing.ErrInvalid},
			{"receipt number with SQL", o.ID, billing.OrderPending, billing.OrderClosed, "", func(u *store.OrderUpdate) {
				u.PostedReceiptNo = "SF' --"
			}, billing.ErrInvalid},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := countOrders(t, db)
				_, err := p.MoveOrder(ctx, tc.id, tc.from, tc.to, tc.note, tc.set)
				if !errors.Is(err, tc.err) {
					t.Errorf("MoveOrder = %v, want %v", err, tc.err)
				}
				if got := orderByID(t, p, o.ID); !reflect.DeepEqual(withoutEvents(got), o) {
					t.Errorf("order changed: %+v", got)
				}
				if after := countOrders(t, db); after != before {
					t.Errorf("rows %+v -> %+v, want nothing written", before, after)
				}
			})
		}

		t.Run("posted needs a receipt number", func(t *testing.T) {
			if _, err := p.MarkPaid(ctx, o.OutTradeNo, "4200000001202611260000000001", 17500, orderStart); err != nil {
				t.Fatal(err)
			}
			if _, err := p.MoveOrder(ctx, o.ID, billing.OrderPaid, billing.OrderPosted, "", nil); !errors.Is(err, billing.ErrInvalid) {
				t.Errorf("MoveOrder to POSTED without a receipt = %v, want ErrInvalid", err)
			}
			got := mustMove(t, p, o.ID, billing.OrderPaid, billing.OrderPosted, func(u *store.OrderUpdate) { u.PostedReceiptNo = "SF2026112600000001" })
			if got.Status != billing.OrderPosted || got.PostedReceiptNo != "SF2026112600000001" {
				t.Errorf("posted order = %+v", got)
			}
			// A refund the provider refused goes back to POSTED on the receipt it had.
			mustMove(t, p, o.ID, billing.OrderPosted, billing.OrderRefunding, nil)
			if got := mustMove(t, p, o.ID, billing.OrderRefunding, billing.OrderPosted, nil); got.PostedReceiptNo != "SF2026112600000001" {
				t.Errorf("receipt after a failed refund = %q", got.PostedReceiptNo)
			}
		})

		want := []string{"->CREATED", "CREATED->PENDING: precreated", "PENDING->PAID: paid", "PAID->POSTED: test",
			"POSTED->REFUNDING: test", "REFUNDING->POSTED: test"}
		if got := steps(orderByID(t, p, o.ID)); !reflect.DeepEqual(got, want) {
			t.Errorf("timeline = %q\nwant %q", got, want)
		}
	})
}

func TestMarkPaid(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, clock := newOrderPortal(t, db)
		ctx := t.Context()
		pending := func(no, account string, amount billing.Money) store.Order {
			o := mustCreate(t, p, newOrder(no, account, amount))
			return mustMove(t, p, o.ID, billing.OrderCreated, billing.OrderPending, func(u *store.OrderUpdate) { u.CodeURL = "weixin://x?pr=" + no })
		}
		paidAt := time.Date(2026, 11, 26, 16, 3, 7, 0, time.FixedZone("CST", 8*3600))
		outbox := func(orderID int64) int64 {
			return queryInt(t, db, `SELECT COUNT(*) FROM outbox WHERE order_id = @id AND kind = 'payment:post'`, sql.Named("id", orderID))
		}

		o := pending("GPW20261126160000000000000001", "3100000042", 17500)
		clock.advance(3 * time.Minute)
		t.Run("pending and the amount asked: paid, with an outbox row", func(t *testing.T) {
			res, err := p.MarkPaid(ctx, o.OutTradeNo, "4200000001202611260000000001", 17500, paidAt)
			if err != nil {
				t.Fatal(err)
			}
			want := o
			want.Status, want.ProviderTxnID, want.PaidAmount = billing.OrderPaid, "4200000001202611260000000001", 17500
			want.PaidAt, want.UpdatedAt = time.Date(2026, 11, 26, 8, 3, 7, 0, time.UTC), orderStart.Add(3*time.Minute)
			if res.Outcome != store.PaymentPaid || res.OutboxID == 0 || !reflect.DeepEqual(res.Order, want) {
				t.Errorf("MarkPaid = %+v\nwant paid, an outbox id and %+v", res, want)
			}
			if n := outbox(o.ID); n != 1 {
				t.Errorf("%d outbox rows, want 1", n)
			}
		})

		t.Run("the same transaction again is a duplicate and changes nothing", func(t *testing.T) {
			before := countOrders(t, db)
			clock.advance(time.Minute)
			res, err := p.MarkPaid(ctx, o.OutTradeNo, "4200000001202611260000000001", 17500, paidAt)
			if err != nil || res.Outcome != store.PaymentDuplicate || res.OutboxID != 0 || res.Order.Status != billing.OrderPaid ||
				!res.Order.UpdatedAt.Equal(orderStart.Add(3*time.Minute)) {
				t.Errorf("MarkPaid again = %+v, %v; want a duplicate with the order as it was", res, err)
			}
			if after := countOrders(t, db); after != before {
				t.Errorf("rows %+v -> %+v, want nothing written", before, after)
			}
			if n := queryInt(t, db, `SELECT COUNT(*) FROM payment_orders WHERE status = 'PAID'`); n != 1 {
				t.Errorf("%d paid orders, want 1", n)
			}
		})

		for _, tc := range []struct {
			name, txn string
			amount    billing.Money
		}{
			{"another transaction for a paid order", "4200000001202611269999999999", 17500},
			{"the same transaction with another amount", "4200000001202611260000000001", 17400},
		} {
			t.Run(tc.name+" is a conflict", func(t *testing.T) {
				before := countOrders(t, db)
				if _, err := p.MarkPaid(ctx, o.OutTradeNo, tc.txn, tc.amount, paidAt); !errors.Is(err, billing.ErrConflict) {
					t.Errorf("MarkPaid = %v, want ErrConflict", err)
				}
				if after := countOrders(t, db); after != before {
					t.Errorf("rows %+v -> %+v, want nothing written", before, after)
				}
			})
		}

		t.Run("a transaction that paid another order is a conflict", func(t *testing.T) {
			other := pending("GPW20261126160000000000000002", "3100000007", 17500)
			before := countOrders(t, db)
			if _, err := p.MarkPaid(ctx, other.OutTradeNo, "4200000001202611260000000001", 17500, paidAt); !errors.Is(err, billing.ErrConflict) {
				t.Errorf("MarkPaid = %v, want ErrConflict", err)
			}
			if after := countOrders(t, db); after != before {
				t.Errorf("rows %+v -> %+v, want nothing written", before, after)
			}
			if got := orderByID(t, p, other.ID); got.Status != billing.OrderPending || got.ProviderTxnID != "" {
				t.Errorf("other order = %+v, want it pending and unpaid", got)
			}
		})

		t.Run("paid after close: flagged, with an outbox row", func(t *testing.T) {
			c := pending("GPW20261126160000000000000003", "3100000003", 5000)
			mustMove(t, p, c.ID, billing.OrderPending, billing.OrderClosed, nil)
			res, err := p.MarkPaid(ctx, c.OutTradeNo, "4200000001202611260000000003", 5000, paidAt)
			if err != nil || res.Outcome != store.PaymentFlagged || res.OutboxID == 0 || res.Order.Status != billing.OrderFlagged ||
				res.Order.PaidAmount != 5000 || res.Order.ProviderTxnID != "4200000001202611260000000003" {
				t.Fatalf("MarkPaid after close = %+v, %v; want flagged with an outbox row", res, err)
			}
			if n := outbox(c.ID); n != 1 {
				t.Errorf("%d outbox rows, want 1", n)
			}
			want := []string{"->CREATED", "CREATED->PENDING: test", "PENDING->CLOSED: test",
				"CLOSED->FLAGGED: paid after the order was closed: credited"}
			if got := steps(orderByID(t, p, c.ID)); !reflect.DeepEqual(got, want) {
				t.Errorf("timeline = %q\nwant %q", got, want)
			}
		})

		t.Run("another amount: flagged, and no outbox row", func(t *testing.T) {
			m := pending("GPW20261126160000000000000004", "3100000004", 17500)
			res, err := p.MarkPaid(ctx, m.OutTradeNo, "4200000001202611260000000004", 1750, paidAt)
			if err != nil || res.Outcome != store.PaymentFlagged || res.OutboxID != 0 || res.Order.Status != billing.OrderFlagged ||
				res.Order.Amount != 17500 || res.Order.PaidAmount != 1750 {
				t.Fatalf("MarkPaid of 17.50 for 175.00 = %+v, %v; want flagged without an outbox row", res, err)
			}
			if n := outbox(m.ID); n != 0 {
				t.Errorf("%d outbox rows, want none", n)
			}
			want := []string{"->CREATED", "CREATED->PENDING: test", "PENDING->FLAGGED: amount mismatch: order of 175.00, paid 17.50"}
			if got := steps(orderByID(t, p, m.ID)); !reflect.DeepEqual(got, want) {
				t.Errorf("timeline = %q\nwant %q", got, want)
			}
			// The provider retries its callback: still a duplicate, still no outbox row.
			if res, err := p.MarkPaid(ctx, m.OutTradeNo, "4200000001202611260000000004", 1750, paidAt); err != nil || res.Outcome != store.PaymentDuplicate {
				t.Errorf("MarkPaid again = %+v, %v; want a duplicate", res, err)
			}
			if n := outbox(m.ID); n != 0 {
				t.Errorf("%d outbox rows after the retry, want none", n)
			}
		})

		t.Run("paid after close with another amount: flagged, no outbox row", func(t *testing.T) {
			c := pending("GPW20261126160000000000000005", "3100000005", 5000)
			mustMove(t, p, c.ID, billing.OrderPending, billing.OrderClosed, nil)
			res, err := p.MarkPaid(ctx, c.OutTradeNo, "4200000001202611260000000005", 6000, paidAt)
			if err != nil || res.Outcome != store.PaymentFlagged || res.OutboxID != 0 || outbox(c.ID) != 0 {
				t.Errorf("MarkPaid = %+v, %v; want flagged without an outbox row", res, err)
			}
		})

		t.Run("paid before pending was recorded: paid through pending", func(t *testing.T) {
			c := mustCreate(t, p, newOrder("GPW20261126160000000000000006", "3100000006", 5000))
			res, err := p.MarkPaid(ctx, c.OutTradeNo, "4200000001202611260000000006", 5000, paidAt)
			if err != nil || res.Outcome != store.PaymentPaid || res.OutboxID == 0 || res.Order.Status != billing.OrderPaid {
				t.Fatalf("MarkPaid = %+v, %v; want paid", res, err)
			}
			want := []string{"->CREATED", "CREATED->PENDING: provider took payment before the order was recorded pending", "PENDING->PAID: paid"}
			if got := steps(orderByID(t, p, c.ID)); !reflect.DeepEqual(got, want) {
				t.Errorf("timeline = %q\nwant %q", got, want)
			}
		})

		t.Run("flagged by staff before any money: the payment is recorded, staff decide", func(t *testing.T) {
			c := pending("GPW20261126160000000000000008", "3100000008", 5000)
			mustMove(t, p, c.ID, billing.OrderPending, billing.OrderFlagged, nil)
			res, err := p.MarkPaid(ctx, c.OutTradeNo, "4200000001202611260000000008", 5000, paidAt)
			if err != nil || res.Outcome != store.PaymentFlagged || res.OutboxID != 0 || res.Order.ProviderTxnID != "4200000001202611260000000008" {
				t.Fatalf("MarkPaid = %+v, %v; want flagged, recorded, no outbox row", res, err)
			}
			want := []string{"->CREATED", "CREATED->PENDING: test", "PENDING->FLAGGED: test", "FLAGGED->FLAGGED: paid 50.00 while flagged: staff decide"}
			if got := steps(orderByID(t, p, c.ID)); !reflect.DeepEqual(got, want) {
				t.Errorf("timeline = %q\nwant %q", got, want)
			}
		})

		t.Run("an unknown order is not found", func(t *testing.T) {
			if _, err := p.MarkPaid(ctx, "GPW20261126160000000000009999", "4200000001202611260000009999", 5000, paidAt); !errors.Is(err, billing.ErrNotFound) {
				t.Errorf("MarkPaid = %v, want ErrNotFound", err)
			}
		})

		hostile := pending("GPW20261126160000000000000007", "3100000009", 5000)
		for _, tc := range []struct {
			name, no, txn string
			amount        billing.Money
			at            time.Time
		}{
			{"amount zero", hostile.OutTradeNo, "4200000001", 0, paidAt},
			{"amount negative", hostile.OutTradeNo, "4200000001", -5000, paidAt},
			{"amount over 10,000,000.00", hostile.OutTradeNo, "4200000001", store.MaxOrderAmount + 1, paidAt},
			{"out_trade_no of 33 characters", strings.Repeat("9", 33), "4200000001", 5000, paidAt},
			{"out_trade_no in invalid UTF-8", "GP\xff", "4200000001", 5000, paidAt},
			{"provider transaction in invalid UTF-8", hostile.OutTradeNo, "42\xc3\x28", 5000, paidAt},
			{"provider transaction empty", hostile.OutTradeNo, "", 5000, paidAt},
			{"provider transaction of 65 characters", hostile.OutTradeNo, strings.Repeat("4", 65), 5000, paidAt},
			{"payment time missing", hostile.OutTradeNo, "4200000001", 5000, time.Time{}},
		} {
			t.Run("hostile "+tc.name, func(t *testing.T) {
				before := countOrders(t, db)
				if _, err := p.MarkPaid(ctx, tc.no, tc.txn, tc.amount, tc.at); !errors.Is(err, billing.ErrInvalid) {
					t.Errorf("MarkPaid = %v, want ErrInvalid", err)
				}
				if after := countOrders(t, db); after != before {
					t.Errorf("rows %+v -> %+v, want nothing written", before, after)
				}
				if got := orderByID(t, p, hostile.ID); got.Status != billing.OrderPending {
					t.Errorf("order is %s, want PENDING", got.Status)
				}
			})
		}
	})
}

func TestInFlight(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, _ := newOrderPortal(t, db)
		ctx := t.Context()
		inFlight := func(account string) bool {
			t.Helper()
			got, err := p.InFlight(ctx, account)
			if err != nil {
				t.Fatalf("InFlight(%s) = %v", account, err)
			}
			return got
		}
		const account = "3100000042"
		if inFlight(account) {
			t.Error("no orders: in flight")
		}
		o := mustCreate(t, p, newOrder("GPW20261126160000000000000001", account, 17500))
		o = mustMove(t, p, o.ID, billing.OrderCreated, billing.OrderPending, nil)
		if inFlight(account) {
			t.Error("a pending order: in flight, want not until paid")
		}
		if _, err := p.MarkPaid(ctx, o.OutTradeNo, "4200000001202611260000000001", 17500, orderStart); err != nil {
			t.Fatal(err)
		}
		if !inFlight(account) {
			t.Error("a paid order: not in flight")
		}
		if inFlight("3100000007") {
			t.Error("another account's payment counts for this one")
		}
		mustMove(t, p, o.ID, billing.OrderPaid, billing.OrderPosted, func(u *store.OrderUpdate) { u.PostedReceiptNo = "SF2026112600000001" })
		if inFlight(account) {
			t.Error("a posted order: still in flight")
		}

		// Paid after close: the money is there, flagged for staff; the clock stops until they decide.
		c := mustCreate(t, p, newOrder("GPW20261126160000000000000002", account, 17500))
		mustMove(t, p, c.ID, billing.OrderCreated, billing.OrderClosed, nil)
		if inFlight(account) {
			t.Error("a closed, unpaid order: in flight")
		}
		if _, err := p.MarkPaid(ctx, c.OutTradeNo, "4200000001202611260000000002", 17500, orderStart); err != nil {
			t.Fatal(err)
		}
		if !inFlight(account) {
			t.Error("a flagged order with its money: not in flight")
		}
		mustMove(t, p, c.ID, billing.OrderFlagged, billing.OrderRefunding, nil)
		if inFlight(account) {
			t.Error("an order being refunded: in flight")
		}
		// Flagged by staff with no money: nothing on its way.
		f := mustCreate(t, p, newOrder("GPW20261126160000000000000003", account, 17500))
		mustMove(t, p, f.ID, billing.OrderCreated, billing.OrderFlagged, nil)
		if inFlight(account) {
			t.Error("a flagged order without money: in flight")
		}

		for _, bad := range []string{"", "310000004", "31000000\xff2", "3100000042' OR '1'='1"} {
			if _, err := p.InFlight(ctx, bad); !errors.Is(err, billing.ErrInvalid) {
				t.Errorf("InFlight(%q) = %v, want ErrInvalid", bad, err)
			}
		}
	})
}

// TestInFlightFollowsBilling checks the store's question against billing's rule for an order in
// every status, with and without its money: the query is built from billing.InFlightStatuses, and
// the two must never disagree.
func TestInFlightFollowsBilling(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, _ := newOrderPortal(t, db)
		ctx := t.Context()
		type named struct {
			name string
			o    store.Order
		}
		var orders []named
		for s, o := range ordersInEveryStatus(t, p) {
			orders = append(orders, named{string(s), o})
		}
		// Paid after close: FLAGGED with its money, where ordersInEveryStatus's FLAGGED has none.
		c := mustCreate(t, p, newOrder("GPW20261126160000000000009999", "3100000999", 17500))
		mustMove(t, p, c.ID, billing.OrderCreated, billing.OrderClosed, nil)
		res, err := p.MarkPaid(ctx, c.OutTradeNo, "4200000001202611269999", 17500, orderStart)
		if err != nil || res.Order.Status != billing.OrderFlagged {
			t.Fatalf("MarkPaid on a closed order = %+v, %v; want it flagged", res, err)
		}
		orders = append(orders, named{"FLAGGED with its money", res.Order})
		for _, tc := range orders {
			t.Run(tc.name, func(t *testing.T) {
				want := tc.o.Status.InFlight(!tc.o.PaidAt.IsZero())
				got, err := p.InFlight(ctx, tc.o.AccountNo)
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("InFlight(%s) with one order %s (paid at %v) = %v; billing says %v",
						tc.o.AccountNo, tc.o.Status, tc.o.PaidAt, got, want)
				}
			})
		}
	})
}

func TestOpenOrders(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, clock := newOrderPortal(t, db)
		ctx := t.Context()
		var ids []int64
		for i := range 5 {
			o := mustCreate(t, p, newOrder(fmt.Sprintf("GPW2026112616000000000000000%d", i), fmt.Sprintf("310000000%d", i), 100))
			ids = append(ids, o.ID)
			clock.advance(time.Minute)
		}
		// Orders 0 and 1 pending, 2 paid, 3 closed, 4 created: open are 0, 1 and 4.
		mustMove(t, p, ids[0], billing.OrderCreated, billing.OrderPending, nil)
		mustMove(t, p, ids[1], billing.OrderCreated, billing.OrderPending, nil)
		if _, err := p.MarkPaid(ctx, "GPW20261126160000000000000002", "42000000012", 100, orderStart); err != nil {
			t.Fatal(err)
		}
		mustMove(t, p, ids[3], billing.OrderCreated, billing.OrderClosed, nil)

		for _, tc := range []struct {
			name      string
			olderThan time.Time
			limit     int
			want      []int64
		}{
			{"all open, oldest first", orderStart.Add(time.Hour), 10, []int64{ids[0], ids[1], ids[4]}},
			{"limit", orderStart.Add(time.Hour), 2, []int64{ids[0], ids[1]}},
			{"no limit asks for 100", orderStart.Add(time.Hour), 0, []int64{ids[0], ids[1], ids[4]}},
			{"created before 16:01:00.123 only", orderStart.Add(time.Minute), 10, []int64{ids[0]}},
			{"the cut-off is exclusive", orderStart, 10, []int64{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				list, err := p.OpenOrders(ctx, tc.olderThan, tc.limit)
				if err != nil {
					t.Fatal(err)
				}
				got := []int64{}
				for _, o := range list {
					got = append(got, o.ID)
					if !o.Status.Open() {
						t.Errorf("order %d is %s, not open", o.ID, o.Status)
					}
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("OpenOrders = %v, want %v", got, tc.want)
				}
			})
		}
	})
}

// TestOrderSchemaKeepsOneOpenOrder checks the database itself, under the store: the indexes that
// hold when two processes race past each other's reads.
func TestOrderSchemaKeepsOneOpenOrder(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		newOrderPortal(t, db)
		ctx := t.Context()
		insert := func(no, account, payer, channel, status, txn string) error {
			_, err := db.ExecContext(ctx, `INSERT INTO payment_orders (out_trade_no, account_no, payer, channel, amount_fen, status,
    provider_txn_id, expires_at, created_at, updated_at)
VALUES (@no, @account, @payer, @channel, 100, @status, @txn, '2026-11-26 10:00:00.000', '2026-11-26 08:00:00.000', '2026-11-26 08:00:00.000')`,
				sql.Named("no", no), sql.Named("account", account), sql.Named("payer", payer), sql.Named("channel", channel),
				sql.Named("status", status), sql.Named("txn", sql.NullString{String: txn, Valid: txn != ""}))
			return err
		}
		for _, tc := range []struct {
			name, no, account, channel, status, txn string
			ok                                      bool
			payer                                   string // phonePayer when ""
		}{
			{"first open order", "GP1", "3100000042", "wechat", "CREATED", "", true, ""},
			{"second open order, same account, payer and channel", "GP2", "3100000042", "wechat", "PENDING", "", false, ""},
			{"another payer's open order on the same account and channel", "GP11", "3100000042", "wechat", "PENDING", "", true, tokenPayer},
			{"that payer's second open order", "GP12", "3100000042", "wechat", "CREATED", "", false, tokenPayer},
			{"the payer in another case is another payer", "GP13", "3100000042", "wechat", "CREATED", "", true, "PHONE:13800138000"},
			{"open order on another channel", "GP3", "3100000042", "alipay", "PENDING", "", true, ""},
			{"closed orders beside the open one", "GP4", "3100000042", "wechat", "CLOSED", "", true, ""},
			{"and another", "GP5", "3100000042", "wechat", "CLOSED", "", true, ""},
			{"paid order", "GP6", "3100000042", "wechat", "PAID", "T1", true, ""},
			{"the same provider transaction on another order", "GP7", "3100000042", "wechat", "POSTED", "T1", false, ""},
			{"the same transaction id on another channel", "GP8", "3100000042", "bank", "PAID", "T1", true, ""},
			{"order number used", "GP1", "3100000007", "wechat", "CLOSED", "", false, ""},
			{"order number in another case is another number", "gp1", "3100000007", "wechat", "CLOSED", "", true, ""},
			{"unknown status", "GP9", "3100000007", "bank", "paid", "", false, ""},
			{"unknown channel", "GP10", "3100000007", "paypal", "CLOSED", "", false, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				payer := tc.payer
				if payer == "" {
					payer = phonePayer
				}
				if err := insert(tc.no, tc.account, payer, tc.channel, tc.status, tc.txn); (err == nil) != tc.ok {
					t.Errorf("insert = %v, want success %v", err, tc.ok)
				}
			})
		}
	})
}

// TestCreateOrderOnePerPayer: the one open order is per account, payer and channel, so that payers
// of one account neither share nor close each other's orders (several may pay it at once).
func TestCreateOrderOnePerPayer(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, _ := newOrderPortal(t, db)
		ctx := t.Context()
		const account = "3100000042"
		byPayer := func(no, payer string, amount billing.Money) store.NewOrder {
			o := newOrder(no, account, amount)
			o.Payer = payer
			if payer != phonePayer {
				o.PayerPhone = ""
			}
			return o
		}
		mine := mustCreate(t, p, byPayer("GPW1", phonePayer, 17500))
		theirs := mustCreate(t, p, byPayer("GPW2", tokenPayer, 17500))
		if theirs.ID == mine.ID || theirs.Payer != tokenPayer {
			t.Fatalf("another payer's order = %+v, want a new order of its own (mine is %d)", theirs, mine.ID)
		}

		for _, tc := range []struct {
			name        string
			order       store.NewOrder
			wantID      int64 // 0: a new order
			wantStillOp []int64
		}{
			{"the first payer again gets their open order", byPayer("GPW3", phonePayer, 17500), mine.ID, []int64{mine.ID, theirs.ID}},
			{"the second payer again gets theirs", byPayer("GPW4", tokenPayer, 17500), theirs.ID, []int64{mine.ID, theirs.ID}},
			{"another amount replaces only the payer's own order", byPayer("GPW5", tokenPayer, 20000), 0, []int64{mine.ID}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, created, err := p.CreateOrder(ctx, tc.order)
				if err != nil {
					t.Fatal(err)
				}
				if tc.wantID != 0 && (created || got.ID != tc.wantID) {
					t.Errorf("CreateOrder = order %d, created %v; want order %d again", got.ID, created, tc.wantID)
				}
				if tc.wantID == 0 && !created {
					t.Errorf("CreateOrder = order %d, not created; want a new order", got.ID)
				}
				for _, id := range tc.wantStillOp {
					if o := orderByID(t, p, id); o.Status != billing.OrderCreated {
						t.Errorf("order %d is %s, want still CREATED", id, o.Status)
					}
				}
			})
		}

		t.Run("OpenOrder finds each payer's own", func(t *testing.T) {
			if o, err := p.OpenOrder(ctx, account, phonePayer, "wechat"); err != nil || o.ID != mine.ID {
				t.Errorf("OpenOrder(phone payer) = %d, %v; want %d", o.ID, err, mine.ID)
			}
			if o, err := p.OpenOrder(ctx, account, tokenPayer, "wechat"); err != nil || o.Amount != 20000 {
				t.Errorf("OpenOrder(token payer) = %+v, %v; want the 200.00 order", o, err)
			}
			if _, err := p.OpenOrder(ctx, account, "token:other", "wechat"); !errors.Is(err, billing.ErrNotFound) {
				t.Errorf("OpenOrder(a third payer) = %v, want ErrNotFound", err)
			}
		})

		t.Run("payers racing on one account each get one order", func(t *testing.T) {
			const callers = 8
			orders := make([]store.Order, callers)
			atOnce(t, db, callers, func(i int) {
				o := newOrder(fmt.Sprintf("GPR%04d", i), "3100000043", 17500)
				o.Payer = fmt.Sprintf("token:payer%d", i%4) // four payers, each asking twice
				var err error
				if orders[i], _, err = p.CreateOrder(ctx, o); err != nil {
					t.Errorf("caller %d: %v", i, err)
				}
			})
			for i := range callers {
				if orders[i].ID != orders[i%4].ID {
					t.Errorf("caller %d got order %d, the same payer's caller %d got %d", i, orders[i].ID, i%4, orders[i%4].ID)
				}
			}
			if n := queryInt(t, db, `SELECT COUNT(*) FROM payment_orders WHERE account_no = '3100000043' AND status = 'CREATED'`); n != 4 {
				t.Errorf("%d open orders, want one per payer, 4", n)
			}
		})
	})
}

// TestMarkPosted: the order moves to POSTED with its receipt number and its outbox row is
// acknowledged, together; an order posted already has its outbox row acknowledged only; an order
// in another status changes nothing, not even the outbox row.
func TestMarkPosted(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, _ := newOrderPortal(t, db)
		ctx := t.Context()
		paid := func(out, account, txn string) store.MarkPaidResult {
			t.Helper()
			o, _, err := p.CreateOrder(ctx, newOrder(out, account, 3000))
			if err != nil {
				t.Fatal(err)
			}
			res, err := p.MarkPaid(ctx, o.OutTradeNo, txn, 3000, orderStart)
			if err != nil || res.OutboxID == 0 {
				t.Fatalf("MarkPaid = %+v, %v", res, err)
			}
			return res
		}
		unacked := func() int {
			t.Helper()
			items, err := p.UnackedOutbox(ctx, orderStart.Add(time.Hour), 100)
			if err != nil {
				t.Fatal(err)
			}
			return len(items)
		}

		a := paid("GPW20261126000000030001", "3100000031", "4200000301")
		if err := p.MarkPosted(ctx, a.Order.ID, billing.OrderPaid, "SF2026112600000001", a.OutboxID); err != nil {
			t.Fatal(err)
		}
		o, err := p.OrderByID(ctx, a.Order.ID)
		if err != nil || o.Status != billing.OrderPosted || o.PostedReceiptNo != "SF2026112600000001" || unacked() != 0 {
			t.Fatalf("after MarkPosted: %+v, %v; %d outbox rows unacknowledged", o, err, unacked())
		}
		if last := o.Events[len(o.Events)-1]; last.From != billing.OrderPaid || last.To != billing.OrderPosted {
			t.Errorf("last event %+v, want PAID -> POSTED", last)
		}
		// A second run that posted it too: nothing more changes.
		if err := p.MarkPosted(ctx, a.Order.ID, billing.OrderPaid, "SF2026112600000001", a.OutboxID); err != nil {
			t.Errorf("posted again: %v", err)
		}

		b := paid("GPW20261126000000030002", "3100000032", "4200000302")
		if err := p.MarkPosted(ctx, b.Order.ID, billing.OrderFlagged, "SF2026112600000002", b.OutboxID); !errors.Is(err, billing.ErrConflict) {
			t.Errorf("a PAID order marked posted from FLAGGED: %v, want a conflict", err)
		}
		if err := p.MarkPosted(ctx, b.Order.ID, billing.OrderPaid, "SF2026112600000002", b.OutboxID+100); !errors.Is(err, billing.ErrNotFound) {
			t.Errorf("marked posted with a missing outbox row: %v, want not found", err)
		}
		if o, err := p.OrderByID(ctx, b.Order.ID); err != nil || o.Status != billing.OrderPaid || unacked() != 1 {
			t.Errorf("after the refusals: %+v, %v; %d outbox rows unacknowledged, want the order PAID and 1", o, err, unacked())
		}
		if got, want := countOrders(t, db), (orderCounts{orders: 2, events: 7, outbox: 2}); got != want {
			t.Errorf("rows %+v, want %+v", got, want)
		}
	})
}
