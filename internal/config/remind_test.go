package config_test

import (
	"strings"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/config"
)

func TestLoadRemindDefaults(t *testing.T) {
	c, err := config.Load(getenv(nil))
	if err != nil {
		t.Fatal(err)
	}
	r := c.Remind
	if r.At != 8*time.Hour+30*time.Minute || r.QuietFrom != 21*time.Hour || r.QuietUntil != 8*time.Hour ||
		r.LowBalance != nil || r.AdminPhone != "" {
		t.Errorf("Remind = %+v, want the run at 08:30, quiet 21:00-08:00, class thresholds, no copy", r)
	}
	p := r.Policy(c.Location)
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if p.Ladders[billing.Residential].LowBalance != billing.DefaultLadder(billing.Residential).LowBalance {
		t.Errorf("default low balance %s, want the class's", p.Ladders[billing.Residential].LowBalance)
	}
}

func TestLoadRemind(t *testing.T) {
	c, err := config.Load(getenv(map[string]string{"GRIDPAY_REMIND_AT": "07:45", "GRIDPAY_REMIND_QUIET_HOURS": "22:00-07:30",
		"GRIDPAY_REMIND_LOW_BALANCE": "35.50", "GRIDPAY_REMIND_ADMIN_PHONE": "13900139000"}))
	if err != nil {
		t.Fatal(err)
	}
	r := c.Remind
	if r.At != 7*time.Hour+45*time.Minute || r.QuietFrom != 22*time.Hour || r.QuietUntil != 7*time.Hour+30*time.Minute ||
		r.LowBalance == nil || *r.LowBalance != 3550 || r.AdminPhone != "13900139000" {
		t.Errorf("Remind = %+v", r)
	}
	for class, l := range r.Policy(c.Location).Ladders {
		if l.LowBalance != 3550 {
			t.Errorf("%s low balance %s, want 35.50", class, l.LowBalance)
		}
	}
}

func TestLoadRemindRefuses(t *testing.T) {
	for name, tc := range map[string]struct{ name, value, want string }{
		"a run time that is no time":          {"GRIDPAY_REMIND_AT", "8:30am", "GRIDPAY_REMIND_AT"},
		"a run time in quiet hours":           {"GRIDPAY_REMIND_AT", "22:30", "outside the quiet hours"},
		"an hour past the day":                {"GRIDPAY_REMIND_AT", "24:00", "GRIDPAY_REMIND_AT"},
		"quiet hours without an end":          {"GRIDPAY_REMIND_QUIET_HOURS", "21:00", "HH:MM-HH:MM"},
		"quiet hours that hold the final one": {"GRIDPAY_REMIND_QUIET_HOURS", "08:40-09:30", "final notice"},
		"a negative threshold":                {"GRIDPAY_REMIND_LOW_BALANCE", "-1", "GRIDPAY_REMIND_LOW_BALANCE"},
		"a threshold with three decimals":     {"GRIDPAY_REMIND_LOW_BALANCE", "1.005", "GRIDPAY_REMIND_LOW_BALANCE"},
		"a huge threshold":                    {"GRIDPAY_REMIND_LOW_BALANCE", strings.Repeat("9", 40), "GRIDPAY_REMIND_LOW_BALANCE"},
		"a landline for the copy":             {"GRIDPAY_REMIND_ADMIN_PHONE", "010-12345678", "GRIDPAY_REMIND_ADMIN_PHONE"},
		"a script for the copy":               {"GRIDPAY_REMIND_ADMIN_PHONE", "<script>", "GRIDPAY_REMIND_ADMIN_PHONE"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := config.Load(getenv(map[string]string{tc.name: tc.value}))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s=%q: %v, want an error saying %q", tc.name, tc.value, err, tc.want)
			}
		})
	}
}
