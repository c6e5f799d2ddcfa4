package billing_test

import (
	"testing"

	"gridpay/internal/billing"
)

func TestValidPhone(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    string
		want bool
	}{
		{"mobile", "13800138000", true},
		{"another operator", "19912345678", true},
		{"empty", "", false},
		{"ten digits", "1380013800", false},
		{"twelve digits", "138001380001", false},
		{"lowest operator prefix", "13000000000", true},
		{"not starting with 1", "23800138000", false},
		{"second digit 0", "10086000000", false},
		{"second digit 1", "11012345678", false},
		{"second digit 2", "12345678901", false},
		{"landline", "05711234567", false},
		{"country code", "+8613800138", false},
		{"dashes", "138-0013-80", false},
		{"a letter", "1380013800x", false},
		{"full-width digit", "1380013800０", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := billing.ValidPhone(tc.s); got != tc.want {
				t.Errorf("ValidPhone(%q) = %v, want %v", tc.s, got, tc.want)
			}
		})
	}
}
