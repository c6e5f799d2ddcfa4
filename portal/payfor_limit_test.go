package portal_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestPayForLimitPerAccount: one account is looked up at most 30 times an hour, from whatever
// addresses; other accounts are not held back.
func TestPayForLimitPerAccount(t *testing.T) {
	s := newSite(t, true)
	for i := 0; i < 30; i++ {
		c := clientFrom(t, fmt.Sprintf("127.0.3.%d", i%6+1)) // 5 from each: within each address's allowance
		if status, _, raw := getJSON(t, c, s.url+"/api/v1/payfor/3100000002"); status != http.StatusOK {
			t.Fatalf("look-up %d = %d %s", i+1, status, raw)
		}
	}
	fresh := clientFrom(t, "127.0.3.100")
	r := reply{}
	r.status, r.body, r.raw = getJSON(t, fresh, s.url+"/api/v1/payfor/3100000002")
	if r.status != http.StatusTooManyRequests || r.errorMessage() == "" {
		t.Errorf("31st look-up of one account within the hour = %d %s, want 429 with a message", r.status, r.raw)
	}
	if status, page := getPage(t, fresh, s.url+"/payfor?account=3100000002"); status != http.StatusTooManyRequests || !strings.Contains(page, "请求过于频繁") {
		t.Errorf("the pay-for page past the account's limit = %d", status)
	}
	if status, _, raw := getJSON(t, fresh, s.url+"/api/v1/payfor/3100000003"); status != http.StatusOK {
		t.Errorf("another account = %d %s", status, raw)
	}
}

// TestPayForOneAddressCannotHoldAnAccountBack: one address that looks one account up again and
// again spends its own allowance on that account (5 an hour), not the account's, so that it cannot
// keep the account's payers from its page.
func TestPayForOneAddressCannotHoldAnAccountBack(t *testing.T) {
	s := newSite(t, true)
	attacker := clientFrom(t, "127.0.3.66")
	var statuses []int
	for range 30 {
		status, _, _ := getJSON(t, attacker, s.url+"/api/v1/payfor/3100000002")
		statuses = append(statuses, status)
	}
	if statuses[4] != http.StatusOK || statuses[5] != http.StatusTooManyRequests {
		t.Errorf("one address's look-ups of one account = %v, want 5 answered, then 429", statuses)
	}
	payer := clientFrom(t, "127.0.3.1")
	if status, page := getPage(t, payer, s.url+"/payfor?account=3100000002"); status != http.StatusOK || !strings.Contains(page, "¥") {
		t.Errorf("a payer's page after the attack = %d, want 200 with the amount due", status)
	}
}
