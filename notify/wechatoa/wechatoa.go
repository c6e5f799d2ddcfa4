// Package wechatoa sends template messages (模板消息) of the bureau's WeChat official account (公众号)
// through the account's HTTP API, with net/http only: an access token from /cgi-bin/stable_token,
// kept in the process until shortly before it expires, then one
// POST /cgi-bin/message/template/send per message. Each kind goes as the template id configured for
// it, with the kind's WeChat fields (notify.Message.WeChatFields) and the pay link as the url the
// message opens. The account's answer is classified as sent (with its msgid), a transient failure
// (retry later) or a permanent one (notify.Failure).
//
// Package sandbox beside it simulates the API for tests and dev.
package wechatoa

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"gridpay/notify"
)

// DefaultBaseURL is the official accounts' API.
const DefaultBaseURL = "https://api.weixin.qq.com"

// channelName is the channel's name, in Failures too.
const channelName = "wechat"

// maxAnswer bounds what is read of an answer: the API answers in a few hundred bytes, and a proxy's
// page or a hostile server must not fill the memory.
const maxAnswer = 64 << 10

// tokenMargin is how long before its expiry a token is fetched again, so that no message goes out
// with a token that expires on the way.
const tokenMargin = 5 * time.Minute

// Config is an official account: its app id and secret, and the approved template id of each kind
// it sends.
type Config struct {
	AppID, Secret string
	BaseURL       string                 // http(s)://host[:port][/path]; empty = DefaultBaseURL
	AuthorizeURL  string                 // where web authorization starts; empty = DefaultAuthorizeURL
	Templates     map[notify.Kind]string // template id per kind; a kind without one is not sent
	Timeout       time.Duration          // per request, the answer read included; empty = 10s
	// Now is the clock the token's expiry is read by; nil = time.Now.
	Now func() time.Time
}

// OA is the official account's template message channel. It is safe for concurrent use.
type OA struct {
	appID, secret string
	base          string
	authorize     string // web authorization's host (AuthorizeURL)
	templates     map[notify.Kind]string
	client        *http.Client
	now           func() time.Time

	// fetching lets one caller at a time fetch a token while the others wait for it; a channel, so
	// that waiting honours the caller's context.
	fetching chan struct{}

	mu    sync.Mutex // guards token and until; never held across a request
	token string     // the access token in use
	until time.Time  // when to stop using it
}

// New returns the channel for cfg; it reports a configuration it cannot use.
func New(cfg Config) (*OA, error) {
	if cfg.AppID == "" || cfg.Secret == "" {
		return nil, errors.New("wechat official account: app id and secret are both needed")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.User != nil {
		return nil, fmt.Errorf("wechat official account: base URL %q: want http(s)://host[:port][/path]", cfg.BaseURL)
	}
	if cfg.AuthorizeURL == "" {
		cfg.AuthorizeURL = DefaultAuthorizeURL
	}
	if u, err := url.Parse(cfg.AuthorizeURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.User != nil {
		return nil, fmt.Errorf("wechat official account: authorize URL %q: want http(s)://host[:port][/path]", cfg.AuthorizeURL)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	templates := make(map[notify.Kind]string, len(cfg.Templates))
	for k, id := range cfg.Templates {
		if id != "" {
			templates[k] = id
		}
	}
	// The API never redirects: a redirect is answered as the failure its status is, rather than
	// followed to wherever it points.
	client := &http.Client{Timeout: cfg.Timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &OA{appID: cfg.AppID, secret: cfg.Secret, base: strings.TrimSuffix(cfg.BaseURL, "/"),
		authorize: strings.TrimSuffix(cfg.AuthorizeURL, "/"), templates: templates,
		client: client, now: cfg.Now, fetching: make(chan struct{}, 1)}, nil
}

// Name implements notify.Channel.
func (o *OA) Name() string { return channelName }

// sendRequest is the body of template/send.
type sendRequest struct {
	ToUser     string                `json:"touser"`
	TemplateID string                `json:"template_id"`
	URL        string                `json:"url,omitempty"`
	Data       map[string]fieldValue `json:"data"`
}

type fieldValue struct {
	Value string `json:"value"`
}

// answer is what the API answers: errcode 0 with a msgid, or an error code and message.
type answer struct {
	ErrCode     int         `json:"errcode"`
	ErrMsg      string      `json:"errmsg"`
	MsgID       json.Number `json:"msgid"` // a 64-bit id: a float64 would round it
	AccessToken string      `json:"access_token"`
	ExpiresIn   int64       `json:"expires_in"`
}

// Send implements notify.Channel: one template message to the message's OpenID; the id is the
// message's msgid in decimal. A message the channel cannot send (invalid, no OpenID, a kind with no
// WeChat fields or no template id) is refused before any request. A token the API calls invalid or
// expired is fetched again, once, and the message sent again.
func (o *OA) Send(ctx context.Context, m notify.Message) (string, error) {
	fields, err := m.WeChatFields()
	if err != nil {
		return "", err
	}
	if m.To.OpenID == "" {
		return "", fmt.Errorf("wechat: %s message without an OpenID: %w", m.Kind, notify.ErrNoRecipient)
	}
	tpl := o.templates[m.Kind]
	if tpl == "" {
		return "", fmt.Errorf("wechat: %s: %w", m.Kind, notify.ErrNoTemplate)
	}
	req := sendRequest{ToUser: m.To.OpenID, TemplateID: tpl, URL: m.Params[notify.ParamLink], Data: make(map[string]fieldValue, len(fields))}
	for _, f := range fields {
		req.Data[f.Name] = fieldValue{Value: f.Value}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return "", fmt.Errorf("wechat: %w", err)
	}
	tok, err := o.accessToken(ctx, "")
	if err != nil {
		return "", err
	}
	a, err := o.post(ctx, "/cgi-bin/message/template/send", tok, body)
	if err == nil && tokenRefused(a.ErrCode) {
		if tok, err = o.accessToken(ctx, tok); err != nil {
			return "", err
		}
		a, err = o.post(ctx, "/cgi-bin/message/template/send", tok, body)
	}
	if err != nil {
		return "", err
	}
	if a.ErrCode != 0 {
		return "", o.failure(a)
	}
	if a.MsgID == "" {
		// Not the API's answer to a message it sent: without a msgid there is no proof either.
		return "", &notify.Failure{Channel: channelName, Code: "unreadable", Detail: "the answer has no msgid"}
	}
	return a.MsgID.String(), nil
}

// accessToken returns the token to send with. stale is a token the API has just refused: one that
// is still the one kept is replaced by a fresh one (force_refresh), while a newer one that another
// caller fetched meanwhile is used as it is, so that a burst of refusals refreshes once.
func (o *OA) accessToken(ctx context.Context, stale string) (string, error) {
	if tok, ok := o.kept(stale); ok {
		return tok, nil
	}
	select {
	case o.fetching <- struct{}{}:
		defer func() { <-o.fetching }()
	case <-ctx.Done():
		return "", &notify.Failure{Channel: channelName, Code: "network", Detail: "waiting for an access token", Err: ctx.Err()}
	}
	if tok, ok := o.kept(stale); ok { // fetched by the caller we waited for
		return tok, nil
	}
	body, err := json.Marshal(map[string]any{"grant_type": "client_credential", "appid": o.appID, "secret": o.secret,
		"force_refresh": stale != ""})
	if err != nil {
		return "", fmt.Errorf("wechat: %w", err)
	}
	a, err := o.post(ctx, "/cgi-bin/stable_token", "", body)
	if err != nil {
		return "", err
	}
	if a.ErrCode != 0 || a.AccessToken == "" {
		if a.ErrCode == 0 {
			return "", &notify.Failure{Channel: channelName, Code: "no_token", Detail: "the token answer has no access_token"}
		}
		return "", o.failure(a)
	}
	ttl := time.Duration(max(a.ExpiresIn, 0)) * time.Second
	o.mu.Lock()
	o.token, o.until = a.AccessToken, o.now().Add(ttl-min(tokenMargin, ttl/2))
	o.mu.Unlock()
	return a.AccessToken, nil
}

// kept returns the token kept, unless it is stale or near its expiry.
func (o *OA) kept(stale string) (string, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.token == "" || o.token == stale || !o.now().Before(o.until) {
		return "", false
	}
	return o.token, true
}

// post sends body to path (with the access token, if any) and reads the answer. A failure to get
// one is a notify.Failure: transient for the network, a timeout, a cancelled context, a 5xx or a
// 429, an answer too long or unreadable; permanent for any other HTTP status (a wrong base URL).
// The URL, which holds the token, never appears in an error.
func (o *OA) post(ctx context.Context, path, tok string, body []byte) (answer, error) {
	target := o.base + path
	if tok != "" {
		target += "?access_token=" + url.QueryEscape(tok)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return answer{}, fmt.Errorf("wechat: %s: %w", path, redact(err, path))
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := o.client.Do(req)
	if err != nil {
		return answer{}, &notify.Failure{Channel: channelName, Code: "network", Detail: path, Err: redact(err, path)}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
		return answer{}, &notify.Failure{Channel: channelName, Code: "http_" + strconv.Itoa(resp.StatusCode), Detail: path + ": " + resp.Status,
			Permanent: resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests}
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return answer{}, &notify.Failure{Channel: channelName, Code: "network", Detail: path, Err: redact(err, path)}
	}
	if len(b) > maxAnswer {
		return answer{}, &notify.Failure{Channel: channelName, Code: "answer_too_long", Detail: fmt.Sprintf("%s: over %d bytes", path, maxAnswer)}
	}
	var a answer
	if err := json.Unmarshal(b, &a); err != nil {
		return answer{}, &notify.Failure{Channel: channelName, Code: "unreadable", Detail: path + ": the answer is not the API's JSON"}
	}
	return a, nil
}

// failure turns the API's error code into a notify.Failure; what the API said is kept (it names
// the request's rid for WeChat's support), cut short and without the secret.
func (o *OA) failure(a answer) *notify.Failure {
	detail := a.ErrMsg
	if len(detail) > 200 {
		detail = detail[:200]
	}
	detail = strings.ReplaceAll(detail, o.secret, "***")
	return &notify.Failure{Channel: channelName, Code: strconv.Itoa(a.ErrCode), Detail: detail, Permanent: !transient(a.ErrCode)}
}

// tokenRefused reports whether code says the access token is invalid (40001, 40014) or expired
// (42001): a fresh token may pass.
func tokenRefused(code int) bool { return code == 40001 || code == 40014 || code == 42001 }

// transient reports whether an error code says that the same request may pass later: the system is
// busy (-1), a rate limit (45009, 45011), or a token refused even after a fresh one was fetched.
// Everything else needs a person or another channel, as does a code this list does not know: a bad
// OpenID (40003), a customer not following the account (43004) or refusing its messages (43101), an
// unknown template (40037) or a bad argument (47003), a wrong app id or secret, or a server address
// missing from the account's IP allowlist (40013, 40125, 40164).
func transient(code int) bool {
	switch code {
	case -1, 45009, 45011:
		return true
	}
	return tokenRefused(code)
}

// redact takes the URL, which carries the access token, out of an error of net/http.
func redact(err error, path string) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return &url.Error{Op: ue.Op, URL: path, Err: ue.Err}
	}
	return err
}
