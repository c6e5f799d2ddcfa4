package admin

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/store"
	"gridpay/internal/web"
)

// reconDefaultDays is how many days the reconciliation page shows when no range is asked.
const reconDefaultDays = 30

// reconDaysPage is each day's reconciliation per channel, newest first, over a range of days.
type reconDaysPage struct {
	page
	Days     []store.ReconDay
	From, To string // YYYY-MM-DD
}

// civil reads a day (YYYY-MM-DD) as the civil date reconciliation keys days by: midnight UTC.
func civil(field, s string) (time.Time, error) {
	day, err := time.Parse(time.DateOnly, s)
	if err != nil || day.Year() < 2000 || day.Year() > 2099 {
		return time.Time{}, &web.InputError{Field: field, Key: "admin.error.date", Kind: billing.ErrInvalid}
	}
	return day, nil
}

// showReconDays answers GET /admin/reconciliation?from=&to=: by default the last 30 days.
func (h *Handler) showReconDays(c *gin.Context) error {
	p := reconDaysPage{page: h.newPage(c)}
	var err error
	if p.From, err = queryText(c, "from", 10); err != nil {
		return err
	}
	if p.To, err = queryText(c, "to", 10); err != nil {
		return err
	}
	today := h.now().In(h.loc)
	to := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	if p.To != "" {
		if to, err = civil("to", p.To); err != nil {
			return err
		}
	}
	from := to.AddDate(0, 0, -reconDefaultDays+1)
	if p.From != "" {
		if from, err = civil("from", p.From); err != nil {
			return err
		}
	}
	if to.Before(from) || to.Sub(from) >= store.MaxReconDays*24*time.Hour {
		return &web.InputError{Field: "from", Key: "admin.recon.range_error", Args: []any{store.MaxReconDays}, Kind: billing.ErrInvalid}
	}
	p.From, p.To = from.Format(time.DateOnly), to.Format(time.DateOnly)
	if p.Days, err = h.portal.ReconciliationDays(c.Request.Context(), from, to); err != nil {
		return err
	}
	return h.pages.Render(c, http.StatusOK, "recon_days", p)
}

// reconDayPage is one day's exceptions, per channel, each with its resolve form while open.
type reconDayPage struct {
	page
	Day     string // YYYY-MM-DD
	Channel string // "" for every channel
	// Items are the day's exceptions by channel, resolved ones included.
	Items    map[string][]store.ReconItem
	Channels []string
	Names    map[int64]string // staff ids to usernames: who resolved
	CanAct   bool
}

// reconDayQuery reads the day of the path and the ?channel= of the query string.
func reconDayQuery(c *gin.Context) (time.Time, string, error) {
	day, err := civil("day", truncate(c.Param("day"), 10))
	if err != nil {
		return time.Time{}, "", err
	}
	channel, err := queryText(c, "channel", 16)
	if err != nil {
		return time.Time{}, "", err
	}
	if channel != "" && channel != channels[0] && channel != channels[1] && channel != channels[2] {
		return time.Time{}, "", &web.InputError{Field: "channel", Key: "admin.error.filter", Kind: billing.ErrInvalid}
	}
	return day, channel, nil
}

// showReconDay answers GET /admin/reconciliation/:day?channel=.
func (h *Handler) showReconDay(c *gin.Context) error {
	me, _ := staffOf(c)
	day, channel, err := reconDayQuery(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	p := reconDayPage{page: h.newPage(c), Day: day.Format(time.DateOnly), Channel: channel, Items: map[string][]store.ReconItem{},
		Names: map[int64]string{}, CanAct: me.Role == "finance"}
	for _, ch := range channels {
		if channel == "" || channel == ch {
			p.Channels = append(p.Channels, ch)
		}
	}
	for _, ch := range p.Channels {
		if p.Items[ch], err = h.portal.ReconExceptions(ctx, day, ch, true); err != nil {
			return err
		}
	}
	list, err := h.portal.ListStaff(ctx)
	if err != nil {
		return err
	}
	for _, s := range list {
		p.Names[s.ID] = s.Username
	}
	if c.Query("done") == "resolved" {
		p.Notice = p.T("admin.recon.done_resolved")
	}
	return h.pages.Render(c, http.StatusOK, "recon_day", p)
}

// resolveRecon answers POST /admin/reconciliation/items/:id/resolve: an exception settled, with
// what was done (resolution); back to the day (day) it came from.
func (h *Handler) resolveRecon(c *gin.Context) error {
	id, err := web.PathID(c, "id")
	if err != nil {
		return err
	}
	resolution := formText(c, "resolution")
	if resolution == "" {
		return &web.InputError{Field: "resolution", Key: "admin.error.reason", Kind: billing.ErrInvalid}
	}
	back := "/admin/reconciliation"
	if v := truncate(c.PostForm("day"), 10); v != "" {
		day, err := civil("day", v)
		if err != nil {
			return err
		}
		back += "/" + day.Format(time.DateOnly)
	}
	if _, err := h.portal.ResolveReconItem(c.Request.Context(), id, resolution, audit(c, resolution)); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, back+"?done=resolved#item-"+strconv.FormatInt(id, 10))
	return nil
}
