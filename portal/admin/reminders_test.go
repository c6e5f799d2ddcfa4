package admin_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"gridpay/internal/demo"
	"gridpay/internal/staff"
	"gridpay/internal/store"
	"gridpay/worker"
)

// The reminders pages' lines of the role matrix: every role reads; who may be reminded (the
// calendar, exemptions) is a legal matter for supervisors, and administrators. A package variable,
// so that the lines are in before access_test.go's init merges them.
var _ = func() bool {
	changers := []staff.Role{staff.Supervisor, staff.Admin}
	for k, v := range map[string][]staff.Role{
		"GET /admin/reminders":                  all,
		"GET /admin/reminders/:day":             all,
		"GET /admin/reminders/preview":          all,
		"GET /admin/reminders/calendar":         all,
		"POST /admin/reminders/calendar":        changers,
		"POST /admin/reminders/calendar/remove": changers,
		"GET /admin/reminders/exemptions":       all,
		"POST /admin/reminders/exemptions":      changers,
	} {
		reminderMatrix[k] = v
	}
	return true
}()

// auditRows returns the audit rows of action.
func (s *site) auditRows(t *testing.T, action string) []store.AuditEntry {
	t.Helper()
	rows, _, err := s.portal.AuditLog(t.Context(), store.AuditFilter{Action: action}, store.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// The runs, one run and tomorrow's preview render with their data for every role.
func TestReminderPagesRender(t *testing.T) {
	s := newSite(t)
	ctx := t.Context()
	run, _, err := s.portal.StartReminderRun(ctx, time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.portal.AdvanceReminderRun(ctx, run.ID, 9, store.RunCounts{Scanned: 12, Due: 7, Enqueued: 4,
		Suppressed: map[string]int64{"protected": 2, "disputed": 1}}); err != nil {
		t.Fatal(err)
	}
	if err := s.portal.FinishReminderRun(ctx, run.ID, store.RunDone); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.portal.StartReminderRun(ctx, time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	// What the preview must show: the worker's own dry run of tomorrow at the run's time.
	tomorrow := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	var planned []worker.Planned
	counts, err := s.reminders.DryRun(ctx, tomorrow, time.Date(2026, 11, 27, 8, 30, 0, 0, time.FixedZone("CST", 8*3600)),
		func(p worker.Planned) { planned = append(planned, p) })
	if err != nil {
		t.Fatal(err)
	}
	if len(planned) == 0 {
		t.Fatal("the seeded county has no reminder tomorrow: the preview would prove little")
	}
	// The running run of today is shown against the accounts in its reach, which a dry run scans.
	today, err := s.reminders.DryRun(ctx, time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), s.clock.now(), func(worker.Planned) {})
	if err != nil {
		t.Fatal(err)
	}
	if today.Scanned == 0 {
		t.Fatal("no account is in reach today: the progress would prove little")
	}
	b := s.signIn(t, s.staff[staff.Auditor])
	tests := []struct {
		path string
		want []string
	}{
		{"/admin/reminders", []string{`href="/admin/reminders/2026-11-25"`, `<progress`, `value="12" max="12"`, "12/12", "保障户 2",
			"异议处理中 1", "进行中", "已完成", fmt.Sprintf(`value="0" max="%d"`, today.Scanned), fmt.Sprintf("0/%d", today.Scanned)}},
		{"/admin/reminders/2026-11-26", []string{fmt.Sprintf(`value="0" max="%d"`, today.Scanned), "进行中"}},
		{"/admin/reminders/2026-11-25", []string{"2026-11-25", "<td>7</td>", "<td>4</td>", "保障户", `<progress`}},
		{"/admin/reminders/preview", []string{"2026-11-27", fmt.Sprintf("显示 %d 户，共 %d 户", len(planned), len(planned)),
			fmt.Sprintf("全县检查 %d 户，应催 %d 户", counts.Scanned, counts.Due)}},
		{"/admin/reminders/calendar", []string{"免扰日历"}},
		{"/admin/reminders/exemptions?account=" + demo.DemoResidentialNo, []string{demo.DemoResidentialNo, "暂缓催费至"}},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			a := b.get(tc.path)
			if a.status != http.StatusOK {
				t.Fatalf("%d %s", a.status, a.body)
			}
			for _, w := range tc.want {
				if !strings.Contains(a.body, w) {
					t.Errorf("the page lacks %q", w)
				}
			}
			if strings.Contains(a.body, `method="post"`) && !strings.Contains(a.body, `action="/admin/logout"`) {
				t.Errorf("an auditor is offered a change")
			}
		})
	}
	// Account numbers and names are masked in the preview.
	body := b.get("/admin/reminders/preview").body
	for _, p := range planned {
		if strings.Contains(body, p.Account.No) {
			t.Errorf("the preview shows account %s unmasked", p.Account.No)
		}
	}
	for path, want := range map[string]int{"/admin/reminders/2026-11-24": http.StatusNotFound,
		"/admin/reminders/2026-13-01": http.StatusBadRequest, "/admin/reminders/%27%3B--": http.StatusBadRequest,
		"/admin/reminders?page=0": http.StatusBadRequest, "/admin/reminders?page=99999999999999999999": http.StatusBadRequest} {
		if a := b.get(path); a.status != want {
			t.Errorf("GET %s: %d, want %d", path, a.status, want)
		}
	}
}

// A supervisor adds and removes days of the suppression calendar, each audited; hostile or past
// days and bad reasons are refused with nothing written; an agent may not change it.
func TestReminderCalendarChanges(t *testing.T) {
	s := newSite(t)
	ctx := t.Context()
	b := s.signIn(t, s.staff[staff.Supervisor])
	const page = "/admin/reminders/calendar"
	days := func() []store.SuppressedDay {
		t.Helper()
		got, err := s.portal.SuppressedReminderDays(ctx, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	// Today on the bureau's clock is 26 November 2026.
	if a := b.post(page, page, url.Values{"day": {"2026-12-01"}, "reason": {"暴雨红色预警"}}); a.status != http.StatusSeeOther {
		t.Fatalf("add: %d %s", a.status, a.body)
	}
	if a := b.post(page, page, url.Values{"day": {"2026-11-26"}, "reason": {"寒潮"}}); a.status != http.StatusSeeOther {
		t.Fatalf("add today: %d %s", a.status, a.body)
	}
	if got := days(); len(got) != 2 || got[1].Reason != "暴雨红色预警" {
		t.Fatalf("calendar = %+v", got)
	}
	if rows := s.auditRows(t, "reminder.suppress"); len(rows) != 2 || rows[0].StaffID != s.staff[staff.Supervisor].ID {
		t.Fatalf("audit rows = %+v", rows)
	}
	if body := b.get(page + "?done=added").body; !strings.Contains(body, "暴雨红色预警") || !strings.Contains(body, "已加入免扰日历") {
		t.Error("the calendar does not show the day added")
	}
	hostile := []struct {
		name string
		path string
		form url.Values
		want int
	}{
		{"a past day", page, url.Values{"day": {"2026-11-25"}, "reason": {"补"}}, http.StatusBadRequest},
		{"too far ahead", page, url.Values{"day": {"2028-01-01"}, "reason": {"远"}}, http.StatusBadRequest},
		{"not a date", page, url.Values{"day": {"2026-02-30"}, "reason": {"x"}}, http.StatusBadRequest},
		{"an injection", page, url.Values{"day": {"2026-12-02'; DROP TABLE x;--"}, "reason": {"x"}}, http.StatusBadRequest},
		{"a huge day", page, url.Values{"day": {strings.Repeat("9", 30000)}, "reason": {"x"}}, http.StatusBadRequest},
		{"no reason", page, url.Values{"day": {"2026-12-02"}, "reason": {"  "}}, http.StatusBadRequest},
		{"a huge reason", page, url.Values{"day": {"2026-12-02"}, "reason": {strings.Repeat("雪", 101)}}, http.StatusBadRequest},
		{"a reason of two lines", page, url.Values{"day": {"2026-12-02"}, "reason": {"雪\n<script>"}}, http.StatusBadRequest},
		{"removing today", page + "/remove", url.Values{"day": {"2026-11-26"}, "reason": {"晴"}}, http.StatusBadRequest},
		{"removing a day not on it", page + "/remove", url.Values{"day": {"2026-12-03"}, "reason": {"晴"}}, http.StatusNotFound},
		{"removing without a reason", page + "/remove", url.Values{"day": {"2026-12-01"}}, http.StatusBadRequest},
	}
	for _, tc := range hostile {
		if a := b.post(page, tc.path, tc.form); a.status != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, a.status, tc.want)
		}
	}
	if got := days(); len(got) != 2 {
		t.Errorf("after refused changes the calendar = %+v", got)
	}
	if n := len(s.auditRows(t, "reminder.suppress")) + len(s.auditRows(t, "reminder.unsuppress")); n != 2 {
		t.Errorf("after refused changes: %d audit rows, want 2", n)
	}
	agent := s.signIn(t, s.staff[staff.Agent])
	if a := agent.post(page, page, url.Values{"day": {"2026-12-05"}, "reason": {"x"}}); a.status != http.StatusForbidden {
		t.Errorf("an agent adding a day: %d, want 403", a.status)
	}
	if a := b.post(page, page+"/remove", url.Values{"day": {"2026-12-01"}, "reason": {"预警解除"}}); a.status != http.StatusSeeOther {
		t.Fatalf("remove: %d %s", a.status, a.body)
	}
	if got := days(); len(got) != 1 || got[0].Reason != "寒潮" {
		t.Errorf("after removing: %+v", got)
	}
	if rows := s.auditRows(t, "reminder.unsuppress"); len(rows) != 1 || rows[0].Reason != "预警解除" || !strings.Contains(rows[0].Before, "暴雨") {
		t.Errorf("unsuppress audit rows = %+v", rows)
	}
}

// A supervisor sets and clears an account's protected flag and exemption, audited; hostile input
// is refused with nothing written; another station's supervisor cannot see or change the account.
func TestReminderExemptions(t *testing.T) {
	s := newSite(t)
	ctx := t.Context()
	b := s.signIn(t, s.staff[staff.Supervisor])
	const page = "/admin/reminders/exemptions"
	no := demo.DemoResidentialNo
	before, err := s.core.AccountByNumber(ctx, no)
	if err != nil {
		t.Fatal(err)
	}
	if a := b.post(page, page, url.Values{"account": {no}, "protected": {"on"}, "exempt_until": {"2026-12-31"}, "reason": {"低保户申请"}}); a.status != http.StatusSeeOther {
		t.Fatalf("set: %d %s", a.status, a.body)
	}
	got, err := s.core.AccountByNumber(ctx, no)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Protected || !got.RemindersExemptUntil.Equal(time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)) || got.Important != before.Important {
		t.Fatalf("after setting: protected %v, exempt until %v, important %v", got.Protected, got.RemindersExemptUntil, got.Important)
	}
	rows := s.auditRows(t, "reminder.flags")
	if len(rows) != 1 || rows[0].Target != "account:"+no || rows[0].Reason != "低保户申请" || !strings.Contains(rows[0].After, `"protected":true`) ||
		!strings.Contains(rows[0].After, "2026-12-31") || rows[0].StaffID != s.staff[staff.Supervisor].ID {
		t.Fatalf("audit rows = %+v", rows)
	}
	if body := b.get(page + "?done=set&account=" + no).body; !strings.Contains(body, "2026-12-31") || !strings.Contains(body, "checked") {
		t.Error("the page does not show the flags set")
	}
	hostile := []struct {
		name string
		form url.Values
		want int
	}{
		{"an unknown account", url.Values{"account": {"3199999999"}, "reason": {"x"}}, http.StatusNotFound},
		{"not an account number", url.Values{"account": {"31' OR 1=1"}, "reason": {"x"}}, http.StatusBadRequest},
		{"a number with more after it", url.Values{"account": {no + strings.Repeat(" ", 40) + "x"}, "protected": {"on"}, "reason": {"x"}}, http.StatusBadRequest},
		{"a past exemption", url.Values{"account": {no}, "exempt_until": {"2026-11-25"}, "reason": {"x"}}, http.StatusBadRequest},
		{"an exemption of years", url.Values{"account": {no}, "exempt_until": {"2029-01-01"}, "reason": {"x"}}, http.StatusBadRequest},
		{"a bad date", url.Values{"account": {no}, "exempt_until": {"31/12/2026"}, "reason": {"x"}}, http.StatusBadRequest},
		{"a huge reason", url.Values{"account": {no}, "reason": {strings.Repeat("因", 501)}}, http.StatusBadRequest},
		{"no reason", url.Values{"account": {no}}, http.StatusBadRequest},
		{"a strange checkbox", url.Values{"account": {no}, "protected": {"yes please"}, "reason": {"x"}}, http.StatusBadRequest},
	}
	for _, tc := range hostile {
		if a := b.post(page, page, tc.form); a.status != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, a.status, tc.want)
		}
	}
	if after, _ := s.core.AccountByNumber(ctx, no); !after.Protected || !after.RemindersExemptUntil.Equal(got.RemindersExemptUntil) {
		t.Errorf("a refused change changed the account: %+v", after)
	}
	if n := len(s.auditRows(t, "reminder.flags")); n != 1 {
		t.Errorf("after refused changes: %d audit rows, want 1", n)
	}
	for _, path := range []string{page + "?account=3199999999", page + "?account=" + strings.Repeat("1", 5000), page + "?account=3100000001" + strings.Repeat("%20", 40) + "x"} {
		if a := b.get(path); a.status != http.StatusNotFound && a.status != http.StatusBadRequest {
			t.Errorf("GET %s: %d", path[:60], a.status)
		}
	}

	// Clearing both: the checkbox unticked and no date.
	if a := b.post(page, page, url.Values{"account": {no}, "reason": {"已脱贫"}}); a.status != http.StatusSeeOther {
		t.Fatalf("clear: %d %s", a.status, a.body)
	}
	if cleared, _ := s.core.AccountByNumber(ctx, no); cleared.Protected || !cleared.RemindersExemptUntil.IsZero() {
		t.Errorf("after clearing: %+v", cleared)
	}

	// Another station's supervisor sees neither the account nor it in the preview.
	m, err := s.portal.CreateStaff(ctx, store.NewStaff{Username: "station.sup", DisplayName: "站长", Role: staff.Supervisor,
		StationID: before.StationID + 1000, PasswordHash: s.staff[staff.Supervisor].PasswordHash}, store.Audit{Action: "staff.create", ClientAddr: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	secret := secrets[staff.Supervisor]
	if m, err = s.portal.SetStaffTOTP(ctx, m.ID, secret, store.Audit{ClientAddr: "cli"}); err != nil {
		t.Fatal(err)
	}
	other := s.signIn(t, member{Staff: m, password: testPassword, secret: secret})
	if a := other.get(page + "?account=" + no); a.status != http.StatusNotFound {
		t.Errorf("another station's supervisor looking up: %d, want 404", a.status)
	}
	if a := other.post(page, page, url.Values{"account": {no}, "protected": {"on"}, "reason": {"x"}}); a.status != http.StatusNotFound {
		t.Errorf("another station's supervisor setting: %d, want 404", a.status)
	}
	if a := other.get("/admin/reminders/preview"); a.status != http.StatusOK || !strings.Contains(a.body, "显示 0 户，共 0 户") {
		t.Errorf("another station's preview: %d, want no accounts", a.status)
	}
	if n := len(s.auditRows(t, "reminder.flags")); n != 2 {
		t.Errorf("%d audit rows, want 2", n)
	}
}
