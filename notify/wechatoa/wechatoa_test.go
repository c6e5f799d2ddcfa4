package wechatoa_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/notify"
	"gridpay/notify/wechatoa"
	"gridpay/notify/wechatoa/sandbox"
)

const (
	appID    = "wx8c3f1e2d4b5a6978"
	secret   = "9f2b7c1d0e8a4f6b3c5d7e9f1a2b4c6d"
	follower = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
	payLink  = "https://pay.qingshan.example.cn/payfor/3100000001"
)

// The account's templates, with the field names of notify's table.
var (
	templates = map[notify.Kind]string{
		notify.Receipt:     "tplReceipt-0000000000000000000000000000001",
		notify.Reminder:    "tplReminder-000000000000000000000000000004",
		notify.Cuijiao:     "tplCuijiao-0000000000000000000000000000005",
		notify.NoticeFinal: "tplNoticeFinal-00000000000000000000000000007",
	}
	registered = map[string][]string{
		templates[notify.Receipt]:     {"first", "keyword1", "keyword2", "keyword3", "remark"},
		templates[notify.Reminder]:    {"first", "keyword1", "keyword2", "keyword3", "remark"},
		templates[notify.Cuijiao]:     {"first", "keyword1", "keyword2", "remark"},
		templates[notify.NoticeFinal]: {"first", "keyword1", "keyword2", "keyword3", "remark"},
	}
)

// clock is a time that tests move by hand; the channel and the simulator share it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// account starts the simulator behind an HTTP server, with the templates registered and follower
// following.
func account(t *testing.T, c *clock) (*sandbox.OA, string) {
	t.Helper()
	sim := sandbox.New(appID, secret, c.now)
	sim.Templates(registered)
	sim.Follow(follower)
	srv := httptest.NewServer(sim)
	t.Cleanup(func() { sim.Close(); srv.Close() })
	return sim, srv.URL
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)} }

func channel(t *testing.T, base string, c *clock, change func(*wechatoa.Config)) *wechatoa.OA {
	t.Helper()
	cfg := wechatoa.Config{AppID: appID, Secret: secret, BaseURL: base, Templates: templates, Timeout: 2 * time.Second, Now: c.now}
	if change != nil {
		change(&cfg)
	}
	o, err := wechatoa.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func reminder(openID string) notify.Message {
	return notify.Message{Kind: notify.Reminder, To: notify.To{Phone: "13800138000", OpenID: openID}, Params: notify.Params{
		notify.ParamAccount: "310*****01", notify.ParamAmount: "175.00", notify.ParamDueDate: "2026-11-15", notify.ParamLink: payLink}}
}

func TestSendReachesTheAccount(t *testing.T) {
	for _, tc := range []struct {
		name     string
		m        notify.Message
		template string
		url      string
		fields   map[string]string
	}{
		{"reminder, the pay link as its url", reminder(follower), templates[notify.Reminder], payLink,
			map[string]string{"first": "您好，您的电费已逾期未缴。", "keyword1": "310*****01", "keyword2": "175.00元", "keyword3": "2026-11-15",
				"remark": "请及时缴纳，逾期将按《供电营业规则》收取电费违约金。点此即可缴费。"}},
		{"final notice", notify.Message{Kind: notify.NoticeFinal, To: notify.To{OpenID: follower}, Params: notify.Params{
			notify.ParamAccount: "310*****01", notify.ParamAmount: "178.15", notify.ParamCutoffDate: "2026-12-24",
			notify.ParamCutoffTime: "10:00", notify.ParamLink: payLink}}, templates[notify.NoticeFinal], payLink,
			map[string]string{"keyword1": "310*****01", "keyword2": "178.15元", "keyword3": "2026-12-24 10:00"}},
		{"receipt, no link and so no url", notify.Message{Kind: notify.Receipt, To: notify.To{OpenID: follower}, Params: notify.Params{
			notify.ParamAccount: "3100000001", notify.ParamAmount: "100.00", notify.ParamReceiptNo: "SF202611260001"}},
			templates[notify.Receipt], "", map[string]string{"keyword1": "3100000001", "keyword2": "100.00元", "keyword3": "SF202611260001"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			sim, base := account(t, c)
			id, err := channel(t, base, c, nil).Send(context.Background(), tc.m)
			if err != nil {
				t.Fatalf("Send = %v", err)
			}
			got := sim.Received()
			if len(got) != 1 {
				t.Fatalf("the account received %+v, want one message", got)
			}
			if want := strconv.FormatInt(got[0].MsgID, 10); id != want || got[0].MsgID <= 1<<53 {
				t.Errorf("Send's id = %q, want the msgid %s exactly", id, want)
			}
			if got[0].OpenID != follower || got[0].TemplateID != tc.template || got[0].URL != tc.url {
				t.Errorf("the account received %+v, want to %s as %s with url %q", got[0], follower, tc.template, tc.url)
			}
			for name, want := range tc.fields {
				if got[0].Fields[name] != want {
					t.Errorf("field %s = %q, want %q", name, got[0].Fields[name], want)
				}
			}
		})
	}
}

// TestTokenIsKept checks that one token serves every message until a margin before its expiry, by
// the injected clock, and that many senders at once fetch one token.
func TestTokenIsKept(t *testing.T) {
	c := newClock()
	sim, base := account(t, c)
	o := channel(t, base, c, nil)
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := o.Send(ctx, reminder(follower)); err != nil {
				t.Errorf("Send = %v", err)
			}
		})
	}
	wg.Wait()
	if all, _ := sim.TokenRequests(); all != 1 || len(sim.Received()) != 20 {
		t.Fatalf("%d token requests for %d messages, want 1 for 20", all, len(sim.Received()))
	}
	c.add(sandbox.TokenTTL - 6*time.Minute) // still more than the margin left
	if _, err := o.Send(ctx, reminder(follower)); err != nil {
		t.Fatal(err)
	}
	if all, _ := sim.TokenRequests(); all != 1 {
		t.Errorf("%d token requests an hour and 54 minutes in, want the first token still", all)
	}
	c.add(2 * time.Minute) // 4 minutes left: within the margin, so a new one
	if _, err := o.Send(ctx, reminder(follower)); err != nil {
		t.Fatal(err)
	}
	if all, forced := sim.TokenRequests(); all != 2 || forced != 0 {
		t.Errorf("%d token requests (%d forced) near the expiry, want a second one, not forced", all, forced)
	}
}

func TestRefusedTokenIsFetchedAgainOnce(t *testing.T) {
	for _, tc := range []struct {
		name    string
		refuse  func(sim *sandbox.OA, base string)
		sent    bool
		code    string
		sends   int
		tokens  int
		refresh int
	}{
		{"expired early at the account", func(sim *sandbox.OA, _ string) { sim.ExpireToken() }, true, "", 2, 2, 1},
		{"replaced by another process's refresh", func(_ *sandbox.OA, base string) { forceRefresh(t, base) }, true, "", 2, 2, 1},
		{"invalid twice", func(sim *sandbox.OA, _ string) {
			sim.Then(sandbox.Answer{ErrCode: 40001}, sandbox.Answer{ErrCode: 40001})
		},
			false, "40001", 2, 2, 1},
		{"expired twice", func(sim *sandbox.OA, _ string) {
			sim.Then(sandbox.Answer{ErrCode: 42001}, sandbox.Answer{ErrCode: 42001})
		},
			false, "42001", 2, 2, 1},
		{"not a token, then fine", func(sim *sandbox.OA, _ string) { sim.Then(sandbox.Answer{ErrCode: 40014}) }, true, "", 2, 2, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			sim, base := account(t, c)
			o := channel(t, base, c, nil)
			if _, err := o.Send(context.Background(), reminder(follower)); err != nil {
				t.Fatal(err)
			}
			tc.refuse(sim, base)
			sendsBefore := sim.Sends()
			tokensBefore, forcedBefore := sim.TokenRequests()
			_, err := o.Send(context.Background(), reminder(follower))
			switch {
			case tc.sent && err != nil:
				t.Errorf("Send = %v, want sent with a fresh token", err)
			case !tc.sent && (notify.FailureCode(err) != tc.code || notify.Permanent(err)):
				t.Errorf("Send = %v, want a transient %s", err, tc.code)
			}
			// Once refused, once fetched again by force, once sent again: never a loop.
			all, forced := sim.TokenRequests()
			if n := sim.Sends() - sendsBefore; n != 2 || all-tokensBefore != 1 || forced-forcedBefore != 1 {
				t.Errorf("%d sends and %d token requests (%d forced) after the refusal; want 2 and 1 (forced)",
					n, all-tokensBefore, forced-forcedBefore)
			}
			want := 1 // the first message
			if tc.sent {
				want++
			}
			if got := len(sim.Received()); got != want {
				t.Errorf("%d messages received, want %d", got, want)
			}
		})
	}
}

// forceRefresh asks the account for a new token, as another process with the same app would.
func forceRefresh(t *testing.T, base string) {
	t.Helper()
	body := `{"grant_type":"client_credential","appid":"` + appID + `","secret":"` + secret + `","force_refresh":true}`
	resp, err := http.Post(base+"/cgi-bin/stable_token", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

func TestSendFailures(t *testing.T) {
	for _, tc := range []struct {
		name      string
		setup     func(sim *sandbox.OA)
		m         notify.Message
		change    func(*wechatoa.Config)
		code      string
		permanent bool
	}{
		{"system busy", func(s *sandbox.OA) { s.Then(sandbox.Answer{ErrCode: -1}) }, reminder(follower), nil, "-1", false},
		{"rate limit", func(s *sandbox.OA) { s.Then(sandbox.Answer{ErrCode: 45009}) }, reminder(follower), nil, "45009", false},
		{"HTTP 503", func(s *sandbox.OA) { s.Then(sandbox.Answer{Status: http.StatusServiceUnavailable}) }, reminder(follower), nil, "http_503", false},
		{"HTTP 502 for the token", func(s *sandbox.OA) { s.ThenToken(sandbox.Answer{Status: http.StatusBadGateway}) }, reminder(follower), nil,
			"http_502", false},
		{"token endpoint busy", func(s *sandbox.OA) { s.ThenToken(sandbox.Answer{ErrCode: -1}) }, reminder(follower), nil, "-1", false},
		{"account hangs", func(s *sandbox.OA) { s.Then(sandbox.Answer{Hang: true}) }, reminder(follower),
			func(c *wechatoa.Config) { c.Timeout = 300 * time.Millisecond }, "network", false},
		{"token endpoint hangs", func(s *sandbox.OA) { s.ThenToken(sandbox.Answer{Hang: true}) }, reminder(follower),
			func(c *wechatoa.Config) { c.Timeout = 300 * time.Millisecond }, "network", false},
		{"customer unfollowed", func(s *sandbox.OA) { s.Unfollow(follower) }, reminder(follower), nil, "43004", true},
		{"OpenID unknown to the account", nil, reminder("oUpF8uN0tAF0ll0wer00000000000"), nil, "40003", true},
		{"customer refuses the account's messages", func(s *sandbox.OA) { s.Then(sandbox.Answer{ErrCode: 43101}) }, reminder(follower), nil,
			"43101", true},
		{"template id unknown to the account", nil, reminder(follower),
			func(c *wechatoa.Config) { c.Templates = map[notify.Kind]string{notify.Reminder: "tplNotRegistered"} }, "40037", true},
		{"template's fields not the table's", func(s *sandbox.OA) {
			s.Templates(map[string][]string{templates[notify.Reminder]: {"character_string1", "amount2", "time3"}})
		}, reminder(follower), nil, "47003", true},
		{"wrong app id", nil, reminder(follower), func(c *wechatoa.Config) { c.AppID = "wx0000000000000000" }, "40013", true},
		{"wrong secret", nil, reminder(follower), func(c *wechatoa.Config) { c.Secret = "0000000000000000000000000000beef" }, "40125", true},
		{"server not on the IP allowlist", func(s *sandbox.OA) { s.ThenToken(sandbox.Answer{ErrCode: 40164}) }, reminder(follower), nil,
			"40164", true},
		{"base URL that is not the API", nil, reminder(follower), func(c *wechatoa.Config) { c.BaseURL += "/wrong" }, "http_404", true},
		{"redirect elsewhere, not followed", nil, reminder(follower), func(c *wechatoa.Config) {
			elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "https://evil.example/collect", http.StatusFound)
			}))
			t.Cleanup(elsewhere.Close)
			c.BaseURL = elsewhere.URL
		}, "http_302", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			sim, base := account(t, c)
			if tc.setup != nil {
				tc.setup(sim)
			}
			id, err := channel(t, base, c, func(cfg *wechatoa.Config) {
				cfg.BaseURL = base
				if tc.change != nil {
					tc.change(cfg)
				}
			}).Send(context.Background(), tc.m)
			if notify.FailureCode(err) != tc.code || notify.Permanent(err) != tc.permanent || id != "" {
				t.Errorf("Send = %q, %v (permanent %v); want %s, permanent %v", id, err, notify.Permanent(err), tc.code, tc.permanent)
			}
			if f, ok := errors.AsType[*notify.Failure](err); !ok || f.Channel != "wechat" {
				t.Errorf("Send = %#v, want a notify.Failure of the wechat channel", err)
			}
			if got := sim.Received(); len(got) != 0 {
				t.Errorf("the account received %+v", got)
			}
			if err != nil && (strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "access_token=")) {
				t.Errorf("the error %q shows the secret or the token", err)
			}
		})
	}
	t.Run("account unreachable", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		base := srv.URL
		srv.Close()
		_, err := channel(t, base, newClock(), nil).Send(context.Background(), reminder(follower))
		if notify.FailureCode(err) != "network" || notify.Permanent(err) {
			t.Errorf("Send = %v, want a transient network failure", err)
		}
	})
}

// TestSendHonoursTheContext checks that a caller's deadline and cancellation stop a send at once,
// whatever the client's own timeout, and that the token in the URL stays out of the error.
func TestSendHonoursTheContext(t *testing.T) {
	c := newClock()
	sim, base := account(t, c)
	o := channel(t, base, c, func(cfg *wechatoa.Config) { cfg.Timeout = time.Minute })
	if _, err := o.Send(context.Background(), reminder(follower)); err != nil { // a token in hand
		t.Fatal(err)
	}
	sim.Then(sandbox.Answer{Hang: true})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := o.Send(ctx, reminder(follower))
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Send took %v after its context's deadline", took)
	}
	if !errors.Is(err, context.DeadlineExceeded) || notify.Permanent(err) || strings.Contains(err.Error(), "access_token") {
		t.Errorf("Send = %v, want a transient failure wrapping the deadline, without the token", err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := o.Send(cancelled, reminder(follower)); !errors.Is(err, context.Canceled) {
		t.Errorf("Send with a cancelled context = %v", err)
	}
}

// TestAnswersAreBounded checks the channel against a hostile or broken server: an endless answer
// is cut at 64 KiB, and an answer that is not the API's JSON is a transient failure.
func TestAnswersAreBounded(t *testing.T) {
	for _, tc := range []struct {
		name string
		body func(w http.ResponseWriter)
		code string
	}{
		{"endless answer", func(w http.ResponseWriter) {
			w.Write([]byte(`{"errcode":0,"errmsg":"ok","msgid":1,"pad":"`))
			chunk := []byte(strings.Repeat("x", 1<<10))
			for range 1 << 10 { // 1 MiB
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}, "answer_too_long"},
		{"a proxy's page", func(w http.ResponseWriter) { w.Write([]byte("<html>gateway</html>")) }, "unreadable"},
		{"success without a msgid", func(w http.ResponseWriter) { w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`)) }, "unreadable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			sim := sandbox.New(appID, secret, c.now)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/cgi-bin/stable_token" {
					sim.ServeHTTP(w, r)
					return
				}
				tc.body(w)
			}))
			t.Cleanup(func() { sim.Close(); srv.Close() })
			_, err := channel(t, srv.URL, c, nil).Send(context.Background(), reminder(follower))
			if notify.FailureCode(err) != tc.code || notify.Permanent(err) {
				t.Errorf("Send = %v, want a transient %s", err, tc.code)
			}
		})
	}
}

func TestSendRefusesBeforeAnyRequest(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    notify.Message
		want error
	}{
		{"no OpenID", reminder(""), notify.ErrNoRecipient},
		{"a kind with no WeChat fields (sign-in code)", notify.Message{Kind: notify.OTP, To: notify.To{OpenID: follower},
			Params: notify.Params{notify.ParamCode: "123456", notify.ParamMinutes: "5"}}, notify.ErrNoTemplate},
		{"the department's copy, by SMS only", notify.Message{Kind: notify.NoticeCopy, To: notify.To{OpenID: follower}, Params: notify.Params{
			notify.ParamAccount: "310*****01", notify.ParamAmount: "178.15", notify.ParamCutoffDate: "2026-12-24", notify.ParamLink: payLink}},
			notify.ErrNoTemplate},
		{"a kind with no template id configured", notify.Message{Kind: notify.LowBalance, To: notify.To{OpenID: follower}, Params: notify.Params{
			notify.ParamAccount: "310*****01", notify.ParamAmount: "15.20", notify.ParamThreshold: "20.00", notify.ParamLink: payLink}},
			notify.ErrNoTemplate},
		{"invalid message", notify.Message{Kind: notify.Reminder, To: notify.To{OpenID: follower}, Params: notify.Params{
			notify.ParamAccount: "310*****01", notify.ParamAmount: "175.00", notify.ParamDueDate: "2026-11-15",
			notify.ParamLink: "javascript:alert(1)"}}, billing.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			sim, base := account(t, c)
			_, err := channel(t, base, c, nil).Send(context.Background(), tc.m)
			if !errors.Is(err, tc.want) || !notify.Permanent(err) {
				t.Errorf("Send = %v, want %v", err, tc.want)
			}
			if all, _ := sim.TokenRequests(); all != 0 || sim.Sends() != 0 {
				t.Errorf("%d token requests and %d sends reached the account", all, sim.Sends())
			}
		})
	}
}

func TestNewRefusesABadConfiguration(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*wechatoa.Config)
	}{
		{"no app id", func(c *wechatoa.Config) { c.AppID = "" }},
		{"no secret", func(c *wechatoa.Config) { c.Secret = "" }},
		{"base URL not a URL", func(c *wechatoa.Config) { c.BaseURL = "api.weixin.qq.com" }},
		{"base URL with a query", func(c *wechatoa.Config) { c.BaseURL = "https://api.weixin.qq.com/?access_token=x" }},
		{"base URL with a user name", func(c *wechatoa.Config) { c.BaseURL = "https://me@api.weixin.qq.com" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := wechatoa.Config{AppID: appID, Secret: secret, Templates: templates}
			tc.change(&cfg)
			o, err := wechatoa.New(cfg)
			if err == nil {
				t.Fatal("New accepted it")
			}
			if o != nil || strings.Contains(err.Error(), secret) {
				t.Errorf("New = %v, %v", o, err)
			}
		})
	}
	if o, err := wechatoa.New(wechatoa.Config{AppID: appID, Secret: secret}); err != nil || o.Name() != "wechat" {
		t.Errorf("New with defaults = %v, %v", o, err)
	}
}

// TestSandboxRefusesHostileRequests speaks to the simulator directly: it must refuse what the real
// API refuses, so that the channel's tests mean something.
func TestSandboxRefusesHostileRequests(t *testing.T) {
	c := newClock()
	sim, base := account(t, c)
	post := func(path, body string) (code int) {
		t.Helper()
		resp, err := http.Post(base+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var a struct {
			ErrCode int `json:"errcode"`
		}
		json.NewDecoder(resp.Body).Decode(&a)
		return a.ErrCode
	}
	tokenBody := `{"grant_type":"client_credential","appid":"` + appID + `","secret":"` + secret + `","force_refresh":false}`
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	resp, err := http.Post(base+"/cgi-bin/stable_token", "application/json", strings.NewReader(tokenBody))
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if tok.AccessToken == "" || tok.ExpiresIn != 7200 {
		t.Fatalf("token answer = %+v", tok)
	}
	send := "/cgi-bin/message/template/send?access_token=" + tok.AccessToken
	good := `{"touser":"` + follower + `","template_id":"` + templates[notify.Cuijiao] +
		`","url":"` + payLink + `","data":{"first":{"value":"a"},"keyword1":{"value":"b"},"keyword2":{"value":"c"},"remark":{"value":"d"}}}`
	for _, tc := range []struct {
		name, path, body string
		code             int
	}{
		{"body over the limit", send, `{"touser":"` + strings.Repeat("o", sandbox.MaxBody) + `"}`, 45002},
		{"empty body", send, ``, 44002},
		{"not JSON", send, `touser=x`, 47001},
		{"no token", "/cgi-bin/message/template/send", good, 41001},
		{"a made-up token", "/cgi-bin/message/template/send?access_token=guess", good, 40001},
		{"a field missing", send, strings.Replace(good, `"remark":{"value":"d"}`, `"other":{"value":"d"}`, 1), 47003},
		{"a field empty", send, strings.Replace(good, `"remark":{"value":"d"}`, `"remark":{"value":""}`, 1), 47003},
		{"a javascript: url", send, strings.Replace(good, payLink, "javascript:alert(1)", 1), 47003},
		{"wrong grant type", "/cgi-bin/stable_token", strings.Replace(tokenBody, "client_credential", "password", 1), 40002},
		{"the accepted message", send, good, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := post(tc.path, tc.body); got != tc.code {
				t.Errorf("errcode = %d, want %d", got, tc.code)
			}
		})
	}
	if got := sim.Received(); len(got) != 1 || got[0].URL != payLink || got[0].Fields["keyword2"] != "c" {
		t.Errorf("the simulator kept %+v, want only the accepted message", got)
	}
	req, _ := http.NewRequest(http.MethodGet, base+send, nil)
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else {
		var a struct {
			ErrCode int `json:"errcode"`
		}
		json.NewDecoder(resp.Body).Decode(&a)
		resp.Body.Close()
		if a.ErrCode != 43002 {
			t.Errorf("GET errcode = %d, want 43002 (POST required)", a.ErrCode)
		}
	}
	c.add(sandbox.TokenTTL)
	if got := post(send, good); got != 42001 {
		t.Errorf("errcode after two hours = %d, want 42001 (expired)", got)
	}
}
