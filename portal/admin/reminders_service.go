package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/pii"
	"gridpay/internal/store"
	"gridpay/internal/web"
	"gridpay/worker"
)

// Limits of the reminders pages.
const (
	// MaxPreviewRows is how many of tomorrow's decisions the preview lists; the totals count all.
	MaxPreviewRows = 200
	// MaxExemptionDays is how far ahead an exemption may run: a lasting one is the protected flag.
	MaxExemptionDays = 366
	// previewLookup is how many decisions the preview looks up in the core database at once.
	previewLookup = 500
)

// ReminderPlanner decides a day's arrears reminders without queuing or writing anything: the
// worker's dry run (worker.Reminders.DryRun), as `gridpay remind --dry-run` prints it.
type ReminderPlanner interface {
	DryRun(ctx context.Context, day, now time.Time, each func(worker.Planned)) (store.RunCounts, error)
	// InReach is how many accounts the run of day reads (worker.Reminders.InReach).
	InReach(ctx context.Context, day time.Time) (int, error)
}

// ReminderAccounts is the core database as the reminders pages read and change it: fresh, not
// through the customers' cache, since staff act on what they read.
type ReminderAccounts interface {
	AccountByNumber(ctx context.Context, accountNo string) (store.Account, error)
	AccountBriefs(ctx context.Context, accountNos []string) (map[string]store.AccountBrief, error)
	SetReminderFlags(ctx context.Context, accountNo string, f store.ReminderFlags) error
}

// Reminders is what the reminders pages need: the runs, tomorrow's preview, exemptions and the
// suppression calendar. A nil *Reminders serves none of them.
type Reminders struct {
	Portal   *store.Portal
	Accounts ReminderAccounts
	Planner  ReminderPlanner
	// RunAt is the time of day the daily run starts (config's Remind.At): the preview decides
	// tomorrow's accounts as of then.
	RunAt    time.Duration
	Location *time.Location // the bureau's
	Now      func() time.Time
	Log      *slog.Logger
}

// today is the bureau's civil date now (billing.DateOf).
func (r *Reminders) today() time.Time { return billing.DateOf(r.Now().In(r.Location)) }

// RunProgress is a run with the whole its progress is shown against.
type RunProgress struct {
	store.ReminderRun
	// Total is the accounts in the run's reach: counted now for a running run, and what it
	// scanned for a finished one; never less than Scanned.
	Total int64
}

// Max is the progress bar's maximum: Total, but at least 1, as <progress> wants.
func (p RunProgress) Max() int64 { return max(p.Total, 1) }

// progress counts the accounts in reach of a running run.
func (r *Reminders) progress(ctx context.Context, run store.ReminderRun) (RunProgress, error) {
	p := RunProgress{ReminderRun: run, Total: run.Counts.Scanned}
	if run.Status == store.RunRunning {
		n, err := r.Planner.InReach(ctx, run.RunOn)
		if err != nil {
			return RunProgress{}, err
		}
		p.Total = max(p.Total, int64(n))
	}
	return p, nil
}

// Runs returns a page of the arrears runs, the latest first, and how many there are.
func (r *Reminders) Runs(ctx context.Context, page store.Page) ([]RunProgress, int, error) {
	runs, total, err := r.Portal.ReminderRuns(ctx, page)
	if err != nil {
		return nil, 0, err
	}
	out := make([]RunProgress, len(runs))
	for i, run := range runs {
		if out[i], err = r.progress(ctx, run); err != nil {
			return nil, 0, err
		}
	}
	return out, total, nil
}

// Run returns the arrears run of day.
func (r *Reminders) Run(ctx context.Context, day time.Time) (RunProgress, error) {
	run, err := r.Portal.ReminderRun(ctx, day)
	if err != nil {
		return RunProgress{}, err
	}
	return r.progress(ctx, run)
}

// PreviewRow is one account of tomorrow's preview, masked: what it would be sent and why, or why
// nothing.
type PreviewRow struct {
	AccountNo string // masked
	Name      string // masked
	Class     billing.Class
	Decision  billing.Decision
	SendAt    time.Time // zero when nothing is sent
}

// Preview is tomorrow's arrears run as the ladder decides it now.
type Preview struct {
	Day time.Time // tomorrow, a civil date
	// Counts are the dry run's over the county; Rows, Total, ByStage and ByReason are within the
	// staff member's station.
	Counts store.RunCounts
	Rows   []PreviewRow // the first MaxPreviewRows
	Total  int          // every decision that sends or holds back a reminder
	// ByStage counts the reminders sent, by stage; "later" is those held to a later hour.
	ByStage  map[billing.Stage]int
	ByReason map[billing.Reason]int
}

// Preview runs the worker's dry run for tomorrow in the bureau's time zone, at the time the daily
// run starts, and returns the decisions within who's station: the first MaxPreviewRows, with
// totals of all.
func (r *Reminders) Preview(ctx context.Context, who store.Staff) (Preview, error) {
	tomorrow := r.today().AddDate(0, 0, 1)
	y, m, d := tomorrow.Date()
	at := time.Date(y, m, d, 0, 0, 0, 0, r.Location).Add(r.RunAt)
	p := Preview{Day: tomorrow, ByStage: map[billing.Stage]int{}, ByReason: map[billing.Reason]int{}}
	var (
		pending []worker.Planned
		failed  error
	)
	// The dry run reads the core database in batches; its decisions are looked up (names and
	// stations) a batch at a time too, so that only what a page shows is kept.
	flush := func() {
		if failed != nil || len(pending) == 0 {
			pending = pending[:0]
			return
		}
		nos := make([]string, len(pending))
		for i, pl := range pending {
			nos[i] = pl.Account.No
		}
		briefs, err := r.Accounts.AccountBriefs(ctx, nos)
		if err != nil {
			failed = err
			return
		}
		for _, pl := range pending {
			b := briefs[pl.Account.No]
			if st := scope(who); st != 0 && b.StationID != st {
				continue
			}
			p.Total++
			if pl.Decision.Send() || !pl.SendAt.IsZero() {
				stage := pl.Decision.Stage
				if stage == "" {
					stage = "later"
				}
				p.ByStage[stage]++
			} else {
				p.ByReason[pl.Decision.Reason]++
			}
			if len(p.Rows) < MaxPreviewRows {
				p.Rows = append(p.Rows, PreviewRow{AccountNo: pii.AccountNo(pl.Account.No), Name: pii.Name(b.Name),
					Class: pl.Account.Class, Decision: pl.Decision, SendAt: pl.SendAt})
			}
		}
		pending = pending[:0]
	}
	counts, err := r.Planner.DryRun(ctx, tomorrow, at, func(pl worker.Planned) {
		if pending = append(pending, pl); len(pending) >= previewLookup {
			flush()
		}
	})
	if err != nil {
		return Preview{}, fmt.Errorf("admin: reminders preview of %s: %w", tomorrow.Format(time.DateOnly), err)
	}
	if flush(); failed != nil {
		return Preview{}, fmt.Errorf("admin: reminders preview of %s: %w", tomorrow.Format(time.DateOnly), failed)
	}
	p.Counts = counts
	return p, nil
}

// Calendar returns the suppressed days from today on, as far ahead as the store reads at once.
func (r *Reminders) Calendar(ctx context.Context) ([]store.SuppressedDay, error) {
	today := r.today()
	return r.Portal.SuppressedReminderDays(ctx, today, today.AddDate(0, 0, store.MaxSuppressedDaysRange-1))
}

// Suppress puts day, today or later within the calendar's reach, on the suppression calendar for
// reason; the store writes the audit row a with it.
func (r *Reminders) Suppress(ctx context.Context, day time.Time, reason string, a store.Audit) error {
	today := r.today()
	if day.Before(today) || !day.Before(today.AddDate(0, 0, store.MaxSuppressedDaysRange)) {
		return &web.InputError{Field: "day", Key: "admin.reminders.day_range", Args: []any{store.MaxSuppressedDaysRange}, Kind: billing.ErrInvalid}
	}
	if !validReason(reason, store.MaxSuppressionReason) {
		return &web.InputError{Field: "reason", Key: "admin.reminders.reason_error", Args: []any{store.MaxSuppressionReason}, Kind: billing.ErrInvalid}
	}
	a.Reason = reason
	return r.Portal.SuppressReminderDay(ctx, day, reason, a)
}

// Unsuppress takes a day after today off the suppression calendar; the store writes the audit row
// a with it. Today's and past days stay: today's run has read them.
func (r *Reminders) Unsuppress(ctx context.Context, day time.Time, a store.Audit) error {
	if !day.After(r.today()) {
		return &web.InputError{Field: "day", Key: "admin.reminders.future_only", Kind: billing.ErrInvalid}
	}
	if !validReason(a.Reason, store.MaxAuditReason) {
		return &web.InputError{Field: "reason", Key: "admin.reminders.reason_error", Args: []any{store.MaxAuditReason}, Kind: billing.ErrInvalid}
	}
	return r.Portal.UnsuppressReminderDay(ctx, day, a)
}

// Account returns the account numbered no if who may see it: another station's is not found,
// exactly as an unknown one.
func (r *Reminders) Account(ctx context.Context, who store.Staff, no string) (store.Account, error) {
	if !billing.ValidAccountNo(no) {
		return store.Account{}, &web.InputError{Field: "account", Key: "admin.error.account", Kind: billing.ErrInvalid}
	}
	a, err := r.Accounts.AccountByNumber(ctx, no)
	if err != nil {
		return store.Account{}, err
	}
	if st := scope(who); st != 0 && a.StationID != st {
		return store.Account{}, fmt.Errorf("admin: account %s is another station's: %w", no, billing.ErrNotFound)
	}
	return a, nil
}

// FlagChange is a staff member's change of an account's reminder settings.
type FlagChange struct {
	AccountNo   string
	Protected   bool
	ExemptUntil time.Time // zero: no exemption
	Reason      string
	ClientAddr  string
}

// SetFlags sets or clears the protected flag and the exemption of an account who may see, keeping
// its other settings, and records the change in the audit log.
func (r *Reminders) SetFlags(ctx context.Context, who store.Staff, ch FlagChange) (store.Account, error) {
	if !validReason(ch.Reason, store.MaxAuditReason) {
		return store.Account{}, &web.InputError{Field: "reason", Key: "admin.reminders.reason_error", Args: []any{store.MaxAuditReason}, Kind: billing.ErrInvalid}
	}
	today := r.today()
	if !ch.ExemptUntil.IsZero() && (ch.ExemptUntil.Before(today) || ch.ExemptUntil.After(today.AddDate(0, 0, MaxExemptionDays))) {
		return store.Account{}, &web.InputError{Field: "exempt_until", Key: "admin.reminders.exempt_range", Args: []any{MaxExemptionDays}, Kind: billing.ErrInvalid}
	}
	before, err := r.Account(ctx, who, ch.AccountNo)
	if err != nil {
		return store.Account{}, err
	}
	flags := store.ReminderFlags{Protected: ch.Protected, Important: before.Important, ExemptUntil: ch.ExemptUntil}
	if err := r.Accounts.SetReminderFlags(ctx, before.No, flags); err != nil {
		return store.Account{}, fmt.Errorf("admin: reminder flags of %s: %w", before.No, err)
	}
	// The flags live in the core database and the audit log in the portal database: no one
	// transaction holds both, so the audit row is written right after the change succeeds. Should
	// that write fail, the change stands and the failure is logged and reported.
	after := before
	after.Protected, after.RemindersExemptUntil = ch.Protected, ch.ExemptUntil
	a := store.Audit{StaffID: who.ID, Action: "reminder.flags", Target: "account:" + before.No,
		Before: flagsJSON(before), After: flagsJSON(after), Reason: ch.Reason, ClientAddr: ch.ClientAddr}
	if err := r.Portal.RecordAudit(ctx, a); err != nil {
		r.Log.Error("reminder flags changed but not audited", "account", pii.AccountNo(before.No), "staff", who.ID, "err", err)
		return store.Account{}, fmt.Errorf("admin: reminder flags of %s: audit: %w", before.No, err)
	}
	return after, nil
}

// flagsJSON is an account's reminder settings as audit rows show them.
func flagsJSON(a store.Account) string {
	s := struct {
		Protected   bool   `json:"protected"`
		ExemptUntil string `json:"exempt_until,omitempty"`
	}{Protected: a.Protected}
	if !a.RemindersExemptUntil.IsZero() {
		s.ExemptUntil = a.RemindersExemptUntil.Format(time.DateOnly)
	}
	b, _ := json.Marshal(s)
	return string(b)
}

// validReason reports whether s is a one-line reason staff typed, of 1 to max characters.
func validReason(s string, max int) bool {
	n := 0
	for _, c := range s {
		if c < ' ' || c == 0x7f {
			return false
		}
		n++
	}
	return strings.TrimSpace(s) != "" && n <= max
}

// errNoReminders answers the reminders pages when the site has no reminders service.
var errNoReminders = fmt.Errorf("admin: the reminders pages are not set up: %w", billing.ErrNotFound)

// reminderSamples are the reminders pages with an empty value of their data (samplePages).
func reminderSamples(p page) map[string]any {
	return map[string]any{"reminders": remindersPage{reminderPage: reminderPage{p}}, "reminder_run": reminderRunPage{reminderPage: reminderPage{p}},
		"reminder_preview": reminderPreviewPage{reminderPage: reminderPage{p}}, "reminder_calendar": reminderCalendarPage{reminderPage: reminderPage{p}},
		"reminder_exemptions": reminderExemptionsPage{reminderPage: reminderPage{p}}}
}
