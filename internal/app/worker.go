package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"gridpay/internal/billing"
	"gridpay/internal/config"
	"gridpay/internal/corecache"
	"gridpay/internal/store"
	"gridpay/notify"
	"gridpay/payments"
	"gridpay/payments/bank"
	"gridpay/worker"
)

// textChannel is how gridpay texts customers: the dev inbox in dev; production has no SMS gateway
// channel yet, so messages fail there with a logged error rather than vanish.
func textChannel(cfg config.Config, rdb *redis.Client) (notify.Channel, *notify.DevInbox) {
	if cfg.Production() {
		return notify.Fallback{}, nil
	}
	inbox := notify.NewDevInbox(rdb, cfg.Bureau, time.Now)
	return inbox, inbox
}

// startWorker runs the asynq task handlers and the outbox sweeper until ctx ends; the returned
// function waits for them to stop.
// qr are the QR providers whose open orders the active query asks about.
func startWorker(ctx context.Context, cfg config.Config, log *slog.Logger, dbs databases, rdb *redis.Client, redisURL string,
	qr map[string]payments.Provider) (wait func(), err error) {
	opt, err := asynq.ParseRedisURI(redisURL)
	if err != nil {
		return nil, fmt.Errorf("GRIDPAY_REDIS_URL: %w", err)
	}
	client := asynq.NewClient(opt)
	sms, _ := textChannel(cfg, rdb)
	orders := store.NewPortal(dbs.portal, time.Now)
	core := corecache.New(store.NewCore(dbs.core, billing.DefaultLateFeeRates(), time.Now), rdb, log)

	srv := worker.NewServer(opt, cfg.WorkerConcurrency, log)
	srv.Handle(worker.TypePaymentPost, &worker.PaymentPoster{Orders: orders, Core: core, SMS: sms, Loc: cfg.Location, Log: log})
	sweeper := &worker.OutboxSweeper{Orders: orders, Enqueuer: worker.NewEnqueuer(client),
		Grace: time.Minute, Every: 30 * time.Second, Now: time.Now, Log: log}

	query := &worker.ActiveQuery{Providers: qr, Orders: orders, Enqueuer: worker.NewEnqueuer(client),
		Every: 10 * time.Second, Now: time.Now, Log: log}

	sources := map[string]payments.StatementSource{}
	for name, p := range qr {
		if src, ok := p.(payments.StatementSource); ok {
			sources[name] = src
		}
	}
	if cfg.BankStatementDir != "" {
		sources[payments.Bank] = bank.StatementDir{Dir: cfg.BankStatementDir, Loc: cfg.Location}
	}
	rec := &payments.Reconciler{Sources: sources, Orders: orders, Receipts: core, Accounts: core,
		Enqueuer: worker.NewEnqueuer(client), Loc: cfg.Location, Log: log}

	var wg sync.WaitGroup
	wg.Add(4)
	go func() { defer wg.Done(); reconcileDaily(ctx, rec, cfg.Location, log) }()
	go func() { defer wg.Done(); query.Run(ctx) }()
	go func() {
		defer wg.Done()
		if err := srv.Run(ctx); err != nil {
			log.Error("worker stopped", "err", err)
		}
	}()
	go func() { defer wg.Done(); sweeper.Run(ctx) }()
	log.Info("worker running", "concurrency", cfg.WorkerConcurrency, "queues", worker.Queues)
	return func() { wg.Wait(); client.Close() }, nil
}

// runWorker is `gridpay worker`: task handlers and the scheduler, no web.
func runWorker(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	if cfg.EmbeddedRedis() {
		return errors.New("gridpay worker needs GRIDPAY_REDIS_URL: the embedded Redis lives inside one process (gridpay all)")
	}
	dbs, err := openDatabases(ctx, cfg)
	if err != nil {
		return err
	}
	defer dbs.close()
	rdb, url, stop, err := openRedis(cfg, log)
	if err != nil {
		return err
	}
	defer stop()
	// The sandboxes of dev mode live inside `gridpay all`: a worker of its own asks only the
	// configured providers.
	qr, err := qrProviders(cfg, nil, time.Now)
	if err != nil {
		return err
	}
	wait, err := startWorker(ctx, cfg, log, dbs, rdb, url, qr)
	if err != nil {
		return err
	}
	<-ctx.Done()
	wait()
	log.Info("worker stopped")
	return nil
}

// reconcileDaily reconciles yesterday every hour (providers publish the day's statement in the
// morning; a run replaces the last one), and once at start.
func reconcileDaily(ctx context.Context, rec *payments.Reconciler, loc *time.Location, log *slog.Logger) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		yesterday := time.Now().In(loc).AddDate(0, 0, -1)
		if items, err := rec.Run(ctx, yesterday); err != nil {
			log.Warn("reconciliation failed", "day", yesterday.Format("2006-01-02"), "err", err)
		} else {
			for channel, list := range items {
				log.Info("reconciled", "day", yesterday.Format("2006-01-02"), "channel", channel, "items", len(list))
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
