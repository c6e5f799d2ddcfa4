package portal_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestBindCodeAnswersAlikeForMissingAccounts: asking a binding code for an account number that
// exists and for one that does not gets the same answer, and the rate limits come before the
// look-up, so that the answers cannot tell them apart either.
func TestBindCodeAnswersAlikeForMissingAccounts(t *testing.T) {
	s := newSite(t, true)
	c := s.signIn(t, "13800138000")
	same := []string{"Origin", s.url}

	existing := post(t, c, s.url+"/api/v1/bindings/code", `{"account_no":"3100000002"}`, same...)
	s.aMinutePasses(t)
	missing := post(t, c, s.url+"/api/v1/bindings/code", `{"account_no":"3100099999"}`, same...)
	if existing.status != http.StatusAccepted || missing.status != existing.status || missing.raw != existing.raw {
		t.Fatalf("existing account: %d %s; missing one: %d %s; want the same 202", existing.status, existing.raw, missing.status, missing.raw)
	}
	if strings.Contains(existing.raw, "8001") {
		t.Errorf("the answer shows part of the registered phone: %s", existing.raw)
	}
	if s.lastCode(t, "13800138001") == "" {
		t.Error("no code went to the existing account's registered phone")
	}
	// Within the minute, a missing account is refused like an existing one: the limit comes first.
	if r := post(t, c, s.url+"/api/v1/bindings/code", `{"account_no":"3100099998"}`, same...); r.status != http.StatusTooManyRequests {
		t.Errorf("second code within a minute, missing account = %d %s, want 429", r.status, r.raw)
	}
	// The binding step cannot tell them apart either: a guessed code is wrong for both.
	for _, no := range []string{"3100000002", "3100099999"} {
		if r := post(t, c, s.url+"/api/v1/bindings", `{"account_no":"`+no+`","code":"123456"}`, same...); r.status != http.StatusUnauthorized {
			t.Errorf("a guessed code for %s = %d %s, want 401", no, r.status, r.raw)
		}
	}

	t.Run("wrong codes alike", func(t *testing.T) {
		c := s.signIn(t, "13800138003")
		var statuses [2][]int
		for i, no := range []string{"3100000004", "3100099996"} {
			s.aMinutePasses(t)
			if r := post(t, c, s.url+"/api/v1/bindings/code", `{"account_no":"`+no+`"}`, same...); r.status != http.StatusAccepted {
				t.Fatalf("bind code for %s = %d %s", no, r.status, r.raw)
			}
			for range 6 {
				r := post(t, c, s.url+"/api/v1/bindings", `{"account_no":"`+no+`","code":"123456"}`, same...)
				statuses[i] = append(statuses[i], r.status)
			}
		}
		if fmt.Sprint(statuses[0]) != fmt.Sprint(statuses[1]) {
			t.Errorf("six guessed codes: existing account %v, missing one %v; want alike", statuses[0], statuses[1])
		}
	})

	t.Run("the form page alike", func(t *testing.T) {
		c := s.signIn(t, "13800138002")
		_, body := getPage(t, c, s.url+"/accounts/bind")
		m := csrfRe.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no form on the binding page:\n%s", body)
		}
		var pages []string
		for _, no := range []string{"3100000003", "3100099997"} {
			s.aMinutePasses(t)
			status, body := postForm(t, c, s.url+"/accounts/bind/code", url.Values{"account_no": {no}, "csrf": {m[1]}})
			pages = append(pages, fmt.Sprint(status, strings.ReplaceAll(body, no, "NO")))
		}
		if pages[0] != pages[1] || !strings.HasPrefix(pages[0], "200") {
			t.Errorf("binding form, existing then missing account:\n%s\n----\n%s", pages[0], pages[1])
		}
	})
}

// TestBindCodesDailyCapPerRegisteredPhone: binding codes to one registered phone stop after 10 in
// a day, whoever asks and for whichever account, and the asker is answered as before (nothing
// tells that the cap, or the account, is there). Sign-in codes to that phone are counted apart.
func TestBindCodesDailyCapPerRegisteredPhone(t *testing.T) {
	s := newSite(t, true)
	ctx := context.Background()
	const registered = "13900139000"
	target := func(context.Context) (string, error) { return registered, nil }
	for i := 0; i < 11; i++ {
		requester, account := fmt.Sprintf("1370013%04d", i), fmt.Sprintf("32000000%02d", i)
		if err := s.auth.SendBindCode(ctx, requester, account, fmt.Sprintf("10.0.4.%d", i), target); err != nil {
			t.Fatalf("bind code %d: %v, want nil", i+1, err)
		}
	}
	if msgs, err := s.inbox.Recent(ctx, registered, 20); err != nil || len(msgs) != 10 {
		t.Errorf("binding codes to the registered phone = %d (%v), want 10", len(msgs), err)
	}
	if err := s.auth.SendCode(ctx, registered, "10.0.4.100"); err != nil {
		t.Errorf("a sign-in code to the phone after its binding codes: %v", err)
	}
}
