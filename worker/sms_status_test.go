package worker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
	"gridpay/internal/storetest"
	"gridpay/notify"
	"gridpay/notify/tencent"
	smssandbox "gridpay/notify/tencent/sandbox"
	"gridpay/worker"
)

// smsGateway starts the Tencent Cloud SMS simulator with a template for every kind, and returns it
// with the channel that sends through it (to endpoint instead, when given).
func smsGateway(t *testing.T, endpoint string) (*smssandbox.SMS, *tencent.SMS) {
	t.Helper()
	sim := smssandbox.New("AKIDreports", "reports-secret", "1400000010", nil)
	templates, registered := map[notify.Kind]string{}, map[string]int{}
	for i, k := range notify.Kinds() {
		tpl, _ := notify.TemplateOf(k)
		templates[k] = fmt.Sprint(4000001 + i)
		registered[templates[k]] = len(tpl.SMS)
	}
	sim.Templates(registered)
	srv := httptest.NewServer(sim)
	t.Cleanup(func() { sim.Close(); srv.Close() })
	if endpoint == "" {
		endpoint = srv.URL
	}
	sms, err := tencent.New(tencent.Config{SecretID: "AKIDreports", SecretKey: "reports-secret", SDKAppID: "1400000010",
		SignName: "云溪县供电公司", Endpoint: endpoint, Templates: templates, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return sim, sms
}

func (r *remindRig) puller(gw worker.SMSReports) *worker.SMSStatusPuller {
	return &worker.SMSStatusPuller{Gateway: gw, Core: r.cached, Every: time.Minute, Now: r.clock, Log: r.log}
}

// decisions returns every account's decision of a dry run on day at now, by account id.
func (r *remindRig) decisions(t *testing.T, now time.Time) map[int64]billing.Decision {
	t.Helper()
	out := map[int64]billing.Decision{}
	if _, err := r.reminders.DryRun(context.Background(), now, now, func(p worker.Planned) {
		out[p.Account.ID] = p.Decision
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// recordByMessage reads one reminder of the proof by its channel's message id.
func (r *remindRig) recordByMessage(t *testing.T, id string) record {
	t.Helper()
	for _, rec := range r.records(t) {
		if rec.messageID == id {
			return rec
		}
	}
	t.Fatalf("no reminder with message id %s", id)
	return record{}
}

func TestSMSStatusLostCuijiaoWithholdsTheNotice(t *testing.T) {
	storetest.ForEach(t, testSMSStatusLostCuijiaoWithholdsTheNotice)
}

// testSMSStatusLostCuijiaoWithholdsTheNotice: the day's reminders go by SMS; the gateway then
// reports that one account's 催交 never reached the phone. The puller turns that record failed with
// the carrier's code and every other one delivered, passes over the report of a sign-in code, and
// the next day the ladder withholds that account's disconnection notice, which the accepted 催交
// allowed before the report.
func testSMSStatusLostCuijiaoWithholdsTheNotice(t *testing.T, d storetest.Dialect) {
	r := newRemindRig(t, d)
	ctx := context.Background()
	sim, sms := smsGateway(t, "")
	r.route([]notify.Channel{sms})
	var lost *worker.Planned
	due := r.due(t)
	for _, p := range due {
		if p.Decision.Stage == billing.StageCuijiao {
			lost = &p
			break
		}
	}
	if lost == nil {
		t.Fatal("no account in the county is due its 催交")
	}
	if _, err := r.reminders.Run(ctx, r.clock()); err != nil {
		t.Fatal(err)
	}
	r.deliver(t)
	if _, err := sms.Send(ctx, notify.Message{Kind: notify.OTP, To: notify.To{Phone: "13800138000"},
		Params: notify.Params{notify.ParamCode: "042917", notify.ParamMinutes: "5"}}); err != nil {
		t.Fatal(err)
	}

	recs := r.records(t)
	var cuijiao record
	for _, rec := range recs {
		if rec.status != "sent" || rec.channel != "tencent" || rec.messageID == "" {
			t.Fatalf("record %+v: want sent by SMS with the gateway's serial number", rec)
		}
		if rec.account == lost.Account.ID {
			cuijiao = rec
		}
	}
	if len(recs) != len(due) || cuijiao.stage != string(billing.StageCuijiao) {
		t.Fatalf("%d records for %d reminders due, the 催交 %+v", len(recs), len(due), cuijiao)
	}
	tomorrow := time.Date(2026, 11, 27, 8, 30, 0, 0, beijing)
	if d := r.decisions(t, tomorrow)[lost.Account.ID]; d.Stage != billing.StageNotice {
		t.Fatalf("before any report, the next day's decision is %+v; want the notice the accepted 催交 allows", d)
	}

	if !sim.Fail(cuijiao.messageID, "MK:0001") {
		t.Fatal("the gateway holds no report of the 催交")
	}
	p := r.puller(sms)
	counts, err := p.Tick(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (worker.StatusCounts{Delivered: len(recs) - 1, Undelivered: 1, Skipped: 1}); counts != want {
		t.Errorf("Tick = %+v, want %+v", counts, want)
	}
	for _, rec := range r.records(t) {
		want := record{status: "delivered"}
		if rec.messageID == cuijiao.messageID {
			want = record{status: "failed", code: "MK:0001"}
		}
		if rec.status != want.status || rec.code != want.code {
			t.Errorf("record %+v: want %s with code %q", rec, want.status, want.code)
		}
	}
	if again, err := p.Tick(ctx); err != nil || again != (worker.StatusCounts{}) {
		t.Errorf("a second tick = %+v, %v; want nothing: each report comes once", again, err)
	}

	d2 := r.decisions(t, tomorrow)[lost.Account.ID]
	if d2.Send() || d2.Reason != billing.ReasonNoticeWithheld || d2.Withheld != billing.NeedCuijiaoDelivered {
		t.Errorf("after the report the next day's decision is %+v; want the notice withheld for want of a delivered 催交", d2)
	}
}

// TestSMSStatusKeepsReportsThroughAnOutage: the gateway hands each report out once, so the reports
// of a tick the core database cannot take are kept and written at the next tick; a gateway that
// fails hands out nothing and loses nothing.
func TestSMSStatusKeepsReportsThroughAnOutage(t *testing.T) {
	r := newRemindRig(t, storetest.SQLite)
	ctx := context.Background()
	sim, sms := smsGateway(t, "")
	due := r.due(t)
	var ids []string
	for i, p := range due[:3] {
		id, err := sms.Send(ctx, notify.Message{Kind: notify.OTP, To: notify.To{Phone: "13800138000"},
			Params: notify.Params{notify.ParamCode: "04291" + fmt.Sprint(i), notify.ParamMinutes: "5"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := r.cached.RecordReminder(ctx, store.Reminder{AccountID: p.Account.ID, Stage: "overdue_1", Channel: "tencent",
			RemindOn: r.clock(), SentAt: r.clock(), Amount: 100, Recipient: "138****8000", Content: "电费已逾期",
			Status: billing.ReminderSent, MessageID: id}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	sim.Fail(ids[2], "UNDELIV")
	p := r.puller(sms)

	sim.Then(smssandbox.Answer{Action: smssandbox.PullAction, Error: "InternalError.OtherError"})
	if counts, err := p.Tick(ctx); notify.FailureCode(err) != "InternalError.OtherError" || counts != (worker.StatusCounts{}) {
		t.Fatalf("Tick with the gateway failing = %+v, %v", counts, err)
	}
	if n := sim.Reports(); n != 3 {
		t.Fatalf("the gateway holds %d reports after failing, want 3", n)
	}

	if _, err := r.core.ExecContext(ctx, `ALTER TABLE reminders RENAME TO reminders_away`); err != nil {
		t.Fatal(err)
	}
	if counts, err := p.Tick(ctx); err == nil || counts != (worker.StatusCounts{}) {
		t.Fatalf("Tick with the core database failing = %+v, %v; want the error", counts, err)
	}
	if n := sim.Reports(); n != 0 {
		t.Fatalf("the gateway holds %d reports, want them handed out", n)
	}
	if _, err := r.core.ExecContext(ctx, `ALTER TABLE reminders_away RENAME TO reminders`); err != nil {
		t.Fatal(err)
	}
	counts, err := p.Tick(ctx)
	if want := (worker.StatusCounts{Delivered: 2, Undelivered: 1}); err != nil || counts != want {
		t.Fatalf("Tick after the outage = %+v, %v; want %+v", counts, err, want)
	}
	for i, want := range []string{"delivered", "delivered", "failed"} {
		if rec := r.recordByMessage(t, ids[i]); rec.status != want {
			t.Errorf("reminder of message %d: %+v, want %s", i, rec, want)
		}
	}
}

// TestSMSStatusHostileReports: whatever the endpoint answers, a report the proof cannot hold is
// passed over and the others are written; a carrier's description that is no short code is
// recorded as FAIL; a receipt time ahead of the clock is taken as now.
func TestSMSStatusHostileReports(t *testing.T) {
	r := newRemindRig(t, storetest.SQLite)
	ctx := context.Background()
	type entry struct {
		SerialNo, PhoneNumber, ReportStatus, Description string
		UserReceiveTime                                  int64
	}
	sent := time.Date(2026, 11, 26, 8, 0, 0, 0, beijing)
	entries := []entry{
		{"2433:chinese", "+8613800138000", "FAIL", "用户关机", sent.Unix()},
		{"2433:long-code", "+8613800138000", "FAIL", strings.Repeat("E", 65), sent.Unix()},
		{"2433:code", "+8613800138000", "FAIL", strings.Repeat("E", 64), sent.Unix()},
		{"2433:future", "+8613800138000", "SUCCESS", "DELIVRD", time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).Unix()},
		{"2433:maybe", "+8613800138000", "MAYBE", "", sent.Unix()},
		{"' OR 1=1 --", "+8613800138000", "FAIL", "MK:0001", sent.Unix()},
		{strings.Repeat("9", 5000), "+8613800138000", "SUCCESS", "DELIVRD", sent.Unix()},
		{"", "", "SUCCESS", "", 0},
		{"2433:unknown", "+8613800138000", "SUCCESS", "DELIVRD", sent.Unix()},
	}
	body, err := json.Marshal(map[string]any{"Response": map[string]any{"PullSmsSendStatusSet": entries, "RequestId": "r-1"}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	_, sms := smsGateway(t, srv.URL)

	acc := r.due(t)[0].Account
	for i, id := range []string{"2433:chinese", "2433:long-code", "2433:code", "2433:future", "2433:maybe"} {
		if _, _, err := r.cached.RecordReminder(ctx, store.Reminder{AccountID: acc.ID, Stage: fmt.Sprint("stage_", i), Channel: "tencent",
			RemindOn: r.clock(), SentAt: sent, Amount: 100, Recipient: "138****8000", Content: "电费已逾期",
			Status: billing.ReminderSent, MessageID: id}); err != nil {
			t.Fatal(err)
		}
	}
	counts, err := r.puller(sms).Tick(ctx)
	if want := (worker.StatusCounts{Delivered: 1, Undelivered: 3, Skipped: 5}); err != nil || counts != want {
		t.Fatalf("Tick = %+v, %v; want %+v", counts, err, want)
	}
	for _, tc := range []struct{ id, status, code string }{
		{"2433:chinese", "failed", "FAIL"},
		{"2433:long-code", "failed", "FAIL"},
		{"2433:code", "failed", strings.Repeat("E", 64)},
		{"2433:future", "delivered", ""},
		{"2433:maybe", "sent", ""},
	} {
		if rec := r.recordByMessage(t, tc.id); rec.status != tc.status || rec.code != tc.code {
			t.Errorf("reminder of %s: %+v, want %s with code %q", tc.id, rec, tc.status, tc.code)
		}
	}
	list, _, err := r.cached.Reminders(ctx, acc.ID, store.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range list {
		if rec.MessageID == "2433:future" && !rec.DeliveredAt.Equal(r.clock()) {
			t.Errorf("delivered at %v, want the puller's now %v for a time ahead of it", rec.DeliveredAt, r.clock())
		}
	}
}

// TestSMSStatusPullerRuns: Run pulls at once and every Every until its context ends.
func TestSMSStatusPullerRuns(t *testing.T) {
	r := newRemindRig(t, storetest.SQLite)
	ctx := context.Background()
	sim, sms := smsGateway(t, "")
	acc := r.due(t)[0].Account
	id, err := sms.Send(ctx, notify.Message{Kind: notify.OTP, To: notify.To{Phone: "13800138000"},
		Params: notify.Params{notify.ParamCode: "042917", notify.ParamMinutes: "5"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.cached.RecordReminder(ctx, store.Reminder{AccountID: acc.ID, Stage: "overdue_1", Channel: "tencent",
		RemindOn: r.clock(), SentAt: r.clock(), Amount: 100, Recipient: "138****8000", Content: "电费已逾期",
		Status: billing.ReminderSent, MessageID: id}); err != nil {
		t.Fatal(err)
	}
	p := r.puller(sms)
	p.Every = 20 * time.Millisecond
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { p.Run(runCtx); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for r.recordByMessage(t, id).status != "delivered" || sim.Pulls() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("within 10 s: %d pulls, the reminder %+v; want it delivered and pulls every tick",
				sim.Pulls(), r.recordByMessage(t, id))
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return when its context ended")
	}
}
