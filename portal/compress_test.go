package portal_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"testing"

	"gridpay/internal/demo"
)

// TestUsagePageIsCompressed measures the usage page, the heaviest, as it goes to a phone that
// accepts gzip (all do) and to one that does not.
func TestUsagePageIsCompressed(t *testing.T) {
	s := newSite(t, true)
	c := s.signIn(t, demo.DemoResidentialPhone)
	fetch := func(acceptEncoding string) (*http.Response, []byte) {
		req, _ := http.NewRequest(http.MethodGet, s.url+"/accounts/"+demo.DemoResidentialNo+"/usage", nil)
		req.Header.Set("Accept-Encoding", acceptEncoding) // set by hand, so the client does not unzip
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, b
	}
	_, raw := fetch("identity")
	resp, zipped := fetch("gzip, deflate, br")
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("usage page to a gzip client: Content-Encoding %q", resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("usage page: %d bytes raw, %d gzipped (%.0f%%)", len(raw), len(zipped), 100*float64(len(zipped))/float64(len(raw)))
	if len(unzipped) != len(raw) || len(zipped)*3 > len(raw) {
		t.Errorf("usage page: %d bytes raw, %d gzipped, %d unzipped: want a third or less, unzipping to the raw page", len(raw), len(zipped), len(unzipped))
	}
}
