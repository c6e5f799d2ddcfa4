package portal_test

import (
	"net/http"
	"testing"
)

func TestPreferenceSwitchesReturnOnlyToThisSitesPaths(t *testing.T) {
	s := newSite(t, true)
	c := noRedirects(client(t))
	for _, tc := range []struct {
		name, referer, want string
	}{
		{"a page of this site", s.url + "/accounts/3100000001/bills", "/accounts/3100000001/bills"},
		{"a page with its query", s.url + "/login?x=1", "/login?x=1"},
		{"no referer", "", "/"},
		{"encoded backslash", s.url + "/%5Cevil.example", "/"},
		{"encoded backslash later", s.url + "/a/%5C%5Cevil.example", "/"},
		{"backslash", s.url + `/\evil.example`, "/"},
		{"two slashes", s.url + "//evil.example", "/"},
		{"encoded second slash", s.url + "/%2Fevil.example", "/"},
		{"another site", "https://other/", "/"},
		{"another site's path", "https://other/accounts", "/"},
		{"the switch itself", s.url + "/care/on", "/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, sw := range []string{"/lang/en", "/care/on"} {
				req, _ := http.NewRequest(http.MethodGet, s.url+sw, nil)
				if tc.referer != "" {
					req.Header.Set("Referer", tc.referer)
				}
				resp, err := c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || got != tc.want {
					t.Errorf("%s with Referer %q = %d to %q, want 303 to %q", sw, tc.referer, resp.StatusCode, got, tc.want)
				}
			}
		})
	}
}
