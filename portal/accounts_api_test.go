package portal_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"gridpay/internal/store"
)

func TestAccountsAndSummary(t *testing.T) {
	s := newSite(t, true)
	c := s.signIn(t, "13800138000")

	status, body, raw := getJSON(t, c, s.url+"/api/v1/accounts")
	if status != 200 {
		t.Fatalf("GET /api/v1/accounts = %d %s", status, raw)
	}
	accounts, _ := body["accounts"].([]any)
	if len(accounts) != 1 || !strings.Contains(raw, `"account_no":"3100000001"`) || !strings.Contains(raw, `"name":"张*国"`) ||
		!strings.Contains(raw, `"registered":true`) {
		t.Errorf("accounts = %s, want 3100000001 only, name masked", raw)
	}
	if strings.Contains(raw, "张建国") || strings.Contains(raw, "解放路12号") {
		t.Errorf("accounts show personal data unmasked: %s", raw)
	}

	status, body, raw = getJSON(t, c, s.url+"/api/v1/accounts/3100000001/summary")
	if status != 200 {
		t.Fatalf("summary = %d %s", status, raw)
	}
	for _, want := range []string{`"as_of":"2026-11-26"`, `"open_bills":2`, `"oldest_due":"2026-10-20"`, `"days_overdue":37`,
		`"notice_from":"2026-11-20"`, `"notice_may_come":true`, `"earliest_disconnection":"2026-12-03"`} {
		if !strings.Contains(raw, want) {
			t.Errorf("summary lacks %s: %s", want, raw)
		}
	}
	principal, fee, due := body["principal_fen"].(float64), body["late_fee_fen"].(float64), body["amount_due_fen"].(float64)
	if principal <= 0 || fee <= 0 || due != principal+fee || body["late_fee_per_day_fen"].(float64) <= 0 {
		t.Errorf("summary amounts principal %v + fee %v = due %v, per day %v", principal, fee, due, body["late_fee_per_day_fen"])
	}
}

func TestBoundAccountAppears(t *testing.T) {
	s := newSite(t, true)
	if _, err := s.portal.Bind(t.Context(), "13800138000", "3100000002"); err != nil {
		t.Fatal(err)
	}
	c := s.signIn(t, "13800138000")
	_, _, raw := getJSON(t, c, s.url+"/api/v1/accounts")
	if !strings.Contains(raw, `"account_no":"3100000002"`) || !strings.Contains(raw, `"registered":false`) {
		t.Errorf("bound account missing: %s", raw)
	}
	status, _, raw := getJSON(t, c, s.url+"/api/v1/accounts/3100000002/summary")
	if status != 200 || !strings.Contains(raw, `"oldest_due":"2025-12-20"`) {
		t.Errorf("bound commercial account's summary = %d %s, want arrears since 2025-12-20", status, raw)
	}
}

func TestBillsAndBillDetail(t *testing.T) {
	s := newSite(t, true)
	c := s.signIn(t, "13800138000")
	status, body, raw := getJSON(t, c, s.url+"/api/v1/accounts/3100000001/bills?per_page=5")
	if status != 200 || body["total"].(float64) != 24 {
		t.Fatalf("bills = %d %s", status, raw)
	}
	bills := body["bills"].([]any)
	first := bills[0].(map[string]any)
	if len(bills) != 5 || first["period"] != "2026-10" || first["status"] != "unpaid" || first["status_label"] == "" {
		t.Errorf("first page = %s", raw)
	}
	_, body2, _ := getJSON(t, c, s.url+"/api/v1/accounts/3100000001/bills?per_page=5&page=2")
	if p := body2["bills"].([]any)[0].(map[string]any)["period"]; p != "2026-05" {
		t.Errorf("second page starts at %v, want 2026-05", p)
	}

	id := int64(first["id"].(float64))
	status, _, raw = getJSON(t, c, fmt.Sprintf("%s/api/v1/accounts/3100000001/bills/%d", s.url, id))
	if status != 200 || !strings.Contains(raw, `您本月用电`) || !strings.Contains(raw, `"multiplier":1`) || !strings.Contains(raw, `"label":"第一档电量"`) {
		t.Fatalf("bill detail = %d %s", status, raw)
	}
	_, _, raw = getJSON(t, c, fmt.Sprintf("%s/api/v1/accounts/3100000001/bills/%d", s.url, id), "Accept-Language", "en")
	if !strings.Contains(raw, `You used`) || !strings.Contains(raw, `"label":"Tier 1"`) {
		t.Errorf("bill detail in English = %s", raw)
	}
}

// TestOtherCustomersDataIsNotFound tries every account endpoint with another customer's account
// number and bill id: all answer 404 and show nothing.
func TestOtherCustomersDataIsNotFound(t *testing.T) {
	s := newSite(t, true)
	other := s.signIn(t, "13800138001") // owns 3100000002
	_, body, _ := getJSON(t, other, s.url+"/api/v1/accounts/3100000002/bills?per_page=1")
	otherBill := int64(body["bills"].([]any)[0].(map[string]any)["id"].(float64))
	c := s.signIn(t, "13800138000")
	_, body, _ = getJSON(t, c, s.url+"/api/v1/accounts/3100000001/bills?per_page=1")
	ownBill := int64(body["bills"].([]any)[0].(map[string]any)["id"].(float64))

	for _, path := range []string{
		"/api/v1/accounts/3100000002/summary",
		"/api/v1/accounts/3100000002/bills",
		fmt.Sprintf("/api/v1/accounts/3100000002/bills/%d", otherBill),
		fmt.Sprintf("/api/v1/accounts/3100000001/bills/%d", otherBill), // another's bill under one's own account
		"/api/v1/accounts/3100009999/summary",                          // no such account
	} {
		status, _, raw := getJSON(t, c, s.url+path)
		if status != http.StatusNotFound || strings.Contains(raw, "农家乐") || strings.Contains(raw, "total_fen") {
			t.Errorf("GET %s = %d %s, want 404 showing nothing", path, status, raw)
		}
	}
	if status, _, _ := getJSON(t, c, fmt.Sprintf("%s/api/v1/accounts/3100000001/bills/%d", s.url, ownBill)); status != 200 {
		t.Errorf("own bill = %d, want 200", status)
	}
}

func TestAccountEndpointsNeedSessionAndValidInput(t *testing.T) {
	s := newSite(t, true)
	anon := client(t)
	for _, path := range []string{"/api/v1/accounts", "/api/v1/accounts/3100000001/summary",
		"/api/v1/accounts/3100000001/bills", "/api/v1/accounts/3100000001/bills/1"} {
		if status, _, raw := getJSON(t, anon, s.url+path); status != http.StatusUnauthorized || !strings.Contains(raw, `"code":"unauthorized"`) {
			t.Errorf("anonymous GET %s = %d %s, want 401", path, status, raw)
		}
	}
	c := s.signIn(t, "13800138000")
	for _, path := range []string{
		"/api/v1/accounts/31000000/summary",
		"/api/v1/accounts/31000000011/summary",
		"/api/v1/accounts/31000000x1/summary",
		"/api/v1/accounts/3100000001/bills?page=0",
		"/api/v1/accounts/3100000001/bills?page=abc",
		"/api/v1/accounts/3100000001/bills?per_page=101",
		"/api/v1/accounts/3100000001/bills?per_page=-1",
		"/api/v1/accounts/3100000001/bills/0",
		"/api/v1/accounts/3100000001/bills/abc",
		"/api/v1/accounts/3100000001/bills/99999999999999999999",
	} {
		if status, _, raw := getJSON(t, c, s.url+path); status != http.StatusBadRequest || !strings.Contains(raw, `"code":"invalid"`) {
			t.Errorf("GET %s = %d %s, want 400", path, status, raw)
		}
	}
	// A forged or revoked cookie is no session.
	forged := client(t)
	forged.Jar.SetCookies(mustURL(t, s.url), []*http.Cookie{{Name: "gridpay_session", Value: "forged", Path: "/"}})
	if status, _, _ := getJSON(t, forged, s.url+"/api/v1/accounts"); status != http.StatusUnauthorized {
		t.Errorf("forged session = %d, want 401", status)
	}
}

// TestPaymentInFlightStopsTheClock: money paid and not yet posted stops the legal clock.
func TestPaymentInFlightStopsTheClock(t *testing.T) {
	s := newSite(t, true)
	ctx := t.Context()
	o, _, err := s.portal.CreateOrder(ctx, store.NewOrder{OutTradeNo: "GPW20261126000000000000001", AccountNo: "3100000001",
		Channel: "wechat", Amount: 5000, ExpiresAt: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)}) // the site clock says 08:00 UTC
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.portal.MarkPaid(ctx, o.OutTradeNo, "4200000000000000000000000001", 5000, time.Now()); err != nil {
		t.Fatal(err)
	}
	c := s.signIn(t, "13800138000")
	_, _, raw := getJSON(t, c, s.url+"/api/v1/accounts/3100000001/summary")
	if !strings.Contains(raw, `"payment_in_flight":true`) || !strings.Contains(raw, `"notice_may_come":false`) {
		t.Errorf("summary with a payment in flight = %s", raw)
	}
	if _, home := getPage(t, c, s.url+"/"); !strings.Contains(home, "正在销账") || strings.Contains(home, "停电通知可能随时发出") {
		t.Error("home warns of a notice while a payment is in flight")
	}
}
