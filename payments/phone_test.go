package payments_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
	"gridpay/payments"
	"gridpay/payments/sandbox"
)

// phoneOrder opens an order of ¥218.24 for account 3100000001 on channel, not yet placed at the
// provider, and returns it with what the provider is told of it.
func (r *callbackRig) phoneOrder(t *testing.T, channel string) (store.Order, payments.ProviderOrder) {
	t.Helper()
	o, _, err := r.orders.CreateOrder(context.Background(), store.NewOrder{OutTradeNo: payments.NewOutTradeNo(channel, time.Now()),
		AccountNo: "3100000001", Channel: channel, Amount: 21824, ExpiresAt: time.Now().Add(30 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	return o, payments.ProviderOrder{OutTradeNo: o.OutTradeNo, Amount: o.Amount, Description: "云溪县供电公司电费-户号3100000001",
		ExpiresAt: o.ExpiresAt, NotifyURL: r.url + "/callbacks/" + channel}
}

// TestWeChatH5 pays an order in a phone's browser through WeChat Pay H5 on the simulator: the
// provider places it (/v3/pay/transactions/h5) and sends the browser to the h5_url with the order's
// page as redirect_url; the cashier takes the payment and sends the browser back there; the
// callback makes the order PAID, as a QR payment's does.
func TestWeChatH5(t *testing.T) {
	r := newCallbackRig(t)
	ctx := context.Background()
	o, po := r.phoneOrder(t, payments.WeChat)
	back := "https://pay.example.cn/pay/" + o.OutTradeNo

	for name, c := range map[string]payments.PhoneClient{
		"no address":          {IP: "", ReturnURL: back},
		"a name, not an IP":   {IP: "phone.local", ReturnURL: back},
		"a script to go back": {IP: "203.0.113.9", ReturnURL: "javascript:alert(1)"},
		"a path to go back":   {IP: "203.0.113.9", ReturnURL: "/pay/" + o.OutTradeNo},
	} {
		if _, err := r.p.PrecreatePhone(ctx, po, c); !errors.Is(err, billing.ErrInvalid) {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}

	// Through the channel's breaker, as ordering calls it.
	guarded, ok := payments.Guard(r.p, payments.NewBreaker(payments.WeChat, 3, time.Minute, time.Now)).(payments.PhonePayer)
	if !ok {
		t.Fatal("a guarded WeChat provider takes no H5 orders")
	}
	payURL, err := guarded.PrecreatePhone(ctx, po, payments.PhoneClient{IP: "203.0.113.9", ReturnURL: back})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(payURL)
	if u.Query().Get("redirect_url") != back || u.Query().Get("prepay_id") == "" {
		t.Fatalf("h5_url %s lacks the prepay id or the way back", payURL)
	}
	again, err := r.p.PrecreatePhone(ctx, po, payments.PhoneClient{IP: "203.0.113.9", ReturnURL: back})
	if err != nil || again != payURL {
		t.Fatalf("placing the same H5 order again: %s, %v; want the same h5_url", again, err)
	}
	if _, err := r.p.Precreate(ctx, po); err == nil {
		t.Fatal("the same order number was placed as a Native order too")
	}

	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Get(payURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "218.24") {
		t.Fatalf("cashier = %d:\n%s", resp.StatusCode, page)
	}
	resp, err = browser.PostForm(payURL, url.Values{"redirect_url": {back}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != back {
		t.Fatalf("paying at the cashier = %d to %q, want 303 back to the order's page", resp.StatusCode, resp.Header.Get("Location"))
	}
	r.waitDeliveries(t, o.OutTradeNo, 1)
	waitFor(t, "the order paid", func() bool { return r.status(t, o.ID) == payments.Paid })
	q, err := r.p.Query(ctx, o.OutTradeNo)
	if err != nil || q.State != payments.TradePaid || q.Amount != 21824 {
		t.Fatalf("query after paying: %+v, %v", q, err)
	}
}

// TestAlipayWAP pays an order in a phone's browser through Alipay WAP on the simulator: the
// provider signs an alipay.trade.wap.pay address at the gateway; the browser opens its cashier,
// pays, and is sent back to the order's page with the signed return parameters; the notification
// makes the order PAID.
func TestAlipayWAP(t *testing.T) {
	r := newCallbackRig(t)
	ctx := context.Background()
	o, po := r.phoneOrder(t, payments.Alipay)
	back := "https://pay.example.cn/pay/" + o.OutTradeNo
	if _, err := r.alipay.PrecreatePhone(ctx, po, payments.PhoneClient{ReturnURL: "javascript:alert(1)"}); !errors.Is(err, billing.ErrInvalid) {
		t.Errorf("a script to go back: %v, want invalid", err)
	}
	payURL, err := r.alipay.PrecreatePhone(ctx, po, payments.PhoneClient{IP: "203.0.113.9", ReturnURL: back})
	if err != nil {
		t.Fatal(err)
	}
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	// A tampered address is refused by the gateway's signature check.
	tampered := strings.Replace(payURL, "218.24", "2.18", 1)
	if resp, err := browser.Get(tampered); err != nil {
		t.Fatal(err)
	} else if body, _ := io.ReadAll(resp.Body); resp.Body.Close() == nil && strings.Contains(string(body), "确认付款") {
		t.Fatal("the gateway opened a cashier for a tampered amount")
	}

	resp, err := browser.Get(payURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "218.24") || !strings.Contains(string(page), "确认付款") {
		t.Fatalf("cashier = %d:\n%s", resp.StatusCode, page)
	}
	cashier := strings.TrimSuffix(strings.SplitN(payURL, "?", 2)[0], "gateway.do") + "cashier"
	resp, err = browser.PostForm(cashier, url.Values{"out_trade_no": {o.OutTradeNo}, "return_url": {back}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || loc == nil || loc.Scheme+"://"+loc.Host+loc.Path != back ||
		loc.Query().Get("out_trade_no") != o.OutTradeNo || loc.Query().Get("sign") == "" {
		t.Fatalf("paying at the cashier = %d to %q, want 303 back to the order's page with the signed return", resp.StatusCode, resp.Header.Get("Location"))
	}
	waitFor(t, "the order paid", func() bool { return r.status(t, o.ID) == payments.Paid })
}

// TestWeChatJSAPI pays an order inside WeChat: the provider places it for the customer's OpenID
// and signs the request for the payment sheet; the simulator's sheet checks the signature and
// pays; the callback makes the order PAID. A request whose amount or signature was changed on the
// way is refused by the sheet.
func TestWeChatJSAPI(t *testing.T) {
	r := newCallbackRig(t)
	ctx := context.Background()
	o, po := r.phoneOrder(t, payments.WeChat)
	for _, openID := range []string{"", strings.Repeat("o", 65)} {
		if _, err := r.p.PrecreateJSAPI(ctx, po, openID); !errors.Is(err, billing.ErrInvalid) {
			t.Errorf("OpenID %q: %v, want invalid", openID, err)
		}
	}
	guarded, ok := payments.Guard(r.p, payments.NewBreaker(payments.WeChat, 3, time.Minute, time.Now)).(payments.JSAPIPayer)
	if !ok {
		t.Fatal("a guarded WeChat provider takes no JSAPI orders")
	}
	req, err := guarded.PrecreateJSAPI(ctx, po, "oGridpayTestOpenID0000000001")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(req.Package, "prepay_id=wx") || req.SignType != "RSA" || req.PaySign == "" {
		t.Fatalf("payment sheet request %+v", req)
	}
	sheet := sandbox.WeChatJSAPIRequest(req)
	forged := sheet
	forged.TimeStamp = strconv.FormatInt(time.Now().Unix()+1, 10)
	if err := r.sim.PayInApp(forged); !errors.Is(err, billing.ErrUnauthorized) {
		t.Fatalf("a request changed on its way: %v, want refused", err)
	}
	if err := r.sim.PayInApp(sheet); err != nil {
		t.Fatal(err)
	}
	r.waitDeliveries(t, o.OutTradeNo, 1)
	waitFor(t, "the order paid", func() bool { return r.status(t, o.ID) == payments.Paid })
}
