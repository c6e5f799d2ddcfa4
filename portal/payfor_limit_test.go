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
		c := clientFrom(t, fmt.Sprintf("127.0.3.%d", i%3+1)) // 10 from each: under the per-address limit
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
