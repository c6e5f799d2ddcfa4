package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/url"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hibiken/asynq"

	"gridpay/internal/billing"
	"gridpay/internal/config"
	"gridpay/internal/pii"
	"gridpay/internal/store"
	"gridpay/notify"
	"gridpay/worker"
)

// newReminders builds the arrears run and its sender on the process's services, deciding by the
// clock now: reminders go by WeChat when the official account is configured and the account is
// followed, else by the texting channel (the SMS gateway, or the dev inbox in dev).
func newReminders(cfg config.Config, log *slog.Logger, svc *services, now func() time.Time) (*worker.Reminders, *worker.ReminderSender) {
	r := &worker.Reminders{Core: svc.core, Portal: svc.orders, Policy: cfg.Remind.Policy(cfg.Location), Enqueuer: svc.enqueuer,
		Now: now, Log: log}
	var channels []notify.Channel
	if svc.wechat != nil {
		channels = append(channels, svc.wechat)
	}
	channels = append(channels, svc.sms)
	sender := &worker.ReminderSender{Reminders: r, Route: func(billing.Stage) []notify.Channel { return channels },
		AdminPhone: cfg.Remind.AdminPhone, Bureau: cfg.Bureau,
		PayLink: func(no string) string { return cfg.PublicURL + "/payfor?account=" + url.QueryEscape(no) }}
	return r, sender
}

// runRemind is `gridpay remind`: the arrears run of a day, now. With --dry-run it prints who would
// be reminded, at which stage and why, and sends nothing; without, it runs the day's run (resuming
// it if it was cut short), delivers what is due now and returns when that is done.
func runRemind(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("gridpay remind", stderr)
	day := fs.String("date", "", "the run's day as YYYY-MM-DD (default: today in GRIDPAY_TIMEZONE); another day than today is for dev and --dry-run")
	dry := fs.Bool("dry-run", false, "print who would be reminded, at which stage and why; send nothing, write nothing")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("remind: unexpected argument %q", clip(fs.Arg(0)))
	}
	// The clock runs as usual, shifted to the day asked for: a run of another day sees that day at
	// the same time of day as now, or at the run's time when now is in quiet hours.
	real := time.Now().In(cfg.Location)
	shift := time.Duration(0)
	if *day != "" {
		d, err := time.ParseInLocation(time.DateOnly, *day, cfg.Location)
		if err != nil {
			return fmt.Errorf("remind: --date %q is not a date: want YYYY-MM-DD", clip(*day))
		}
		// The databases keep days of 2000 to 2099, and the run reads the calendar of the day after
		// too; the bound also keeps the shift of the clock far from time.Duration's limit.
		if d.Year() < 2000 || !d.Before(time.Date(2099, time.December, 31, 0, 0, 0, 0, cfg.Location)) {
			return fmt.Errorf("remind: --date %s: want a day from 2000-01-01 to 2099-12-30", *day)
		}
		if y, m, dd := real.Date(); d.Year() != y || d.Month() != m || d.Day() != dd {
			if cfg.Production() && !*dry {
				return fmt.Errorf("remind: --date %s is not today: production sends only today's reminders (add --dry-run to preview)", *day)
			}
			at := d.Add(cfg.Remind.At)
			if p := cfg.Remind.Policy(cfg.Location); !p.QuietAt(real.Sub(time.Date(y, m, dd, 0, 0, 0, 0, cfg.Location))) {
				at = d.Add(real.Sub(time.Date(y, m, dd, 0, 0, 0, 0, cfg.Location)))
			}
			shift = at.Sub(real)
		}
	}
	now := func() time.Time { return time.Now().Add(shift) }

	dbs, err := openDatabases(ctx, cfg)
	if err != nil {
		return err
	}
	defer dbs.close()
	// Dev keeps its own schemas current, as `gridpay all` does; production changes no schema on its
	// own (the core database is the utility's: `gridpay migrate` is a deliberate step) and, like
	// serve and worker, refuses the demo county, whose phones are people's numbers.
	if !cfg.Production() {
		if err := dbs.migrate(ctx, log); err != nil {
			return err
		}
	}
	if err := refuseDemoCounty(ctx, cfg, dbs); err != nil {
		return err
	}
	rdb, redisURL, stop, err := openRedis(cfg, log)
	if err != nil {
		return err
	}
	defer stop()
	svc, err := newServices(cfg, log, dbs, rdb, redisURL, nil)
	if err != nil {
		return err
	}
	defer svc.close()
	reminders, sender := newReminders(cfg, log, svc, now)
	bar := newProgress(stderr)
	reminders.Progress = func(p worker.RunProgress) { bar.show(p) }
	on := billing.DateOf(now().In(cfg.Location))
	before, err := svc.orders.ReminderRun(ctx, on)
	if err != nil && !errors.Is(err, billing.ErrNotFound) {
		return err
	}
	doneBefore := err == nil && before.Status == store.RunDone

	if *dry {
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "户号 account\t类别 class\t阶段 stage\t到期 due\t欠费 owed\t发送 send at\t原因 why")
		counts, err := reminders.DryRun(ctx, on, now(), func(p worker.Planned) { writePlanned(tw, p, cfg.Location) })
		bar.done()
		if err != nil {
			return err
		}
		tw.Flush()
		fmt.Fprintf(stdout, "\n%s (dry run: nothing sent) %s\n", on.Format(time.DateOnly), summary(counts))
		if doneBefore {
			// The table is what the ladder says now; the day's run has had its say.
			fmt.Fprintf(stdout, "the run of %s is done already (run %d): gridpay remind queues nothing more that day\n",
				on.Format(time.DateOnly), before.ID)
		}
		return nil
	}

	// Deliver in this process: with the embedded Redis no other process could, and with a real one
	// the workers running share the queues with it. A server takes tasks from every queue, so it
	// handles every task a worker does: a payment it took and could not handle would wait for a retry.
	srv := worker.NewServer(svc.redis, cfg.WorkerConcurrency, log)
	handleTasks(srv, log, svc, cfg, reminders, sender)
	srvCtx, stopSrv := context.WithCancel(ctx)
	srvDone := make(chan struct{})
	go func() { defer close(srvDone); srv.Run(srvCtx) }()
	defer func() { stopSrv(); <-srvDone }()

	run, err := reminders.Run(ctx, on)
	bar.done()
	if err != nil {
		return err
	}
	if doneBefore {
		fmt.Fprintf(stdout, "%s run %d was done already (%s): nothing queued again\n", on.Format(time.DateOnly), run.ID,
			summary(run.Counts))
	} else {
		fmt.Fprintf(stdout, "%s run %d: %s\n", on.Format(time.DateOnly), run.ID, summary(run.Counts))
	}
	waiting, err := waitDelivered(ctx, svc.redis)
	if err != nil {
		return err
	}
	run, err = svc.orders.ReminderRun(ctx, on)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "delivered: %d sent, %d failed, %d stopped by the check before sending\n", run.Counts.Sent,
		run.Counts.Failed, run.Counts.SuppressedTotal())
	if waiting > 0 {
		note := "the workers send them"
		if cfg.EmbeddedRedis() {
			// Not gridpay all: its Redis is another, and it finds this day's run done.
			note = "the embedded Redis forgets them as this command ends: the next day's run decides those accounts again"
		}
		fmt.Fprintf(stdout, "%d reminders wait for their time (quiet hours, a final notice) or a retry: %s\n", waiting, note)
	}
	return nil
}

// waitDelivered waits until no reminder is pending or being sent, and returns how many wait for a
// later time (held by quiet hours, or retrying).
func waitDelivered(ctx context.Context, conn asynq.RedisConnOpt) (int, error) {
	in := asynq.NewInspector(conn)
	defer in.Close()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		// asynq's GetQueueInfo reports a queue never used (a run that queued nothing, in a fresh
		// embedded Redis) with an error of its own, not ErrQueueNotFound: ask for the queues first.
		queues, err := in.Queues()
		if err != nil {
			return 0, fmt.Errorf("remind: queues: %w", err)
		}
		if !slices.Contains(queues, worker.QueueNotify) {
			return 0, nil
		}
		q, err := in.GetQueueInfo(worker.QueueNotify)
		if err != nil {
			return 0, fmt.Errorf("remind: queue: %w", err)
		}
		if q.Pending == 0 && q.Active == 0 {
			return q.Scheduled + q.Retry, nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-tick.C:
		}
	}
}

// summary is a run's counts on one line, the reasons held back in order of name.
func summary(c store.RunCounts) string {
	var held []string
	for _, reason := range slices.Sorted(maps.Keys(c.Suppressed)) {
		held = append(held, fmt.Sprintf("%s %d", reason, c.Suppressed[reason]))
	}
	s := fmt.Sprintf("scanned %d, due %d, queued %d", c.Scanned, c.Due, c.Enqueued)
	if len(held) > 0 {
		s += ", held back: " + strings.Join(held, ", ")
	}
	return s
}

// reasonText explains a decision that sends nothing, in Chinese and English.
var reasonText = map[billing.Reason]string{
	billing.ReasonInFlight:       "缴费在途 payment in flight",
	billing.ReasonProtected:      "保障户 protected customer",
	billing.ReasonExempt:         "暂缓催费 exempted",
	billing.ReasonDisputed:       "异议处理中 open dispute",
	billing.ReasonSuppressedDay:  "免扰日 suppressed day",
	billing.ReasonNoticeWithheld: "不满足停电通知条件 notice not lawful yet",
}

// preconditionText names a notice's missing precondition.
var preconditionText = map[billing.Precondition]string{
	billing.NeedOverdue:          "未逾期满30天 not more than 30 days overdue",
	billing.NeedCuijiaoOnRecord:  "无催交记录 no 催交 on record",
	billing.NeedCuijiaoDelivered: "催交未送达 催交 not delivered",
	billing.NeedLeadTime:         "提前期不足 lead time too short",
}

// writePlanned writes one decision of a dry run as a table row.
func writePlanned(w io.Writer, p worker.Planned, loc *time.Location) {
	d := p.Decision
	due, send, why := "-", "-", ""
	if !d.Due.IsZero() {
		due = d.Due.Format(time.DateOnly)
	}
	stage := string(d.Stage)
	if d.Send() || !p.SendAt.IsZero() {
		send = p.SendAt.In(loc).Format("01-02 15:04")
		if stage == "" {
			stage = "(later)"
		}
		switch {
		case d.Stage == billing.StageNotice:
			why = "停电日 cut-off " + d.Planned.Format(time.DateOnly)
		case d.Reason == billing.ReasonQuietHours:
			why = "夜间免扰，次晨发送 quiet hours: next morning"
		case d.Reason == billing.ReasonFinalNotYet:
			why = "停电前1小时 1 hour before the cut-off"
		case d.Stage == billing.StageLowBalance:
			why = "预存余额不足 prepaid balance low"
		case !d.Due.IsZero():
			why = dueText(int(billing.DateOf(p.SendAt.In(loc)).Sub(d.Due) / (24 * time.Hour)))
		}
	} else {
		stage, why = "-", reasonText[d.Reason]
		if d.Withheld != "" {
			why += ": " + preconditionText[d.Withheld]
		}
	}
	fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", pii.AccountNo(p.Account.No), p.Account.Class.Label()+" "+string(p.Account.Class), stage, due,
		d.Amount.String(), send, why)
}

// dueText says where a day stands from a bill's due date, days after it (negative: before it).
func dueText(days int) string {
	plural := func(n int) string {
		if n == 1 {
			return "1 day"
		}
		return fmt.Sprintf("%d days", n)
	}
	switch {
	case days < 0:
		return fmt.Sprintf("%d天后到期 due in %s", -days, plural(-days))
	case days == 0:
		return "今日到期 due today"
	}
	return fmt.Sprintf("逾期%d天 %s past due", days, plural(days))
}

// clip shortens an argument quoted back in an error: a command line may hold a long one.
func clip(s string) string {
	const most = 40
	if len(s) <= most {
		return s
	}
	return strings.ToValidUTF8(s[:most], "") + "…"
}

// progress draws a progress bar of a run on a terminal; elsewhere it stays silent.
type progress struct {
	w    io.Writer
	tty  bool
	seen bool
}

func newProgress(w io.Writer) *progress {
	f, ok := w.(*os.File)
	tty := false
	if ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progress{w: w, tty: tty}
}

func (p *progress) show(r worker.RunProgress) {
	if !p.tty {
		return
	}
	p.seen = true
	const width = 30
	c := r.Counts
	done := width
	if r.Total > 0 {
		done = int(min(c.Scanned*width/int64(r.Total), width))
	}
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d 户 accounts · 应提醒 due %d · 已排队 queued %d ", strings.Repeat("#", done),
		strings.Repeat(".", width-done), c.Scanned, r.Total, c.Due, c.Enqueued)
}

func (p *progress) done() {
	if p.tty && p.seen {
		fmt.Fprintln(p.w)
	}
}
