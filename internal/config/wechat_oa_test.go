package config_test

import (
	"maps"
	"strings"
	"testing"

	"gridpay/internal/config"
)

// wechatOA is a whole official account configuration with every template.
var wechatOA = map[string]string{
	"GRIDPAY_WECHAT_OA_APPID":                 "wx8c3f1e2d4b5a6978",
	"GRIDPAY_WECHAT_OA_SECRET":                "9f2b7c1d0e8a4f6b3c5d7e9f1a2b4c6d",
	"GRIDPAY_WECHAT_OA_TEMPLATE_RECEIPT":      "tplReceipt_1",
	"GRIDPAY_WECHAT_OA_TEMPLATE_DUE_SOON":     "tplDueSoon_2",
	"GRIDPAY_WECHAT_OA_TEMPLATE_REMINDER":     "tplReminder_3",
	"GRIDPAY_WECHAT_OA_TEMPLATE_CUIJIAO":      "tplCuijiao_4",
	"GRIDPAY_WECHAT_OA_TEMPLATE_NOTICE":       "tplNotice_5",
	"GRIDPAY_WECHAT_OA_TEMPLATE_NOTICE_FINAL": "tplNoticeFinal_6",
	"GRIDPAY_WECHAT_OA_TEMPLATE_LOW_BALANCE":  "ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY",
}

func TestLoadWeChatOA(t *testing.T) {
	want := config.WeChatOAConfig{AppID: "wx8c3f1e2d4b5a6978", Secret: "9f2b7c1d0e8a4f6b3c5d7e9f1a2b4c6d",
		BaseURL: "https://api.weixin.qq.com", TemplateReceipt: "tplReceipt_1", TemplateDueSoon: "tplDueSoon_2",
		TemplateReminder: "tplReminder_3", TemplateCuijiao: "tplCuijiao_4", TemplateNotice: "tplNotice_5",
		TemplateNoticeFinal: "tplNoticeFinal_6", TemplateLowBalance: "ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY"}
	reminderOnly := map[string]string{"GRIDPAY_WECHAT_OA_APPID": "wx8c3f1e2d4b5a6978", "GRIDPAY_WECHAT_OA_SECRET": "9f2b7c1d0e8a4f6b3c5d7e9f1a2b4c6d",
		"GRIDPAY_WECHAT_OA_TEMPLATE_REMINDER": "tplReminder_3"}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want config.WeChatOAConfig
	}{
		{"production with every template", production(wechatOA), want},
		{"dev with every template", maps.Clone(wechatOA), want},
		{"one template is enough", production(reminderOnly), config.WeChatOAConfig{AppID: want.AppID, Secret: want.Secret,
			BaseURL: want.BaseURL, TemplateReminder: "tplReminder_3"}},
		{"dev against the simulator over http", func() map[string]string {
			env := maps.Clone(reminderOnly)
			env["GRIDPAY_WECHAT_OA_BASE_URL"] = "http://127.0.0.1:9100/"
			return env
		}(), config.WeChatOAConfig{AppID: want.AppID, Secret: want.Secret, BaseURL: "http://127.0.0.1:9100", TemplateReminder: "tplReminder_3"}},
		{"unset in production: no official account", production(nil), config.WeChatOAConfig{}},
		{"unset in dev", nil, config.WeChatOAConfig{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := config.Load(getenv(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			if c.WeChatOA != tc.want {
				t.Errorf("WeChatOA = %+v, want %+v", c.WeChatOA, tc.want)
			}
		})
	}
}

func TestLoadWeChatOARejects(t *testing.T) {
	without := func(names ...string) map[string]string {
		env := maps.Clone(wechatOA)
		for _, n := range names {
			delete(env, n)
		}
		return env
	}
	with := func(name, value string) map[string]string {
		env := maps.Clone(wechatOA)
		env[name] = value
		return env
	}
	var templates []string
	for k := range wechatOA {
		if strings.HasPrefix(k, "GRIDPAY_WECHAT_OA_TEMPLATE_") {
			templates = append(templates, k)
		}
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"no app id", without("GRIDPAY_WECHAT_OA_APPID"), []string{"GRIDPAY_WECHAT_OA_APPID", "missing"}},
		{"no secret", without("GRIDPAY_WECHAT_OA_SECRET"), []string{"GRIDPAY_WECHAT_OA_SECRET", "missing"}},
		{"no template", without(templates...), []string{"GRIDPAY_WECHAT_OA_TEMPLATE_", "at least one"}},
		{"a template alone", map[string]string{"GRIDPAY_WECHAT_OA_TEMPLATE_REMINDER": "tplReminder_3"},
			[]string{"GRIDPAY_WECHAT_OA_APPID", "GRIDPAY_WECHAT_OA_SECRET"}},
		{"a base URL alone", map[string]string{"GRIDPAY_WECHAT_OA_BASE_URL": "https://api.weixin.qq.com"},
			[]string{"GRIDPAY_WECHAT_OA_APPID", "GRIDPAY_WECHAT_OA_SECRET", "GRIDPAY_WECHAT_OA_TEMPLATE_"}},
		{"app id not an AppID", with("GRIDPAY_WECHAT_OA_APPID", "gh_1234567890ab"), []string{"GRIDPAY_WECHAT_OA_APPID", "wx"}},
		{"app id in capitals", with("GRIDPAY_WECHAT_OA_APPID", "WX8C3F1E2D4B5A6978"), []string{"GRIDPAY_WECHAT_OA_APPID"}},
		{"secret too short", with("GRIDPAY_WECHAT_OA_SECRET", "s3cr3t-not-hex"), []string{"GRIDPAY_WECHAT_OA_SECRET", "32 hex"}},
		{"template id with a space", with("GRIDPAY_WECHAT_OA_TEMPLATE_NOTICE", "tpl notice"), []string{"GRIDPAY_WECHAT_OA_TEMPLATE_NOTICE"}},
		{"template id too long", with("GRIDPAY_WECHAT_OA_TEMPLATE_CUIJIAO", strings.Repeat("t", 65)), []string{"GRIDPAY_WECHAT_OA_TEMPLATE_CUIJIAO"}},
		{"base URL not a URL", with("GRIDPAY_WECHAT_OA_BASE_URL", "api.weixin.qq.com"), []string{"GRIDPAY_WECHAT_OA_BASE_URL"}},
		{"base URL with a query", with("GRIDPAY_WECHAT_OA_BASE_URL", "https://api.weixin.qq.com/?x=1"), []string{"GRIDPAY_WECHAT_OA_BASE_URL"}},
		{"production over plain http", production(with("GRIDPAY_WECHAT_OA_BASE_URL", "http://api.weixin.qq.com")),
			[]string{"GRIDPAY_WECHAT_OA_BASE_URL", "https"}},
		{"production over plain HTTP in capitals", production(with("GRIDPAY_WECHAT_OA_BASE_URL", "HTTP://api.weixin.qq.com")),
			[]string{"GRIDPAY_WECHAT_OA_BASE_URL", "https"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Load(getenv(tc.env))
			if err == nil {
				t.Fatal("Load succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "9f2b7c1d0e8a4f6b3c5d7e9f1a2b4c6d") || strings.Contains(err.Error(), "s3cr3t-not-hex") {
				t.Errorf("error %q repeats the secret", err)
			}
		})
	}
}
