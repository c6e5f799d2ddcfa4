package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestPayPageFollowsThePayment opens the pay page in Chromium on a phone-sized screen, puts the
// keyboard focus on a link, and pays through the WeChat sandbox: the page, which never reloads,
// says "paid" in its status line, hides the code, and the focus is still on that link. Then the
// page is paused and paid for again on another order: paused, it says nothing until resumed.
func TestPayPageFollowsThePayment(t *testing.T) {
	exe := chromium(t)
	base := seededSite(t)
	ctx, do := phoneBrowser(t, exe, 90*time.Second)
	eval := evaluator(ctx, t)
	payInSandbox := func() {
		t.Helper()
		out := eval(`document.getElementById("pay-status").dataset.out`)
		resp, err := http.PostForm(base+"/sandbox/pay/"+url.PathEscape(out), url.Values{"action": {"pay"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 400 {
			t.Fatalf("sandbox pay %s = %d", out, resp.StatusCode)
		}
	}
	order := func(amount string) {
		t.Helper()
		do("pay "+amount, chromedp.Navigate(base+"/"), chromedp.WaitVisible("section.account"),
			chromedp.SendKeys("#amount-3100000001", amount), chromedp.Click(`#amount-3100000001 ~ button[value="wechat"]`),
			chromedp.WaitVisible("#pay-waiting img.qr"))
	}

	do("viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	signInByPhone(t, base, do)

	order("1.23")
	if alt := eval(`document.querySelector("img.qr").alt`); alt != "付款二维码：用微信支付扫一扫，支付¥1.23" {
		t.Errorf("the code's text alternative is %q", alt)
	}
	// A mark that a reload would lose, and the focus on the page's home link.
	do("focus", chromedp.Evaluate[chromedp.Void](`window.stillHere = "yes"`), chromedp.Focus(`section.pay > p > a[href="/"]`))
	payInSandbox()
	do("the page says paid", chromedp.WaitNotVisible("#pay-waiting"), chromedp.WaitVisible("#pay-result"))
	if s := eval(`document.getElementById("pay-status").textContent`); !strings.Contains(s, "已支付") && !strings.Contains(s, "已到账") {
		t.Errorf("status line says %q, want paid", s)
	}
	if eval(`window.stillHere || "reloaded"`) != "yes" {
		t.Fatal("the pay page reloaded itself")
	}
	if got := eval(`document.activeElement.matches('section.pay > p > a[href="/"]') ? "kept" : document.activeElement.outerHTML.slice(0, 80)`); got != "kept" {
		t.Errorf("the focus moved to %s while the status changed", got)
	}

	// Paused: a payment is not followed until the customer resumes.
	order("2.34")
	do("pause", chromedp.Evaluate[chromedp.Void](`window.stillHere = "yes"`), chromedp.Click("#pay-pause"))
	if p := eval(`document.getElementById("pay-pause").getAttribute("aria-pressed")`); p != "true" {
		t.Fatalf("the pause button is aria-pressed=%s", p)
	}
	payInSandbox()
	time.Sleep(7 * time.Second) // more than one checking interval
	if visible := eval(`document.getElementById("pay-waiting").hidden ? "hidden" : "shown"`); visible != "shown" {
		t.Fatal("a paused page followed the payment")
	}
	do("resume", chromedp.Click("#pay-pause"), chromedp.WaitNotVisible("#pay-waiting"), chromedp.WaitVisible("#pay-result"))
	if eval(`window.stillHere || "reloaded"`) != "yes" {
		t.Fatal("the pay page reloaded itself")
	}
	// The focus was on the pause button, inside the part that went: it is on the status line now.
	if got := eval(`document.activeElement.id`); got != "pay-status" {
		t.Errorf("after the code went, the focus is on %q, want the status line", got)
	}
}
