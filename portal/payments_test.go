package portal_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestPaymentsPage(t *testing.T) {
	s := newSite(t, true)
	c := s.signIn(t, "13800138000")
	all, total := paymentsOf(t, s, c, "3100000001", "?per_page=100")
	if total <= 20 {
		t.Fatalf("%d payments: the test needs more than a page of 20", total)
	}
	pages := (total + 19) / 20

	status, body := getPage(t, c, s.url+"/accounts/3100000001/payments")
	if status != 200 {
		t.Fatalf("payments page = %d:\n%s", status, body)
	}
	for _, want := range []string{`<html lang="zh-CN">`, "缴费记录 · 3100000001", "收费流水号", "缴费日期", "¥",
		fmt.Sprintf("共%d笔", total), fmt.Sprintf("第1页，共%d页", pages), `href="/accounts/3100000001/payments?page=2"`,
		`href="/accounts/3100000001/usage"`} {
		if !strings.Contains(body, want) {
			t.Errorf("payments page lacks %q", want)
		}
	}
	if strings.Contains(body, `rel="prev"`) {
		t.Error("the first page links to a previous one")
	}
	// The first 20, newest first, each with its date and channel in Chinese; the 21st on page 2.
	at := 0
	for i, p := range all[:20] {
		no := p["receipt_no"].(string)
		j := strings.Index(body, no)
		if j < at {
			t.Errorf("receipt %d %s missing or out of order on page 1", i, no)
			continue
		}
		at = j
		paid, _ := time.Parse("2006-01-02", p["paid_on"].(string))
		date := fmt.Sprintf("%d年%d月%d日", paid.Year(), paid.Month(), paid.Day())
		if !strings.Contains(body, date) || !strings.Contains(body, channelLabels[p["channel"].(string)][0]) {
			t.Errorf("receipt %s: page lacks %s or its channel %s", no, date, p["channel"])
		}
	}
	if strings.Contains(body, all[20]["receipt_no"].(string)) {
		t.Errorf("page 1 shows the 21st payment")
	}

	status, body = getPage(t, c, s.url+"/accounts/3100000001/payments?page=2")
	if status != 200 || !strings.Contains(body, all[20]["receipt_no"].(string)) ||
		!strings.Contains(body, `href="/accounts/3100000001/payments?page=1"`) || !strings.Contains(body, fmt.Sprintf("第2页，共%d页", pages)) {
		t.Errorf("payments page 2 = %d, lacks the 21st payment or the link back", status)
	}

	status, body = getPage(t, c, s.url+fmt.Sprintf("/accounts/3100000001/payments?page=%d", pages+5))
	if status != 200 || !strings.Contains(body, "暂无缴费记录") ||
		!strings.Contains(body, fmt.Sprintf(`href="/accounts/3100000001/payments?page=%d"`, pages)) {
		t.Errorf("past the last page = %d: want an empty list leading back to page %d", status, pages)
	}

	status, body = getPageInLang(t, c, s.url+"/accounts/3100000001/payments", "en")
	if status != 200 || !strings.Contains(body, "Receipt no.") || !strings.Contains(body, "Paid on") ||
		!strings.Contains(body, channelLabels[all[0]["channel"].(string)][1]) || !strings.Contains(body, fmt.Sprintf("Page 1 of %d", pages)) {
		t.Errorf("payments page in English = %d:\n%s", status, body)
	}

}
