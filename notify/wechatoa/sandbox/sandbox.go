// Package sandbox simulates the API of a WeChat official account (公众号) for tests and dev: an
// http.Handler that issues access tokens by /cgi-bin/stable_token as the real API does (checked
// app id and secret, an expiry read by its clock, a forced refresh that replaces the token), and
// accepts template messages by /cgi-bin/message/template/send only with the current token, a
// registered template id whose field names match, and an OpenID that follows the account. It
// records what it accepted and answers in the API's own JSON, or as it was told to fail (busy,
// rate limited, an HTTP status, a hang).
package sandbox

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"
)

// TokenTTL is how long an access token lives, as the API's expires_in says.
const TokenTTL = 7200 * time.Second

// MaxBody bounds a request's body; a longer one is refused as 45002 (content size out of limit).
const MaxBody = 16 << 10

// firstMsgID is the msgid before the first: above 2^53, so that a client that reads msgid as a
// float64 gets it wrong and a test sees it.
const firstMsgID = 1 << 53

// Received is one template message the simulator accepted.
type Received struct {
	MsgID      int64
	OpenID     string
	TemplateID string
	URL        string
	Fields     map[string]string // field name -> value
}

// Answer is how the simulator answers one request instead of as usual. Zero fields keep the usual
// behaviour; the first queued answer is used up by the next request that passes the credential
// (token request) or token (send) check.
type Answer struct {
	ErrCode int  // an error code, e.g. -1 (system busy), 45009 (rate limit), 43101 (the user refuses)
	Status  int  // an HTTP status other than 200, e.g. 503
	Hang    bool // never answer until the client gives up (or the simulator is closed)
}

// OA is the simulated API of one official account. It is safe for concurrent use.
type OA struct {
	appID, secret string
	now           func() time.Time

	mu           sync.Mutex
	token        string
	tokenExpires time.Time
	templates    map[string][]string // template id -> field names
	followers    map[string]bool     // OpenID -> following now; absent: not an OpenID of this account
	sendAnswers  []Answer
	tokenAnswers []Answer
	received     []Received
	msgID        int64
	sends        int // template/send requests, refused ones included
	tokens       int // stable_token requests, refused ones included
	forced       int // of which asked for force_refresh
	closed       chan struct{}
	closeOnce    sync.Once
	customer     string               // the OpenID web authorization gives codes for (SignedInAs)
	codes        map[string]oauthCode // authorization codes not yet used
}

// oauthCode is an authorization code web authorization gave, good once for five minutes.
type oauthCode struct {
	openID string
	issued time.Time
}

// New returns the API of the account appID with its secret. now is its clock, for token expiry;
// nil means time.Now.
func New(appID, secret string, now func() time.Time) *OA {
	if now == nil {
		now = time.Now
	}
	return &OA{appID: appID, secret: secret, now: now, templates: map[string][]string{}, followers: map[string]bool{},
		msgID: firstMsgID, closed: make(chan struct{}), customer: DefaultCustomer, codes: map[string]oauthCode{}}
}

// Templates registers the account's templates, by id, with their field names.
func (s *OA) Templates(t map[string][]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, fields := range t {
		s.templates[id] = slices.Clone(fields)
	}
}

// Follow makes openIDs followers of the account.
func (s *OA) Follow(openIDs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range openIDs {
		s.followers[id] = true
	}
}

// Unfollow makes openID a user who followed the account and no longer does: messages to it are
// refused as 43004.
func (s *OA) Unfollow(openID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.followers[openID] = false
}

// ExpireToken makes the current access token expire now, as if its two hours had passed.
func (s *OA) ExpireToken() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenExpires = s.now()
}

// Then queues answers for the next template messages, in order; after them it sends again.
func (s *OA) Then(a ...Answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sendAnswers = append(s.sendAnswers, a...)
}

// ThenToken queues answers for the next token requests, in order.
func (s *OA) ThenToken(a ...Answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenAnswers = append(s.tokenAnswers, a...)
}

// Received returns every message accepted so far, oldest first.
func (s *OA) Received() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Received, len(s.received))
	for i, r := range s.received {
		r.Fields = maps.Clone(r.Fields)
		out[i] = r
	}
	return out
}

// Sends returns how many template messages were asked for, refused ones included.
func (s *OA) Sends() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sends
}

// TokenRequests returns how many access tokens were asked for, refused requests included, and how
// many of them asked for a forced refresh.
func (s *OA) TokenRequests() (all, forced int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens, s.forced
}

// Close releases requests left hanging.
func (s *OA) Close() { s.closeOnce.Do(func() { close(s.closed) }) }

// ServeHTTP implements http.Handler: POST /cgi-bin/stable_token and
// POST /cgi-bin/message/template/send?access_token=T, each with a JSON body.
func (s *OA) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/cgi-bin/stable_token":
		s.stableToken(w, r)
	case "/cgi-bin/message/template/send":
		s.templateSend(w, r)
	case "/connect/oauth2/authorize":
		s.authorize(w, r)
	case "/sns/oauth2/access_token":
		s.oauthToken(w, r)
	default:
		http.NotFound(w, r)
	}
}

// readBody reads a POST's body up to MaxBody and reports the API's error when it cannot.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if r.Method != http.MethodPost {
		fail(w, 43002, "require POST method")
		return nil, false
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	switch {
	case err != nil || len(b) == 0:
		fail(w, 44002, "empty post data")
		return nil, false
	case len(b) > MaxBody:
		fail(w, 45002, "content size out of limit")
		return nil, false
	}
	return b, true
}

func (s *OA) stableToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.tokens++
	s.mu.Unlock()
	b, ok := readBody(w, r)
	if !ok {
		return
	}
	var req struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}
	if err := json.Unmarshal(b, &req); err != nil {
		fail(w, 47001, "data format error")
		return
	}
	switch {
	case req.GrantType != "client_credential":
		fail(w, 40002, "invalid grant_type")
		return
	case req.AppID != s.appID:
		fail(w, 40013, "invalid appid")
		return
	case req.Secret != s.secret:
		fail(w, 40125, "invalid appsecret")
		return
	}
	s.mu.Lock()
	if req.ForceRefresh {
		s.forced++
	}
	ans := pop(&s.tokenAnswers)
	s.mu.Unlock()
	if s.answered(w, r, ans) {
		return
	}
	s.mu.Lock()
	now := s.now()
	if req.ForceRefresh || s.token == "" || !now.Before(s.tokenExpires) {
		// A new token replaces the old one at once: whoever still holds that gets 40001.
		s.token, s.tokenExpires = newToken(), now.Add(TokenTTL)
	}
	tok, left := s.token, int64(s.tokenExpires.Sub(now)/time.Second)
	s.mu.Unlock()
	reply(w, map[string]any{"access_token": tok, "expires_in": left})
}

func (s *OA) templateSend(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.sends++
	s.mu.Unlock()
	b, ok := readBody(w, r)
	if !ok {
		return
	}
	tok := r.URL.Query().Get("access_token")
	s.mu.Lock()
	current, expired := s.token, !s.now().Before(s.tokenExpires)
	s.mu.Unlock()
	switch {
	case tok == "":
		fail(w, 41001, "access_token missing")
		return
	case tok != current:
		fail(w, 40001, "invalid credential, access_token is invalid or not latest")
		return
	case expired:
		fail(w, 42001, "access_token expired")
		return
	}
	var req struct {
		ToUser     string `json:"touser"`
		TemplateID string `json:"template_id"`
		URL        string `json:"url"`
		Data       map[string]struct {
			Value string `json:"value"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &req); err != nil {
		fail(w, 47001, "data format error")
		return
	}
	s.mu.Lock()
	ans := pop(&s.sendAnswers)
	following, known := s.followers[req.ToUser]
	fields, registered := s.templates[req.TemplateID]
	s.mu.Unlock()
	if s.answered(w, r, ans) {
		return
	}
	switch {
	case !known:
		fail(w, 40003, "invalid openid")
		return
	case !following:
		fail(w, 43004, "require subscribe")
		return
	case !registered:
		fail(w, 40037, "invalid template_id")
		return
	case len(req.Data) != len(fields):
		fail(w, 47003, "argument invalid! data does not match the template's fields")
		return
	}
	got := map[string]string{}
	for _, name := range fields {
		v, ok := req.Data[name]
		if !ok || v.Value == "" {
			fail(w, 47003, "argument invalid! data."+name+".value is empty")
			return
		}
		got[name] = v.Value
	}
	if req.URL != "" {
		if u, err := url.Parse(req.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			fail(w, 47003, "argument invalid! url")
			return
		}
	}
	s.mu.Lock()
	s.msgID++
	id := s.msgID
	s.received = append(s.received, Received{MsgID: id, OpenID: req.ToUser, TemplateID: req.TemplateID, URL: req.URL, Fields: got})
	s.mu.Unlock()
	reply(w, map[string]any{"errcode": 0, "errmsg": "ok", "msgid": id})
}

// answered answers as ans says, if it says anything, and reports whether it did.
func (s *OA) answered(w http.ResponseWriter, r *http.Request, ans Answer) bool {
	switch {
	case ans.Hang:
		select {
		case <-r.Context().Done():
		case <-s.closed:
		}
	case ans.Status != 0:
		http.Error(w, http.StatusText(ans.Status), ans.Status)
	case ans.ErrCode != 0:
		fail(w, ans.ErrCode, "simulated failure")
	default:
		return false
	}
	return true
}

func pop(q *[]Answer) Answer {
	if len(*q) == 0 {
		return Answer{}
	}
	a := (*q)[0]
	*q = (*q)[1:]
	return a
}

// fail answers an error as the API does: status 200, errcode and errmsg with a request id.
func fail(w http.ResponseWriter, code int, msg string) {
	reply(w, map[string]any{"errcode": code, "errmsg": msg + " rid: " + newToken()[:16]})
}

func reply(w http.ResponseWriter, body map[string]any) {
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	json.NewEncoder(w).Encode(body)
}

func newToken() string {
	var b [32]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
