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
	if all {
		wctx, stopWorker := context.WithCancel(ctx)
		wait := startWorker(wctx, cfg, log, svc)
		defer func() { stopWorker(); wait() }()
	}
	handler, err := newHandler(cfg, log, svc)
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
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String(), "env", cfg.Env, "core_db", dbs.core.Dialect(), "portal_db", dbs.portal.Dialect(), "embedded_redis", cfg.EmbeddedRedis())
	printBanner(stdout, cfg)

	select {
	case err := <-served:
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("server: %w", err)
	}
	log.Info("stopped")
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
		fmt.Fprintf(w, "  health: %s/healthz  ready: %s/readyz  metrics: %s/metrics\n", cfg.PublicURL, cfg.PublicURL, cfg.PublicURL)
		fmt.Fprintln(w, "  Ctrl-C stops it.")
	}
	fmt.Fprintln(w)
}
