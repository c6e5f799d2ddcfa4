package i18n

// Messages of the customer's notices list (通知记录): the reminders and notices the bureau sent about
// an account, as its proof in the core database records them. Stage, channel and status labels are
// keyed by the codes the records carry (billing.Stage, the channel's name, billing.ReminderStatus).
var noticeMessages = map[string]message{
	"nav.notices":              {"通知记录", "Notices"},
	"notices.title":            {"通知记录", "Notices"},
	"notices.intro":            {"供电公司发给您的电费提醒和停电通知都记录在这里。", "Every bill reminder and disconnection notice the power company sent you is listed here."},
	"notices.count":            {"共%d条", "%d in all"},
	"notices.none":             {"暂无通知", "No notices yet"},
	"notices.on":               {"发送日期", "Sent on"},
	"notices.status":           {"状态", "Status"},
	"notices.amount":           {"金额", "Amount"},
	"notices.planned":          {"计划停电日期", "Planned disconnection"},
	"notices.prev":             {"上一页", "Previous"},
	"notices.next":             {"下一页", "Next"},
	"notices.page_of":          {"第%d页，共%d页", "Page %d of %d"},
	"notices.stage.before_due": {"到期提醒", "Bill due soon"},
	"notices.stage.due":        {"到期当日提醒", "Bill due today"},
	"notices.stage.overdue_1":  {"逾期提醒", "Bill overdue"},
	"notices.stage.overdue_15": {"逾期提醒", "Bill overdue"},
	"notices.stage.cuijiao":    {"电费催交通知", "Demand for payment"},
	"notices.stage.notice":     {"停电通知", "Disconnection notice"},
	// The repeat of a notice an hour before the interruption (non-residential customers).
	"notices.stage.notice_final": {"停电前通知", "Final notice before disconnection"},
	"notices.stage.low_balance":  {"余额不足提醒", "Low prepaid balance"},
	"notices.channel.wechat":     {"微信", "WeChat"},
	"notices.channel.sms":        {"短信", "SMS"},
	"notices.channel.tencent":    {"短信", "SMS"}, // the SMS gateway, by its name
	"notices.channel.dev":        {"开发收件箱", "Dev inbox"},
	"notices.status.sent":        {"已发送", "Sent"},
	"notices.status.delivered":   {"已送达", "Delivered"},
	"notices.status.failed":      {"未送达", "Not delivered"},
}

func init() {
	for k, m := range noticeMessages {
		catalog[k] = m
	}
}
