package worker_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"gridpay/internal/billing"
	"gridpay/internal/staff"
	"gridpay/internal/store"
	"gridpay/internal/storetest"
	"gridpay/worker"
)

// An approved adjustment whose task Redis lost is queued again by the sweeper, once its grace is
// over, and posted once however often the task runs.
func TestSweeperQueuesLostAdjustments(t *testing.T) {
	storetest.ForEach(t, testSweeperQueuesLostAdjustments)
}

func testSweeperQueuesLostAdjustments(t *testing.T, d storetest.Dialect) {
	r := newRig(t, d)
	ctx := context.Background()
	core := store.NewCore(r.core, billing.DefaultLateFeeRates(), r.now)
	acct, err := core.AccountByNumber(ctx, "3100000001")
	if err != nil {
		t.Fatal(err)
	}
	bills, _, err := core.Bills(ctx, acct.ID, store.Page{Limit: 1})
	if err != nil || len(bills) == 0 {
		t.Fatalf("bills: %v", err)
	}
	agent, err := r.orders.CreateStaff(ctx, store.NewStaff{Username: "wang.agent", DisplayName: "王", Role: staff.Agent,
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=2$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"},
		store.Audit{Action: "staff.create", ClientAddr: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	dsp, err := r.orders.FileDispute(ctx, store.NewDispute{Phone: "13800138000", AccountNo: acct.No, BillID: bills[0].ID,
		BillPeriod: bills[0].Period, Category: billing.DisputeReadingAmount, Text: "读数不对"})
	if err != nil {
		t.Fatal(err)
	}
	audit := store.Audit{StaffID: agent.ID, Reason: "核查", ClientAddr: "192.0.2.1"}
	if _, err := r.orders.MoveDispute(ctx, store.DisputeMove{ID: dsp.ID, From: store.DisputeOpen, To: store.DisputeInReview, Audit: audit}); err != nil {
		t.Fatal(err)
	}
	// Approved within the limit; its task never reached Redis.
	a, err := r.orders.ProposeAction(ctx, store.NewDisputeAction{DisputeID: dsp.ID, From: store.DisputeInReview, Kind: billing.ActionAdjustBill,
		BillID: bills[0].ID, Amount: 1_00, Reason: "核减1元", Audit: audit})
	if err != nil || a.Status != billing.ActionApproved {
		t.Fatalf("ProposeAction = %+v, %v", a, err)
	}

	sweep := func(at time.Time) int {
		t.Helper()
		s := &worker.OutboxSweeper{Orders: r.orders, Enqueuer: r.enqueuer, Grace: time.Minute, Every: time.Hour,
			Now: func() time.Time { return at }, Log: r.log}
		n, err := s.Sweep(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := sweep(time.Now()); n != 0 {
		t.Errorf("a sweep within the grace queued %d, want 0: the page's own task may still be on its way", n)
	}
	if n := sweep(time.Now().Add(2 * time.Minute)); n != 1 {
		t.Fatalf("a sweep after the grace queued %d, want the adjustment", n)
	}
	insp := asynq.NewInspector(r.redis)
	defer insp.Close()
	info, err := insp.GetTaskInfo(worker.QueuePayments, "dispute:adjust:"+strconv.FormatInt(a.ID, 10))
	if err != nil {
		t.Fatalf("the queued task: %v", err)
	}
	var pl worker.DisputeAdjustPayload
	if err := json.Unmarshal(info.Payload, &pl); err != nil || pl.ActionID != a.ID {
		t.Fatalf("payload %s, %v", info.Payload, err)
	}
	poster := &worker.AdjustmentPoster{Portal: r.orders, Core: r.cached, Loc: time.UTC, Now: r.now, Log: r.log}
	for range 2 { // the swept task and a retry
		if err := poster.ProcessTask(ctx, asynq.NewTask(info.Type, info.Payload)); err != nil {
			t.Fatal(err)
		}
	}
	after, err := core.Bill(ctx, acct.ID, bills[0].ID)
	if err != nil || after.Balance.Principal != bills[0].Balance.Principal-1_00 || len(after.Adjustments) != 1 {
		t.Errorf("the bill after posting twice: principal %s (was %s), %d adjustments, %v", after.Balance.Principal,
			bills[0].Balance.Principal, len(after.Adjustments), err)
	}
	if n := sweep(time.Now().Add(2 * time.Minute)); n != 0 {
		t.Errorf("a sweep after posting queued %d, want 0", n)
	}
}
