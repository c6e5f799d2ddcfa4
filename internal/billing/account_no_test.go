package billing_test

import (
	"testing"

	"gridpay/internal/billing"
)

func TestValidAccountNo(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    string
		want bool
	}{
		{"ten digits", "3100000001", true},
		{"leading zeros", "0000000000", true},
		{"empty", "", false},
		{"nine digits", "310000000", false},
		{"eleven digits", "31000000011", false},
		{"a letter", "310000000A", false},
		{"a space", "3100 00001", false},
		{"a sign", "+310000000", false},
		{"full-width digit", "310000000１", false},
		{"invalid UTF-8", "31000000\xff1", false},
		{"SQL", "31' OR '1'", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := billing.ValidAccountNo(tc.s); got != tc.want {
				t.Errorf("ValidAccountNo(%q) = %v, want %v", tc.s, got, tc.want)
			}
		})
	}
}
