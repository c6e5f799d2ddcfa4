package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// weixinJSBridge stands in for the WeixinJSBridge WeChat's browser gives every page: its payment
// sheet (getBrandWCPayRequest) hands the page's request to the WeChat Pay sandbox's sheet, which
// checks its signature as WeChat does, and answers the page as WeChat does.
const weixinJSBridge = `window.WeixinJSBridge = {
  invoke: function (name, req, done) {
    if (name !== "getBrandWCPayRequest") { done({err_msg: name + ":fail"}); return; }
    window.sheetsOpened = (window.sheetsOpened || 0) + 1;
    var x = new XMLHttpRequest();
    x.open("POST", "/sandbox/wechat/jsapi-pay");
    x.setRequestHeader("Content-Type", "application/json");
    x.onload = function () { var r = {}; try { r = JSON.parse(x.responseText); } catch (e) {} done(r); };
    x.send(JSON.stringify(req));
  }
};`

// TestPayWithoutACode pays in Chromium on a phone-sized screen as customers on their phones do,
// without any code to scan: from a phone's browser the Pay button opens WeChat Pay's H5 cashier or
// Alipay's WAP cashier, which pays and comes back to the order's page; inside WeChat the order's
// page opens WeChat's payment sheet. Each order's page ends saying the money arrived, and no
// order's page showed a code.
func TestPayWithoutACode(t *testing.T) {
	exe := chromium(t)
	base := seededSite(t)
	ctx, do := phoneBrowser(t, exe, 150*time.Second)
	bridge := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: weixinJSBridge})
		return err
	})
	eval := evaluator(ctx, t)
	// paid waits for the order's page to say the money arrived, and checks it shows no code.
	paid := func(what string) {
		t.Helper()
		do(what+": back on the order's page", chromedp.WaitVisible("#pay-status"))
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`location.pathname.startsWith("/pay/") &&
			/已支付|已到账/.test(document.getElementById("pay-status").textContent)`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
			t.Fatalf("%s: the order's page never said paid (at %s: %q): %v", what, eval(`location.href`),
				eval(`(document.getElementById("pay-status") || document.body).textContent`), err)
		}
		if qr := eval(`String(document.querySelectorAll("img.qr").length)`); qr != "0" {
			t.Errorf("%s: the order's page shows a code", what)
		}
	}
	pressPay := func(channel, amount string) {
		t.Helper()
		do("pay "+amount+" by "+channel, chromedp.Navigate(base+"/"), chromedp.WaitVisible("section.account"),
			chromedp.SendKeys("#amount-3100000001", amount), chromedp.Click(`#amount-3100000001 ~ button[value="`+channel+`"]`))
	}

	do("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), bridge, userAgent(uaAndroid))
	signInByPhone(t, base, do)

	pressPay("wechat", "1.11")
	do("WeChat's H5 cashier", chromedp.WaitVisible("#wechat-pay"))
	if u := eval(`location.pathname`); u != "/sandbox/wechat/cashier" {
		t.Fatalf("the Pay button opened %s, want WeChat's H5 cashier", u)
	}
	do("pay at the cashier", chromedp.Click("#wechat-pay"))
	paid("WeChat Pay H5")

	pressPay("alipay", "2.22")
	do("Alipay's WAP cashier", chromedp.WaitVisible("#alipay-pay"), chromedp.Click("#alipay-pay"))
	paid("Alipay WAP")

	do("inside WeChat", userAgent(uaWeChat))
	pressPay("wechat", "3.33")
	do("the order's page with the payment sheet's button", chromedp.WaitVisible("#pay-jsapi"))
	if qr := eval(`String(document.querySelectorAll("img.qr").length)`); qr != "0" {
		t.Error("inside WeChat the order's page shows a code")
	}
	do("mark", chromedp.Evaluate[chromedp.Void](`window.stillHere = "yes"`), chromedp.Click("#pay-jsapi"))
	paid("WeChat Pay JSAPI")
	if eval(`String(window.sheetsOpened)`) != "1" || eval(`window.stillHere || "reloaded"`) != "yes" {
		t.Errorf("the payment sheet opened %s times, the page %s; want once, without reloading", eval(`String(window.sheetsOpened)`),
			eval(`window.stillHere || "reloaded"`))
	}
	if s := eval(`document.getElementById("pay-result").textContent`); !strings.Contains(s, "缴费") {
		t.Errorf("after the payment sheet the page says %q", s)
	}
}
