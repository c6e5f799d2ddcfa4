package i18n

// Messages of binding accounts and paying for another account (代缴), kept apart from catalog.go so
// that the pages' owners can add theirs without touching one another's lines.
var accountMessages = map[string]message{
	"bind.title":           {"绑定其他户号", "Add another account"},
	"bind.intro":           {"绑定父母、亲友或店铺的户号后，可以查看账单并代为缴费。验证码将发送到该户号登记的手机。", "Add a parent's, a relative's or a shop's account to see its bills and pay them. A code goes to the phone registered for that account."},
	"bind.account":         {"户号（10位数字）", "Account number (10 digits)"},
	"bind.send_code":       {"向登记手机发送验证码", "Send a code to its registered phone"},
	"bind.code_sent":       {"验证码已发送至户号登记的手机%s，请向机主索取。", "A code went to the account's registered phone %s; ask its holder for it."},
	"bind.submit":          {"确认绑定", "Add the account"},
	"bind.done":            {"已绑定户号%s", "Account %s added"},
	"bind.already":         {"该户号已在您的列表中", "This account is already in your list"},
	"bind.unbind_confirm":  {"解除绑定", "Remove from my list"},
	"bind.registered":      {"本机登记户号", "Registered to your phone"},
	"bind.bound":           {"已绑定户号", "Added account"},
	"home.in_flight":       {"您的缴费已支付成功，正在销账；销账期间不会发出催费或停电通知。", "Your payment has arrived and is being credited; no reminder or notice is sent meanwhile."},
	"home.notice_may_come": {"欠费已超过催缴期限，停电通知可能随时发出，请尽快缴清。最早停电日期：%s", "This bill is far overdue: a disconnection notice may come at any time. Please pay now. Earliest disconnection: %s"},
	"pay.title":            {"扫码缴费", "Pay by QR code"},
	"pay.scan":             {"请用%s扫描二维码，支付%s", "Scan with %s to pay %s"},
	"pay.expires":          {"二维码%s前有效", "The code is valid until %s"},
	"pay.expired":          {"二维码已过期，请返回重新缴费。", "The code has expired; please go back and pay again."},
	"pay.waiting":          {"支付完成后，请点“我已支付，查看结果”。", "Once you have paid, press “I have paid, check now”."},
	"pay.waiting_auto":     {"支付完成后，本页会自动显示结果（每5秒查询一次，可暂停）。", "Once you have paid, this page shows the result by itself (it checks every 5 seconds; you can pause it)."},
	"pay.check_now":        {"我已支付，查看结果", "I have paid, check now"},
	"pay.pause":            {"暂停自动查询", "Pause checking"},
	"pay.resume":           {"继续自动查询", "Resume checking"},
	"pay.qr_alt":           {"付款二维码：用%s扫一扫，支付%s", "Payment code: scan it with %s to pay %s"},
	"pay.done":             {"缴费成功，正在销账。", "Paid. The payment is being credited."},
	"pay.posted":           {"缴费已到账，收费流水号%s。", "Credited. Receipt number %s."},
	"pay.long_press":       {"在微信中请长按下方二维码，选择“识别图中二维码”完成支付。", "Inside WeChat, press and hold the code below and choose to recognise it."},
	"pay.other_app":        {"您正在另一款应用中打开本页，请改用对应的应用扫码，或返回选择本应用的支付方式。", "This page is open in another app: scan the code with the right app, or go back and choose this app's payment."},
	"pay.left":             {"剩余时间", "Time left"},
	"pay.open_app":         {"在支付宝中打开", "Open in Alipay"},
	"pay.wechat":           {"微信支付", "WeChat Pay"},
	"pay.alipay":           {"支付宝", "Alipay"},
	"pay.all_down":         {"在线缴费暂时无法使用，请稍后再试，或到供电营业厅缴费。", "Paying online is unavailable for a while; please try again later, or pay at a service counter."},
	"pay.down_title":       {"暂时无法下单", "Cannot take the payment now"},
	"pay.down":             {"%s暂时无法下单", "%s cannot take payments just now"},
	"pay.down_wait":        {"请约%d秒后再试，或改用下面的其他方式付款。", "Please try again in about %d seconds, or pay another way below."},
	"pay.down_retry":       {"稍后再试%s", "Try %s again"},
	"pay.amount":           {"缴费金额（不填则缴清当前欠费）", "Amount (leave empty to pay what is due)"},
	"pay.status.created":   {"正在生成二维码", "Preparing the code"},
	"pay.status.pending":   {"等待支付", "Waiting for payment"},
	"pay.status.paid":      {"已支付，正在销账", "Paid, being credited"},
	"pay.status.posted":    {"已到账", "Credited"},
	"pay.status.closed":    {"已关闭", "Closed"},
	"pay.status.flagged":   {"人工核实中", "Being checked by staff"},
	"pay.status.refunding": {"退款中", "Refund in progress"},
	"pay.status.refunded":  {"已退款", "Refunded"},
	"payfor.title":         {"代他人缴费", "Pay for another account"},
	"payfor.intro":         {"输入户号，核对户名和地址后即可代缴电费，无需绑定。", "Enter the account number, check the name and address, and pay; no need to add the account."},
	"payfor.lookup":        {"查询", "Look up"},
	"payfor.not_found":     {"未找到该户号，请核对后重试。", "No such account; please check the number."},
	"payfor.amount_due":    {"当前应缴", "Amount due now"},
	"payfor.nothing_due":   {"该户号目前没有欠费。", "Nothing is due on this account."},

	// The answer to a binding code, alike whether or not the account exists (issue #9).
	"bind.code_sent_if_exists": {"如户号无误，验证码已发送至该户号登记的手机，请向机主索取。", "If the account number is right, a code went to its registered phone; ask its holder for it."},
}

func init() {
	for k, m := range accountMessages {
		catalog[k] = m
	}
}
