package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/hibiken/asynq"
	"github.com/hibiken/asynqmon"
	"github.com/redis/go-redis/v9"

	"gridpay/internal/billing"
	"gridpay/internal/config"
	"gridpay/internal/corecache"
	"gridpay/internal/store"
	"gridpay/notify"
	"gridpay/notify/tencent"
	"gridpay/notify/wechatoa"
	"gridpay/payments"
	"gridpay/portal"
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
	core   *corecache.Core
	orders *store.Portal
	// reads are the portal database's bindings and payments in flight, read through the cache,
	// which orders tells of every change; its Stats count the reads that reached the database.
	reads *corecache.Portal
	// local is the process's own tier of both caches, listening for invalidations until close.
	local     *corecache.Local
	stopLocal func()

	queue    *asynq.Client
	enqueuer *worker.Enqueuer
	text     notify.Channel   // how customers are texted: the queue to sms, or the dev inbox
	sms      notify.Channel   // what notify:send tasks send through: the SMS gateway, or the dev inbox
	inbox    *notify.DevInbox // the dev inbox, in dev without an SMS gateway; else nil
	// wechat is the bureau's official account (GRIDPAY_WECHAT_OA_*), which sends reminders as
	// template messages before they fall back to text; nil when none is configured.
	wechat notify.Channel
	qr     map[string]payments.Provider // the QR channels (WeChat Pay, Alipay); empty when none
	// guarded are the QR channels behind their breakers, which ordering and the active query call
	// through, so that a provider that is down refuses at once instead of keeping each customer
	// waiting; callbacks, refunds and statements use qr itself.
	guarded  map[string]payments.Provider
	breakers []*payments.Breaker // one per QR channel, by channel name
	payments *payments.Service   // orders through the QR channels; nil when there is none
	// webAuth tells pages inside WeChat who the customer is, to pay by WeChat Pay JSAPI; nil: orders
	// inside WeChat are paid by their code (webAuthFor).
	webAuth portal.WebAuth
	// queues is the task queues' console (asynqmon) that the staff pages serve to administrators.
	queues *asynqmon.HTTPHandler
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
	s.reads = corecache.NewPortal(s.orders, rdb, log)
	s.orders.Watch(s.reads)
	s.local = corecache.NewLocal(rdb, log, corecache.LocalTTL, s.now)
	s.core.UseLocal(s.local)
	s.reads.UseLocal(s.local)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.local.Run(ctx)
	}()
	s.stopLocal = func() { cancel(); <-done }
	s.queue = asynq.NewClient(opt)
	s.queues = asynqmon.New(asynqmon.Options{RootPath: "/admin/queues", RedisConnOpt: opt})
	s.enqueuer = worker.NewEnqueuer(s.queue)
	if s.text, s.sms, s.inbox, err = textChannels(cfg, rdb, s.enqueuer, s.now); err != nil {
		s.close()
		return nil, err
	}
	if oa := cfg.WeChatOA; oa.AppID != "" {
		ch, err := wechatoa.New(wechatoa.Config{AppID: oa.AppID, Secret: oa.Secret, BaseURL: oa.BaseURL, Now: s.now,
			Templates: map[notify.Kind]string{notify.Receipt: oa.TemplateReceipt, notify.DueSoon: oa.TemplateDueSoon,
				notify.Reminder: oa.TemplateReminder, notify.Cuijiao: oa.TemplateCuijiao, notify.Notice: oa.TemplateNotice,
				notify.NoticeFinal: oa.TemplateNoticeFinal, notify.LowBalance: oa.TemplateLowBalance}})
		if err != nil {
			s.close()
			return nil, fmt.Errorf("GRIDPAY_WECHAT_OA_*: %w", err)
		}
		s.wechat = ch
	}
	s.guarded = map[string]payments.Provider{}
	for _, name := range slices.Sorted(maps.Keys(qr)) {
		b := payments.NewBreaker(name, payments.BreakerFailures, payments.BreakerCooldown, s.now)
		s.breakers = append(s.breakers, b)
		s.guarded[name] = payments.Guard(qr[name], b)
	}
	if len(qr) > 0 {
		s.payments = &payments.Service{Providers: s.guarded, Orders: s.orders, Core: s.core, Bureau: cfg.Bureau, Now: s.now,
			Loc: cfg.Location, Log: log, NotifyURL: func(provider string) string { return cfg.PublicURL + "/callbacks/" + provider },
			PageURL: func(out string) string { return cfg.PublicURL + "/pay/" + out }}
	}
	return s, nil
}

// webAuthFor is how pages inside WeChat learn the customer's OpenID, which WeChat Pay JSAPI pays
// for: the official account's web authorization when the account is the WeChat Pay merchant's app
// (an OpenID is per app), or in dev, with WeChat Pay on its sandbox, the sandbox account's. nil
// when there is neither: orders inside WeChat are then paid by their code, by a long press.
func webAuthFor(cfg config.Config, sb *sandboxes, svc *services) portal.WebAuth {
	if cfg.WeChat.MchID == "" && sb != nil {
		return sb.webAuth
	}
	if oa, ok := svc.wechat.(*wechatoa.OA); ok && cfg.WeChat.MchID != "" && cfg.WeChatOA.AppID == cfg.WeChat.AppID {
		return oa
	}
	return nil
}

// close stops listening for invalidations and releases the queue client; the databases and Redis
// belong to whoever opened them.
func (s *services) close() {
	s.stopLocal()
	s.queue.Close()
	s.queues.Close()
}

// textChannels is how gridpay texts customers. With an SMS gateway configured (GRIDPAY_SMS_*, in
// production always), every message is queued as a notify:send task (text) and the worker sends
// it through the gateway (sms), retrying what the gateway throttles; the gateway replaces the dev
// inbox in dev too, as configured payment channels replace their sandboxes. In dev without one,
// messages land in the dev inbox at once, where tests and developers read them.
func textChannels(cfg config.Config, rdb *redis.Client, enqueuer *worker.Enqueuer, now func() time.Time) (
	text, sms notify.Channel, inbox *notify.DevInbox, err error) {
	switch cfg.SMS.Provider {
	case config.SMSTencent:
		gw, err := tencent.New(tencent.Config{SecretID: cfg.SMS.SecretID, SecretKey: cfg.SMS.SecretKey, SDKAppID: cfg.SMS.SDKAppID,
			SignName: cfg.SMS.SignName, Region: cfg.SMS.Region, Endpoint: cfg.SMS.Endpoint, Templates: map[notify.Kind]string{
				notify.OTP: cfg.SMS.TemplateOTP, notify.BindCode: cfg.SMS.TemplateBindCode, notify.Receipt: cfg.SMS.TemplateReceipt,
				notify.DueSoon: cfg.SMS.TemplateDueSoon, notify.Reminder: cfg.SMS.TemplateReminder, notify.Cuijiao: cfg.SMS.TemplateCuijiao,
				notify.Notice: cfg.SMS.TemplateNotice, notify.NoticeFinal: cfg.SMS.TemplateNoticeFinal,
				notify.LowBalance: cfg.SMS.TemplateLowBalance, notify.NoticeCopy: cfg.SMS.TemplateNoticeCopy,
				notify.DisputeUpdate: cfg.SMS.TemplateDisputeUpdate}})
		if err != nil {
			return nil, nil, nil, fmt.Errorf("GRIDPAY_SMS_*: %w", err)
		}
		return worker.NotifyQueue{Enqueuer: enqueuer}, gw, nil, nil
	case "":
		if cfg.Production() { // config refuses this already; kept as a second lock on the door
			return nil, nil, nil, errors.New("GRIDPAY_SMS_PROVIDER is empty: production needs an SMS gateway")
		}
		inbox := notify.NewDevInbox(rdb, cfg.Bureau, now)
		return inbox, inbox, inbox, nil
	default:
		return nil, nil, nil, fmt.Errorf("GRIDPAY_SMS_PROVIDER=%q: no such gateway", cfg.SMS.Provider)
	}
}
