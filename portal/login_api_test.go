package portal_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestSignInWithSMSCode(t *testing.T) {
	s := newSite(t, true)
	c := client(t)
	const phone = "13800138000"

	r := post(t, c, s.url+"/api/v1/otp", `{"phone":"13800138000"}`)
	if r.status != http.StatusAccepted || !strings.Contains(r.raw, "138****8000") {
		t.Fatalf("POST /api/v1/otp = %d %s", r.status, r.raw)
	}
	if strings.Contains(r.raw, "13800138000") {
		t.Errorf("the answer shows the whole phone: %s", r.raw)
	}
	code := s.lastCode(t, phone)

	r = post(t, c, s.url+"/api/v1/login", `{"phone":"13800138000","code":"`+code+`"}`)
	if r.status != http.StatusOK || r.body["csrf_token"] == "" {
		t.Fatalf("POST /api/v1/login = %d %s", r.status, r.raw)
	}
	cookie := r.header.Get("Set-Cookie")
	for _, want := range []string{"gridpay_session=", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("session cookie %q lacks %s", cookie, want)
		}
	}
	if strings.Contains(cookie, "Secure") {
		t.Errorf("cookie over plain HTTP in dev is marked Secure: %q", cookie)
	}

	t.Run("a code works once", func(t *testing.T) {
		r := post(t, client(t), s.url+"/api/v1/login", `{"phone":"13800138000","code":"`+code+`"}`)
		if r.status != http.StatusUnauthorized {
			t.Errorf("second use of a code = %d %s, want 401", r.status, r.raw)
		}
	})

	t.Run("logout needs same origin or the CSRF token", func(t *testing.T) {
		if r := post(t, c, s.url+"/api/v1/logout", ``); r.status != http.StatusForbidden {
			t.Errorf("logout without Origin or token = %d, want 403", r.status)
		}
		if r := post(t, c, s.url+"/api/v1/logout", ``, "Origin", "https://evil.example"); r.status != http.StatusForbidden {
			t.Errorf("logout from another site = %d, want 403", r.status)
		}
		if r := post(t, c, s.url+"/api/v1/logout", ``, "X-CSRF-Token", "wrong"); r.status != http.StatusForbidden {
			t.Errorf("logout with a wrong token = %d, want 403", r.status)
		}
		token := ""
		for _, ck := range c.Jar.Cookies(mustURL(t, s.url)) {
			if ck.Name == "gridpay_session" {
				token = ck.Value
			}
		}
		sess, err := s.auth.Session(context.Background(), token)
		if err != nil || sess.Phone != phone {
			t.Fatalf("session before logout = %+v, %v", sess, err)
		}
		if r := post(t, c, s.url+"/api/v1/logout", ``, "X-CSRF-Token", sess.CSRF); r.status != http.StatusNoContent {
			t.Fatalf("logout with the token = %d %s, want 204", r.status, r.raw)
		}
		if _, err := s.auth.Session(context.Background(), token); err == nil {
			t.Error("the session outlived logout")
		}
	})
}

func TestSendCodeAnswersAlikeForUnknownPhones(t *testing.T) {
	s := newSite(t, true)
	known := post(t, client(t), s.url+"/api/v1/otp", `{"phone":"13800138000"}`)
	unknown := post(t, client(t), s.url+"/api/v1/otp", `{"phone":"19912345678"}`)
	if known.status != unknown.status || len(known.body) != len(unknown.body) {
		t.Fatalf("known %d %s, unknown %d %s: the answers differ", known.status, known.raw, unknown.status, unknown.raw)
	}
	for k := range known.body {
		if _, ok := unknown.body[k]; !ok {
			t.Errorf("field %q only for a known phone", k)
		}
	}
}

// TestWrongCodesLockTheClientOut: five wrong tries from one client, and that client may not try
// the code again (it stays good for others: TestAnotherAddressCannotSpoilTheOwnersCode).
func TestWrongCodesLockTheClientOut(t *testing.T) {
	s := newSite(t, true)
	c := client(t)
	post(t, c, s.url+"/api/v1/otp", `{"phone":"13800138000"}`)
	code := s.lastCode(t, "13800138000")
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for i := 1; i <= 5; i++ {
		r := post(t, c, s.url+"/api/v1/login", `{"phone":"13800138000","code":"`+wrong+`"}`)
		if r.status != http.StatusUnauthorized || r.errorCode() != "unauthorized" || !strings.Contains(r.errorMessage(), "验证码") {
			t.Fatalf("wrong try %d = %d %s, want 401 saying the code is wrong", i, r.status, r.raw)
		}
	}
	r := post(t, c, s.url+"/api/v1/login", `{"phone":"13800138000","code":"`+wrong+`"}`)
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("sixth try = %d %s (Retry-After %q), want 429 with Retry-After", r.status, r.raw, r.header.Get("Retry-After"))
	}
	if r := post(t, c, s.url+"/api/v1/login", `{"phone":"13800138000","code":"`+code+`"}`); r.status != http.StatusTooManyRequests {
		t.Errorf("the right code from the locked-out client = %d, want 429", r.status)
	}
}

func TestExpiredCodeIsRefused(t *testing.T) {
	s := newSite(t, true)
	c := client(t)
	post(t, c, s.url+"/api/v1/otp", `{"phone":"13800138000"}`)
	code := s.lastCode(t, "13800138000")
	// Five minutes pass: Redis expires the code (shortened here rather than waited for).
	if err := s.rdb.PExpire(context.Background(), "gridpay:otp:login:13800138000", time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	if r := post(t, c, s.url+"/api/v1/login", `{"phone":"13800138000","code":"`+code+`"}`); r.status != http.StatusUnauthorized {
		t.Errorf("expired code = %d %s, want 401", r.status, r.raw)
	}
}

func TestSendCodeRateLimits(t *testing.T) {
	s := newSite(t, true)
	c := client(t)
	if r := post(t, c, s.url+"/api/v1/otp", `{"phone":"13800138000"}`); r.status != http.StatusAccepted {
		t.Fatalf("first code = %d", r.status)
	}
	r := post(t, c, s.url+"/api/v1/otp", `{"phone":"13800138000"}`, "Accept-Language", "en-US,en;q=0.9")
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("second code within a minute = %d %s, want 429", r.status, r.raw)
	}
	secs := r.header.Get("Retry-After")
	if secs == "" || secs == "0" || !strings.Contains(r.errorMessage(), secs) || !strings.Contains(r.errorMessage(), "second") {
		t.Errorf("429 says %q with Retry-After %q: want an English message naming the seconds", r.errorMessage(), secs)
	}
	// Another phone from the same address is not held back by the first phone's limit.
	if r := post(t, c, s.url+"/api/v1/otp", `{"phone":"13800138001"}`); r.status != http.StatusAccepted {
		t.Errorf("another phone = %d %s", r.status, r.raw)
	}
	// The per-address limit: 20 codes an hour from one address, whatever the phones.
	var last reply
	for i := 0; i < 20; i++ {
		last = post(t, c, s.url+"/api/v1/otp", `{"phone":"1390000`+pad4(i)+`"}`)
	}
	if last.status != http.StatusTooManyRequests {
		t.Errorf("the 22nd code from one address = %d, want 429", last.status)
	}
}

func pad4(i int) string { return fmt.Sprintf("%04d", i) }

func TestHostileSignInInput(t *testing.T) {
	s := newSite(t, true)
	for _, tc := range []struct {
		name, path, body string
		status           int
		headers          []string
	}{
		{"phone too short", "/api/v1/otp", `{"phone":"1380013800"}`, 400, nil},
		{"phone with letters", "/api/v1/otp", `{"phone":"1380013800x"}`, 400, nil},
		{"phone as a number", "/api/v1/otp", `{"phone":13800138000}`, 400, nil},
		{"unknown field", "/api/v1/otp", `{"phone":"13800138000","admin":true}`, 400, nil},
		{"not JSON", "/api/v1/otp", `phone=13800138000`, 400, nil},
		{"two objects", "/api/v1/otp", `{"phone":"13800138000"}{"phone":"13800138001"}`, 400, nil},
		{"SQL in the phone", "/api/v1/otp", `{"phone":"1' OR '1'='1"}`, 400, nil},
		{"invalid UTF-8", "/api/v1/otp", "{\"phone\":\"\xff\xfe\"}", 400, nil},
		{"body over 4 KB", "/api/v1/otp", `{"phone":"` + strings.Repeat("1", 5000) + `"}`, 413, nil},
		{"from another site", "/api/v1/otp", `{"phone":"13800138000"}`, 403, []string{"Origin", "https://evil.example"}},
		{"cross-site fetch", "/api/v1/login", `{"phone":"13800138000","code":"123456"}`, 403, []string{"Sec-Fetch-Site", "cross-site"}},
		{"code of 5 digits", "/api/v1/login", `{"phone":"13800138000","code":"12345"}`, 400, nil},
		{"code as a number", "/api/v1/login", `{"phone":"13800138000","code":123456}`, 400, nil},
		{"no code asked for", "/api/v1/login", `{"phone":"13700137000","code":"123456"}`, 401, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := post(t, client(t), s.url+tc.path, tc.body, tc.headers...)
			if r.status != tc.status || r.errorMessage() == "" {
				t.Errorf("%s = %d %s, want %d with a message", tc.path, r.status, r.raw, tc.status)
			}
			if strings.Contains(r.raw, "sql") || strings.Contains(r.raw, "redis") || strings.Contains(r.raw, "json:") {
				t.Errorf("the answer leaks internals: %s", r.raw)
			}
		})
	}
}

func TestRevokeAllEndsEverySession(t *testing.T) {
	s := newSite(t, true)
	ctx := context.Background()
	var ids []string
	for i := 0; i < 2; i++ {
		if err := s.auth.SendCode(ctx, "13800138000", fmt.Sprint("10.0.0.", i)); err != nil {
			t.Fatal(err)
		}
		s.aMinutePasses(t)
		sess, err := s.auth.SignIn(ctx, "13800138000", s.lastCode(t, "13800138000"), "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, sess.ID)
	}
	n, err := s.auth.RevokeAll(ctx, "13800138000")
	if err != nil || n != 2 {
		t.Fatalf("RevokeAll = %d, %v; want 2", n, err)
	}
	for _, id := range ids {
		if _, err := s.auth.Session(ctx, id); err == nil {
			t.Error("a session outlived revocation")
		}
	}
}

func TestDevInboxOnlyInDev(t *testing.T) {
	dev := newSite(t, true)
	post(t, client(t), dev.url+"/api/v1/otp", `{"phone":"13800138000"}`)
	resp, err := http.Get(dev.url + "/dev/inbox.json?to=13800138000")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !codeRe.Match(b) {
		t.Errorf("GET /dev/inbox.json = %d %s", resp.StatusCode, b)
	}
	resp, err = http.Get(dev.url + "/dev/inbox")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "开发收件箱") || !codeRe.Match(b) {
		t.Errorf("GET /dev/inbox = %d", resp.StatusCode)
	}

	prod := newSite(t, false)
	for _, path := range []string{"/dev/inbox", "/dev/inbox.json"} {
		resp, err := http.Get(prod.url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("production GET %s = %d, want 404", path, resp.StatusCode)
		}
	}
}
