package notify_test

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"gridpay/internal/billing"
	"gridpay/notify"
)

// reminderKinds are the kinds of the arrears ladder, which all carry the pay link.
var reminderKinds = []notify.Kind{notify.DueSoon, notify.Reminder, notify.Cuijiao, notify.Notice, notify.NoticeFinal,
	notify.LowBalance, notify.NoticeCopy}

func TestReminderKindsCarryTheLink(t *testing.T) {
	for _, k := range notify.Kinds() {
		t.Run(string(k), func(t *testing.T) {
			tpl, _ := notify.TemplateOf(k)
			reminder := slices.Contains(reminderKinds, k)
			linked := reminder || k == notify.DisputeUpdate // the link to the dispute's page
			if got := slices.Contains(tpl.Required, notify.ParamLink); got != linked {
				t.Fatalf("%s requires the link: %v, want %v", k, got, linked)
			}
			if !reminder {
				return
			}
			if tpl.SMS[len(tpl.SMS)-1] != notify.ParamLink {
				t.Errorf("the SMS template's parameters %v do not end with the link", tpl.SMS)
			}
			m := notify.Message{Kind: k, To: notify.To{Phone: "13800138000"}, Params: sample[k]}
			without := maps.Clone(m.Params)
			delete(without, notify.ParamLink)
			if err := (notify.Message{Kind: k, To: m.To, Params: without}).Validate(); !errors.Is(err, billing.ErrInvalid) {
				t.Errorf("a %s without its link: Validate = %v, want invalid", k, err)
			}
			fields, err := m.WeChatFields()
			if k == notify.NoticeCopy {
				// The power administration department is reached by SMS.
				if !errors.Is(err, notify.ErrNoTemplate) {
					t.Errorf("WeChatFields of the department's copy = %v, want ErrNoTemplate", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fields {
				if strings.Contains(f.Value, payLink) || strings.Contains(f.Value, "http") {
					t.Errorf("WeChat field %s = %q: the link goes in the message's url, not in a field", f.Name, f.Value)
				}
			}
		})
	}
}

func TestSMSParamsOrder(t *testing.T) {
	for _, tc := range []struct {
		kind notify.Kind
		want []string
	}{
		{notify.DueSoon, []string{"310*****01", "175.00", "2026-11-15", payLink}},
		{notify.Reminder, []string{"310*****01", "175.00", "2026-11-15", payLink}},
		{notify.Cuijiao, []string{"310*****01", "178.15", payLink}},
		{notify.Notice, []string{"310*****01", "178.15", "2026-12-24", payLink}},
		{notify.NoticeFinal, []string{"310*****01", "178.15", "2026-12-24", "10:00", payLink}},
		{notify.LowBalance, []string{"310*****01", "15.20", "20.00", payLink}},
		{notify.NoticeCopy, []string{"310*****01", "178.15", "2026-12-24", payLink}},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			got, err := notify.Message{Kind: tc.kind, To: notify.To{Phone: "13800138000"}, Params: sample[tc.kind]}.SMSParams()
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("SMSParams = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestWeChatFieldsOfReminders(t *testing.T) {
	for _, tc := range []struct {
		kind notify.Kind
		want map[string]string
	}{
		{notify.DueSoon, map[string]string{"keyword1": "310*****01", "keyword2": "175.00元", "keyword3": "2026-11-15"}},
		{notify.Reminder, map[string]string{"keyword1": "310*****01", "keyword2": "175.00元", "keyword3": "2026-11-15"}},
		{notify.Cuijiao, map[string]string{"keyword1": "310*****01", "keyword2": "178.15元（含违约金）"}},
		{notify.Notice, map[string]string{"keyword1": "310*****01", "keyword2": "178.15元", "keyword3": "2026-12-24"}},
		{notify.NoticeFinal, map[string]string{"keyword1": "310*****01", "keyword2": "178.15元", "keyword3": "2026-12-24 10:00"}},
		{notify.LowBalance, map[string]string{"keyword1": "310*****01", "keyword2": "15.20元", "keyword3": "20.00元"}},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			fields, err := notify.Message{Kind: tc.kind, To: notify.To{OpenID: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}, Params: sample[tc.kind]}.WeChatFields()
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, f := range fields {
				got[f.Name] = f.Value
			}
			for name, want := range tc.want {
				if got[name] != want {
					t.Errorf("field %s = %q, want %q", name, got[name], want)
				}
			}
			if got["first"] == "" || got["remark"] == "" {
				t.Errorf("fields %v lack a first line or a remark", got)
			}
		})
	}
}

// TestReminderTextsAreShort keeps each reminder's Chinese text before its link to one SMS part (70
// characters) for a 10-digit account and the sample amounts, except the two kinds whose comments
// in template.go say why they are longer.
func TestReminderTextsAreShort(t *testing.T) {
	longer := []notify.Kind{notify.Notice, notify.NoticeCopy}
	for _, k := range reminderKinds {
		t.Run(string(k), func(t *testing.T) {
			text, err := notify.Message{Kind: k, To: notify.To{Phone: "13800138000"}, Params: sample[k]}.Render(bureau)
			if err != nil {
				t.Fatal(err)
			}
			before, ok := strings.CutSuffix(text.Zh, payLink)
			if !ok {
				t.Fatalf("the text %q does not end with the link", text.Zh)
			}
			if n := utf8.RuneCountInString(before); n > 70 && !slices.Contains(longer, k) {
				t.Errorf("the text before the link has %d characters, over one SMS part: %q", n, before)
			}
		})
	}
}

func TestValidateParameters(t *testing.T) {
	reminder := func(name, value string) notify.Message {
		p := maps.Clone(sample[notify.NoticeFinal])
		p[name] = value
		return notify.Message{Kind: notify.NoticeFinal, To: notify.To{Phone: "13800138000"}, Params: p}
	}
	receipt := func(name, value string) notify.Message {
		p := maps.Clone(sample[notify.Receipt])
		p[name] = value
		return notify.Message{Kind: notify.Receipt, To: notify.To{Phone: "13800138000"}, Params: p}
	}
	link128 := "https://pay.qingshan.example.cn/payfor/" + strings.Repeat("a", 128-len("https://pay.qingshan.example.cn/payfor/"))
	for _, tc := range []struct {
		name  string
		m     notify.Message
		valid bool
	}{
		{"link of 128 characters", reminder(notify.ParamLink, link128), true},
		{"link over plain http", reminder(notify.ParamLink, "http://127.0.0.1:8080/payfor/3100000001"), true},
		{"link with a query", reminder(notify.ParamLink, "https://pay.example.cn/payfor?no=3100000001&src=sms"), true},
		{"link of 129 characters", reminder(notify.ParamLink, link128+"a"), false},
		{"javascript: link", reminder(notify.ParamLink, "javascript:alert(document.cookie)"), false},
		{"javascript: link in capitals", reminder(notify.ParamLink, "JavaScript://pay.example.cn/%0aalert(1)"), false},
		{"data: link", reminder(notify.ParamLink, "data:text/html,<script>alert(1)</script>"), false},
		{"link with a space", reminder(notify.ParamLink, "https://pay.example.cn/pay for/1"), false},
		{"link with a tab", reminder(notify.ParamLink, "https://pay.example.cn/\tpayfor"), false},
		{"link with a line break", reminder(notify.ParamLink, "https://pay.example.cn/\n点击领取补贴"), false},
		{"relative link", reminder(notify.ParamLink, "/payfor/3100000001"), false},
		{"link without a scheme", reminder(notify.ParamLink, "pay.example.cn/payfor/3100000001"), false},
		{"scheme-relative link", reminder(notify.ParamLink, "//pay.example.cn/payfor/3100000001"), false},
		{"ftp link", reminder(notify.ParamLink, "ftp://pay.example.cn/payfor"), false},
		{"link without a host", reminder(notify.ParamLink, "https:///payfor/3100000001"), false},
		{"link with a user name that hides the host", reminder(notify.ParamLink, "https://pay.example.cn@evil.example/payfor"), false},
		{"link with a backslash", reminder(notify.ParamLink, `https://evil.example\@pay.example.cn/`), false},
		{"link with a look-alike letter", reminder(notify.ParamLink, "https://pаy.example.cn/payfor"), false}, // Cyrillic а
		{"link with a right-to-left override", reminder(notify.ParamLink, "https://pay.example.cn/\u202egnp.exe"), false},
		{"link not UTF-8", reminder(notify.ParamLink, "https://pay.example.cn/\xff"), false},
		{"masked account", reminder(notify.ParamAccount, "310*****01"), true},
		{"account with letters", reminder(notify.ParamAccount, "310abc0001"), false},
		{"account of 33 characters", reminder(notify.ParamAccount, strings.Repeat("1", 33)), false},
		{"amount below zero", reminder(notify.ParamAmount, "-1.00"), false},
		{"amount with three decimals", reminder(notify.ParamAmount, "1.005"), false},
		{"amount in words", reminder(notify.ParamAmount, "一百元"), false},
		{"amount in whole yuan", reminder(notify.ParamAmount, "175"), true},
		{"date that does not exist", reminder(notify.ParamCutoffDate, "2026-02-30"), false},
		{"date in another form", reminder(notify.ParamCutoffDate, "2026/12/24"), false},
		{"date as free text", reminder(notify.ParamCutoffDate, "明天"), false},
		{"leap day", reminder(notify.ParamCutoffDate, "2028-02-29"), true},
		{"time past midnight", reminder(notify.ParamCutoffTime, "24:00"), false},
		{"time without its leading zero", reminder(notify.ParamCutoffTime, "9:00"), false},
		{"time with seconds", reminder(notify.ParamCutoffTime, "10:00:00"), false},
		{"time of day", reminder(notify.ParamCutoffTime, "09:00"), true},
		{"receipt number with a space", receipt(notify.ParamReceiptNo, "SF 1"), false},
		{"prepaid money as text", receipt(notify.ParamPrepaid, "twenty"), false},
		{"code with letters", notify.Message{Kind: notify.OTP, To: notify.To{Phone: "13800138000"},
			Params: notify.Params{notify.ParamCode: "12ab56", notify.ParamMinutes: "5"}}, false},
		{"minutes in words", notify.Message{Kind: notify.OTP, To: notify.To{Phone: "13800138000"},
			Params: notify.Params{notify.ParamCode: "123456", notify.ParamMinutes: "five"}}, false},
		{"threshold on a kind without one", reminder(notify.ParamThreshold, "20.00"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.m.Validate()
			switch {
			case tc.valid && err != nil:
				t.Errorf("Validate = %v, want valid", err)
			case !tc.valid && !errors.Is(err, billing.ErrInvalid):
				t.Errorf("Validate = %v, want invalid", err)
			}
		})
	}
}
