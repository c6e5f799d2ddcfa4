package portal

import (
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/i18n"
	"gridpay/internal/web"
	"gridpay/portal/auth"
	"gridpay/portal/chart"
)

// usagePage shows an account's use: 24 months beside last year, the annual tier progress, and the
// daily chart of the last 30 or 60 days, each chart with a table to read instead.
type usagePage struct {
	page
	AccountNo    string
	MonthlyChart template.HTML
	MonthlyTable template.HTML
	HasMonthly   bool
	Tier         *tierView
	Days         int // 30 or 60: the daily chart's window
	OtherDays    int // the window the page offers to switch to
	DailyChart   template.HTML
	DailyTable   template.HTML
	HasDaily     bool // the window has data
	AnyDaily     bool // the 60 days have data: the other window is worth a link
}

// tierView is the annual tier progress in words and as a bar.
type tierView struct {
	Title string
	Chart template.HTML
	Now   string // which tier the year's use is in
	Left  string // how much more until the next tier; empty in the top tier
}

// showUsage shows GET /accounts/{no}/usage[?days=60].
func (h *Handler) showUsage(c *gin.Context) error {
	s, _ := auth.FromContext(c)
	no, err := web.AccountNo(c)
	if err != nil {
		return err
	}
	days, err := dailyWindow(c)
	if err != nil {
		return err
	}
	r, err := h.svc.Usage(c.Request.Context(), s.Phone, no)
	if err != nil {
		return err
	}
	return h.pages.Render(c, http.StatusOK, "usage", newUsagePage(h.newPage(c), no, r, days))
}

// dailyWindow reads ?days=: 30 (the default) or 60, nothing else.
func dailyWindow(c *gin.Context) (int, error) {
	days, err := web.IntQuery(c, "days", 30, 30, usageDays)
	if err != nil {
		return 0, err
	}
	if days != 30 && days != 60 {
		return 0, fmt.Errorf("portal: query days=%d: want 30 or 60: %w", days, billing.ErrInvalid)
	}
	return days, nil
}

// newUsagePage draws the report's charts in the page's language.
func newUsagePage(p page, no string, r UsageReport, days int) usagePage {
	l := p.Lang
	up := usagePage{page: p, AccountNo: no, Days: days, OtherDays: 60, HasMonthly: len(r.Monthly) > 0}
	if days == 60 {
		up.OtherDays = 30
	}

	current := chart.Series{Name: p.T("usage.series_month")}
	lastYear := chart.Series{Name: p.T("usage.series_last_year")}
	tableCurrent, tableLastYear := chart.Series{Name: current.Name}, chart.Series{Name: lastYear.Name}
	for _, m := range r.Monthly {
		var prev int64 // a month not billed a year earlier draws no bar
		if m.LastYearKWh != nil {
			prev = *m.LastYearKWh
		}
		short, long := monthLabels(l, m.Period)
		current.Bars = append(current.Bars, chart.Bar{Label: short, Value: m.KWh})
		lastYear.Bars = append(lastYear.Bars, chart.Bar{Label: short, Value: prev})
		tableCurrent.Bars = append(tableCurrent.Bars, chart.Bar{Label: long, Value: m.KWh})
		tableLastYear.Bars = append(tableLastYear.Bars, chart.Bar{Label: long, Value: prev})
	}
	monthly := chart.Options{Title: p.T("usage.monthly_title", len(r.Monthly)), Unit: "kWh", English: p.Lang == i18n.EN}
	up.MonthlyChart = chart.Bars([]chart.Series{current, lastYear}, monthly)
	up.MonthlyTable = chart.Table([]chart.Series{tableCurrent, tableLastYear}, monthly)

	// The window ends today: 30 days are today and the 29 before it.
	from := time.Time(r.AsOf).AddDate(0, 0, -days)
	daily := chart.Series{Name: p.T("usage.daily")}
	dailyTable := chart.Series{Name: daily.Name}
	for _, d := range r.Daily {
		t := time.Time(d.Day)
		if !t.After(from) {
			continue
		}
		daily.Bars = append(daily.Bars, chart.Bar{Label: dayLabel(l, t), Value: d.KWh})
		dailyTable.Bars = append(dailyTable.Bars, chart.Bar{Label: i18n.Date(l, t), Value: d.KWh})
	}
	up.HasDaily, up.AnyDaily = len(daily.Bars) > 0, len(r.Daily) > 0
	if up.HasDaily {
		opts := chart.Options{Title: p.T("usage.daily_title", days), Unit: "kWh", English: p.Lang == i18n.EN}
		up.DailyChart = chart.Bars([]chart.Series{daily}, opts)
		up.DailyTable = chart.Table([]chart.Series{dailyTable}, opts)
	}

	if a := r.AnnualTier; a != nil {
		label := p.T("usage.tier_progress", i18n.KWh(a.UsedKWh), i18n.KWh(a.FirstTierKWh))
		tv := &tierView{Title: p.T("usage.annual_title", a.Year), Now: p.T("usage.tier_now", a.Tier)}
		tv.Chart = chart.Progress(a.UsedKWh, a.FirstTierKWh, label, chart.Options{Title: label, Unit: "kWh", English: p.Lang == i18n.EN})
		if a.TierUpToKWh != nil && a.Tier < a.Tiers {
			tv.Left = p.T("usage.tier_left", i18n.KWh(*a.TierUpToKWh-a.UsedKWh), a.Tier+1)
		}
		up.Tier = tv
	}
	return up
}

// monthLabels are a billing month's chart label ("3月", "Mar") and table label ("2026年3月", "Mar 2026").
func monthLabels(l i18n.Lang, m BillingMonth) (short, long string) {
	if l == i18n.EN {
		return m.Month().String()[:3], periodText(l, billing.Period(m))
	}
	return fmt.Sprintf("%d月", m.Month()), periodText(l, billing.Period(m))
}

// dayLabel is a day's chart label: "11/25" in Chinese, "25 Nov" in English.
func dayLabel(l i18n.Lang, t time.Time) string {
	if l == i18n.EN {
		return t.Format("2 Jan")
	}
	return fmt.Sprintf("%d/%d", t.Month(), t.Day())
}
