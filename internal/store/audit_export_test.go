package store_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/staff"
	"gridpay/internal/store"
)

func TestAuditLogAll(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, clock := newDisputeStore(t, db)
		ctx := t.Context()
		start := clock.t.Truncate(time.Millisecond)
		admin, err := p.CreateStaff(ctx, store.NewStaff{Username: "admin", DisplayName: "管理员", Role: staff.Admin, PasswordHash: staffHash}, cliAudit)
		if err != nil {
			t.Fatal(err)
		}
		for i, name := range []string{"staff-1", "staff-2", "staff-3", "staff-4"} {
			clock.t = clock.t.Add(time.Hour)
			by := store.Audit{StaffID: admin.ID, Action: "staff.create", Reason: "新员工", ClientAddr: "10.0.0.1"}
			if i == 3 {
				by.StaffID, by.ClientAddr = 0, "cli"
			}
			if _, err := p.CreateStaff(ctx, store.NewStaff{Username: name, DisplayName: name, Role: staff.Agent, PasswordHash: staffHash}, by); err != nil {
				t.Fatal(err)
			}
		}
		targets := func(entries []store.AuditEntry) []string {
			out := []string{}
			for _, e := range entries {
				out = append(out, e.Target)
			}
			return out
		}
		for _, tc := range []struct {
			name  string
			f     store.AuditFilter
			limit int
			want  []string
		}{
			{"everything", store.AuditFilter{}, 100, []string{"staff:staff-4", "staff:staff-3", "staff:staff-2", "staff:staff-1", "staff:admin"}},
			{"at most two", store.AuditFilter{}, 2, []string{"staff:staff-4", "staff:staff-3"}},
			{"one staff member", store.AuditFilter{StaffID: admin.ID}, 100, []string{"staff:staff-3", "staff:staff-2", "staff:staff-1"}},
			{"a time range", store.AuditFilter{From: start.Add(time.Hour), To: start.Add(3 * time.Hour)}, 100,
				[]string{"staff:staff-2", "staff:staff-1"}},
			{"staff and a start", store.AuditFilter{StaffID: admin.ID, From: start.Add(2 * time.Hour)}, store.MaxAuditExport,
				[]string{"staff:staff-3", "staff:staff-2"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := p.AuditLogAll(ctx, tc.f, tc.limit)
				if err != nil || !slices.Equal(targets(got), tc.want) {
					t.Errorf("AuditLogAll = %v, %v; want %v", targets(got), err, tc.want)
				}
			})
		}
		for name, limit := range map[string]int{"no rows": 0, "too many": store.MaxAuditExport + 1} {
			if got, err := p.AuditLogAll(ctx, store.AuditFilter{}, limit); !errors.Is(err, billing.ErrInvalid) || got != nil {
				t.Errorf("AuditLogAll of %s = %d rows, %v; want ErrInvalid", name, len(got), err)
			}
		}
		if _, err := p.AuditLogAll(ctx, store.AuditFilter{From: start, To: start}, 10); !errors.Is(err, billing.ErrInvalid) {
			t.Errorf("AuditLogAll of an empty range = %v, want ErrInvalid", err)
		}
	})
}
