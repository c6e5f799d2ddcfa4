package portal_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// tableRows counts the body rows of the n-th chart table of a page (0-based); -1 if there is none.
func tableRows(body string, n int) int {
	parts := strings.Split(body, `<table class="chart-table">`)
	if n+1 >= len(parts) {
		return -1
	}
	table, _, _ := strings.Cut(parts[n+1], "</table>")
	return strings.Count(table, `<tr><th scope="row">`)
}

func TestUsagePage(t *testing.T) {
	s := newSite(t, true)
	c := s.signIn(t, "13800138000")

	status, body := getPage(t, c, s.url+"/accounts/3100000001/usage")
	if status != 200 {
		t.Fatalf("usage page = %d:\n%s", status, body)
	}
	for _, want := range []string{
		`<html lang="zh-CN">`, "用电分析 · 3100000001", `role="img"`, "近24个月用电量", "当月", "去年同月", "10月",
		"<details>", "<summary>以表格查看</summary>", "2026年10月", "近30天每日用电量",
		`href="/accounts/3100000001/usage?days=60"`, "查看近60天", `href="/accounts/3100000001/payments"`, `href="/"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("usage page lacks %q", want)
		}
	}
	if n := strings.Count(body, `<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-bars"`); n != 2 {
		t.Errorf("usage page has %d bar charts, want the monthly and the daily one", n)
	}
	if n := tableRows(body, 0); n != 24 {
		t.Errorf("the monthly table has %d rows, want 24", n)
	}
	if n := tableRows(body, 1); n < 25 || n > 30 {
		t.Errorf("the daily table has %d rows, want 25 to 30", n)
	}
	// 30 days to 26 November are 28 October to 26 November; the seed reads meters up to yesterday.
	if !strings.Contains(body, "2026年10月28日") || !strings.Contains(body, "2026年11月25日") || strings.Contains(body, "2026年10月27日") {
		t.Error("the daily table does not run from 28 October to 25 November")
	}
	if strings.Contains(body, "chart-progress") || strings.Contains(body, "<script") {
		t.Error("usage page of a monthly tiered account shows annual tier progress, or a script")
	}

	status, body = getPage(t, c, s.url+"/accounts/3100000001/usage?days=60")
	if n := tableRows(body, 1); status != 200 || n < 55 || n > 60 || !strings.Contains(body, "近60天每日用电量") ||
		!strings.Contains(body, `href="/accounts/3100000001/usage?days=30"`) {
		t.Errorf("usage page with 60 days = %d, %d daily rows, want 55 to 60 and a link back to 30", status, n)
	}

	status, body = getPageInLang(t, c, s.url+"/accounts/3100000001/usage", "en")
	for _, want := range []string{`<html lang="en">`, "Electricity used in the last 24 months", "Same month last year",
		">Oct<", "Oct 2026", "Show the last 60 days"} {
		if status != 200 || !strings.Contains(body, want) {
			t.Errorf("usage page in English = %d, lacks %q", status, want)
		}
	}
}

func TestUsagePageAnnualTier(t *testing.T) {
	s := newSite(t, true)
	c, no := annualAccount(t, s)
	_, usage, _ := getJSON(t, c, s.url+"/api/v1/accounts/"+no+"/usage")
	tier := usage["annual_tier"].(map[string]any)

	status, body := getPage(t, c, s.url+"/accounts/"+no+"/usage")
	if status != 200 {
		t.Fatalf("usage page of %s = %d:\n%s", no, status, body)
	}
	for _, want := range []string{"2026年阶梯电量进度", `class="chart chart-progress"`, "第一档额度2,160 kWh",
		"目前在第1档", "将进入第2档"} {
		if !strings.Contains(body, want) {
			t.Errorf("usage page of %s (%v) lacks %q", no, tier, want)
		}
	}
	_, body = getPageInLang(t, c, s.url+"/accounts/"+no+"/usage", "en")
	if !strings.Contains(body, "Tier progress in 2026") || !strings.Contains(body, "of the 2,160 kWh first-tier allowance") {
		t.Errorf("English usage page of %s lacks the tier progress", no)
	}
}

// TestUsagePageWithoutSmartMeter shows an account read by hand (an old mechanical meter): its
// months, and no daily chart but a word why.
func TestUsagePageWithoutSmartMeter(t *testing.T) {
	s := newSite(t, true)
	c, accounts := bindSeeded(t, s)
	for _, a := range accounts {
		no := a["account_no"].(string)
		_, usage, raw := getJSON(t, c, s.url+"/api/v1/accounts/"+no+"/usage")
		if daily, ok := usage["daily"].([]any); !ok || len(daily) > 0 {
			continue
		}
		if !strings.Contains(raw, `"daily":[]`) {
			t.Errorf("usage of %s: daily is not an empty list: %s", no, raw)
		}
		status, body := getPage(t, c, s.url+"/accounts/"+no+"/usage")
		if status != 200 || !strings.Contains(body, "此户暂无智能电表的每日用电数据") || strings.Contains(body, "?days=") ||
			strings.Count(body, `class="chart chart-bars"`) != 1 || tableRows(body, 0) != 24 {
			t.Errorf("usage page of %s without daily data = %d: want the monthly chart and table and a word instead of the daily chart", no, status)
		}
		return
	}
	t.Fatal("every seeded account has daily data: the seed has no mechanical meter to test with")
}

// TestUsageAndPaymentsRefuseOthersStrangersAndBadInput tries the usage and payments pages and API
// with another customer's account, without a session, and with bad parameters.
func TestUsageAndPaymentsRefuseOthersStrangersAndBadInput(t *testing.T) {
	s := newSite(t, true)
	c := s.signIn(t, "13800138000")
	endpoints := []string{"/api/v1/accounts/%s/usage", "/api/v1/accounts/%s/payments", "/accounts/%s/usage", "/accounts/%s/payments"}

	t.Run("another customer's account is not found", func(t *testing.T) {
		for _, e := range endpoints {
			for _, no := range []string{"3100000002", "3100009999"} {
				path := strings.Replace(e, "%s", no, 1)
				status, body := getPage(t, c, s.url+path)
				if status != http.StatusNotFound || strings.Contains(body, "SF20") || strings.Contains(body, "kwh") ||
					strings.Contains(body, "<svg") {
					t.Errorf("GET %s = %d, want 404 showing nothing:\n%s", path, status, body)
				}
			}
		}
	})

	t.Run("no session", func(t *testing.T) {
		anon := client(t)
		anon.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		for _, e := range endpoints {
			path := strings.Replace(e, "%s", "3100000001", 1)
			resp, err := anon.Get(s.url + path)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.HasPrefix(path, "/api/") {
				if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(b), `"code":"unauthorized"`) {
					t.Errorf("anonymous GET %s = %d %s, want 401", path, resp.StatusCode, b)
				}
			} else if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
				t.Errorf("anonymous GET %s = %d to %q, want 303 to /login", path, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
	})

	t.Run("bad input", func(t *testing.T) {
		for _, path := range []string{
			"/api/v1/accounts/31000000x1/usage",
			"/api/v1/accounts/310000000/usage",
			"/api/v1/accounts/31000000x1/payments",
			"/api/v1/accounts/3100000001/payments?page=0",
			"/api/v1/accounts/3100000001/payments?page=abc",
			"/api/v1/accounts/3100000001/payments?page=1001",
			"/api/v1/accounts/3100000001/payments?per_page=0",
			"/api/v1/accounts/3100000001/payments?per_page=101",
			"/api/v1/accounts/3100000001/payments?per_page=-5",
		} {
			if status, _, raw := getJSON(t, c, s.url+path); status != http.StatusBadRequest || !strings.Contains(raw, `"code":"invalid"`) {
				t.Errorf("GET %s = %d %s, want 400", path, status, raw)
			}
		}
		for _, path := range []string{
			"/accounts/31000000x1/usage",
			"/accounts/3100000001/usage?days=45",
			"/accounts/3100000001/usage?days=90",
			"/accounts/3100000001/usage?days=0",
			"/accounts/3100000001/usage?days=abc",
			"/accounts/3100000001/usage?days=-30",
			"/accounts/31000000x1/payments",
			"/accounts/3100000001/payments?page=0",
			"/accounts/3100000001/payments?page=x",
			"/accounts/3100000001/payments?page=99999999999999999999",
		} {
			if status, body := getPage(t, c, s.url+path); status != http.StatusBadRequest || !strings.Contains(body, "请求内容有误") {
				t.Errorf("GET %s = %d, want a 400 page:\n%s", path, status, body)
			}
		}
	})
}
