package wechatoa_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"gridpay/notify"
	"gridpay/notify/wechatoa"
)

// TestOpenIDByWebAuthorization: a page inside WeChat sends the browser to AuthorizeURL; WeChat
// sends it back with a code and the state; the code gives the customer's OpenID, once, within five
// minutes, and only to this account's secret.
func TestOpenIDByWebAuthorization(t *testing.T) {
	c := newClock()
	sim, base := account(t, c)
	sim.SignedInAs("oCustomerOpenID00000000000042")
	oa := channel(t, base, c, func(cfg *wechatoa.Config) { cfg.AuthorizeURL = base })
	ctx := context.Background()
	back := "https://pay.example.cn/wechat/pay?order=GPW1"
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	authorize := func(state string) string {
		t.Helper()
		u := oa.AuthorizeURL(back, state)
		if !strings.HasSuffix(u, "#wechat_redirect") || !strings.Contains(u, "scope=snsapi_base") {
			t.Fatalf("authorize URL %s", u)
		}
		resp, err := browser.Get(strings.TrimSuffix(u, "#wechat_redirect"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), "https://pay.example.cn/wechat/pay?") ||
			loc.Query().Get("state") != state || loc.Query().Get("order") != "GPW1" {
			t.Fatalf("authorize = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		return loc.Query().Get("code")
	}

	code := authorize("s1")
	if id, err := oa.OpenID(ctx, code); err != nil || id != "oCustomerOpenID00000000000042" {
		t.Fatalf("OpenID = %q, %v", id, err)
	}
	var f *notify.Failure
	if _, err := oa.OpenID(ctx, code); !errors.As(err, &f) || f.Code != "40029" || !f.Permanent {
		t.Errorf("a code used twice: %v", err)
	}
	late := authorize("s2")
	c.add(6 * time.Minute)
	if _, err := oa.OpenID(ctx, late); !errors.As(err, &f) || f.Code != "40029" {
		t.Errorf("a code six minutes old: %v", err)
	}
	other := channel(t, base, c, func(cfg *wechatoa.Config) { cfg.Secret = "another secret of 32 characters." })
	if _, err := other.OpenID(ctx, authorize("s3")); !errors.As(err, &f) || f.Code != "40125" {
		t.Errorf("another secret: %v", err)
	}
	for _, bad := range []string{"", strings.Repeat("x", 200)} {
		if _, err := oa.OpenID(ctx, bad); !errors.As(err, &f) || !f.Permanent {
			t.Errorf("code %q: %v", bad, err)
		}
	}
}
