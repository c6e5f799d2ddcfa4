package portal_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"gridpay/internal/i18n"
)

// TestSessionStoreDownAnswersInKind: when Redis fails while a session is looked up, a page gets the
// error page in the customer's language and the API its JSON error.
func TestSessionStoreDownAnswersInKind(t *testing.T) {
	s := newSite(t, true)
	s.rdb.Close() // every Redis call fails from now on
	get := func(path string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, s.url+path, nil)
		req.Header.Set("Cookie", "gridpay_session=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
		req.Header.Set("Accept-Language", "en")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}

	resp, body := get("/")
	if want := i18n.T(i18n.EN, "error.internal"); resp.StatusCode != http.StatusInternalServerError ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, want) || !strings.Contains(body, `<html lang="en">`) {
		t.Errorf("page with the session store down = %d %s, want 500 and the error page in English saying %q:\n%s",
			resp.StatusCode, resp.Header.Get("Content-Type"), want, body)
	}

	resp, body = get("/api/v1/accounts")
	var r struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil || resp.StatusCode != http.StatusInternalServerError ||
		r.Error.Code != "internal" || r.Error.Message != i18n.T(i18n.EN, "error.internal") {
		t.Errorf("API with the session store down = %d %s, want 500 and a JSON error", resp.StatusCode, body)
	}
}
