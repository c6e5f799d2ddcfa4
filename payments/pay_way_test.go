package payments_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
	"gridpay/payments"
	"gridpay/payments/sandbox"
)

// inPlaceService is ordering on the rig's WeChat and Alipay simulators, each behind its breaker, with
// order pages at https://pay.example.cn/pay/{out}.
func (r *callbackRig) inPlaceService() *payments.Service {
	guard := func(name string, p payments.Provider) payments.Provider {
		return payments.Guard(p, payments.NewBreaker(name, 3, time.Minute, time.Now))
	}
	return &payments.Service{Providers: map[string]payments.Provider{payments.WeChat: guard(payments.WeChat, r.p),
		payments.Alipay: guard(payments.Alipay, r.alipay)}, Orders: r.orders, Core: r.core, Bureau: "测试县供电公司",
		Now: time.Now, Loc: time.Local, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		NotifyURL: func(p string) string { return r.url + "/callbacks/" + p },
		PageURL:   func(out string) string { return "https://pay.example.cn/pay/" + out }}
}

// TestOpenInPlace opens orders paid on the phone that shows the page, each through its provider's
// real protocol on the simulators: WeChat Pay H5 (the cashier's address comes back, with the order's
// page to return to), Alipay WAP (a signed gateway address), WeChat Pay JSAPI (a signed request for
// the payment sheet, which pays it). Asking again the same way finds the order and gives a fresh way
// in; asking another way replaces it, closed at the provider first. Ways a channel does not take are
// refused, and nothing is written for them.
func TestOpenInPlace(t *testing.T) {
	r := newCallbackRig(t)
	svc := r.inPlaceService()
	ctx := context.Background()
	payer := payments.Payer{Phone: "13800138000"}
	ask := func(channel string, way billing.PayWay) payments.Ask {
		return payments.Ask{AccountNo: "3100000001", Payer: payer, Channel: channel, Amount: 21824, Way: way,
			Phone: payments.PhoneClient{IP: "203.0.113.9"}, OpenID: "oGridpayTestOpenID0000000001"}
	}

	t.Run("wechat h5", func(t *testing.T) {
		o, st, err := svc.Open(ctx, ask(payments.WeChat, billing.PayH5))
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(st.URL)
		if o.Status != payments.Pending || o.Way != billing.PayH5 || o.CodeURL != "" || u == nil ||
			u.Query().Get("redirect_url") != "https://pay.example.cn/pay/"+o.OutTradeNo || u.Query().Get("prepay_id") == "" {
			t.Fatalf("H5 order %+v, start %+v", o, st)
		}
		again, st2, err := svc.Open(ctx, ask(payments.WeChat, billing.PayH5))
		if err != nil || again.ID != o.ID || st2.URL != st.URL {
			t.Fatalf("asking again: order %d (%v), start %q; want order %d and its cashier", again.ID, err, st2.URL, o.ID)
		}
		resumed, err := svc.Resume(ctx, o, payments.PhoneClient{IP: "203.0.113.10"})
		if err != nil || !strings.Contains(resumed.URL, "prepay_id=") {
			t.Fatalf("resuming the H5 order: %+v, %v", resumed, err)
		}

		// The code instead, for the same amount: a new order, the H5 one closed at WeChat.
		qr, st3, err := svc.Open(ctx, ask(payments.WeChat, billing.PayQR))
		if err != nil || qr.ID == o.ID || qr.Way != billing.PayQR || qr.CodeURL == "" || st3 != (payments.Start{}) {
			t.Fatalf("paying by the code instead: %+v, %+v, %v", qr, st3, err)
		}
		if q, err := r.p.Query(ctx, o.OutTradeNo); err != nil || q.State != payments.TradeClosed {
			t.Errorf("the replaced H5 order is %s at WeChat (%v), want CLOSED", q.State, err)
		}
		if got := r.status(t, o.ID); got != payments.Closed {
			t.Errorf("the replaced H5 order is %s, want CLOSED", got)
		}
		if _, err := svc.Resume(ctx, mustOrder(t, r, o.ID), payments.PhoneClient{IP: "203.0.113.9"}); !errors.Is(err, billing.ErrConflict) {
			t.Errorf("resuming a closed order: %v, want a conflict", err)
		}
	})

	t.Run("alipay wap", func(t *testing.T) {
		o, st, err := svc.Open(ctx, ask(payments.Alipay, billing.PayWAP))
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(st.URL)
		if o.Status != payments.Pending || o.Way != billing.PayWAP || u == nil || u.Query().Get("method") != "alipay.trade.wap.pay" ||
			u.Query().Get("return_url") != "https://pay.example.cn/pay/"+o.OutTradeNo || u.Query().Get("sign") == "" {
			t.Fatalf("WAP order %+v, start %s", o, st.URL)
		}
	})

	t.Run("wechat jsapi, paid in the sheet", func(t *testing.T) {
		noID := ask(payments.WeChat, billing.PayJSAPI)
		noID.OpenID = ""
		if _, _, err := svc.Open(ctx, noID); !errors.Is(err, billing.ErrInvalid) {
			t.Errorf("JSAPI without an OpenID: %v, want invalid", err)
		}
		o, st, err := svc.Open(ctx, ask(payments.WeChat, billing.PayJSAPI))
		if err != nil || st.JSAPI == nil || o.Way != billing.PayJSAPI || o.Status != payments.Pending {
			t.Fatalf("JSAPI order %+v, start %+v, %v", o, st, err)
		}
		resumed, err := svc.Resume(ctx, o, payments.PhoneClient{})
		if err != nil || resumed.JSAPI == nil || resumed.JSAPI.Package != st.JSAPI.Package {
			t.Fatalf("resuming: %+v, %v; want the same prepay_id signed again", resumed, err)
		}
		if err := r.sim.PayInApp(sandbox.WeChatJSAPIRequest(*resumed.JSAPI)); err != nil {
			t.Fatal(err)
		}
		r.waitDeliveries(t, o.OutTradeNo, 1)
		waitFor(t, "the order paid", func() bool { return r.status(t, o.ID) == payments.Paid })
		if _, err := svc.Resume(ctx, mustOrder(t, r, o.ID), payments.PhoneClient{}); !errors.Is(err, billing.ErrConflict) {
			t.Errorf("resuming a paid order: %v, want a conflict", err)
		}
	})

	t.Run("wechat jsapi for another WeChat customer", func(t *testing.T) {
		a := ask(payments.WeChat, billing.PayJSAPI)
		a.Amount = 100
		first, _, err := svc.Open(ctx, a)
		if err != nil || first.OpenID != a.OpenID {
			t.Fatalf("JSAPI order %+v, %v; want it placed for %s", first, err, a.OpenID)
		}
		a.OpenID = "oGridpayTestOpenID0000000002" // another WeChat user on the same browser
		second, st, err := svc.Open(ctx, a)
		if err != nil || second.ID == first.ID || second.OpenID != a.OpenID || st.JSAPI == nil {
			t.Fatalf("the same order for another customer: %+v, %v; want a new order for them", second, err)
		}
		if got := r.status(t, first.ID); got != payments.Closed {
			t.Errorf("the first customer's order is %s, want CLOSED", got)
		}

		r.sim.ForeignOpenID("oAnotherAppsCustomer000000001")
		a.OpenID, a.Amount = "oAnotherAppsCustomer000000001", 200
		o, _, err := svc.Open(ctx, a)
		if !errors.Is(err, payments.ErrOpenIDRefused) || !errors.Is(err, billing.ErrInvalid) || o.Status != payments.Created {
			t.Errorf("an OpenID of another app: order %s, %v; want it CREATED and the OpenID refused", o.Status, err)
		}

		// A refusal that is not about the customer (here a description WeChat finds too long) is the
		// merchant's to mend, not a reason to forget the OpenID.
		long := *svc
		long.Bureau = strings.Repeat("很长的供电公司名称", 10)
		a.OpenID, a.Amount = "oGridpayTestOpenID0000000001", 300
		if _, _, err := long.Open(ctx, a); !errors.Is(err, billing.ErrInvalid) || errors.Is(err, payments.ErrOpenIDRefused) {
			t.Errorf("a refusal of the order's description: %v; want invalid, not the OpenID refused", err)
		}
	})

	t.Run("ways a channel does not take", func(t *testing.T) {
		noPages := *svc
		noPages.PageURL = nil
		for name, c := range map[string]struct {
			svc *payments.Service
			ask payments.Ask
		}{
			"wechat by wap":             {svc, ask(payments.WeChat, billing.PayWAP)},
			"alipay by h5":              {svc, ask(payments.Alipay, billing.PayH5)},
			"alipay inside wechat":      {svc, ask(payments.Alipay, billing.PayJSAPI)},
			"an unknown way":            {svc, ask(payments.WeChat, "nfc")},
			"h5 with no page to return": {&noPages, ask(payments.WeChat, billing.PayH5)},
		} {
			var before int
			r.portalDB.QueryRowContext(ctx, `SELECT COUNT(*) FROM payment_orders`).Scan(&before)
			if _, _, err := c.svc.Open(ctx, c.ask); !errors.Is(err, billing.ErrInvalid) {
				t.Errorf("%s: %v, want invalid", name, err)
			}
			var after int
			r.portalDB.QueryRowContext(ctx, `SELECT COUNT(*) FROM payment_orders`).Scan(&after)
			if after != before {
				t.Errorf("%s: %d orders -> %d, want none made", name, before, after)
			}
		}
		if got := noPages.Ways(payments.WeChat, true); !reflect.DeepEqual(got, []billing.PayWay{billing.PayQR, billing.PayJSAPI}) {
			t.Errorf("ways without order pages = %v, want the code and JSAPI", got)
		}
	})
}

// TestWaysIn picks the way to pay from the browser that asks: the payment sheet inside WeChat, the
// cashier in a phone's browser or inside Alipay, the code on a desktop; the code is always offered.
func TestWaysIn(t *testing.T) {
	svc := newCallbackRig(t).inPlaceService()
	const (
		android  = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36"
		iphone   = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
		wechat   = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36 MicroMessenger/8.0.49.2600(0x28003133) NetType/WIFI Language/zh_CN"
		alipayUA = "Mozilla/5.0 (Linux; Android 10) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36 AlipayChannelId/5136 AlipayClient/10.6.0"
		desktop  = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36"
	)
	qr, h5, wap, jsapi := billing.PayQR, billing.PayH5, billing.PayWAP, billing.PayJSAPI
	for _, c := range []struct {
		name, ua, channel string
		jsapi             bool
		want              []billing.PayWay
	}{
		{"android browser, wechat", android, payments.WeChat, true, []billing.PayWay{h5, qr}},
		{"iphone browser, alipay", iphone, payments.Alipay, true, []billing.PayWay{wap, qr}},
		{"inside wechat, wechat", wechat, payments.WeChat, true, []billing.PayWay{jsapi, qr}},
		{"inside wechat without web authorization", wechat, payments.WeChat, false, []billing.PayWay{qr}},
		{"inside wechat, alipay", wechat, payments.Alipay, true, []billing.PayWay{qr}},
		{"inside alipay, alipay", alipayUA, payments.Alipay, true, []billing.PayWay{wap, qr}},
		{"inside alipay, wechat", alipayUA, payments.WeChat, true, []billing.PayWay{qr}},
		{"desktop", desktop, payments.WeChat, true, []billing.PayWay{qr}},
		{"no user agent", "", payments.Alipay, true, []billing.PayWay{qr}},
		{"a channel not configured", android, "bank", true, nil},
	} {
		if got := svc.WaysIn(payments.BrowserOf(c.ua), c.channel, c.jsapi); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// mustOrder reads order id as it stands now.
func mustOrder(t *testing.T, r *callbackRig, id int64) store.Order {
	t.Helper()
	o, err := r.orders.OrderState(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return o
}
