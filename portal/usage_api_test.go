package portal_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// annualTariff is the demo's residential tariff tiered by annual use (R-TIER-A).
const annualTariff = "居民生活阶梯电价(年度)"

// usageMonth is one entry of the usage API's monthly list.
type usageMonth struct {
	Period      string
	KWh         int64
	LastYearKWh *int64
}

// monthlyUsage reads the monthly list of a usage answer.
func monthlyUsage(t *testing.T, body map[string]any) []usageMonth {
	t.Helper()
	raw, ok := body["monthly"].([]any)
	if !ok {
		t.Fatalf("usage has no monthly list: %v", body)
	}
	out := make([]usageMonth, len(raw))
	for i, v := range raw {
		m := v.(map[string]any)
		out[i] = usageMonth{Period: m["period"].(string), KWh: int64(m["kwh"].(float64))}
		if ly, ok := m["last_year_kwh"].(float64); ok {
			kwh := int64(ly)
			out[i].LastYearKWh = &kwh
		} else if m["last_year_kwh"] != nil {
			t.Errorf("%s: last_year_kwh = %v, want a number or null", out[i].Period, m["last_year_kwh"])
		}
	}
	return out
}

// billedKWh reads every bill of an account through the bills API: kWh by period.
func billedKWh(t *testing.T, s *site, c *http.Client, no string) map[string]int64 {
	t.Helper()
	status, body, raw := getJSON(t, c, s.url+"/api/v1/accounts/"+no+"/bills?per_page=100")
	if status != 200 {
		t.Fatalf("bills of %s = %d %s", no, status, raw)
	}
	out := map[string]int64{}
	for _, b := range body["bills"].([]any) {
		bill := b.(map[string]any)
		out[bill["period"].(string)] = int64(bill["kwh"].(float64))
	}
	return out
}

// bindSeeded binds every seeded account but the two demo ones to a phone of its own, signs that
// phone in and returns its client and accounts as the accounts API lists them.
func bindSeeded(t *testing.T, s *site) (*http.Client, []map[string]any) {
	t.Helper()
	const phone = "13900000009"
	for i := 3; i <= 30; i++ {
		if _, err := s.portal.Bind(t.Context(), phone, fmt.Sprintf("31%08d", i)); err != nil {
			t.Fatal(err)
		}
	}
	c := s.signIn(t, phone)
	status, body, raw := getJSON(t, c, s.url+"/api/v1/accounts")
	if status != 200 {
		t.Fatalf("accounts = %d %s", status, raw)
	}
	var accounts []map[string]any
	for _, a := range body["accounts"].([]any) {
		accounts = append(accounts, a.(map[string]any))
	}
	return c, accounts
}

// annualAccount returns a client that may see a seeded account on the annual tiered tariff, and
// that account's number.
func annualAccount(t *testing.T, s *site) (*http.Client, string) {
	t.Helper()
	c, accounts := bindSeeded(t, s)
	for _, a := range accounts {
		if a["tariff"] == annualTariff {
			return c, a["account_no"].(string)
		}
	}
	t.Fatalf("no seeded account on %s: %v", annualTariff, accounts)
	return nil, ""
}

func TestUsageAPI(t *testing.T) {
	s := newSite(t, true)
	c := s.signIn(t, "13800138000")
	status, body, raw := getJSON(t, c, s.url+"/api/v1/accounts/3100000001/usage")
	if status != 200 {
		t.Fatalf("usage = %d %s", status, raw)
	}
	if body["as_of"] != "2026-11-26" {
		t.Errorf("as_of = %v, want 2026-11-26", body["as_of"])
	}

	t.Run("24 months oldest first, last year beside", func(t *testing.T) {
		months := monthlyUsage(t, body)
		if len(months) != 24 || months[0].Period != "2024-11" || months[23].Period != "2026-10" {
			t.Fatalf("monthly = %d months from %v: want 2024-11 to 2026-10", len(months), months)
		}
		billed := billedKWh(t, s, c, "3100000001")
		var total int64
		for i, m := range months {
			want := time.Date(2024, time.Month(11+i), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
			if m.Period != want {
				t.Errorf("month %d is %s, want %s", i, m.Period, want)
			}
			if kwh, ok := billed[m.Period]; !ok || kwh != m.KWh {
				t.Errorf("%s: %d kWh, the bill says %d (billed %v)", m.Period, m.KWh, kwh, ok)
			}
			total += m.KWh
			switch {
			case i < 12 && m.LastYearKWh != nil:
				t.Errorf("%s: last year %d kWh, but the seed bills nothing before 2024-11", m.Period, *m.LastYearKWh)
			case i >= 12 && (m.LastYearKWh == nil || *m.LastYearKWh != months[i-12].KWh):
				t.Errorf("%s: last year %v, want %s's %d kWh", m.Period, m.LastYearKWh, months[i-12].Period, months[i-12].KWh)
			}
		}
		if total == 0 {
			t.Error("24 months of nothing")
		}
	})

	t.Run("daily kWh of the last 60 days", func(t *testing.T) {
		days, _ := body["daily"].([]any)
		if len(days) < 55 || len(days) > 60 {
			t.Fatalf("daily has %d days, want 55 to 60: %s", len(days), raw)
		}
		first := seededToday.AddDate(0, 0, -60)
		var prev time.Time
		for _, v := range days {
			d := v.(map[string]any)
			day, err := time.Parse("2006-01-02", d["day"].(string))
			kwh, ok := d["kwh"].(float64)
			if err != nil || !ok || kwh < 0 || kwh != float64(int64(kwh)) {
				t.Errorf("day %v: %v kWh (%v)", d["day"], d["kwh"], err)
				continue
			}
			if !day.After(first) || day.After(seededToday) || !day.After(prev) {
				t.Errorf("day %s out of order or outside the 60 days to %s", d["day"], seededToday.Format("2006-01-02"))
			}
			prev = day
		}
	})

	t.Run("no annual tier progress on the monthly tiered tariff", func(t *testing.T) {
		if v, ok := body["annual_tier"]; !ok || v != nil {
			t.Errorf("annual_tier = %v (present %v), want null", v, ok)
		}
	})
}

func TestUsageAPIAnnualTier(t *testing.T) {
	s := newSite(t, true)
	c, no := annualAccount(t, s)
	status, body, raw := getJSON(t, c, s.url+"/api/v1/accounts/"+no+"/usage")
	if status != 200 {
		t.Fatalf("usage of %s = %d %s", no, status, raw)
	}
	a, ok := body["annual_tier"].(map[string]any)
	if !ok {
		t.Fatalf("annual_tier of %s on %s = %v, want progress", no, annualTariff, body["annual_tier"])
	}
	var used int64
	for _, m := range monthlyUsage(t, body) {
		if strings.HasPrefix(m.Period, "2026-") {
			used += m.KWh
		}
	}
	tier, upTo := 3, any(nil)
	switch {
	case used <= 2160:
		tier, upTo = 1, float64(2160)
	case used <= 4200:
		tier, upTo = 2, float64(4200)
	}
	want := map[string]any{"year": float64(2026), "through": "2026-10", "used_kwh": float64(used), "first_tier_kwh": float64(2160),
		"tier": float64(tier), "tier_up_to_kwh": upTo, "tiers": float64(3)}
	for k, v := range want {
		if a[k] != v {
			t.Errorf("annual_tier.%s = %v, want %v (%s)", k, a[k], v, raw)
		}
	}
	if used == 0 {
		t.Error("no use this year: the test shows nothing")
	}

	// The tier of the year's last kWh is the highest tier the newest bill was priced in.
	_, bills, _ := getJSON(t, c, s.url+"/api/v1/accounts/"+no+"/bills?per_page=1")
	newest := bills["bills"].([]any)[0].(map[string]any)
	_, detail, raw := getJSON(t, c, fmt.Sprintf("%s/api/v1/accounts/%s/bills/%d", s.url, no, int64(newest["id"].(float64))))
	var codes []string
	for _, it := range detail["items"].([]any) {
		codes = append(codes, it.(map[string]any)["code"].(string))
	}
	if newest["kwh"].(float64) > 0 && (len(codes) == 0 || slices.Max(codes) != fmt.Sprintf("tier%d", tier)) {
		t.Errorf("the newest bill is priced in %v, but the progress says tier %d: %s", codes, tier, raw)
	}
}
