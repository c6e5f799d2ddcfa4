package config

import (
	"fmt"

	"gridpay/internal/billing"
)

// DefaultAgentLimit is the largest settlement (an adjustment, a waived fee, a refund) an agent may
// make alone: 200.00 yuan. Above it a supervisor approves.
const DefaultAgentLimit = billing.Money(200_00)

// DisputesConfig is how staff settle disputes: the service level of each status and the agent's
// limit.
type DisputesConfig struct {
	SLA        billing.DisputeSLA // GRIDPAY_DISPUTE_SLA over billing.DefaultDisputeSLA
	AgentLimit billing.Money      // GRIDPAY_DISPUTE_AGENT_LIMIT
}

// loadDisputes reads GRIDPAY_DISPUTE_* through get and returns the configuration and every problem
// found, each naming its variable.
func loadDisputes(get func(name, def string) string) (DisputesConfig, []error) {
	var errs []error
	c := DisputesConfig{SLA: billing.DefaultDisputeSLA(), AgentLimit: DefaultAgentLimit}
	if v := get("GRIDPAY_DISPUTE_SLA", ""); v != "" {
		sla, err := billing.ParseDisputeSLA(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("GRIDPAY_DISPUTE_SLA=%q is not valid: want status=duration pairs such as open=24h,in_review=72h (%v)", clipValue(v), err))
		} else {
			c.SLA = sla
		}
	}
	if v := get("GRIDPAY_DISPUTE_AGENT_LIMIT", ""); v != "" {
		if m, err := billing.ParseMoney(v); err != nil || m < 0 || m > 1_000_000_00 {
			errs = append(errs, fmt.Errorf("GRIDPAY_DISPUTE_AGENT_LIMIT=%q is not valid: want yuan from 0 to 1000000, e.g. 200.00 (0: every settlement with money needs a supervisor)", clipValue(v)))
		} else {
			c.AgentLimit = m
		}
	}
	return c, errs
}

// clipValue keeps an error message about a huge value short.
func clipValue(v string) string {
	if len(v) > 64 {
		return v[:64] + "..."
	}
	return v
}
