package billing

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Stage is a step of the arrears reminder ladder (催费): what a reminder says, from a friendly note
// before the due date to the disconnection notice (停电通知).
type Stage string

// The reminder stages. Offsets are the defaults of DefaultLadder, in days relative to the due date.
const (
	StageBeforeDue   Stage = "before_due"   // 3 days before the due date
	StageDue         Stage = "due"          // on the due date
	StageOverdue1    Stage = "overdue_1"    // 1 day overdue
	StageOverdue15   Stage = "overdue_15"   // 15 days overdue
	StageCuijiao     Stage = "cuijiao"      // 催交: the formal reminder at 30 days overdue, which the law requires before a notice
	StageNotice      Stage = "notice"       // 停电通知: the disconnection notice, only when lawful
	StageNoticeFinal Stage = "notice_final" // the repeat of the notice 1 hour before disconnection, non-residential only
	StageLowBalance  Stage = "low_balance"  // a prepaid balance under the ladder's threshold
)

// Step is one stage of a ladder and the day it fires, in days relative to the bill's due date
// (negative before it).
type Step struct {
	Stage  Stage
	Offset int
}

// Ladder is the reminder ladder of one customer class. Steps fire in ascending order of Offset; a
// StageNotice step fires only once the law allows it (see Decide).
type Ladder struct {
	Steps []Step
	// NoticeLeadDays is how many days after the notice day supply is planned to be interrupted. It
	// may be longer than the law's NoticeDays, never shorter: a shorter lead withholds every notice.
	NoticeLeadDays int
	// DisconnectAt is the time of day (bureau time, from midnight) of a planned interruption; the
	// final notice of a non-residential customer is due FinalNoticeBefore earlier.
	DisconnectAt      time.Duration
	FinalNoticeBefore time.Duration
	// LowBalance is the prepaid balance under which a prepaid account gets a StageLowBalance alert,
	// at most once every LowBalanceEveryDays days. Zero turns the alert off.
	LowBalance          Money
	LowBalanceEveryDays int
}

// DefaultLadder returns the ladder of the arrears issue for class c: 3 days before the due date, on
// it, 1 and 15 days overdue, the 催交 at 30 days overdue, and the notice from the day the bill is
// more than 30 days overdue with the law's lead time. Interruptions are planned for 10:00, so a
// non-residential customer's final notice at 09:00 falls outside quiet hours.
func DefaultLadder(c Class) Ladder {
	low := Money(2000) // 20 yuan: a few days of a household's use
	if c != Residential {
		low = 20000
	}
	return Ladder{
		Steps: []Step{
			{StageBeforeDue, -3},
			{StageDue, 0},
			{StageOverdue1, 1},
			{StageOverdue15, 15},
			{StageCuijiao, DisconnectAfterDays},
			{StageNotice, DisconnectAfterDays + 1},
		},
		NoticeLeadDays:      NoticeDays(c),
		DisconnectAt:        10 * time.Hour,
		FinalNoticeBefore:   time.Hour,
		LowBalance:          low,
		LowBalanceEveryDays: 7,
	}
}

// ReminderPolicy is the configuration the ladder decides by: a ladder per class, the late-fee
// rates for the amounts owed, the suppression calendar and quiet hours, all in the bureau's
// location.
type ReminderPolicy struct {
	Ladders  map[Class]Ladder
	Rates    LateFeeRates
	Location *time.Location
	// Suppressed are the days (civil dates in Location) with no reminders: holidays, extreme weather.
	Suppressed []time.Time
	// QuietFrom and QuietUntil bound the quiet hours as times of day from midnight; they may wrap
	// past midnight (21:00-08:00).
	QuietFrom, QuietUntil time.Duration
}

// DefaultReminderPolicy returns the default ladders of every class, the national late-fee rates and
// quiet hours 21:00-08:00 in loc, with an empty suppression calendar.
func DefaultReminderPolicy(loc *time.Location) ReminderPolicy {
	p := ReminderPolicy{Ladders: map[Class]Ladder{}, Rates: DefaultLateFeeRates(), Location: loc,
		QuietFrom: 21 * time.Hour, QuietUntil: 8 * time.Hour}
	for _, c := range Classes() {
		p.Ladders[c] = DefaultLadder(c)
	}
	return p
}

// ladder returns the ladder of class c, falling back to the default so that a gap in configuration
// never silences reminders.
func (p ReminderPolicy) ladder(c Class) Ladder {
	if l, ok := p.Ladders[c]; ok {
		return l
	}
	return DefaultLadder(c)
}

// ReminderAccount is what the ladder needs to know of an account.
type ReminderAccount struct {
	Class     Class
	Protected bool      // 低保/五保 households and home medical equipment: never reminded, never cut off
	Important bool      // important customer: a notice is copied to the power administration department
	ExemptTo  time.Time // exempted from reminders on days before this civil date; zero for none
	Prepaid   bool      // a prepaid account, alerted on a low balance
	Balance   Money     // prepaid balance
}

// ReminderStatus is how the sending of a reminder ended, as the proof in the core database records it.
type ReminderStatus string

// The reminder statuses.
const (
	ReminderSent      ReminderStatus = "sent"      // the channel (SMS gateway, WeChat) accepted it for the customer
	ReminderDelivered ReminderStatus = "delivered" // the channel's delivery report confirmed it reached the customer
	ReminderFailed    ReminderStatus = "failed"    // the channel refused it for good, or its retries ran out
)

// ReminderStatuses returns every reminder status. It returns a new slice each time.
func ReminderStatuses() []ReminderStatus {
	return []ReminderStatus{ReminderSent, ReminderDelivered, ReminderFailed}
}

// Valid reports whether s is one of the reminder statuses.
func (s ReminderStatus) Valid() bool { return slices.Contains(ReminderStatuses(), s) }

// Reached reports whether a reminder in status s counts as delivered for the legal clock: confirmed
// by a delivery report, or accepted by a channel that reports no failure afterwards. A failed one
// never counts: a notice may not follow a 催交 that did not reach the customer.
func (s ReminderStatus) Reached() bool { return s == ReminderSent || s == ReminderDelivered }

// SentReminder is a reminder already on record for an account.
type SentReminder struct {
	Stage     Stage
	BillID    int64
	Due       time.Time // the bill's due date, for records that carry no bill id
	On        time.Time // the day it was sent (civil date in the bureau's location)
	Delivered bool
	Planned   time.Time // a notice's planned disconnection date
}

// ReminderState is an account's state on the day of a decision.
type ReminderState struct {
	Account  ReminderAccount
	Bills    []BillBalance // the account's open bills; paid ones are ignored
	History  []SentReminder
	InFlight bool    // a payment in flight (OrderStatus.InFlight) on the account
	Disputed []int64 // bills with an open dispute
	// DisputedAccount is an open dispute about the account that names no bill (a payment not
	// credited, a faulty meter): it holds back reminders about every bill.
	DisputedAccount bool
}

// Reason is why a decision sends nothing.
type Reason string

// The reasons a decision sends nothing.
const (
	ReasonInFlight       Reason = "in_flight"       // money on its way stops the clock
	ReasonProtected      Reason = "protected"       // a protected customer
	ReasonExempt         Reason = "exempt"          // exempted until a date
	ReasonNothingDue     Reason = "nothing_due"     // no open bill has reached a stage
	ReasonDisputed       Reason = "disputed"        // an open dispute on the bill in question
	ReasonSuppressedDay  Reason = "suppressed_day"  // a day on the suppression calendar
	ReasonQuietHours     Reason = "quiet_hours"     // inside quiet hours: wait until WaitUntil
	ReasonAlreadySent    Reason = "already_sent"    // the stage is on record for the bill
	ReasonNoticeWithheld Reason = "notice_withheld" // the notice stage is reached but not lawful: see Withheld
	ReasonFinalNotYet    Reason = "final_not_yet"   // the final notice is due at WaitUntil
)

// Precondition is a legal condition of a disconnection notice.
type Precondition string

// The preconditions of a disconnection notice (docs/domain.md, the legal clock).
const (
	NeedOverdue          Precondition = "more_than_30_days_overdue"
	NeedCuijiaoOnRecord  Precondition = "cuijiao_on_record"
	NeedCuijiaoDelivered Precondition = "cuijiao_delivered"
	NeedLeadTime         Precondition = "lead_time"
)

// Decision is what the ladder does for one account now: send Stage about bill BillID, or nothing
// for Reason.
type Decision struct {
	Stage  Stage // empty when nothing is sent
	BillID int64
	Due    time.Time
	Amount Money // the account's total owed today, late fees included; a low-balance alert carries the balance
	// Planned is a notice's planned disconnection date; FinalAt is when the 1-hour repeat is due
	// (zero for residential customers).
	Planned, FinalAt time.Time
	// CopyAdministration says an important customer's notice goes to the power administration
	// department too.
	CopyAdministration bool
	Reason             Reason
	// Withheld names the missing precondition when the notice stage is reached but not lawful. It is
	// set even when an earlier stage is sent instead (a 催交 missed on its day).
	Withheld  Precondition
	WaitUntil time.Time // quiet hours or a final notice: when to try again
}

// Send reports whether the decision sends a reminder.
func (d Decision) Send() bool { return d.Stage != "" }

// Decide returns what to send the account in state s at now under policy p. It is pure: the same
// inputs give the same decision, so the sender calls it again with fresh state just before sending
// and sends only if the decision still says so.
func Decide(p ReminderPolicy, s ReminderState, now time.Time) Decision {
	loc := p.Location
	if loc == nil {
		loc = time.UTC
	}
	now = now.In(loc)
	today := DateOf(now)
	l := p.ladder(s.Account.Class)
	switch {
	case s.InFlight:
		return Decision{Reason: ReasonInFlight}
	case s.Account.Protected:
		return Decision{Reason: ReasonProtected}
	case !s.Account.ExemptTo.IsZero() && today.Before(DateOf(s.Account.ExemptTo)):
		return Decision{Reason: ReasonExempt}
	}
	d, ok := pick(l, p.Rates, s, today, now)
	if !ok {
		return d
	}
	switch {
	case d.BillID != 0 && (s.DisputedAccount || slices.Contains(s.Disputed, d.BillID)):
		return Decision{BillID: d.BillID, Due: d.Due, Reason: ReasonDisputed}
	case slices.ContainsFunc(p.Suppressed, func(t time.Time) bool { return DateOf(t).Equal(today) }):
		return Decision{BillID: d.BillID, Due: d.Due, Reason: ReasonSuppressedDay}
	}
	if until, quiet := p.quiet(now); quiet {
		return Decision{BillID: d.BillID, Due: d.Due, Reason: ReasonQuietHours, WaitUntil: until}
	}
	if d.Stage == StageNotice {
		d.Planned = PlannedDisconnection(d.Due, today, l.NoticeLeadDays)
		if s.Account.Class != Residential {
			d.FinalAt = finalAt(l, d.Planned, loc)
		}
		d.CopyAdministration = s.Account.Important
	}
	if d.Stage != StageLowBalance {
		d.Amount = Summarize(s.Bills, today, p.Rates).Total
	}
	return d
}

// pick chooses the stage and bill before the guards of the day apply; ok is false when the
// returned decision already says why nothing is sent.
func pick(l Ladder, rates LateFeeRates, s ReminderState, today, now time.Time) (Decision, bool) {
	bill, found := oldestOpen(s.Bills, today, rates)
	if !found {
		return lowBalance(l, s, today)
	}
	due := DateOf(bill.Due)
	d := Decision{BillID: bill.ID, Due: due}
	// A stage may be on record several times (one record per channel tried): a delivered record
	// speaks for the stage when there is one.
	sent := func(st Stage) (SentReminder, bool) {
		var found SentReminder
		ok := false
		for _, r := range s.History {
			if r.Stage == st && (r.BillID == bill.ID && bill.ID != 0 || r.BillID == 0 && DateOf(r.Due).Equal(due)) &&
				(!ok || r.Delivered && !found.Delivered) {
				found, ok = r, true
			}
		}
		return found, ok
	}
	// The final notice comes on the planned day, after a delivered notice.
	if n, ok := sent(StageNotice); ok && s.Account.Class != Residential && n.Delivered && !n.Planned.IsZero() &&
		DateOf(n.Planned).Equal(today) {
		if _, done := sent(StageNoticeFinal); done {
			return Decision{BillID: bill.ID, Due: due, Reason: ReasonAlreadySent}, false
		}
		at := finalAt(l, DateOf(n.Planned), now.Location())
		if now.Before(at) {
			return Decision{BillID: bill.ID, Due: due, Reason: ReasonFinalNotYet, WaitUntil: at}, false
		}
		d.Stage, d.Planned, d.FinalAt = StageNoticeFinal, DateOf(n.Planned), at
		return d, true
	}
	steps := slices.Clone(l.Steps)
	slices.SortStableFunc(steps, func(a, b Step) int { return a.Offset - b.Offset })
	// The latest stage reached today is the one to send: one missed on a suppressed day is not sent
	// late once a later stage has come.
	i := -1
	for j, st := range steps {
		if !due.AddDate(0, 0, st.Offset).After(today) {
			i = j
		}
	}
	if i < 0 {
		d.Reason = ReasonNothingDue
		return d, false
	}
	st := steps[i]
	if st.Stage == StageNotice {
		missing := noticeMissing(l, s.Account.Class, due, today, sent)
		if missing == "" {
			if _, done := sent(StageNotice); done {
				d.Reason = ReasonAlreadySent
				return d, false
			}
			d.Stage = StageNotice
			return d, true
		}
		d.Withheld = missing
		// A 催交 missed on its day (a holiday) is sent now, so the notice can follow it.
		if missing == NeedCuijiaoOnRecord && slices.ContainsFunc(steps, func(s Step) bool { return s.Stage == StageCuijiao }) {
			d.Stage = StageCuijiao
			return d, true
		}
		d.Reason = ReasonNoticeWithheld
		return d, false
	}
	if _, done := sent(st.Stage); done {
		d.Reason = ReasonAlreadySent
		return d, false
	}
	d.Stage = st.Stage
	return d, true
}

// noticeMissing returns the first precondition of a disconnection notice about the bill due on due
// that does not hold today, or "" when the notice is lawful. The bill is still unpaid: it is the
// oldest open bill.
func noticeMissing(l Ladder, c Class, due, today time.Time, sent func(Stage) (SentReminder, bool)) Precondition {
	if today.Before(NoticeFrom(due)) {
		return NeedOverdue
	}
	r, ok := sent(StageCuijiao)
	if !ok {
		return NeedCuijiaoOnRecord
	}
	if !r.Delivered {
		return NeedCuijiaoDelivered
	}
	if l.NoticeLeadDays < NoticeDays(c) {
		return NeedLeadTime
	}
	return ""
}

// lowBalance decides a prepaid account with no open bill.
func lowBalance(l Ladder, s ReminderState, today time.Time) (Decision, bool) {
	if !s.Account.Prepaid || l.LowBalance <= 0 || s.Account.Balance >= l.LowBalance {
		return Decision{Reason: ReasonNothingDue}, false
	}
	for _, r := range s.History {
		if r.Stage == StageLowBalance && today.Before(DateOf(r.On).AddDate(0, 0, max(l.LowBalanceEveryDays, 1))) {
			return Decision{Reason: ReasonAlreadySent}, false
		}
	}
	return Decision{Stage: StageLowBalance, Amount: s.Account.Balance}, true
}

// oldestOpen returns the bill the ladder is about: the one due on the oldest due date that
// Summarize counts on day on (the lowest id among equals). Payments clear the oldest bill first, and
// the portal's legal clock counts from the same date, so both speak of the same bill.
func oldestOpen(bills []BillBalance, on time.Time, r LateFeeRates) (BillBalance, bool) {
	oldest := Summarize(bills, on, r).OldestDue
	var best BillBalance
	found := false
	for _, b := range bills {
		if oldest.IsZero() || !DateOf(b.Due).Equal(oldest) || Summarize([]BillBalance{b}, on, r).Bills == 0 {
			continue
		}
		if !found || b.ID < best.ID {
			best, found = b, true
		}
	}
	return best, found
}

// finalAt is when the final notice of an interruption planned on day planned is due.
func finalAt(l Ladder, planned time.Time, loc *time.Location) time.Time {
	y, m, d := planned.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc).Add(l.DisconnectAt - l.FinalNoticeBefore)
}

// QuietAt reports whether the time of day since (from midnight) is inside quiet hours.
func (p ReminderPolicy) QuietAt(since time.Duration) bool {
	if p.QuietFrom == p.QuietUntil {
		return false
	}
	if p.QuietFrom < p.QuietUntil {
		return since >= p.QuietFrom && since < p.QuietUntil
	}
	return since >= p.QuietFrom || since < p.QuietUntil
}

// quiet reports whether now (in the policy's location) is inside quiet hours, and when they end.
func (p ReminderPolicy) quiet(now time.Time) (time.Time, bool) {
	y, m, d := now.Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, now.Location())
	if !p.QuietAt(now.Sub(midnight)) {
		return time.Time{}, false
	}
	end := midnight.Add(p.QuietUntil)
	if !end.After(now) {
		end = time.Date(y, m, d+1, 0, 0, 0, 0, now.Location()).Add(p.QuietUntil)
	}
	return end, true
}

// Validate returns an error wrapping ErrInvalid when the policy could not be kept: no location, an
// unknown class, a ladder whose steps are not in ascending order of day or name a stage that is not
// a day's step, a notice before the 催交 or with a lead shorter than the law's, a final notice not
// within the day or inside quiet hours, times of day outside one day, or bad late-fee rates. Call it where the policy is
// loaded; Decide still withholds an unlawful notice on its own.
func (p ReminderPolicy) Validate() error {
	var errs []error
	if p.Location == nil {
		errs = append(errs, errors.New("no location"))
	}
	for _, t := range []time.Duration{p.QuietFrom, p.QuietUntil} {
		if t < 0 || t >= 24*time.Hour {
			errs = append(errs, fmt.Errorf("quiet hours: %s is not a time of day", t))
		}
	}
	for c, l := range p.Ladders {
		if !c.Valid() {
			errs = append(errs, fmt.Errorf("ladder of unknown class %q", c))
			continue
		}
		if err := l.validate(c); err != nil {
			errs = append(errs, fmt.Errorf("ladder %s: %w", c, err))
		}
		// A final notice held back by quiet hours would reach the customer less than the hour before.
		if final := l.DisconnectAt - l.FinalNoticeBefore; c != Residential && p.QuietAt(final) {
			errs = append(errs, fmt.Errorf("ladder %s: the final notice at %s falls in quiet hours", c, final))
		}
	}
	if err := p.Rates.Validate(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("reminder policy: %w: %w", ErrInvalid, errors.Join(errs...))
	}
	return nil
}

// dayStages are the stages a ladder step may name; the final notice and the low-balance alert are
// not tied to a day after the due date.
var dayStages = []Stage{StageBeforeDue, StageDue, StageOverdue1, StageOverdue15, StageCuijiao, StageNotice}

func (l Ladder) validate(c Class) error {
	var errs []error
	seen := map[Stage]int{}
	for i, s := range l.Steps {
		if !slices.Contains(dayStages, s.Stage) {
			errs = append(errs, fmt.Errorf("stage %q is not a day's step", s.Stage))
		}
		if _, dup := seen[s.Stage]; dup {
			errs = append(errs, fmt.Errorf("stage %q twice", s.Stage))
		}
		seen[s.Stage] = s.Offset
		if i > 0 && s.Offset <= l.Steps[i-1].Offset {
			errs = append(errs, fmt.Errorf("stage %q on day %d is not after %q on day %d", s.Stage, s.Offset,
				l.Steps[i-1].Stage, l.Steps[i-1].Offset))
		}
	}
	if n, ok := seen[StageNotice]; ok {
		if cj, ok := seen[StageCuijiao]; !ok || cj >= n {
			errs = append(errs, errors.New("a notice needs a 催交 on an earlier day"))
		}
		if l.NoticeLeadDays < NoticeDays(c) {
			errs = append(errs, fmt.Errorf("notice lead of %d days is shorter than the law's %d", l.NoticeLeadDays, NoticeDays(c)))
		}
	}
	if l.DisconnectAt < 0 || l.DisconnectAt >= 24*time.Hour || l.FinalNoticeBefore <= 0 || l.FinalNoticeBefore > l.DisconnectAt {
		errs = append(errs, fmt.Errorf("final notice %s before an interruption at %s is not within the day", l.FinalNoticeBefore, l.DisconnectAt))
	}
	if l.LowBalance < 0 {
		errs = append(errs, fmt.Errorf("negative low-balance threshold %s", l.LowBalance))
	}
	return errors.Join(errs...)
}
