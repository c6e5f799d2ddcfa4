package portal_test

import (
	"fmt"
	"regexp"
	"testing"
)

var assetRe = regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)

// TestPagesStayLight keeps every signed-in page, with the CSS and JS it loads, under 60 KB: the
// customers' phones are cheap and their connections slow.
func TestPagesStayLight(t *testing.T) {
	s := newSite(t, true)
	c := s.signIn(t, "13800138000")
	_, body, _ := getJSON(t, c, s.url+"/api/v1/accounts/3100000001/bills?per_page=1")
	bill := int64(body["bills"].([]any)[0].(map[string]any)["id"].(float64))
	for _, path := range []string{"/", "/login", "/accounts/3100000001/bills", fmt.Sprintf("/accounts/3100000001/bills/%d", bill),
		"/accounts/3100000001/usage", "/accounts/3100000001/usage?days=60", "/accounts/3100000001/payments", "/payfor?account=3100000002"} {
		status, html := getPage(t, c, s.url+path)
		if status != 200 {
			t.Errorf("GET %s = %d", path, status)
			continue
		}
		total := len(html)
		for _, m := range assetRe.FindAllStringSubmatch(html, -1) {
			status, asset := getPage(t, c, s.url+m[1])
			if status != 200 {
				t.Fatalf("GET %s = %d", m[1], status)
			}
			total += len(asset)
		}
		if total > 60*1024 {
			t.Errorf("GET %s weighs %d bytes with its assets, over 60 KB", path, total)
		}
		t.Logf("%-45s %6d bytes with its assets", path, total)
	}
}
