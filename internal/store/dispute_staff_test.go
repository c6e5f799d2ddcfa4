package store_test

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/staff"
	"gridpay/internal/store"
)

// disputeDesk is a portal store with an agent and two supervisors, for the staff side of disputes.
type disputeDesk struct {
	p                  *store.Portal
	clock              *disputeClock
	db                 *store.DB
	agent, sup1, sup2  int64
	agentAudit, s1, s2 store.Audit
}

func newDisputeDesk(t *testing.T, db *store.DB) *disputeDesk {
	t.Helper()
	p, clock := newDisputeStore(t, db)
	d := &disputeDesk{p: p, clock: clock, db: db}
	for _, s := range []struct {
		name string
		role staff.Role
		id   *int64
	}{{"agent.wang", staff.Agent, &d.agent}, {"sup.li", staff.Supervisor, &d.sup1}, {"sup.zhao", staff.Supervisor, &d.sup2}} {
		created, err := p.CreateStaff(t.Context(), store.NewStaff{Username: s.name, DisplayName: s.name, Role: s.role, PasswordHash: staffHash}, cliAudit)
		if err != nil {
			t.Fatal(err)
		}
		*s.id = created.ID
	}
	d.agentAudit = store.Audit{StaffID: d.agent, Reason: "核查", ClientAddr: "10.0.0.7"}
	d.s1 = store.Audit{StaffID: d.sup1, ClientAddr: "10.0.0.8"}
	d.s2 = store.Audit{StaffID: d.sup2, ClientAddr: "10.0.0.9"}
	return d
}

// file files a dispute of account no at station about bill (0: none).
func (d *disputeDesk) file(t *testing.T, no string, station, bill int64, c store.DisputeCategory) store.Dispute {
	t.Helper()
	nd := store.NewDispute{Phone: "13800138000", AccountNo: no, Category: c, Text: "请核实", StationID: station}
	if bill > 0 {
		nd.BillID, nd.BillPeriod = bill, 202610
	}
	filed, err := d.p.FileDispute(t.Context(), nd)
	if err != nil {
		t.Fatal(err)
	}
	return filed
}

// review takes a dispute into review.
func (d *disputeDesk) review(t *testing.T, id int64) {
	t.Helper()
	if _, err := d.p.MoveDispute(t.Context(), store.DisputeMove{ID: id, From: store.DisputeOpen, To: store.DisputeInReview,
		Audit: d.agentAudit}); err != nil {
		t.Fatal(err)
	}
}

// audits returns the audit rows of a dispute, oldest first.
func (d *disputeDesk) audits(t *testing.T, id int64) []store.AuditEntry {
	t.Helper()
	all, _, err := d.p.AuditLog(t.Context(), store.AuditFilter{}, store.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []store.AuditEntry
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Target == fmt.Sprintf("dispute:%d", id) {
			out = append(out, all[i])
		}
	}
	return out
}

func statusOf(t *testing.T, s string) string {
	t.Helper()
	var v struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("audit state %q: %v", s, err)
	}
	return v.Status
}

func TestStaffDisputeQueue(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		d := newDisputeDesk(t, db)
		ctx := t.Context()
		start := d.clock.t.Truncate(time.Millisecond)
		at := func(h int) { d.clock.t = start.Add(time.Duration(h) * time.Hour) }
		// a: station 1, open since 0h.  b: station 1, in review since 2h.  c: station 2, open since 1h.
		// e: station 2, closed at 3h.  f: no station, closed at 4h.
		at(0)
		a := d.file(t, "3100000001", 1, 42, store.DisputeReadingAmount)
		at(1)
		c := d.file(t, "3100000003", 2, 0, store.DisputeNotCredited)
		b := d.file(t, "3100000002", 1, 0, store.DisputePaidTwice)
		e := d.file(t, "3100000004", 2, 0, store.DisputeLateFeeWaiver)
		f := d.file(t, "3100000001", 0, 0, store.DisputeFaultyMeter)
		at(2)
		d.review(t, b.ID)
		at(3)
		if _, err := d.p.MoveDispute(ctx, store.DisputeMove{ID: e.ID, From: store.DisputeOpen, To: store.DisputeClosed, Audit: d.agentAudit}); err != nil {
			t.Fatal(err)
		}
		at(4)
		if _, err := d.p.MoveDispute(ctx, store.DisputeMove{ID: f.ID, From: store.DisputeOpen, To: store.DisputeClosed, Audit: d.agentAudit}); err != nil {
			t.Fatal(err)
		}
		ids := func(list []store.StaffDispute) string {
			names := map[int64]string{a.ID: "a", b.ID: "b", c.ID: "c", e.ID: "e", f.ID: "f"}
			var s []string
			for _, x := range list {
				s = append(s, names[x.ID])
			}
			return strings.Join(s, " ")
		}
		sla := billing.DisputeSLA{store.DisputeOpen: 24 * time.Hour, store.DisputeInReview: 72 * time.Hour}
		tests := []struct {
			name  string
			q     store.DisputeQuery
			page  store.Page
			want  string
			total int
		}{
			{"everything, longest in status first", store.DisputeQuery{}, store.Page{}, "a c b e f", 5},
			{"open", store.DisputeQuery{Statuses: []store.DisputeStatus{store.DisputeOpen}}, store.Page{}, "a c", 2},
			{"open or in review", store.DisputeQuery{Statuses: billing.OpenDisputeStatuses()}, store.Page{}, "a c b", 3},
			{"closed", store.DisputeQuery{Statuses: []store.DisputeStatus{store.DisputeClosed}}, store.Page{}, "e f", 2},
			{"a status none has", store.DisputeQuery{Statuses: []store.DisputeStatus{store.DisputeFollowUp}}, store.Page{}, "", 0},
			{"category", store.DisputeQuery{Category: store.DisputePaidTwice}, store.Page{}, "b", 1},
			{"station 1", store.DisputeQuery{StationID: 1}, store.Page{}, "a b", 2},
			{"station 2, open", store.DisputeQuery{StationID: 2, Statuses: []store.DisputeStatus{store.DisputeOpen}}, store.Page{}, "c", 1},
			{"a station with none", store.DisputeQuery{StationID: 9}, store.Page{}, "", 0},
			{"account", store.DisputeQuery{AccountNo: "3100000001"}, store.Page{}, "a f", 2},
			// a entered open at 0h: 24h later it is due, a millisecond more and it is past due.
			{"breached: none at the due time", store.DisputeQuery{Breached: true, Now: start.Add(24 * time.Hour), SLA: sla}, store.Page{}, "", 0},
			{"breached: a just past due", store.DisputeQuery{Breached: true, Now: start.Add(24*time.Hour + time.Millisecond), SLA: sla}, store.Page{}, "a", 1},
			{"breached: both open ones", store.DisputeQuery{Breached: true, Now: start.Add(26 * time.Hour), SLA: sla}, store.Page{}, "a c", 2},
			{"breached: review too, never closed", store.DisputeQuery{Breached: true, Now: start.Add(75 * time.Hour), SLA: sla}, store.Page{}, "a c b", 3},
			{"breached, in another zone", store.DisputeQuery{Breached: true, Now: start.Add(26 * time.Hour).In(time.FixedZone("CST", 8*3600)), SLA: sla},
				store.Page{}, "a c", 2},
			{"breached under the default SLA", store.DisputeQuery{Breached: true, Now: start.Add(26 * time.Hour)}, store.Page{}, "a c", 2},
			{"breached, station 2", store.DisputeQuery{Breached: true, Now: start.Add(75 * time.Hour), SLA: sla, StationID: 2}, store.Page{}, "c", 1},
			{"breached with an SLA of no clocks", store.DisputeQuery{Breached: true, Now: start.Add(999 * time.Hour), SLA: billing.DisputeSLA{}},
				store.Page{}, "", 0},
			{"a page", store.DisputeQuery{}, store.Page{Limit: 2, Offset: 1}, "c b", 5},
			{"past the end", store.DisputeQuery{}, store.Page{Limit: 2, Offset: 10}, "", 5},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, total, err := d.p.StaffDisputes(ctx, tt.q, tt.page)
				if err != nil || ids(got) != tt.want || total != tt.total {
					t.Errorf("StaffDisputes = %q of %d, %v; want %q of %d", ids(got), total, err, tt.want, tt.total)
				}
			})
		}
		got, _, err := d.p.StaffDisputes(ctx, store.DisputeQuery{Statuses: []store.DisputeStatus{store.DisputeInReview}}, store.Page{})
		if err != nil || len(got) != 1 || got[0].StationID != 1 || !got[0].StatusAt.Equal(start.Add(2*time.Hour)) ||
			!got[0].CreatedAt.Equal(start.Add(time.Hour)) || got[0].Messages != nil || got[0].Actions != nil {
			t.Errorf("the dispute in review = %+v, %v; want station 1, in status since 2h, no thread", got, err)
		}

		for _, tt := range []struct {
			name string
			q    store.DisputeQuery
		}{
			{"unknown status", store.DisputeQuery{Statuses: []store.DisputeStatus{"OPEN"}}},
			{"too many statuses", store.DisputeQuery{Statuses: make([]store.DisputeStatus, 9)}},
			{"unknown category", store.DisputeQuery{Category: "other"}},
			{"negative station", store.DisputeQuery{StationID: -1}},
			{"station beyond INT", store.DisputeQuery{StationID: 1 << 31}},
			{"bad account", store.DisputeQuery{AccountNo: "3100000001' OR '1'='1"}},
			{"breached without now", store.DisputeQuery{Breached: true}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				if _, _, err := d.p.StaffDisputes(ctx, tt.q, store.Page{}); !errors.Is(err, billing.ErrInvalid) {
					t.Errorf("StaffDisputes = %v, want ErrInvalid", err)
				}
			})
		}

		t.Run("counts", func(t *testing.T) {
			for _, tt := range []struct {
				name     string
				station  int64
				now      time.Time
				want     map[store.DisputeStatus]int
				breached int
			}{
				{"county", 0, start.Add(26 * time.Hour), map[store.DisputeStatus]int{store.DisputeOpen: 2, store.DisputeInReview: 1, store.DisputeClosed: 2}, 2},
				{"county, later", 0, start.Add(75 * time.Hour), map[store.DisputeStatus]int{store.DisputeOpen: 2, store.DisputeInReview: 1, store.DisputeClosed: 2}, 3},
				{"station 1", 1, start.Add(75 * time.Hour), map[store.DisputeStatus]int{store.DisputeOpen: 1, store.DisputeInReview: 1}, 2},
				{"station 2, early", 2, start, map[store.DisputeStatus]int{store.DisputeOpen: 1, store.DisputeClosed: 1}, 0},
				{"no such station", 9, start, map[store.DisputeStatus]int{}, 0},
			} {
				t.Run(tt.name, func(t *testing.T) {
					got, err := d.p.DisputeCounts(ctx, tt.station, tt.now, sla)
					if err != nil {
						t.Fatal(err)
					}
					if len(got.ByStatus) != len(billing.DisputeStatuses()) || got.Breached != tt.breached {
						t.Errorf("DisputeCounts = %+v; want every status and %d breached", got, tt.breached)
					}
					for _, s := range billing.DisputeStatuses() {
						if got.ByStatus[s] != tt.want[s] {
							t.Errorf("%s: %d, want %d", s, got.ByStatus[s], tt.want[s])
						}
					}
				})
			}
			for _, bad := range []struct {
				station int64
				now     time.Time
			}{{-1, start}, {1 << 31, start}, {0, time.Time{}}} {
				if _, err := d.p.DisputeCounts(ctx, bad.station, bad.now, nil); !errors.Is(err, billing.ErrInvalid) {
					t.Errorf("DisputeCounts(%d, %v) = %v, want ErrInvalid", bad.station, bad.now, err)
				}
			}
		})
	})
}

// TestDisputeLife takes a dispute through its whole life: taken into review with a reply and a
// note, a settlement above the agent's limit proposed, refused to its own proposer, declined by a
// supervisor, proposed again, approved by the other, posted once, followed up and closed. Each step
// leaves exactly one audit row.
func TestDisputeLife(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		d := newDisputeDesk(t, db)
		ctx := t.Context()
		filed := d.file(t, "3100000001", 7, 42, store.DisputeReadingAmount)
		step := func() { d.clock.t = d.clock.t.Add(time.Hour) }

		step()
		got, err := d.p.MoveDispute(ctx, store.DisputeMove{ID: filed.ID, From: store.DisputeOpen, To: store.DisputeInReview,
			Reply: "已受理，正在核查。", Note: "抄表员周一复核读数", Audit: d.agentAudit})
		if err != nil {
			t.Fatalf("MoveDispute into review: %v", err)
		}
		now := d.clock.t.Truncate(time.Millisecond)
		if got.Status != store.DisputeInReview || !got.StatusAt.Equal(now) || got.StationID != 7 || len(got.Messages) != 2 ||
			got.Messages[1].Author != store.AuthorStaff || got.Messages[1].StaffID != d.agent || len(got.Notes) != 1 ||
			got.Notes[0].StaffID != d.agent || got.Notes[0].Text != "抄表员周一复核读数" {
			t.Fatalf("after review = %+v", got)
		}
		// The customer sees the reply, never the note.
		mine, err := d.p.Dispute(ctx, "13800138000", filed.ID)
		if err != nil || len(mine.Messages) != 2 || strings.Contains(fmt.Sprint(mine), "抄表员") {
			t.Errorf("the customer's view = %+v, %v", mine, err)
		}

		step()
		amount := billing.Money(80000)
		limit := billing.Money(50000)
		proposal := store.NewDisputeAction{DisputeID: filed.ID, From: store.DisputeInReview, Kind: billing.ActionAdjustBill, BillID: 42,
			Amount: amount, Reason: "读数录入错误，应减 800 元", NeedsApproval: billing.NeedsApproval(billing.ActionAdjustBill, amount, limit),
			Audit: d.agentAudit}
		first, err := d.p.ProposeAction(ctx, proposal)
		if err != nil {
			t.Fatalf("ProposeAction: %v", err)
		}
		if first.ID <= 0 || first.Status != billing.ActionProposed || first.AccountNo != "3100000001" || first.ProposedBy != d.agent ||
			first.DecidedBy != 0 || !first.DecidedAt.IsZero() || first.AdjustmentNo() != fmt.Sprintf("AJ%010d", first.ID) {
			t.Errorf("proposed = %+v", first)
		}
		if again, err := d.p.ProposeAction(ctx, proposal); !errors.Is(err, billing.ErrConflict) {
			t.Errorf("a second proposal while one waits = %+v, %v; want ErrConflict", again, err)
		}

		// Four eyes: the proposer cannot decide, and nothing is written.
		rowsBefore := countRows(t, db, "staff_audit")
		if _, err := d.p.DecideAction(ctx, first.ID, true, "", d.agentAudit); !errors.Is(err, billing.ErrForbidden) {
			t.Errorf("the proposer approving = %v, want ErrForbidden", err)
		}
		if a, _ := d.p.DisputeActionByID(ctx, first.ID); a.Status != billing.ActionProposed || countRows(t, db, "staff_audit") != rowsBefore {
			t.Errorf("a refused decision changed something: %+v", a)
		}
		if _, err := d.p.DecideAction(ctx, first.ID, false, "", d.s1); !errors.Is(err, billing.ErrInvalid) {
			t.Errorf("a decline without a reason = %v, want ErrInvalid", err)
		}

		step()
		declined, err := d.p.DecideAction(ctx, first.ID, false, "金额需按实际读数重算", d.s1)
		if err != nil || declined.Status != billing.ActionDeclined || declined.DecidedBy != d.sup1 || declined.DecisionReason != "金额需按实际读数重算" {
			t.Fatalf("decline = %+v, %v", declined, err)
		}
		if got, _ := d.p.StaffDispute(ctx, filed.ID); got.Status != store.DisputeInReview {
			t.Errorf("after a decline the dispute is %s, want back in review", got.Status)
		}
		if _, err := d.p.DecideAction(ctx, first.ID, true, "", d.s2); !errors.Is(err, billing.ErrConflict) {
			t.Errorf("deciding a declined action = %v, want ErrConflict", err)
		}

		step()
		proposal.Amount, proposal.Reason = 62000, "按复核读数应减 620 元"
		second, err := d.p.ProposeAction(ctx, proposal)
		if err != nil {
			t.Fatal(err)
		}
		step()
		approved, err := d.p.DecideAction(ctx, second.ID, true, "同意", d.s2)
		if err != nil || approved.Status != billing.ActionApproved || approved.DecidedBy != d.sup2 || approved.Amount != 62000 {
			t.Fatalf("approve = %+v, %v", approved, err)
		}
		if got, _ := d.p.StaffDispute(ctx, filed.ID); got.Status != store.DisputeAdjusted || len(got.Actions) != 2 ||
			got.Actions[0].ID != first.ID || got.Actions[1].ID != second.ID {
			t.Errorf("after approval: %s with actions %+v; want adjusted with both, oldest first", got.Status, got.Actions)
		}

		toPost, err := d.p.ActionsToPost(ctx, 10)
		if err != nil || len(toPost) != 1 || toPost[0].ID != second.ID {
			t.Fatalf("ActionsToPost = %+v, %v; want the approved one", toPost, err)
		}
		postedAt := time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)
		posted, err := d.p.MarkActionPosted(ctx, second.ID, "ADJ-20261127-0001", postedAt)
		if err != nil || posted.Status != billing.ActionPosted || posted.PostedRef != "ADJ-20261127-0001" || !posted.PostedAt.Equal(postedAt) {
			t.Fatalf("MarkActionPosted = %+v, %v", posted, err)
		}
		if again, err := d.p.MarkActionPosted(ctx, second.ID, "ADJ-OTHER", postedAt.Add(time.Hour)); !errors.Is(err, billing.ErrConflict) {
			t.Errorf("posting twice = %+v, %v; want ErrConflict", again, err)
		}
		if a, _ := d.p.DisputeActionByID(ctx, second.ID); a.PostedRef != "ADJ-20261127-0001" || !a.PostedAt.Equal(postedAt) {
			t.Errorf("a second posting changed the first: %+v", a)
		}
		if _, err := d.p.MarkActionPosted(ctx, first.ID, "ADJ-X", postedAt); !errors.Is(err, billing.ErrConflict) {
			t.Errorf("posting a declined action = %v, want ErrConflict", err)
		}
		if _, err := d.p.MarkActionPosted(ctx, second.ID+100, "ADJ-X", postedAt); !errors.Is(err, billing.ErrNotFound) {
			t.Errorf("posting a missing action = %v, want ErrNotFound", err)
		}
		if toPost, err := d.p.ActionsToPost(ctx, 10); err != nil || len(toPost) != 0 {
			t.Errorf("ActionsToPost after posting = %+v, %v; want none", toPost, err)
		}

		step()
		for _, to := range []store.DisputeStatus{store.DisputeFollowUp, store.DisputeClosed} {
			if _, err := d.p.MoveDispute(ctx, store.DisputeMove{ID: filed.ID, From: map[store.DisputeStatus]store.DisputeStatus{
				store.DisputeFollowUp: store.DisputeAdjusted, store.DisputeClosed: store.DisputeFollowUp}[to], To: to,
				Reply: "已回访", Audit: d.agentAudit}); err != nil {
				t.Fatalf("move to %s: %v", to, err)
			}
		}

		want := []struct{ action, before, after string }{
			{"dispute.move", "open", "in_review"},
			{"dispute.propose", "in_review", "awaiting_approval"},
			{"dispute.decline", "awaiting_approval", "in_review"},
			{"dispute.propose", "in_review", "awaiting_approval"},
			{"dispute.approve", "awaiting_approval", "adjusted"},
			{"dispute.post", "", ""},
			{"dispute.move", "adjusted", "follow_up"},
			{"dispute.move", "follow_up", "closed"},
		}
		rows := d.audits(t, filed.ID)
		if len(rows) != len(want) {
			t.Fatalf("%d audit rows, want %d: %+v", len(rows), len(want), rows)
		}
		for i, w := range want {
			r := rows[i]
			if r.Action != w.action || statusOf(t, r.Before) != w.before || statusOf(t, r.After) != w.after {
				t.Errorf("audit row %d = %s %s -> %s, want %s %s -> %s", i, r.Action, r.Before, r.After, w.action, w.before, w.after)
			}
		}
		if rows[2].StaffID != d.sup1 || rows[2].Reason != "金额需按实际读数重算" || rows[4].StaffID != d.sup2 || rows[1].Reason != "读数录入错误，应减 800 元" {
			t.Errorf("decision audit rows = %+v / %+v", rows[2], rows[4])
		}
	})
}

// TestProposeActionWithinLimit settles at once: no second person, and a rejection with its code.
func TestProposeActionWithinLimit(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		d := newDisputeDesk(t, db)
		ctx := t.Context()
		for _, tc := range []struct {
			name   string
			from   store.DisputeStatus
			action store.NewDisputeAction
			want   store.DisputeStatus
		}{
			{"a small adjustment", store.DisputeInReview, store.NewDisputeAction{Kind: billing.ActionWaiveFee, BillID: 42, Amount: 300, Reason: "首次逾期，减免违约金"},
				store.DisputeAdjusted},
			{"a refund", store.DisputeInReview, store.NewDisputeAction{Kind: billing.ActionRefund, Amount: 10000, OrderNo: "GPW20261126080000123456789012",
				Reason: "重复缴费退款"}, store.DisputeRefunded},
			{"a rejection in review", store.DisputeInReview, store.NewDisputeAction{Kind: billing.ActionReject, ReasonCode: "reading_correct",
				Reason: "复核读数无误"}, store.DisputeRejected},
			{"a rejection as it stands", store.DisputeOpen, store.NewDisputeAction{Kind: billing.ActionReject, ReasonCode: "duplicate",
				Reason: "与已受理异议重复"}, store.DisputeRejected},
		} {
			t.Run(tc.name, func(t *testing.T) {
				filed := d.file(t, "3100000001", 1, 42, store.DisputeReadingAmount)
				if tc.from == store.DisputeInReview {
					d.review(t, filed.ID)
				}
				a := tc.action
				a.DisputeID, a.From, a.Audit = filed.ID, tc.from, d.agentAudit
				got, err := d.p.ProposeAction(ctx, a)
				if err != nil {
					t.Fatal(err)
				}
				if got.Status != billing.ActionApproved || got.DecidedBy != 0 || got.DecidedAt.IsZero() || got.OrderNo != a.OrderNo || got.ReasonCode != a.ReasonCode {
					t.Errorf("ProposeAction = %+v", got)
				}
				if read, err := d.p.DisputeActionByID(ctx, got.ID); err != nil || read != got {
					t.Errorf("DisputeActionByID = %+v, %v; want %+v", read, err, got)
				}
				if sd, _ := d.p.StaffDispute(ctx, filed.ID); sd.Status != tc.want {
					t.Errorf("dispute is %s, want %s", sd.Status, tc.want)
				}
				rows := d.audits(t, filed.ID)
				if last := rows[len(rows)-1]; last.Action != "dispute.act" || statusOf(t, last.After) != string(tc.want) {
					t.Errorf("audit row = %+v", last)
				}
				if _, err := d.p.DecideAction(ctx, got.ID, true, "", d.s1); !errors.Is(err, billing.ErrConflict) {
					t.Errorf("deciding an action approved within its limit = %v, want ErrConflict", err)
				}
			})
		}
		// Only adjustments wait to be posted: the refund and the rejections do not.
		toPost, err := d.p.ActionsToPost(ctx, 100)
		if err != nil || len(toPost) != 1 || toPost[0].Kind != billing.ActionWaiveFee {
			t.Errorf("ActionsToPost = %+v, %v; want the waived fee", toPost, err)
		}
		for _, n := range []int{0, -1, 501} {
			if _, err := d.p.ActionsToPost(ctx, n); !errors.Is(err, billing.ErrInvalid) {
				t.Errorf("ActionsToPost(%d) = %v, want ErrInvalid", n, err)
			}
		}
	})
}

func TestProposeActionRefused(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		d := newDisputeDesk(t, db)
		ctx := t.Context()
		filed := d.file(t, "3100000001", 1, 42, store.DisputeReadingAmount)
		d.review(t, filed.ID)
		good := store.NewDisputeAction{DisputeID: filed.ID, From: store.DisputeInReview, Kind: billing.ActionAdjustBill, BillID: 42,
			Amount: 100, Reason: "更正", Audit: d.agentAudit}
		tests := []struct {
			name string
			edit func(*store.NewDisputeAction)
			want error
		}{
			{"no dispute id", func(a *store.NewDisputeAction) { a.DisputeID = 0 }, billing.ErrInvalid},
			{"unknown kind", func(a *store.NewDisputeAction) { a.Kind = "refund_all" }, billing.ErrInvalid},
			{"unknown from", func(a *store.NewDisputeAction) { a.From = "reviewing" }, billing.ErrInvalid},
			{"adjustment without a bill", func(a *store.NewDisputeAction) { a.BillID = 0 }, billing.ErrInvalid},
			{"negative bill", func(a *store.NewDisputeAction) { a.BillID = -1 }, billing.ErrInvalid},
			{"zero amount", func(a *store.NewDisputeAction) { a.Amount = 0 }, billing.ErrInvalid},
			{"negative amount", func(a *store.NewDisputeAction) { a.Amount = -100 }, billing.ErrInvalid},
			{"absurd amount", func(a *store.NewDisputeAction) { a.Amount = store.MaxActionAmount + 1 }, billing.ErrInvalid},
			{"rejection with an amount", func(a *store.NewDisputeAction) { a.Kind, a.ReasonCode = billing.ActionReject, "duplicate" }, billing.ErrInvalid},
			{"rejection without a code", func(a *store.NewDisputeAction) { a.Kind, a.Amount, a.BillID = billing.ActionReject, 0, 0 }, billing.ErrInvalid},
			{"rejection with an unknown code", func(a *store.NewDisputeAction) {
				a.Kind, a.Amount, a.ReasonCode = billing.ActionReject, 0, "because"
			}, billing.ErrInvalid},
			{"rejection needing approval", func(a *store.NewDisputeAction) {
				a.Kind, a.Amount, a.ReasonCode, a.NeedsApproval = billing.ActionReject, 0, "duplicate", true
			}, billing.ErrInvalid},
			{"adjustment with a reason code", func(a *store.NewDisputeAction) { a.ReasonCode = "duplicate" }, billing.ErrInvalid},
			{"refund without an order", func(a *store.NewDisputeAction) { a.Kind = billing.ActionRefund }, billing.ErrInvalid},
			{"refund with a spaced order", func(a *store.NewDisputeAction) { a.Kind, a.OrderNo = billing.ActionRefund, "GP 1" }, billing.ErrInvalid},
			{"adjustment with an order", func(a *store.NewDisputeAction) { a.OrderNo = "GP1" }, billing.ErrInvalid},
			{"no reason", func(a *store.NewDisputeAction) { a.Reason = "" }, billing.ErrInvalid},
			{"blank reason", func(a *store.NewDisputeAction) { a.Reason = " \n" }, billing.ErrInvalid},
			{"reason of 501", func(a *store.NewDisputeAction) { a.Reason = strings.Repeat("因", 501) }, billing.ErrInvalid},
			{"reason of 10 KB", func(a *store.NewDisputeAction) { a.Reason = strings.Repeat("a", 10<<10) }, billing.ErrInvalid},
			{"reason with NUL", func(a *store.NewDisputeAction) { a.Reason = "a\x00b" }, billing.ErrInvalid},
			{"no staff", func(a *store.NewDisputeAction) { a.Audit.StaffID = 0 }, billing.ErrInvalid},
			{"no client address", func(a *store.NewDisputeAction) { a.Audit.ClientAddr = "" }, billing.ErrInvalid},
			{"seen open", func(a *store.NewDisputeAction) { a.From = store.DisputeOpen }, billing.ErrConflict},
			{"from a settled status", func(a *store.NewDisputeAction) { a.From = store.DisputeAdjusted }, billing.ErrConflict},
			{"a missing dispute", func(a *store.NewDisputeAction) { a.DisputeID = filed.ID + 100 }, billing.ErrNotFound},
			{"an unknown staff member", func(a *store.NewDisputeAction) { a.Audit.StaffID = d.sup2 + 100 }, billing.ErrNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				a := good
				tt.edit(&a)
				got, err := d.p.ProposeAction(ctx, a)
				if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
					t.Errorf("ProposeAction = %+v, %v; want %v", got, err, tt.want)
				}
			})
		}
		if n := countRows(t, db, "dispute_actions"); n != 0 {
			t.Errorf("%d actions written by refused proposals", n)
		}
		if rows := d.audits(t, filed.ID); len(rows) != 1 {
			t.Errorf("%d audit rows, want only the move into review's", len(rows))
		}
		if sd, _ := d.p.StaffDispute(ctx, filed.ID); sd.Status != store.DisputeInReview {
			t.Errorf("dispute is %s after refused proposals", sd.Status)
		}
		// The bounds themselves pass.
		a := good
		a.Amount, a.Reason = store.MaxActionAmount, strings.Repeat("因", 500)
		if _, err := d.p.ProposeAction(ctx, a); err != nil {
			t.Errorf("ProposeAction at the bounds: %v", err)
		}
	})
}

// TestFourEyesHeldByTheDatabase: an UPDATE written by hand that makes the proposer the decider is
// refused by the table's CHECK, whatever the store's code does.
func TestFourEyesHeldByTheDatabase(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		d := newDisputeDesk(t, db)
		filed := d.file(t, "3100000001", 1, 42, store.DisputeReadingAmount)
		d.review(t, filed.ID)
		a, err := d.p.ProposeAction(t.Context(), store.NewDisputeAction{DisputeID: filed.ID, From: store.DisputeInReview, Kind: billing.ActionRefund,
			Amount: 90000, OrderNo: "GPA1", Reason: "退款", NeedsApproval: true, Audit: d.agentAudit})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			by   int64
			ok   bool
		}{{"the proposer", d.agent, false}, {"another", d.sup1, true}} {
			_, err := db.ExecContext(t.Context(), `UPDATE dispute_actions SET decided_by = @by, status = 'approved' WHERE id = @id`,
				sqlNamedArg("by", tc.by), sqlNamedArg("id", a.ID))
			if (err == nil) != tc.ok {
				t.Errorf("%s as decider: %v; want accepted %v", tc.name, err, tc.ok)
			}
		}
		if _, err := db.ExecContext(t.Context(), `UPDATE dispute_actions SET amount_fen = -1 WHERE id = @id`, sqlNamedArg("id", a.ID)); err == nil {
			t.Error("a negative amount accepted")
		}
	})
}

// TestDecideActionAtOnce lets two supervisors decide one proposal at the same moment, again and
// again: exactly one decision wins, the other is a conflict, and one audit row is written.
func TestDecideActionAtOnce(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		d := newDisputeDesk(t, db)
		for round := range 3 {
			filed := d.file(t, "3100000001", 1, 42, store.DisputeReadingAmount)
			d.review(t, filed.ID)
			a, err := d.p.ProposeAction(t.Context(), store.NewDisputeAction{DisputeID: filed.ID, From: store.DisputeInReview,
				Kind: billing.ActionAdjustBill, BillID: 42, Amount: 90000, Reason: "更正", NeedsApproval: true, Audit: d.agentAudit})
			if err != nil {
				t.Fatal(err)
			}
			var (
				mu              sync.Mutex
				won, conflicted int
				unexpected      []error
			)
			atOnce(t, db, 2, func(i int) {
				audit, approve := d.s1, true
				if i == 1 {
					audit, approve = d.s2, false
				}
				_, err := d.p.DecideAction(t.Context(), a.ID, approve, "决定", audit)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					won++
				case errors.Is(err, billing.ErrConflict):
					conflicted++
				default:
					unexpected = append(unexpected, err)
				}
			})
			if won != 1 || conflicted != 1 || len(unexpected) > 0 {
				t.Errorf("round %d: won %d, conflicted %d, other errors %v; want 1, 1, none", round, won, conflicted, unexpected)
			}
			rows := d.audits(t, filed.ID)
			decisions := 0
			for _, r := range rows {
				if r.Action == "dispute.approve" || r.Action == "dispute.decline" {
					decisions++
				}
			}
			got, _ := d.p.DisputeActionByID(t.Context(), a.ID)
			sd, _ := d.p.StaffDispute(t.Context(), filed.ID)
			wantDispute := map[billing.DisputeActionStatus]store.DisputeStatus{billing.ActionApproved: store.DisputeAdjusted,
				billing.ActionDeclined: store.DisputeInReview}[got.Status]
			if decisions != 1 || wantDispute == "" || sd.Status != wantDispute {
				t.Errorf("round %d: %d decision rows, action %s, dispute %s", round, decisions, got.Status, sd.Status)
			}
		}
	})
}

func TestMoveDispute(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		d := newDisputeDesk(t, db)
		ctx := t.Context()
		filed := d.file(t, "3100000001", 1, 42, store.DisputeReadingAmount)
		tests := []struct {
			name string
			m    store.DisputeMove
			want error
		}{
			{"nothing to do", store.DisputeMove{From: store.DisputeOpen}, billing.ErrInvalid},
			{"staying put is no move", store.DisputeMove{From: store.DisputeOpen, To: store.DisputeOpen}, billing.ErrInvalid},
			{"no id", store.DisputeMove{ID: -1, From: store.DisputeOpen, Note: "x"}, billing.ErrInvalid},
			{"unknown from", store.DisputeMove{From: "OPEN", Note: "x"}, billing.ErrInvalid},
			{"unknown to", store.DisputeMove{From: store.DisputeOpen, To: "done"}, billing.ErrInvalid},
			{"reply of 1001", store.DisputeMove{From: store.DisputeOpen, Reply: strings.Repeat("复", 1001)}, billing.ErrInvalid},
			{"reply of 10 KB", store.DisputeMove{From: store.DisputeOpen, Reply: strings.Repeat("a", 10<<10)}, billing.ErrInvalid},
			{"note not UTF-8", store.DisputeMove{From: store.DisputeOpen, Note: "\xff"}, billing.ErrInvalid},
			{"blank note", store.DisputeMove{From: store.DisputeOpen, Note: "  "}, billing.ErrInvalid},
			{"a move without a reason", store.DisputeMove{From: store.DisputeOpen, To: store.DisputeInReview, Audit: store.Audit{StaffID: 1}},
				billing.ErrInvalid},
			{"a refused move", store.DisputeMove{From: store.DisputeOpen, To: store.DisputeFollowUp}, billing.ErrConflict},
			{"settling goes through a settlement", store.DisputeMove{From: store.DisputeOpen, To: store.DisputeRejected}, billing.ErrConflict},
			{"a status seen stale", store.DisputeMove{From: store.DisputeInReview, To: store.DisputeClosed}, billing.ErrConflict},
			{"a reply to a status seen stale", store.DisputeMove{From: store.DisputeInReview, Reply: "x"}, billing.ErrConflict},
			{"a missing dispute", store.DisputeMove{ID: filed.ID + 100, From: store.DisputeOpen, Note: "x"}, billing.ErrNotFound},
			{"an unknown staff member", store.DisputeMove{From: store.DisputeOpen, Note: "x", Audit: store.Audit{StaffID: -2}}, billing.ErrNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				m := tt.m
				if m.ID == 0 {
					m.ID = filed.ID
				}
				switch m.Audit.StaffID {
				case 0:
					m.Audit = d.agentAudit
				case -2:
					m.Audit = store.Audit{StaffID: d.sup2 + 100, ClientAddr: "10.0.0.7"}
				default:
					m.Audit = store.Audit{StaffID: d.agent, ClientAddr: "10.0.0.7"}
				}
				if _, err := d.p.MoveDispute(ctx, m); !errors.Is(err, tt.want) {
					t.Errorf("MoveDispute = %v, want %v", err, tt.want)
				}
			})
		}
		// Nothing above wrote anything.
		if rows := d.audits(t, filed.ID); len(rows) != 0 {
			t.Errorf("refused moves left %d audit rows", len(rows))
		}
		if n := countRows(t, db, "dispute_messages") + countRows(t, db, "dispute_notes"); n != 1 {
			t.Errorf("refused moves left %d messages and notes, want the customer's one", n)
		}

		// A note alone keeps the status and its clock, and is audited as a note.
		d.clock.t = d.clock.t.Add(time.Hour)
		got, err := d.p.MoveDispute(ctx, store.DisputeMove{ID: filed.ID, From: store.DisputeOpen, Note: "客户来电催办", Audit: d.agentAudit})
		if err != nil || got.Status != store.DisputeOpen || !got.StatusAt.Equal(filed.CreatedAt) || !got.UpdatedAt.Equal(filed.CreatedAt) || len(got.Notes) != 1 {
			t.Errorf("a note = %+v, %v", got, err)
		}
		got, err = d.p.MoveDispute(ctx, store.DisputeMove{ID: filed.ID, From: store.DisputeOpen, Reply: "请提供电表照片", Audit: d.agentAudit})
		if err != nil || !got.StatusAt.Equal(filed.CreatedAt) || got.UpdatedAt.Equal(filed.CreatedAt) || len(got.Messages) != 2 {
			t.Errorf("a reply = %+v, %v", got, err)
		}
		rows := d.audits(t, filed.ID)
		if len(rows) != 2 || rows[0].Action != "dispute.note" || rows[1].Action != "dispute.reply" || statusOf(t, rows[1].After) != "open" {
			t.Errorf("audit rows = %+v", rows)
		}
		// A failed change leaves no audit row: the row is written in the change's transaction.
		if _, err := db.ExecContext(ctx, `DROP TABLE dispute_notes`); err != nil {
			t.Fatal(err)
		}
		if _, err := d.p.MoveDispute(ctx, store.DisputeMove{ID: filed.ID, From: store.DisputeOpen, To: store.DisputeInReview,
			Note: "x", Audit: d.agentAudit}); err == nil {
			t.Fatal("MoveDispute succeeded without a notes table")
		}
		if rows := d.audits(t, filed.ID); len(rows) != 2 {
			t.Errorf("a failed move left %d audit rows, want 2", len(rows))
		}
		var status string
		if err := db.QueryRowContext(ctx, `SELECT status FROM disputes WHERE id = @id`, sql.Named("id", filed.ID)).Scan(&status); err != nil ||
			status != string(store.DisputeOpen) {
			t.Errorf("a failed move left the dispute %q, %v; want it open", status, err)
		}
	})
}

func TestAssignDisputeAndReads(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		d := newDisputeDesk(t, db)
		ctx := t.Context()
		filed := d.file(t, "3100000001", 1, 42, store.DisputeReadingAmount)
		if err := d.p.AssignDispute(ctx, filed.ID, d.agent, d.s1); err != nil {
			t.Fatal(err)
		}
		if err := d.p.AssignDispute(ctx, filed.ID, d.sup2, d.s1); err != nil {
			t.Fatal(err)
		}
		if sd, _ := d.p.StaffDispute(ctx, filed.ID); sd.AssigneeID != d.sup2 {
			t.Errorf("assignee = %d, want %d", sd.AssigneeID, d.sup2)
		}
		rows := d.audits(t, filed.ID)
		if len(rows) != 2 || rows[1].Action != "dispute.assign" || !strings.Contains(rows[1].Before, fmt.Sprintf(`"assignee_id":%d`, d.agent)) ||
			!strings.Contains(rows[1].After, fmt.Sprintf(`"assignee_id":%d`, d.sup2)) {
			t.Errorf("assign audit rows = %+v", rows)
		}
		if err := d.p.AssignDispute(ctx, filed.ID, 0, d.s1); err != nil {
			t.Errorf("unassigning: %v", err)
		}
		for _, tc := range []struct {
			name      string
			id, staff int64
			audit     store.Audit
			want      error
		}{
			{"unknown staff", filed.ID, d.sup2 + 100, d.s1, billing.ErrNotFound},
			{"missing dispute", filed.ID + 100, d.agent, d.s1, billing.ErrNotFound},
			{"negative staff", filed.ID, -1, d.s1, billing.ErrInvalid},
			{"no actor", filed.ID, d.agent, store.Audit{ClientAddr: "x"}, billing.ErrInvalid},
		} {
			if err := d.p.AssignDispute(ctx, tc.id, tc.staff, tc.audit); !errors.Is(err, tc.want) {
				t.Errorf("%s: AssignDispute = %v, want %v", tc.name, err, tc.want)
			}
		}
		if rows := d.audits(t, filed.ID); len(rows) != 3 {
			t.Errorf("%d assign audit rows, want 3", len(rows))
		}
		if _, err := d.p.StaffDispute(ctx, filed.ID+100); !errors.Is(err, billing.ErrNotFound) {
			t.Errorf("StaffDispute of a missing dispute = %v", err)
		}
		if _, err := d.p.StaffDisputePhoto(ctx, filed.ID); !errors.Is(err, billing.ErrNotFound) {
			t.Errorf("StaffDisputePhoto without a photo = %v", err)
		}
		withPhoto, err := d.p.FileDispute(ctx, store.NewDispute{Phone: "13800138009", AccountNo: "3100000009", Category: store.DisputeFaultyMeter,
			Text: "表坏了", Photo: &store.DisputePhoto{ContentType: "image/png", Bytes: []byte("png")}})
		if err != nil {
			t.Fatal(err)
		}
		if ph, err := d.p.StaffDisputePhoto(ctx, withPhoto.ID); err != nil || string(ph.Bytes) != "png" {
			t.Errorf("StaffDisputePhoto of another phone's dispute = %v, %v", ph, err)
		}
		if _, err := d.p.FileDispute(ctx, store.NewDispute{Phone: "13800138009", AccountNo: "3100000009", Category: store.DisputeFaultyMeter,
			Text: "x", StationID: -1}); !errors.Is(err, billing.ErrInvalid) {
			t.Errorf("FileDispute with a negative station = %v", err)
		}
	})
}

// sqlNamedArg is sql.Named, kept short for hand-written statements.
func sqlNamedArg(name string, v any) sql.NamedArg { return sql.Named(name, v) }
