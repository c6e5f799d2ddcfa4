package portal_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

func TestBillPages(t *testing.T) {
	s := newSite(t, true)
	c := s.signIn(t, "13800138000")
	status, body := getPage(t, c, s.url+"/accounts/3100000001/bills")
	if status != 200 || !strings.Contains(body, "2026年10月") || !strings.Contains(body, "1 / 2") {
		t.Fatalf("bills page = %d:\n%s", status, body)
	}
	m := regexp.MustCompile(`href="/accounts/3100000001/bills/(\d+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no link to a bill")
	}
	status, body = getPage(t, c, s.url+"/accounts/3100000001/bills/"+m[1])
	for _, want := range []string{"您本月用电", "第一档电量", "居民生活阶梯电价", `class="num"`} {
		if !strings.Contains(body, want) {
			t.Errorf("bill page (%d) lacks %q", status, want)
		}
	}
	if status, _ := getPage(t, c, s.url+"/accounts/3100000001/bills?page=2"); status != 200 {
		t.Errorf("second page = %d", status)
	}
	for path, want := range map[string]int{
		"/accounts/3100000002/bills":            http.StatusNotFound, // another customer's
		"/accounts/3100000001/bills/999999":     http.StatusNotFound,
		"/accounts/3100000001/bills/x":          http.StatusBadRequest,
		"/accounts/31000000/bills":              http.StatusBadRequest,
		"/accounts/3100000001/bills?page=-1":    http.StatusBadRequest,
		"/accounts/3100000001/bills?page=99999": http.StatusBadRequest,
	} {
		if status, body := getPage(t, c, s.url+path); status != want || !strings.Contains(body, `role="alert"`) {
			t.Errorf("GET %s = %d, want %d with a message", path, status, want)
		}
	}
	anon := client(t)
	anon.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := anon.Get(s.url + "/accounts/3100000001/bills")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Errorf("anonymous bills page = %d to %q, want 303 to /login", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestLanguageAndLargeTextSwitches(t *testing.T) {
	s := newSite(t, true)
	c := client(t)
	req, _ := http.NewRequest(http.MethodGet, s.url+"/lang/en", nil)
	req.Header.Set("Referer", s.url+"/login?x=1")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/login" {
		t.Errorf("after /lang/en the browser is at %s, want back at /login", resp.Request.URL)
	}
	_, body := getPage(t, c, s.url+"/")
	if !strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, "Sign in") || !strings.Contains(body, `href="/lang/zh-CN"`) {
		t.Errorf("home after choosing English:\n%s", body)
	}
	getPage(t, c, s.url+"/care/on")
	if _, body := getPage(t, c, s.url+"/"); !strings.Contains(body, `<body class="care">`) {
		t.Error("large text mode is not on after /care/on")
	}
	getPage(t, c, s.url+"/care/off")
	if _, body := getPage(t, c, s.url+"/"); strings.Contains(body, `class="care"`) {
		t.Error("large text mode still on after /care/off")
	}
	// A referer on another site is not followed.
	req, _ = http.NewRequest(http.MethodGet, s.url+"/lang/zh-CN", nil)
	req.Header.Set("Referer", "https://evil.example/phish")
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Host != strings.TrimPrefix(s.url, "http://") || resp.Request.URL.Path != "/" {
		t.Errorf("a foreign referer sent the browser to %s", resp.Request.URL)
	}
}

// TestAdjustedBill: a bill whose principal was reduced and whose late fee was waived shows both
// adjustments on its page and in the API, in Chinese and in English, and owes what is left.
func TestAdjustedBill(t *testing.T) {
	s := newSite(t, true)
	c := s.signIn(t, "13800138000")
	_, body, _ := getJSON(t, c, s.url+"/api/v1/accounts/3100000001/bills?per_page=1")
	bill := body["bills"].([]any)[0].(map[string]any)
	id := int64(bill["id"].(float64))
	detail := func(t *testing.T) (owed, fee, total int64, raw string) {
		t.Helper()
		status, body, raw := getJSON(t, c, fmt.Sprintf("%s/api/v1/accounts/3100000001/bills/%d", s.url, id))
		if status != 200 {
			t.Fatalf("bill detail = %d %s", status, raw)
		}
		b := body["bill"].(map[string]any)
		return int64(body["owed_fen"].(float64)), int64(body["late_fee_fen"].(float64)), int64(b["total_fen"].(float64)), raw
	}
	owed, fee, total, raw := detail(t)
	if fee == 0 || owed != total+fee {
		t.Fatalf("the newest unpaid bill of the demo account should be overdue and unpaid: %s", raw)
	}
	today := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	for _, a := range []store.Adjustment{
		{No: "AJ0000000001", Kind: store.AdjustPrincipal, Amount: 1234, Reason: "抄表错误"},
		{No: "AJ0000000002", Kind: store.AdjustLateFee, Amount: billing.Money(fee), Reason: "首次逾期，违约金减免"},
	} {
		a.AccountNo, a.BillID, a.On = "3100000001", id, today
		if _, err := s.core.PostAdjustment(t.Context(), a); err != nil {
			t.Fatal(err)
		}
	}
	owedNow, feeNow, totalNow, raw := detail(t)
	if totalNow != total-1234 || feeNow != 0 || owedNow != total-1234 {
		t.Errorf("after the adjustments: total %d, fee %d, owed %d; want %d, 0, %d\n%s", totalNow, feeNow, owedNow, total-1234, total-1234, raw)
	}
	for _, want := range []string{`"kind":"principal"`, `"text":"账单调整 -¥12.34（抄表错误）"`, `"label":"违约金减免"`,
		fmt.Sprintf(`"late_fee_waived_fen":%d`, fee)} {
		if !strings.Contains(raw, want) {
			t.Errorf("bill detail lacks %s:\n%s", want, raw)
		}
	}
	_, _, raw = getJSON(t, c, fmt.Sprintf("%s/api/v1/accounts/3100000001/bills/%d", s.url, id), "Accept-Language", "en")
	if !strings.Contains(raw, `"text":"Bill adjusted -¥12.34 (抄表错误)"`) || !strings.Contains(raw, `"label":"Late fee waived"`) {
		t.Errorf("bill detail in English = %s", raw)
	}

	status, page := getPage(t, c, fmt.Sprintf("%s/accounts/3100000001/bills/%d", s.url, id))
	for _, want := range []string{"账单调整记录", "账单调整 -¥12.34（抄表错误）", "违约金减免", "原电费合计",
		"尚欠金额</dt><dd class=\"warn\">" + moneyText(total-1234)} {
		if !strings.Contains(page, want) {
			t.Errorf("bill page (%d) lacks %q", status, want)
		}
	}
}

// moneyText formats fen as the pages do: ¥1,234.56.
func moneyText(fen int64) string {
	y := fmt.Sprint(fen / 100)
	for i := len(y) - 3; i > 0; i -= 3 {
		y = y[:i] + "," + y[i:]
	}
	return fmt.Sprintf("¥%s.%02d", y, fen%100)
}
