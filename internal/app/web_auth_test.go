package app

import (
	"testing"

	"gridpay/internal/config"
	"gridpay/notify/wechatoa"
)

// TestWebAuthFor: pages inside WeChat learn the customer's OpenID from the official account only
// when the account is the WeChat Pay merchant's app (an OpenID is per app); in dev, with WeChat Pay
// on its sandbox, from the sandbox's account; otherwise from nobody, and orders inside WeChat are
// paid by their code.
func TestWebAuthFor(t *testing.T) {
	oa, err := wechatoa.New(wechatoa.Config{AppID: "wx0123456789abcdef", Secret: "0123456789abcdef0123456789abcdef"})
	if err != nil {
		t.Fatal(err)
	}
	sandboxAuth, err := wechatoa.New(wechatoa.Config{AppID: "wxsandbox", Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	sb := &sandboxes{webAuth: sandboxAuth}
	merchant := func(appID, oaAppID string) config.Config {
		var c config.Config
		c.WeChat.MchID, c.WeChat.AppID, c.WeChatOA.AppID = "1900000001", appID, oaAppID
		return c
	}
	for _, c := range []struct {
		name string
		cfg  config.Config
		sb   *sandboxes
		oa   *wechatoa.OA
		want *wechatoa.OA
	}{
		{"the account is the merchant's app", merchant("wx0123456789abcdef", "wx0123456789abcdef"), nil, oa, oa},
		{"the account is another app", merchant("wxfedcba9876543210", "wx0123456789abcdef"), nil, oa, nil},
		{"no official account", merchant("wx0123456789abcdef", ""), nil, nil, nil},
		{"dev: WeChat Pay on its sandbox", config.Config{}, sb, nil, sandboxAuth},
		{"dev: a real merchant replaces the sandbox", merchant("wx0123456789abcdef", "wx0123456789abcdef"), sb, oa, oa},
		{"production without WeChat Pay", config.Config{}, nil, oa, nil},
	} {
		svc := &services{}
		if c.oa != nil {
			svc.wechat = c.oa
		}
		got := webAuthFor(c.cfg, c.sb, svc)
		if c.want == nil && got != nil || c.want != nil && got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
