package store_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/staff"
	"gridpay/internal/store"
)

// A bank collection for an account that does not exist is resolved once, by a staff member, with
// its audit row; hostile resolutions and a second one change nothing.
func TestResolveConflict(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, _ := newDisputeStore(t, db)
		ctx := t.Context()
		fin, err := p.CreateStaff(ctx, store.NewStaff{Username: "cai.wu", DisplayName: "财务", Role: staff.Finance, PasswordHash: staffHash}, cliAudit)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.RecordUnknownAccount(ctx, store.Callback{Provider: "bank", ProviderTxnID: "BK20261126000009", AccountNo: "3199999999",
			Amount: 50_00, PaidAt: time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC), Header: http.Header{}, Body: []byte(`{"account":"3199999999"}`)}); err != nil {
			t.Fatal(err)
		}
		list, err := p.CallbackConflicts(ctx, 10)
		if err != nil || len(list) != 1 || !list[0].ResolvedAt.IsZero() || list[0].Resolution != "" {
			t.Fatalf("CallbackConflicts = %+v, %v", list, err)
		}
		id := list[0].ID
		a := store.Audit{StaffID: fin.ID, ClientAddr: "192.0.2.9"}
		for name, bad := range map[string]string{"blank": "  ", "too long": strings.Repeat("退", 501), "control": "退回\x00银行"} {
			if _, err := p.ResolveConflict(ctx, id, bad, a); !errors.Is(err, billing.ErrInvalid) {
				t.Errorf("%s resolution: %v, want invalid", name, err)
			}
		}
		if _, err := p.ResolveConflict(ctx, id+100, "已退回银行", a); !errors.Is(err, billing.ErrNotFound) {
			t.Errorf("a missing conflict: %v", err)
		}
		got, err := p.ResolveConflict(ctx, id, "已退回银行，银行流水 BK20261126000009", a)
		if err != nil || got.ResolvedBy != fin.ID || got.ResolvedAt.IsZero() {
			t.Fatalf("ResolveConflict = %+v, %v", got, err)
		}
		if _, err := p.ResolveConflict(ctx, id, "again", a); !errors.Is(err, billing.ErrConflict) {
			t.Errorf("a second resolution: %v, want a conflict", err)
		}
		list, _ = p.CallbackConflicts(ctx, 10)
		if list[0].Resolution != "已退回银行，银行流水 BK20261126000009" || list[0].ResolvedBy != fin.ID {
			t.Errorf("after the resolution: %+v", list[0])
		}
		entries, total, err := p.AuditLog(ctx, store.AuditFilter{Action: "payment.conflict_resolve"}, store.Page{})
		if err != nil || total != 1 || entries[0].StaffID != fin.ID || !strings.Contains(entries[0].After, "已退回银行") {
			t.Errorf("audit = %+v (%d), %v; want one row", entries, total, err)
		}
	})
}
