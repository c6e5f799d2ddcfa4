package sandbox

import (
	"net/http"
	"net/url"
	"time"
)

// DefaultCustomer is the OpenID web authorization speaks for until SignedInAs says otherwise.
const DefaultCustomer = "oSandboxCustomer000000000001"

// codeTTL is how long an authorization code is good, as WeChat's are.
const codeTTL = 5 * time.Minute

// SignedInAs sets the customer web authorization speaks for: the WeChat user whose phone opened
// the page.
func (s *OA) SignedInAs(openID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.customer = openID
}

// authorize is GET /connect/oauth2/authorize (open.weixin.qq.com): for this account's app id and
// scope snsapi_base it sends the browser back to redirect_uri with a new code and the state, as
// WeChat does without asking the customer anything.
func (s *OA) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	back, err := url.Parse(q.Get("redirect_uri"))
	switch {
	case q.Get("appid") != s.appID:
		http.Error(w, "appid 参数错误", http.StatusBadRequest)
		return
	case q.Get("response_type") != "code" || q.Get("scope") != "snsapi_base":
		http.Error(w, "scope 参数错误或没有 scope 权限", http.StatusBadRequest)
		return
	case err != nil || (back.Scheme != "http" && back.Scheme != "https") || back.Host == "":
		http.Error(w, "redirect_uri 参数错误", http.StatusBadRequest)
		return
	}
	code := newToken()[:32]
	s.mu.Lock()
	s.codes[code] = oauthCode{openID: s.customer, issued: s.now()}
	s.mu.Unlock()
	v := back.Query()
	v.Set("code", code)
	v.Set("state", q.Get("state"))
	back.RawQuery = v.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// oauthToken is GET /sns/oauth2/access_token: the app's id and secret and a code web authorization
// gave, once and within five minutes, for the customer's OpenID.
func (s *OA) oauthToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("appid") != s.appID || q.Get("secret") != s.secret {
		fail(w, 40125, "invalid appsecret")
		return
	}
	if q.Get("grant_type") != "authorization_code" {
		fail(w, 40002, "invalid grant_type")
		return
	}
	s.mu.Lock()
	c, ok := s.codes[q.Get("code")]
	delete(s.codes, q.Get("code"))
	s.mu.Unlock()
	if !ok || s.now().Sub(c.issued) > codeTTL {
		fail(w, 40029, "invalid code")
		return
	}
	reply(w, map[string]any{"access_token": newToken(), "expires_in": 7200, "refresh_token": newToken(), "openid": c.openID,
		"scope": "snsapi_base"})
}
