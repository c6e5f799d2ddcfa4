package portal_test

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"gridpay/payments/sandbox"
)

// TestPayingWhileAChannelIsDown: WeChat Pay's API fails. A customer who taps its Pay button is told
// so (503, Retry-After), offered Alipay for the same amount and WeChat again later; after three
// failures the channel's breaker is open, the home page offers only Alipay, and asking again is
// refused in well under a second without a second order; the JSON API says the same in JSON.
func TestPayingWhileAChannelIsDown(t *testing.T) {
	s := payingSite(t)
	c := s.signIn(t, "13800138000")
	token := formToken(t, c, s, "/")
	s.wechat.SetOutage(sandbox.WeChatSystemError)

	payForm := func() (int, http.Header, string, time.Duration) {
		t.Helper()
		start := time.Now()
		resp, err := c.PostForm(s.url+"/accounts/3100000001/pay", url.Values{"csrf": {token}, "channel": {"wechat"}, "amount": {"12.34"}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b), time.Since(start)
	}
	for i := range 3 {
		status, h, page, _ := payForm()
		if status != http.StatusServiceUnavailable || h.Get("Retry-After") == "" {
			t.Fatalf("try %d: %d, Retry-After %q; want 503 with Retry-After", i+1, status, h.Get("Retry-After"))
		}
		for _, want := range []string{"微信支付暂时无法下单", `name="channel" value="alipay"`, `name="amount" value="12.34"`, "稍后再试微信支付"} {
			if !strings.Contains(page, want) {
				t.Errorf("try %d: the page lacks %q", i+1, want)
			}
		}
	}
	status, h, _, took := payForm()
	if secs, _ := strconv.Atoi(h.Get("Retry-After")); status != http.StatusServiceUnavailable || took > time.Second || secs < 20 || secs > 30 {
		t.Fatalf("with the breaker open: %d after %s, Retry-After %q; want 503 at once, about 30 s", status, took, h.Get("Retry-After"))
	}
	if _, home := getPage(t, c, s.url+"/"); strings.Contains(home, `value="wechat"`) || !strings.Contains(home, `value="alipay"`) {
		t.Error("the home page still offers WeChat Pay, or no longer Alipay, while WeChat is down")
	}

	r := post(t, c, s.url+"/api/v1/accounts/3100000001/payments", `{"channel":"wechat","amount_fen":1234}`, "Origin", s.url)
	if r.status != http.StatusServiceUnavailable || r.errorCode() != "unavailable" || !strings.Contains(r.errorMessage(), "微信支付") ||
		!strings.Contains(r.raw, `"other_channels":["alipay"]`) {
		t.Fatalf("API while WeChat is down: %d %s", r.status, r.raw)
	}
	if o, err := s.portal.OpenOrder(t.Context(), "3100000001", "phone:13800138000", "wechat"); err != nil || o.Status != "CREATED" {
		t.Fatalf("the order asked for stays CREATED to be retried: %s, %v", o.Status, err)
	}

	// Alipay still takes the same amount.
	if r := post(t, c, s.url+"/api/v1/accounts/3100000001/payments", `{"channel":"alipay","amount_fen":1234}`, "Origin", s.url); r.status != http.StatusCreated {
		t.Fatalf("Alipay while WeChat is down: %d %s", r.status, r.raw)
	}
}

// TestPayPageDoesNotReload: the pay page of an order waiting for its money sends no Refresh (which
// would throw focus back to the top every few seconds), says its status in a polite live region,
// tells what the code is for in its text alternative, and offers a button to check without script.
func TestPayPageDoesNotReload(t *testing.T) {
	s := payingSite(t)
	c := s.signIn(t, "13800138000")
	o := s.payAs(t, c, "3100000001", 21824)
	status, h, body := getRaw(t, c, s.url+"/pay/"+o.OutTradeNo)
	page := string(body)
	if status != http.StatusOK || h.Get("Refresh") != "" {
		t.Fatalf("pay page = %d, Refresh %q; want 200 and no Refresh", status, h.Get("Refresh"))
	}
	for _, want := range []string{
		`id="pay-status" role="status" aria-live="polite"`,
		`alt="付款二维码：用微信支付扫一扫，支付¥218.24"`,
		`<form method="get" action="/pay/` + o.OutTradeNo + `"`, "我已支付，查看结果",
		`role="timer"`, `id="pay-pause"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the pay page lacks %s", want)
		}
	}
}
