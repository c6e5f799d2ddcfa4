package app_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"gridpay/internal/demo"
)

// axeScript finds axe-core's axe.min.js: GRIDPAY_AXE, else node_modules/axe-core at the module's
// root (`npm install axe-core`; .ci/run installs it). Without it the test skips on a developer's
// machine and fails in CI.
func axeScript(t *testing.T) string {
	t.Helper()
	candidates := []string{os.Getenv("GRIDPAY_AXE")}
	if out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output(); err == nil {
		candidates = append(candidates, filepath.Join(strings.TrimSpace(string(out)), "node_modules", "axe-core", "axe.min.js"))
	}
	for _, p := range candidates {
		if p == "" {
			continue
		}
		if b, err := os.ReadFile(p); err == nil {
			return string(b)
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no axe-core: npm install axe-core, or set GRIDPAY_AXE to its axe.min.js; .ci/run does")
	}
	t.Skip("no axe-core here; npm install axe-core (or set GRIDPAY_AXE) to run the accessibility test")
	return ""
}

// pageCheck lists what is wrong on the page as a customer with a small phone, large text or a
// screen reader meets it: axe-core's WCAG 2.1 A and AA violations; a page wider than the screen;
// chart labels under 14 px as displayed; footer text under 16 px; and tap targets under 44x44 CSS
// px (links inside a sentence aside, which WCAG exempts). With care set, also any text under 18 px
// (the charts' own labels aside: each chart has its table).
const pageCheck = `(async (care) => {
  const out = [];
  const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']});
  for (const v of r.violations) out.push('axe ' + v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
  const sw = document.documentElement.scrollWidth, w = document.documentElement.clientWidth;
  const visible = el => { const b = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return b.width > 0 && b.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\s+/).join('.') : '');
  if (sw > w) {
    // Name the innermost elements that stick out, to say what to fix.
    const wide = [...document.body.querySelectorAll('*')].filter(el => el.getBoundingClientRect().right > w + 0.5 &&
      !el.closest('.table-scroll > *') && ![...el.children].some(c => c.getBoundingClientRect().right > w + 0.5));
    out.push('scrolls sideways: ' + sw + ' px wide on a ' + w + ' px screen: ' + wide.slice(0, 3).map(name).join(', '));
  }
  const say = el => name(el) + ' "' + (el.textContent || el.getAttribute('aria-label') || el.name || '').trim().replace(/\s+/g, ' ').slice(0, 30) + '"';
  for (const t of document.querySelectorAll('svg text')) {
    if (!visible(t)) continue;
    const m = t.getScreenCTM();
    const px = parseFloat(getComputedStyle(t).fontSize) * (m ? Math.hypot(m.a, m.b) : 1);
    if (px < 13.95) out.push('chart label ' + say(t) + ' is ' + px.toFixed(1) + ' px');
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || !n.textContent.trim() || el.closest('svg') || !visible(el)) continue;
    const px = parseFloat(getComputedStyle(el).fontSize);
    if (el.closest('footer') && px < 16) out.push('footer ' + say(el) + ' is ' + px + ' px');
    if (care && px < 18) out.push('large text: ' + say(el) + ' is ' + px + ' px');
  }
  if (care) {
    const body = parseFloat(getComputedStyle(document.body).fontSize);
    for (const h of document.querySelectorAll('h1, h2, h3, .payment-head, .notice-head'))
      if (visible(h) && parseFloat(getComputedStyle(h).fontSize) < body) out.push('large text: heading ' + say(h) + ' is smaller than the body text');
  }
  // Several navigation regions on a page each have a name of their own.
  const navs = [...document.querySelectorAll('nav')];
  if (navs.length > 1) {
    const names = navs.map(n => n.getAttribute('aria-label') || '');
    navs.forEach((n, i) => { if (!names[i] || names.indexOf(names[i]) !== i) out.push('nav ' + name(n) + ' has no name of its own'); });
  }
  // On an English page, Chinese words say so (lang="zh-CN"), or a screen reader reads them as English.
  if (document.documentElement.lang.startsWith('en')) {
    const han = /[\u3400-\u9fff]/;
    const w2 = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = w2.nextNode(); n; n = w2.nextNode()) {
      const el = n.parentElement;
      if (!el || !han.test(n.textContent) || el.closest('[lang^="zh"]') || el.closest('script, style')) continue;
      out.push('Chinese on an English page without lang: ' + say(el));
    }
    for (const el of document.querySelectorAll('svg title, svg desc, [aria-label], [alt]')) {
      const text = el.getAttribute('aria-label') || el.getAttribute('alt') || el.textContent;
      if (han.test(text) && !el.closest('[lang^="zh"]')) out.push('Chinese name on an English page without lang: ' + say(el));
    }
  }
  // A link inside a sentence is exempt: its block has words of its own besides its links.
  const inSentence = a => {
    const block = a.closest('p, li, dd, dt, td, th, label, span.note');
    if (!block) return false;
    let own = block.textContent;
    for (const c of block.querySelectorAll('a, button')) own = own.replace(c.textContent, '');
    return own.replace(/[\s·|、，,]/g, '').length > 0;
  };
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea, summary')) {
    if (!visible(el) || (el.tagName === 'A' && inSentence(el))) continue;
    const b = el.getBoundingClientRect();
    if (b.height < 43.5 || b.width < 43.5) out.push('target ' + say(el) + ' is ' + Math.round(b.width) + 'x' + Math.round(b.height));
  }
  return out;
})`

// TestEveryPageOnASmallPhone opens every customer page (signed out, signed in, a bill, usage,
// payments, notices, disputes, the dispute form, a dispute, binding, 代缴, the pay page, an error
// page) in Chromium at 320x640 and at 390x844, in 关怀模式 at 320x640 and in English at 390x844, and
// checks each with pageCheck: no axe violation, nothing sideways, no text or target under its size,
// and no Chinese on an English page that does not say it is Chinese.
func TestEveryPageOnASmallPhone(t *testing.T) {
	exe := chromium(t)
	axe := axeScript(t)
	base := seededSite(t)
	ctx, do := phoneBrowser(t, exe, 4*time.Minute)
	modes := []struct {
		name          string
		width, height int64
		care          bool
		english       bool
	}{{"320x640", 320, 640, false, false}, {"390x844", 390, 844, false, false}, {"care 320x640", 320, 640, true, false},
		{"English 390x844", 390, 844, false, true}}
	checkAll := func(paths []string) {
		t.Helper()
		for _, mode := range modes {
			do(mode.name, chromedp.EmulateViewport(mode.width, mode.height, chromedp.EmulateMobile))
			if mode.care {
				do("large text", chromedp.Navigate(base+"/care/on"), chromedp.WaitVisible("body.care"))
			} else {
				do("normal text", chromedp.Navigate(base+"/care/off"), chromedp.WaitReady("footer"))
			}
			lang := "/lang/zh"
			if mode.english {
				lang = "/lang/en"
			}
			do("language", chromedp.Navigate(base+lang), chromedp.WaitReady("footer"))
			for _, path := range paths {
				do("open "+path, chromedp.Navigate(base+path), chromedp.WaitReady("footer"), chromedp.Evaluate[chromedp.Void](axe))
				problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf("%s(%v)", pageCheck, mode.care), chromedp.EvalAwaitPromise))
				if err != nil {
					t.Fatalf("check %s: %v", path, err)
				}
				for _, p := range problems {
					t.Errorf("%s %s: %s", mode.name, path, p)
				}
			}
		}
	}

	// A phone's browser: the pay pages offer paying on the phone beside the code.
	do("a phone's browser", userAgent(uaAndroid))
	checkAll([]string{"/", "/login", "/payfor", "/payfor?account=" + demo.DemoResidentialNo})

	signInByPhone(t, base, do)
	// What the signed-in pages link to, made as the page would: a bill, a dispute about it, an order.
	made, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(async (no) => {
  const bills = await (await fetch('/api/v1/accounts/' + no + '/bills?per_page=1')).json();
  const bill = String(bills.bills[0].id);
  const fd = new FormData();
  fd.append('category', 'reading_amount'); fd.append('text', '这个月的电量比去年同期高了一倍，请核实。'); fd.append('bill_id', bill);
  const dispute = await (await fetch('/api/v1/accounts/' + no + '/disputes', {method: 'POST', body: fd})).json();
  const order = await (await fetch('/api/v1/accounts/' + no + '/payments', {method: 'POST',
    headers: {'Content-Type': 'application/json'}, body: JSON.stringify({channel: 'wechat', amount_fen: 21824})})).json();
  const wap = await (await fetch('/api/v1/accounts/' + no + '/payments', {method: 'POST',
    headers: {'Content-Type': 'application/json'}, body: JSON.stringify({channel: 'alipay', amount_fen: 21824, way: 'wap'})})).json();
  return [bill, String(dispute.id), String(order.pay_url), String(wap.pay_url)];
})('`+demo.DemoResidentialNo+`')`, chromedp.EvalAwaitPromise))
	if err != nil || len(made) != 4 || made[1] == "undefined" || made[2] == "undefined" || made[3] == "undefined" {
		t.Fatalf("making a dispute and an order: %v %v", made, err)
	}
	no := demo.DemoResidentialNo
	checkAll([]string{"/", "/accounts/" + no + "/bills", "/accounts/" + no + "/bills/" + made[0], "/accounts/" + no + "/usage",
		"/accounts/" + no + "/payments", "/accounts/" + no + "/notices", "/disputes", "/accounts/" + no + "/disputes/new",
		"/disputes/" + made[1], "/accounts/bind", made[2], made[3], "/accounts/9999999999/bills"})

	// Inside WeChat: the order's page with the button to WeChat's payment sheet, reached through web
	// authorization as a customer reaches it.
	do("pay inside WeChat", userAgent(uaWeChat), chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(base+"/"), chromedp.WaitVisible("section.account"),
		chromedp.Click(`#amount-`+no+` ~ button[value="wechat"]`), chromedp.WaitVisible("#pay-jsapi"))
	sheet, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
	if err != nil || !strings.HasPrefix(sheet, "/pay/") {
		t.Fatalf("inside WeChat the Pay button led to %q (%v)", sheet, err)
	}
	checkAll([]string{sheet})
}
