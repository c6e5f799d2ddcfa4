package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"gridpay/internal/billing"
	"gridpay/internal/config"
	"gridpay/internal/demo"
	"gridpay/internal/store"
	"gridpay/internal/web"
	"gridpay/payments"
	"gridpay/payments/bank"
	"gridpay/portal"
	"gridpay/portal/admin"
	"gridpay/portal/auth"
	"gridpay/static"
)

// newHandler builds the whole HTTP surface (docs/design.md, "HTTP surface") on the process's services.
func newHandler(cfg config.Config, log *slog.Logger, svc *services) (http.Handler, error) {
	h, _, err := newHandlers(cfg, log, svc)
	return h, err
}

// newPortal builds the customer pages and JSON API on the process's services.
func newPortal(cfg config.Config, log *slog.Logger, svc *services, assets *web.Assets) (*portal.Handler, error) {
	info := portal.Info{Bureau: cfg.Bureau, Env: cfg.Env, Dev: !cfg.Production()}
	if !cfg.Production() {
		info.DemoAccounts = []portal.DemoAccount{
			{No: demo.DemoResidentialNo, Kind: "居民生活 residential", Phone: demo.DemoResidentialPhone},
			{No: demo.DemoCommercialNo, Kind: "一般工商业 commercial", Phone: demo.DemoCommercialPhone},
		}
	}
	now, core, rdb := svc.now, svc.core, svc.rdb
	return portal.New(portal.Deps{
		Payments: svc.payments, WebAuth: svc.webAuth, Orders: svc.orders, Now: now, PublicURL: cfg.PublicURL,
		Log: log, Assets: assets, Info: info, Inbox: svc.inbox, SecureCookies: cfg.Production(), Location: cfg.Location,
		Auth: auth.New(rdb, svc.text, now), Redis: rdb,
		Service: portal.NewService(core, svc.orders, svc.reads, billing.DefaultLateFeeRates(), now, cfg.Location),
	})
}

// newHandlers builds the site's handler and the metrics handler. The site serves /metrics itself
// only in dev with no GRIDPAY_METRICS_ADDR (the dev home page links it); otherwise metrics are for
// the internal listener alone, or, in production without one, for nobody.
func newHandlers(cfg config.Config, log *slog.Logger, svc *services) (site, metrics http.Handler, err error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	assets, err := web.NewAssets(static.FS)
	if err != nil {
		return nil, nil, err
	}
	now, core, rdb, dbs := svc.now, svc.core, svc.rdb, svc.dbs
	reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridpay_core_cache_hits_total",
			Help: "Reads of the core database answered by the cache."}, func() float64 { h, _ := core.Stats(); return float64(h) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridpay_core_cache_misses_total",
			Help: "Reads that went on to the core database."}, func() float64 { _, m := core.Stats(); return float64(m) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridpay_portal_cache_hits_total",
			Help: "Reads of bindings and payments in flight answered by the cache."},
			func() float64 { h, _ := svc.reads.Stats(); return float64(h) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridpay_portal_cache_misses_total",
			Help: "Reads of bindings and payments in flight that went on to the portal database."},
			func() float64 { _, m := svc.reads.Stats(); return float64(m) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridpay_local_cache_hits_total",
			Help: "Cached reads answered from the process's own memory, without Redis."},
			func() float64 { h, _ := svc.local.Stats(); return float64(h) }),
	)
	for _, db := range dbs.named() {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridpay_db_statements_total",
			Help: "SQL statements this process executed, per database.", ConstLabels: prometheus.Labels{"db": db.name}},
			func() float64 { return float64(db.Statements()) }))
	}
	pages, err := newPortal(cfg, log, svc, assets)
	if err != nil {
		return nil, nil, err
	}

	e := web.NewEngine(log, reg)
	if err := web.TrustProxies(e, cfg.TrustedProxies); err != nil {
		return nil, nil, fmt.Errorf("GRIDPAY_TRUSTED_PROXIES: %w", err)
	}
	if cfg.Production() {
		e.Use(web.StrictTransport) // production is served over https only (config checks it)
	}
	// Cookies read anywhere on the site go by the names the portal writes (__Host- in production).
	e.Use(web.Cookies{Secure: cfg.Production()}.Attach)
	metrics = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	e.GET("/healthz", web.Healthz)
	checks := []web.Check{
		{Name: "core_db", Ping: dbs.core.PingContext},
		{Name: "portal_db", Ping: dbs.portal.PingContext},
		{Name: "redis", Ping: func(ctx context.Context) error { return rdb.Ping(ctx).Err() }},
	}
	for _, b := range svc.breakers {
		checks = append(checks, web.Check{Name: "channel_" + b.Channel(), Advisory: true, Ping: func(context.Context) error {
			if !b.Up() {
				return fmt.Errorf("payment channel %s: breaker open", b.Channel())
			}
			return nil
		}})
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gridpay_payment_channel_up",
			Help:        "1 while a payment channel takes orders, 0 while its breaker is open after repeated failures.",
			ConstLabels: prometheus.Labels{"channel": b.Channel()}}, func() float64 {
			if b.Up() {
				return 1
			}
			return 0
		}))
	}
	e.GET("/readyz", web.Readyz(log, checks...))
	if cfg.MetricsAddr == "" && !cfg.Production() {
		e.GET("/metrics", gin.WrapH(metrics))
	}
	e.GET("/static/:hash/*path", assets.Serve)

	bankProvider, err := bank.New(cfg.BankSecret, now)
	if err != nil {
		return nil, nil, fmt.Errorf("GRIDPAY_BANK_SECRET: %w", err)
	}
	callbackProviders := map[string]payments.Provider{payments.Bank: bankProvider}
	for name, p := range svc.qr {
		callbackProviders[name] = p
	}
	callbacks := &payments.Callbacks{
		Providers: callbackProviders,
		Orders:    svc.orders, Accounts: core, Enqueuer: svc.enqueuer, Log: log, Now: now,
	}
	e.POST("/callbacks/:provider", callbacks.Handle)
	pages.Routes(e)
	disputes := &admin.Disputes{Portal: svc.orders, Core: core, Text: svc.text, Adjustments: svc.enqueuer, SLA: cfg.Disputes.SLA,
		AgentLimit: cfg.Disputes.AgentLimit, PublicURL: cfg.PublicURL, Now: now, Log: log}
	if svc.payments != nil {
		disputes.Refunds = refunds{pay: svc.payments, receipts: core}
	}
	planner, _ := newReminders(cfg, log, svc, now)
	reminders := &admin.Reminders{Portal: svc.orders, Planner: planner, RunAt: cfg.Remind.At, Location: cfg.Location, Now: now, Log: log,
		Accounts: reminderAccounts{Core: store.NewCore(dbs.core, billing.DefaultLateFeeRates(), now), cache: core}}
	staffPages, err := admin.New(admin.Deps{Log: log, Assets: assets, Redis: rdb, Portal: svc.orders, Now: now,
		Location: cfg.Location, Bureau: cfg.Bureau, SecureCookies: cfg.Production(), DemoLogins: demoLogins(cfg), Queues: svc.queues,
		Disputes: disputes, Reminders: reminders,
		Payments: &admin.Payments{Portal: svc.orders, Accounts: core, Posting: svc.enqueuer, Text: svc.text, Log: log}})
	if err != nil {
		return nil, nil, err
	}
	staffPages.Routes(e)
	return e, metrics, nil
}

// demoLogins are the demo staff logins the sign-in page lists: in dev only.
func demoLogins(cfg config.Config) []admin.DemoLogin {
	if cfg.Production() {
		return nil
	}
	var out []admin.DemoLogin
	for _, s := range demo.Staff() {
		out = append(out, admin.DemoLogin{Username: s.Username, Password: s.Password, Role: s.Role, TOTPSecret: s.TOTPSecret})
	}
	return out
}

// refunds is the staff pages' refunder: the payment service, reversing receipts in the core
// database through the cache.
type refunds struct {
	pay      *payments.Service
	receipts payments.Receipts
}

// Refund implements admin.Refunder.
func (r refunds) Refund(ctx context.Context, outTradeNo, reason string) (store.Order, error) {
	return r.pay.Refund(ctx, outTradeNo, reason, r.receipts)
}
