package admin_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"gridpay/internal/billing"
	"gridpay/internal/demo"
	"gridpay/internal/staff"
	"gridpay/internal/store"
	"gridpay/worker"
)

// fileDispute files a dispute about the demo resident's newest bill, as the customer pages do.
func (s *site) fileDispute(t *testing.T, category store.DisputeCategory) (store.Dispute, store.Account, store.Bill) {
	t.Helper()
	ctx := t.Context()
	acct, err := s.core.AccountByNumber(ctx, demo.DemoResidentialNo)
	if err != nil {
		t.Fatal(err)
	}
	bills, _, err := s.core.Bills(ctx, acct.ID, store.Page{Limit: 1})
	if err != nil || len(bills) == 0 {
		t.Fatalf("bills of the demo resident: %v", err)
	}
	d, err := s.portal.FileDispute(ctx, store.NewDispute{Phone: demo.DemoResidentialPhone, AccountNo: acct.No, BillID: bills[0].ID,
		BillPeriod: bills[0].Period, StationID: acct.StationID, Category: category, Text: "这个月电量比平时高很多，表是不是坏了？"})
	if err != nil {
		t.Fatal(err)
	}
	return d, acct, bills[0]
}

// messagesTo counts the dev inbox's dispute updates to phone.
func (s *site) updatesTo(t *testing.T, phone string) []string {
	t.Helper()
	msgs, err := s.inbox.Recent(t.Context(), phone, 50)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		if strings.Contains(m.Text, "异议申请") {
			out = append(out, m.Text)
		}
	}
	return out
}

// runAdjustments runs the worker's handler on every dispute:adjust task the pages queued, as a
// worker process would.
func (s *site) runAdjustments(t *testing.T) int {
	t.Helper()
	insp := asynq.NewInspector(asynq.RedisClientOpt{Addr: s.rdb.Options().Addr, DB: s.rdb.Options().DB})
	defer insp.Close()
	tasks, err := insp.ListPendingTasks(worker.QueuePayments)
	if errors.Is(err, asynq.ErrQueueNotFound) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	poster := &worker.AdjustmentPoster{Portal: s.portal, Core: s.core, Loc: time.FixedZone("CST", 8*3600), Now: s.clock.now,
		Log: discardLog()}
	n := 0
	for _, ti := range tasks {
		if ti.Type != worker.TypeDisputeAdjust {
			continue
		}
		if err := poster.ProcessTask(context.Background(), asynq.NewTask(ti.Type, ti.Payload)); err != nil {
			t.Fatalf("dispute:adjust %s: %v", ti.Payload, err)
		}
		n++
	}
	return n
}

// The walk: a dispute from received to closed, with an adjustment above the agent's limit
// that a supervisor approves; the customer is told at each change and the audit log has every step.
func TestDisputeFromReceivedToClosed(t *testing.T) {
	s := newSite(t)
	ctx := t.Context()
	d, acct, bill := s.fileDispute(t, store.DisputeReadingAmount)
	agent, sup := s.signIn(t, s.staff[staff.Agent]), s.signIn(t, s.staff[staff.Supervisor])

	queue := agent.get("/admin/disputes")
	if queue.status != http.StatusOK || !strings.Contains(queue.body, fmt.Sprintf(`href="/admin/disputes/%d"`, d.ID)) {
		t.Fatalf("the queue: %d, lacks the new dispute", queue.status)
	}
	page := fmt.Sprintf("/admin/disputes/%d", d.ID)
	c := agent.get(page)
	for _, want := range []string{"这个月电量比平时高很多", acct.No, "抄表示数", fmt.Sprint(bill.Period)} {
		if !strings.Contains(c.body, want) {
			t.Errorf("the case page lacks %q", want)
		}
	}
	if strings.Contains(c.body, demo.DemoResidentialPhone) {
		t.Error("the case page shows the customer's phone unmasked")
	}

	// 受理 -> 核查, with a reply the customer reads and a note they never see.
	a := agent.post(page, page+"/move", url.Values{"from": {"open"}, "to": {"in_review"}, "reply": {"您好，我们正在核查抄表数据。"},
		"note": {"先看采集日数据"}})
	if a.status != http.StatusSeeOther {
		t.Fatalf("move to checking: %d %s", a.status, a.body)
	}
	// A stale form (the status seen was open) is a conflict and changes nothing.
	if a := agent.post(page, page+"/move", url.Values{"from": {"open"}, "to": {"closed"}}); a.status != http.StatusConflict {
		t.Errorf("a stale move: %d, want 409", a.status)
	}

	// The agent proposes 30.00 off the bill: above the 20.00 limit, so it waits for a supervisor.
	a = agent.post(page, page+"/actions", url.Values{"from": {"in_review"}, "kind": {"adjust_bill"}, "bill": {fmt.Sprint(bill.ID)},
		"amount": {"30.00"}, "reason": {"表计走字异常，按日采集数据核减"}})
	if a.status != http.StatusSeeOther || !strings.Contains(a.location, "done=proposed") {
		t.Fatalf("propose: %d %q %s", a.status, a.location, a.body)
	}
	sd, err := s.portal.StaffDispute(ctx, d.ID)
	if err != nil || sd.Status != store.DisputeAwaitingApproval || len(sd.Actions) != 1 {
		t.Fatalf("after the proposal: %+v, %v", sd.Status, err)
	}
	actionID := sd.Actions[0].ID
	approve := fmt.Sprintf("%s/actions/%d/approve", page, actionID)
	// The agent cannot approve (their role), and nothing has been posted yet.
	if a := agent.post(page, approve, url.Values{"reason": {"我自己批"}}); a.status != http.StatusForbidden {
		t.Errorf("the agent approving: %d, want 403", a.status)
	}
	if n := s.runAdjustments(t); n != 0 {
		t.Errorf("%d adjustments queued before approval", n)
	}
	a = sup.post(page, approve, url.Values{"reason": {"核减合理，同意"}})
	if a.status != http.StatusSeeOther || !strings.Contains(a.location, "done=settled") {
		t.Fatalf("approve: %d %q %s", a.status, a.location, a.body)
	}
	if n := s.runAdjustments(t); n != 1 {
		t.Fatalf("%d adjustments queued after approval, want 1", n)
	}
	after, err := s.core.Bill(ctx, acct.ID, bill.ID)
	if err != nil || after.Balance.Principal != bill.Balance.Principal-30_00 {
		t.Errorf("the bill's principal after the adjustment: %s, want %s less 30.00 (%v)", after.Balance.Principal, bill.Balance.Principal, err)
	}
	// Running the task again (a retry, the sweeper) changes nothing.
	s.runAdjustments(t)
	poster := &worker.AdjustmentPoster{Portal: s.portal, Core: s.core, Loc: time.UTC, Now: s.clock.now, Log: discardLog()}
	payload, _ := json.Marshal(worker.DisputeAdjustPayload{ActionID: actionID})
	if err := poster.ProcessTask(ctx, asynq.NewTask(worker.TypeDisputeAdjust, payload)); err != nil {
		t.Fatal(err)
	}
	again, _ := s.core.Bill(ctx, acct.ID, bill.ID)
	if again.Balance.Principal != after.Balance.Principal {
		t.Errorf("posting again moved the principal to %s", again.Balance.Principal)
	}
	if act, _ := s.portal.DisputeActionByID(ctx, actionID); act.Status != billing.ActionPosted || act.PostedRef == "" {
		t.Errorf("the action after posting: %+v", act)
	}

	// 处理 -> 回访 -> 关闭.
	for _, step := range [][2]string{{"adjusted", "follow_up"}, {"follow_up", "closed"}} {
		if a := agent.post(page, page+"/move", url.Values{"from": {step[0]}, "to": {step[1]}, "reply": {"已回访客户，客户满意。"}}); a.status != http.StatusSeeOther {
			t.Fatalf("%s -> %s: %d %s", step[0], step[1], a.status, a.body)
		}
	}
	if sd, _ := s.portal.StaffDispute(ctx, d.ID); sd.Status != store.DisputeClosed {
		t.Errorf("the dispute ends %s, want closed", sd.Status)
	}

	// The customer was told at every change: checking, awaiting approval, adjusted, follow-up, closed.
	updates := s.updatesTo(t, demo.DemoResidentialPhone)
	for _, word := range []string{"核查中", "待审批", "已调整", "回访中", "已办结"} {
		found := false
		for _, u := range updates {
			found = found || strings.Contains(u, "："+word)
		}
		if !found {
			t.Errorf("no update saying %s among %q", word, updates)
		}
	}
	// The staff's internal note never reaches the customer's thread.
	mine, err := s.portal.Dispute(ctx, demo.DemoResidentialPhone, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mine.Messages {
		if strings.Contains(m.Text, "采集日数据") {
			t.Error("the internal note is in the customer's thread")
		}
	}

	// The audit log has every step, each by who took it.
	entries, _, err := s.portal.AuditLog(ctx, store.AuditFilter{}, store.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, e := range entries {
		if e.Target == fmt.Sprintf("dispute:%d", d.ID) {
			steps = append(steps, e.Action)
		}
	}
	for _, want := range []string{"dispute.move", "dispute.propose", "dispute.approve"} {
		if !strings.Contains(strings.Join(steps, " "), want) {
			t.Errorf("the audit log of the dispute %v lacks %s", steps, want)
		}
	}
}

// Four eyes: a supervisor who proposes a settlement above the limit cannot approve it; another
// supervisor can.
func TestFourEyes(t *testing.T) {
	s := newSite(t)
	ctx := t.Context()
	d, _, bill := s.fileDispute(t, store.DisputeLateFeeWaiver)
	sup := s.signIn(t, s.staff[staff.Supervisor])
	page := fmt.Sprintf("/admin/disputes/%d", d.ID)
	sup.post(page, page+"/move", url.Values{"from": {"open"}, "to": {"in_review"}})
	if a := sup.post(page, page+"/actions", url.Values{"from": {"in_review"}, "kind": {"adjust_bill"}, "bill": {fmt.Sprint(bill.ID)},
		"amount": {"25.00"}, "reason": {"核减"}}); a.status != http.StatusSeeOther {
		t.Fatalf("propose: %d %s", a.status, a.body)
	}
	sd, _ := s.portal.StaffDispute(ctx, d.ID)
	approve := fmt.Sprintf("%s/actions/%d/approve", page, sd.Actions[0].ID)
	if !strings.Contains(sup.get(page).body, "须由另一位班长审批") {
		t.Error("the case page does not tell the proposer that another supervisor must decide")
	}
	if a := sup.post(page, approve, url.Values{"reason": {"自己批准"}}); a.status != http.StatusForbidden {
		t.Errorf("approving one's own proposal: %d, want 403", a.status)
	}
	if sd, _ := s.portal.StaffDispute(ctx, d.ID); sd.Status != store.DisputeAwaitingApproval || sd.Actions[0].Status != billing.ActionProposed {
		t.Errorf("after the refused approval: %s / %s", sd.Status, sd.Actions[0].Status)
	}
	hash := s.staff[staff.Agent].PasswordHash
	second, err := s.portal.CreateStaff(ctx, store.NewStaff{Username: "second.supervisor", DisplayName: "第二班长", Role: staff.Supervisor,
		PasswordHash: hash}, store.Audit{Action: "staff.create", ClientAddr: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	const secret = "ONSWG4TFOQYTEMZUGU3DOOBZGA2DCNBR"
	if second, err = s.portal.SetStaffTOTP(ctx, second.ID, secret, store.Audit{ClientAddr: "cli"}); err != nil {
		t.Fatal(err)
	}
	other := s.signIn(t, member{Staff: second, password: testPassword, secret: secret})
	if a := other.post(page, approve, url.Values{"reason": {"同意"}}); a.status != http.StatusSeeOther {
		t.Fatalf("another supervisor approving: %d %s", a.status, a.body)
	}
	if sd, _ := s.portal.StaffDispute(ctx, d.ID); sd.Status != store.DisputeAdjusted || sd.Actions[0].DecidedBy != second.ID {
		t.Errorf("after the second supervisor's approval: %s, decided by %d", sd.Status, sd.Actions[0].DecidedBy)
	}
}

// Within the limit an agent settles alone; a rejection needs a reason code; hostile input is refused
// with nothing written.
func TestSettleWithinTheLimitAndHostileInput(t *testing.T) {
	s := newSite(t)
	ctx := t.Context()
	d, acct, bill := s.fileDispute(t, store.DisputeLateFeeWaiver)
	agent := s.signIn(t, s.staff[staff.Agent])
	page := fmt.Sprintf("/admin/disputes/%d", d.ID)
	agent.post(page, page+"/move", url.Values{"from": {"open"}, "to": {"in_review"}})
	for name, form := range map[string]url.Values{
		"no kind":             {"from": {"in_review"}, "reason": {"x"}},
		"unknown kind":        {"from": {"in_review"}, "kind": {"gift"}, "reason": {"x"}},
		"negative amount":     {"from": {"in_review"}, "kind": {"adjust_bill"}, "bill": {fmt.Sprint(bill.ID)}, "amount": {"-5.00"}, "reason": {"x"}},
		"three decimals":      {"from": {"in_review"}, "kind": {"adjust_bill"}, "bill": {fmt.Sprint(bill.ID)}, "amount": {"1.005"}, "reason": {"x"}},
		"huge amount":         {"from": {"in_review"}, "kind": {"adjust_bill"}, "bill": {fmt.Sprint(bill.ID)}, "amount": {strings.Repeat("9", 40)}, "reason": {"x"}},
		"no reason":           {"from": {"in_review"}, "kind": {"adjust_bill"}, "bill": {fmt.Sprint(bill.ID)}, "amount": {"5.00"}},
		"reason too long":     {"from": {"in_review"}, "kind": {"adjust_bill"}, "bill": {fmt.Sprint(bill.ID)}, "amount": {"5.00"}, "reason": {strings.Repeat("长", 600)}},
		"reject without code": {"from": {"in_review"}, "kind": {"reject"}, "reason": {"无依据"}},
		"bad from":            {"from": {"<script>"}, "kind": {"reject"}, "reason_code": {"no_evidence"}, "reason": {"x"}},
	} {
		if a := agent.post(page, page+"/actions", form); a.status != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", name, a.status)
		}
	}
	if sd, _ := s.portal.StaffDispute(ctx, d.ID); sd.Status != store.DisputeInReview || len(sd.Actions) != 0 {
		t.Fatalf("hostile input left %s with %d actions", sd.Status, len(sd.Actions))
	}
	// A rejection needs no second person: the agent settles it alone.
	a := agent.post(page, page+"/actions", url.Values{"from": {"in_review"}, "kind": {"reject"}, "reason_code": {"reading_correct"},
		"reason": {"经核实抄表无误"}})
	if a.status != http.StatusSeeOther || !strings.Contains(a.location, "done=settled") {
		t.Fatalf("reject: %d %q %s", a.status, a.location, a.body)
	}
	if sd, _ := s.portal.StaffDispute(ctx, d.ID); sd.Status != store.DisputeRejected {
		t.Errorf("after the rejection: %s", sd.Status)
	}
	_ = acct
}

// Staff of a supply station see only their station's disputes: another station's is not found.
func TestStationScope(t *testing.T) {
	s := newSite(t)
	ctx := t.Context()
	d, acct, _ := s.fileDispute(t, store.DisputeFaultyMeter)
	hash := s.staff[staff.Agent].PasswordHash
	mk := func(name string, station int64) *browser {
		m, err := s.portal.CreateStaff(ctx, store.NewStaff{Username: name, DisplayName: name, Role: staff.Agent, StationID: station,
			PasswordHash: hash}, store.Audit{Action: "staff.create", ClientAddr: "cli"})
		if err != nil {
			t.Fatal(err)
		}
		return s.signIn(t, member{Staff: m, password: testPassword})
	}
	mine, other := mk("station.mine", acct.StationID), mk("station.other", acct.StationID+1000)
	page := fmt.Sprintf("/admin/disputes/%d", d.ID)
	if a := mine.get(page); a.status != http.StatusOK {
		t.Errorf("the station's own agent: %d", a.status)
	}
	for _, path := range []string{page, page + "/photo"} {
		if a := other.get(path); a.status != http.StatusNotFound {
			t.Errorf("another station's agent, %s: %d, want 404", path, a.status)
		}
	}
	if a := other.post("/admin/disputes", page+"/move", url.Values{"from": {"open"}, "to": {"in_review"}}); a.status != http.StatusNotFound {
		t.Errorf("another station's agent moving it: %d, want 404", a.status)
	}
	if strings.Contains(other.get("/admin/disputes").body, fmt.Sprintf(`href="/admin/disputes/%d"`, d.ID)) {
		t.Error("another station's queue lists the dispute")
	}
}

// The queue's filters, and hostile query strings refused with 400.
func TestDisputeQueueFilters(t *testing.T) {
	s := newSite(t)
	d, acct, _ := s.fileDispute(t, store.DisputeFaultyMeter)
	agent := s.signIn(t, s.staff[staff.Agent])
	link := fmt.Sprintf(`href="/admin/disputes/%d"`, d.ID)
	for query, listed := range map[string]bool{
		"":                                       true,
		"?status=open":                           true,
		"?status=closed":                         false,
		"?category=faulty_meter":                 true,
		"?category=paid_twice":                   false,
		"?account=" + acct.No:                    true,
		"?account=3100000099":                    false,
		"?age=1":                                 false, // filed today
		"?breached=1":                            false, // within its day
		"?station=" + fmt.Sprint(acct.StationID): true,
	} {
		a := agent.get("/admin/disputes" + query)
		if a.status != http.StatusOK || strings.Contains(a.body, link) != listed {
			t.Errorf("queue%s: %d, listed %v, want %v", query, a.status, strings.Contains(a.body, link), listed)
		}
	}
	s.clock.add(3 * 24 * time.Hour) // past the day to take it on, and 3 days old
	for _, query := range []string{"?age=2", "?breached=1"} {
		if a := agent.get("/admin/disputes" + query); !strings.Contains(a.body, link) || !strings.Contains(a.body, "超时") {
			t.Errorf("queue%s three days on: the dispute is not listed as overdue", query)
		}
	}
	for _, query := range []string{"?status=lost", "?status=" + strings.Repeat("x", 5000), "?category=%ff%fe", "?account=31000",
		"?account=<script>", "?age=-1", "?age=99999", "?station=-3", "?station=abc", "?page=0", "?page=99999999999999999999"} {
		if a := agent.get("/admin/disputes" + query); a.status != http.StatusBadRequest {
			t.Errorf("queue%.40s: %d, want 400", query, a.status)
		}
	}
}

// "Paid twice": an agent refunds the second payment within the limit; the money goes back through
// the provider, the receipt is reversed, and the settlement is recorded as carried out. What could
// not be carried out is refused before anyone approves it.
func TestRefundThroughADispute(t *testing.T) {
	s := newSite(t)
	ctx := t.Context()
	d, acct, bill := s.fileDispute(t, store.DisputePaidTwice)
	paid := s.postedOrder(t, acct.No, 15_00)
	agent := s.signIn(t, s.staff[staff.Agent])
	page := fmt.Sprintf("/admin/disputes/%d", d.ID)
	agent.post(page, page+"/move", url.Values{"from": {"open"}, "to": {"in_review"}})

	other, err := s.core.AccountByNumber(ctx, demo.DemoCommercialNo)
	if err != nil {
		t.Fatal(err)
	}
	othersOrder := s.postedOrder(t, other.No, 12_00)
	otherBills, _, _ := s.core.Bills(ctx, other.ID, store.Page{Limit: 1})
	for name, form := range map[string]url.Values{
		"another account's order": {"kind": {"refund"}, "order": {othersOrder.OutTradeNo}, "amount": {"12.00"}},
		"no such order":           {"kind": {"refund"}, "order": {"WX2026112600000000000000"}, "amount": {"15.00"}},
		"part of the payment":     {"kind": {"refund"}, "order": {paid.OutTradeNo}, "amount": {"5.00"}},
		"another account's bill":  {"kind": {"adjust_bill"}, "bill": {fmt.Sprint(otherBills[0].ID)}, "amount": {"1.00"}},
		"more than the bill":      {"kind": {"adjust_bill"}, "bill": {fmt.Sprint(bill.ID)}, "amount": {"99999.00"}},
	} {
		form.Set("from", "in_review")
		form.Set("reason", "重复缴费")
		if a := agent.post(page, page+"/actions", form); a.status != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", name, a.status)
		}
	}
	if sd, _ := s.portal.StaffDispute(ctx, d.ID); sd.Status != store.DisputeInReview || len(sd.Actions) != 0 {
		t.Fatalf("refused proposals left %s with %d actions", sd.Status, len(sd.Actions))
	}

	a := agent.post(page, page+"/actions", url.Values{"from": {"in_review"}, "kind": {"refund"}, "order": {paid.OutTradeNo},
		"amount": {"15.00"}, "reason": {"同一账单重复缴费，退还第二笔"}})
	if a.status != http.StatusSeeOther || !strings.Contains(a.location, "done=settled") {
		t.Fatalf("refund: %d %q %s", a.status, a.location, a.body)
	}
	o, err := s.portal.OrderByOutTradeNo(ctx, paid.OutTradeNo)
	if err != nil || o.Status != billing.OrderRefunded {
		t.Fatalf("the order after the refund: %s, %v", o.Status, err)
	}
	sd, _ := s.portal.StaffDispute(ctx, d.ID)
	if sd.Status != store.DisputeRefunded || len(sd.Actions) != 1 || sd.Actions[0].Status != billing.ActionPosted ||
		sd.Actions[0].PostedRef != "refund:"+paid.OutTradeNo {
		t.Fatalf("the dispute after the refund: %s, %+v", sd.Status, sd.Actions)
	}
	// Carrying it out again refunds nothing twice.
	retry := fmt.Sprintf("%s/actions/%d/retry", page, sd.Actions[0].ID)
	if a := agent.post(page, retry, nil); a.status != http.StatusConflict {
		t.Errorf("retrying a carried-out refund: %d, want 409", a.status)
	}
}
