package payments_test

import (
	"errors"
	"regexp"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/payments"
)

// TestStatusIsBillingOrderStatus checks the re-export: the constants are the state machine's own
// values and Transition is its rule. billing's tests hold the whole 8x8 table.
func TestStatusIsBillingOrderStatus(t *testing.T) {
	for _, tc := range []struct {
		got  payments.Status
		want billing.OrderStatus
	}{
		{payments.Created, "CREATED"},
		{payments.Pending, "PENDING"},
		{payments.Paid, "PAID"},
		{payments.Posted, "POSTED"},
		{payments.Closed, "CLOSED"},
		{payments.Flagged, "FLAGGED"},
		{payments.Refunding, "REFUNDING"},
		{payments.Refunded, "REFUNDED"},
	} {
		if tc.got != tc.want {
			t.Errorf("status %q, want %q", tc.got, tc.want)
		}
	}
	for _, tc := range []struct {
		name     string
		from, to payments.Status
		legal    bool
	}{
		{"pending to paid", payments.Pending, payments.Paid, true},
		{"closed to flagged: paid after close", payments.Closed, payments.Flagged, true},
		{"refunding back to posted", payments.Refunding, payments.Posted, true},
		{"created straight to paid", payments.Created, payments.Paid, false},
		{"posted back to paid", payments.Posted, payments.Paid, false},
		{"refunded is terminal", payments.Refunded, payments.Posted, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := payments.Transition(tc.from, tc.to)
			if tc.legal != (err == nil) || (!tc.legal && !errors.Is(err, billing.ErrConflict)) {
				t.Errorf("Transition(%s, %s) = %v, want legal %v", tc.from, tc.to, err, tc.legal)
			}
			if got := tc.from.CanMoveTo(tc.to); got != tc.legal {
				t.Errorf("%s.CanMoveTo(%s) = %v, want %v", tc.from, tc.to, got, tc.legal)
			}
		})
	}
	if !payments.Paid.InFlight(true) || !payments.Flagged.InFlight(true) || payments.Posted.InFlight(true) {
		t.Error("InFlight(money received): want true for PAID and FLAGGED, false once POSTED")
	}
}

func TestNewOutTradeNo(t *testing.T) {
	// 2026-11-26 08:00:05 UTC is 16:00:05 in China.
	now := time.Date(2026, 11, 26, 8, 0, 5, 999_000_000, time.UTC)
	for _, tc := range []struct {
		channel string
		prefix  string
	}{
		{payments.WeChat, "GPW20261126160005"},
		{payments.Alipay, "GPA20261126160005"},
		{payments.Bank, "GPB20261126160005"},
		{"counter", "GPX20261126160005"},
		{"微信'--", "GPX20261126160005"},
	} {
		t.Run(tc.channel, func(t *testing.T) {
			no := payments.NewOutTradeNo(tc.channel, now)
			if !regexp.MustCompile(`^` + tc.prefix + `[0-9]{12}$`).MatchString(no) {
				t.Errorf("NewOutTradeNo(%q) = %q, want %s and 12 digits", tc.channel, no, tc.prefix)
			}
			if len(no) != 29 {
				t.Errorf("len(%q) = %d, want 29 (at most 32)", no, len(no))
			}
		})
	}

	t.Run("10000 in the same second are unique", func(t *testing.T) {
		const n = 10_000
		seen := make(map[string]bool, n)
		valid := regexp.MustCompile(`^[0-9A-Za-z]{1,32}$`)
		for range n {
			no := payments.NewOutTradeNo(payments.WeChat, now)
			if !valid.MatchString(no) {
				t.Fatalf("NewOutTradeNo = %q, want 1 to 32 of [0-9A-Za-z]", no)
			}
			if seen[no] {
				t.Fatalf("NewOutTradeNo repeated %q", no)
			}
			seen[no] = true
		}
	})

	t.Run("random digits are spread", func(t *testing.T) {
		// Every position of the random tail takes every digit over 1000 numbers: a constant or a
		// narrow source would not.
		var counts [12][10]int
		for range 1000 {
			no := payments.NewOutTradeNo(payments.Bank, now)
			for i, c := range no[17:] {
				counts[i][c-'0']++
			}
		}
		for i, pos := range counts {
			for d, c := range pos {
				if c == 0 {
					t.Errorf("random digit %d never took the value %d in 1000 numbers", i, d)
				}
			}
		}
	})
}
