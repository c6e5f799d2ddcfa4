package portal_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestSignInWithFormsAndSeeHome walks the pages as a person without JavaScript would.
func TestSignInWithFormsAndSeeHome(t *testing.T) {
	s := newSite(t, true)
	c := client(t)
	status, body := getPage(t, c, s.url+"/login")
	m := csrfRe.FindStringSubmatch(body)
	if status != 200 || m == nil || !strings.Contains(body, `name="phone"`) {
		t.Fatalf("GET /login = %d, no phone form:\n%s", status, body)
	}
	csrf := m[1]

	if status, _ := postForm(t, c, s.url+"/login/code", url.Values{"phone": {"13800138000"}, "csrf": {"forged"}}); status != http.StatusForbidden {
		t.Errorf("phone form with a forged token = %d, want 403", status)
	}
	status, body = postForm(t, c, s.url+"/login/code", url.Values{"phone": {"13800138000"}, "csrf": {csrf}})
	if status != 200 || !strings.Contains(body, "138****8000") || !strings.Contains(body, `name="code"`) {
		t.Fatalf("phone form = %d:\n%s", status, body)
	}
	status, body = postForm(t, c, s.url+"/login", url.Values{"phone": {"13800138000"}, "code": {"000000"}, "csrf": {csrf}})
	if (status != http.StatusUnauthorized || !strings.Contains(body, "验证码")) && s.lastCode(t, "13800138000") != "000000" {
		t.Errorf("wrong code = %d, want 401 with a message", status)
	}
	status, body = postForm(t, c, s.url+"/login", url.Values{"phone": {"13800138000"}, "code": {s.lastCode(t, "13800138000")}, "csrf": {csrf}})
	if status != 200 {
		t.Fatalf("code form = %d:\n%s", status, body)
	}
	for _, want := range []string{"3100000001", "张*国", "¥", "停电通知可能随时发出", "2026年12月3日", "退出登录"} {
		if !strings.Contains(body, want) {
			t.Errorf("home after sign-in lacks %q", want)
		}
	}
	if strings.Contains(body, "张建国") {
		t.Error("home shows the name unmasked")
	}

	// English on request, and signing out with the page's button.
	req, _ := http.NewRequest(http.MethodGet, s.url+"/", nil)
	req.Header.Set("Accept-Language", "en")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `lang="en"`) || !strings.Contains(string(b), "Sign out") {
		t.Errorf("home in English lacks lang=en or Sign out")
	}
	m = csrfRe.FindStringSubmatch(string(b))
	if m == nil {
		t.Fatal("no sign-out form")
	}
	if status, body := postForm(t, c, s.url+"/logout", url.Values{"csrf": {m[1]}}); status != 200 || strings.Contains(body, "3100000001 ·") {
		t.Errorf("after sign-out = %d, still shows the account", status)
	}
}
