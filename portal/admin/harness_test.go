package admin_test

// The staff pages' test harness: a site on loopback with real Redis and a real SQLite portal
// database behind it, a staff account of every role, and a browser-like client that signs in as a
// person would: password, then the code of an authenticator app.

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/pquerna/otp/totp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"gridpay/internal/billing"
	"gridpay/internal/demo"
	"gridpay/internal/redistest"
	"gridpay/internal/staff"
	"gridpay/internal/store"
	"gridpay/internal/web"
	"gridpay/notify"
	"gridpay/payments"
	"gridpay/payments/sandbox"
	"gridpay/payments/wechat"
	"gridpay/portal/admin"
	"gridpay/static"
	"gridpay/worker"
)

// clock is the site's clock, which tests move on (TOTP codes are good for 30 seconds, once).
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

// member is a staff account of the harness with what its owner knows.
type member struct {
	store.Staff
	password string
	secret   string // TOTP secret; "" when not enrolled
}

// site is the staff pages on loopback.
type site struct {
	url     string
	rdb     *redis.Client
	portal  *store.Portal
	core    *store.Core // the seeded demo county
	inbox   *notify.DevInbox
	queue   *asynq.Client     // where the pages queue adjustments; tests run the worker's handler on them
	pay     *payments.Service // WeChat payments through the sandbox, which refunds
	wechat  *sandbox.WeChat
	clock   *clock
	handler *admin.Handler
	staff   map[staff.Role]member // one enrolled, signed-up member per role
	// reminders is the arrears run over the seeded county, whose dry run the preview page shows.
	reminders *worker.Reminders
}

// seededToday is the demo county's today in these tests.
var seededToday = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

const (
	testPassword = "correct horse battery staple"
	bureau       = "云溪县供电公司"
)

// Well-known TOTP secrets of the harness's members, by role.
var secrets = map[staff.Role]string{staff.Supervisor: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
	staff.Finance: "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU", staff.Admin: "MFRGGZDFMZTWQ2LKMFRGGZDFMZTWQ2LK"}

// newSite starts the staff pages with a member of every role: signed up, password changed, second
// factor enrolled where the role needs one.
func newSite(t *testing.T) *site {
	t.Helper()
	ctx := context.Background()
	opts, err := redis.ParseURL(redistest.URL(t, redistest.DBAdmin))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	core, db := seededDBs(t)
	clk := &clock{t: time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)}
	s := &site{rdb: rdb, portal: store.NewPortal(db, clk.now), clock: clk, staff: map[staff.Role]member{},
		inbox: notify.NewDevInbox(rdb, bureau, clk.now)}
	s.core = store.NewCore(core, billing.DefaultLateFeeRates(), clk.now)
	s.queue = asynq.NewClient(asynq.RedisClientOpt{Addr: opts.Addr, DB: opts.DB})
	t.Cleanup(func() { s.queue.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	assets, err := web.NewAssets(static.FS)
	if err != nil {
		t.Fatal(err)
	}
	queues := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "queues console") })
	s.pay, s.wechat = newPayments(t, s.portal, s.core, clk.now)
	disputes := &admin.Disputes{Portal: s.portal, Core: s.core, Text: s.inbox, Adjustments: worker.NewEnqueuer(s.queue),
		Refunds: refunder{s.pay, s.core},
		SLA:     billing.DefaultDisputeSLA(), AgentLimit: 20_00, PublicURL: "http://gridpay.test", Now: clk.now, Log: log}
	cst := time.FixedZone("CST", 8*3600)
	s.reminders = &worker.Reminders{Core: s.core, Portal: s.portal, Policy: billing.DefaultReminderPolicy(cst),
		Enqueuer: worker.NewEnqueuer(s.queue), Now: clk.now, Log: log}
	reminders := &admin.Reminders{Portal: s.portal, Accounts: s.core, Planner: s.reminders, RunAt: 8*time.Hour + 30*time.Minute,
		Location: cst, Now: clk.now, Log: log}
	s.handler, err = admin.New(admin.Deps{Log: log, Assets: assets, Redis: rdb, Portal: s.portal, Now: clk.now,
		Location: cst, Bureau: bureau, Queues: queues, Disputes: disputes, Reminders: reminders,
		Payments: &admin.Payments{Portal: s.portal, Accounts: s.core, Posting: worker.NewEnqueuer(s.queue), Text: s.inbox, Log: log}})
	if err != nil {
		t.Fatal(err)
	}
	hash, err := staff.HashPassword(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range staff.Roles() {
		m := member{password: testPassword, secret: secrets[r]}
		m.Staff, err = s.portal.CreateStaff(ctx, store.NewStaff{Username: "demo." + string(r), DisplayName: "演示" + string(r), Role: r,
			PasswordHash: hash}, store.Audit{Action: "staff.create", ClientAddr: "cli"})
		if err != nil {
			t.Fatal(err)
		}
		if m.secret != "" {
			if m.Staff, err = s.portal.SetStaffTOTP(ctx, m.ID, m.secret, store.Audit{ClientAddr: "cli"}); err != nil {
				t.Fatal(err)
			}
		}
		s.staff[r] = m
	}
	e := web.NewEngine(log, prometheus.NewRegistry())
	e.GET("/static/:hash/*path", assets.Serve)
	s.handler.Routes(e)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// seededDBs opens fresh SQLite core and portal databases, the core one seeded with a small demo
// county of 12 customers and 14 months of history.
func seededDBs(t *testing.T) (core, portal *store.DB) {
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
	seed := open("core.db", store.CoreSchema)
	if _, err := demo.Seed(ctx, seed, demo.Options{Seed: 1, Customers: 12, Months: 14, Today: seededToday}); err != nil {
		t.Fatal(err)
	}
	seed.Close()
	core, portal = open("core.db", store.CoreSchema), open("portal.db", store.PortalSchema)
	t.Cleanup(func() { core.Close(); portal.Close() })
	return core, portal
}

// newPayments is a payment service whose WeChat Pay is the sandbox's, wire protocol and all.
func newPayments(t *testing.T, orders *store.Portal, core *store.Core, now func() time.Time) (*payments.Service, *sandbox.WeChat) {
	t.Helper()
	keys, err := sandbox.NewWeChatKeys()
	if err != nil {
		t.Fatal(err)
	}
	sim := sandbox.NewWeChat(keys, sandbox.WeChatClock(now))
	t.Cleanup(sim.Close)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	wx, err := wechat.New(wechat.Config{MchID: keys.MchID, AppID: keys.AppID, MerchantPrivateKeyPEM: keys.MerchantKeyPEM,
		MerchantCertSerial: keys.MerchantCertSerial, APIv3Key: keys.APIv3Key, PlatformCertsPEM: []string{keys.PlatformCertPEM},
		PublicKeyPEM: keys.PayPublicKeyPEM, PublicKeyID: keys.PayPublicKeyID, BaseURL: srv.URL, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return &payments.Service{Providers: map[string]payments.Provider{payments.WeChat: wx}, Orders: orders, Core: core,
		NotifyURL: func(string) string { return "https://pay.example.cn/callbacks/wechat" }, Bureau: bureau,
		Now: now, Loc: time.FixedZone("CST", 8*3600), Log: discardLog()}, sim
}

// refunder is the staff pages' refunder as internal/app wires it.
type refunder struct {
	pay  *payments.Service
	core *store.Core
}

func (r refunder) Refund(ctx context.Context, outTradeNo, reason string) (store.Order, error) {
	return r.pay.Refund(ctx, outTradeNo, reason, r.core)
}

// postedOrder is a payment of amount for accountNo, paid at the WeChat sandbox and posted to the
// core database, as the callback and the worker leave it.
func (s *site) postedOrder(t *testing.T, accountNo string, amount billing.Money) store.Order {
	t.Helper()
	ctx := context.Background()
	o, err := s.pay.CreateOrder(ctx, accountNo, payments.Payer{Phone: demo.DemoResidentialPhone}, payments.WeChat, amount)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.wechat.Pay(o.OutTradeNo, sandbox.WeChatNoCallback()); err != nil {
		t.Fatal(err)
	}
	q, err := s.pay.Providers[payments.WeChat].Query(ctx, o.OutTradeNo)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.portal.MarkPaid(ctx, o.OutTradeNo, q.ProviderTxnID, q.Amount, q.PaidAt); err != nil {
		t.Fatal(err)
	}
	rc, err := s.core.PostPayment(ctx, store.Payment{AccountNo: accountNo, Channel: o.Channel, OrderNo: o.OutTradeNo, Amount: amount,
		PaidOn: billing.DateOf(s.clock.now())})
	if err != nil {
		t.Fatal(err)
	}
	o, err = s.portal.MoveOrder(ctx, o.ID, billing.OrderPaid, billing.OrderPosted, "posted", func(u *store.OrderUpdate) { u.PostedReceiptNo = rc.No })
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// browser is a client with a cookie jar that does not follow redirects, so tests see where each
// answer sends it.
type browser struct {
	t    *testing.T
	s    *site
	http *http.Client
}

func (s *site) browser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, s: s, http: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// answer is a response as the tests read it.
type answer struct {
	status   int
	location string
	body     string
}

func (b *browser) do(method, path string, form url.Values, headers ...string) answer {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.s.url+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(raw)}
}

func (b *browser) get(path string) answer { b.t.Helper(); return b.do(http.MethodGet, path, nil) }

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the CSRF token of the form on the page at path.
func (b *browser) csrf(path string) string {
	b.t.Helper()
	a := b.get(path)
	m := csrfRe.FindStringSubmatch(a.body)
	if m == nil {
		b.t.Fatalf("GET %s (%d): no CSRF token on the page", path, a.status)
	}
	return m[1]
}

// post sends a form from the page at from (whose CSRF token it carries) to path.
func (b *browser) post(from, path string, form url.Values) answer {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", b.csrf(from))
	return b.do(http.MethodPost, path, form)
}

// code is the authenticator app's code for secret now.
func (s *site) code(t *testing.T, secret string) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, s.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// signIn signs m in through every step and fails the test if it does not end on the home page.
func (s *site) signIn(t *testing.T, m member) *browser {
	t.Helper()
	b := s.browser(t)
	a := b.post("/admin/login", "/admin/login", url.Values{"username": {m.Username}, "password": {m.password}})
	if a.status != http.StatusSeeOther {
		t.Fatalf("sign in %s: %d %s", m.Username, a.status, a.body)
	}
	if a.location == "/admin/login/totp" {
		s.clock.add(30 * time.Second) // a fresh code: each is good once
		a = b.post("/admin/login/totp", "/admin/login/totp", url.Values{"code": {s.code(t, m.secret)}})
	}
	if a.status != http.StatusSeeOther || a.location != "/admin/" {
		t.Fatalf("sign in %s ends at %d %q, want the home page: %s", m.Username, a.status, a.location, a.body)
	}
	return b
}

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
