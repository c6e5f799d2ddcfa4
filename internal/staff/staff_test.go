package staff_test

import (
	"strings"
	"testing"

	"gridpay/internal/staff"
)

func TestRoles(t *testing.T) {
	tests := []struct {
		name      string
		role      staff.Role
		valid     bool
		needsTOTP bool
	}{
		{"agent", staff.Agent, true, false},
		{"supervisor", staff.Supervisor, true, true},
		{"finance", staff.Finance, true, true},
		{"auditor", staff.Auditor, true, false},
		{"admin", staff.Admin, true, true},
		{"empty", "", false, false},
		{"upper case", "ADMIN", false, false},
		{"padded", " admin", false, false},
		{"NUL after", "admin\x00", false, false},
		{"unknown", "root", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.role.Valid(); got != tt.valid {
				t.Errorf("%q.Valid() = %v, want %v", tt.role, got, tt.valid)
			}
			if got := tt.role.NeedsTOTP(); got != tt.needsTOTP {
				t.Errorf("%q.NeedsTOTP() = %v, want %v", tt.role, got, tt.needsTOTP)
			}
		})
	}
	for _, r := range staff.Roles() {
		if !r.Valid() {
			t.Errorf("Roles() holds invalid %q", r)
		}
	}
	if n := len(staff.Roles()); n != 5 {
		t.Errorf("Roles() has %d roles, want 5", n)
	}
}

func TestValidUsername(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"plain", "zhangwei", true},
		{"with dot, underscore and dash", "zhang.wei_2-b", true},
		{"shortest", "abc", true},
		{"longest", strings.Repeat("a", 32), true},
		{"too short", "ab", false},
		{"too long", strings.Repeat("a", 33), false},
		{"empty", "", false},
		{"upper case", "ZhangWei", false},
		{"space", "zhang wei", false},
		{"NUL", "zhang\x00wei", false},
		{"Chinese", "张伟伟", false},
		{"fullwidth letters", "ｚｈａｎｇ", false},
		{"SQL", "a';--", false},
		{"10 KB", strings.Repeat("a", 10<<10), false},
		{"trailing newline", "zhangwei\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := staff.ValidUsername(tt.in); got != tt.want {
				t.Errorf("ValidUsername(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestNewOneTimePassword(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		pw := staff.NewOneTimePassword()
		if len(pw) != staff.OneTimePasswordLen {
			t.Fatalf("%q: %d characters, want %d", pw, len(pw), staff.OneTimePasswordLen)
		}
		if i := strings.IndexAny(pw, "0Oo1lIi"); i >= 0 {
			t.Fatalf("%q has the look-alike %q", pw, pw[i])
		}
		for _, c := range pw {
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '2' <= c && c <= '9') {
				t.Fatalf("%q has %q", pw, c)
			}
		}
		if err := staff.CheckStrength(pw); err != nil {
			t.Fatalf("a one-time password is too weak: %v", err)
		}
		if seen[pw] {
			t.Fatalf("%q came twice", pw)
		}
		seen[pw] = true
	}
}
