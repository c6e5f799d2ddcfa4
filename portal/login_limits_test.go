package portal_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// clientFrom is a browser-like client whose connections come from the loopback address ip
// (127.0.0.2, 127.0.0.3...), so that the portal sees another client address, as it would see
// another customer or an attacker.
func clientFrom(t *testing.T, ip string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
}

// aMinutePasses drops every per-minute spacing count, as if a minute had gone by (the limiter
// counts by Redis's own clock, which tests cannot move).
func (s *site) aMinutePasses(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	keys, err := s.rdb.Keys(ctx, "rate:gridpay:rate:*:m:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) > 0 {
		s.rdb.Del(ctx, keys...)
	}
}

func TestSignInCodesOnlyToMainlandMobiles(t *testing.T) {
	s := newSite(t, true)
	for _, tc := range []struct {
		name, phone, lang, want string
	}{
		{"second digit 0", "10086000000", "zh-CN", "手机号码"},
		{"second digit 2", "12345678901", "zh-CN", "手机号码"},
		{"second digit 1 in English", "11012345678", "en", "mobile number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := post(t, client(t), s.url+"/api/v1/otp", `{"phone":"`+tc.phone+`"}`, "Accept-Language", tc.lang)
			if r.status != http.StatusBadRequest || !strings.Contains(r.errorMessage(), tc.want) {
				t.Errorf("code to %s = %d %s, want 400 saying %q", tc.phone, r.status, r.raw, tc.want)
			}
			if msgs, err := s.inbox.Recent(context.Background(), tc.phone, 1); err != nil || len(msgs) != 0 {
				t.Errorf("a message went to %s: %v %v", tc.phone, msgs, err)
			}
		})
	}

	t.Run("the sign-in form says so too", func(t *testing.T) {
		c := client(t)
		_, body := getPage(t, c, s.url+"/login")
		m := csrfRe.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no form on the sign-in page:\n%s", body)
		}
		status, body := postForm(t, c, s.url+"/login/code", url.Values{"phone": {"12345678901"}, "csrf": {m[1]}})
		if status != http.StatusBadRequest || !strings.Contains(body, "中国大陆手机号码") || !strings.Contains(body, `value="12345678901"`) {
			t.Errorf("phone form with a non-mobile number = %d, want 400 saying so with the number kept:\n%s", status, body)
		}
		if msgs, err := s.inbox.Recent(context.Background(), "12345678901", 1); err != nil || len(msgs) != 0 {
			t.Errorf("a message went to 12345678901: %v %v", msgs, err)
		}
	})
}

// TestAnotherAddressCannotHoldBackTheOwnersCode: five codes asked for the owner's phone from
// another address, a minute apart, spend that address's allowance, not the owner's.
func TestAnotherAddressCannotHoldBackTheOwnersCode(t *testing.T) {
	s := newSite(t, true)
	const phone = "13800138000"
	attacker := clientFrom(t, "127.0.0.66")
	for i := 1; i <= 5; i++ {
		s.aMinutePasses(t)
		if r := post(t, attacker, s.url+"/api/v1/otp", `{"phone":"`+phone+`"}`); r.status != http.StatusAccepted {
			t.Fatalf("attacker's code %d = %d %s", i, r.status, r.raw)
		}
	}
	s.aMinutePasses(t)
	if r := post(t, attacker, s.url+"/api/v1/otp", `{"phone":"`+phone+`"}`); r.status != http.StatusTooManyRequests {
		t.Errorf("attacker's sixth code within the hour = %d %s, want 429", r.status, r.raw)
	}
	// Straight after the attacker's last code, within the same minute: the owner still gets one.
	owner := clientFrom(t, "127.0.0.1")
	if r := post(t, owner, s.url+"/api/v1/otp", `{"phone":"`+phone+`"}`); r.status != http.StatusAccepted {
		t.Fatalf("owner's code after the attack = %d %s, want 202", r.status, r.raw)
	}
	if r := post(t, owner, s.url+"/api/v1/login", `{"phone":"`+phone+`","code":"`+s.lastCode(t, phone)+`"}`); r.status != http.StatusOK {
		t.Errorf("owner's sign-in = %d %s", r.status, r.raw)
	}
}

// TestDailyCapPerPhone: however many addresses ask, one phone gets at most 10 codes in 24 hours,
// and the refusal says so in words.
func TestDailyCapPerPhone(t *testing.T) {
	s := newSite(t, true)
	const phone = "13800138000"
	for i := 1; i <= 10; i++ {
		s.aMinutePasses(t)
		c := clientFrom(t, fmt.Sprintf("127.0.1.%d", i))
		if r := post(t, c, s.url+"/api/v1/otp", `{"phone":"`+phone+`"}`); r.status != http.StatusAccepted {
			t.Fatalf("code %d = %d %s", i, r.status, r.raw)
		}
	}
	s.aMinutePasses(t)
	for _, tc := range []struct{ lang, want, ip string }{{"zh-CN", "今日", "127.0.1.200"}, {"en", "today", "127.0.1.201"}} {
		r := post(t, clientFrom(t, tc.ip), s.url+"/api/v1/otp", `{"phone":"`+phone+`"}`, "Accept-Language", tc.lang)
		secs, _ := strconv.Atoi(r.header.Get("Retry-After"))
		if r.status != http.StatusTooManyRequests || secs < 3600 || !strings.Contains(r.errorMessage(), tc.want) {
			t.Errorf("11th code in a day (%s) = %d %s (Retry-After %q), want 429 saying %q, hours to wait", tc.lang, r.status, r.raw, r.header.Get("Retry-After"), tc.want)
		}
	}
	if msgs, err := s.inbox.Recent(context.Background(), phone, 20); err != nil || len(msgs) != 10 {
		t.Errorf("messages to the phone = %d (%v), want 10", len(msgs), err)
	}
	// Another phone is not held back.
	if r := post(t, clientFrom(t, "127.0.1.202"), s.url+"/api/v1/otp", `{"phone":"13800138001"}`); r.status != http.StatusAccepted {
		t.Errorf("another phone = %d %s", r.status, r.raw)
	}
}

// TestAnotherAddressCannotSpoilTheOwnersCode: wrong codes from another address spend that
// address's tries; the owner's code stays good. Only many wrong tries from many addresses, as in a
// brute force, end the code.
func TestAnotherAddressCannotSpoilTheOwnersCode(t *testing.T) {
	s := newSite(t, true)
	const phone = "13800138000"
	owner := clientFrom(t, "127.0.0.1")
	post(t, owner, s.url+"/api/v1/otp", `{"phone":"`+phone+`"}`)
	code := s.lastCode(t, phone)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	attacker := clientFrom(t, "127.0.0.66")
	for i := 1; i <= 5; i++ {
		if r := post(t, attacker, s.url+"/api/v1/login", `{"phone":"`+phone+`","code":"`+wrong+`"}`); r.status != http.StatusUnauthorized {
			t.Fatalf("attacker's wrong try %d = %d %s, want 401", i, r.status, r.raw)
		}
	}
	if r := post(t, attacker, s.url+"/api/v1/login", `{"phone":"`+phone+`","code":"`+wrong+`"}`); r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Errorf("attacker's sixth try = %d %s, want 429 with Retry-After", r.status, r.raw)
	}
	if r := post(t, attacker, s.url+"/api/v1/login", `{"phone":"`+phone+`","code":"`+code+`"}`); r.status != http.StatusTooManyRequests {
		t.Errorf("the right code from the locked-out address = %d %s, want 429", r.status, r.raw)
	}
	if r := post(t, owner, s.url+"/api/v1/login", `{"phone":"`+phone+`","code":"`+code+`"}`); r.status != http.StatusOK {
		t.Errorf("owner's right code after the attack = %d %s, want 200", r.status, r.raw)
	}

	t.Run("twenty wrong tries from anywhere end the code", func(t *testing.T) {
		s.aMinutePasses(t)
		post(t, owner, s.url+"/api/v1/otp", `{"phone":"`+phone+`"}`)
		code := s.lastCode(t, phone)
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		for i := 0; i < 20; i++ {
			c := clientFrom(t, fmt.Sprintf("127.0.2.%d", i/5+1))
			if r := post(t, c, s.url+"/api/v1/login", `{"phone":"`+phone+`","code":"`+wrong+`"}`); r.status != http.StatusUnauthorized {
				t.Fatalf("wrong try %d = %d %s, want 401", i+1, r.status, r.raw)
			}
		}
		if r := post(t, owner, s.url+"/api/v1/login", `{"phone":"`+phone+`","code":"`+code+`"}`); r.status != http.StatusUnauthorized {
			t.Errorf("the right code after 20 wrong tries = %d %s, want 401: the code must be gone", r.status, r.raw)
		}
	})
}
