package notify_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gridpay/internal/billing"
	"gridpay/internal/redistest"
	"gridpay/notify"
)

const bureau = "青山县供电公司"

func newInbox(t *testing.T) *notify.DevInbox {
	opts, err := redis.ParseURL(redistest.URL(t, redistest.DBNotify))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	return notify.NewDevInbox(rdb, bureau, func() time.Time { return time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC) })
}

func otp(phone, code string) notify.Message {
	return notify.Message{Kind: notify.OTP, To: notify.To{Phone: phone},
		Params: notify.Params{notify.ParamCode: code, notify.ParamMinutes: "5"}}
}

func receipt(phone string) notify.Message {
	return notify.Message{Kind: notify.Receipt, To: notify.To{Phone: phone}, Params: notify.Params{
		notify.ParamAccount: "3100000001", notify.ParamAmount: "100.00", notify.ParamReceiptNo: "SF202611260001"}}
}

func TestDevInbox(t *testing.T) {
	inbox := newInbox(t)
	ctx := context.Background()
	var ids []string
	for i, m := range []notify.Message{otp("13800138000", "111111"), otp("13800138001", "222222"), receipt("13800138000")} {
		id, err := inbox.Send(ctx, m)
		if err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
		ids = append(ids, id)
	}
	got, err := inbox.Recent(ctx, "13800138000", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Kind != notify.Receipt || got[0].ID == "" || got[0].ID != ids[2] || got[1].ID != ids[0] || got[0].To != "13800138000" ||
		!got[0].SentAt.Equal(time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)) {
		t.Fatalf("Recent(13800138000) = %+v, want the receipt then the code", got)
	}
	if want := "【青山县供电公司】您的登录验证码为111111，5分钟内有效，请勿告诉他人。"; got[1].Text != want {
		t.Errorf("the code's text = %q, want %q", got[1].Text, want)
	}
	if !strings.Contains(got[1].TextEn, "111111") || got[1].Params[notify.ParamCode] != "111111" || got[1].Kind != notify.OTP {
		t.Errorf("the code's delivery = %+v, want its kind, parameters and English text", got[1])
	}
	if all, _ := inbox.Recent(ctx, "", 2); len(all) != 2 || all[0].Kind != notify.Receipt {
		t.Errorf("Recent(all, 2) = %+v", all)
	}
	if none, err := inbox.Recent(ctx, "13900000000", 10); err != nil || none == nil || len(none) != 0 {
		t.Errorf("Recent(unknown) = %#v, %v; want an empty list", none, err)
	}
}

func TestDevInboxKeepsTheNewest500(t *testing.T) {
	inbox := newInbox(t)
	ctx := context.Background()
	for i := range 510 {
		if _, err := inbox.Send(ctx, otp("13800138000", strings.Repeat("1", 1+i%6))); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := inbox.Recent(ctx, "", 1000); len(got) != 500 {
		t.Errorf("inbox holds %d messages, want 500", len(got))
	}
}

func TestMessageValidate(t *testing.T) {
	with := func(m notify.Message, change func(*notify.Message)) notify.Message {
		m.Params = maps.Clone(m.Params)
		change(&m)
		return m
	}
	good := receipt("13800138000")
	for _, tc := range []struct {
		name string
		m    notify.Message
	}{
		{"no recipient", with(good, func(m *notify.Message) { m.To = notify.To{} })},
		{"no kind", with(good, func(m *notify.Message) { m.Kind = "" })},
		{"unknown kind", with(good, func(m *notify.Message) { m.Kind = "greeting" })},
		{"required parameter missing", with(good, func(m *notify.Message) { delete(m.Params, notify.ParamReceiptNo) })},
		{"required parameter empty", with(good, func(m *notify.Message) { m.Params[notify.ParamAmount] = "" })},
		{"no parameters at all", with(good, func(m *notify.Message) { m.Params = nil })},
		{"a parameter the kind does not have", with(good, func(m *notify.Message) { m.Params[notify.ParamCode] = "123456" })},
		{"free text smuggled in as a parameter", with(good, func(m *notify.Message) { m.Params["text"] = "点击链接领取补贴" })},
		{"parameter not UTF-8", with(good, func(m *notify.Message) { m.Params[notify.ParamAccount] = "\xff\xfe" })},
		{"parameter with a line break", with(good, func(m *notify.Message) { m.Params[notify.ParamAccount] = "31\n00" })},
		{"parameter too long", with(good, func(m *notify.Message) { m.Params[notify.ParamAmount] = strings.Repeat("9", 33) })},
		{"phone too long", with(good, func(m *notify.Message) { m.To.Phone = strings.Repeat("1", 33) })},
		{"OpenID too long", with(good, func(m *notify.Message) { m.To = notify.To{OpenID: strings.Repeat("o", 65)} })},
		{"code without its minutes", notify.Message{Kind: notify.OTP, To: notify.To{Phone: "13800138000"}, Params: notify.Params{notify.ParamCode: "123456"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.m.Validate(); !errors.Is(err, billing.ErrInvalid) {
				t.Errorf("Validate = %v, want invalid", err)
			}
			inbox := newInbox(t)
			if _, err := inbox.Send(context.Background(), tc.m); !errors.Is(err, billing.ErrInvalid) {
				t.Errorf("the dev inbox's Send = %v, want invalid", err)
			}
			if _, err := (notify.Fallback{inbox}).Send(context.Background(), tc.m); !errors.Is(err, billing.ErrInvalid) {
				t.Errorf("Fallback's Send = %v, want invalid", err)
			}
			if got, _ := inbox.Recent(context.Background(), "", 10); len(got) != 0 {
				t.Errorf("the inbox received %+v", got)
			}
		})
	}
	for _, tc := range []struct {
		name string
		m    notify.Message
	}{
		{"receipt", good},
		{"receipt with prepaid money", with(good, func(m *notify.Message) { m.Params[notify.ParamPrepaid] = "20.00" })},
		{"to an OpenID only", with(good, func(m *notify.Message) { m.To = notify.To{OpenID: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"} })},
	} {
		t.Run("valid "+tc.name, func(t *testing.T) {
			if err := tc.m.Validate(); err != nil {
				t.Errorf("Validate = %v", err)
			}
		})
	}
}

// payLink is an account's 代缴 pay link, as reminders carry it.
const payLink = "https://pay.qingshan.example.cn/payfor/3100000001"

// sample holds parameters for every kind, as its callers send them: reminder kinds with the masked
// account number (pii.AccountNo) and the pay link.
var sample = map[notify.Kind]notify.Params{
	notify.OTP:      {notify.ParamCode: "123456", notify.ParamMinutes: "5"},
	notify.BindCode: {notify.ParamAccount: "3100000001", notify.ParamCode: "654321", notify.ParamMinutes: "5"},
	notify.Receipt:  {notify.ParamAccount: "3100000001", notify.ParamAmount: "100.00", notify.ParamReceiptNo: "SF202611260001", notify.ParamPrepaid: "20.00"},
	notify.DueSoon: {notify.ParamAccount: "310*****01", notify.ParamAmount: "175.00", notify.ParamDueDate: "2026-11-15",
		notify.ParamLink: payLink},
	notify.Reminder: {notify.ParamAccount: "310*****01", notify.ParamAmount: "175.00", notify.ParamDueDate: "2026-11-15",
		notify.ParamLink: payLink},
	notify.Cuijiao: {notify.ParamAccount: "310*****01", notify.ParamAmount: "178.15", notify.ParamLink: payLink},
	notify.Notice: {notify.ParamAccount: "310*****01", notify.ParamAmount: "178.15", notify.ParamCutoffDate: "2026-12-24",
		notify.ParamLink: payLink},
	notify.NoticeFinal: {notify.ParamAccount: "310*****01", notify.ParamAmount: "178.15", notify.ParamCutoffDate: "2026-12-24",
		notify.ParamCutoffTime: "10:00", notify.ParamLink: payLink},
	notify.LowBalance: {notify.ParamAccount: "310*****01", notify.ParamAmount: "15.20", notify.ParamThreshold: "20.00",
		notify.ParamLink: payLink},
	notify.NoticeCopy: {notify.ParamAccount: "310*****01", notify.ParamAmount: "178.15", notify.ParamCutoffDate: "2026-12-24",
		notify.ParamLink: payLink},
	notify.DisputeUpdate: {notify.ParamDisputeNo: "42", notify.ParamDisputeStatus: "待审批", notify.ParamLink: "https://95598.example.cn/disputes/42"},
}

// A dispute update says where the dispute stands in one of the fixed words, never free text: the
// staff's reply stays behind the customer's sign-in.
func TestDisputeUpdateWords(t *testing.T) {
	for _, w := range notify.DisputeStatusWords {
		m := notify.Message{Kind: notify.DisputeUpdate, To: notify.To{Phone: "13800138000"}, Params: maps.Clone(sample[notify.DisputeUpdate])}
		m.Params[notify.ParamDisputeStatus] = w
		if err := m.Validate(); err != nil {
			t.Errorf("status word %s: %v", w, err)
		}
	}
	for _, bad := range []string{"请转账到6222…", "closed", "", "待审批 "} {
		m := notify.Message{Kind: notify.DisputeUpdate, To: notify.To{Phone: "13800138000"}, Params: maps.Clone(sample[notify.DisputeUpdate])}
		m.Params[notify.ParamDisputeStatus] = bad
		if err := m.Validate(); !errors.Is(err, billing.ErrInvalid) {
			t.Errorf("status %q: %v, want invalid", bad, err)
		}
	}
	m := notify.Message{Kind: notify.DisputeUpdate, To: notify.To{Phone: "13800138000"}, Params: sample[notify.DisputeUpdate]}
	text, err := m.Render("云溪县供电公司")
	if err != nil || text.Zh != "【云溪县供电公司】您的异议申请（编号42）有新进展：待审批。请登录网上营业厅查看：https://95598.example.cn/disputes/42" {
		t.Errorf("Render = %q, %v", text.Zh, err)
	}
}

func TestRender(t *testing.T) {
	for _, tc := range []struct {
		name   string
		kind   notify.Kind
		params notify.Params
		zh     string
		en     []string
	}{
		{"sign-in code", notify.OTP, sample[notify.OTP],
			"【青山县供电公司】您的登录验证码为123456，5分钟内有效，请勿告诉他人。", []string{"[青山县供电公司]", "123456", "5 minutes"}},
		{"bind code", notify.BindCode, sample[notify.BindCode],
			"【青山县供电公司】有人申请在网上营业厅绑定您的户号3100000001，验证码654321，5分钟内有效。如非您本人或家人申请，请勿告诉他人。",
			[]string{"3100000001", "654321"}},
		{"receipt with prepaid money", notify.Receipt, sample[notify.Receipt],
			"【青山县供电公司】户号3100000001缴费100.00元已到账，收费流水号SF202611260001。其中20.00元转为预存电费。",
			[]string{"100.00", "SF202611260001", "20.00"}},
		{"receipt without", notify.Receipt, notify.Params{notify.ParamAccount: "3100000001", notify.ParamAmount: "100.00", notify.ParamReceiptNo: "SF202611260001"},
			"【青山县供电公司】户号3100000001缴费100.00元已到账，收费流水号SF202611260001。", []string{"100.00", "SF202611260001"}},
		{"bill due soon", notify.DueSoon, sample[notify.DueSoon],
			"【青山县供电公司】户号310*****01本期电费175.00元将于2026-11-15到期，请按时缴纳。缴费：" + payLink,
			[]string{"310*****01", "175.00", "2026-11-15", payLink}},
		{"reminder", notify.Reminder, sample[notify.Reminder],
			"【青山县供电公司】您的户号310*****01电费175.00元已于2026-11-15到期未缴，请及时缴纳，逾期按规定收取违约金。缴费：" + payLink,
			[]string{"310*****01", "175.00", "2026-11-15", payLink}},
		{"payment demand (催交)", notify.Cuijiao, sample[notify.Cuijiao],
			"【青山县供电公司】电费催交通知：户号310*****01已欠电费178.15元（含违约金），请尽快缴清，逾期仍未缴清将依法中止供电。缴费：" + payLink,
			[]string{"310*****01", "178.15", "late fee included", "interrupted", payLink}},
		{"disconnection notice", notify.Notice, sample[notify.Notice],
			"【青山县供电公司】停电通知：您的户号310*****01欠电费178.15元，经催交仍未缴清。如2026-12-24前仍未缴清，将依法中止供电，缴清后及时恢复供电。缴费：" + payLink,
			[]string{"310*****01", "178.15", "2026-12-24", payLink}},
		{"notice 1 hour before", notify.NoticeFinal, sample[notify.NoticeFinal],
			"【青山县供电公司】户号310*****01欠电费178.15元，将于2026-12-24 10:00依法中止供电，缴清后及时复电。缴费：" + payLink,
			[]string{"310*****01", "178.15", "10:00 on 2026-12-24", payLink}},
		{"low prepaid balance", notify.LowBalance, sample[notify.LowBalance],
			"【青山县供电公司】户号310*****01预存电费余额15.20元，已低于20.00元，请及时充值，以免影响用电。充值：" + payLink,
			[]string{"310*****01", "15.20", "20.00", payLink}},
		{"copy to the power administration department", notify.NoticeCopy, sample[notify.NoticeCopy],
			"【青山县供电公司】停电通知抄送电力管理部门：重要客户户号310*****01欠电费178.15元，经催交仍未缴清，已通知其如2026-12-24前仍未缴清将依法中止供电。查询：" + payLink,
			[]string{"power administration department", "310*****01", "178.15", "2026-12-24", payLink}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := notify.Message{Kind: tc.kind, To: notify.To{Phone: "13800138000"}, Params: tc.params}.Render(bureau)
			if err != nil {
				t.Fatal(err)
			}
			if got.Zh != tc.zh {
				t.Errorf("Chinese = %q, want %q", got.Zh, tc.zh)
			}
			for _, w := range append(tc.en, "[青山县供电公司]") {
				if !strings.Contains(got.En, w) {
					t.Errorf("English %q lacks %q", got.En, w)
				}
			}
		})
	}
	if _, err := (notify.Message{Kind: notify.OTP, To: notify.To{Phone: "13800138000"}}).Render(bureau); !errors.Is(err, billing.ErrInvalid) {
		t.Errorf("rendering a message without its parameters = %v, want invalid", err)
	}
}

// TestEveryKindHasItsTemplates checks the table: each kind renders on every channel from its own
// parameters, and each outside channel's mapping names only parameters the kind has.
func TestEveryKindHasItsTemplates(t *testing.T) {
	kinds := notify.Kinds()
	if want := []notify.Kind{notify.OTP, notify.BindCode, notify.Receipt, notify.DueSoon, notify.Reminder, notify.Cuijiao,
		notify.Notice, notify.NoticeFinal, notify.LowBalance, notify.NoticeCopy, notify.DisputeUpdate}; !slices.Equal(kinds, want) {
		t.Errorf("Kinds() = %v, want %v", kinds, want)
	}
	for _, k := range kinds {
		t.Run(string(k), func(t *testing.T) {
			tpl, ok := notify.TemplateOf(k)
			if !ok || tpl.Kind != k || len(tpl.Required) == 0 || tpl.Zh == "" || tpl.En == "" || len(tpl.SMS) == 0 {
				t.Fatalf("TemplateOf(%s) = %+v, %v", k, tpl, ok)
			}
			declared := append(slices.Clone(tpl.Required), tpl.Optional...)
			for _, p := range tpl.SMS {
				if !slices.Contains(declared, p) {
					t.Errorf("the SMS template takes %q, which %s does not have", p, k)
				}
			}
			m := notify.Message{Kind: k, To: notify.To{Phone: "13800138000"}, Params: sample[k]}
			if err := m.Validate(); err != nil {
				t.Fatalf("the sample %s: %v", k, err)
			}
			text, err := m.Render(bureau)
			if err != nil || !strings.HasPrefix(text.Zh, "【"+bureau+"】") || !strings.HasPrefix(text.En, "["+bureau+"]") {
				t.Errorf("Render = %+v, %v; want both texts signed by the bureau", text, err)
			}
			if sms, err := m.SMSParams(); err != nil || len(sms) != len(tpl.SMS) || slices.Contains(sms, "") {
				t.Errorf("SMSParams = %q, %v", sms, err)
			}
			fields, err := m.WeChatFields()
			switch {
			case len(tpl.WeChat) == 0 && !errors.Is(err, notify.ErrNoTemplate):
				t.Errorf("WeChatFields of a kind without a WeChat template = %v, want ErrNoTemplate", err)
			case len(tpl.WeChat) > 0 && (err != nil || len(fields) != len(tpl.WeChat)):
				t.Errorf("WeChatFields = %+v, %v", fields, err)
			}
		})
	}
	if _, ok := notify.TemplateOf("greeting"); ok {
		t.Error("TemplateOf found a kind that does not exist")
	}
}

func TestOutsideChannelsTakeParametersNotText(t *testing.T) {
	m := notify.Message{Kind: notify.Receipt, To: notify.To{Phone: "13800138000", OpenID: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}, Params: sample[notify.Receipt]}
	sms, err := m.SMSParams()
	if want := []string{"3100000001", "100.00", "SF202611260001"}; err != nil || !slices.Equal(sms, want) {
		t.Errorf("SMSParams = %q, %v; want %q in the registered template's order", sms, err, want)
	}
	fields, err := m.WeChatFields()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range fields {
		got[f.Name] = f.Value
	}
	for name, want := range map[string]string{"keyword1": "3100000001", "keyword2": "100.00元", "keyword3": "SF202611260001"} {
		if got[name] != want {
			t.Errorf("WeChat field %s = %q, want %q", name, got[name], want)
		}
	}
	if !strings.Contains(got["remark"], "20.00") || got["first"] == "" {
		t.Errorf("WeChat fields = %v, want a first line and the prepaid money in the remark", got)
	}
	if _, err := (notify.Message{Kind: notify.OTP, To: notify.To{Phone: "13800138000"}, Params: sample[notify.OTP]}).WeChatFields(); !errors.Is(err, notify.ErrNoTemplate) {
		t.Errorf("a sign-in code by WeChat = %v, want ErrNoTemplate: the code proves the phone, so it goes by SMS", err)
	}
	if _, err := (notify.Message{Kind: notify.Receipt, To: notify.To{Phone: "13800138000"}}).SMSParams(); !errors.Is(err, billing.ErrInvalid) {
		t.Errorf("SMSParams of a message without parameters = %v, want invalid", err)
	}
}

type failing struct{ name string }

func (f failing) Name() string { return f.name }
func (f failing) Send(context.Context, notify.Message) (string, error) {
	return "", errors.New(f.name + " is down")
}

// accepting is a channel that takes every message and answers with its id.
type accepting struct{ name, id string }

func (a accepting) Name() string                                         { return a.name }
func (a accepting) Send(context.Context, notify.Message) (string, error) { return a.id, nil }

func TestFallback(t *testing.T) {
	inbox := newInbox(t)
	ctx := context.Background()
	m := notify.Message{Kind: notify.Reminder, To: notify.To{Phone: "13800138000"}, Params: sample[notify.Reminder]}
	id, err := (notify.Fallback{failing{"sms"}, inbox}).Send(ctx, m)
	if err != nil {
		t.Fatalf("fallback to the inbox: %v", err)
	}
	if got, _ := inbox.Recent(ctx, "", 10); len(got) != 1 || got[0].Kind != notify.Reminder || got[0].ID != id {
		t.Errorf("inbox has %+v, want the reminder with the id %q that Send returned", got, id)
	}
	for _, tc := range []struct {
		name string
		f    notify.Fallback
		id   string
	}{
		{"the first channel's id", notify.Fallback{accepting{"wechat", "2453420987654321"}, accepting{"sms", "sms-1"}}, "2453420987654321"},
		{"the id of the channel that succeeded", notify.Fallback{failing{"wechat"}, accepting{"sms", "sms-1"}}, "sms-1"},
		{"none from a queue", notify.Fallback{failing{"wechat"}, accepting{"queue", ""}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if id, err := tc.f.Send(ctx, m); err != nil || id != tc.id {
				t.Errorf("Send = %q, %v; want %q", id, err, tc.id)
			}
		})
	}
	id, err = (notify.Fallback{failing{"sms"}, failing{"wechat"}}).Send(ctx, m)
	if err == nil || id != "" || !strings.Contains(err.Error(), "sms is down") || !strings.Contains(err.Error(), "wechat is down") {
		t.Errorf("all channels down = %q, %v; want no id and both errors", id, err)
	}
	if _, err := (notify.Fallback{}).Send(ctx, m); err == nil {
		t.Error("no channel at all succeeded")
	}
}

// Every status a dispute can have has its word, and every word is one the template allows.
func TestDisputeStatusWord(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range billing.DisputeStatuses() {
		w := notify.DisputeStatusWord(s)
		if !slices.Contains(notify.DisputeStatusWords, w) {
			t.Errorf("status %s: word %q is not one of DisputeStatusWords", s, w)
		}
		seen[w] = true
	}
	if len(seen) != len(notify.DisputeStatusWords) {
		t.Errorf("%d statuses give %d distinct words, want %d", len(billing.DisputeStatuses()), len(seen), len(notify.DisputeStatusWords))
	}
}
