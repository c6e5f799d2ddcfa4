package portal_test

import (
	"net/http"
	"testing"

	"gridpay/internal/demo"
)

func TestSignedInAnswersAreNotStored(t *testing.T) {
	s := newSite(t, true)
	c := s.signIn(t, demo.DemoResidentialPhone)
	_, _, home := getRaw(t, c, s.url+"/")
	asset := assetRe.FindStringSubmatch(string(home))
	if asset == nil {
		t.Fatalf("home links no asset:\n%s", home)
	}
	for _, tc := range []struct {
		name, path, want string
	}{
		{"home", "/", "no-store"},
		{"bills page", "/accounts/" + demo.DemoResidentialNo + "/bills", "no-store"},
		{"usage page", "/accounts/" + demo.DemoResidentialNo + "/usage", "no-store"},
		{"api accounts", "/api/v1/accounts", "no-store"},
		{"api bills", "/api/v1/accounts/" + demo.DemoResidentialNo + "/bills", "no-store"},
		{"api error", "/api/v1/accounts/3199999999/bills", "no-store"},
		{"static asset", asset[1], "public, max-age=31536000, immutable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, h, _ := getRaw(t, c, s.url+tc.path)
			if got := h.Get("Cache-Control"); got != tc.want {
				t.Errorf("GET %s = %d with Cache-Control %q, want %q", tc.path, status, got, tc.want)
			}
			if status >= http.StatusInternalServerError {
				t.Errorf("GET %s = %d", tc.path, status)
			}
		})
	}
}
