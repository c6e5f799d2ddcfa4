package config_test

import (
	"maps"
	"strings"
	"testing"

	"gridpay/internal/config"
)

// tencentSMS is a whole Tencent Cloud SMS configuration.
var tencentSMS = map[string]string{
	"GRIDPAY_SMS_PROVIDER":           "tencent",
	"GRIDPAY_SMS_SECRET_ID":          "AKIDexample",
	"GRIDPAY_SMS_SECRET_KEY":         "s3cr3t-key-value",
	"GRIDPAY_SMS_SDK_APP_ID":         "1400000001",
	"GRIDPAY_SMS_SIGN_NAME":          "青山县供电公司",
	"GRIDPAY_SMS_TEMPLATE_OTP":       "1000001",
	"GRIDPAY_SMS_TEMPLATE_BIND_CODE": "1000002",
	"GRIDPAY_SMS_TEMPLATE_RECEIPT":   "1000003",
}

// withSMS adds the SMS channel to env.
func withSMS(env map[string]string) map[string]string {
	maps.Copy(env, tencentSMS)
	return env
}

// production is a whole production configuration with the SMS channel.
func production(extra map[string]string) map[string]string {
	env := map[string]string{"GRIDPAY_ENV": "production", "GRIDPAY_PUBLIC_URL": "https://p.cn", "GRIDPAY_REDIS_URL": "redis://r:6379",
		"GRIDPAY_BANK_SECRET": strings.Repeat("ab", 32), "GRIDPAY_BUREAU": "青山县供电公司"}
	maps.Copy(env, tencentSMS)
	maps.Copy(env, extra)
	return env
}

func TestLoadSMS(t *testing.T) {
	c, err := config.Load(getenv(production(map[string]string{"GRIDPAY_SMS_TEMPLATE_NOTICE": "1000005"})))
	if err != nil {
		t.Fatal(err)
	}
	want := config.SMSConfig{Provider: "tencent", SecretID: "AKIDexample", SecretKey: "s3cr3t-key-value", SDKAppID: "1400000001",
		SignName: "青山县供电公司", Region: "ap-guangzhou", TemplateOTP: "1000001", TemplateBindCode: "1000002",
		TemplateReceipt: "1000003", TemplateNotice: "1000005"}
	if c.SMS != want {
		t.Errorf("SMS = %+v, want %+v", c.SMS, want)
	}
	c, err = config.Load(getenv(production(map[string]string{"GRIDPAY_SMS_TEMPLATE_DUE_SOON": "1000011",
		"GRIDPAY_SMS_TEMPLATE_REMINDER": "1000012", "GRIDPAY_SMS_TEMPLATE_CUIJIAO": "1000013", "GRIDPAY_SMS_TEMPLATE_NOTICE": "1000014",
		"GRIDPAY_SMS_TEMPLATE_NOTICE_FINAL": "1000015", "GRIDPAY_SMS_TEMPLATE_LOW_BALANCE": "1000016",
		"GRIDPAY_SMS_TEMPLATE_NOTICE_COPY": "1000017"})))
	if err != nil {
		t.Fatal(err)
	}
	want = config.SMSConfig{Provider: "tencent", SecretID: "AKIDexample", SecretKey: "s3cr3t-key-value", SDKAppID: "1400000001",
		SignName: "青山县供电公司", Region: "ap-guangzhou", TemplateOTP: "1000001", TemplateBindCode: "1000002",
		TemplateReceipt: "1000003", TemplateDueSoon: "1000011", TemplateReminder: "1000012", TemplateCuijiao: "1000013",
		TemplateNotice: "1000014", TemplateNoticeFinal: "1000015", TemplateLowBalance: "1000016", TemplateNoticeCopy: "1000017"}
	if c.SMS != want {
		t.Errorf("SMS = %+v, want %+v", c.SMS, want)
	}
	c, err = config.Load(getenv(nil))
	if err != nil || c.SMS != (config.SMSConfig{}) {
		t.Errorf("dev without SMS variables: %+v, %v; want no SMS channel", c.SMS, err)
	}
}

func TestLoadSMSRejects(t *testing.T) {
	without := func(name string) map[string]string {
		env := maps.Clone(tencentSMS)
		delete(env, name)
		return env
	}
	with := func(name, value string) map[string]string {
		env := maps.Clone(tencentSMS)
		env[name] = value
		return env
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"production without an SMS channel", func() map[string]string {
			env := production(nil)
			for k := range tencentSMS {
				delete(env, k)
			}
			return env
		}(), []string{"GRIDPAY_SMS_PROVIDER", "production"}},
		{"unknown provider", with("GRIDPAY_SMS_PROVIDER", "aliyun"), []string{"GRIDPAY_SMS_PROVIDER", "tencent"}},
		{"SMS variables without a provider", without("GRIDPAY_SMS_PROVIDER"), []string{"GRIDPAY_SMS_PROVIDER", "GRIDPAY_SMS_SECRET_ID"}},
		{"no secret id", without("GRIDPAY_SMS_SECRET_ID"), []string{"GRIDPAY_SMS_SECRET_ID", "missing"}},
		{"no secret key", without("GRIDPAY_SMS_SECRET_KEY"), []string{"GRIDPAY_SMS_SECRET_KEY", "missing"}},
		{"no SDK app id", without("GRIDPAY_SMS_SDK_APP_ID"), []string{"GRIDPAY_SMS_SDK_APP_ID", "missing"}},
		{"no sign name", without("GRIDPAY_SMS_SIGN_NAME"), []string{"GRIDPAY_SMS_SIGN_NAME", "missing"}},
		{"no sign-in code template", without("GRIDPAY_SMS_TEMPLATE_OTP"), []string{"GRIDPAY_SMS_TEMPLATE_OTP", "missing"}},
		{"no bind code template", without("GRIDPAY_SMS_TEMPLATE_BIND_CODE"), []string{"GRIDPAY_SMS_TEMPLATE_BIND_CODE", "missing"}},
		{"no receipt template", without("GRIDPAY_SMS_TEMPLATE_RECEIPT"), []string{"GRIDPAY_SMS_TEMPLATE_RECEIPT", "missing"}},
		{"template id not a number", with("GRIDPAY_SMS_TEMPLATE_REMINDER", "催交"), []string{"GRIDPAY_SMS_TEMPLATE_REMINDER"}},
		{"due-soon template id not a number", with("GRIDPAY_SMS_TEMPLATE_DUE_SOON", "t1"), []string{"GRIDPAY_SMS_TEMPLATE_DUE_SOON"}},
		{"催交 template id not a number", with("GRIDPAY_SMS_TEMPLATE_CUIJIAO", "1 2"), []string{"GRIDPAY_SMS_TEMPLATE_CUIJIAO"}},
		{"final notice template id not a number", with("GRIDPAY_SMS_TEMPLATE_NOTICE_FINAL", "-1"), []string{"GRIDPAY_SMS_TEMPLATE_NOTICE_FINAL"}},
		{"low-balance template id too long", with("GRIDPAY_SMS_TEMPLATE_LOW_BALANCE", strings.Repeat("1", 21)), []string{"GRIDPAY_SMS_TEMPLATE_LOW_BALANCE"}},
		{"copy template id not a number", with("GRIDPAY_SMS_TEMPLATE_NOTICE_COPY", "copy"), []string{"GRIDPAY_SMS_TEMPLATE_NOTICE_COPY"}},
		{"reminder template without a provider", map[string]string{"GRIDPAY_SMS_TEMPLATE_CUIJIAO": "1000013"},
			[]string{"GRIDPAY_SMS_PROVIDER", "GRIDPAY_SMS_TEMPLATE_CUIJIAO"}},
		{"SDK app id not a number", with("GRIDPAY_SMS_SDK_APP_ID", "app-1"), []string{"GRIDPAY_SMS_SDK_APP_ID"}},
		{"sign name with brackets", with("GRIDPAY_SMS_SIGN_NAME", "【青山县供电公司】"), []string{"GRIDPAY_SMS_SIGN_NAME"}},
		{"endpoint not a URL", with("GRIDPAY_SMS_ENDPOINT", "sms.tencentcloudapi.com"), []string{"GRIDPAY_SMS_ENDPOINT", "https://"}},
		{"region not a region", with("GRIDPAY_SMS_REGION", "广州"), []string{"GRIDPAY_SMS_REGION"}},
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
			if strings.Contains(err.Error(), "s3cr3t-key-value") {
				t.Errorf("error %q repeats the secret key", err)
			}
		})
	}
}
