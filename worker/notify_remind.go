package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/hibiken/asynq"

	"gridpay/internal/billing"
	"gridpay/internal/pii"
	"gridpay/internal/store"
	"gridpay/notify"
)

// TypeNotifyRemind sends one arrears reminder (or notice) to one account: one task per account,
// stage and day, queued by the arrears run.
const TypeNotifyRemind = "notify:remind"

// remindMaxRetry bounds the retries of a reminder whose channels all failed for a moment: with the
// server's doubling waits (capped at 10 minutes) they span about 40 minutes, within the day the
// reminder is for.
const remindMaxRetry = 12

// remindRetention keeps a sent reminder's task (and so its id) for two days: a rerun of its day, or
// a crashed run resumed, finds the id taken and queues nothing twice.
const remindRetention = 48 * time.Hour

// NotifyRemindPayload names the account, the stage the run decided and the day it is for; the
// handler reads everything else fresh.
type NotifyRemindPayload struct {
	RunID     int64         `json:"run_id"`
	AccountID int64         `json:"account_id"`
	Stage     billing.Stage `json:"stage"`
	Day       string        `json:"day"` // YYYY-MM-DD in the bureau's location
}

// remindStages are the stages a notify:remind task may name.
var remindStages = []billing.Stage{billing.StageBeforeDue, billing.StageDue, billing.StageOverdue1, billing.StageOverdue15,
	billing.StageCuijiao, billing.StageNotice, billing.StageNoticeFinal, billing.StageLowBalance}

// NewNotifyRemindTask makes the task that sends stage to account accountID on day, for the run
// runID, at at (later than now: held until then). Its id is the day's, account's and stage's, so a
// second run of the day queues nothing again.
func NewNotifyRemindTask(runID, accountID int64, stage billing.Stage, day, at, now time.Time) (*asynq.Task, error) {
	if runID <= 0 || accountID <= 0 || !slices.Contains(remindStages, stage) || day.IsZero() {
		return nil, fmt.Errorf("worker: %s for run %d, account %d, stage %q: %w", TypeNotifyRemind, runID, accountID,
			stage, billing.ErrInvalid)
	}
	on := billing.DateOf(day).Format(time.DateOnly)
	b, err := json.Marshal(NotifyRemindPayload{RunID: runID, AccountID: accountID, Stage: stage, Day: on})
	if err != nil {
		return nil, err
	}
	opts := []asynq.Option{asynq.TaskID(fmt.Sprintf("%s:%s:%d:%s", TypeNotifyRemind, on, accountID, stage)),
		asynq.Queue(QueueNotify), asynq.MaxRetry(remindMaxRetry), asynq.Timeout(time.Minute), asynq.Retention(remindRetention)}
	if at.After(now) {
		// Held for as long as the decision's clock says, counted on the queue's own clock: a worker
		// whose clock is off by a minute still sends after quiet hours, not in them.
		opts = append(opts, asynq.ProcessIn(at.Sub(now)))
	}
	return asynq.NewTask(TypeNotifyRemind, b, opts...), nil
}

// kindOf is the message kind of each stage.
var kindOf = map[billing.Stage]notify.Kind{
	billing.StageBeforeDue:   notify.DueSoon,
	billing.StageDue:         notify.DueSoon,
	billing.StageOverdue1:    notify.Reminder,
	billing.StageOverdue15:   notify.Reminder,
	billing.StageCuijiao:     notify.Cuijiao,
	billing.StageNotice:      notify.Notice,
	billing.StageNoticeFinal: notify.NoticeFinal,
	billing.StageLowBalance:  notify.LowBalance,
}

// StageNoticeCopy is the stage under which the copy of an important customer's notice to the power
// administration department is on record: not a step of the ladder, so it never stands for the
// customer's own notice.
const StageNoticeCopy = "notice_copy"

// ReminderSender handles notify:remind. Just before sending it reads the account again and decides
// again, so a payment that arrived, a dispute filed or a day suppressed since the run stops the
// reminder; then it tries the stage's channels in order until one takes the message, and writes
// every channel's outcome to the core database's reminders table, the bureau's proof. A transient
// failure of every channel is retried with backoff (nothing is recorded until the outcome is
// known); permanent failures, or retries run out, are recorded as failed and stop.
type ReminderSender struct {
	Reminders *Reminders
	// Route gives the channels of each stage, in the order tried. A channel that cannot reach the
	// account (WeChat for an account no one follows) is passed over without a record.
	Route func(billing.Stage) []notify.Channel
	// AdminPhone receives a copy of an important customer's notice (the power administration
	// department); empty: no copy.
	AdminPhone string
	// PayLink is the account's pay link (the 代缴 page) that every reminder carries.
	PayLink func(accountNo string) string
	Bureau  string // signs the text kept as proof
}

// ProcessTask implements asynq.Handler.
func (s *ReminderSender) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var p NotifyRemindPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("worker: %s: undecodable payload: %w", TypeNotifyRemind, asynq.SkipRetry)
	}
	day, err := time.Parse(time.DateOnly, p.Day)
	if err != nil || p.RunID <= 0 || p.AccountID <= 0 || !slices.Contains(remindStages, p.Stage) {
		return fmt.Errorf("worker: %s: payload for run %d, account %d, stage %q, day %q: %w", TypeNotifyRemind,
			p.RunID, p.AccountID, p.Stage, p.Day, asynq.SkipRetry)
	}
	r := s.Reminders
	log := r.Log.With("account_id", p.AccountID, "stage", p.Stage, "day", p.Day)
	now := r.Now()
	loc := r.Policy.Location
	if loc == nil {
		loc = time.UTC
	}
	if today := billing.DateOf(now.In(loc)); !today.Equal(day) {
		// Retried past its day: that day's run and the next speak for it.
		log.Info("reminder not sent: its day has passed")
		return s.count(ctx, p.RunID, store.RunCounts{Suppressed: map[string]int64{"stale": 1}})
	}
	a, err := r.Core.ArrearsAccount(ctx, p.AccountID)
	if errors.Is(err, billing.ErrNotFound) {
		return fmt.Errorf("worker: %s: account %d: %v: %w", TypeNotifyRemind, p.AccountID, err, asynq.SkipRetry)
	}
	if err != nil {
		return err
	}
	policy, err := r.policyOn(ctx, day, day)
	if err != nil {
		return err
	}
	ds, err := r.decide(ctx, policy, []store.ArrearsAccount{a}, now)
	if err != nil {
		return err
	}
	d := ds[0].Decision
	if !d.Send() || d.Stage != p.Stage {
		reason := string(d.Reason)
		if d.Send() {
			reason = "stage_changed"
		}
		log.Info("reminder not sent: the re-check stopped it", "reason", reason)
		return s.count(ctx, p.RunID, store.RunCounts{Suppressed: map[string]int64{reason: 1}})
	}
	followers, err := r.Portal.WeChatFollowers(ctx, []string{a.No})
	if err != nil {
		return err
	}
	m, err := s.message(policy, a, d, notify.To{Phone: a.Phone, OpenID: followers[a.No]})
	if err != nil {
		return fmt.Errorf("worker: %s: account %d: %w: %w", TypeNotifyRemind, p.AccountID, err, asynq.SkipRetry)
	}
	attempts := s.send(ctx, s.Route(d.Stage), m)
	retried, _ := asynq.GetRetryCount(ctx)
	maxRetry, _ := asynq.GetMaxRetry(ctx)
	ok := slices.ContainsFunc(attempts, func(a attempt) bool { return a.err == nil })
	transient := slices.ContainsFunc(attempts, func(a attempt) bool { return a.err != nil && !notify.Permanent(a.err) })
	if !ok && transient && retried < maxRetry {
		log.Warn("reminder not sent: will retry", "retried", retried, "err", joinAttempts(attempts))
		return fmt.Errorf("worker: %s: account %d: %w", TypeNotifyRemind, p.AccountID, joinAttempts(attempts))
	}
	if len(attempts) == 0 {
		attempts = []attempt{{channel: "none", err: &notify.Failure{Channel: "none", Code: "NoChannel",
			Detail: "no channel reaches the account", Permanent: true}}}
	}
	text, err := m.Render(s.Bureau)
	if err != nil {
		return fmt.Errorf("worker: %s: account %d: %w: %w", TypeNotifyRemind, p.AccountID, err, asynq.SkipRetry)
	}
	if err := s.record(ctx, a, d, day, now, text.Zh, attempts); err != nil {
		return err // recorded nothing, or part: the retry decides again and finds what is on record
	}
	if ok && d.CopyAdministration && d.Stage == billing.StageNotice {
		s.copyNotice(ctx, log, policy, a, d, day, now)
	}
	if !ok {
		log.Warn("reminder not sent: failed for good", "err", joinAttempts(attempts))
		if err := s.count(ctx, p.RunID, store.RunCounts{Failed: 1}); err != nil {
			return err
		}
		return fmt.Errorf("worker: %s: account %d: %w: %w", TypeNotifyRemind, p.AccountID, joinAttempts(attempts), asynq.SkipRetry)
	}
	log.Info("reminder sent", "channel", attempts[len(attempts)-1].channel)
	return s.count(ctx, p.RunID, store.RunCounts{Sent: 1})
}

// attempt is one channel's outcome.
type attempt struct {
	channel string
	to      string // masked
	id      string
	err     error
}

func joinAttempts(as []attempt) error {
	var errs []error
	for _, a := range as {
		if a.err != nil {
			errs = append(errs, a.err)
		}
	}
	return errors.Join(errs...)
}

// send tries channels in order until one takes m; channels that cannot reach the recipient are
// passed over.
func (s *ReminderSender) send(ctx context.Context, channels []notify.Channel, m notify.Message) []attempt {
	var out []attempt
	for _, c := range channels {
		id, err := c.Send(ctx, m)
		if errors.Is(err, notify.ErrNoRecipient) {
			continue
		}
		to := pii.Phone(m.To.Phone)
		if c.Name() == "wechat" {
			to = maskOpenID(m.To.OpenID)
		}
		out = append(out, attempt{channel: c.Name(), to: to, id: id, err: err})
		if err == nil {
			break
		}
	}
	return out
}

// maskOpenID keeps an OpenID's first and last four characters.
func maskOpenID(id string) string {
	if len(id) <= 8 {
		return "****"
	}
	return id[:4] + "****" + id[len(id)-4:]
}

// record writes every attempt to the core database's reminders table, the one that reached the
// customer first: should the process stop part way, the proof holds what was sent, and the retry's
// re-check finds it on record and sends nothing again.
func (s *ReminderSender) record(ctx context.Context, a store.ArrearsAccount, d billing.Decision, day, now time.Time,
	content string, attempts []attempt) error {
	attempts = slices.Clone(attempts)
	slices.SortStableFunc(attempts, func(x, y attempt) int {
		switch {
		case x.err == nil && y.err != nil:
			return -1
		case x.err != nil && y.err == nil:
			return 1
		}
		return 0
	})
	for _, at := range attempts {
		r := store.Reminder{AccountID: a.ID, Stage: string(d.Stage), Channel: at.channel, RemindOn: day, SentAt: now,
			Amount: d.Amount, Recipient: at.to, Content: content, Status: billing.ReminderSent, BillID: d.BillID,
			DueOn: d.Due, PlannedOn: d.Planned, MessageID: at.id}
		if at.err != nil {
			r.Status, r.ErrorCode = billing.ReminderFailed, failureCode(at.err)
		}
		if _, _, err := s.Reminders.Core.RecordReminder(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// failureCode is the channel's code of a failure, or a short word for one it gave no code.
func failureCode(err error) string {
	if c := notify.FailureCode(err); c != "" {
		return c
	}
	if notify.Permanent(err) {
		return "refused"
	}
	return "unavailable"
}

// copyNotice sends the copy of an important customer's notice to the power administration
// department, through the stage's channels that reach a phone, and records it. A copy that could
// not go (no department phone configured, every channel failed) is recorded as failed and logged
// for staff: the customer's notice went out, and is not sent again for it.
func (s *ReminderSender) copyNotice(ctx context.Context, log *slog.Logger, p billing.ReminderPolicy, a store.ArrearsAccount,
	d billing.Decision, day, now time.Time) {
	d.Stage = StageNoticeCopy
	var (
		attempts []attempt
		content  string
	)
	m, err := s.params(notify.NoticeCopy, p, a, d, notify.To{Phone: s.AdminPhone})
	switch {
	case s.AdminPhone == "":
		content = "重要用户停电通知抄送未发出：未配置电力管理部门的手机号码 (GRIDPAY_REMIND_ADMIN_PHONE)"
		attempts = []attempt{{channel: "none", to: "-", err: &notify.Failure{Channel: "none", Code: "NoAdminPhone",
			Detail: "GRIDPAY_REMIND_ADMIN_PHONE is not set", Permanent: true}}}
	case err != nil:
		log.Warn("notice copy to the power administration not sent", "err", err)
		return
	default:
		text, rerr := m.Render(s.Bureau)
		if rerr != nil {
			log.Warn("notice copy to the power administration not sent", "err", rerr)
			return
		}
		content = text.Zh
		if attempts = s.send(ctx, s.Route(StageNoticeCopy), m); len(attempts) == 0 {
			attempts = []attempt{{channel: "none", to: pii.Phone(s.AdminPhone), err: &notify.Failure{Channel: "none",
				Code: "NoChannel", Detail: "no channel reaches a phone", Permanent: true}}}
		}
	}
	err = s.record(ctx, a, d, day, now, content, attempts)
	if err == nil && !slices.ContainsFunc(attempts, func(a attempt) bool { return a.err == nil }) {
		err = joinAttempts(attempts)
	}
	if err != nil {
		log.Warn("notice copy to the power administration not sent", "err", err)
	}
}

// message is the reminder of decision d to account a.
func (s *ReminderSender) message(p billing.ReminderPolicy, a store.ArrearsAccount, d billing.Decision, to notify.To) (notify.Message, error) {
	return s.params(kindOf[d.Stage], p, a, d, to)
}

// params builds a message of kind k with the parameters its template takes, from what the decision says.
func (s *ReminderSender) params(k notify.Kind, p billing.ReminderPolicy, a store.ArrearsAccount, d billing.Decision, to notify.To) (notify.Message, error) {
	tpl, ok := notify.TemplateOf(k)
	if !ok {
		return notify.Message{}, fmt.Errorf("no template of kind %q", k)
	}
	l, ok := p.Ladders[a.Class]
	if !ok {
		l = billing.DefaultLadder(a.Class)
	}
	cutoff := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(l.DisconnectAt)
	values := map[string]string{
		notify.ParamAccount:    pii.AccountNo(a.No),
		notify.ParamAmount:     d.Amount.String(),
		notify.ParamLink:       s.PayLink(a.No),
		notify.ParamThreshold:  l.LowBalance.String(),
		notify.ParamCutoffTime: cutoff.Format("15:04"),
	}
	if !d.Due.IsZero() {
		values[notify.ParamDueDate] = d.Due.Format(time.DateOnly)
	}
	if !d.Planned.IsZero() {
		values[notify.ParamCutoffDate] = d.Planned.Format(time.DateOnly)
	}
	m := notify.Message{Kind: k, To: to, Params: notify.Params{}}
	for _, name := range append(tpl.Required, tpl.Optional...) {
		if v, ok := values[name]; ok {
			m.Params[name] = v
		}
	}
	return m, m.Validate()
}

// count adds what delivery found to the run's counts; a run that is gone (its record removed) is
// no reason to send again.
func (s *ReminderSender) count(ctx context.Context, runID int64, c store.RunCounts) error {
	err := s.Reminders.Portal.CountReminderDeliveries(ctx, runID, c)
	if errors.Is(err, billing.ErrNotFound) {
		return nil
	}
	return err
}
