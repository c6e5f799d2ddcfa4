package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"gridpay/internal/billing"
)

// RunStatus is where a day's arrears run stands.
type RunStatus string

// A run is running from its start until it is finished as done or failed. A crashed run stays
// running, and the next start of its day resumes it; so does a start after a failed run.
const (
	RunRunning RunStatus = "running"
	RunDone    RunStatus = "done"
	RunFailed  RunStatus = "failed"
)

// RunCounts are what a run, or one batch of it, added up. Suppressed counts accounts due a
// reminder that got none, by reason (a key of at most 32 characters of [0-9A-Za-z_-], such as
// "quiet_hours").
type RunCounts struct {
	Scanned    int64
	Due        int64
	Enqueued   int64
	Sent       int64
	Failed     int64
	Suppressed map[string]int64
}

// SuppressedTotal is the number of suppressed reminders over every reason.
func (c RunCounts) SuppressedTotal() int64 {
	var n int64
	for _, v := range c.Suppressed {
		n += v
	}
	return n
}

// ReminderRun is the record of one day's arrears run: progress for resuming, results for staff.
type ReminderRun struct {
	ID         int64
	RunOn      time.Time
	StartedAt  time.Time
	FinishedAt time.Time // zero while running
	Status     RunStatus
	// LastAccountID is the keyset cursor: every account up to it has been decided and enqueued.
	LastAccountID int64
	Counts        RunCounts
}

// StartReminderRun starts the arrears run of the day runOn, or returns the run that day has
// already: started is false then, and the caller resumes after its LastAccountID (or, when it is
// done, does nothing). A failed run is set running again, to be resumed. The unique day is what
// makes two workers starting at once get one run.
func (p *Portal) StartReminderRun(ctx context.Context, runOn time.Time) (run ReminderRun, started bool, err error) {
	on := billing.DateOf(runOn)
	if on.IsZero() {
		return ReminderRun{}, false, fmt.Errorf("store: start reminder run: no day: %w", billing.ErrInvalid)
	}
	_, err = p.db.ExecContext(ctx, `INSERT INTO reminder_runs (run_on, started_at, status) VALUES (@on, @at, @status)`,
		sql.Named("on", date(on)), sql.Named("at", timestamp(p.now())), sql.Named("status", string(RunRunning)))
	switch {
	case err == nil:
		started = true
	case p.db.dialect.duplicate(err):
		// The day's run exists: resume it. Only a failed one changes; a running or done one is
		// returned as it is.
		_, err = p.db.ExecContext(ctx, `UPDATE reminder_runs SET status = @running, finished_at = NULL
WHERE run_on = @on AND status = @failed`, sql.Named("running", string(RunRunning)), sql.Named("on", date(on)),
			sql.Named("failed", string(RunFailed)))
		if err != nil {
			return ReminderRun{}, false, fmt.Errorf("store: resume reminder run of %s: %w", on.Format(dateLayout), err)
		}
	default:
		return ReminderRun{}, false, fmt.Errorf("store: start reminder run of %s: %w", on.Format(dateLayout), err)
	}
	run, err = p.ReminderRun(ctx, on)
	if err != nil {
		return ReminderRun{}, false, err
	}
	return run, started, nil
}

// ReminderRun returns the arrears run of the day runOn.
func (p *Portal) ReminderRun(ctx context.Context, runOn time.Time) (ReminderRun, error) {
	on := billing.DateOf(runOn)
	var (
		r          ReminderRun
		day        date
		started    timestamp
		finishedAt any
		status     string
	)
	err := p.db.QueryRowContext(ctx, `SELECT id, run_on, started_at, finished_at, status, last_account_id,
       scanned, due, enqueued, sent, failed
FROM reminder_runs WHERE run_on = @on`, sql.Named("on", date(on))).Scan(&r.ID, &day, &started, &finishedAt, &status,
		&r.LastAccountID, &r.Counts.Scanned, &r.Counts.Due, &r.Counts.Enqueued, &r.Counts.Sent, &r.Counts.Failed)
	if errors.Is(err, sql.ErrNoRows) {
		return ReminderRun{}, fmt.Errorf("store: reminder run of %s: %w", on.Format(dateLayout), billing.ErrNotFound)
	}
	if err != nil {
		return ReminderRun{}, fmt.Errorf("store: reminder run of %s: %w", on.Format(dateLayout), err)
	}
	r.RunOn, r.StartedAt, r.Status = timeOf(day), time.Time(started), RunStatus(status)
	if finishedAt != nil {
		var t timestamp
		if err := t.Scan(finishedAt); err != nil {
			return ReminderRun{}, fmt.Errorf("store: reminder run of %s: %w", on.Format(dateLayout), err)
		}
		r.FinishedAt = time.Time(t)
	}
	rows, err := p.db.QueryContext(ctx, `SELECT reason, n FROM reminder_run_suppressions WHERE run_id = @id`,
		sql.Named("id", r.ID))
	if err != nil {
		return ReminderRun{}, fmt.Errorf("store: reminder run of %s: suppressions: %w", on.Format(dateLayout), err)
	}
	type reasonCount struct {
		reason string
		n      int64
	}
	counts, err := collect(rows, func(row rowScanner) (reasonCount, error) {
		var c reasonCount
		err := row.Scan(&c.reason, &c.n)
		return c, err
	})
	if err != nil {
		return ReminderRun{}, fmt.Errorf("store: reminder run of %s: suppressions: %w", on.Format(dateLayout), err)
	}
	r.Counts.Suppressed = map[string]int64{}
	for _, c := range counts {
		r.Counts.Suppressed[c.reason] = c.n
	}
	return r, nil
}

// ReminderRuns returns a page of the arrears runs, the latest day first, with their counts, and how
// many runs there are in all.
func (p *Portal) ReminderRuns(ctx context.Context, page Page) ([]ReminderRun, int, error) {
	page = page.normalized()
	var total int
	if err := p.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM reminder_runs`).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: reminder runs: %w", err)
	}
	rows, err := p.db.QueryContext(ctx, `SELECT id, run_on, started_at, finished_at, status, last_account_id,
       scanned, due, enqueued, sent, failed
FROM reminder_runs ORDER BY run_on DESC`+p.db.dialect.page("@limit", "@offset"),
		sql.Named("limit", page.Limit), sql.Named("offset", page.Offset))
	if err != nil {
		return nil, 0, fmt.Errorf("store: reminder runs: %w", err)
	}
	runs, err := collect(rows, func(row rowScanner) (ReminderRun, error) {
		var (
			r        ReminderRun
			day      date
			started  timestamp
			finished any
			status   string
		)
		err := row.Scan(&r.ID, &day, &started, &finished, &status, &r.LastAccountID,
			&r.Counts.Scanned, &r.Counts.Due, &r.Counts.Enqueued, &r.Counts.Sent, &r.Counts.Failed)
		if err != nil {
			return r, err
		}
		r.RunOn, r.StartedAt, r.Status = timeOf(day), time.Time(started), RunStatus(status)
		r.Counts.Suppressed = map[string]int64{}
		if finished != nil {
			var t timestamp
			err = t.Scan(finished)
			r.FinishedAt = time.Time(t)
		}
		return r, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store: reminder runs: %w", err)
	}
	if len(runs) == 0 {
		return runs, total, nil
	}
	// The page's runs are the days between its last and first: one read brings their suppressions.
	byID := make(map[int64]*ReminderRun, len(runs))
	for i := range runs {
		byID[runs[i].ID] = &runs[i]
	}
	srows, err := p.db.QueryContext(ctx, `SELECT s.run_id, s.reason, s.n FROM reminder_run_suppressions s
JOIN reminder_runs r ON r.id = s.run_id WHERE r.run_on BETWEEN @first AND @last`,
		sql.Named("first", date(runs[len(runs)-1].RunOn)), sql.Named("last", date(runs[0].RunOn)))
	if err != nil {
		return nil, 0, fmt.Errorf("store: reminder runs: suppressions: %w", err)
	}
	type reasonCount struct {
		run    int64
		reason string
		n      int64
	}
	counts, err := collect(srows, func(row rowScanner) (reasonCount, error) {
		var c reasonCount
		err := row.Scan(&c.run, &c.reason, &c.n)
		return c, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store: reminder runs: suppressions: %w", err)
	}
	for _, c := range counts {
		if r, ok := byID[c.run]; ok {
			r.Counts.Suppressed[c.reason] = c.n
		}
	}
	return runs, total, nil
}

// AdvanceReminderRun records that a running run has decided and enqueued every account up to
// lastAccountID, adding add to its counts, in one transaction: a crash leaves either the batch
// counted with the cursor past it, or neither. The cursor only moves forward: a batch that does not
// (another worker's copy of the run got there first) is a conflict, and nothing is added.
func (p *Portal) AdvanceReminderRun(ctx context.Context, runID, lastAccountID int64, add RunCounts) error {
	if err := validateRunCounts(add); err != nil {
		return fmt.Errorf("store: advance reminder run %d: %w", runID, err)
	}
	err := p.db.Transact(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE reminder_runs SET last_account_id = @last,
       scanned = scanned + @scanned, due = due + @due, enqueued = enqueued + @enqueued,
       sent = sent + @sent, failed = failed + @failed, suppressed = suppressed + @suppressed
WHERE id = @id AND status = @running AND last_account_id < @last`, runCountArgs(add,
			sql.Named("last", lastAccountID), sql.Named("id", runID), sql.Named("running", string(RunRunning)))...)
		if err := oneRow(res, err); err != nil {
			return p.runConflict(ctx, tx, runID, err)
		}
		return addSuppressions(ctx, tx, runID, add.Suppressed)
	})
	if err != nil {
		return fmt.Errorf("store: advance reminder run %d to account %d: %w", runID, lastAccountID, err)
	}
	return nil
}

// CountReminderDeliveries adds what delivery reported (sent, failed, suppressed when a re-check
// just before sending stopped a reminder) to a run's counts without moving its cursor. Delivery
// may end after the run itself is done, so any status takes it.
func (p *Portal) CountReminderDeliveries(ctx context.Context, runID int64, add RunCounts) error {
	if err := validateRunCounts(add); err != nil {
		return fmt.Errorf("store: count reminder deliveries of run %d: %w", runID, err)
	}
	err := p.db.Transact(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE reminder_runs SET
       scanned = scanned + @scanned, due = due + @due, enqueued = enqueued + @enqueued,
       sent = sent + @sent, failed = failed + @failed, suppressed = suppressed + @suppressed
WHERE id = @id`, runCountArgs(add, sql.Named("id", runID))...)
		if err := oneRow(res, err); err != nil {
			return p.runConflict(ctx, tx, runID, err)
		}
		return addSuppressions(ctx, tx, runID, add.Suppressed)
	})
	if err != nil {
		return fmt.Errorf("store: count reminder deliveries of run %d: %w", runID, err)
	}
	return nil
}

// FinishReminderRun ends a running run as done or failed.
func (p *Portal) FinishReminderRun(ctx context.Context, runID int64, status RunStatus) error {
	if status != RunDone && status != RunFailed {
		return fmt.Errorf("store: finish reminder run %d as %q: %w", runID, truncateText(string(status), 16), billing.ErrInvalid)
	}
	err := p.db.Transact(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE reminder_runs SET status = @status, finished_at = @at
WHERE id = @id AND status = @running`, sql.Named("status", string(status)), sql.Named("at", timestamp(p.now())),
			sql.Named("id", runID), sql.Named("running", string(RunRunning)))
		if err := oneRow(res, err); err != nil {
			return p.runConflict(ctx, tx, runID, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: finish reminder run %d: %w", runID, err)
	}
	return nil
}

// runConflict tells a run that is not there (not found) from one that is not as the update
// expected (the conflict err says), after an update changed no row.
func (p *Portal) runConflict(ctx context.Context, q querier, runID int64, err error) error {
	if !errors.Is(err, billing.ErrConflict) {
		return err
	}
	var n int64
	if e := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM reminder_runs WHERE id = @id`, sql.Named("id", runID)).Scan(&n); e != nil {
		return e
	}
	if n == 0 {
		return billing.ErrNotFound
	}
	return err
}

func runCountArgs(c RunCounts, more ...any) []any {
	return append([]any{sql.Named("scanned", c.Scanned), sql.Named("due", c.Due), sql.Named("enqueued", c.Enqueued),
		sql.Named("sent", c.Sent), sql.Named("failed", c.Failed), sql.Named("suppressed", c.SuppressedTotal())}, more...)
}

// addSuppressions adds counts per reason inside tx, after the update of the run's row: that update
// holds the row until tx ends, so two transactions never race to insert one reason's first row.
func addSuppressions(ctx context.Context, tx *sql.Tx, runID int64, by map[string]int64) error {
	// Sorted, so that every transaction touches the rows in one order.
	for _, reason := range slices.Sorted(maps.Keys(by)) {
		n := by[reason]
		if n == 0 {
			continue
		}
		res, err := tx.ExecContext(ctx, `UPDATE reminder_run_suppressions SET n = n + @n WHERE run_id = @id AND reason = @reason`,
			sql.Named("n", n), sql.Named("id", runID), sql.Named("reason", reason))
		if err := oneRow(res, err); err == nil {
			continue
		} else if !errors.Is(err, billing.ErrConflict) {
			return fmt.Errorf("suppressed %s: %w", reason, err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO reminder_run_suppressions (run_id, reason, n) VALUES (@id, @reason, @n)`,
			sql.Named("id", runID), sql.Named("reason", reason), sql.Named("n", n))
		if err != nil {
			return fmt.Errorf("suppressed %s: %w", reason, err)
		}
	}
	return nil
}

func validateRunCounts(c RunCounts) error {
	if c.Scanned < 0 || c.Due < 0 || c.Enqueued < 0 || c.Sent < 0 || c.Failed < 0 {
		return fmt.Errorf("negative count: %w", billing.ErrInvalid)
	}
	for reason, n := range c.Suppressed {
		// Reasons are keys for code and message tables, not text.
		if !identifier(reason, 32) || n < 0 {
			return fmt.Errorf("suppression reason %q (%d): %w", truncateText(reason, 32), n, billing.ErrInvalid)
		}
	}
	return nil
}
