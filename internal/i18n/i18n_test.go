package i18n_test

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/i18n"
)

// required are the keys the portal's pages rely on.
var required = []string{
	"app.title", "nav.home", "nav.bills", "nav.usage", "nav.payments", "nav.disputes", "nav.logout",
	"nav.large_text", "nav.language", "login.title", "login.phone", "login.code", "login.send_code",
	"login.submit", "login.code_sent", "login.wrong_code", "login.too_many", "login.rate_limited",
	"home.amount_due", "home.late_fee", "home.prepaid", "home.oldest_due", "home.fee_per_day",
	"home.pay_before", "home.pay", "home.no_accounts", "bills.title", "bills.period", "bills.kwh",
	"bills.total", "bills.due", "bills.status.unpaid", "bills.status.partly_paid", "bills.status.paid",
	"bills.late_fee", "bills.readings", "bills.previous", "bills.current", "bills.multiplier",
	"bills.tier_explain", "usage.title", "usage.this_year", "usage.last_year", "usage.daily",
	"usage.tier_progress", "error.invalid", "error.unauthorized", "error.forbidden", "error.not_found",
	"error.conflict", "error.internal", "error.too_large", "account.bind", "account.unbind",
	"account.pay_for_other", "nav.notices", "notices.title", "notices.none",
	"bills.owed", "bills.items_total", "bills.adjustments", "bills.adjusted.principal", "bills.adjusted.late_fee",
	"bills.adjusted_line", "bills.to_prepaid", "bills.fee_waived",
}

// verbs returns the fmt verbs of a message in order, without "%%".
func verbs(msg string) []string {
	var out []string
	for i := 0; i < len(msg); i++ {
		if msg[i] != '%' {
			continue
		}
		j := i + 1
		for j < len(msg) && strings.IndexByte("+-# 0123456789.[]*", msg[j]) >= 0 {
			j++
		}
		if j == len(msg) {
			out = append(out, "%!(NOVERB)")
			break
		}
		if msg[j] != '%' {
			out = append(out, msg[i:j+1])
		}
		i = j
	}
	return out
}

func TestCatalogHasEveryKeyInBothLanguages(t *testing.T) {
	keys := i18n.Keys()
	if !slices.IsSorted(keys) {
		t.Errorf("Keys() is not sorted: %q", keys)
	}
	for _, k := range required {
		if !slices.Contains(keys, k) {
			t.Errorf("required key %q is missing", k)
		}
	}
	for _, k := range keys {
		t.Run(k, func(t *testing.T) {
			zh, en := i18n.T(i18n.ZH, k), i18n.T(i18n.EN, k)
			if strings.TrimSpace(zh) == "" || zh == k {
				t.Errorf("zh message is %q", zh)
			}
			if strings.TrimSpace(en) == "" || en == k {
				t.Errorf("en message is %q", en)
			}
			if vz, ve := verbs(zh), verbs(en); !slices.Equal(vz, ve) {
				t.Errorf("verbs differ: zh %q has %q, en %q has %q", zh, vz, en, ve)
			}
		})
	}
}

func TestT(t *testing.T) {
	tests := []struct {
		name string
		lang i18n.Lang
		key  string
		args []any
		want string
	}{
		{"zh plain", i18n.ZH, "app.title", nil, "网上营业厅"},
		{"en plain", i18n.EN, "app.title", nil, "Online service hall"},
		{"language switch names the other language", i18n.ZH, "nav.language", nil, "English"},
		{"language switch in english", i18n.EN, "nav.language", nil, "中文"},
		{"zh with int", i18n.ZH, "login.too_many", []any{15}, "尝试次数过多，请15分钟后再试"},
		{"zh with masked phone", i18n.ZH, "login.code_sent", []any{"138****8000"}, "验证码已发送至138****8000，5分钟内有效"},
		{"en with two args", i18n.EN, "bills.tier_explain", []any{300, "160 x 0.5100 + …"}, "You used 300 kWh: 160 x 0.5100 + …"},
		{"zh with money", i18n.ZH, "home.fee_per_day", []any{i18n.Money(10)}, "违约金每天增加¥0.10"},
		{"unknown language falls back to zh", i18n.Lang("fr"), "nav.home", nil, "首页"},
		{"missing key returns the key", i18n.ZH, "no.such.key", nil, "no.such.key"},
		{"missing key with args returns the key", i18n.EN, "no.such.key", []any{1}, "no.such.key"},
		{"empty key", i18n.EN, "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := i18n.T(tt.lang, tt.key, tt.args...); got != tt.want {
				t.Errorf("T(%q, %q, %v) = %q, want %q", tt.lang, tt.key, tt.args, got, tt.want)
			}
		})
	}
}

func TestPick(t *testing.T) {
	tests := []struct {
		name, cookie, header string
		want                 i18n.Lang
	}{
		{"nothing", "", "", i18n.ZH},
		{"cookie en wins over header", "en", "zh-CN,zh;q=0.9", i18n.EN},
		{"cookie zh wins over header", "zh-CN", "en-US,en;q=0.9", i18n.ZH},
		{"cookie in other case", "EN", "", i18n.EN},
		{"unknown cookie falls to header", "fr", "en", i18n.EN},
		{"zh", "", "zh", i18n.ZH},
		{"zh-CN", "", "zh-CN", i18n.ZH},
		{"zh-Hans", "", "zh-Hans", i18n.ZH},
		{"zh-TW", "", "zh-TW", i18n.ZH},
		{"zh underscore", "", "zh_CN", i18n.ZH},
		{"en", "", "en", i18n.EN},
		{"en-US", "", "en-US", i18n.EN},
		{"en-GB", "", "en-GB", i18n.EN},
		{"upper case tag", "", "EN-us", i18n.EN},
		{"other language", "", "fr-FR", i18n.ZH},
		{"wildcard", "", "*", i18n.ZH},
		{"browser order en first", "", "en-US,en;q=0.9,zh-CN;q=0.8", i18n.EN},
		{"browser order zh first", "", "zh-CN,zh;q=0.9,en;q=0.8", i18n.ZH},
		{"q-values beat order", "", "zh;q=0.5, en;q=0.8", i18n.EN},
		{"q-values beat order zh", "", "en;q=0.3,zh-TW;q=0.7", i18n.ZH},
		{"equal q earlier wins", "", "en;q=0.5,zh;q=0.5", i18n.EN},
		{"q=0 refuses", "", "en;q=0", i18n.ZH},
		{"q=0 refuses en, zh later", "", "en;q=0, zh;q=0.1", i18n.ZH},
		{"unsupported first, supported second", "", "fr, en;q=0.5", i18n.EN},
		{"spaces", "", "  fr ;q=0.9 ,  en-GB ; q=0.8 ", i18n.EN},
		{"q with three decimals", "", "zh;q=0.001,en;q=0.002", i18n.EN},
		{"q=1.000", "", "zh;q=0.999,en;q=1.000", i18n.EN},
		{"q above 1 is malformed", "", "en;q=2,zh;q=0.1", i18n.ZH},
		{"q 1.5 is malformed", "", "en;q=1.5", i18n.ZH},
		{"q NaN is malformed", "", "en;q=NaN", i18n.ZH},
		{"q exponent is malformed", "", "en;q=1e-1", i18n.ZH},
		{"q four decimals is malformed", "", "en;q=0.1234", i18n.ZH},
		{"q empty is malformed", "", "en;q=", i18n.ZH},
		{"unknown param is malformed", "", "en;level=1", i18n.ZH},
		{"english is not en", "", "english", i18n.ZH},
		{"garbage", "", ";;;,,,===qqq", i18n.ZH},
		{"invalid utf8", "\xff\xfe", "\xff\xfe;q=\xff,\x80", i18n.ZH},
		{"invalid utf8 after en", "", "en-\xff", i18n.EN},
		{"8 KB of garbage", "", strings.Repeat("x;q=0.5,", 1024), i18n.ZH},
		{"8 KB tag", "", "en-" + strings.Repeat("a", 8192), i18n.EN},
		{"8 KB commas then en", "", strings.Repeat(",", 8192) + "en", i18n.ZH},
		{"en hidden after many entries is not read", "", strings.Repeat("fr,", 100) + "en", i18n.ZH},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := i18n.Pick(tt.cookie, tt.header); got != tt.want {
				t.Errorf("Pick(%q, %.60q) = %q, want %q", tt.cookie, tt.header, got, tt.want)
			}
		})
	}
}

func TestMoney(t *testing.T) {
	tests := []struct {
		name string
		fen  int64
		want string
	}{
		{"zero", 0, "¥0.00"},
		{"five fen", 5, "¥0.05"},
		{"one yuan", 100, "¥1.00"},
		{"under a thousand", 99999, "¥999.99"},
		{"a thousand", 100000, "¥1,000.00"},
		{"millions", 123456789, "¥1,234,567.89"},
		{"minus five fen", -5, "-¥0.05"},
		{"negative with separators", -123456, "-¥1,234.56"},
		{"max int64", math.MaxInt64, "¥92,233,720,368,547,758.07"},
		{"min int64", math.MinInt64, "-¥92,233,720,368,547,758.08"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := i18n.Money(tt.fen); got != tt.want {
				t.Errorf("Money(%d) = %q, want %q", tt.fen, got, tt.want)
			}
		})
	}
}

func TestKWh(t *testing.T) {
	tests := []struct {
		name string
		kwh  int64
		want string
	}{
		{"zero", 0, "0 kWh"},
		{"three digits", 999, "999 kWh"},
		{"four digits", 1870, "1,870 kWh"},
		{"millions", 1234567, "1,234,567 kWh"},
		{"negative", -1870, "-1,870 kWh"},
		{"max int64", math.MaxInt64, "9,223,372,036,854,775,807 kWh"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := i18n.KWh(tt.kwh); got != tt.want {
				t.Errorf("KWh(%d) = %q, want %q", tt.kwh, got, tt.want)
			}
		})
	}
}

func TestDate(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	tests := []struct {
		name string
		lang i18n.Lang
		t    time.Time
		want string
	}{
		{"zh", i18n.ZH, time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC), "2026年3月15日"},
		{"en", i18n.EN, time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC), "15 Mar 2026"},
		{"zh leap day", i18n.ZH, time.Date(2028, 2, 29, 0, 0, 0, 0, time.UTC), "2028年2月29日"},
		{"en leap day", i18n.EN, time.Date(2028, 2, 29, 0, 0, 0, 0, time.UTC), "29 Feb 2028"},
		{"zh two-digit month and day", i18n.ZH, time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC), "2026年12月31日"},
		{"en first of month", i18n.EN, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), "1 Jan 2026"},
		// The civil date is the one in t's own location: late evening in Beijing is still that day.
		{"zh uses t's location", i18n.ZH, time.Date(2026, 3, 15, 23, 30, 0, 0, shanghai), "2026年3月15日"},
		{"en uses t's location", i18n.EN, time.Date(2026, 3, 16, 0, 30, 0, 0, shanghai), "16 Mar 2026"},
		{"unknown language is zh", i18n.Lang("fr"), time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC), "2026年3月15日"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := i18n.Date(tt.lang, tt.t); got != tt.want {
				t.Errorf("Date(%q, %s) = %q, want %q", tt.lang, tt.t, got, tt.want)
			}
		})
	}
}

// TestEveryDisputeStatusHasALabel: the customer's pages show a dispute's status by the key
// "dispute.status." and the status, so each status billing knows needs one.
func TestEveryDisputeStatusHasALabel(t *testing.T) {
	for _, s := range billing.DisputeStatuses() {
		key := "dispute.status." + string(s)
		for _, lang := range []i18n.Lang{i18n.ZH, i18n.EN} {
			if got := i18n.T(lang, key); got == key || got == "" {
				t.Errorf("%s has no label in %v", key, lang)
			}
		}
	}
}

func TestReading(t *testing.T) {
	for in, want := range map[int64]string{0: "0.00", 5: "0.05", 5698870: "56988.70", 99999999: "999999.99", -150: "-1.50"} {
		if got := i18n.Reading(in); got != want {
			t.Errorf("Reading(%d) = %q, want %q", in, got, want)
		}
	}
}
