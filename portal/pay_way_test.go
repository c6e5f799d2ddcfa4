package portal_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"gridpay/payments/sandbox"
)

// User-Agents of the browsers customers pay from.
const (
	uaAndroid = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36"
	uaWeChat  = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36 MicroMessenger/8.0.49.2600(0x28003133) NetType/WIFI Language/zh_CN"
	uaDesktop = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
)

// withUA sends every request of c with the User-Agent ua.
type withUA struct {
	ua   string
	next http.RoundTripper
}

func (w withUA) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", w.ua)
	return w.next.RoundTrip(r)
}

// as is c's browser (its cookies) with User-Agent ua, reporting redirects instead of following them.
func as(c *http.Client, ua string) *http.Client {
	next := c.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	return noRedirects(&http.Client{Jar: c.Jar, Transport: withUA{ua: ua, next: next}, Timeout: c.Timeout})
}

// pressPay presses a Pay button of the home page: channel, amount (yuan, "" for what is due) and
// way ("" lets the site pick), with the session's form token. It returns the status and Location.
func (s *site) pressPay(t *testing.T, c *http.Client, token, channel, amount, way string) (int, string) {
	t.Helper()
	form := url.Values{"csrf": {token}, "channel": {channel}, "amount": {amount}}
	if way != "" {
		form.Set("way", way)
	}
	resp, err := c.PostForm(s.url+"/accounts/3100000001/pay", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

var (
	orderPathRe = regexp.MustCompile(`/pay/([0-9A-Z]+)`)
	dataRe      = regexp.MustCompile(`data-([a-z-]+)="([^"]*)"`)
)

// TestPayOnThePhone: a Pay button pressed in a phone's browser goes straight to the provider's
// cashier (WeChat Pay H5, Alipay WAP), which sends the customer back to the order's page; that page
// offers to go to the cashier again and to pay by a code instead. On a desktop the code is shown.
// A way the channel does not take, or one made up, is refused and makes no order.
func TestPayOnThePhone(t *testing.T) {
	s := payingSite(t)
	customer := s.signIn(t, "13800138000")
	phone := as(customer, uaAndroid)
	token := formToken(t, phone, s, "/")

	status, loc := s.pressPay(t, phone, token, "wechat", "1.23", "")
	cashier, _ := url.Parse(loc)
	if status != http.StatusSeeOther || cashier == nil || cashier.Path != "/cashier" || cashier.Query().Get("prepay_id") == "" {
		t.Fatalf("WeChat Pay in a phone's browser = %d to %q, want 303 to WeChat's H5 cashier", status, loc)
	}
	back := cashier.Query().Get("redirect_url")
	m := orderPathRe.FindStringSubmatch(back)
	if !strings.HasPrefix(back, s.url+"/pay/") || m == nil {
		t.Fatalf("the cashier sends the customer back to %q, want the order's page", back)
	}
	out := m[1]
	status, page := getPage(t, phone, back)
	if status != http.StatusOK || strings.Contains(page, `class="qr"`) || !strings.Contains(page, `action="/pay/`+out+`/go"`) ||
		!strings.Contains(page, `name="way" value="qr"`) || !strings.Contains(page, "手机缴费") {
		t.Fatalf("the order's page on the phone = %d, want no code, a button to the cashier and the code offered:\n%s", status, page)
	}
	resp, err := phone.PostForm(s.url+"/pay/"+out+"/go", url.Values{"csrf": {token}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if again, _ := url.Parse(resp.Header.Get("Location")); resp.StatusCode != http.StatusSeeOther || again == nil || again.Path != "/cashier" {
		t.Errorf("going to the cashier again = %d to %q, want 303 to it", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err = phone.PostForm(s.url+"/pay/"+out+"/go", url.Values{"csrf": {"forged"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("going to the cashier with a forged form token = %d, want 403", resp.StatusCode)
	}

	// The code instead: the same amount, a new order shown with its code.
	status, loc = s.pressPay(t, phone, token, "wechat", "1.23", "qr")
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/pay/") || strings.Contains(loc, out) {
		t.Fatalf("paying by the code instead = %d to %q, want 303 to a new order's page", status, loc)
	}
	if _, page := getPage(t, phone, s.url+loc); !strings.Contains(page, `class="qr"`) || !strings.Contains(page, `name="way" value="h5"`) {
		t.Errorf("the code's page on a phone lacks the code or the offer to pay on the phone:\n%s", page)
	}
	if o, err := s.portal.OrderByOutTradeNo(t.Context(), out); err != nil || o.Status != "CLOSED" {
		t.Errorf("the H5 order is %q (%v) once replaced by a code, want CLOSED", o.Status, err)
	}

	status, loc = s.pressPay(t, phone, token, "alipay", "2.34", "")
	if u, _ := url.Parse(loc); status != http.StatusSeeOther || u == nil || u.Query().Get("method") != "alipay.trade.wap.pay" ||
		!strings.HasPrefix(u.Query().Get("return_url"), s.url+"/pay/") {
		t.Errorf("Alipay in a phone's browser = %d to %q, want 303 to the WAP gateway, returning to the order's page", status, loc)
	}

	desk := as(customer, uaDesktop)
	deskToken := formToken(t, desk, s, "/")
	status, loc = s.pressPay(t, desk, deskToken, "wechat", "3.45", "")
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/pay/") {
		t.Fatalf("WeChat Pay on a desktop = %d to %q, want the order's page", status, loc)
	}
	if _, page := getPage(t, desk, s.url+loc); !strings.Contains(page, `class="qr"`) || strings.Contains(page, `name="way"`) {
		t.Errorf("on a desktop the page shows no code, or offers ways that need a phone:\n%s", page)
	}

	var before int
	s.pdb.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM payment_orders`).Scan(&before)
	for _, way := range []string{"wap", "jsapi-x", "QR", "h5' OR '1'='1", strings.Repeat("h5", 5000)} {
		if status, _ := s.pressPay(t, phone, token, "wechat", "4.56", way); status != http.StatusBadRequest {
			t.Errorf("way %.20q = %d, want 400", way, status)
		}
	}
	var after int
	s.pdb.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM payment_orders`).Scan(&after)
	if after != before {
		t.Errorf("refused ways made %d orders", after-before)
	}
}

// TestPayInsideWeChat: a Pay button pressed inside WeChat goes through the official account's web
// authorization, which gives the customer's OpenID; the order is placed for it by JSAPI and its
// page carries the signed request for WeChat's payment sheet, which pays it. The OpenID is kept, so
// the next button goes straight to the order. Web authorization's answer is checked: an unknown or
// used state, another browser's state, or parameters too long are refused; a code WeChat refuses
// leaves the customer paying by the code.
func TestPayInsideWeChat(t *testing.T) {
	s := payingSite(t)
	wx := as(s.signIn(t, "13800138000"), uaWeChat)
	token := formToken(t, wx, s, "/")

	status, loc := s.pressPay(t, wx, token, "wechat", "1.23", "")
	authorize, _ := url.Parse(loc)
	if status != http.StatusSeeOther || authorize == nil || authorize.Path != "/connect/oauth2/authorize" ||
		authorize.Query().Get("redirect_uri") != s.url+"/wechat/authorized" || authorize.Query().Get("scope") != "snsapi_base" {
		t.Fatalf("WeChat Pay inside WeChat = %d to %q, want 303 to web authorization", status, loc)
	}
	state := authorize.Query().Get("state")
	resp, err := wx.Get(loc) // WeChat answers at once for snsapi_base
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back := resp.Header.Get("Location")
	if !strings.HasPrefix(back, s.url+"/wechat/authorized?") {
		t.Fatalf("web authorization sent the browser to %q", back)
	}
	resp, err = wx.Get(back)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	orderPage := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(orderPage, "/pay/") {
		t.Fatalf("coming back from web authorization = %d to %q, want 303 to the order's page", resp.StatusCode, orderPage)
	}
	// The state is good once.
	if resp, err := wx.Get(back); err != nil {
		t.Fatal(err)
	} else if resp.Body.Close(); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the same state again = %d, want 404", resp.StatusCode)
	}

	// The OpenID is kept: the same button again goes straight to the order.
	if status, loc := s.pressPay(t, wx, token, "wechat", "1.23", ""); status != http.StatusSeeOther || loc != orderPage {
		t.Errorf("the same Pay again inside WeChat = %d to %q, want the order's page %s at once", status, loc, orderPage)
	}

	// Another WeChat user on this browser: the order, placed for the first, is not theirs to pay in
	// the sheet.
	openIDCookie := func(c *http.Client) string {
		for _, k := range c.Jar.Cookies(mustURL(t, s.url)) {
			if k.Name == "gridpay_openid" {
				return k.Value
			}
		}
		return ""
	}
	mine := openIDCookie(wx)
	wx.Jar.SetCookies(mustURL(t, s.url), []*http.Cookie{{Name: "gridpay_openid", Value: "oSomeoneElse00000000000000001", Path: "/"}})
	if _, page := getPage(t, wx, s.url+orderPage); strings.Contains(page, `id="pay-jsapi"`) || !strings.Contains(page, "另一个微信用户") {
		t.Errorf("the order's page for another WeChat user offers the sheet, or does not say why not:\n%s", page)
	}
	wx.Jar.SetCookies(mustURL(t, s.url), []*http.Cookie{{Name: "gridpay_openid", Value: "", Path: "/", MaxAge: -1}})
	if _, page := getPage(t, wx, s.url+orderPage); strings.Contains(page, `id="pay-jsapi"`) || !strings.Contains(page, "再点一次") {
		t.Errorf("the order's page for a browser that forgot its WeChat user offers the sheet, or does not say what to do:\n%s", page)
	}
	wx.Jar.SetCookies(mustURL(t, s.url), []*http.Cookie{{Name: "gridpay_openid", Value: mine, Path: "/"}})
	// WeChat Pay does not answer: the page says so and offers the other ways.
	s.wechat.SetOutage(sandbox.WeChatSystemError)
	if _, page := getPage(t, wx, s.url+orderPage); strings.Contains(page, `id="pay-jsapi"`) || !strings.Contains(page, "暂时打不开") ||
		!strings.Contains(page, `name="way" value="qr"`) {
		t.Errorf("the order's page while WeChat Pay is down offers the sheet, or does not say so, or offers no other way:\n%s", page)
	}
	s.wechat.SetOutage(sandbox.WeChatUp)

	_, page := getPage(t, wx, s.url+orderPage)
	i := strings.Index(page, `id="pay-jsapi"`)
	if i < 0 || strings.Contains(page, `class="qr"`) {
		t.Fatalf("the order's page inside WeChat has no payment sheet button, or shows a code:\n%s", page)
	}
	data := map[string]string{}
	for _, m := range dataRe.FindAllStringSubmatch(page[i:i+strings.Index(page[i:], ">")], -1) {
		data[m[1]] = html.UnescapeString(m[2])
	}
	sheet := sandbox.WeChatJSAPIRequest{AppID: data["app-id"], TimeStamp: data["time-stamp"], NonceStr: data["nonce-str"],
		Package: data["package"], SignType: data["sign-type"], PaySign: data["pay-sign"]}
	if err := s.wechat.PayInApp(sheet); err != nil {
		t.Fatalf("WeChat's payment sheet refused the page's request %+v: %v", sheet, err)
	}
	out := strings.TrimPrefix(orderPage, "/pay/")
	if o, err := s.portal.OrderByOutTradeNo(t.Context(), out); err != nil || o.Way != "jsapi" {
		t.Errorf("the order is paid by %q (%v), want jsapi", o.Way, err)
	}

	t.Run("web authorization's answer is checked", func(t *testing.T) {
		authorized := func(c *http.Client, q string) int {
			t.Helper()
			resp, err := c.Get(s.url + "/wechat/authorized?" + q)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if got := authorized(wx, "code=abc&state="+state); got != http.StatusNotFound {
			t.Errorf("a used state = %d, want 404", got)
		}
		if got := authorized(wx, "code=abc&state="+strings.Repeat("s", 5000)); got != http.StatusBadRequest {
			t.Errorf("a state of 5000 characters = %d, want 400", got)
		}
		if got := authorized(wx, "code="+strings.Repeat("c", 500)+"&state=x"); got != http.StatusBadRequest {
			t.Errorf("a code of 500 characters = %d, want 400", got)
		}
		if got := authorized(wx, "code=abc"); got != http.StatusBadRequest {
			t.Errorf("no state = %d, want 400", got)
		}

		// Someone else's state: the button was pressed in another browser.
		other := as(client(t), uaWeChat)
		fresh := as(client(t), uaWeChat) // signed out: 代缴, with a payer cookie of its own
		freshToken := formToken(t, fresh, s, "/payfor?account=3100000001")
		_, loc := s.pressPay(t, fresh, freshToken, "wechat", "", "")
		u, _ := url.Parse(loc)
		if u == nil || u.Query().Get("state") == "" {
			t.Fatalf("a signed-out Pay inside WeChat went to %q, want web authorization", loc)
		}
		if got := authorized(other, "code=abc&state="+url.QueryEscape(u.Query().Get("state"))); got != http.StatusForbidden {
			t.Errorf("another browser's state = %d, want 403", got)
		}

		// WeChat refuses the code: the customer pays by the code instead, on the same order page.
		_, loc = s.pressPay(t, fresh, freshToken, "wechat", "", "")
		u, _ = url.Parse(loc)
		resp, err := fresh.Get(s.url + "/wechat/authorized?code=not-a-code&state=" + url.QueryEscape(u.Query().Get("state")))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/pay/") {
			t.Fatalf("a refused code = %d to %q, want the order's page", resp.StatusCode, loc)
		} else if _, page := getPage(t, fresh, s.url+loc); !strings.Contains(page, `class="qr"`) || !strings.Contains(page, "长按") {
			t.Errorf("after a refused code the page does not show the code to long-press:\n%s", page)
		}

		// An OpenID WeChat Pay refuses (another app's): forgotten, and the customer pays by the code.
		s.wechat.ForeignOpenID("oAnotherAppsCustomer000000001")
		fresh.Jar.SetCookies(mustURL(t, s.url), []*http.Cookie{{Name: "gridpay_openid", Value: "oAnotherAppsCustomer000000001", Path: "/"}})
		status, loc := s.pressPay(t, fresh, freshToken, "wechat", "", "")
		if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/pay/") {
			t.Fatalf("Pay with a refused OpenID = %d to %q, want the order's page", status, loc)
		}
		if _, page := getPage(t, fresh, s.url+loc); !strings.Contains(page, `class="qr"`) {
			t.Errorf("after a refused OpenID the page does not show the code:\n%s", page)
		}
		if got := openIDCookie(fresh); got != "" {
			t.Errorf("the refused OpenID %q is still kept", got)
		}
	})
}
