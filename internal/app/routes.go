package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"

	"gridpay/internal/billing"
	"gridpay/internal/config"
	"gridpay/internal/corecache"
	"gridpay/internal/demo"
	"gridpay/internal/store"
	"gridpay/internal/web"
	"gridpay/payments"
	"gridpay/payments/bank"
	"gridpay/portal"
	"gridpay/portal/auth"
	"gridpay/static"
)

// newHandler builds the whole HTTP surface (DESIGN.md, "HTTP surface").
// qr are the QR payment providers (WeChat Pay, Alipay): in dev the ones wired to the sandboxes;
// none yet in production, where the Pay buttons are then hidden.
func newHandler(cfg config.Config, log *slog.Logger, dbs databases, rdb *redis.Client, enq payments.Enqueuer, qr map[string]payments.Provider) (http.Handler, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	assets, err := web.NewAssets(static.FS)
	if err != nil {
		return nil, err
	}
	info := portal.Info{Bureau: demo.County + "供电公司", Env: cfg.Env, Dev: !cfg.Production()}
	if !cfg.Production() {
		info.DemoAccounts = []portal.DemoAccount{
			{No: demo.DemoResidentialNo, Kind: "居民生活 residential", Phone: demo.DemoResidentialPhone},
			{No: demo.DemoCommercialNo, Kind: "一般工商业 commercial", Phone: demo.DemoCommercialPhone},
		}
	}
	now := time.Now
	sms, inbox := textChannel(cfg, rdb)
	// Internet traffic reaches the core database only through the cache (DESIGN.md).
	core := corecache.New(store.NewCore(dbs.core, billing.DefaultLateFeeRates(), now), rdb, log)
	reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridpay_core_cache_hits_total",
			Help: "Reads of the core database answered by the cache."}, func() float64 { h, _ := core.Stats(); return float64(h) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridpay_core_cache_misses_total",
			Help: "Reads that went on to the core database."}, func() float64 { _, m := core.Stats(); return float64(m) }),
	)
	orders := store.NewPortal(dbs.portal, now)
	var pay *payments.Service
	if len(qr) > 0 {
		pay = &payments.Service{Providers: qr, Orders: orders, Core: core, Bureau: info.Bureau, Now: now, Loc: cfg.Location, Log: log,
			NotifyURL: func(provider string) string { return cfg.PublicURL + "/callbacks/" + provider }}
	}
	pages, err := portal.New(portal.Deps{
		Payments: pay, Orders: orders, Now: now, PublicURL: cfg.PublicURL,
		Log: log, Assets: assets, Info: info, Inbox: inbox, SecureCookies: cfg.Production(), Location: cfg.Location,
		Auth: auth.New(rdb, sms, info.Bureau, now), Redis: rdb,
		Service: portal.NewService(core, store.NewPortal(dbs.portal, now), billing.DefaultLateFeeRates(), now, cfg.Location),
	})
	if err != nil {
		return nil, err
	}

	e := web.NewEngine(log, reg)
	e.GET("/healthz", web.Healthz)
	e.GET("/readyz", web.Readyz(log,
		web.Check{Name: "core_db", Ping: dbs.core.PingContext},
		web.Check{Name: "portal_db", Ping: dbs.portal.PingContext},
		web.Check{Name: "redis", Ping: func(ctx context.Context) error { return rdb.Ping(ctx).Err() }},
	))
	e.GET("/metrics", gin.WrapH(promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))
	e.GET("/static/:hash/*path", assets.Serve)

	bankProvider, err := bank.New(cfg.BankSecret, now)
	if err != nil {
		return nil, fmt.Errorf("GRIDPAY_BANK_SECRET: %w", err)
	}
	callbackProviders := map[string]payments.Provider{payments.Bank: bankProvider}
	for name, p := range qr {
		callbackProviders[name] = p
	}
	callbacks := &payments.Callbacks{
		Providers: callbackProviders,
		Orders:    orders, Accounts: core, Enqueuer: enq, Log: log, Now: now,
	}
	e.POST("/callbacks/:provider", callbacks.Handle)
	pages.Routes(e)
	return e, nil
}
