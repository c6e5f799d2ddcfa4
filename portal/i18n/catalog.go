package i18n

// message is one entry of the catalog in both languages; a struct rather than a map so that no entry
// can lack a language.
type message struct {
	zh, en string
}

// catalog maps each key to its message. Arguments are filled in with fmt.Sprintf, so both languages
// of an entry take the same verbs in the same order; the tests check this. Amounts, dates and energy
// arrive already formatted (%s) by Money, Date and KWh; masked phones by pii.Phone.
var catalog = map[string]message{
	"app.title": {"网上营业厅", "Online service hall"},

	"nav.home":       {"首页", "Home"},
	"nav.bills":      {"电费账单", "Bills"},
	"nav.usage":      {"用电分析", "Usage"},
	"nav.payments":   {"缴费记录", "Payments"},
	"nav.disputes":   {"异议申请", "Disputes"},
	"nav.logout":     {"退出登录", "Sign out"},
	"nav.large_text": {"关怀模式", "Large text"},
	"nav.language":   {"English", "中文"}, // the label of the other language, to switch to it

	"login.title":        {"登录网上营业厅", "Sign in to the online service hall"},
	"login.phone":        {"手机号码", "Mobile number"},
	"login.code":         {"验证码", "Verification code"},
	"login.send_code":    {"获取验证码", "Send code"},
	"login.submit":       {"登录", "Sign in"},
	"login.code_sent":    {"验证码已发送至%s，5分钟内有效", "A code was sent to %s; it is valid for 5 minutes"},
	"login.wrong_code":   {"验证码错误或已过期", "The code is wrong or has expired"},
	"login.too_many":     {"尝试次数过多，请%d分钟后再试", "Too many attempts; please try again in %d minutes"},
	"login.rate_limited": {"请求过于频繁，请%d秒后再试", "Too many requests; please try again in %d seconds"},

	"home.amount_due":  {"应缴金额", "Amount due"},
	"home.late_fee":    {"违约金", "Late fee"},
	"home.prepaid":     {"预存余额", "Prepaid balance"},
	"home.oldest_due":  {"最早欠费到期日", "Oldest bill due"},
	"home.fee_per_day": {"违约金每天增加%s", "The late fee grows by %s a day"},
	"home.pay_before":  {"请在%s前缴清，以免收到停电通知", "Please pay before %s to avoid a disconnection notice"},
	"home.pay":         {"立即缴费", "Pay now"},
	"home.no_accounts": {"您还没有绑定户号", "You have not bound an account yet"},

	"bills.title":              {"电费账单", "Bills"},
	"bills.period":             {"账期", "Period"},
	"bills.kwh":                {"电量", "Energy"},
	"bills.total":              {"电费合计", "Total"},
	"bills.due":                {"缴费截止日", "Due date"},
	"bills.status.unpaid":      {"未缴", "Unpaid"},
	"bills.status.partly_paid": {"部分缴清", "Partly paid"},
	"bills.status.paid":        {"已缴清", "Paid"},
	"bills.late_fee":           {"违约金", "Late fee"},
	"bills.readings":           {"抄表示数", "Meter readings"},
	"bills.previous":           {"上次示数", "Previous reading"},
	"bills.current":            {"本次示数", "Current reading"},
	"bills.multiplier":         {"倍率", "Multiplier"},
	"bills.tier_explain":       {"您本月用电%d千瓦时：%s", "You used %d kWh: %s"},
	"bills.item_explain":       {"%d千瓦时按%s元计", "%d at %s"},
	"bills.item_sep":           {"，", ", "},

	"item.tier1":    {"第一档电量", "Tier 1"},
	"item.tier2":    {"第二档电量", "Tier 2"},
	"item.tier3":    {"第三档电量", "Tier 3"},
	"item.sharp":    {"尖峰电量", "Sharp peak"},
	"item.peak":     {"高峰电量", "Peak"},
	"item.flat":     {"平段电量", "Flat"},
	"item.valley":   {"低谷电量", "Valley"},
	"item.energy":   {"电度电费", "Energy"},
	"item.capacity": {"基本电费（按容量）", "Capacity charge"},

	"usage.title":         {"用电分析", "Usage"},
	"usage.this_year":     {"今年", "This year"},
	"usage.last_year":     {"去年", "Last year"},
	"usage.daily":         {"日用电量", "Daily use"},
	"usage.tier_progress": {"今年已用%s，第一档额度%s", "Used this year: %s of the %s first-tier allowance"},

	"error.invalid":      {"请求内容有误，请检查后重试。", "The request is not valid; please check it and try again."},
	"error.unauthorized": {"请先登录。", "Please sign in first."},
	"error.forbidden":    {"您无权访问此内容。", "You may not access this."},
	"error.not_found":    {"未找到您要的内容。", "Not found."},
	"error.conflict":     {"操作与当前状态冲突，请刷新后重试。", "This conflicts with the current state; please reload and try again."},
	"error.internal":     {"系统繁忙，请稍后再试。", "Something went wrong on our side; please try again later."},
	"error.too_large":    {"提交的内容过大。", "What you sent is too large."},

	"account.bind":          {"绑定户号", "Bind an account"},
	"account.unbind":        {"解除绑定", "Unbind"},
	"account.pay_for_other": {"代缴", "Pay for another account"},
}
