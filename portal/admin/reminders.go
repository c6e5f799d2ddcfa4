package admin

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/store"
	"gridpay/internal/web"
)

// reminderRunsPageSize is how many runs the runs page shows.
const reminderRunsPageSize = 30

// reminderPage is what every reminders page template gets: the staff page with the words of the
// arrears ladder.
type reminderPage struct{ page }

// remindersPage is the recent arrears runs.
type remindersPage struct {
	reminderPage
	Runs    []RunProgress
	Total   int
	Paging  web.Paging
	Pages   int
	PrevURL string
	NextURL string
}

// reminderRunPage is one run's details.
type reminderRunPage struct {
	reminderPage
	Run RunProgress
}

// reminderPreviewPage is tomorrow's preview.
type reminderPreviewPage struct {
	reminderPage
	Preview Preview
	Max     int
}

// reminderCalendarPage is the suppression calendar ahead.
type reminderCalendarPage struct {
	reminderPage
	Days  []store.SuppressedDay
	Today string // YYYY-MM-DD, the earliest day the form takes
}

// reminderExemptionsPage is an account's protected flag and exemption.
type reminderExemptionsPage struct {
	reminderPage
	AccountNo string // as typed
	Account   *store.Account
	Today     string
}

// RunStatus is a run's status in the page's language.
func (p reminderPage) RunStatus(s store.RunStatus) string {
	return p.T("admin.reminders.status." + string(s))
}

// Reasons are the suppression reasons of counts, sorted, for a stable table.
func (p reminderPage) Reasons(c store.RunCounts) []string {
	out := make([]string, 0, len(c.Suppressed))
	for k := range c.Suppressed {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// ReasonText is a ladder reason in the page's language (the code itself when the catalog has none).
func (p reminderPage) ReasonText(r string) string {
	key := "admin.reminders.reason." + r
	if t := p.T(key); t != key {
		return t
	}
	return r
}

// StageText is a ladder stage in the page's language.
func (p reminderPage) StageText(s billing.Stage) string {
	if s == "later" {
		return p.T("admin.reminders.later")
	}
	return p.T("notices.stage." + string(s))
}

// Date shows a civil date.
func (p reminderPage) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// reminders returns the reminders service, or an error page when the site has none.
func (h *Handler) reminders() (*Reminders, error) {
	if h.reminds == nil {
		return nil, errNoReminders
	}
	return h.reminds, nil
}

// showReminderRuns answers GET /admin/reminders?page=.
func (h *Handler) showReminderRuns(c *gin.Context) error {
	r, err := h.reminders()
	if err != nil {
		return err
	}
	p := remindersPage{reminderPage: reminderPage{h.newPage(c)}}
	if p.Paging, err = web.ParsePage(c, reminderRunsPageSize); err != nil {
		return err
	}
	if p.Runs, p.Total, err = r.Runs(c.Request.Context(), store.Page{Limit: p.Paging.Size, Offset: p.Paging.Offset()}); err != nil {
		return err
	}
	p.Pages = p.Paging.Pages(p.Total)
	p.PrevURL, p.NextURL = pageLinks(c, p.Paging.Page, p.Pages)
	return h.pages.Render(c, http.StatusOK, "reminders", p)
}

// parseDay reads a civil date (YYYY-MM-DD) staff gave in field. Anything longer is refused, not
// cut: a date with more after it is not the date.
func parseDay(s, field string) (time.Time, error) {
	s = strings.TrimSpace(truncate(s, 64))
	d, err := time.Parse(time.DateOnly, s)
	if err != nil || len(s) != len(time.DateOnly) || d.Year() < 2000 || d.Year() > 2099 {
		return time.Time{}, &web.InputError{Field: field, Key: "admin.error.date", Kind: billing.ErrInvalid}
	}
	return d, nil
}

// showReminderRun answers GET /admin/reminders/:day.
func (h *Handler) showReminderRun(c *gin.Context) error {
	r, err := h.reminders()
	if err != nil {
		return err
	}
	day, err := parseDay(c.Param("day"), "day")
	if err != nil {
		return err
	}
	p := reminderRunPage{reminderPage: reminderPage{h.newPage(c)}}
	if p.Run, err = r.Run(c.Request.Context(), day); err != nil {
		return err
	}
	return h.pages.Render(c, http.StatusOK, "reminder_run", p)
}

// showReminderPreview answers GET /admin/reminders/preview: tomorrow's run as the ladder decides it
// now, within the staff member's station.
func (h *Handler) showReminderPreview(c *gin.Context) error {
	r, err := h.reminders()
	if err != nil {
		return err
	}
	me, _ := staffOf(c)
	p := reminderPreviewPage{reminderPage: reminderPage{h.newPage(c)}, Max: MaxPreviewRows}
	if p.Preview, err = r.Preview(c.Request.Context(), me); err != nil {
		return err
	}
	return h.pages.Render(c, http.StatusOK, "reminder_preview", p)
}

// showReminderCalendar answers GET /admin/reminders/calendar?done=.
func (h *Handler) showReminderCalendar(c *gin.Context) error {
	r, err := h.reminders()
	if err != nil {
		return err
	}
	p := reminderCalendarPage{reminderPage: reminderPage{h.newPage(c)}, Today: r.today().Format(time.DateOnly)}
	switch c.Query("done") {
	case "added":
		p.Notice = p.T("admin.reminders.done_added")
	case "removed":
		p.Notice = p.T("admin.reminders.done_removed")
	}
	if p.Days, err = r.Calendar(c.Request.Context()); err != nil {
		return err
	}
	return h.pages.Render(c, http.StatusOK, "reminder_calendar", p)
}

// reminderReason is the reason field of a reminders form, trimmed and cut to its limit; the
// service refuses what is still too long.
func reminderReason(c *gin.Context) string {
	return strings.TrimSpace(truncate(c.PostForm("reason"), 4*store.MaxAuditReason))
}

// suppressReminderDay answers POST /admin/reminders/calendar: day and reason.
func (h *Handler) suppressReminderDay(c *gin.Context) error {
	r, err := h.reminders()
	if err != nil {
		return err
	}
	day, err := parseDay(c.PostForm("day"), "day")
	if err != nil {
		return err
	}
	if err := r.Suppress(c.Request.Context(), day, reminderReason(c), audit(c, "")); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/reminders/calendar?done=added")
	return nil
}

// unsuppressReminderDay answers POST /admin/reminders/calendar/remove: day and reason.
func (h *Handler) unsuppressReminderDay(c *gin.Context) error {
	r, err := h.reminders()
	if err != nil {
		return err
	}
	day, err := parseDay(c.PostForm("day"), "day")
	if err != nil {
		return err
	}
	if err := r.Unsuppress(c.Request.Context(), day, audit(c, reminderReason(c))); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/reminders/calendar?done=removed")
	return nil
}

// accountField reads an account number staff typed: refused when longer than any number with
// spaces around it could be (the service checks the number itself), so that nothing is cut into one.
func accountField(s string) (string, error) {
	if len(s) > 32 {
		return "", &web.InputError{Field: "account", Key: "admin.error.account", Kind: billing.ErrInvalid}
	}
	return strings.TrimSpace(s), nil
}

// showReminderExemptions answers GET /admin/reminders/exemptions?account=&done=.
func (h *Handler) showReminderExemptions(c *gin.Context) error {
	r, err := h.reminders()
	if err != nil {
		return err
	}
	me, _ := staffOf(c)
	p := reminderExemptionsPage{reminderPage: reminderPage{h.newPage(c)}, Today: r.today().Format(time.DateOnly)}
	if p.AccountNo, err = accountField(c.Query("account")); err != nil {
		return err
	}
	if c.Query("done") == "set" {
		p.Notice = p.T("admin.reminders.done_flags")
	}
	if p.AccountNo != "" {
		a, err := r.Account(c.Request.Context(), me, p.AccountNo)
		if err != nil {
			return err
		}
		p.Account = &a
	}
	return h.pages.Render(c, http.StatusOK, "reminder_exemptions", p)
}

// setReminderFlags answers POST /admin/reminders/exemptions: account, protected (a checkbox),
// exempt_until (a date, or empty for none) and reason.
func (h *Handler) setReminderFlags(c *gin.Context) error {
	r, err := h.reminders()
	if err != nil {
		return err
	}
	me, _ := staffOf(c)
	ch := FlagChange{Protected: c.PostForm("protected") == "on", Reason: reminderReason(c), ClientAddr: c.ClientIP()}
	if ch.AccountNo, err = accountField(c.PostForm("account")); err != nil {
		return err
	}
	switch v := c.PostForm("protected"); v {
	case "", "on":
	default:
		return &web.InputError{Field: "protected", Key: "admin.error.filter", Kind: billing.ErrInvalid}
	}
	if s := c.PostForm("exempt_until"); strings.TrimSpace(s) != "" {
		if ch.ExemptUntil, err = parseDay(s, "exempt_until"); err != nil {
			return err
		}
	}
	if _, err := r.SetFlags(c.Request.Context(), me, ch); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/reminders/exemptions?done=set&account="+url.QueryEscape(ch.AccountNo))
	return nil
}
