package portal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
	"gridpay/internal/web"
	"gridpay/payments"
	"gridpay/payments/alipay"
	"gridpay/payments/sandbox"
	"gridpay/payments/wechat"
)

// TestPayPageShowsExpiryInTheBureausZone: the time a code stops working is read on the bureau's
// clock, GRIDPAY_TIMEZONE, whatever zone that is.
func TestPayPageShowsExpiryInTheBureausZone(t *testing.T) {
	for _, tc := range []struct {
		name string
		loc  *time.Location
		want string
	}{
		{"Beijing", time.FixedZone("CST", 8*3600), "16:30"},
		{"five hours behind UTC", time.FixedZone("UTC-5", -5*3600), "03:30"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startSite(t, siteOptions{dev: true, loc: tc.loc})
			ctx := context.Background()
			// The site's clock says 08:00 UTC; the code is good for half an hour.
			o, _, err := s.portal.CreateOrder(ctx, store.NewOrder{OutTradeNo: "GP20261126TZ0001", AccountNo: "3100000001",
				PayerPhone: "13800138000", Payer: "phone:13800138000", Channel: "wechat", Amount: billing.Money(12345), ExpiresAt: time.Date(2026, 11, 26, 8, 30, 0, 0, time.UTC)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.portal.MoveOrder(ctx, o.ID, billing.OrderCreated, billing.OrderPending, "code", func(u *store.OrderUpdate) {
				u.CodeURL = "weixin://wxpay/bizpayurl?pr=test"
			}); err != nil {
				t.Fatal(err)
			}
			status, body := getPage(t, s.signIn(t, "13800138000"), s.url+"/pay/"+o.OutTradeNo) // the order's payer
			if status != http.StatusOK || !strings.Contains(body, "二维码"+tc.want+"前有效") {
				t.Errorf("pay page = %d, want the code valid until %s:\n%s", status, tc.want, body)
			}
		})
	}
}

// newPayments is a payment service whose WeChat channel is the real provider code talking to the
// WeChat Pay sandbox on loopback, the wire protocol and its signatures included.
func newPayments(t *testing.T, orders *store.Portal, core payments.Core, now func() time.Time, loc *time.Location, site string) (*payments.Service, *sandbox.WeChat) {
	t.Helper()
	keys, err := sandbox.NewWeChatKeys()
	if err != nil {
		t.Fatal(err)
	}
	sim := sandbox.NewWeChat(keys, sandbox.WeChatClock(now))
	t.Cleanup(sim.Close)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	wx, err := wechat.New(wechat.Config{MchID: keys.MchID, AppID: keys.AppID, MerchantPrivateKeyPEM: keys.MerchantKeyPEM,
		MerchantCertSerial: keys.MerchantCertSerial, APIv3Key: keys.APIv3Key, PlatformCertsPEM: []string{keys.PlatformCertPEM},
		PublicKeyPEM: keys.PayPublicKeyPEM, PublicKeyID: keys.PayPublicKeyID, BaseURL: srv.URL, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	aliSim, appKey, err := sandbox.NewAlipayApp(sandbox.AlipayConfig{AppID: "2021000000000001", SellerID: "2088000000000001", RetryScale: 1e-6})
	if err != nil {
		t.Fatal(err)
	}
	aliSrv := httptest.NewServer(aliSim)
	t.Cleanup(func() { aliSim.Close(); aliSrv.Close() })
	ali, err := alipay.New(alipay.Config{AppID: "2021000000000001", SellerID: "2088000000000001", PrivateKeyPEM: appKey,
		AlipayPublicKeyPEM: aliSim.PublicKeyPEM(), GatewayURL: aliSrv.URL + "/gateway.do", HTTPClient: aliSrv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	// As the app wires them: each channel behind its breaker, here with a short wait for a code.
	guard := func(p payments.Provider) payments.Provider {
		return payments.Guard(p, payments.NewBreaker(p.Name(), payments.BreakerFailures, payments.BreakerCooldown, now).WithDeadline(300*time.Millisecond))
	}
	return &payments.Service{Providers: map[string]payments.Provider{payments.WeChat: guard(wx), payments.Alipay: guard(ali)},
		Orders: orders, Core: core, NotifyURL: func(p string) string { return "https://pay.example.cn/callbacks/" + p },
		PageURL: func(out string) string { return site + "/pay/" + out },
		Bureau:  "云溪县供电公司", Now: now, Loc: loc, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, sim
}

// payingSite is a portal that takes WeChat payments through the sandbox.
func payingSite(t *testing.T) *site {
	t.Helper()
	return startSite(t, siteOptions{dev: true, loc: time.FixedZone("CST", 8*3600), pay: true})
}

// payBody is the JSON that asks to pay amount fen by WeChat.
func payBody(amount int64) string { return fmt.Sprintf(`{"channel":"wechat","amount_fen":%d}`, amount) }

// order is the part of an order in the API these tests read.
type order struct {
	OutTradeNo string `json:"out_trade_no"`
	Amount     int64  `json:"amount_fen"`
	Status     string `json:"status"`
	QRURL      string `json:"qr_url"`
}

// payAs asks to pay account through the API as the client does (its session or its payer cookie),
// from this site, and returns the order, failing the test unless one was made.
func (s *site) payAs(t *testing.T, c *http.Client, account string, amount int64, headers ...string) order {
	t.Helper()
	r := post(t, c, s.url+"/api/v1/accounts/"+account+"/payments", payBody(amount), append([]string{"Origin", s.url}, headers...)...)
	var o order
	if r.status != http.StatusCreated || json.Unmarshal([]byte(r.raw), &o) != nil || o.OutTradeNo == "" {
		t.Fatalf("pay %s = %d %s, want 201 and an order", account, r.status, r.raw)
	}
	return o
}

// TestOrdersBelongToTheirPayer: payers of one account do not meet. Someone paying for the account
// signed out (代缴) gets an order of their own, which neither blocks nor closes the customer's; each
// order, its page and its code answer only its payer, and anyone else hears it does not exist.
func TestOrdersBelongToTheirPayer(t *testing.T) {
	s := payingSite(t)
	owner := s.signIn(t, "13800138000") // 3100000001 is bound to this phone
	mine := s.payAs(t, owner, "3100000001", 1000)
	stranger := client(t) // signed out, paying for the account
	theirs := s.payAs(t, stranger, "3100000001", 2000)
	if theirs.OutTradeNo == mine.OutTradeNo || theirs.Amount != 2000 {
		t.Fatalf("the stranger got %+v, want an order of their own (the owner's is %s)", theirs, mine.OutTradeNo)
	}
	anotherStranger := client(t)
	t.Run("a payer asking again gets their own open order", func(t *testing.T) {
		if again := s.payAs(t, stranger, "3100000001", 2000); again.OutTradeNo != theirs.OutTradeNo {
			t.Errorf("the stranger again got %s, want their %s", again.OutTradeNo, theirs.OutTradeNo)
		}
		if again := s.payAs(t, owner, "3100000001", 1000); again.OutTradeNo != mine.OutTradeNo {
			t.Errorf("the owner again got %s, want their %s", again.OutTradeNo, mine.OutTradeNo)
		}
		if other := s.payAs(t, anotherStranger, "3100000001", 2000); other.OutTradeNo == theirs.OutTradeNo || other.OutTradeNo == mine.OutTradeNo {
			t.Errorf("a third payer got %s, someone else's order", other.OutTradeNo)
		}
	})

	for _, tc := range []struct {
		name   string
		c      *http.Client
		out    string
		status int
	}{
		{"the owner follows their order", owner, mine.OutTradeNo, 200},
		{"the stranger follows theirs", stranger, theirs.OutTradeNo, 200},
		{"the stranger may not read the owner's", stranger, mine.OutTradeNo, 404},
		{"the owner may not read the stranger's", owner, theirs.OutTradeNo, 404},
		{"another browser may not read the stranger's", anotherStranger, theirs.OutTradeNo, 404},
		{"a browser with no cookie at all may not", http.DefaultClient, mine.OutTradeNo, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body, raw := getJSON(t, tc.c, s.url+"/api/v1/payments/"+tc.out)
			if status != tc.status {
				t.Errorf("GET /api/v1/payments/%s = %d %s, want %d", tc.out, status, raw, tc.status)
			}
			if tc.status == 404 && (strings.Contains(raw, tc.out) || body["error"] == nil) {
				t.Errorf("a refusal names the order or is not the usual error JSON: %s", raw)
			}
			if status, page := getPage(t, tc.c, s.url+"/pay/"+tc.out); status != tc.status || (tc.status == 404 && strings.Contains(page, "weixin://")) {
				t.Errorf("GET /pay/%s = %d, want %d", tc.out, status, tc.status)
			}
			if status, _ := getPage(t, tc.c, s.url+"/pay/"+tc.out+"/qr.png"); status != tc.status {
				t.Errorf("GET /pay/%s/qr.png = %d, want %d", tc.out, status, tc.status)
			}
		})
	}

	t.Run("both orders stay open", func(t *testing.T) {
		for c, out := range map[*http.Client]string{owner: mine.OutTradeNo, stranger: theirs.OutTradeNo} {
			_, body, raw := getJSON(t, c, s.url+"/api/v1/payments/"+out)
			if body["status"] != "PENDING" {
				t.Errorf("order %s = %s, want PENDING", out, raw)
			}
			// The payer sees how the order came to stand: made, then given its code.
			timeline, _ := body["timeline"].([]any)
			if n := len(timeline); n == 0 || timeline[n-1].(map[string]any)["to"] != "PENDING" {
				t.Errorf("order %s: timeline %v, want it to end at PENDING", out, body["timeline"])
			}
		}
	})
}

// TestPayerCookie: a browser paying signed out is known by a random payer token in a cookie that
// script cannot read and other sites' requests do not carry; the database keeps only its hash.
func TestPayerCookie(t *testing.T) {
	s := payingSite(t)
	c := client(t)
	o := s.payAs(t, c, "3100000002", 1500)
	var token *http.Cookie
	for _, ck := range c.Jar.Cookies(mustURL(t, s.url)) {
		if ck.Name == web.PayerCookie {
			token = ck
		}
	}
	if token == nil || len(token.Value) < 32 {
		t.Fatalf("no payer token cookie of at least 32 characters after paying signed out")
	}
	req, _ := http.NewRequest(http.MethodPost, s.url+"/api/v1/accounts/3100000002/payments", strings.NewReader(payBody(1500)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", s.url)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var set *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == web.PayerCookie {
			set = ck
		}
	}
	if set == nil || !set.HttpOnly || set.SameSite != http.SameSiteLaxMode || set.Path != "/" || set.MaxAge <= 0 {
		t.Errorf("payer cookie = %+v, want HttpOnly, SameSite=Lax, Path=/, kept across browser restarts", set)
	}
	got, err := s.portal.OrderByOutTradeNo(context.Background(), o.OutTradeNo)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got.Payer, token.Value) || !strings.HasPrefix(got.Payer, "token:") || len(got.Payer) != len("token:")+64 {
		t.Errorf("order's payer = %q, want the token's SHA-256, not the token", got.Payer)
	}
}

// TestPayerCookieInProduction: with production's cookies (Secure, under a __Host- name) a payer
// who paid signed out is still known by the cookie the site set, and sees their own order.
func TestPayerCookieInProduction(t *testing.T) {
	s := startSite(t, siteOptions{loc: time.FixedZone("CST", 8*3600), pay: true, secure: true})
	req, _ := http.NewRequest(http.MethodPost, s.url+"/api/v1/accounts/3100000002/payments", strings.NewReader(payBody(1500)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", s.url)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var o order
	json.NewDecoder(resp.Body).Decode(&o)
	resp.Body.Close()
	var token *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "__Host-"+web.PayerCookie {
			token = ck
		}
	}
	if resp.StatusCode != http.StatusCreated || token == nil || !token.Secure {
		t.Fatalf("paying signed out = %d, payer cookie %+v; want 201 and a Secure __Host- cookie", resp.StatusCode, token)
	}
	req, _ = http.NewRequest(http.MethodGet, s.url+"/api/v1/payments/"+o.OutTradeNo, nil)
	req.AddCookie(&http.Cookie{Name: token.Name, Value: token.Value})
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the payer asking for their order = %d, want 200", resp.StatusCode)
	}
}

// TestCreatePaymentIsGuarded: asking to pay changes state, so the JSON API takes it only as JSON
// and only from this site (or with the session's token), signed in or not: a cross-site form
// (text/plain needs no preflight) cannot open orders in a visitor's name.
func TestCreatePaymentIsGuarded(t *testing.T) {
	s := payingSite(t)
	owner := s.signIn(t, "13800138000")
	for _, tc := range []struct {
		name    string
		c       *http.Client
		headers []string
		status  int
	}{
		{"signed out, text/plain from another site", client(t), []string{"Content-Type", "text/plain", "Origin", "https://evil.example"}, 403},
		{"signed out, text/plain from this site", client(t), []string{"Content-Type", "text/plain", "Origin", s.url}, 415},
		{"signed out, a form", client(t), []string{"Content-Type", "application/x-www-form-urlencoded", "Origin", s.url}, 415},
		{"signed out, no content type", client(t), []string{"Content-Type", "", "Origin", s.url}, 415},
		{"signed out, JSON from another site", client(t), []string{"Origin", "https://evil.example"}, 403},
		{"signed out, JSON the browser marks cross-site", client(t), []string{"Sec-Fetch-Site", "cross-site"}, 403},
		{"signed out, JSON from this site", client(t), []string{"Origin", s.url}, 201},
		{"signed out, JSON with a charset", client(t), []string{"Content-Type", "application/json; charset=utf-8", "Origin", s.url}, 201},
		{"signed in, text/plain from this site", owner, []string{"Content-Type", "text/plain", "Origin", s.url}, 415},
		{"signed in, JSON from another site", owner, []string{"Origin", "https://evil.example"}, 403},
		{"signed in, JSON from this site", owner, []string{"Origin", s.url}, 201},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := post(t, tc.c, s.url+"/api/v1/accounts/3100000001/payments", payBody(3000), tc.headers...)
			if r.status != tc.status {
				t.Fatalf("POST = %d %s, want %d", r.status, r.raw, tc.status)
			}
			if tc.status >= 400 && (r.errorCode() == "" || r.errorMessage() == "") {
				t.Errorf("refusal %s is not the usual error JSON", r.raw)
			}
		})
	}
	t.Run("the 415 says what to send, in the caller's language", func(t *testing.T) {
		for lang, want := range map[string]string{"zh-CN": "JSON", "en": "JSON"} {
			r := post(t, client(t), s.url+"/api/v1/accounts/3100000001/payments", payBody(3000),
				"Content-Type", "text/plain", "Origin", s.url, "Accept-Language", lang)
			if r.status != 415 || !strings.Contains(r.errorMessage(), want) {
				t.Errorf("%s: %d %q, want 415 naming %s", lang, r.status, r.errorMessage(), want)
			}
		}
	})
}

// TestSignedInPaysForAnotherAccount: a signed-in customer may pay for an account not bound to them
// (代缴) from /payfor, page and API alike, and the order is theirs.
func TestSignedInPaysForAnotherAccount(t *testing.T) {
	s := payingSite(t)
	c := s.signIn(t, "13800138000") // 3100000002 is not this phone's
	t.Run("API", func(t *testing.T) {
		o := s.payAs(t, c, "3100000002", 1200)
		got, err := s.portal.OrderByOutTradeNo(context.Background(), o.OutTradeNo)
		if err != nil || got.Payer != "phone:13800138000" || got.PayerPhone != "13800138000" {
			t.Errorf("order %+v (%v), want the signed-in phone as its payer", got, err)
		}
		if status, _, raw := getJSON(t, c, s.url+"/api/v1/payments/"+o.OutTradeNo); status != 200 {
			t.Errorf("the payer follows the order: %d %s, want 200", status, raw)
		}
	})
	t.Run("page", func(t *testing.T) {
		status, page := getPage(t, c, s.url+"/payfor?account=3100000002")
		m := csrfRe.FindStringSubmatch(page)
		if status != 200 || m == nil || !strings.Contains(page, `action="/accounts/3100000002/pay"`) {
			t.Fatalf("/payfor signed in = %d, want the Pay form:\n%s", status, page)
		}
		noRedirect := *c
		noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := noRedirect.PostForm(s.url+"/accounts/3100000002/pay", url.Values{"csrf": {m[1]}, "channel": {"wechat"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		where := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(where, "/pay/GPW") {
			t.Fatalf("Pay = %d to %q, want 303 to the order's page", resp.StatusCode, where)
		}
		if status, page := getPage(t, c, s.url+where); status != 200 || !strings.Contains(page, "3100000002") {
			t.Errorf("the order's page = %d, want 200 for its payer", status)
		}
	})
}

// TestPayForSignedOutByPage: the 代缴 page flow without script or sign-in: the Pay button posts the
// form, the browser gets its payer cookie with the redirect, and the order's page is its alone.
func TestPayForSignedOutByPage(t *testing.T) {
	s := payingSite(t)
	c := client(t)
	status, page := getPage(t, c, s.url+"/payfor?account=3100000002")
	m := csrfRe.FindStringSubmatch(page)
	if status != 200 || m == nil {
		t.Fatalf("/payfor = %d, want the Pay form", status)
	}
	resp, err := c.PostForm(s.url+"/accounts/3100000002/pay", url.Values{"csrf": {m[1]}, "channel": {"wechat"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	where := resp.Request.URL.Path
	if resp.StatusCode != 200 || !strings.HasPrefix(where, "/pay/GPW") {
		t.Fatalf("Pay = %d at %s, want the order's page", resp.StatusCode, where)
	}
	for _, tc := range []struct {
		name   string
		c      *http.Client
		status int
	}{
		{"the payer's browser", c, 200},
		{"another browser", client(t), 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if status, _ := getPage(t, tc.c, s.url+where); status != tc.status {
				t.Errorf("GET %s = %d, want %d", where, status, tc.status)
			}
		})
	}
}
