package portal_test

// The portal's test harness: a site on loopback with real Redis and SQLite behind it, and the
// HTTP helpers the tests of every page and API share.

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"gridpay/internal/billing"
	"gridpay/internal/demo"
	"gridpay/internal/redistest"
	"gridpay/internal/store"
	"gridpay/internal/web"
	"gridpay/notify"
	"gridpay/notify/wechatoa"
	oasandbox "gridpay/notify/wechatoa/sandbox"
	"gridpay/payments/sandbox"
	"gridpay/portal"
	"gridpay/portal/auth"
	"gridpay/static"
)

// site is a portal on loopback with the real Redis behind it.
type site struct {
	url    string
	rdb    *redis.Client
	auth   *auth.Auth
	inbox  *notify.DevInbox
	portal *store.Portal
	pdb    *store.DB   // the portal database under portal
	core   *store.Core // the seeded core database, for tests that write what workers would
	h      *portal.Handler
	wechat *sandbox.WeChat // the WeChat Pay simulator of a paying site (payingSite)
	oa     *oasandbox.OA   // the official account's simulator, whose web authorization a paying site uses
}

// seededToday is the demo county's today in the portal tests; the clock says 16:00 in Beijing.
var seededToday = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

// newSite starts a portal on loopback: real Redis, and real SQLite core and portal databases,
// the core one holding a small demo county seeded as of seededToday; the bureau's clock is Beijing's.
func newSite(t *testing.T, dev bool) *site {
	t.Helper()
	return startSite(t, siteOptions{dev: dev, loc: time.FixedZone("CST", 8*3600)})
}

// siteOptions are what tests vary between sites.
type siteOptions struct {
	dev bool           // the dev inbox is served
	loc *time.Location // the bureau's time zone
	pay bool           // WeChat payments through a sandbox (payingSite)
	// secure sets cookies as production does: Secure, under __Host- names (which a cookie jar does
	// not send over this plain-HTTP test server: tests carry them by hand).
	secure bool
}

// startSite starts a portal on loopback as newSite does, with the given options.
func startSite(t *testing.T, o siteOptions) *site {
	t.Helper()
	opts, err := redis.ParseURL(redistest.URL(t, redistest.DBPortal))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	now := func() time.Time { return time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC) }
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	assets, err := web.NewAssets(static.FS)
	if err != nil {
		t.Fatal(err)
	}
	// The server listens before the portal is built, which needs its public address.
	srv := httptest.NewUnstartedServer(nil)
	t.Cleanup(srv.Close)
	s := &site{rdb: rdb, inbox: notify.NewDevInbox(rdb, "云溪县供电公司", now), url: "http://" + srv.Listener.Addr().String()}
	s.auth = auth.New(rdb, s.inbox, now)
	core, pdb := seededDBs(t)
	s.portal, s.pdb = store.NewPortal(pdb, now), pdb
	rates := billing.DefaultLateFeeRates()
	s.core = store.NewCore(core, rates, now)
	svc := portal.NewService(s.core, s.portal, s.portal, rates, now, o.loc)
	deps := portal.Deps{Log: log, Assets: assets, Auth: s.auth, Service: svc, Redis: rdb, Orders: s.portal, Now: now, Location: o.loc,
		Info: portal.Info{Bureau: "云溪县供电公司", Dev: o.dev}, SecureCookies: o.secure, PublicURL: s.url}
	if o.dev {
		deps.Inbox = s.inbox
	}
	if o.pay {
		deps.Payments, s.wechat = newPayments(t, s.portal, store.NewCore(core, rates, now), now, o.loc, s.url)
		deps.WebAuth, s.oa = newWebAuth(t)
	}
	h, err := portal.New(deps)
	if err != nil {
		t.Fatal(err)
	}
	s.h = h
	e := web.NewEngine(log, prometheus.NewRegistry())
	e.GET("/static/:hash/*path", assets.Serve)
	h.Routes(e)
	srv.Config.Handler = e
	srv.Start()
	return s
}

// newWebAuth is the official account's web authorization: the real client, talking to the
// account's simulator on loopback.
func newWebAuth(t *testing.T) (*wechatoa.OA, *oasandbox.OA) {
	t.Helper()
	sim := oasandbox.New("wxd930ea5d5a258f4f", "oa-secret-of-the-test", nil)
	srv := httptest.NewServer(sim)
	t.Cleanup(func() { sim.Close(); srv.Close() })
	oa, err := wechatoa.New(wechatoa.Config{AppID: "wxd930ea5d5a258f4f", Secret: "oa-secret-of-the-test", BaseURL: srv.URL, AuthorizeURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return oa, sim
}

// seededDBs opens fresh SQLite core and portal databases, the core one seeded with 30 customers and
// 24 months of history.
func seededDBs(t *testing.T) (core, pdb *store.DB) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	open := func(name string, schema store.Schema) *store.DB {
		db, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.MigrateSchema(ctx, schema); err != nil {
			t.Fatal(err)
		}
		return db
	}
	seedDB := open("core.db", store.CoreSchema)
	if _, err := demo.Seed(ctx, seedDB, demo.Options{Seed: 1, Customers: 30, Months: 24, Today: seededToday}); err != nil {
		t.Fatal(err)
	}
	seedDB.Close()
	core, pdb = open("core.db", store.CoreSchema), open("portal.db", store.PortalSchema)
	t.Cleanup(func() { core.Close(); pdb.Close() })
	return core, pdb
}

// client is a browser-like client with a cookie jar.
func client(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (r reply) errorCode() string {
	e, _ := r.body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func (r reply) errorMessage() string {
	e, _ := r.body["error"].(map[string]any)
	s, _ := e["message"].(string)
	return s
}

func post(t *testing.T, c *http.Client, url, body string, headers ...string) reply {
	t.Helper()
	return postBody(t, c, url, "application/json", strings.NewReader(body), headers...)
}

// postBody POSTs body as contentType with headers (name, value pairs, which may replace the
// content type) and reads the answer, JSON or not.
func postBody(t *testing.T, c *http.Client, url, contentType string, body io.Reader, headers ...string) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	json.Unmarshal(b, &r.body)
	return r
}

var codeRe = regexp.MustCompile(`验证码为?(\d{6})`)

// lastCode reads the newest sign-in code sent to phone from the dev inbox, as a person would.
func (s *site) lastCode(t *testing.T, phone string) string {
	t.Helper()
	msgs, err := s.inbox.Recent(context.Background(), phone, 1)
	if err != nil || len(msgs) == 0 {
		t.Fatalf("no message to %s in the dev inbox (%v)", phone, err)
	}
	m := codeRe.FindStringSubmatch(msgs[0].Text)
	if m == nil {
		t.Fatalf("no code in %q", msgs[0].Text)
	}
	return m[1]
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// signIn signs phone in through the API and returns the client holding its session.
func (s *site) signIn(t *testing.T, phone string) *http.Client {
	t.Helper()
	c := client(t)
	if r := post(t, c, s.url+"/api/v1/otp", `{"phone":"`+phone+`"}`); r.status != http.StatusAccepted {
		t.Fatalf("otp for %s = %d %s", phone, r.status, r.raw)
	}
	if r := post(t, c, s.url+"/api/v1/login", `{"phone":"`+phone+`","code":"`+s.lastCode(t, phone)+`"}`); r.status != http.StatusOK {
		t.Fatalf("login %s = %d %s", phone, r.status, r.raw)
	}
	return c
}

func getJSON(t *testing.T, c *http.Client, url string, headers ...string) (int, map[string]any, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var body map[string]any
	json.Unmarshal(b, &body)
	return resp.StatusCode, body, string(b)
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func getPage(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func postForm(t *testing.T, c *http.Client, u string, form url.Values) (int, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func del(t *testing.T, c *http.Client, u string, headers ...string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, u, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// getPageInLang gets a page with the given Accept-Language.
func getPageInLang(t *testing.T, c *http.Client, u, acceptLanguage string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Language", acceptLanguage)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// noRedirects makes c report redirects instead of following them.
func noRedirects(c *http.Client) *http.Client {
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

// getRaw fetches u and returns the status, headers and body as they came.
func getRaw(t *testing.T, c *http.Client, u string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// formToken reads the session's CSRF token from a page's forms.
func formToken(t *testing.T, c *http.Client, s *site, path string) string {
	t.Helper()
	status, body := getPage(t, c, s.url+path)
	m := csrfRe.FindStringSubmatch(body)
	if status != 200 || m == nil {
		t.Fatalf("GET %s = %d, no CSRF token", path, status)
	}
	return m[1]
}
