package config

import (
	"fmt"
	"strings"
	"time"

	"gridpay/internal/billing"
)

// Defaults of the arrears run (GRIDPAY_REMIND_*).
const (
	DefaultRemindAt   = "08:30"
	DefaultQuietHours = "21:00-08:00"
)

// RemindConfig is how the daily arrears run reminds: when it starts, the quiet hours, the
// low-balance threshold of prepaid accounts and where copies of important customers' notices go.
// The ladders themselves are billing's defaults (docs/domain.md).
type RemindConfig struct {
	At                    time.Duration  // GRIDPAY_REMIND_AT: the run's time of day, bureau time
	QuietFrom, QuietUntil time.Duration  // GRIDPAY_REMIND_QUIET_HOURS: no message between these times of day
	LowBalance            *billing.Money // GRIDPAY_REMIND_LOW_BALANCE: nil = each class's default; 0 = no alert
	// AdminPhone is the power administration department's mobile (GRIDPAY_REMIND_ADMIN_PHONE), which
	// gets a copy of every notice to an important customer; empty: each such copy is recorded as not
	// sent (failed, NoAdminPhone), for staff to see.
	AdminPhone string
}

// Policy returns the reminder policy of this configuration in loc: billing's default ladders with
// the configured quiet hours and low-balance threshold.
func (r RemindConfig) Policy(loc *time.Location) billing.ReminderPolicy {
	p := billing.DefaultReminderPolicy(loc)
	p.QuietFrom, p.QuietUntil = r.QuietFrom, r.QuietUntil
	if r.LowBalance != nil {
		for c, l := range p.Ladders {
			l.LowBalance = *r.LowBalance
			p.Ladders[c] = l
		}
	}
	return p
}

// loadRemind reads GRIDPAY_REMIND_* through get and returns the configuration and every problem
// found, each naming its variable.
func loadRemind(get func(name, def string) string, loc *time.Location) (RemindConfig, []error) {
	var errs []error
	bad := func(name, value, want string) {
		errs = append(errs, fmt.Errorf("%s=%q is not valid: want %s", name, value, want))
	}
	var c RemindConfig
	at := get("GRIDPAY_REMIND_AT", DefaultRemindAt)
	if d, ok := timeOfDay(at); ok {
		c.At = d
	} else {
		bad("GRIDPAY_REMIND_AT", at, "a time of day HH:MM, e.g. 08:30")
	}
	quiet := get("GRIDPAY_REMIND_QUIET_HOURS", DefaultQuietHours)
	from, until, found := strings.Cut(quiet, "-")
	f, okFrom := timeOfDay(from)
	u, okUntil := timeOfDay(until)
	if !found || !okFrom || !okUntil {
		bad("GRIDPAY_REMIND_QUIET_HOURS", quiet, "HH:MM-HH:MM, e.g. 21:00-08:00 (may wrap past midnight)")
	} else {
		c.QuietFrom, c.QuietUntil = f, u
	}
	if v := get("GRIDPAY_REMIND_LOW_BALANCE", ""); v != "" {
		if m, err := billing.ParseMoney(v); err != nil || m < 0 || m > 1_000_000_00 {
			bad("GRIDPAY_REMIND_LOW_BALANCE", v, "yuan from 0 to 1000000, e.g. 20.00 (0 turns the alert off)")
		} else {
			c.LowBalance = &m
		}
	}
	if v := get("GRIDPAY_REMIND_ADMIN_PHONE", ""); v != "" {
		if !billing.ValidPhone(v) {
			bad("GRIDPAY_REMIND_ADMIN_PHONE", v, "a mainland mobile number of 11 digits, e.g. 13800138000")
		} else {
			c.AdminPhone = v
		}
	}
	if len(errs) == 0 {
		p := c.Policy(loc)
		if loc == nil {
			p.Location = time.UTC
		}
		if err := p.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("GRIDPAY_REMIND_QUIET_HOURS=%q: %w", quiet, err))
		} else if p.QuietAt(c.At) {
			bad("GRIDPAY_REMIND_AT", at, "a time outside the quiet hours "+quiet)
		}
	}
	return c, errs
}

// timeOfDay parses HH:MM (00:00 to 23:59) as the time since midnight.
func timeOfDay(s string) (time.Duration, bool) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil || len(strings.TrimSpace(s)) != 5 {
		return 0, false
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, true
}
