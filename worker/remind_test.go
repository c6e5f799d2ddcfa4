package worker_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"gridpay/internal/billing"
	"gridpay/internal/corecache"
	"gridpay/internal/demo"
	"gridpay/internal/redistest"
	"gridpay/internal/store"
	"gridpay/internal/storetest"
	"gridpay/notify"
	"gridpay/notify/tencent"
	smssandbox "gridpay/notify/tencent/sandbox"
	"gridpay/notify/wechatoa"
	"gridpay/notify/wechatoa/sandbox"
	"gridpay/payments"
	"gridpay/worker"
)

var beijing = time.FixedZone("CST", 8*3600)

// remindRig is a county of 40 accounts with half a year of bills (one dialect), the real Redis, the
// dev inbox, and the arrears run with its sender on a clock the test sets.
type remindRig struct {
	core      *store.DB
	portal    *store.Portal
	cached    *corecache.Core
	inbox     *notify.DevInbox
	conn      asynq.RedisConnOpt
	inspector *asynq.Inspector
	reminders *worker.Reminders
	sender    *worker.ReminderSender
	log       *slog.Logger

	mu  sync.Mutex
	now time.Time
}

func newRemindRig(t *testing.T, d storetest.Dialect) *remindRig {
	t.Helper()
	ctx := context.Background()
	open := func(dsn string, s store.Schema) *store.DB {
		db, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.MigrateSchema(ctx, s); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	r := &remindRig{log: slog.New(slog.NewTextHandler(io.Discard, nil)), now: time.Date(2026, 11, 26, 8, 30, 0, 0, beijing)}
	r.core = open(d.NewDSN(t, "core"), store.CoreSchema)
	if _, err := demo.Seed(ctx, r.core, demo.Options{Seed: 3, Customers: 40, Months: 6, Today: today}); err != nil {
		t.Fatal(err)
	}
	r.portal = store.NewPortal(open(d.NewDSN(t, "portal"), store.PortalSchema), r.clock)

	url := redistest.URL(t, redistest.DBWorker)
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	if r.conn, err = asynq.ParseRedisURI(url); err != nil {
		t.Fatal(err)
	}
	client := asynq.NewClient(r.conn)
	r.inspector = asynq.NewInspector(r.conn)
	t.Cleanup(func() { client.Close(); r.inspector.Close() })
	r.inbox = notify.NewDevInbox(rdb, "云溪县供电公司", r.clock)
	r.cached = corecache.New(store.NewCore(r.core, billing.DefaultLateFeeRates(), r.clock), rdb, r.log)
	r.reminders = &worker.Reminders{Core: r.cached, Portal: r.portal, Policy: billing.DefaultReminderPolicy(beijing),
		Enqueuer: worker.NewEnqueuer(client), Now: r.clock, Log: r.log}
	r.route([]notify.Channel{r.inbox})
	return r
}

func (r *remindRig) clock() time.Time { r.mu.Lock(); defer r.mu.Unlock(); return r.now }
func (r *remindRig) set(t time.Time)  { r.mu.Lock(); r.now = t; r.mu.Unlock() }

// route sends every stage through channels, in order.
func (r *remindRig) route(channels []notify.Channel) {
	r.sender = &worker.ReminderSender{Reminders: r.reminders, Bureau: "云溪县供电公司", AdminPhone: "13900139000",
		Route:   func(billing.Stage) []notify.Channel { return channels },
		PayLink: func(no string) string { return "http://127.0.0.1:8080/payfor?account=" + no }}
}

// deliver runs a worker until every reminder queued is sent (the scheduled ones whose time has come
// by the test's clock are sent too: asynq holds them by the real clock, which is ahead).
func (r *remindRig) deliver(t *testing.T) {
	t.Helper()
	srv := worker.NewServer(r.conn, 4, r.log)
	srv.Handle(worker.TypeNotifyRemind, r.sender)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		q, err := r.inspector.GetQueueInfo(worker.QueueNotify)
		if errors.Is(err, asynq.ErrQueueNotFound) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if q.Pending == 0 && q.Active == 0 && q.Scheduled == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("reminders not delivered within 30 s: %+v", q)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// record is one row of the proof.
type record struct {
	account       int64
	stage         string
	channel       string
	status        string
	on            string
	messageID     string
	code          string
	bill, planned bool
}

func (r *remindRig) records(t *testing.T) []record {
	t.Helper()
	rows, err := r.core.QueryContext(context.Background(), `SELECT account_id, stage, channel, status, remind_on,
       COALESCE(message_id, ''), COALESCE(error_code, ''), bill_id, planned_on FROM reminders ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []record
	for rows.Next() {
		var (
			rec     record
			on      any
			bill    sql.NullInt64
			planned any
		)
		if err := rows.Scan(&rec.account, &rec.stage, &rec.channel, &rec.status, &on, &rec.messageID, &rec.code, &bill, &planned); err != nil {
			t.Fatal(err)
		}
		rec.on, rec.bill, rec.planned = fmt.Sprint(on)[:10], bill.Valid, planned != nil
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func (r *remindRig) inboxCount(t *testing.T) int {
	t.Helper()
	got, err := r.inbox.Recent(context.Background(), "", 500)
	if err != nil {
		t.Fatal(err)
	}
	return len(got)
}

// due returns the accounts the run would remind now, by a dry run.
func (r *remindRig) due(t *testing.T) []worker.Planned {
	t.Helper()
	var out []worker.Planned
	if _, err := r.reminders.DryRun(context.Background(), r.clock(), r.clock(), func(p worker.Planned) {
		if p.Decision.Send() {
			out = append(out, p)
		}
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// pay puts a payment in flight for the account: paid at the provider, not yet posted.
func (r *remindRig) pay(t *testing.T, accountNo string) {
	t.Helper()
	ctx := context.Background()
	o, _, err := r.portal.CreateOrder(ctx, store.NewOrder{OutTradeNo: payments.NewOutTradeNo("wechat", time.Now()),
		AccountNo: accountNo, PayerPhone: "13800138000", Channel: "wechat", Amount: 100, ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.portal.MoveOrder(ctx, o.ID, billing.OrderCreated, billing.OrderPending, "precreated",
		func(u *store.OrderUpdate) { u.CodeURL = "weixin://wxpay/bizpayurl?pr=test" }); err != nil {
		t.Fatal(err)
	}
	if _, err := r.portal.MarkPaid(ctx, o.OutTradeNo, "4200000"+o.OutTradeNo[2:], 100, r.clock()); err != nil {
		t.Fatal(err)
	}
}

func TestArrearsRunRemindsOnceAndKeepsTheProof(t *testing.T) {
	storetest.ForEach(t, testArrearsRunRemindsOnceAndKeepsTheProof)
}

func testArrearsRunRemindsOnceAndKeepsTheProof(t *testing.T, d storetest.Dialect) {
	r := newRemindRig(t, d)
	ctx := context.Background()
	due := r.due(t)
	if len(due) < 4 {
		t.Fatalf("the county has %d reminders due; the test needs at least 4", len(due))
	}
	// Money in flight on the first account, a dispute about the second's bill: neither is reminded.
	inFlight, disputed := due[0], due[1]
	r.pay(t, inFlight.Account.No)
	if _, err := r.portal.FileDispute(ctx, store.NewDispute{Phone: "13800138000", AccountNo: disputed.Account.No,
		BillID: disputed.Decision.BillID, BillPeriod: 202610, Category: billing.DisputeReadingAmount, Text: "读数不对"}); err != nil {
		t.Fatal(err)
	}
	run, err := r.reminders.Run(ctx, r.clock())
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != store.RunDone || run.Counts.Enqueued != int64(len(due)-2) || run.Counts.Suppressed["in_flight"] != 1 ||
		run.Counts.Suppressed["disputed"] != 1 {
		t.Fatalf("run = %+v, want %d queued, one in flight, one disputed", run, len(due)-2)
	}
	// Between the run and the sending, a third account pays: the re-check stops its reminder.
	paidMeanwhile := due[2]
	r.pay(t, paidMeanwhile.Account.No)
	r.deliver(t)

	recs := r.records(t)
	if len(recs) != len(due)-3 || r.inboxCount(t) != len(due)-3 {
		t.Fatalf("%d records and %d messages, want %d of each: %+v", len(recs), r.inboxCount(t), len(due)-3, recs)
	}
	byAccount := map[int64]record{}
	for _, rec := range recs {
		byAccount[rec.account] = rec
		if rec.status != "sent" || rec.channel != "dev" || rec.on != "2026-11-26" || rec.messageID == "" {
			t.Errorf("record %+v: want sent through the dev inbox on 2026-11-26 with the message id", rec)
		}
	}
	for _, p := range due {
		rec, ok := byAccount[p.Account.ID]
		switch p.Account.ID {
		case inFlight.Account.ID, disputed.Account.ID, paidMeanwhile.Account.ID:
			if ok {
				t.Errorf("account %s was reminded: %+v", p.Account.No, rec)
			}
		default:
			if !ok || rec.stage != string(p.Decision.Stage) || rec.bill != (p.Decision.BillID != 0) ||
				rec.planned != (p.Decision.Stage == billing.StageNotice) {
				t.Errorf("account %s: record %+v, want stage %s", p.Account.No, rec, p.Decision.Stage)
			}
		}
	}
	run, err = r.portal.ReminderRun(ctx, r.clock())
	if err != nil {
		t.Fatal(err)
	}
	if run.Counts.Sent != int64(len(due)-3) || run.Counts.Suppressed["in_flight"] != 2 {
		t.Errorf("run counts %+v, want %d sent and two held back by money in flight", run.Counts, len(due)-3)
	}
	msgs, err := r.inbox.Recent(ctx, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msgs[0].Text, "http://127.0.0.1:8080/payfor?account=") || strings.Contains(msgs[0].Text, "3100000") &&
		!strings.Contains(msgs[0].Text, "payfor?account=3100000") {
		t.Errorf("message %q: want the pay link and the account masked", msgs[0].Text)
	}

	// A second run the same day, and every task handed over again, send nothing.
	if again, err := r.reminders.Run(ctx, r.clock()); err != nil || again.Counts.Enqueued != run.Counts.Enqueued {
		t.Fatalf("second run = %+v, %v", again, err)
	}
	for _, p := range due[3:] {
		task, err := worker.NewNotifyRemindTask(run.ID, p.Account.ID, p.Decision.Stage, r.clock(), r.clock(), r.clock())
		if err != nil {
			t.Fatal(err)
		}
		if err := r.sender.ProcessTask(ctx, task); err != nil {
			t.Fatal(err)
		}
	}
	r.deliver(t)
	if n, m := len(r.records(t)), r.inboxCount(t); n != len(recs) || m != len(recs) {
		t.Errorf("after a second run and the tasks again: %d records, %d messages; want %d", n, m, len(recs))
	}
}

func TestArrearsRunWaitsOutQuietHours(t *testing.T) {
	r := newRemindRig(t, storetest.SQLite)
	ctx := context.Background()
	r.set(time.Date(2026, 11, 26, 22, 0, 0, 0, beijing))
	run, err := r.reminders.Run(ctx, r.clock())
	if err != nil {
		t.Fatal(err)
	}
	q, err := r.inspector.GetQueueInfo(worker.QueueNotify)
	if err != nil {
		t.Fatal(err)
	}
	if run.Counts.Enqueued == 0 || q.Scheduled != int(run.Counts.Enqueued) || q.Pending != 0 {
		t.Fatalf("at 22:00: %+v queued, queue %+v; want every reminder held until morning", run.Counts, q)
	}
	tasks, err := r.inspector.ListScheduledTasks(worker.QueueNotify)
	if err != nil {
		t.Fatal(err)
	}
	for _, ti := range tasks {
		// Held for the ten hours to 08:00, on the queue's (real) clock.
		if wait := time.Until(ti.NextProcessAt); wait < 9*time.Hour+59*time.Minute || wait > 10*time.Hour ||
			!strings.Contains(ti.ID, ":2026-11-27:") {
			t.Errorf("task %s held until %s (in %s), want ten hours, named by the next day", ti.ID, ti.NextProcessAt, wait)
		}
	}
	if recs := r.records(t); len(recs) != 0 {
		t.Fatalf("sent in quiet hours: %+v", recs)
	}
	// The morning comes; the run of the new day queues nothing twice, and each reminder goes once.
	r.set(time.Date(2026, 11, 27, 8, 0, 0, 0, beijing))
	if _, err := r.inspector.RunAllScheduledTasks(worker.QueueNotify); err != nil {
		t.Fatal(err)
	}
	next, err := r.reminders.Run(ctx, r.clock())
	if err != nil {
		t.Fatal(err)
	}
	r.deliver(t)
	recs := r.records(t)
	if len(recs) == 0 || len(recs) != r.inboxCount(t) {
		t.Fatalf("%d records, %d messages after the night", len(recs), r.inboxCount(t))
	}
	seen := map[string]bool{}
	for _, rec := range recs {
		key := fmt.Sprint(rec.account, rec.stage)
		if seen[key] || rec.on != "2026-11-27" {
			t.Errorf("record %+v twice, or not on the morning after", rec)
		}
		seen[key] = true
	}
	t.Logf("night run queued %d, morning run %d more; %d sent", run.Counts.Enqueued, next.Counts.Enqueued, len(recs))
}

func TestArrearsRunResumesAfterACrash(t *testing.T) {
	r := newRemindRig(t, storetest.SQLite)
	want := len(r.due(t))
	r.reminders.Batch = 4
	ctx, crash := context.WithCancel(context.Background())
	batches := 0
	r.reminders.Progress = func(worker.RunProgress) {
		if batches++; batches == 2 {
			crash() // the process dies after its second batch
		}
	}
	if _, err := r.reminders.Run(ctx, r.clock()); err == nil {
		t.Fatal("the crashed run finished")
	}
	cut, err := r.portal.ReminderRun(context.Background(), r.clock())
	if err != nil {
		t.Fatal(err)
	}
	if cut.Status != store.RunRunning || cut.LastAccountID == 0 || cut.Counts.Scanned == 0 {
		t.Fatalf("after the crash the run is %+v, want it running with its cursor", cut)
	}
	r.reminders.Progress = nil
	done, err := r.reminders.Run(context.Background(), r.clock())
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != store.RunDone || done.Counts.Enqueued != int64(want) {
		t.Fatalf("resumed run = %+v, want done with %d queued in all", done, want)
	}
	r.deliver(t)
	if recs := r.records(t); len(recs) != want || r.inboxCount(t) != want {
		t.Errorf("%d records, %d messages; want %d of each", len(recs), r.inboxCount(t), want)
	}
}

// TestReminderFallsBackFromWeChat: a follower gets the reminder by WeChat; one who unfollowed, or
// when WeChat is busy, gets it by SMS, and the proof keeps both outcomes; when SMS refuses the
// number too, both failures are on record and the task stops.
func TestReminderFallsBackFromWeChat(t *testing.T) {
	r := newRemindRig(t, storetest.SQLite)
	ctx := context.Background()
	sim := sandbox.New("wx8c3f1e2d4b5a6978", "9f2b7c1d0e8a4f6b3c5d7e9f1a2b4c6d", r.clock)
	srv := httptest.NewServer(sim)
	t.Cleanup(func() { srv.Close(); sim.Close() })
	templates, registered := map[notify.Kind]string{}, map[string][]string{}
	smsTemplates, smsRegistered := map[notify.Kind]string{}, map[string]int{}
	for i, k := range notify.Kinds() {
		tpl, _ := notify.TemplateOf(k)
		smsTemplates[k] = fmt.Sprint(3000001 + i)
		smsRegistered[smsTemplates[k]] = len(tpl.SMS)
		if len(tpl.WeChat) == 0 {
			continue
		}
		templates[k] = "tpl-" + string(k)
		for _, f := range tpl.WeChat {
			registered[templates[k]] = append(registered[templates[k]], f.Name)
		}
	}
	sim.Templates(registered)
	oa, err := wechatoa.New(wechatoa.Config{AppID: "wx8c3f1e2d4b5a6978", Secret: "9f2b7c1d0e8a4f6b3c5d7e9f1a2b4c6d",
		BaseURL: srv.URL, Templates: templates, Now: r.clock})
	if err != nil {
		t.Fatal(err)
	}
	gateway := smssandbox.New("AKIDremind", "remind-secret", "1400000009", nil)
	gateway.Templates(smsRegistered)
	gw := httptest.NewServer(gateway)
	t.Cleanup(func() { gateway.Close(); gw.Close() })
	sms, err := tencent.New(tencent.Config{SecretID: "AKIDremind", SecretKey: "remind-secret", SDKAppID: "1400000009",
		SignName: "云溪县供电公司", Endpoint: gw.URL, Templates: smsTemplates})
	if err != nil {
		t.Fatal(err)
	}
	r.route([]notify.Channel{oa, sms})
	due := r.due(t)
	follower, unfollowed, busy, unreachable := due[0].Account, due[1].Account, due[2].Account, due[3].Account
	for no, id := range map[string]string{follower.No: "oFollower0000001", unfollowed.No: "oGone00000000002",
		busy.No: "oBusy00000000003", unreachable.No: "oGone00000000004"} {
		if err := r.portal.SetWeChatFollower(ctx, no, id); err != nil {
			t.Fatal(err)
		}
	}
	sim.Follow("oFollower0000001", "oGone00000000002", "oBusy00000000003", "oGone00000000004")
	sim.Unfollow("oGone00000000002")
	sim.Unfollow("oGone00000000004")
	if _, err := r.reminders.Run(ctx, r.clock()); err != nil {
		t.Fatal(err)
	}
	// One task at a time, so that each queued answer meets its account's task.
	for _, a := range []store.ArrearsAccount{follower, unfollowed} {
		if err := r.process(t, a, due); err != nil {
			t.Fatal(err)
		}
	}
	sim.Then(sandbox.Answer{ErrCode: -1})
	if err := r.process(t, busy, due); err != nil {
		t.Fatal(err)
	}
	gateway.Then(smssandbox.Answer{SendStatus: "InvalidParameterValue.IncorrectPhoneNumber"})
	if err := r.process(t, unreachable, due); !errors.Is(err, asynq.SkipRetry) {
		t.Fatalf("every channel refused: %v, want the task stopped", err)
	}

	got := map[int64][]string{}
	for _, rec := range r.records(t) {
		got[rec.account] = append(got[rec.account], rec.channel+":"+rec.status+":"+rec.code)
	}
	for _, tc := range []struct {
		account store.ArrearsAccount
		want    []string
	}{
		{follower, []string{"wechat:sent:"}},
		{unfollowed, []string{"tencent:sent:", "wechat:failed:43004"}},
		{busy, []string{"tencent:sent:", "wechat:failed:-1"}},
		{unreachable, []string{"wechat:failed:43004", "tencent:failed:InvalidParameterValue.IncorrectPhoneNumber"}},
	} {
		if !slices.Equal(got[tc.account.ID], tc.want) {
			t.Errorf("account %s: %v, want %v", tc.account.No, got[tc.account.ID], tc.want)
		}
	}
	if rec := sim.Received(); len(rec) != 1 || rec[0].OpenID != "oFollower0000001" || !strings.Contains(rec[0].URL, follower.No) {
		t.Errorf("WeChat received %+v, want the follower's reminder with the pay link", rec)
	}
	if rec := gateway.Received(); len(rec) != 2 || !strings.HasPrefix(rec[0].Params[len(rec[0].Params)-1], "http://") {
		t.Errorf("the SMS gateway received %+v, want two reminders ending with the pay link", rec)
	}
	run, err := r.portal.ReminderRun(ctx, r.clock())
	if err != nil {
		t.Fatal(err)
	}
	if run.Counts.Sent != 3 || run.Counts.Failed != 1 {
		t.Errorf("run counts %+v, want 3 sent and 1 failed", run.Counts)
	}
}

// TestTwoWorkersOneScheduler runs two worker processes' schedulers and task servers on one Redis
// and one pair of databases: the day's run happens once and every reminder goes once.
func TestTwoWorkersOneScheduler(t *testing.T) {
	r := newRemindRig(t, storetest.SQLite)
	want := len(r.due(t))
	opts, err := redis.ParseURL(redistest.URL(t, redistest.DBWorker))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"worker-a", "worker-b"} {
		rdb := redis.NewClient(opts)
		client := asynq.NewClient(r.conn)
		t.Cleanup(func() { rdb.Close(); client.Close() })
		scheduler := &worker.Scheduler{Redis: rdb, Enqueuer: worker.NewEnqueuer(client), RemindAt: 8*time.Hour + 30*time.Minute,
			Loc: beijing, Now: r.clock, Every: 100 * time.Millisecond, ID: id, Log: r.log}
		srv := worker.NewServer(r.conn, 2, r.log)
		srv.Handle(worker.TypeRemindRun, &worker.RemindRunner{Reminders: r.reminders})
		srv.Handle(worker.TypeNotifyRemind, r.sender)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{}, 2)
		go func() { srv.Run(ctx); done <- struct{}{} }()
		go func() { scheduler.Run(ctx); done <- struct{}{} }()
		t.Cleanup(func() { cancel(); <-done; <-done })
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		run, err := r.portal.ReminderRun(context.Background(), r.clock())
		if err == nil && run.Status == store.RunDone && run.Counts.Sent == int64(want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the run of two workers did not send %d reminders within 30 s: %+v, %v", want, run, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if recs := r.records(t); len(recs) != want || r.inboxCount(t) != want {
		t.Errorf("%d records, %d messages; want %d of each", len(recs), r.inboxCount(t), want)
	}
}

// TestImportantCustomersNoticeIsCopied: an important customer long in arrears gets the 催交, then the
// disconnection notice the next day, and the power administration department a copy of it.
func TestImportantCustomersNoticeIsCopied(t *testing.T) {
	for _, tc := range []struct {
		name, admin string
		copy        string // the copy's record
	}{
		{"to the department's phone", "13900139000", "2026-11-27:notice_copy:sent:"},
		{"with no phone configured", "", "2026-11-27:notice_copy:failed:NoAdminPhone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRemindRig(t, storetest.SQLite)
			r.sender.AdminPhone = tc.admin
			ctx := context.Background()
			var long *worker.Planned
			for _, p := range r.due(t) {
				if p.Decision.Stage == billing.StageCuijiao {
					long = &p
					break
				}
			}
			if long == nil {
				t.Fatal("no account in the county is due its 催交")
			}
			if _, err := r.core.ExecContext(ctx, `UPDATE accounts SET important = 1 WHERE id = @id`, sql.Named("id", long.Account.ID)); err != nil {
				t.Fatal(err)
			}
			for _, day := range []int{26, 27} {
				r.set(time.Date(2026, 11, day, 8, 30, 0, 0, beijing))
				if _, err := r.reminders.Run(ctx, r.clock()); err != nil {
					t.Fatal(err)
				}
				r.deliver(t)
			}
			var got []string
			for _, rec := range r.records(t) {
				if rec.account == long.Account.ID {
					got = append(got, rec.on+":"+rec.stage+":"+rec.status+":"+rec.code)
				}
			}
			want := []string{"2026-11-26:cuijiao:sent:", "2026-11-27:notice:sent:", tc.copy}
			if !slices.Equal(got, want) {
				t.Fatalf("records of the important account: %v, want %v", got, want)
			}
			copies, err := r.inbox.Recent(ctx, "13900139000", 10)
			if err != nil {
				t.Fatal(err)
			}
			if n := map[string]int{"": 0, "13900139000": 1}[tc.admin]; len(copies) != n || n == 1 && copies[0].Kind != notify.NoticeCopy {
				t.Errorf("the power administration received %+v, want %d copies of the notice", copies, n)
			}
		})
	}
}

// process runs the queued task of account a at once.
func (r *remindRig) process(t *testing.T, a store.ArrearsAccount, due []worker.Planned) error {
	t.Helper()
	i := slices.IndexFunc(due, func(p worker.Planned) bool { return p.Account.ID == a.ID })
	run, err := r.portal.ReminderRun(context.Background(), r.clock())
	if err != nil {
		t.Fatal(err)
	}
	task, err := worker.NewNotifyRemindTask(run.ID, a.ID, due[i].Decision.Stage, r.clock(), r.clock(), r.clock())
	if err != nil {
		t.Fatal(err)
	}
	return r.sender.ProcessTask(context.Background(), task)
}

// TestLowBalanceAlert: a prepaid account with nothing owed and a balance under the threshold gets a
// low-balance alert with its balance and the threshold, once a week.
func TestLowBalanceAlert(t *testing.T) {
	r := newRemindRig(t, storetest.SQLite)
	ctx := context.Background()
	var id int64
	var no string
	err := r.core.QueryRowContext(ctx, `SELECT a.id, a.account_no FROM accounts a
WHERE a.class = 'residential' AND NOT EXISTS (SELECT 1 FROM bills b WHERE b.account_id = a.id AND b.status <> 'paid')
ORDER BY a.id`).Scan(&id, &no)
	if err != nil {
		t.Fatalf("no residential account with every bill paid: %v", err)
	}
	if _, err := r.core.ExecContext(ctx, `UPDATE accounts SET prepaid_fen = 1234 WHERE id = @id`, sql.Named("id", id)); err != nil {
		t.Fatal(err)
	}
	for _, day := range []int{26, 27} {
		r.set(time.Date(2026, 11, day, 8, 30, 0, 0, beijing))
		if _, err := r.reminders.Run(ctx, r.clock()); err != nil {
			t.Fatal(err)
		}
		r.deliver(t)
	}
	var got []string
	for _, rec := range r.records(t) {
		if rec.account == id {
			got = append(got, rec.on+":"+rec.stage+":"+rec.status)
		}
	}
	if want := []string{"2026-11-26:low_balance:sent"}; !slices.Equal(got, want) {
		t.Fatalf("records of the prepaid account: %v, want %v (once, not again the next day)", got, want)
	}
	msgs, err := r.inbox.Recent(ctx, "", 500)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(msgs, func(m notify.Delivery) bool { return m.Kind == notify.LowBalance })
	if i < 0 || msgs[i].Params[notify.ParamAmount] != "12.34" || msgs[i].Params[notify.ParamThreshold] != "20.00" {
		t.Errorf("low-balance message %+v, want the balance 12.34 and the threshold 20.00", msgs)
	}
}
