package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"

	"gridpay/internal/config"
	"gridpay/internal/demo"
	"gridpay/internal/store"
)

// runServer runs the web tier (and, with all, the workers and the outbox sweeper) until ctx ends,
// then drains in-flight requests within the configured grace period.
func runServer(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer, all bool) error {
	dbs, err := openDatabases(ctx, cfg)
	if err != nil {
		return err
	}
	defer dbs.close()
	if all {
		// The all-in-one process is the embedded mode: it keeps its own schemas current.
		if err := dbs.migrate(ctx, log); err != nil {
			return err
		}
	}
	if err := refuseDemoCounty(ctx, cfg, dbs); err != nil {
		return err
	}
	if all && !cfg.Production() {
		if err := ensureDemoStaff(ctx, store.NewPortal(dbs.portal, time.Now)); err != nil {
			return fmt.Errorf("demo staff: %w", err)
		}
	}
	rdb, redisURL, stopRedis, err := openRedis(cfg, log)
	if err != nil {
		return err
	}
	defer stopRedis()
	var sb *sandboxes
	if !cfg.Production() {
		if sb, err = newSandboxes(cfg.PublicURL, time.Now); err != nil {
			return err
		}
		defer sb.close()
	}
	qr, err := qrProviders(cfg, sb, time.Now)
	if err != nil {
		return err
	}
	svc, err := newServices(cfg, log, dbs, rdb, redisURL, qr)
	if err != nil {
		return err
	}
	defer svc.close()
	svc.webAuth = webAuthFor(cfg, sb, svc)
	handler, metrics, err := newHandlers(cfg, log, svc)
	if err != nil {
		return err
	}
	if sb != nil {
		sb.mount(handler.(*gin.Engine))
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("GRIDPAY_ADDR=%q: cannot listen: %w", cfg.Addr, err)
	}
	stopDebug, err := startDebug(ctx, cfg.DebugAddr, log)
	if err != nil {
		ln.Close()
		return err
	}
	defer stopDebug()
	if all {
		// The worker starts once the site listens: in dev the providers it asks (reconciliation,
		// active query) are the sandboxes on this very listener.
		wctx, stopWorker := context.WithCancel(ctx)
		wait := startWorker(wctx, cfg, log, svc)
		defer func() { stopWorker(); wait() }()
	}
	srv := newHTTPServer(handler, log)
	// served gets one answer per listener: the site's, then the metrics listener's if there is one.
	served := make(chan error, 2)
	go func() { served <- srv.Serve(ln) }()
	var metricsSrv *http.Server
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			srv.Close()
			return fmt.Errorf("GRIDPAY_METRICS_ADDR=%q: cannot listen: %w", cfg.MetricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", metrics)
		metricsSrv = newHTTPServer(mux, log)
		go func() { served <- metricsSrv.Serve(mln) }()
		log.Info("metrics listening", "addr", mln.Addr().String())
	}
	log.Info("listening", "addr", ln.Addr().String(), "env", cfg.Env, "core_db", dbs.core.Dialect(), "portal_db", dbs.portal.Dialect(), "embedded_redis", cfg.EmbeddedRedis())
	printBanner(stdout, cfg)

	select {
	case err := <-served:
		srv.Close()
		if metricsSrv != nil {
			metricsSrv.Close()
		}
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	servers := []*http.Server{srv}
	if metricsSrv != nil {
		servers = append(servers, metricsSrv)
	}
	for _, s := range servers {
		if err := s.Shutdown(sctx); err != nil {
			return fmt.Errorf("shutdown: %w", err)
		}
	}
	for range servers {
		if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("server: %w", err)
		}
	}
	log.Info("stopped")
	return nil
}

// newHTTPServer is an HTTP server with the timeouts and limits every gridpay listener keeps.
func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// refuseDemoCounty stops production on a core database that `gridpay seed` filled with the demo
// county (its mark is the demo_seed counter): made-up customers must never be billed, reminded or
// paid for in earnest.
func refuseDemoCounty(ctx context.Context, cfg config.Config, dbs databases) error {
	if !cfg.Production() {
		return nil
	}
	seeded, err := dbs.core.Seeded(ctx)
	if err != nil {
		return fmt.Errorf("GRIDPAY_CORE_DB: cannot check for the demo seed's mark (is the database migrated? run gridpay migrate): %w", err)
	}
	if seeded {
		return errors.New("GRIDPAY_CORE_DB holds the demo county written by `gridpay seed` (dev data): production refuses it; point GRIDPAY_CORE_DB at the bureau's database")
	}
	return nil
}

// openRedis connects to GRIDPAY_REDIS_URL, or in dev with none starts an in-process Redis.
func openRedis(cfg config.Config, log *slog.Logger) (*redis.Client, string, func(), error) {
	url := cfg.RedisURL
	stop := func() {}
	if cfg.EmbeddedRedis() {
		if cfg.Production() { // config refuses this already; kept as a second lock on the door
			return nil, "", nil, errors.New("GRIDPAY_REDIS_URL is empty: production needs a real Redis")
		}
		mr, err := miniredis.Run()
		if err != nil {
			return nil, "", nil, fmt.Errorf("embedded redis: %w", err)
		}
		url = "redis://" + mr.Addr()
		stop = mr.Close
		log.Warn("using the embedded in-process Redis: it keeps nothing across restarts (dev only)", "addr", mr.Addr())
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		stop()
		return nil, "", nil, fmt.Errorf("GRIDPAY_REDIS_URL: %w", err)
	}
	rdb := redis.NewClient(opts)
	return rdb, url, func() { rdb.Close(); stop() }, nil
}

func printBanner(w io.Writer, cfg config.Config) {
	fmt.Fprintf(w, "\ngridpay is running: %s\n", cfg.PublicURL)
	if !cfg.Production() {
		fmt.Fprintf(w, "  demo accounts: %s (居民 residential, phone %s)\n", demo.DemoResidentialNo, demo.DemoResidentialPhone)
		fmt.Fprintf(w, "                 %s (一般工商业 commercial, phone %s)\n", demo.DemoCommercialNo, demo.DemoCommercialPhone)
		metrics := cfg.PublicURL
		if cfg.MetricsAddr != "" {
			metrics = "http://" + cfg.MetricsAddr
		}
		fmt.Fprintf(w, "  staff pages: %s/admin/  (dev logins, password %q; TOTP secrets and codes are on the sign-in page)\n",
			cfg.PublicURL, demo.StaffPassword)
		for _, s := range demo.Staff() {
			totp := ""
			if s.TOTPSecret != "" {
				totp = "  TOTP secret " + s.TOTPSecret
			}
			fmt.Fprintf(w, "    %-16s %-11s%s\n", s.Username, s.Role, totp)
		}
		fmt.Fprintf(w, "  health: %s/healthz  ready: %s/readyz  metrics: %s/metrics\n", cfg.PublicURL, cfg.PublicURL, metrics)
		fmt.Fprintln(w, "  Ctrl-C stops it.")
	}
	fmt.Fprintln(w)
}
