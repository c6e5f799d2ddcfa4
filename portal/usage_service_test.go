package portal_test

import (
	"reflect"
	"testing"

	"gridpay/internal/billing"
	"gridpay/internal/store"
	"gridpay/portal"
)

func kwhPtr(v int64) *int64 { return &v }

func billingMonthPtr(m portal.BillingMonth) *portal.BillingMonth { return &m }

func TestAnnualTier(t *testing.T) {
	annual := billing.Tariff{Code: "R-TIER-A", Kind: billing.Tiered, Mode: billing.Annual,
		Tiers: []billing.Tier{{UpTo: 2160, Price: 5100}, {UpTo: 4200, Price: 5600}, {Price: 8100}}}
	// use gives this year's months (2026) the kWh listed, after two months of last year that must not count.
	use := func(kwh ...int64) []store.MonthlyUsage {
		ms := []store.MonthlyUsage{{Period: 202511, KWh: 5000}, {Period: 202512, KWh: 5000}}
		for i, k := range kwh {
			ms = append(ms, store.MonthlyUsage{Period: 202601 + i, KWh: k})
		}
		return ms
	}
	tests := []struct {
		name   string
		tariff billing.Tariff
		months []store.MonthlyUsage
		want   *portal.AnnualTier
	}{
		{"no bill this year yet", annual, use(), &portal.AnnualTier{Year: 2026, FirstTierKWh: 2160, Tier: 1, TierUpToKWh: kwhPtr(2160), Tiers: 3}},
		{"within tier 1", annual, use(900, 970), &portal.AnnualTier{Year: 2026, Through: billingMonthPtr(202602), UsedKWh: 1870,
			FirstTierKWh: 2160, Tier: 1, TierUpToKWh: kwhPtr(2160), Tiers: 3}},
		{"the bound is still tier 1", annual, use(2000, 160), &portal.AnnualTier{Year: 2026, Through: billingMonthPtr(202602), UsedKWh: 2160,
			FirstTierKWh: 2160, Tier: 1, TierUpToKWh: kwhPtr(2160), Tiers: 3}},
		{"one over is tier 2", annual, use(2000, 161), &portal.AnnualTier{Year: 2026, Through: billingMonthPtr(202602), UsedKWh: 2161,
			FirstTierKWh: 2160, Tier: 2, TierUpToKWh: kwhPtr(4200), Tiers: 3}},
		{"the top tier has no bound", annual, use(2000, 2000, 201), &portal.AnnualTier{Year: 2026, Through: billingMonthPtr(202603), UsedKWh: 4201,
			FirstTierKWh: 2160, Tier: 3, Tiers: 3}},
		{"a tariff without tiers", billing.Tariff{Kind: billing.Tiered, Mode: billing.Annual}, use(100), nil},
		{"a first tier without a bound", billing.Tariff{Kind: billing.Tiered, Mode: billing.Annual, Tiers: []billing.Tier{{Price: 5100}}}, use(100), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := portal.AnnualTierOf(tt.tariff, tt.months, 2026)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("annualTier = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestMonthsWithLastYear(t *testing.T) {
	ms := func(periods ...int) []store.MonthlyUsage {
		out := make([]store.MonthlyUsage, len(periods))
		for i, p := range periods {
			out[i] = store.MonthlyUsage{Period: p, KWh: int64(p % 10000)}
		}
		return out
	}
	tests := []struct {
		name   string
		months []store.MonthlyUsage
		n      int
		want   []portal.MonthUsage
	}{
		{"nothing", ms(), 24, []portal.MonthUsage{}},
		{"no year before", ms(202609, 202610), 24, []portal.MonthUsage{{Period: 202609, KWh: 2609}, {Period: 202610, KWh: 2610}}},
		{"the newest n, each beside its month a year earlier, a gap left null", ms(202508, 202510, 202511, 202608, 202609, 202610, 202611), 3,
			[]portal.MonthUsage{{Period: 202609, KWh: 2609}, {Period: 202610, KWh: 2610, LastYearKWh: kwhPtr(2510)},
				{Period: 202611, KWh: 2611, LastYearKWh: kwhPtr(2511)}}},
		{"across the new year", ms(202512, 202601, 202612, 202701), 2,
			[]portal.MonthUsage{{Period: 202612, KWh: 2612, LastYearKWh: kwhPtr(2512)}, {Period: 202701, KWh: 2701, LastYearKWh: kwhPtr(2601)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := portal.MonthsWithLastYear(tt.months, tt.n); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("monthsWithLastYear = %+v, want %+v", got, tt.want)
			}
		})
	}
}
