package demo_test

import (
	"testing"

	"gridpay/internal/demo"
	"gridpay/internal/staff"
)

// The demo staff's stored hash is their printed password's, and every role has one login.
func TestStaffLogins(t *testing.T) {
	ok, err := staff.CheckPassword(demo.StaffPasswordHash, demo.StaffPassword)
	if err != nil || !ok {
		t.Fatalf("CheckPassword(StaffPasswordHash, StaffPassword) = %v, %v", ok, err)
	}
	roles := map[staff.Role]bool{}
	for _, s := range demo.Staff() {
		roles[s.Role] = true
		if !staff.ValidUsername(s.Username) || s.Password != demo.StaffPassword || s.Role.NeedsTOTP() != (s.TOTPSecret != "") {
			t.Errorf("demo login %+v", s)
		}
	}
	if len(roles) != len(staff.Roles()) {
		t.Errorf("demo logins cover %d roles, want %d", len(roles), len(staff.Roles()))
	}
}
