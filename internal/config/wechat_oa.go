package config

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// DefaultWeChatOABaseURL is the official accounts' API, used when GRIDPAY_WECHAT_OA_BASE_URL is unset.
const DefaultWeChatOABaseURL = "https://api.weixin.qq.com"

// WeChatOAConfig is the bureau's WeChat official account (公众号), which sends template messages:
// its app, its secret and the approved template id of each kind it sends. A zero WeChatOAConfig
// means none, in dev and in production alike: messages then go by SMS (or the dev inbox) alone.
type WeChatOAConfig struct {
	AppID   string // GRIDPAY_WECHAT_OA_APPID: wx and 16 hex digits
	Secret  string // GRIDPAY_WECHAT_OA_SECRET: the AppSecret, 32 hex digits
	BaseURL string // GRIDPAY_WECHAT_OA_BASE_URL: DefaultWeChatOABaseURL unless set
	// Approved template ids per kind (GRIDPAY_WECHAT_OA_TEMPLATE_*), each optional (unset: that kind
	// is not sent by WeChat); at least one is needed. Sign-in codes, bind codes and the copy to the
	// power administration department never go by WeChat.
	TemplateReceipt, TemplateDueSoon, TemplateReminder, TemplateCuijiao string
	TemplateNotice, TemplateNoticeFinal, TemplateLowBalance             string
}

var (
	wechatAppID    = regexp.MustCompile(`^wx[0-9a-f]{16}$`)
	wechatSecret   = regexp.MustCompile(`^[0-9a-f]{32}$`)
	wechatTemplate = regexp.MustCompile(`^[0-9A-Za-z_-]{1,64}$`)
)

// loadWeChatOA reads GRIDPAY_WECHAT_OA_* through get and returns the account and every problem
// found, each naming its variable; the secret is never repeated. Production's rule on the base URL
// is Load's.
func loadWeChatOA(get func(name, def string) string) (WeChatOAConfig, []error) {
	c := WeChatOAConfig{AppID: get("GRIDPAY_WECHAT_OA_APPID", ""), Secret: get("GRIDPAY_WECHAT_OA_SECRET", ""),
		BaseURL:         get("GRIDPAY_WECHAT_OA_BASE_URL", ""),
		TemplateReceipt: get("GRIDPAY_WECHAT_OA_TEMPLATE_RECEIPT", ""), TemplateDueSoon: get("GRIDPAY_WECHAT_OA_TEMPLATE_DUE_SOON", ""),
		TemplateReminder: get("GRIDPAY_WECHAT_OA_TEMPLATE_REMINDER", ""), TemplateCuijiao: get("GRIDPAY_WECHAT_OA_TEMPLATE_CUIJIAO", ""),
		TemplateNotice: get("GRIDPAY_WECHAT_OA_TEMPLATE_NOTICE", ""), TemplateNoticeFinal: get("GRIDPAY_WECHAT_OA_TEMPLATE_NOTICE_FINAL", ""),
		TemplateLowBalance: get("GRIDPAY_WECHAT_OA_TEMPLATE_LOW_BALANCE", "")}
	templates := [][2]string{{"GRIDPAY_WECHAT_OA_TEMPLATE_RECEIPT", c.TemplateReceipt}, {"GRIDPAY_WECHAT_OA_TEMPLATE_DUE_SOON", c.TemplateDueSoon},
		{"GRIDPAY_WECHAT_OA_TEMPLATE_REMINDER", c.TemplateReminder}, {"GRIDPAY_WECHAT_OA_TEMPLATE_CUIJIAO", c.TemplateCuijiao},
		{"GRIDPAY_WECHAT_OA_TEMPLATE_NOTICE", c.TemplateNotice}, {"GRIDPAY_WECHAT_OA_TEMPLATE_NOTICE_FINAL", c.TemplateNoticeFinal},
		{"GRIDPAY_WECHAT_OA_TEMPLATE_LOW_BALANCE", c.TemplateLowBalance}}
	anyTemplate := false
	for _, t := range templates {
		anyTemplate = anyTemplate || t[1] != ""
	}
	if c.AppID == "" && c.Secret == "" && c.BaseURL == "" && !anyTemplate {
		return WeChatOAConfig{}, nil
	}

	var errs []error
	missing := func(name string) {
		errs = append(errs, fmt.Errorf("%s is missing: other GRIDPAY_WECHAT_OA_* variables are set, so the official account needs it too", name))
	}
	switch {
	case c.AppID == "":
		missing("GRIDPAY_WECHAT_OA_APPID")
	case !wechatAppID.MatchString(c.AppID):
		errs = append(errs, fmt.Errorf("GRIDPAY_WECHAT_OA_APPID=%q is not valid: want the official account's AppID, wx and 16 hex digits", c.AppID))
	}
	switch {
	case c.Secret == "":
		missing("GRIDPAY_WECHAT_OA_SECRET")
	case !wechatSecret.MatchString(c.Secret):
		errs = append(errs, errors.New("GRIDPAY_WECHAT_OA_SECRET is not valid: want the official account's AppSecret, 32 hex digits"))
	}
	if !anyTemplate {
		errs = append(errs, errors.New("GRIDPAY_WECHAT_OA_TEMPLATE_* are all missing: the official account needs the template id of at least "+
			"one kind it sends, e.g. GRIDPAY_WECHAT_OA_TEMPLATE_REMINDER"))
	}
	for _, t := range templates {
		if t[1] != "" && !wechatTemplate.MatchString(t[1]) {
			errs = append(errs, fmt.Errorf("%s=%q is not valid: want a template id of the official account (letters, digits, _ and -)", t[0], t[1]))
		}
	}
	if c.BaseURL == "" {
		c.BaseURL = DefaultWeChatOABaseURL
	} else if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.RawQuery != "" || u.User != nil {
		errs = append(errs, fmt.Errorf("GRIDPAY_WECHAT_OA_BASE_URL=%q is not valid: want an absolute URL, e.g. %s", c.BaseURL, DefaultWeChatOABaseURL))
	}
	c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
	return c, errs
}
