package admin_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gridpay/internal/staff"
	"gridpay/internal/store"
)

func TestSignInWithPasswordAndCode(t *testing.T) {
	s := newSite(t)
	// An agent needs no second factor.
	s.signIn(t, s.staff[staff.Agent])

	sup := s.staff[staff.Supervisor]
	b := s.browser(t)
	a := b.post("/admin/login", "/admin/login", url.Values{"username": {sup.Username}, "password": {sup.password}})
	if a.status != http.StatusSeeOther || a.location != "/admin/login/totp" {
		t.Fatalf("password of a supervisor: %d %q, want the code form next", a.status, a.location)
	}
	// Half signed in is not signed in: pages send it back to the code, changes are refused.
	if a := b.get("/admin/"); a.status != http.StatusSeeOther || a.location != "/admin/login/totp" {
		t.Errorf("home before the code: %d %q", a.status, a.location)
	}
	if a := b.do(http.MethodPost, "/admin/staff/1/revoke", url.Values{"csrf": {b.csrf("/admin/login/totp")}}); a.status != http.StatusUnauthorized {
		t.Errorf("a change before the code: %d, want 401", a.status)
	}
	for _, bad := range []string{"000000", "12345", "1234567", "abcdef", strings.Repeat("9", 300)} {
		if a := b.post("/admin/login/totp", "/admin/login/totp", url.Values{"code": {bad}}); a.status != http.StatusUnauthorized ||
			!strings.Contains(a.body, "用户名、密码或动态验证码不正确") {
			t.Errorf("code %.10q: %d, want 401 with the message", bad, a.status)
		}
		s.rdb.Del(t.Context(), "gridpay:staff:failures:"+sup.Username) // these tries are not about the lockout
	}
	code := s.code(t, sup.secret)
	if a := b.post("/admin/login/totp", "/admin/login/totp", url.Values{"code": {code}}); a.status != http.StatusSeeOther || a.location != "/admin/" {
		t.Fatalf("the right code: %d %q", a.status, a.location)
	}
	if a := b.get("/admin/"); a.status != http.StatusOK || !strings.Contains(a.body, "演示supervisor") {
		t.Errorf("home after the code: %d", a.status)
	}

	// The same code, read over a shoulder, does not open a second session.
	other := s.browser(t)
	other.post("/admin/login", "/admin/login", url.Values{"username": {sup.Username}, "password": {sup.password}})
	if a := other.post("/admin/login/totp", "/admin/login/totp", url.Values{"code": {code}}); a.status != http.StatusUnauthorized {
		t.Errorf("a replayed code: %d, want 401", a.status)
	}
}

func TestSignInRefusalsLookAlike(t *testing.T) {
	s := newSite(t)
	agent := s.staff[staff.Agent]
	disabled, err := s.portal.CreateStaff(t.Context(), store.NewStaff{Username: "gone", DisplayName: "离职", Role: staff.Agent,
		PasswordHash: agent.PasswordHash}, store.Audit{Action: "staff.create", ClientAddr: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.portal.SetStaffDisabled(t.Context(), disabled.ID, true, store.Audit{ClientAddr: "cli"}); err != nil {
		t.Fatal(err)
	}
	for name, form := range map[string]url.Values{
		"wrong password":    {"username": {agent.Username}, "password": {"not the password at all"}},
		"unknown user":      {"username": {"nobody"}, "password": {testPassword}},
		"disabled account":  {"username": {"gone"}, "password": {testPassword}},
		"malformed user":    {"username": {"<script>"}, "password": {testPassword}},
		"huge password":     {"username": {agent.Username}, "password": {strings.Repeat("x", 100_000)}},
		"no password":       {"username": {agent.Username}},
		"control character": {"username": {"demo.agent\x00"}, "password": {testPassword}},
	} {
		b := s.browser(t)
		a := b.post("/admin/login", "/admin/login", form)
		if a.status == http.StatusSeeOther || !strings.Contains(a.body, "用户名、密码或动态验证码不正确") && a.status != http.StatusRequestEntityTooLarge {
			t.Errorf("%s: %d, want the one refusal", name, a.status)
		}
	}
}

func TestLockoutAfterRepeatedFailures(t *testing.T) {
	s := newSite(t)
	agent := s.staff[staff.Agent]
	b := s.browser(t)
	for i := range 5 {
		if a := b.post("/admin/login", "/admin/login", url.Values{"username": {agent.Username}, "password": {fmt.Sprint("wrong guess ", i)}}); a.status != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, a.status)
		}
	}
	form := url.Values{"username": {agent.Username}, "password": {agent.password}, "csrf": {b.csrf("/admin/login")}}
	a := b.do(http.MethodPost, "/admin/login", form)
	if a.status != http.StatusTooManyRequests || !strings.Contains(a.body, "已暂时锁定") {
		t.Fatalf("the right password after 5 failures: %d, want 429 locked", a.status)
	}
	resp, err := b.http.PostForm(s.url+"/admin/login", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if retry, _ := strconv.Atoi(resp.Header.Get("Retry-After")); retry < 1 || retry > 15*60 {
		t.Errorf("Retry-After = %q, want up to 15 minutes", resp.Header.Get("Retry-After"))
	}
	// Another staff member is not locked out by someone guessing at this one.
	s.signIn(t, s.staff[staff.Auditor])
}

func TestEnrolSecondFactorAtFirstSignIn(t *testing.T) {
	s := newSite(t)
	ctx := t.Context()
	hash := s.staff[staff.Agent].PasswordHash
	fin, err := s.portal.CreateStaff(ctx, store.NewStaff{Username: "new.finance", DisplayName: "新财务", Role: staff.Finance,
		PasswordHash: hash, MustChangePassword: true}, store.Audit{Action: "staff.create", ClientAddr: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	b := s.browser(t)
	a := b.post("/admin/login", "/admin/login", url.Values{"username": {fin.Username}, "password": {testPassword}})
	if a.location != "/admin/login/enrol" {
		t.Fatalf("first sign-in of finance: %d %q, want enrolment", a.status, a.location)
	}
	page := b.get("/admin/login/enrol")
	m := regexp.MustCompile(`id="totp-secret">([A-Z2-7]{32})<`).FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("the enrolment page shows no secret: %s", page.body)
	}
	if qr := b.get("/admin/login/enrol/qr.png"); qr.status != http.StatusOK || !strings.HasPrefix(qr.body, "\x89PNG") {
		t.Errorf("the enrolment QR: %d", qr.status)
	}
	if again := b.get("/admin/login/enrol"); !strings.Contains(again.body, m[1]) {
		t.Error("reloading the enrolment page changed the secret")
	}
	if a := b.post("/admin/login/enrol", "/admin/login/enrol", url.Values{"code": {"123456"}}); a.status != http.StatusUnauthorized {
		t.Errorf("a wrong enrolment code: %d", a.status)
	}
	a = b.post("/admin/login/enrol", "/admin/login/enrol", url.Values{"code": {s.code(t, m[1])}})
	if a.location != "/admin/login/password" {
		t.Fatalf("after enrolling: %d %q, want the new password form", a.status, a.location)
	}
	if got, _ := s.portal.StaffByID(ctx, fin.ID); got.TOTPSecret != m[1] {
		t.Errorf("the enrolled secret is %q, want %q", got.TOTPSecret, m[1])
	}
	// The one-time password is replaced before anything else.
	if a := b.get("/admin/"); a.location != "/admin/login/password" {
		t.Errorf("home before the new password: %d %q", a.status, a.location)
	}
	for name, form := range map[string]url.Values{
		"weak":     {"password": {"password12345"}, "again": {"password12345"}},
		"short":    {"password": {"Qz8#"}, "again": {"Qz8#"}},
		"mismatch": {"password": {"river stone lantern"}, "again": {"river stone lanterns"}},
		"same":     {"password": {testPassword}, "again": {testPassword}},
	} {
		if a := b.post("/admin/login/password", "/admin/login/password", form); a.status != http.StatusBadRequest {
			t.Errorf("%s new password: %d, want 400", name, a.status)
		}
	}
	a = b.post("/admin/login/password", "/admin/login/password", url.Values{"password": {"river stone lantern"}, "again": {"river stone lantern"}})
	if a.location != "/admin/" {
		t.Fatalf("a good new password: %d %q", a.status, a.location)
	}
	if a := b.get("/admin/"); a.status != http.StatusOK {
		t.Errorf("home after signing up: %d", a.status)
	}
	got, _ := s.portal.StaffByID(ctx, fin.ID)
	if got.MustChangePassword {
		t.Error("must_change_password is still set")
	}
	entries, _, err := s.portal.AuditLog(ctx, store.AuditFilter{StaffID: fin.ID}, store.Page{})
	if err != nil || len(entries) != 2 || entries[0].Action != "staff.password" || entries[1].Action != "staff.totp" {
		t.Errorf("audit of the sign-up = %+v, %v", entries, err)
	}
	// The old password is gone; the new one and a fresh code sign in.
	if a := s.browser(t).post("/admin/login", "/admin/login", url.Values{"username": {fin.Username}, "password": {testPassword}}); a.status != http.StatusUnauthorized {
		t.Errorf("the one-time password still works: %d", a.status)
	}
	s.clock.add(time.Minute)
	s.signIn(t, member{Staff: got, password: "river stone lantern", secret: m[1]})
}

func TestDisablingEndsSessionsAtOnce(t *testing.T) {
	s := newSite(t)
	agentBrowser := s.signIn(t, s.staff[staff.Agent])
	adminBrowser := s.signIn(t, s.staff[staff.Admin])
	agent := s.staff[staff.Agent]
	if a := adminBrowser.post("/admin/staff", fmt.Sprintf("/admin/staff/%d/disable", agent.ID), url.Values{"reason": {"调岗"}}); a.status != http.StatusSeeOther {
		t.Fatalf("disable: %d %s", a.status, a.body)
	}
	if a := agentBrowser.get("/admin/"); a.status != http.StatusSeeOther || a.location != "/admin/login" {
		t.Errorf("the disabled agent's next request: %d %q, want sent to sign in", a.status, a.location)
	}
	// An administrator cannot disable themselves or lift their own second factor.
	me := s.staff[staff.Admin]
	for _, action := range []string{"disable", "reset-totp"} {
		if a := adminBrowser.post("/admin/staff", fmt.Sprintf("/admin/staff/%d/%s", me.ID, action), url.Values{"reason": {"x"}}); a.status != http.StatusForbidden {
			t.Errorf("%s of oneself: %d, want 403", action, a.status)
		}
	}
	// Revoking ends every session of the account, and is audited.
	sup := s.staff[staff.Supervisor]
	supBrowser := s.signIn(t, sup)
	if a := adminBrowser.post("/admin/staff", fmt.Sprintf("/admin/staff/%d/revoke", sup.ID), url.Values{"reason": {"手机丢失"}}); a.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", a.status)
	}
	if a := supBrowser.get("/admin/"); a.location != "/admin/login" {
		t.Errorf("a revoked session still works: %d %q", a.status, a.location)
	}
	entries, _, _ := s.portal.AuditLog(t.Context(), store.AuditFilter{Action: "staff.revoke"}, store.Page{})
	if len(entries) != 1 || entries[0].Target != "staff:"+sup.Username || entries[0].Reason != "手机丢失" || entries[0].StaffID != me.ID {
		t.Errorf("the revocation's audit = %+v", entries)
	}
	// The audit page shows it to an auditor, filtered by action.
	auditor := s.signIn(t, s.staff[staff.Auditor])
	if a := auditor.get("/admin/audit?action=staff.revoke"); a.status != http.StatusOK || !strings.Contains(a.body, "手机丢失") ||
		strings.Contains(a.body, "调岗") {
		t.Errorf("the audit page filtered by action: %d", a.status)
	}
	if a := auditor.get("/admin/audit?from=2026-13-01"); a.status != http.StatusBadRequest {
		t.Errorf("a malformed date: %d", a.status)
	}
}

func TestSessionCookie(t *testing.T) {
	s := newSite(t)
	b := s.browser(t)
	form := url.Values{"username": {s.staff[staff.Agent].Username}, "password": {testPassword}, "csrf": {b.csrf("/admin/login")}}
	resp, err := b.http.PostForm(s.url+"/admin/login", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var found bool
	for _, c := range resp.Cookies() {
		if c.Name == "gridpay_staff" {
			found = true
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" {
				t.Errorf("staff cookie %+v: want HttpOnly, SameSite=Strict, Path=/", c)
			}
		}
		if c.Name == "gridpay_session" {
			t.Error("staff sign-in set the customers' session cookie")
		}
	}
	if !found {
		t.Fatal("no staff session cookie")
	}
	// A customer's session cookie opens nothing here.
	anon := s.browser(t)
	a := anon.do(http.MethodGet, "/admin/", nil, "Cookie", "gridpay_session="+strings.Repeat("a", 32))
	if a.location != "/admin/login" {
		t.Errorf("a customer's cookie: %d %q", a.status, a.location)
	}
}
