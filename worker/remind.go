package worker

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

// ArrearsSource is the core database as the arrears run reads and writes it: the accounts in the
// ladder's reach in batches, one account fresh before sending, and the proof of what was sent.
type ArrearsSource interface {
	CountOverdueAccounts(ctx context.Context, dueBy time.Time, lowBalance billing.Money) (int, error)
	OverdueAccounts(ctx context.Context, dueBy time.Time, lowBalance billing.Money, after int64, limit int) ([]store.ArrearsAccount, error)
	ArrearsAccount(ctx context.Context, accountID int64) (store.ArrearsAccount, error)
	RecordReminder(ctx context.Context, r store.Reminder) (store.Reminder, bool, error)
}

// Reminders is the arrears run (docs/design.md, "Reminders"): it streams the accounts in the
// ladder's reach from the core database in batches, decides each on billing's ladder and queues one
// notify:remind task per account, stage and day; the task decides again just before it sends.
type Reminders struct {
	Core   ArrearsSource
	Portal *store.Portal
	// Policy holds the ladders, late-fee rates, quiet hours and the bureau's location. Its
	// suppression calendar is read from the portal database for every decision, so that a day
	// staff add (extreme weather) counts at once.
	Policy   billing.ReminderPolicy
	Enqueuer *Enqueuer
	Now      func() time.Time
	Log      *slog.Logger
	// Batch is how many accounts one read brings (store.MaxArrearsBatch when zero).
	Batch int
	// Progress, when set, is told after every batch how far the run has come.
	Progress func(RunProgress)
}

// RunProgress is how far a run (or a dry run) has come: the last account decided, the counts so far
// (Counts.Scanned of Total accounts in reach; a resumed run counts from its start).
type RunProgress struct {
	LastAccountID int64
	Counts        store.RunCounts
	Total         int
}

// Planned is one account's decision in a run: what is sent (or why nothing is) and when.
type Planned struct {
	Account  store.ArrearsAccount
	Decision billing.Decision
	// SendAt is when the reminder goes out: now, or when quiet hours end or a final notice is due.
	// Zero when nothing is sent.
	SendAt time.Time
}

// decided is one account's decision within a batch, with the stage and day its task names.
type decided struct {
	Planned
	stage billing.Stage
	day   time.Time
}

// suppressionReasons are the decisions that hold back a reminder an account was due; the others
// (nothing due, already sent) are not counted as suppressed.
var suppressionReasons = []billing.Reason{billing.ReasonInFlight, billing.ReasonProtected, billing.ReasonExempt,
	billing.ReasonDisputed, billing.ReasonSuppressedDay, billing.ReasonNoticeWithheld}

// policyOn returns the policy with the suppression calendar of the days from..to read in.
func (r *Reminders) policyOn(ctx context.Context, from, to time.Time) (billing.ReminderPolicy, error) {
	days, err := r.Portal.SuppressedReminderDays(ctx, from, to)
	if err != nil {
		return billing.ReminderPolicy{}, err
	}
	p := r.Policy
	p.Suppressed = slices.Clone(p.Suppressed)
	for _, d := range days {
		p.Suppressed = append(p.Suppressed, d.Day)
	}
	return p, nil
}

// reach is how many days before its due date a bill enters the ladder (the earliest step of any
// class: 3 days by default), and the highest low-balance threshold of any class.
func (r *Reminders) reach() (days int, low billing.Money) {
	for _, c := range billing.Classes() {
		l, ok := r.Policy.Ladders[c]
		if !ok {
			l = billing.DefaultLadder(c)
		}
		for _, s := range l.Steps {
			days = max(days, -s.Offset)
		}
		low = max(low, l.LowBalance)
	}
	return days, low
}

// state is what the ladder knows of account a, with its payments in flight and open disputes.
func state(a store.ArrearsAccount, inFlight bool, disputes store.DisputedBills) billing.ReminderState {
	s := billing.ReminderState{
		Account: billing.ReminderAccount{Class: a.Class, Protected: a.Protected, Important: a.Important,
			ExemptTo: a.RemindersExemptUntil, Prepaid: a.Prepaid > 0, Balance: a.Prepaid},
		Bills:           a.Open,
		InFlight:        inFlight,
		Disputed:        disputes.Bills,
		DisputedAccount: disputes.Account,
	}
	for _, e := range a.Reminders {
		s.History = append(s.History, billing.SentReminder{Stage: billing.Stage(e.Stage), BillID: e.BillID, Due: e.DueOn,
			On: e.RemindOn, Planned: e.PlannedOn, Delivered: e.Status.Reached()})
	}
	return s
}

// decide decides every account of a batch at now: a reminder held by quiet hours, or a final
// notice not yet due, is decided again at the time it may go, and queued for then.
func (r *Reminders) decide(ctx context.Context, p billing.ReminderPolicy, batch []store.ArrearsAccount, now time.Time) ([]decided, error) {
	nos := make([]string, len(batch))
	for i, a := range batch {
		nos[i] = a.No
	}
	inFlight, err := r.Portal.InFlightAccounts(ctx, nos)
	if err != nil {
		return nil, err
	}
	disputes, err := r.Portal.OpenDisputes(ctx, nos)
	if err != nil {
		return nil, err
	}
	out := make([]decided, len(batch))
	for i, a := range batch {
		s := state(a, inFlight[a.No], disputes[a.No])
		d := billing.Decide(p, s, now)
		out[i] = decided{Planned: Planned{Account: a, Decision: d}}
		switch {
		case d.Send():
			out[i].SendAt, out[i].stage, out[i].day = now, d.Stage, billing.DateOf(now.In(p.Location))
		case !d.WaitUntil.IsZero():
			if later := billing.Decide(p, s, d.WaitUntil); later.Send() {
				out[i].SendAt, out[i].stage, out[i].day = d.WaitUntil, later.Stage, billing.DateOf(d.WaitUntil.In(p.Location))
			}
		}
	}
	return out, nil
}

// count adds one decision to c.
func count(c *store.RunCounts, d decided) {
	c.Scanned++
	switch {
	case d.stage != "":
		c.Due++
	case slices.Contains(suppressionReasons, d.Decision.Reason):
		c.Due++
		if c.Suppressed == nil {
			c.Suppressed = map[string]int64{}
		}
		c.Suppressed[string(d.Decision.Reason)]++
	}
}

// scan walks the accounts in the ladder's reach on day, after the account id after, in batches,
// calling each with every batch's decisions at now and the number of accounts in reach (counted
// only for Progress; else 0).
func (r *Reminders) scan(ctx context.Context, day, now time.Time, after int64, each func(ds []decided, total int) error) error {
	loc := r.Policy.Location
	// The calendar of today and tomorrow: quiet hours push a reminder into the next morning.
	p, err := r.policyOn(ctx, day, day.AddDate(0, 0, 1))
	if err != nil {
		return err
	}
	if loc == nil {
		p.Location = time.UTC
	}
	size := r.Batch
	if size <= 0 || size > store.MaxArrearsBatch {
		size = store.MaxArrearsBatch
	}
	lead, low := r.reach()
	dueBy := day.AddDate(0, 0, lead)
	total := 0
	if r.Progress != nil {
		if total, err = r.Core.CountOverdueAccounts(ctx, dueBy, low); err != nil {
			return err
		}
	}
	// The next batch is read while this one is decided and queued: the core database and Redis
	// work side by side. Reading ahead changes nothing on record, so a run cut short still resumes
	// after the last batch it recorded.
	type read struct {
		batch []store.ArrearsAccount
		err   error
	}
	readAfter := func(after int64) <-chan read {
		ch := make(chan read, 1)
		go func() {
			batch, err := r.Core.OverdueAccounts(ctx, dueBy, low, after, size)
			ch <- read{batch, err}
		}()
		return ch
	}
	next := readAfter(after)
	for {
		got := <-next
		if got.err != nil {
			return got.err
		}
		batch := got.batch
		if len(batch) == 0 {
			return nil
		}
		last := len(batch) < size
		if !last {
			next = readAfter(batch[len(batch)-1].ID)
		}
		ds, err := r.decide(ctx, p, batch, now)
		if err != nil {
			return err
		}
		if err := each(ds, total); err != nil {
			return err
		}
		if last {
			return nil
		}
	}
}

// InReach is how many accounts the run of day reads now: the whole its progress is shown against
// (payments meanwhile make it shrink, so a run may end past it).
func (r *Reminders) InReach(ctx context.Context, day time.Time) (int, error) {
	lead, low := r.reach()
	n, err := r.Core.CountOverdueAccounts(ctx, billing.DateOf(day).AddDate(0, 0, lead), low)
	if err != nil {
		return 0, fmt.Errorf("worker: accounts in reach on %s: %w", billing.DateOf(day).Format(time.DateOnly), err)
	}
	return n, nil
}

// DryRun decides every account in reach on day at now, as Run would, and calls each with every
// decision that sends or holds back a reminder; it queues nothing and writes nothing.
func (r *Reminders) DryRun(ctx context.Context, day, now time.Time, each func(Planned)) (store.RunCounts, error) {
	day = billing.DateOf(day)
	var total store.RunCounts
	err := r.scan(ctx, day, now, 0, func(ds []decided, inReach int) error {
		for _, d := range ds {
			count(&total, d)
			if d.stage != "" || slices.Contains(suppressionReasons, d.Decision.Reason) {
				each(d.Planned)
			}
		}
		if r.Progress != nil && len(ds) > 0 {
			r.Progress(RunProgress{LastAccountID: ds[len(ds)-1].Account.ID, Counts: total, Total: inReach})
		}
		return nil
	})
	if err != nil {
		return store.RunCounts{}, fmt.Errorf("worker: arrears dry run of %s: %w", day.Format(time.DateOnly), err)
	}
	return total, nil
}

// enqueueConcurrency is how many tasks a run queues at once: a batch's round trips to Redis
// overlap instead of following one another.
const enqueueConcurrency = 8

// Run runs the arrears run of day: it starts the day's run record (or resumes it after its cursor),
// queues a notify:remind task for every account with a reminder due, advancing the record after
// every batch in one transaction with the batch's counts, and finishes it. A run already done does
// nothing; a second worker starting the same day's run meanwhile is refused by the record's cursor.
func (r *Reminders) Run(ctx context.Context, day time.Time) (store.ReminderRun, error) {
	day = billing.DateOf(day)
	run, started, err := r.Portal.StartReminderRun(ctx, day)
	if err != nil {
		return store.ReminderRun{}, fmt.Errorf("worker: arrears run of %s: %w", day.Format(time.DateOnly), err)
	}
	if run.Status == store.RunDone {
		return run, nil
	}
	if !started {
		r.Log.Info("arrears run resumed", "day", day.Format(time.DateOnly), "after_account", run.LastAccountID)
	}
	now := r.Now()
	total := run.Counts
	err = r.scan(ctx, day, now, run.LastAccountID, func(ds []decided, inReach int) error {
		return r.queueBatch(ctx, run.ID, ds, now, inReach, &total)
	})
	if err != nil {
		// Left running: the task's retry, or the next start of the day, resumes after the cursor.
		return store.ReminderRun{}, fmt.Errorf("worker: arrears run of %s: %w", day.Format(time.DateOnly), err)
	}
	if err := r.Portal.FinishReminderRun(ctx, run.ID, store.RunDone); err != nil {
		return store.ReminderRun{}, fmt.Errorf("worker: arrears run of %s: %w", day.Format(time.DateOnly), err)
	}
	done, err := r.Portal.ReminderRun(ctx, day)
	if err != nil {
		return store.ReminderRun{}, err
	}
	r.Log.Info("arrears run done", "day", day.Format(time.DateOnly), "scanned", done.Counts.Scanned, "due", done.Counts.Due,
		"enqueued", done.Counts.Enqueued, "suppressed", done.Counts.SuppressedTotal())
	return done, nil
}

// queueBatch queues the tasks of one batch's decisions and records the batch on the run: its
// counts and the cursor past it, in one transaction, after every task is queued.
func (r *Reminders) queueBatch(ctx context.Context, runID int64, ds []decided, now time.Time, inReach int, total *store.RunCounts) error {
	var c store.RunCounts
	var tasks []remindTask
	for _, d := range ds {
		count(&c, d)
		if d.stage != "" {
			tasks = append(tasks, remindTask{run: runID, account: d.Account.ID, stage: d.stage, day: d.day, at: d.SendAt})
		}
	}
	n, err := r.enqueueAll(ctx, tasks, now)
	if err != nil {
		return err
	}
	c.Enqueued = int64(n)
	last := ds[len(ds)-1].Account.ID
	if err := r.Portal.AdvanceReminderRun(ctx, runID, last, c); err != nil {
		return err
	}
	*total = addCounts(*total, c)
	if r.Progress != nil {
		r.Progress(RunProgress{LastAccountID: last, Counts: *total, Total: inReach})
	}
	return nil
}

// remindTask is a notify:remind task to queue.
type remindTask struct {
	run, account int64
	stage        billing.Stage
	day, at      time.Time
}

// enqueueAll queues the tasks, a few at a time, and returns how many it queued (a task already
// queued under its id counts: a resumed batch queues nothing twice).
func (r *Reminders) enqueueAll(ctx context.Context, tasks []remindTask, now time.Time) (int, error) {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		n     int
	)
	sem := make(chan struct{}, enqueueConcurrency)
	for _, t := range tasks {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			task, err := NewNotifyRemindTask(t.run, t.account, t.stage, t.day, t.at, now)
			if err == nil {
				err = r.Enqueuer.enqueue(ctx, task)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil && first == nil {
				first = err
			} else if err == nil {
				n++
			}
		})
	}
	wg.Wait()
	return n, first
}

func addCounts(a, b store.RunCounts) store.RunCounts {
	out := store.RunCounts{Scanned: a.Scanned + b.Scanned, Due: a.Due + b.Due, Enqueued: a.Enqueued + b.Enqueued,
		Sent: a.Sent + b.Sent, Failed: a.Failed + b.Failed, Suppressed: map[string]int64{}}
	for k, v := range a.Suppressed {
		out.Suppressed[k] += v
	}
	for k, v := range b.Suppressed {
		out.Suppressed[k] += v
	}
	return out
}
