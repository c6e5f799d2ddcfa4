package portal_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

// noticeStages are the ladder's stages, every one of which the notices list names.
var noticeStages = []billing.Stage{billing.StageBeforeDue, billing.StageDue, billing.StageOverdue1, billing.StageOverdue15,
	billing.StageCuijiao, billing.StageNotice, billing.StageNoticeFinal, billing.StageLowBalance}

// stageLabels, reminderChannelLabels and reminderStatusLabels are the names the list gives, in
// Chinese and in English.
var (
	stageLabels = map[billing.Stage][2]string{
		billing.StageBeforeDue: {"到期提醒", "Bill due soon"}, billing.StageDue: {"到期当日提醒", "Bill due today"},
		billing.StageOverdue1: {"逾期提醒", "Bill overdue"}, billing.StageOverdue15: {"逾期提醒", "Bill overdue"},
		billing.StageCuijiao: {"电费催交通知", "Demand for payment"}, billing.StageNotice: {"停电通知", "Disconnection notice"},
		billing.StageNoticeFinal: {"停电前通知", "Final notice before disconnection"},
		billing.StageLowBalance:  {"余额不足提醒", "Low prepaid balance"},
	}
	reminderChannelLabels = map[string][2]string{
		"wechat": {"微信", "WeChat"}, "tencent": {"短信", "SMS"}, "sms": {"短信", "SMS"}, "dev": {"开发收件箱", "Dev inbox"},
	}
	reminderStatusLabels = map[billing.ReminderStatus][2]string{
		billing.ReminderSent: {"已发送", "Sent"}, billing.ReminderDelivered: {"已送达", "Delivered"},
		billing.ReminderFailed: {"未送达", "Not delivered"},
	}
)

// recordNotices writes 24 reminders of account no into the core database as the arrears run would,
// one a day back from the seeded today, through every stage, channel and status; the oldest is of a
// stage and a channel the portal has no name for. It returns them newest first.
func recordNotices(t *testing.T, s *site, no string) []store.Reminder {
	t.Helper()
	ctx := context.Background()
	acc, err := s.core.AccountByNumber(ctx, no)
	if err != nil {
		t.Fatal(err)
	}
	channels := []string{"wechat", "tencent", "dev", "sms"}
	var out []store.Reminder
	for k := range 24 {
		on := seededToday.AddDate(0, 0, -k)
		r := store.Reminder{AccountID: acc.ID, Stage: string(noticeStages[(k+5)%len(noticeStages)]), Channel: channels[k%len(channels)],
			RemindOn: on, SentAt: on.Add(2 * time.Hour), Amount: billing.Money(10100 + k), Recipient: "138****8000",
			Content: "电费提醒", Status: billing.ReminderStatuses()[k%3]}
		if r.Status == billing.ReminderFailed {
			r.ErrorCode = "43004"
		}
		if r.Stage == string(billing.StageNotice) {
			r.PlannedOn = on.AddDate(0, 0, 7)
		}
		if k == 23 {
			r.Stage, r.Channel = "legacy_x", "letter"
		}
		rec, created, err := s.core.RecordReminder(ctx, r)
		if err != nil || !created {
			t.Fatalf("RecordReminder %d: %v, %v", k, created, err)
		}
		out = append(out, rec)
	}
	return out
}

// noticesOf reads one page of an account's notices through the API.
func noticesOf(t *testing.T, s *site, c *http.Client, no, query string, headers ...string) (list []map[string]any, total int) {
	t.Helper()
	status, body, raw := getJSON(t, c, s.url+"/api/v1/accounts/"+no+"/notices"+query, headers...)
	if status != 200 {
		t.Fatalf("notices%s = %d %s", query, status, raw)
	}
	for _, n := range body["notices"].([]any) {
		list = append(list, n.(map[string]any))
	}
	return list, int(body["total"].(float64))
}

func TestNoticesAPI(t *testing.T) {
	s := newSite(t, true)
	records := recordNotices(t, s, "3100000001")
	c := s.signIn(t, "13800138000")
	all, total := noticesOf(t, s, c, "3100000001", "?per_page=100")
	if total != len(records) || len(all) != len(records) {
		t.Fatalf("%d notices of %d, want all %d recorded", len(all), total, len(records))
	}

	t.Run("newest first, as the proof records them", func(t *testing.T) {
		for i, n := range all {
			r := records[i]
			if n["remind_on"] != r.RemindOn.Format("2006-01-02") || n["stage"] != r.Stage || n["channel"] != r.Channel ||
				n["status"] != string(r.Status) || n["amount_fen"] != float64(r.Amount) {
				t.Errorf("notice %d = %v, want the record %+v", i, n, r)
			}
			if _, ok := n["due_on"]; ok {
				t.Errorf("notice %d has a due date, but its record has none: %v", i, n)
			}
			if planned, ok := n["planned_on"]; ok != !r.PlannedOn.IsZero() || ok && planned != r.PlannedOn.Format("2006-01-02") {
				t.Errorf("notice %d of stage %s: planned_on %v, want %v", i, r.Stage, planned, r.PlannedOn)
			}
			for _, secret := range []string{"recipient", "content", "message_id", "error_code"} {
				if _, ok := n[secret]; ok {
					t.Errorf("notice %d carries %s", i, secret)
				}
			}
		}
	})

	for lang, i := range map[string]int{"zh-CN": 0, "en": 1} {
		t.Run("labels in "+lang, func(t *testing.T) {
			list, _ := noticesOf(t, s, c, "3100000001", "?per_page=100", "Accept-Language", lang)
			for j, n := range list[:len(list)-1] {
				stage := billing.Stage(n["stage"].(string))
				status := billing.ReminderStatus(n["status"].(string))
				if n["stage_label"] != stageLabels[stage][i] || n["channel_label"] != reminderChannelLabels[n["channel"].(string)][i] ||
					n["status_label"] != reminderStatusLabels[status][i] {
					t.Errorf("notice %d in %s: %v", j, lang, n)
				}
			}
			// A code the portal has no name for is shown as it is.
			if last := list[len(list)-1]; last["stage_label"] != "legacy_x" || last["channel_label"] != "letter" {
				t.Errorf("an unnamed stage and channel are labelled %v and %v", last["stage_label"], last["channel_label"])
			}
		})
	}

	t.Run("paging", func(t *testing.T) {
		for _, tc := range []struct {
			query    string
			from, to int // the slice of all the page should hold
		}{
			{"?per_page=5", 0, 5},
			{"?per_page=5&page=2", 5, 10},
			{"?per_page=5&page=5", 20, 24},
			{"?per_page=5&page=6", 24, 24},
			{"?page=1000", 24, 24},
			{"", 0, 20},
			{"?page=2", 20, 24},
		} {
			got, n := noticesOf(t, s, c, "3100000001", tc.query)
			if n != total || len(got) != tc.to-tc.from {
				t.Errorf("%s: %d notices of %d, want %d of %d", tc.query, len(got), n, tc.to-tc.from, total)
				continue
			}
			for i, g := range got {
				if g["remind_on"] != all[tc.from+i]["remind_on"] {
					t.Errorf("%s: notice %d is of %v, want %v", tc.query, i, g["remind_on"], all[tc.from+i]["remind_on"])
				}
			}
		}
		_, body, _ := getJSON(t, c, s.url+"/api/v1/accounts/3100000001/notices?per_page=5&page=2")
		if body["page"] != float64(2) || body["per_page"] != float64(5) {
			t.Errorf("page %v per_page %v, want 2 and 5", body["page"], body["per_page"])
		}
	})

	t.Run("an account without notices", func(t *testing.T) {
		other := s.signIn(t, "13800138001")
		status, body, raw := getJSON(t, other, s.url+"/api/v1/accounts/3100000002/notices")
		if status != 200 || body["total"] != float64(0) || !strings.Contains(raw, `"notices":[]`) {
			t.Errorf("notices of an account without any = %d %s", status, raw)
		}
	})
}

func TestNoticesPage(t *testing.T) {
	s := newSite(t, true)
	records := recordNotices(t, s, "3100000001")
	c := s.signIn(t, "13800138000")
	sentOn := func(r store.Reminder) string {
		return `发送日期</dt><dd><time datetime="` + r.RemindOn.Format("2006-01-02") + `"`
	}

	status, body := getPage(t, c, s.url+"/accounts/3100000001/notices")
	if status != 200 {
		t.Fatalf("notices page = %d:\n%s", status, body)
	}
	for _, want := range []string{`<html lang="zh-CN">`, "通知记录 · 3100000001", "共24条", "第1页，共2页",
		`href="/accounts/3100000001/notices?page=2"`, `href="/accounts/3100000001/payments"`,
		"停电通知", "计划停电日期", "2026年12月3日", // the newest is a notice, planning 7 days on
		"到期提醒", "到期当日提醒", "逾期提醒", "电费催交通知", "停电前通知", "余额不足提醒",
		"微信", "短信", "开发收件箱", "已发送", `<dd class="ok">已送达</dd>`, `<dd class="warn">未送达</dd>`, "¥101.00"} {
		if !strings.Contains(body, want) {
			t.Errorf("notices page lacks %q", want)
		}
	}
	if strings.Contains(body, `rel="prev"`) {
		t.Error("the first page links to a previous one")
	}
	// The first 20, newest first; the 21st on page 2.
	at := 0
	for i, r := range records[:20] {
		j := strings.Index(body, sentOn(r))
		if j < at {
			t.Errorf("notice %d of %s missing or out of order on page 1", i, r.RemindOn.Format("2006-01-02"))
			continue
		}
		at = j
	}
	if strings.Contains(body, sentOn(records[20])) {
		t.Error("page 1 shows the 21st notice")
	}

	status, body = getPage(t, c, s.url+"/accounts/3100000001/notices?page=2")
	if status != 200 || !strings.Contains(body, sentOn(records[20])) || !strings.Contains(body, "第2页，共2页") ||
		!strings.Contains(body, `href="/accounts/3100000001/notices?page=1"`) || strings.Contains(body, `rel="next"`) {
		t.Errorf("notices page 2 = %d, lacks the 21st notice or the link back:\n%s", status, body)
	}
	if !strings.Contains(body, "<strong>legacy_x</strong> · letter") {
		t.Error("a stage and channel without a name are not shown by their codes")
	}

	status, body = getPage(t, c, s.url+"/accounts/3100000001/notices?page=9")
	if status != 200 || !strings.Contains(body, "暂无通知") || !strings.Contains(body, `href="/accounts/3100000001/notices?page=2"`) {
		t.Errorf("past the last page = %d: want an empty list leading back to page 2", status)
	}

	status, body = getPageInLang(t, c, s.url+"/accounts/3100000001/notices", "en")
	for _, want := range []string{`<html lang="en">`, "Notices · 3100000001", "24 in all", "Page 1 of 2", "Disconnection notice",
		"Planned disconnection", "3 Dec 2026", "Sent on", "Delivered", "Not delivered", "WeChat", "SMS", "Dev inbox"} {
		if status != 200 || !strings.Contains(body, want) {
			t.Errorf("notices page in English (%d) lacks %q", status, want)
		}
	}

	t.Run("a delivery report shows", func(t *testing.T) {
		ctx := context.Background()
		acc, _ := s.core.AccountByNumber(ctx, "3100000001")
		r, _, err := s.core.RecordReminder(ctx, store.Reminder{AccountID: acc.ID, Stage: string(billing.StageCuijiao),
			Channel: "wechat", RemindOn: seededToday.AddDate(0, 0, 1), SentAt: seededToday.AddDate(0, 0, 1).Add(time.Hour),
			Amount: 98765, Recipient: "138****8000", Content: "电费催交通知", Status: billing.ReminderSent, MessageID: "3128840000001"})
		if err != nil {
			t.Fatal(err)
		}
		newest := func() map[string]any {
			list, _ := noticesOf(t, s, c, "3100000001", "?per_page=1")
			return list[0]
		}
		if n := newest(); n["amount_fen"] != float64(r.Amount) || n["status_label"] != "已发送" {
			t.Fatalf("newest notice = %v, want the one just recorded, sent", n)
		}
		if _, err := s.core.MarkReminderDelivered(ctx, "wechat", "3128840000001", seededToday.AddDate(0, 0, 1).Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if n := newest(); n["status_label"] != "已送达" {
			t.Errorf("after the delivery report the notice is %v", n["status_label"])
		}
		if _, body := getPage(t, c, s.url+"/accounts/3100000001/notices"); !strings.Contains(body, "¥987.65") {
			t.Error("the page does not show the newest notice")
		}
	})

	t.Run("empty", func(t *testing.T) {
		other := s.signIn(t, "13800138001")
		status, body := getPage(t, other, s.url+"/accounts/3100000002/notices")
		if status != 200 || !strings.Contains(body, "暂无通知") || strings.Contains(body, "notice-list") || strings.Contains(body, `class="pager"`) {
			t.Errorf("notices page of an account without any = %d:\n%s", status, body)
		}
	})

	t.Run("linked from the account's pages", func(t *testing.T) {
		for _, path := range []string{"/", "/accounts/3100000001/payments", "/accounts/3100000001/usage"} {
			if status, body := getPage(t, c, s.url+path); status != 200 || !strings.Contains(body, `href="/accounts/3100000001/notices"`) {
				t.Errorf("GET %s = %d without a link to the notices", path, status)
			}
		}
	})
}

// TestNoticesRefuseOthersStrangersAndBadInput tries the notices page and API with another
// customer's account, without a session, and with hostile paging and account numbers.
func TestNoticesRefuseOthersStrangersAndBadInput(t *testing.T) {
	s := newSite(t, true)
	recordNotices(t, s, "3100000001")
	endpoints := []string{"/api/v1/accounts/%s/notices", "/accounts/%s/notices"}

	t.Run("another customer's account is not found", func(t *testing.T) {
		other := s.signIn(t, "13800138001") // owns 3100000002, not 3100000001
		for _, e := range endpoints {
			for _, no := range []string{"3100000001", "3100009999"} {
				path := strings.Replace(e, "%s", no, 1)
				status, body := getPage(t, other, s.url+path)
				if status != http.StatusNotFound || strings.Contains(body, "停电通知") || strings.Contains(body, "stage") ||
					strings.Contains(body, "¥101") {
					t.Errorf("GET %s = %d, want 404 showing nothing:\n%s", path, status, body)
				}
			}
		}
	})

	t.Run("no session", func(t *testing.T) {
		anon := noRedirects(client(t))
		for _, e := range endpoints {
			path := strings.Replace(e, "%s", "3100000001", 1)
			resp, err := anon.Get(s.url + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if strings.HasPrefix(path, "/api/") {
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("anonymous GET %s = %d, want 401", path, resp.StatusCode)
				}
			} else if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
				t.Errorf("anonymous GET %s = %d to %q, want 303 to /login", path, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
	})

	t.Run("hostile input", func(t *testing.T) {
		c := s.signIn(t, "13800138000")
		queries := []string{"?page=0", "?page=-1", "?page=1001", "?page=abc", "?page=1e3", "?page=%00", "?page=1%20",
			"?page=" + strings.Repeat("9", 400), "?page=0x10", "?page=%EF%BC%91"} // the last is a full-width １
		apiOnly := []string{"?per_page=0", "?per_page=101", "?per_page=-5", "?per_page=" + strings.Repeat("1", 40), "?per_page=ten"}
		for _, q := range queries {
			for _, e := range endpoints {
				path := strings.Replace(e, "%s", "3100000001", 1) + q
				if status, body := getPage(t, c, s.url+path); status != http.StatusBadRequest || strings.Contains(body, "停电通知") {
					t.Errorf("GET %s = %d, want 400", path, status)
				}
			}
		}
		for _, q := range apiOnly {
			path := "/api/v1/accounts/3100000001/notices" + q
			if status, _, raw := getJSON(t, c, s.url+path); status != http.StatusBadRequest || !strings.Contains(raw, `"code":"invalid"`) {
				t.Errorf("GET %s = %d %s, want 400", path, status, raw)
			}
		}
		for _, no := range []string{"31000000", "310000000１", "3100000001%27--", "3100000001%00", strings.Repeat("3", 200)} {
			for _, e := range endpoints {
				path := fmt.Sprintf(e, no)
				if status, _ := getPage(t, c, s.url+path); status != http.StatusBadRequest {
					t.Errorf("GET %s = %d, want 400", path, status)
				}
			}
		}
	})
}
