package config_test

import (
	"strings"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/config"
)

func TestLoadDisputes(t *testing.T) {
	c, err := config.Load(getenv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Disputes.AgentLimit != config.DefaultAgentLimit || c.Disputes.SLA[billing.DisputeOpen] != billing.DefaultDisputeSLA()[billing.DisputeOpen] {
		t.Errorf("defaults = %+v", c.Disputes)
	}
	c, err = config.Load(getenv(map[string]string{"GRIDPAY_DISPUTE_SLA": "open=8h,in_review=48h", "GRIDPAY_DISPUTE_AGENT_LIMIT": "50.00"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Disputes.AgentLimit != 50_00 || c.Disputes.SLA[billing.DisputeOpen] != 8*time.Hour || c.Disputes.SLA[billing.DisputeInReview] != 48*time.Hour ||
		c.Disputes.SLA[billing.DisputeFollowUp] != billing.DefaultDisputeSLA()[billing.DisputeFollowUp] {
		t.Errorf("configured = %+v", c.Disputes)
	}
	for name, tc := range map[string]struct{ name, value string }{
		"an unknown status":     {"GRIDPAY_DISPUTE_SLA", "lost=1h"},
		"a negative duration":   {"GRIDPAY_DISPUTE_SLA", "open=-1h"},
		"no duration":           {"GRIDPAY_DISPUTE_SLA", "open"},
		"a huge value":          {"GRIDPAY_DISPUTE_SLA", strings.Repeat("open=1h,", 200)},
		"a negative limit":      {"GRIDPAY_DISPUTE_AGENT_LIMIT", "-1"},
		"a limit of 3 decimals": {"GRIDPAY_DISPUTE_AGENT_LIMIT", "1.005"},
		"a huge limit":          {"GRIDPAY_DISPUTE_AGENT_LIMIT", strings.Repeat("9", 40)},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := config.Load(getenv(map[string]string{tc.name: tc.value}))
			if err == nil || !strings.Contains(err.Error(), tc.name) || len(err.Error()) > 600 {
				t.Errorf("%s=%.40q: %v, want an error naming the variable", tc.name, tc.value, err)
			}
		})
	}
}
