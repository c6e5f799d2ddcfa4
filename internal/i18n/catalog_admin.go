package i18n

// Messages of the staff pages (portal/admin): sign-in, the navigation, staff accounts and the audit
// log. The bureau's staff read Chinese first, like its customers.
var adminMessages = map[string]message{
	"admin.title":      {"营销管理后台", "Staff console"},
	"admin.footer":     {"仅限供电公司工作人员使用，所有操作均记录审计日志", "For the bureau's staff only; every action is audited"},
	"admin.nav.label":  {"后台导航", "Staff navigation"},
	"admin.nav.home":   {"工作台", "Home"},
	"admin.nav.audit":  {"审计日志", "Audit log"},
	"admin.nav.staff":  {"工作人员账号", "Staff accounts"},
	"admin.nav.queues": {"任务队列", "Task queues"},
	"admin.home.title": {"工作台", "Home"},
	"admin.reason":     {"原因", "Reason"},
	"admin.filter":     {"筛选", "Filter"},

	"admin.role.agent":      {"业务受理员", "Agent"},
	"admin.role.supervisor": {"班长（审批）", "Supervisor"},
	"admin.role.finance":    {"财务", "Finance"},
	"admin.role.auditor":    {"审计", "Auditor"},
	"admin.role.admin":      {"系统管理员", "Administrator"},

	"admin.login.title":     {"工作人员登录", "Staff sign-in"},
	"admin.login.username":  {"用户名", "Username"},
	"admin.login.password":  {"密码", "Password"},
	"admin.login.submit":    {"登录", "Sign in"},
	"admin.login.wrong":     {"用户名、密码或动态验证码不正确", "The username, password or code is not right"},
	"admin.login.locked":    {"失败次数过多，该账号已暂时锁定，请%d分钟后再试", "Too many failed attempts; this account is locked for %d minutes"},
	"admin.login.demo":      {"演示账号（仅开发环境）", "Demo logins (dev only)"},
	"admin.login.demo_code": {"当前验证码", "code now"},
	"admin.login.demo_note": {"将 TOTP 密钥添加到身份验证器应用以生成动态验证码。", "Add the TOTP secret to an authenticator app to get codes."},

	"admin.totp.title":  {"动态验证码", "Authentication code"},
	"admin.totp.intro":  {"请输入身份验证器应用中显示的6位动态验证码。", "Enter the 6-digit code your authenticator app shows."},
	"admin.totp.code":   {"6位验证码", "6-digit code"},
	"admin.totp.submit": {"验证", "Verify"},

	"admin.enrol.title":  {"绑定身份验证器", "Set up your authenticator"},
	"admin.enrol.intro":  {"您的岗位需要第二重验证。请用身份验证器应用扫描二维码（或手动输入密钥），再输入应用显示的6位验证码。", "Your role needs a second factor. Scan the code with an authenticator app (or type in the secret), then enter the 6-digit code it shows."},
	"admin.enrol.qr_alt": {"身份验证器绑定二维码", "QR code to set up the authenticator"},
	"admin.enrol.secret": {"密钥：", "Secret:"},
	"admin.enrol.submit": {"绑定并继续", "Set up and continue"},

	"admin.password.title":       {"设置新密码", "Choose a new password"},
	"admin.password.intro":       {"您正在使用一次性密码，请先设置自己的新密码。", "You signed in with a one-time password; choose your own before going on."},
	"admin.password.new":         {"新密码", "New password"},
	"admin.password.again":       {"再次输入新密码", "New password again"},
	"admin.password.submit":      {"保存新密码", "Save the new password"},
	"admin.password.mismatch":    {"两次输入的密码不一致", "The two passwords differ"},
	"admin.password.weak":        {"密码强度不够，请按下列要求设置", "The password is too weak; please follow the rules below"},
	"admin.password.same":        {"新密码不能与原密码相同", "The new password must differ from the old one"},
	"admin.password.rule_length": {"至少%d个字符，可以是一句话", "At least %d characters; a phrase will do"},
	"admin.password.rule_common": {"不能含 admin、password、gridpay 等常见词，不能是连续数字或同一字符重复", "No common words such as admin, password or gridpay, no runs of digits, no one character repeated"},

	"admin.staff.role":        {"岗位", "Role"},
	"admin.staff.name":        {"姓名", "Name"},
	"admin.staff.station":     {"供电所", "Supply station"},
	"admin.staff.county":      {"全县", "Whole county"},
	"admin.staff.state":       {"状态", "State"},
	"admin.staff.actions":     {"操作", "Actions"},
	"admin.staff.enabled":     {"正常", "Active"},
	"admin.staff.disabled":    {"已停用", "Disabled"},
	"admin.staff.must_change": {"待改密码", "Must change password"},
	"admin.staff.enable":      {"启用", "Enable"},
	"admin.staff.disable":     {"停用", "Disable"},
	"admin.staff.reset_totp":  {"重置动态验证", "Reset second factor"},
	"admin.staff.revoke":      {"强制下线", "End sessions"},
	"admin.staff.done":        {"已完成，并记入审计日志", "Done, and recorded in the audit log"},
	"admin.staff.create_hint": {"新建账号请在服务器上运行 gridpay admin create-user，系统会打印一次性密码。", "To create an account, run gridpay admin create-user on the server; it prints a one-time password."},

	"admin.audit.action":        {"操作", "Action"},
	"admin.audit.from":          {"开始日期", "From"},
	"admin.audit.to":            {"结束日期", "To"},
	"admin.audit.count":         {"共%d条记录", "%d entries"},
	"admin.audit.at":            {"时间", "When"},
	"admin.audit.who":           {"操作人", "Who"},
	"admin.audit.target":        {"对象", "Target"},
	"admin.audit.change":        {"变更", "Change"},
	"admin.audit.before":        {"前", "Before"},
	"admin.audit.after":         {"后", "After"},
	"admin.audit.addr":          {"来源地址", "Client address"},
	"admin.audit.cli":           {"命令行", "Command line"},
	"admin.audit.no_such_staff": {"没有这个用户名", "No such username"},

	"admin.error.reason": {"请填写原因", "Please give a reason"},
	"admin.error.date":   {"日期格式应为 2026-01-31", "Dates are written 2026-01-31"},
}

func init() {
	for k, m := range adminMessages {
		catalog[k] = m
	}
}
