package store_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"gridpay/internal/billing"
	"gridpay/internal/staff"
	"gridpay/internal/store"
)

func TestStaffAccountChanges(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, _ := newDisputeStore(t, db)
		ctx := t.Context()
		s, err := p.CreateStaff(ctx, store.NewStaff{Username: "wang.fang", DisplayName: "王芳", Role: staff.Finance,
			PasswordHash: staffHash, MustChangePassword: true}, cliAudit)
		if err != nil {
			t.Fatal(err)
		}
		admin := store.Audit{StaffID: s.ID, Reason: "首次登录", ClientAddr: "192.0.2.7"}

		const newHash = "$argon2id$v=19$m=65536,t=3,p=2$b3RoZXJzYWx0b3RoZXJzYQ$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"
		got, err := p.SetStaffPassword(ctx, s.ID, newHash, false, admin)
		if err != nil || got.PasswordHash != newHash || got.MustChangePassword {
			t.Fatalf("SetStaffPassword = %+v, %v", got, err)
		}
		const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
		if got, err = p.SetStaffTOTP(ctx, s.ID, secret, admin); err != nil || got.TOTPSecret != secret {
			t.Fatalf("SetStaffTOTP = %+v, %v", got, err)
		}
		if _, err := p.SetStaffTOTP(ctx, s.ID, "KRSXG5CTMVRXEZLU", admin); !errors.Is(err, billing.ErrConflict) {
			t.Errorf("enrolling over an enrolled factor: %v, want a conflict", err)
		}
		if got, err = p.SetStaffDisabled(ctx, s.ID, true, admin); err != nil || !got.Disabled {
			t.Fatalf("SetStaffDisabled = %+v, %v", got, err)
		}
		read, err := p.StaffByID(ctx, s.ID)
		if err != nil || read != got {
			t.Errorf("StaffByID = %+v, %v; want %+v", read, err, got)
		}
		if _, err := p.StaffByID(ctx, s.ID+100); !errors.Is(err, billing.ErrNotFound) {
			t.Errorf("StaffByID of nobody: %v", err)
		}
		if got, err = p.SetStaffTOTP(ctx, s.ID, "", admin); err != nil || got.TOTPSecret != "" {
			t.Errorf("resetting the second factor = %+v, %v", got, err)
		}

		for name, bad := range map[string]string{"short": "JBSWY3DP", "lower case": strings.ToLower(secret),
			"padding": "JBSWY3DPEHPK3PX=", "too long": strings.Repeat("A", 65)} {
			if _, err := p.SetStaffTOTP(ctx, s.ID, bad, admin); !errors.Is(err, billing.ErrInvalid) {
				t.Errorf("secret %s: %v, want invalid", name, err)
			}
		}
		if _, err := p.SetStaffPassword(ctx, s.ID, "", false, admin); !errors.Is(err, billing.ErrInvalid) {
			t.Errorf("empty hash: %v", err)
		}
		if _, err := p.SetStaffDisabled(ctx, s.ID, false, store.Audit{StaffID: s.ID, ClientAddr: ""}); !errors.Is(err, billing.ErrInvalid) {
			t.Errorf("an audit without a client address: %v, want invalid", err)
		}

		entries, _, err := p.AuditLog(ctx, store.AuditFilter{StaffID: s.ID}, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action)
			if strings.Contains(e.Before+e.After, "argon2") || strings.Contains(e.Before+e.After, secret) {
				t.Errorf("audit row %s holds a secret: %s / %s", e.Action, e.Before, e.After)
			}
		}
		want := "staff.totp_reset staff.disable staff.totp staff.password"
		if strings.Join(actions, " ") != want {
			t.Errorf("audit actions = %v, want %s (the refused changes leave no row)", actions, want)
		}
		list, err := p.ListStaff(ctx)
		if err != nil || len(list) != 1 || list[0].Username != "wang.fang" {
			t.Errorf("ListStaff = %+v, %v", list, err)
		}
	})
}

// Two administrators changing one account at once: both changes are applied one after the other or
// the second is refused as a conflict; neither is lost silently, and each applied one is audited.
func TestStaffAccountConcurrentChanges(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, _ := newDisputeStore(t, db)
		ctx := t.Context()
		s, err := p.CreateStaff(ctx, store.NewStaff{Username: "li.lei", DisplayName: "李雷", Role: staff.Agent, PasswordHash: staffHash}, cliAudit)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = p.SetStaffDisabled(ctx, s.ID, i%2 == 0, store.Audit{StaffID: s.ID, ClientAddr: "192.0.2.1"})
			}()
		}
		wg.Wait()
		applied := 0
		for _, err := range errs {
			switch {
			case err == nil:
				applied++
			case !errors.Is(err, billing.ErrConflict) && !strings.Contains(err.Error(), "lock") && !strings.Contains(err.Error(), "deadlock"):
				t.Errorf("concurrent change: %v", err)
			}
		}
		_, total, err := p.AuditLog(ctx, store.AuditFilter{Action: "staff.disable"}, store.Page{})
		_, total2, err2 := p.AuditLog(ctx, store.AuditFilter{Action: "staff.enable"}, store.Page{})
		if err != nil || err2 != nil || applied == 0 || total+total2 != applied {
			t.Errorf("%d changes applied, %d audited (%v, %v)", applied, total+total2, err, err2)
		}
	})
}
