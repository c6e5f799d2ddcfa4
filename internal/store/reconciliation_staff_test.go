package store_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

// reconCounts is what resolving a reconciliation line writes.
type reconCounts struct{ resolved, audit int64 }

func countRecon(t *testing.T, db *store.DB) reconCounts {
	t.Helper()
	return reconCounts{queryInt(t, db, "SELECT COUNT(*) FROM recon_items WHERE resolved_at IS NOT NULL"), countRows(t, db, "staff_audit")}
}

// exceptionNos lists the lines' order numbers in order.
func exceptionNos(items []store.ReconItem) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, it.OutTradeNo)
	}
	return out
}

func TestReconciliationForStaff(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, clock := newOrderPortal(t, db)
		ctx := t.Context()
		finance := financeStaff(t, p)
		day1, day2 := day("2026-11-24"), day("2026-11-25")
		wechat1 := []store.ReconItem{
			{OutTradeNo: "GPW1", ProviderTxnID: "T1", Status: "matched", ProviderAmount: 100, OrderAmount: 100, ReceiptNo: "R1"},
			{OutTradeNo: "GPW2", ProviderTxnID: "T2", Status: "matched", ProviderAmount: 200, OrderAmount: 200, ReceiptNo: "R2"},
			{OutTradeNo: "GPW3", ProviderTxnID: "T3", Status: "amount_mismatch", ProviderAmount: 300, OrderAmount: 250, Note: "差 0.50"},
			{OutTradeNo: "GPW4", ProviderTxnID: "T4", Status: "missing_locally", ProviderAmount: 400},
		}
		saves := []struct {
			day     time.Time
			channel string
			items   []store.ReconItem
		}{
			{day1, "wechat", wechat1},
			{day1, "alipay", []store.ReconItem{{OutTradeNo: "GPA1", ProviderTxnID: "A1", Status: "matched", ProviderAmount: 50, OrderAmount: 50}}},
			{day2, "wechat", []store.ReconItem{{OutTradeNo: "GPW9", ProviderTxnID: "T9", Status: "paid_not_posted", ProviderAmount: 70, OrderAmount: 70}}},
			{day("2026-08-25"), "bank", []store.ReconItem{{OutTradeNo: "GPB1", ProviderTxnID: "B1", Status: "matched", ProviderAmount: 9, OrderAmount: 9}}},
		}
		for _, s := range saves {
			if err := p.SaveReconciliation(ctx, s.day, s.channel, s.items); err != nil {
				t.Fatal(err)
			}
		}

		days, err := p.ReconciliationDays(ctx, day1, day2.Add(15*time.Hour))
		want := []store.ReconDay{
			{Day: day2, Channel: "wechat", Exceptions: 1, ProviderFen: 70, OrderFen: 70},
			{Day: day1, Channel: "alipay", Matched: 1, ProviderFen: 50, OrderFen: 50},
			{Day: day1, Channel: "wechat", Matched: 2, Exceptions: 2, ProviderFen: 1000, OrderFen: 550},
		}
		if err != nil || !reflect.DeepEqual(days, want) {
			t.Errorf("ReconciliationDays = %+v, %v; want %+v", days, err, want)
		}
		// 92 days, both ends counted, reach back to 2026-08-25.
		if days, err := p.ReconciliationDays(ctx, day("2026-08-25"), day("2026-11-24")); err != nil || len(days) != 3 ||
			days[2].Channel != "bank" {
			t.Errorf("ReconciliationDays over 92 days = %+v, %v", days, err)
		}
		for name, r := range map[string][2]time.Time{
			"93 days":              {day("2026-08-24"), day("2026-11-24")},
			"the end before start": {day2, day1},
			"a zero start":         {{}, day1},
		} {
			if days, err := p.ReconciliationDays(ctx, r[0], r[1]); !errors.Is(err, billing.ErrInvalid) || days != nil {
				t.Errorf("ReconciliationDays of %s = %+v, %v; want ErrInvalid", name, days, err)
			}
		}

		open, err := p.ReconExceptions(ctx, day1, "wechat", false)
		if err != nil || !slices.Equal(exceptionNos(open), []string{"GPW3", "GPW4"}) {
			t.Fatalf("ReconExceptions = %v, %v; want GPW3 and GPW4", exceptionNos(open), err)
		}
		if all, err := p.ReconExceptions(ctx, day1, "", true); err != nil || !slices.Equal(exceptionNos(all), []string{"GPW3", "GPW4"}) {
			t.Errorf("ReconExceptions of every channel = %v, %v", exceptionNos(all), err)
		}
		if got := open[0]; got.ID <= 0 || got.Note != "差 0.50" || got.ProviderAmount != 300 || got.OrderAmount != 250 ||
			!got.ResolvedAt.IsZero() || got.ResolvedBy != 0 || got.Resolution != "" {
			t.Errorf("an open exception = %+v", got)
		}
		if _, err := p.ReconExceptions(ctx, day1, "paypal", false); !errors.Is(err, billing.ErrInvalid) {
			t.Errorf("ReconExceptions of a bad channel = %v, want ErrInvalid", err)
		}
		all, err := p.Reconciliation(ctx, day1, "wechat")
		if err != nil || len(all) != 4 {
			t.Fatalf("Reconciliation = %+v, %v", all, err)
		}
		matched := all[0]

		clock.advance(time.Hour)
		for _, tc := range []struct {
			name       string
			id         int64
			resolution string
			want       error
		}{
			{"a matched line", matched.ID, "nothing to do", billing.ErrConflict},
			{"no such line", 99999, "nothing to do", billing.ErrNotFound},
			{"a blank resolution", open[0].ID, "  ", billing.ErrInvalid},
			{"the mismatch", open[0].ID, "微信少结算 0.50 元，已与商户平台核对并补记", nil},
			{"the mismatch again", open[0].ID, "once more", billing.ErrConflict},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := countRecon(t, db)
				got, err := p.ResolveReconItem(ctx, tc.id, tc.resolution, finance)
				after := countRecon(t, db)
				if tc.want != nil {
					if !errors.Is(err, tc.want) || got.ID != 0 || after != before {
						t.Errorf("ResolveReconItem = %+v, %v, rows %+v -> %+v; want %v and nothing written", got, err, before, after, tc.want)
					}
					return
				}
				if err != nil || got.ID != tc.id || got.Resolution != tc.resolution || got.ResolvedBy != finance.StaffID ||
					!got.ResolvedAt.Equal(clock.now().Truncate(time.Millisecond)) || after != (reconCounts{before.resolved + 1, before.audit + 1}) {
					t.Errorf("ResolveReconItem = %+v, %v, rows %+v -> %+v", got, err, before, after)
				}
			})
		}
		entries, _, err := p.AuditLog(ctx, store.AuditFilter{Action: "recon.resolve"}, store.Page{})
		if err != nil || len(entries) != 1 {
			t.Fatalf("audit rows = %+v, %v", entries, err)
		}
		var after map[string]any
		if err := json.Unmarshal([]byte(entries[0].After), &after); err != nil || entries[0].Target != "recon:2026-11-24:wechat:GPW3" ||
			entries[0].StaffID != finance.StaffID || after["resolution"] != "微信少结算 0.50 元，已与商户平台核对并补记" || after["status"] != "amount_mismatch" {
			t.Errorf("audit row = %+v (%v)", entries[0], err)
		}

		if open, err := p.ReconExceptions(ctx, day1, "wechat", false); err != nil || !slices.Equal(exceptionNos(open), []string{"GPW4"}) {
			t.Errorf("open exceptions after one was resolved = %v, %v", exceptionNos(open), err)
		}
		resolved, err := p.ReconExceptions(ctx, day1, "wechat", true)
		if err != nil || len(resolved) != 2 || resolved[0].Resolution == "" || resolved[1].Resolution != "" {
			t.Errorf("every exception = %+v, %v", resolved, err)
		}
		if days, err := p.ReconciliationDays(ctx, day1, day1); err != nil || len(days) != 2 || days[1].Resolved != 1 || days[1].Exceptions != 2 {
			t.Errorf("ReconciliationDays after a resolution = %+v, %v", days, err)
		}

		// The hourly run of the day again keeps the resolution while the line stays as it was, and
		// drops it once the line changed.
		if err := p.SaveReconciliation(ctx, day1, "wechat", wechat1); err != nil {
			t.Fatal(err)
		}
		again, err := p.ReconExceptions(ctx, day1, "wechat", true)
		if err != nil || len(again) != 2 || again[0].Resolution != resolved[0].Resolution || again[0].ResolvedBy != finance.StaffID ||
			!again[0].ResolvedAt.Equal(resolved[0].ResolvedAt) {
			t.Errorf("exceptions after a rerun = %+v, %v; want the resolution kept", again, err)
		}
		changed := slices.Clone(wechat1)
		changed[2].Status = "paid_not_posted"
		if err := p.SaveReconciliation(ctx, day1, "wechat", changed); err != nil {
			t.Fatal(err)
		}
		if open, err := p.ReconExceptions(ctx, day1, "wechat", false); err != nil || len(open) != 2 || open[0].Resolution != "" {
			t.Errorf("exceptions after the line changed = %+v, %v; want both open", open, err)
		}
	})
}
