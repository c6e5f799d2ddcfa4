package notify

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/template"
)

// Template is how one kind of message reads on every channel. The text templates (Zh, En, and the
// WeChat fields' values) are text/template sources over the parameters by name; Zh and En also
// have {{.bureau}}, the signature. The ids under which the outside channels registered their
// templates are configuration of those channels, not of this table.
type Template struct {
	Kind     Kind
	Required []string // parameters every message of the kind has
	Optional []string // parameters it may have
	Zh, En   string   // the text of the dev inbox and of channels that send plain text
	// SMS are the parameters of the SMS gateway's registered template, in its order. An SMS
	// template is fixed text, so an optional parameter cannot appear in it.
	SMS []string
	// WeChat are the fields of the official account's template message, in order; none means the
	// kind never goes by WeChat. ParamLink is never a field: it is the message's url.
	WeChat []Field
}

// Field is a named field of a WeChat template message (first, keyword1, ..., remark).
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// ErrNoTemplate means a channel has no template for a kind: the message must go another way.
var ErrNoTemplate = errors.New("notify: no template for this channel")

// templates is the one table of every kind's text on every channel.
//
// Customers are often elderly: the Chinese text comes first and is short. An SMS of up to 70
// characters is one part. Every reminder kind ends with the pay link, which alone makes it two
// parts (67 characters each), so what matters is the text before it: that is kept within 70
// characters for a 10-digit account and a six-character amount (175.00), except where a kind's
// comment says why it is longer.
var templates = []Template{
	{
		Kind: OTP, Required: []string{ParamCode, ParamMinutes},
		Zh:  "【{{.bureau}}】您的登录验证码为{{.code}}，{{.minutes}}分钟内有效，请勿告诉他人。",
		En:  "[{{.bureau}}] Your sign-in code is {{.code}}, valid for {{.minutes}} minutes. Do not tell anyone.",
		SMS: []string{ParamCode, ParamMinutes},
		// No WeChat: a code proves that its reader holds the phone, so it goes by SMS only.
	},
	{
		Kind: BindCode, Required: []string{ParamAccount, ParamCode, ParamMinutes},
		Zh: "【{{.bureau}}】有人申请在网上营业厅绑定您的户号{{.account}}，验证码{{.code}}，{{.minutes}}分钟内有效。" +
			"如非您本人或家人申请，请勿告诉他人。",
		En: "[{{.bureau}}] Someone asked to link your account {{.account}} to their phone in the online service hall. " +
			"Code {{.code}}, valid for {{.minutes}} minutes. If neither you nor your family asked, do not pass it on.",
		SMS: []string{ParamAccount, ParamCode, ParamMinutes},
	},
	{
		Kind: Receipt, Required: []string{ParamAccount, ParamAmount, ParamReceiptNo}, Optional: []string{ParamPrepaid},
		Zh: "【{{.bureau}}】户号{{.account}}缴费{{.amount}}元已到账，收费流水号{{.receipt_no}}。" +
			"{{with .prepaid}}其中{{.}}元转为预存电费。{{end}}",
		En: "[{{.bureau}}] Payment of {{.amount}} yuan for account {{.account}} has arrived, receipt no. {{.receipt_no}}." +
			"{{with .prepaid}} {{.}} yuan of it is kept as prepaid balance.{{end}}",
		SMS: []string{ParamAccount, ParamAmount, ParamReceiptNo},
		WeChat: []Field{
			{"first", "您好，您的电费已缴费成功。"},
			{"keyword1", "{{.account}}"},
			{"keyword2", "{{.amount}}元"},
			{"keyword3", "{{.receipt_no}}"},
			{"remark", "{{with .prepaid}}其中{{.}}元转为预存电费。{{end}}感谢您使用网上营业厅。"},
		},
	},
	{
		// Before the due date and on it: "将于" reads right on the day itself too.
		Kind: DueSoon, Required: []string{ParamAccount, ParamAmount, ParamDueDate, ParamLink},
		Zh:  "【{{.bureau}}】户号{{.account}}本期电费{{.amount}}元将于{{.due_date}}到期，请按时缴纳。缴费：{{.link}}",
		En:  "[{{.bureau}}] This month's electricity bill of account {{.account}}, {{.amount}} yuan, is due on {{.due_date}}. Pay: {{.link}}",
		SMS: []string{ParamAccount, ParamAmount, ParamDueDate, ParamLink},
		WeChat: []Field{
			{"first", "您好，您的本期电费即将到期。"},
			{"keyword1", "{{.account}}"},
			{"keyword2", "{{.amount}}元"},
			{"keyword3", "{{.due_date}}"},
			{"remark", "请按时缴纳，点此即可缴费。"},
		},
	},
	{
		// 1 and 15 days overdue.
		Kind: Reminder, Required: []string{ParamAccount, ParamAmount, ParamDueDate, ParamLink},
		Zh:  "【{{.bureau}}】您的户号{{.account}}电费{{.amount}}元已于{{.due_date}}到期未缴，请及时缴纳，逾期按规定收取违约金。缴费：{{.link}}",
		En:  "[{{.bureau}}] The electricity bill of account {{.account}}, {{.amount}} yuan, was due on {{.due_date}}. Please pay it: a late fee accrues as the supply rules say. Pay: {{.link}}",
		SMS: []string{ParamAccount, ParamAmount, ParamDueDate, ParamLink},
		WeChat: []Field{
			{"first", "您好，您的电费已逾期未缴。"},
			{"keyword1", "{{.account}}"},
			{"keyword2", "{{.amount}}元"},
			{"keyword3", "{{.due_date}}"},
			{"remark", "请及时缴纳，逾期将按《供电营业规则》收取电费违约金。点此即可缴费。"},
		},
	},
	{
		// The formal 电费催交通知 at 30 days overdue, which a disconnection notice needs on record:
		// the amount is everything owed today, late fee included.
		Kind: Cuijiao, Required: []string{ParamAccount, ParamAmount, ParamLink},
		Zh:  "【{{.bureau}}】电费催交通知：户号{{.account}}已欠电费{{.amount}}元（含违约金），请尽快缴清，逾期仍未缴清将依法中止供电。缴费：{{.link}}",
		En:  "[{{.bureau}}] Payment demand: account {{.account}} owes {{.amount}} yuan for electricity, late fee included. Please pay it soon: if it stays unpaid, supply may be interrupted as the law allows. Pay: {{.link}}",
		SMS: []string{ParamAccount, ParamAmount, ParamLink},
		WeChat: []Field{
			{"first", "电费催交通知：您的电费已逾期未缴。"},
			{"keyword1", "{{.account}}"},
			{"keyword2", "{{.amount}}元（含违约金）"},
			{"remark", "请尽快缴清，逾期仍未缴清将依法中止供电。点此即可缴费。"},
		},
	},
	{
		// The 停电通知. Longer than 70 characters: a legal notice says what it is, why (reminded and
		// still unpaid), from when, and that supply comes back once paid.
		Kind: Notice, Required: []string{ParamAccount, ParamAmount, ParamCutoffDate, ParamLink},
		Zh: "【{{.bureau}}】停电通知：您的户号{{.account}}欠电费{{.amount}}元，经催交仍未缴清。如{{.cutoff_date}}前仍未缴清，" +
			"将依法中止供电，缴清后及时恢复供电。缴费：{{.link}}",
		En: "[{{.bureau}}] Notice of interruption: account {{.account}} owes {{.amount}} yuan for electricity despite reminders. Unless it is paid " +
			"before {{.cutoff_date}}, supply will be interrupted as the law allows, and restored promptly after payment. Pay: {{.link}}",
		SMS: []string{ParamAccount, ParamAmount, ParamCutoffDate, ParamLink},
		WeChat: []Field{
			{"first", "停电通知：您的电费经催交仍未缴清。"},
			{"keyword1", "{{.account}}"},
			{"keyword2", "{{.amount}}元"},
			{"keyword3", "{{.cutoff_date}}"},
			{"remark", "如在此日期前仍未缴清，将依法中止供电；缴清后将及时恢复供电。点此即可缴费。"},
		},
	},
	{
		// The repeat 1 hour before a non-residential customer's interruption.
		Kind: NoticeFinal, Required: []string{ParamAccount, ParamAmount, ParamCutoffDate, ParamCutoffTime, ParamLink},
		Zh:  "【{{.bureau}}】户号{{.account}}欠电费{{.amount}}元，将于{{.cutoff_date}} {{.cutoff_time}}依法中止供电，缴清后及时复电。缴费：{{.link}}",
		En:  "[{{.bureau}}] Account {{.account}} still owes {{.amount}} yuan for electricity: supply will be interrupted as the law allows at {{.cutoff_time}} on {{.cutoff_date}}, and restored promptly after payment. Pay: {{.link}}",
		SMS: []string{ParamAccount, ParamAmount, ParamCutoffDate, ParamCutoffTime, ParamLink},
		WeChat: []Field{
			{"first", "您好，您的电费仍未缴清，即将依法中止供电。"},
			{"keyword1", "{{.account}}"},
			{"keyword2", "{{.amount}}元"},
			{"keyword3", "{{.cutoff_date}} {{.cutoff_time}}"},
			{"remark", "缴清后将及时恢复供电。点此即可缴费。"},
		},
	},
	{
		// A prepaid balance (ParamAmount) under the ladder's threshold.
		Kind: LowBalance, Required: []string{ParamAccount, ParamAmount, ParamThreshold, ParamLink},
		Zh:  "【{{.bureau}}】户号{{.account}}预存电费余额{{.amount}}元，已低于{{.threshold}}元，请及时充值，以免影响用电。充值：{{.link}}",
		En:  "[{{.bureau}}] The prepaid balance of account {{.account}} is {{.amount}} yuan, below {{.threshold}} yuan. Please top it up in time. Top up: {{.link}}",
		SMS: []string{ParamAccount, ParamAmount, ParamThreshold, ParamLink},
		WeChat: []Field{
			{"first", "您好，您的预存电费余额不足。"},
			{"keyword1", "{{.account}}"},
			{"keyword2", "{{.amount}}元"},
			{"keyword3", "{{.threshold}}元"},
			{"remark", "请及时充值，以免影响用电。点此即可充值。"},
		},
	},
	{
		// An important customer's notice, copied to the power administration department (电力管理部门).
		// Longer than 70 characters: it goes to an office, not a customer, and must say whose notice
		// it is, why, and for when. No WeChat: the department is reached by SMS.
		Kind: NoticeCopy, Required: []string{ParamAccount, ParamAmount, ParamCutoffDate, ParamLink},
		Zh: "【{{.bureau}}】停电通知抄送电力管理部门：重要客户户号{{.account}}欠电费{{.amount}}元，经催交仍未缴清，" +
			"已通知其如{{.cutoff_date}}前仍未缴清将依法中止供电。查询：{{.link}}",
		En: "[{{.bureau}}] Copy of a notice of interruption, for the power administration department: important customer, account {{.account}}, owes " +
			"{{.amount}} yuan for electricity despite reminders, and was told that supply will be interrupted as the law allows unless it is paid before {{.cutoff_date}}. Status: {{.link}}",
		SMS: []string{ParamAccount, ParamAmount, ParamCutoffDate, ParamLink},
	},
	{
		// The reply itself stays on the portal, behind the customer's sign-in: a text to a phone
		// that may have changed hands says only that there is news.
		Kind: DisputeUpdate, Required: []string{ParamDisputeNo, ParamDisputeStatus, ParamLink},
		Zh:  "【{{.bureau}}】您的异议申请（编号{{.dispute_no}}）有新进展：{{.dispute_status}}。请登录网上营业厅查看：{{.link}}",
		En:  "[{{.bureau}}] There is news about your dispute no. {{.dispute_no}}: {{.dispute_status}}. Sign in to the online service hall to read it: {{.link}}",
		SMS: []string{ParamDisputeNo, ParamDisputeStatus, ParamLink},
		WeChat: []Field{
			{"first", "您的异议申请有新进展。"},
			{"keyword1", "{{.dispute_no}}"},
			{"keyword2", "{{.dispute_status}}"},
			{"remark", "请点击查看工作人员的答复。"},
		},
	},
}

// compiled is a template with its text templates parsed.
type compiled struct {
	Template
	zh, en *template.Template
	wechat []*template.Template
}

func (c compiled) has(param string) bool {
	return slices.Contains(c.Required, param) || slices.Contains(c.Optional, param)
}

// table holds the templates by kind, parsed once; a template that does not parse, or that names a
// parameter without a spec (param.go), stops the program at start-up (and every test), never a
// message later.
var table = func() map[Kind]compiled {
	out := map[Kind]compiled{}
	parse := func(k Kind, name, src string) *template.Template {
		return template.Must(template.New(string(k) + "." + name).Option("missingkey=error").Parse(src))
	}
	for _, t := range templates {
		for _, p := range append(slices.Clone(t.Required), t.Optional...) {
			if _, ok := params[p]; !ok {
				panic(fmt.Sprintf("notify: %s's parameter %q has no spec", t.Kind, p))
			}
		}
		c := compiled{Template: t, zh: parse(t.Kind, "zh", t.Zh), en: parse(t.Kind, "en", t.En)}
		for _, f := range t.WeChat {
			c.wechat = append(c.wechat, parse(t.Kind, f.Name, f.Value))
		}
		out[t.Kind] = c
	}
	return out
}()

// Kinds returns every kind, in the table's order.
func Kinds() []Kind {
	out := make([]Kind, len(templates))
	for i, t := range templates {
		out[i] = t.Kind
	}
	return out
}

// TemplateOf returns the template of kind k (a copy: the table itself never changes).
func TemplateOf(k Kind) (Template, bool) {
	c, ok := table[k]
	t := c.Template
	t.Required, t.Optional, t.SMS, t.WeChat = slices.Clone(t.Required), slices.Clone(t.Optional), slices.Clone(t.SMS), slices.Clone(t.WeChat)
	return t, ok
}

// Text is a message as plain text, in Chinese and in English.
type Text struct {
	Zh, En string
}

// Render returns the message's text signed by bureau, the power supply company's name.
func (m Message) Render(bureau string) (Text, error) {
	c, data, err := m.prepare()
	if err != nil {
		return Text{}, err
	}
	data["bureau"] = bureau
	zh, err := execute(c.zh, data)
	if err != nil {
		return Text{}, err
	}
	en, err := execute(c.en, data)
	if err != nil {
		return Text{}, err
	}
	return Text{Zh: zh, En: en}, nil
}

// SMSParams returns the values of the kind's registered SMS template, in its order.
func (m Message) SMSParams() ([]string, error) {
	c, data, err := m.prepare()
	if err != nil {
		return nil, err
	}
	out := make([]string, len(c.SMS))
	for i, name := range c.SMS {
		out[i] = data[name]
	}
	return out, nil
}

// WeChatFields returns the fields of the kind's WeChat template message, or ErrNoTemplate for a
// kind that never goes by WeChat.
func (m Message) WeChatFields() ([]Field, error) {
	c, data, err := m.prepare()
	if err != nil {
		return nil, err
	}
	if len(c.wechat) == 0 {
		return nil, fmt.Errorf("notify: %s by WeChat: %w", m.Kind, ErrNoTemplate)
	}
	out := make([]Field, len(c.wechat))
	for i, t := range c.wechat {
		v, err := execute(t, data)
		if err != nil {
			return nil, err
		}
		out[i] = Field{Name: c.WeChat[i].Name, Value: v}
	}
	return out, nil
}

// prepare validates the message and returns its template and every parameter of the kind, the
// optional ones absent from the message as empty values.
func (m Message) prepare() (compiled, map[string]string, error) {
	if err := m.Validate(); err != nil {
		return compiled{}, nil, err
	}
	c := table[m.Kind]
	data := make(map[string]string, len(c.Required)+len(c.Optional)+1)
	for _, name := range c.Optional {
		data[name] = ""
	}
	for name, v := range m.Params {
		data[name] = v
	}
	return c, data, nil
}

func execute(t *template.Template, data map[string]string) (string, error) {
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("notify: render %s: %w", t.Name(), err)
	}
	return b.String(), nil
}
