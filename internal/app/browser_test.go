package app_test

import (
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"gridpay/internal/app"
	"gridpay/internal/redistest"
)

// chromium finds Debian's Chromium. Without it the browser test skips on a developer's machine
// and fails in CI (CI=true), where .ci/run installs it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("GRIDPAY_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium: install it (apt-get install -y chromium fonts-noto-cjk); .ci/run does")
	}
	t.Skip("no Chromium here; apt-get install -y chromium fonts-noto-cjk to run the browser test")
	return ""
}

// screenshots is the folder named by GRIDPAY_SCREENSHOTS, else a temporary one.
func screenshots(t *testing.T) string {
	dir := os.Getenv("GRIDPAY_SCREENSHOTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// seededSite seeds a county of 50 customers with 24 months of history and starts `gridpay all` on
// it, as the customer's browser tests see it; it returns the site's address.
func seededSite(t *testing.T) string {
	t.Helper()
	e := withDBs(t, env{"GRIDPAY_REDIS_URL": redistest.URL(t, redistest.DBApp)})
	if err := app.Run(context.Background(), []string{"seed", "--customers", "50", "--months", "24"}, e.get, ioDiscard{}, ioDiscard{}); err != nil {
		t.Fatalf("seed: %v", err)
	}
	base, _ := startServer(t, "all", e)
	return base
}

// phoneBrowser starts Chromium (exe) as a Chinese customer's phone: a 390x844 window whose
// language is Chinese, so the portal follows it until one is chosen. It returns the browser's
// context, ended after timeout or with the test, and do, which runs steps or fails the test.
func phoneBrowser(t *testing.T, exe string, timeout time.Duration) (context.Context, func(what string, steps ...chromedp.Action[chromedp.Void])) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(390, 844), chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("lang", "zh-CN"), chromedp.Flag("accept-lang", "zh-CN,zh"))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	return ctx, do
}

// evaluator returns eval, which evaluates a JavaScript expression of a string in the browser's tab
// or fails the test.
func evaluator(ctx context.Context, t *testing.T) func(js string) string {
	return func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("evaluate %s: %v", js, err)
		}
		return s
	}
}

// userAgent makes the browser's tab say it is the browser ua from now on.
func userAgent(ua string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: ua})
		return err
	})
}

// signInByPhone signs the demo residential customer in through the sign-in form, with the code the
// dev inbox got, and waits for their home page.
func signInByPhone(t *testing.T, base string, do func(what string, steps ...chromedp.Action[chromedp.Void])) {
	t.Helper()
	do("sign-in form", chromedp.Navigate(base+"/login"), chromedp.WaitVisible("#phone"))
	do("ask for a code", chromedp.SendKeys("#phone", "13800138000"), chromedp.Click("button[type=submit]"), chromedp.WaitVisible("#code"))
	do("enter the code", chromedp.SendKeys("#code", devInboxCode(t, base, "13800138000")), chromedp.Click("button[type=submit]"),
		chromedp.WaitVisible("section.account"))
}

// TestBrowserJourney walks the portal in Chromium on a phone-sized screen as a customer would:
// sign in with the demo phone and the code from the dev inbox, look at home, a bill and usage,
// file a dispute with a photo of the meter, switch to English and to large text, saving a screenshot
// of each page.
func TestBrowserJourney(t *testing.T) {
	exe := chromium(t)
	shots := screenshots(t)
	base := seededSite(t)
	ctx, do := phoneBrowser(t, exe, 90*time.Second)

	shoot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	do("viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	do("sign-in form", chromedp.Navigate(base+"/login"), chromedp.WaitVisible("#phone"))
	shoot("01-login")
	do("ask for a code", chromedp.SendKeys("#phone", "13800138000"), chromedp.Click("button[type=submit]"), chromedp.WaitVisible("#code"))
	do("enter the code", chromedp.SendKeys("#code", devInboxCode(t, base, "13800138000")), chromedp.Click("button[type=submit]"),
		chromedp.WaitVisible("section.account"))
	home := text("main")
	for _, want := range []string{"3100000001", "张*国", "¥"} {
		if !strings.Contains(home, want) {
			t.Errorf("home lacks %q:\n%s", want, home)
		}
	}
	shoot("02-home")

	do("bills", chromedp.Click(`a[href="/accounts/3100000001/bills"]`), chromedp.WaitVisible("ul.bills"))
	shoot("03-bills")
	do("a bill", chromedp.Click("ul.bills li a"), chromedp.WaitVisible("table"))
	if bill := text("main"); !strings.Contains(bill, "千瓦时") {
		t.Errorf("bill page lacks the tariff in words:\n%s", bill)
	}
	shoot("04-bill")

	photo := filepath.Join(t.TempDir(), "meter.png")
	writeMeterPhoto(t, photo)
	do("dispute form", chromedp.Click(`a[href*="/disputes/new?bill="]`), chromedp.WaitVisible("#category"),
		chromedp.SetValue("#category", "reading_amount"), chromedp.SendKeys("#text", "十月电量比往年多，请核实电表读数。"),
		chromedp.SetUploadFiles("#photo", []string{photo}))
	shoot("05-dispute-form")
	do("file the dispute", chromedp.Click("form.dispute-form button[type=submit]"), chromedp.WaitVisible(`img`))
	if d := text("main"); !strings.Contains(d, "十月电量比往年多") {
		t.Errorf("dispute page lacks the text filed:\n%s", d)
	}
	shoot("06-dispute")

	do("usage", chromedp.Navigate(base+"/accounts/3100000001/usage"), chromedp.WaitVisible("svg"))
	shoot("07-usage")

	do("English", chromedp.Navigate(base+"/"), chromedp.WaitVisible("section.account"),
		chromedp.Click(`a[href="/lang/en"]`), chromedp.WaitVisible("section.account"))
	if home := text("main"); !strings.Contains(home, "Amount") && !strings.Contains(home, "amount") {
		t.Errorf("home in English:\n%s", home)
	}
	shoot("08-home-english")

	do("large text", chromedp.Click(`a[href="/care/on"]`), chromedp.WaitVisible("body.care"))
	shoot("09-home-large-text")
	// 关怀模式 is for eyes and fingers that need it: on every page of a signed-in customer, every
	// text at least 18 px and every button and form control at least 48 px high.
	for _, path := range []string{"/", "/accounts/3100000001/bills", "/accounts/3100000001/usage", "/accounts/3100000001/payments",
		"/disputes", "/accounts/3100000001/disputes/new", "/accounts/bind"} {
		do("large text "+path, chromedp.Navigate(base+path), chromedp.WaitVisible("body.care"))
		small, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](careCheck))
		if err != nil {
			t.Fatalf("large text check of %s: %v", path, err)
		}
		for _, s := range small {
			t.Errorf("large text %s: %s", path, s)
		}
	}
}

// careCheck lists what is too small on the page in large-text mode: visible text under 18 px (the
// charts' own labels aside: each chart has its table) and buttons or form controls under 48 px high.
const careCheck = `(() => {
  const out = [];
  const visible = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const name = el => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || seen.has(el) || !n.textContent.trim() || el.closest('svg') || !visible(el)) continue;
    seen.add(el);
    const px = parseFloat(getComputedStyle(el).fontSize);
    if (px < 18) out.push(name(el) + ' "' + n.textContent.trim().slice(0, 30) + '" is ' + px + 'px');
  }
  for (const el of document.querySelectorAll('button, a.button, nav.prefs a, input:not([type=hidden]), select, textarea, summary')) {
    if (!visible(el)) continue;
    const h = el.getBoundingClientRect().height;
    if (h < 48) out.push(name(el) + ' "' + (el.textContent || el.name || '').trim().slice(0, 30) + '" is ' + Math.round(h) + 'px high');
  }
  return out;
})()`

// writeMeterPhoto writes a small PNG, as a phone camera's photo of a meter would be for the form.
func writeMeterPhoto(t *testing.T, path string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := 0; x < 64; x++ {
		for y := 0; y < 48; y++ {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 90, 255})
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// devInboxCode reads the newest sign-in code sent to phone, from /dev/inbox.json.
func devInboxCode(t *testing.T, base, phone string) string {
	t.Helper()
	resp, err := http.Get(base + "/dev/inbox.json?to=" + phone)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var inbox struct {
		Messages []struct{ Kind, Text string } `json:"messages"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&inbox); err != nil {
		t.Fatalf("the dev inbox of %s: %v", phone, err)
	}
	// The newest code: the worker of `gridpay all` may have sent the phone a reminder since.
	for _, m := range inbox.Messages {
		if m.Kind == "otp" || m.Kind == "bind_code" {
			if code := regexp.MustCompile(`\d{6}`).FindString(m.Text); code != "" {
				return code
			}
			t.Fatalf("no code in %q", m.Text)
		}
	}
	t.Fatalf("no code sent to %s in the dev inbox", phone)
	return ""
}

type ioDiscard struct{}

func (ioDiscard) Write(p []byte) (int, error) { return len(p), nil }
