package app

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"gridpay/internal/billing"
	"gridpay/internal/config"
	"gridpay/internal/corecache"
	"gridpay/internal/store"
	"gridpay/notify"
	"gridpay/payments"
	"gridpay/worker"
)

// services are a process's one set of services, built once by newServices and shared by the web
// tier (newHandler) and the workers (startWorker): `gridpay all` runs both on the same set, so
// they share one cache, one queue client and one texting channel.
type services struct {
	dbs   databases
	rdb   *redis.Client
	redis asynq.RedisConnOpt // the same Redis, as asynq connects to it
	now   func() time.Time

	// core is the core database read through the cache: internet traffic reaches the core database
	// only this way (docs/design.md), and a posting invalidates what every process shows.
	core     *corecache.Core
	orders   *store.Portal
	queue    *asynq.Client
	enqueuer *worker.Enqueuer
	text     notify.Channel               // how customers are texted
	inbox    *notify.DevInbox             // the dev inbox behind text in dev; nil in production
	qr       map[string]payments.Provider // the QR channels (WeChat Pay, Alipay); empty when none
	payments *payments.Service            // orders through the QR channels; nil when there is none
}

// newServices builds the services on the opened databases and Redis (redisURL is rdb's address).
// qr are the QR payment providers: in dev the ones wired to the sandboxes; none yet in production,
// where the Pay buttons are then hidden. close releases what it opened.
func newServices(cfg config.Config, log *slog.Logger, dbs databases, rdb *redis.Client, redisURL string,
	qr map[string]payments.Provider) (*services, error) {
	opt, err := asynq.ParseRedisURI(redisURL)
	if err != nil {
		return nil, fmt.Errorf("GRIDPAY_REDIS_URL: %w", err)
	}
	s := &services{dbs: dbs, rdb: rdb, redis: opt, now: time.Now, qr: qr}
	s.core = corecache.New(store.NewCore(dbs.core, billing.DefaultLateFeeRates(), s.now), rdb, log)
	s.orders = store.NewPortal(dbs.portal, s.now)
	s.queue = asynq.NewClient(opt)
	s.enqueuer = worker.NewEnqueuer(s.queue)
	s.text, s.inbox = textChannel(cfg, rdb, s.now)
	if len(qr) > 0 {
		s.payments = &payments.Service{Providers: qr, Orders: s.orders, Core: s.core, Bureau: cfg.Bureau, Now: s.now,
			Loc: cfg.Location, Log: log, NotifyURL: func(provider string) string { return cfg.PublicURL + "/callbacks/" + provider }}
	}
	return s, nil
}

// close releases the queue client; the databases and Redis belong to whoever opened them.
func (s *services) close() { s.queue.Close() }

// textChannel is how gridpay texts customers: the dev inbox in dev; production has no SMS gateway
// channel yet, so messages fail there with a logged error rather than vanish. Either signs its
// messages with the bureau's name.
func textChannel(cfg config.Config, rdb *redis.Client, now func() time.Time) (notify.Channel, *notify.DevInbox) {
	if cfg.Production() {
		return notify.Fallback{}, nil
	}
	inbox := notify.NewDevInbox(rdb, cfg.Bureau, now)
	return inbox, inbox
}
