package demo

import "gridpay/internal/staff"

// StaffLogin is a well-known demo staff account: dev only, never in production (the server makes
// them only outside production, and the sign-in page lists them there).
type StaffLogin struct {
	Username    string
	DisplayName string
	Password    string
	Role        staff.Role
	// TOTPSecret is the fixed second factor of the roles that need one, so that a developer can add
	// it to an authenticator app once; "" for the others.
	TOTPSecret string
}

// StaffPassword is every demo staff account's password.
const StaffPassword = "yunxi county demo"

// StaffPasswordHash is StaffPassword hashed once (staff.HashPassword), so that a dev server makes its
// demo accounts without spending a quarter of a second of argon2id on each at every start. It is
// no secret: the password is printed on the dev sign-in page.
const StaffPasswordHash = "$argon2id$v=19$m=65536,t=3,p=2$IQJpfxQN5THDcEkAogi7EQ$gXzkxBUcWMVURH201Bz93+ZzBIfH+gmH9Nj13UTh8UQ"

// Staff returns the demo staff accounts, one per role. It returns a new slice each time.
func Staff() []StaffLogin {
	return []StaffLogin{
		{Username: "demo.agent", DisplayName: "王受理", Password: StaffPassword, Role: staff.Agent},
		{Username: "demo.supervisor", DisplayName: "李班长", Password: StaffPassword, Role: staff.Supervisor, TOTPSecret: "GRIDPAYDEMOSUPERVISOR2ABCDEFGHIJ"},
		{Username: "demo.finance", DisplayName: "赵财务", Password: StaffPassword, Role: staff.Finance, TOTPSecret: "GRIDPAYDEMOFINANCE234ABCDEFGHIJK"},
		{Username: "demo.auditor", DisplayName: "钱审计", Password: StaffPassword, Role: staff.Auditor},
		{Username: "demo.admin", DisplayName: "孙管理", Password: StaffPassword, Role: staff.Admin, TOTPSecret: "GRIDPAYDEMOADMIN234567ABCDEFGHIJ"},
	}
}
