package config

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// SMS gateways gridpay can text through (GRIDPAY_SMS_PROVIDER).
const (
	SMSTencent = "tencent" // Tencent Cloud SMS
)

// DefaultSMSRegion is the Tencent Cloud region of the SMS API when GRIDPAY_SMS_REGION is unset.
const DefaultSMSRegion = "ap-guangzhou"

// SMSConfig is the SMS gateway that texts customers (sign-in codes, bind codes, receipts): an app of
// the provider, its approved signature and the approved template id of each kind of message. A zero
// SMSConfig means none: dev then texts into the dev inbox, and production refuses to start.
type SMSConfig struct {
	Provider            string // GRIDPAY_SMS_PROVIDER: "" or "tencent"
	SecretID, SecretKey string // GRIDPAY_SMS_SECRET_ID, GRIDPAY_SMS_SECRET_KEY: the API key pair
	SDKAppID            string // GRIDPAY_SMS_SDK_APP_ID: the SMS app (SmsSdkAppId)
	SignName            string // GRIDPAY_SMS_SIGN_NAME: the approved signature (签名)
	Region              string // GRIDPAY_SMS_REGION
	Endpoint            string // GRIDPAY_SMS_ENDPOINT: empty = the provider's
	// Approved template ids per kind (GRIDPAY_SMS_TEMPLATE_*); sign-in codes, bind codes and
	// receipts are required, the arrears reminders' kinds optional (unset: not sent by SMS).
	TemplateOTP, TemplateBindCode, TemplateReceipt                              string
	TemplateDueSoon, TemplateReminder, TemplateCuijiao                          string
	TemplateNotice, TemplateNoticeFinal, TemplateLowBalance, TemplateNoticeCopy string
	TemplateDisputeUpdate                                                       string
}

var (
	smsDigits = regexp.MustCompile(`^[0-9]{1,20}$`)
	smsRegion = regexp.MustCompile(`^[a-z]{2}-[a-z0-9-]{2,30}$`)
)

// loadSMS reads GRIDPAY_SMS_* through get and returns the gateway and every problem found, each
// naming its variable; the secret key is never repeated.
func loadSMS(get func(name, def string) string) (SMSConfig, []error) {
	var errs []error
	c := SMSConfig{Provider: get("GRIDPAY_SMS_PROVIDER", ""), SecretID: get("GRIDPAY_SMS_SECRET_ID", ""),
		SecretKey: get("GRIDPAY_SMS_SECRET_KEY", ""), SDKAppID: get("GRIDPAY_SMS_SDK_APP_ID", ""),
		SignName: get("GRIDPAY_SMS_SIGN_NAME", ""), Region: get("GRIDPAY_SMS_REGION", ""), Endpoint: get("GRIDPAY_SMS_ENDPOINT", ""),
		TemplateOTP: get("GRIDPAY_SMS_TEMPLATE_OTP", ""), TemplateBindCode: get("GRIDPAY_SMS_TEMPLATE_BIND_CODE", ""),
		TemplateReceipt: get("GRIDPAY_SMS_TEMPLATE_RECEIPT", ""), TemplateDueSoon: get("GRIDPAY_SMS_TEMPLATE_DUE_SOON", ""),
		TemplateReminder: get("GRIDPAY_SMS_TEMPLATE_REMINDER", ""), TemplateCuijiao: get("GRIDPAY_SMS_TEMPLATE_CUIJIAO", ""),
		TemplateNotice: get("GRIDPAY_SMS_TEMPLATE_NOTICE", ""), TemplateNoticeFinal: get("GRIDPAY_SMS_TEMPLATE_NOTICE_FINAL", ""),
		TemplateLowBalance: get("GRIDPAY_SMS_TEMPLATE_LOW_BALANCE", ""), TemplateNoticeCopy: get("GRIDPAY_SMS_TEMPLATE_NOTICE_COPY", ""),
		TemplateDisputeUpdate: get("GRIDPAY_SMS_TEMPLATE_DISPUTE_UPDATE", "")}
	vars := []struct {
		name, value string
		required    bool
		check       func(string) string // what is wrong with a value, or ""
	}{
		{"GRIDPAY_SMS_SECRET_ID", c.SecretID, true, nil},
		{"GRIDPAY_SMS_SECRET_KEY", c.SecretKey, true, nil},
		{"GRIDPAY_SMS_SDK_APP_ID", c.SDKAppID, true, digits("the SMS app's SdkAppId, e.g. 1400000001")},
		{"GRIDPAY_SMS_SIGN_NAME", c.SignName, true, func(v string) string {
			if checkBureau(v) != nil {
				return "the approved signature without brackets, e.g. 青山县供电公司"
			}
			return ""
		}},
		{"GRIDPAY_SMS_REGION", c.Region, false, func(v string) string {
			if !smsRegion.MatchString(v) {
				return "a Tencent Cloud region, e.g. " + DefaultSMSRegion
			}
			return ""
		}},
		{"GRIDPAY_SMS_ENDPOINT", c.Endpoint, false, func(v string) string {
			if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
				return "an absolute URL, e.g. https://sms.tencentcloudapi.com"
			}
			return ""
		}},
		{"GRIDPAY_SMS_TEMPLATE_OTP", c.TemplateOTP, true, digits("the approved template id of sign-in codes")},
		{"GRIDPAY_SMS_TEMPLATE_BIND_CODE", c.TemplateBindCode, true, digits("the approved template id of bind codes")},
		{"GRIDPAY_SMS_TEMPLATE_RECEIPT", c.TemplateReceipt, true, digits("the approved template id of receipts")},
		{"GRIDPAY_SMS_TEMPLATE_DUE_SOON", c.TemplateDueSoon, false, digits("the approved template id of bills falling due")},
		{"GRIDPAY_SMS_TEMPLATE_REMINDER", c.TemplateReminder, false, digits("the approved template id of arrears reminders")},
		{"GRIDPAY_SMS_TEMPLATE_CUIJIAO", c.TemplateCuijiao, false, digits("the approved template id of payment demands (催交)")},
		{"GRIDPAY_SMS_TEMPLATE_NOTICE", c.TemplateNotice, false, digits("the approved template id of disconnection notices")},
		{"GRIDPAY_SMS_TEMPLATE_NOTICE_FINAL", c.TemplateNoticeFinal, false, digits("the approved template id of final notices, 1 hour before")},
		{"GRIDPAY_SMS_TEMPLATE_LOW_BALANCE", c.TemplateLowBalance, false, digits("the approved template id of low-balance alerts")},
		{"GRIDPAY_SMS_TEMPLATE_NOTICE_COPY", c.TemplateNoticeCopy, false, digits("the approved template id of notices copied to the power administration department")},
		{"GRIDPAY_SMS_TEMPLATE_DISPUTE_UPDATE", c.TemplateDisputeUpdate, false, digits("the approved template id of dispute updates")},
	}
	switch c.Provider {
	case "":
		var set []string
		for _, v := range vars {
			if v.value != "" {
				set = append(set, v.name)
			}
		}
		if len(set) > 0 {
			errs = append(errs, fmt.Errorf("GRIDPAY_SMS_PROVIDER is empty but %s set: name the gateway (%s) or unset them",
				strings.Join(set, ", "), SMSTencent))
		}
		return SMSConfig{}, errs
	case SMSTencent:
	default:
		return SMSConfig{}, []error{fmt.Errorf("GRIDPAY_SMS_PROVIDER=%q is not valid: want %q or nothing", c.Provider, SMSTencent)}
	}
	for _, v := range vars {
		switch {
		case v.value == "" && v.required:
			errs = append(errs, fmt.Errorf("%s is missing: GRIDPAY_SMS_PROVIDER is set, so the SMS gateway needs it too", v.name))
		case v.value == "" || v.check == nil:
		case v.name == "GRIDPAY_SMS_SECRET_KEY":
		default:
			if want := v.check(v.value); want != "" {
				errs = append(errs, fmt.Errorf("%s=%q is not valid: want %s", v.name, v.value, want))
			}
		}
	}
	if c.Region == "" {
		c.Region = DefaultSMSRegion
	}
	return c, errs
}

// digits checks an id made of digits, as Tencent Cloud's app and template ids are.
func digits(want string) func(string) string {
	return func(v string) string {
		if !smsDigits.MatchString(v) {
			return want + " (digits)"
		}
		return ""
	}
}

// errNoSMS is production's refusal to run without a texting channel.
var errNoSMS = errors.New("GRIDPAY_SMS_PROVIDER is empty: production needs an SMS gateway (tencent) to send sign-in codes and receipts")
