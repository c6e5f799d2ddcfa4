package portal

import (
	"context"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

// How much usage history the usage page and API show.
const (
	usageMonths = 24 // billing months on the monthly chart
	usageDays   = 60 // days of smart-meter data, the most the page offers
)

// BillingMonth is a billing period (billing.Period, YYYYMM) as the usage API sends it: in JSON as
// "2026-10".
type BillingMonth billing.Period

// Year is the month's calendar year.
func (m BillingMonth) Year() int { return billing.Period(m).Year() }

// Month is the month of the year.
func (m BillingMonth) Month() time.Month { return billing.Period(m).Month() }

// String formats the month as "2026-10".
func (m BillingMonth) String() string { return billing.Period(m).String() }

// MarshalJSON implements json.Marshaler.
func (m BillingMonth) MarshalJSON() ([]byte, error) { return []byte(`"` + m.String() + `"`), nil }

// MonthUsage is one billing month's energy beside the same month a year earlier.
type MonthUsage struct {
	Period      BillingMonth `json:"period"`
	KWh         int64        `json:"kwh"`
	LastYearKWh *int64       `json:"last_year_kwh"` // null when that month was not billed
}

// DayUsage is one day's energy from smart-meter readings.
type DayUsage struct {
	Day Date  `json:"day"`
	KWh int64 `json:"kwh"`
}

// AnnualTier is where an account on an annual tiered tariff stands this calendar year: the kWh of
// this year's billing months so far against the first tier's allowance, and the tier it is in.
type AnnualTier struct {
	Year         int           `json:"year"`
	Through      *BillingMonth `json:"through"` // the newest billing month counted; null before this year's first bill
	UsedKWh      int64         `json:"used_kwh"`
	FirstTierKWh int64         `json:"first_tier_kwh"`
	Tier         int           `json:"tier"`           // 1, 2, 3...
	TierUpToKWh  *int64        `json:"tier_up_to_kwh"` // the current tier's upper bound; null for the top tier
	Tiers        int           `json:"tiers"`          // how many tiers the tariff has
}

// UsageReport is an account's consumption as the usage page and API show it.
type UsageReport struct {
	AsOf       Date         `json:"as_of"`
	Monthly    []MonthUsage `json:"monthly"` // up to 24 billing months, oldest first
	Daily      []DayUsage   `json:"daily"`   // up to 60 days to today, oldest first; empty without a smart meter
	AnnualTier *AnnualTier  `json:"annual_tier"`
}

// Usage returns the account's last 24 billing months, each beside the same month a year earlier,
// its daily energy over the last 60 days where a smart meter reports, and, when its tariff is tiered
// by annual use, its progress through the tiers this calendar year.
func (s *Service) Usage(ctx context.Context, phone, accountNo string) (UsageReport, error) {
	v, err := s.account(ctx, phone, accountNo)
	if err != nil {
		return UsageReport{}, err
	}
	today := s.today()
	// A year more than the chart shows, for the months beside the oldest ones.
	u, err := s.core.Usage(ctx, v.accountID, usageMonths+12, usageDays, today)
	if err != nil {
		return UsageReport{}, err
	}
	r := UsageReport{AsOf: Date(today), Monthly: monthsWithLastYear(u.Monthly, usageMonths), Daily: make([]DayUsage, len(u.Daily))}
	for i, d := range u.Daily {
		r.Daily[i] = DayUsage{Day: Date(d.Day), KWh: d.KWh}
	}
	tariff, ok, err := s.currentTariff(ctx, v)
	if err != nil {
		return UsageReport{}, err
	}
	if ok && tariff.Kind == billing.Tiered && tariff.Mode == billing.Annual {
		r.AnnualTier = annualTier(tariff, u.Monthly, today.Year())
	}
	return r, nil
}

// monthsWithLastYear returns the newest n of months (oldest first), each with the kWh of the same
// month a year earlier when that month is among months.
func monthsWithLastYear(months []store.MonthlyUsage, n int) []MonthUsage {
	byPeriod := make(map[int]int64, len(months))
	for _, m := range months {
		byPeriod[m.Period] = m.KWh
	}
	months = months[max(0, len(months)-n):]
	out := make([]MonthUsage, len(months))
	for i, m := range months {
		out[i] = MonthUsage{Period: BillingMonth(m.Period), KWh: m.KWh}
		if kwh, ok := byPeriod[int(billing.Period(m.Period).AddMonths(-12))]; ok {
			out[i].LastYearKWh = &kwh
		}
	}
	return out
}

// currentTariff returns the tariff of the account's newest bill, when that is still the account's
// tariff; ok is false for an account without bills or one moved to another tariff since.
func (s *Service) currentTariff(ctx context.Context, v AccountView) (billing.Tariff, bool, error) {
	bills, _, err := s.core.Bills(ctx, v.accountID, store.Page{Limit: 1})
	if err != nil || len(bills) == 0 || bills[0].TariffCode != v.accountData.TariffCode {
		return billing.Tariff{}, false, err
	}
	d, err := s.core.Bill(ctx, v.accountID, bills[0].ID)
	if err != nil {
		return billing.Tariff{}, false, err
	}
	return d.Tariff, true, nil
}

// annualTier sums the billing months of year and finds the tier their total falls in; a tier
// includes its upper bound, as billing.Tariff.Bill counts it. A tariff without a bounded first tier
// has no progress to show.
func annualTier(t billing.Tariff, months []store.MonthlyUsage, year int) *AnnualTier {
	if len(t.Tiers) == 0 || t.Tiers[0].UpTo <= 0 {
		return nil
	}
	a := &AnnualTier{Year: year, FirstTierKWh: t.Tiers[0].UpTo, Tiers: len(t.Tiers)}
	for _, m := range months {
		if billing.Period(m.Period).Year() == year {
			a.UsedKWh += m.KWh
			through := BillingMonth(m.Period)
			a.Through = &through
		}
	}
	for i, tier := range t.Tiers {
		if tier.UpTo == 0 || a.UsedKWh <= tier.UpTo || i == len(t.Tiers)-1 {
			a.Tier = i + 1
			if tier.UpTo > 0 {
				upTo := tier.UpTo
				a.TierUpToKWh = &upTo
			}
			break
		}
	}
	return a
}

// Payments returns a page of the account's posted payments, newest first, and how many there are.
func (s *Service) Payments(ctx context.Context, phone, accountNo string, page store.Page) ([]store.Receipt, int, error) {
	v, err := s.account(ctx, phone, accountNo)
	if err != nil {
		return nil, 0, err
	}
	return s.core.Receipts(ctx, v.accountID, page)
}
