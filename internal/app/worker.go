package app

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"gridpay/internal/config"
	"gridpay/payments"
	"gridpay/payments/bank"
	"gridpay/worker"
)

// startWorker runs the asynq task handlers, the scheduler of the daily arrears run, the outbox
// sweeper, the active query and the daily reconciliation on the process's services until ctx ends; the returned function waits for them to
// stop.
func startWorker(ctx context.Context, cfg config.Config, log *slog.Logger, svc *services) (wait func()) {
	srv := worker.NewServer(svc.redis, cfg.WorkerConcurrency, log)
	reminders, sender := newReminders(cfg, log, svc, svc.now)
	handleTasks(srv, log, svc, cfg, reminders, sender)
	scheduler := &worker.Scheduler{Redis: svc.rdb, Enqueuer: svc.enqueuer, RemindAt: cfg.Remind.At, Loc: cfg.Location,
		Now: svc.now, Log: log}
	sweeper := &worker.OutboxSweeper{Orders: svc.orders, Enqueuer: svc.enqueuer,
		Grace: time.Minute, Every: 30 * time.Second, Now: svc.now, Log: log}

	// The QR providers whose open orders the active query asks about.
	query := &worker.ActiveQuery{Providers: svc.guarded, Orders: svc.orders, Enqueuer: svc.enqueuer,
		Every: 10 * time.Second, Now: svc.now, Log: log}

	sources := map[string]payments.StatementSource{}
	for name, p := range svc.qr {
		if src, ok := p.(payments.StatementSource); ok {
			sources[name] = src
		}
	}
	if cfg.BankStatementDir != "" {
		sources[payments.Bank] = bank.StatementDir{Dir: cfg.BankStatementDir, Loc: cfg.Location}
	}
	rec := &payments.Reconciler{Sources: sources, Orders: svc.orders, Receipts: svc.core, Accounts: svc.core,
		Enqueuer: svc.enqueuer, Loc: cfg.Location, Now: svc.now, Log: log}

	var wg sync.WaitGroup
	wg.Add(5)
	go func() { defer wg.Done(); scheduler.Run(ctx) }()
	go func() { defer wg.Done(); reconcileDaily(ctx, rec, svc.now, cfg.Location, log) }()
	go func() { defer wg.Done(); query.Run(ctx) }()
	go func() {
		defer wg.Done()
		if err := srv.Run(ctx); err != nil {
			log.Error("worker stopped", "err", err)
		}
	}()
	go func() { defer wg.Done(); sweeper.Run(ctx) }()
	if reports := smsStatusPuller(log, svc); reports != nil {
		wg.Add(1)
		go func() { defer wg.Done(); reports.Run(ctx) }()
	}
	log.Info("worker running", "concurrency", cfg.WorkerConcurrency, "queues", worker.Queues)
	return wg.Wait
}

// handleTasks registers the handler of every task type on srv: every process that serves the queues
// (the workers, and `gridpay remind` while it delivers) takes whatever task comes next.
func handleTasks(srv *worker.Server, log *slog.Logger, svc *services, cfg config.Config, reminders *worker.Reminders,
	sender *worker.ReminderSender) {
	srv.Handle(worker.TypePaymentPost, &worker.PaymentPoster{Orders: svc.orders, Core: svc.core, SMS: svc.text, Loc: cfg.Location, Log: log})
	srv.Handle(worker.TypeNotifySend, &worker.NotifySender{Channel: svc.sms, Log: log})
	srv.Handle(worker.TypeDisputeAdjust, &worker.AdjustmentPoster{Portal: svc.orders, Core: svc.core, Loc: cfg.Location, Now: svc.now, Log: log})
	srv.Handle(worker.TypeRemindRun, &worker.RemindRunner{Reminders: reminders})
	srv.Handle(worker.TypeNotifyRemind, sender)
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
	if err := refuseDemoCounty(ctx, cfg, dbs); err != nil {
		return err
	}
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
	svc, err := newServices(cfg, log, dbs, rdb, url, qr)
	if err != nil {
		return err
	}
	defer svc.close()
	stopDebug, err := startDebug(ctx, cfg.DebugAddr, log)
	if err != nil {
		return err
	}
	defer stopDebug()
	wait := startWorker(ctx, cfg, log, svc)
	<-ctx.Done()
	wait()
	log.Info("worker stopped")
	return nil
}

// reconcileDaily reconciles yesterday every hour (providers publish the day's statement in the
// morning; a run replaces the last one), and once at start.
func reconcileDaily(ctx context.Context, rec *payments.Reconciler, now func() time.Time, loc *time.Location, log *slog.Logger) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		yesterday := now().In(loc).AddDate(0, 0, -1)
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
