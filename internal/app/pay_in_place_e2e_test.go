package app_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"gridpay/internal/app"
	"gridpay/internal/redistest"
)

// uaTransport sends every request with the User-Agent of a customer's phone.
type uaTransport string

func (ua uaTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", string(ua))
	return http.DefaultTransport.RoundTrip(r)
}

// User-Agents of a phone's browser and of WeChat's own.
const (
	uaAndroid = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36"
	uaWeChat  = uaAndroid + " MicroMessenger/8.0.49.2600(0x28003133) NetType/WIFI Language/zh_CN"
)

var payDataRe = regexp.MustCompile(`data-([a-z-]+)="([^"]*)"`)

// TestInPlacePaymentsEndToEnd runs `gridpay all` and pays demo account 3100000001 three ways on
// the phone that shows the page, each through its sandbox's real protocol: WeChat Pay H5 and Alipay
// WAP from a phone's browser (the Pay button goes to the provider's cashier, which pays and sends
// the browser back to the order's page), and WeChat Pay JSAPI inside WeChat (web authorization
// gives the OpenID, the order's page hands the signed request to the payment sheet). Each order is
// paid, called back and posted, once: one receipt of its amount, and paying again changes nothing.
func TestInPlacePaymentsEndToEnd(t *testing.T) {
	e := withDBs(t, env{"GRIDPAY_REDIS_URL": redistest.URL(t, redistest.DBApp)})
	if err := app.Run(context.Background(), []string{"seed", "--customers", "5", "--months", "3"}, e.get, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	base, _ := startServer(t, "all", e)
	c := apiClient(t, base)
	browser := func(ua string) *http.Client {
		return &http.Client{Jar: c.c.Jar, Transport: uaTransport(ua), Timeout: 15 * time.Second}
	}
	// press presses a Pay button of the home page in browser b and follows where it leads.
	press := func(b *http.Client, channel, amount string) (*http.Response, string) {
		t.Helper()
		resp, err := b.PostForm(base+"/accounts/3100000001/pay", url.Values{"csrf": {c.csrf}, "channel": {channel}, "amount": {amount}})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(body)
	}
	// posted waits for order out to be POSTED and checks that one receipt of amountFen was written.
	posted := func(out string, amountFen int64) {
		t.Helper()
		var o orderView
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) && o.Status != "POSTED" {
			time.Sleep(100 * time.Millisecond)
			json.Unmarshal([]byte(c.get("/api/v1/payments/"+out)), &o)
		}
		if o.Status != "POSTED" || o.ReceiptNo == "" {
			t.Fatalf("order %s after paying = %+v, want POSTED with a receipt", out, o)
		}
		time.Sleep(500 * time.Millisecond) // room for a second posting, were there one
		var list struct {
			Items []struct {
				ReceiptNo string `json:"receipt_no"`
				Amount    int64  `json:"amount_fen"`
			} `json:"payments"`
		}
		if err := json.Unmarshal([]byte(c.get("/api/v1/accounts/3100000001/payments")), &list); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range list.Items {
			if r.Amount == amountFen {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d receipts of %d fen for order %s, want 1", n, amountFen, out)
		}
	}

	t.Run("wechat h5 in a phone's browser", func(t *testing.T) {
		resp, page := press(browser(uaAndroid), "wechat", "11.11")
		// The browser went to WeChat's cashier; its form pays and sends it back to the order.
		if resp.Request.URL.Path != "/sandbox/wechat/cashier" || !strings.Contains(page, "11.11") {
			t.Fatalf("the Pay button led to %s:\n%s", resp.Request.URL, page)
		}
		cashier, back := resp.Request.URL.String(), resp.Request.URL.Query().Get("redirect_url")
		resp, err := browser(uaAndroid).PostForm(cashier, url.Values{"redirect_url": {back}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Request.URL.String() != back || !strings.HasPrefix(back, base+"/pay/") {
			t.Fatalf("after paying the browser is at %s, want the order's page %s", resp.Request.URL, back)
		}
		out := strings.TrimPrefix(back, base+"/pay/")
		posted(out, 1111)
		// Paying again at the cashier is refused by WeChat and posts nothing more.
		if resp, err = browser(uaAndroid).PostForm(cashier, url.Values{"redirect_url": {back}}); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		posted(out, 1111)
	})

	t.Run("alipay wap in a phone's browser", func(t *testing.T) {
		resp, page := press(browser(uaAndroid), "alipay", "22.22")
		if resp.Request.URL.Path != "/sandbox/alipay/gateway.do" || !strings.Contains(page, "22.22") {
			t.Fatalf("the Pay button led to %s:\n%s", resp.Request.URL, page)
		}
		q := resp.Request.URL.Query()
		var biz struct {
			OutTradeNo string `json:"out_trade_no"`
		}
		json.Unmarshal([]byte(q.Get("biz_content")), &biz)
		resp, err := browser(uaAndroid).PostForm(base+"/sandbox/alipay/cashier", url.Values{"out_trade_no": {biz.OutTradeNo}, "return_url": {q.Get("return_url")}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Request.URL.Path != "/pay/"+biz.OutTradeNo {
			t.Fatalf("after paying the browser is at %s, want the order's page", resp.Request.URL)
		}
		posted(biz.OutTradeNo, 2222)
	})

	t.Run("wechat jsapi inside WeChat", func(t *testing.T) {
		resp, page := press(browser(uaWeChat), "wechat", "33.33")
		if !strings.HasPrefix(resp.Request.URL.Path, "/pay/") || strings.Contains(page, `class="qr"`) {
			t.Fatalf("the Pay button inside WeChat led to %s:\n%s", resp.Request.URL, page)
		}
		out := strings.TrimPrefix(resp.Request.URL.Path, "/pay/")
		i := strings.Index(page, `id="pay-jsapi"`)
		if i < 0 {
			t.Fatalf("the order's page has no payment sheet button:\n%s", page)
		}
		sheet := map[string]string{}
		for _, m := range payDataRe.FindAllStringSubmatch(page[i:i+strings.Index(page[i:], ">")], -1) {
			sheet[m[1]] = html.UnescapeString(m[2])
		}
		body, _ := json.Marshal(map[string]string{"appId": sheet["app-id"], "timeStamp": sheet["time-stamp"], "nonceStr": sheet["nonce-str"],
			"package": sheet["package"], "signType": sheet["sign-type"], "paySign": sheet["pay-sign"]})
		pay := func() string {
			resp, err := http.Post(base+"/sandbox/wechat/jsapi-pay", "application/json", strings.NewReader(string(body)))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return string(b)
		}
		if answer := pay(); !strings.Contains(answer, "get_brand_wcpay_request:ok") {
			t.Fatalf("the payment sheet answered %s", answer)
		}
		posted(out, 3333)
		if answer := pay(); !strings.Contains(answer, ":fail") {
			t.Errorf("paying the sheet again answered %s, want fail", answer)
		}
		posted(out, 3333)
	})
}
