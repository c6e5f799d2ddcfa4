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
	"home.notice_may_come": {"欠费已超过催缴期限，停电通知可能随时发出，请尽快缴清。最早停电日期：%s", "This bill is far overdue: a disconnection notice may come at any time. Please pay now. Earliest disconnection: %s"},
	"payfor.title":         {"代他人缴费", "Pay for another account"},
	"payfor.intro":         {"输入户号，核对户名和地址后即可代缴电费，无需绑定。", "Enter the account number, check the name and address, and pay; no need to add the account."},
	"payfor.lookup":        {"查询", "Look up"},
	"payfor.not_found":     {"未找到该户号，请核对后重试。", "No such account; please check the number."},
	"payfor.amount_due":    {"当前应缴", "Amount due now"},
	"payfor.nothing_due":   {"该户号目前没有欠费。", "Nothing is due on this account."},
}

func init() {
	for k, m := range accountMessages {
		catalog[k] = m
	}
}
