package portal_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gridpay/internal/i18n"
)

func TestBindAndUnbindThroughTheAPI(t *testing.T) {
	s := newSite(t, true)
	c := s.signIn(t, "13800138000")
	same := []string{"Origin", s.url}

	r := post(t, c, s.url+"/api/v1/bindings/code", `{"account_no":"3100000002"}`, same...)
	if r.status != http.StatusAccepted || !strings.Contains(r.raw, "登记的手机") {
		t.Fatalf("bind code = %d %s", r.status, r.raw)
	}
	// The code went to the account's registered phone, not to the requester's.
	code := s.lastCode(t, "13800138001")
	if r := post(t, c, s.url+"/api/v1/bindings", `{"account_no":"3100000002","code":"000000"}`, same...); r.status != http.StatusUnauthorized && code != "000000" {
		t.Errorf("wrong bind code = %d, want 401", r.status)
	}
	if r := post(t, c, s.url+"/api/v1/bindings", `{"account_no":"3100000002","code":"`+code+`"}`, same...); r.status != http.StatusCreated {
		t.Fatalf("bind = %d %s", r.status, r.raw)
	}
	if status, _, raw := getJSON(t, c, s.url+"/api/v1/accounts/3100000002/summary"); status != 200 {
		t.Fatalf("bound account's summary = %d %s", status, raw)
	}
	if status := del(t, c, s.url+"/api/v1/bindings/3100000001", same...); status != http.StatusConflict {
		t.Errorf("unbinding the phone's own registered account = %d, want 409", status)
	}
	if status := del(t, c, s.url+"/api/v1/bindings/3100000002"); status != http.StatusForbidden {
		t.Errorf("unbind without Origin or token = %d, want 403", status)
	}
	if status := del(t, c, s.url+"/api/v1/bindings/3100000002", same...); status != http.StatusNoContent {
		t.Errorf("unbind = %d, want 204", status)
	}
	if status, _, _ := getJSON(t, c, s.url+"/api/v1/accounts/3100000002/summary"); status != http.StatusNotFound {
		t.Errorf("summary after unbind = %d, want 404", status)
	}
	if status := del(t, c, s.url+"/api/v1/bindings/3100000002", same...); status != http.StatusNotFound {
		t.Errorf("second unbind = %d, want 404", status)
	}
}

func TestBindRefusals(t *testing.T) {
	s := newSite(t, true)
	c := s.signIn(t, "13800138000")
	same := []string{"Origin", s.url}
	for _, tc := range []struct {
		name, body string
		status     int
	}{
		{"own registered account", `{"account_no":"3100000001"}`, http.StatusConflict},
		{"no such account: answered as if it were", `{"account_no":"3100099999"}`, http.StatusAccepted},
		{"nine digits", `{"account_no":"310000000"}`, http.StatusBadRequest},
		{"letters", `{"account_no":"31000000ab"}`, http.StatusBadRequest},
		{"number type", `{"account_no":3100000002}`, http.StatusBadRequest},
	} {
		s.aMinutePasses(t) // the limits come first, before any look-up
		if r := post(t, c, s.url+"/api/v1/bindings/code", tc.body, same...); r.status != tc.status {
			t.Errorf("%s: bind code = %d %s, want %d", tc.name, r.status, r.raw, tc.status)
		}
	}
	if r := post(t, client(t), s.url+"/api/v1/bindings/code", `{"account_no":"3100000002"}`, same...); r.status != http.StatusUnauthorized {
		t.Errorf("anonymous bind code = %d, want 401", r.status)
	}
	if r := post(t, c, s.url+"/api/v1/bindings/code", `{"account_no":"3100000002"}`, "Origin", "https://evil.example"); r.status != http.StatusForbidden {
		t.Errorf("bind code from another site = %d, want 403", r.status)
	}
}

func TestBindWithForms(t *testing.T) {
	s := newSite(t, true)
	c := s.signIn(t, "13800138000")
	_, body := getPage(t, c, s.url+"/accounts/bind")
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no form on the binding page:\n%s", body)
	}
	status, body := postForm(t, c, s.url+"/accounts/bind/code", url.Values{"account_no": {"3100000002"}, "csrf": {m[1]}})
	if status != 200 || !strings.Contains(body, "登记的手机，请向机主索取") {
		t.Fatalf("binding form = %d:\n%s", status, body)
	}
	status, body = postForm(t, c, s.url+"/accounts/bind", url.Values{"account_no": {"3100000002"}, "code": {s.lastCode(t, "13800138001")}, "csrf": {m[1]}})
	if status != 200 || !strings.Contains(body, "3100000002") || !strings.Contains(body, "解除绑定") {
		t.Fatalf("home after binding = %d:\n%s", status, body)
	}
	status, body = postForm(t, c, s.url+"/accounts/3100000002/unbind", url.Values{"csrf": {m[1]}})
	if status != 200 || strings.Contains(body, "3100000002 ·") {
		t.Errorf("home after unbinding = %d, still lists the account", status)
	}
	if status, _ := postForm(t, c, s.url+"/accounts/3100000001/unbind", url.Values{"csrf": {"forged"}}); status != http.StatusForbidden {
		t.Errorf("unbind with a forged token = %d, want 403", status)
	}
}

func TestPayForAnotherAccount(t *testing.T) {
	s := newSite(t, true)
	anon := client(t)
	status, body, raw := getJSON(t, anon, s.url+"/api/v1/payfor/3100000002")
	if status != 200 || body["amount_due_fen"].(float64) <= 0 || strings.Contains(raw, "惠民") || strings.Contains(raw, "滨河路88号") {
		t.Fatalf("pay-for look-up = %d %s, want masked name and address and an amount", status, raw)
	}
	for path, want := range map[string]int{"/api/v1/payfor/3100099999": 404, "/api/v1/payfor/31000": 400, "/api/v1/payfor/x%27%20OR%201=1": 400} {
		if status, _, raw := getJSON(t, anon, s.url+path); status != want {
			t.Errorf("GET %s = %d %s, want %d", path, status, raw, want)
		}
	}
	_, page := getPage(t, anon, s.url+"/payfor?account=3100000002")
	if !strings.Contains(page, "3100000002") || !strings.Contains(page, "¥") || strings.Contains(page, "惠民") {
		t.Errorf("pay-for page:\n%s", page)
	}
	if status, page := getPage(t, anon, s.url+"/payfor?account=3100099999"); status != 404 || !strings.Contains(page, "未找到该户号") {
		t.Errorf("pay-for page for no such account = %d", status)
	}
	// One address may look up 30 accounts a minute, then waits.
	var last int
	for i := 0; i < 30; i++ {
		last, _, _ = getJSON(t, anon, fmt.Sprintf("%s/api/v1/payfor/31000000%02d", s.url, i%30+1))
	}
	if last != http.StatusTooManyRequests {
		t.Errorf("the 35th look-up within a minute = %d, want 429", last)
	}
}

// TestWrongBindCodeSaysSo: a wrong binding code is "wrong code", not "please sign in", through the
// API and through the form; the message comes from the error, whichever route it took.
func TestWrongBindCodeSaysSo(t *testing.T) {
	s := newSite(t, true)
	c := s.signIn(t, "13800138000")
	same := []string{"Origin", s.url}
	if r := post(t, c, s.url+"/api/v1/bindings/code", `{"account_no":"3100000002"}`, same...); r.status != http.StatusAccepted {
		t.Fatalf("bind code = %d %s", r.status, r.raw)
	}
	wrong := "000000"
	if s.lastCode(t, "13800138001") == wrong {
		wrong = "111111"
	}
	r := post(t, c, s.url+"/api/v1/bindings", `{"account_no":"3100000002","code":"`+wrong+`"}`, same...)
	if want := i18n.T(i18n.ZH, "login.wrong_code"); r.status != http.StatusUnauthorized || r.errorCode() != "unauthorized" || r.errorMessage() != want {
		t.Errorf("wrong bind code = %d %s, want 401 %q", r.status, r.raw, want)
	}

	c = s.signIn(t, "13800138002") // another customer: one binding code a minute per phone
	_, body := getPage(t, c, s.url+"/accounts/bind")
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no form on the binding page:\n%s", body)
	}
	if status, _ := postForm(t, c, s.url+"/accounts/bind/code", url.Values{"account_no": {"3100000002"}, "csrf": {m[1]}}); status != http.StatusOK {
		t.Fatalf("binding form = %d", status)
	}
	if s.lastCode(t, "13800138001") == wrong {
		wrong = "222222"
	}
	status, body := postForm(t, c, s.url+"/accounts/bind", url.Values{"account_no": {"3100000002"}, "code": {wrong}, "csrf": {m[1]}})
	if want := i18n.T(i18n.ZH, "login.wrong_code"); status != http.StatusUnauthorized || !strings.Contains(body, want) || !strings.Contains(body, `value="3100000002"`) {
		t.Errorf("wrong code on the form = %d, want 401 with %q and the account number kept:\n%s", status, want, body)
	}
}
