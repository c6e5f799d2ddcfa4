package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"gridpay/internal/app"
	"gridpay/internal/demo"
	"gridpay/internal/redistest"
	"gridpay/internal/staff"
	"gridpay/internal/store"
)

// customer is the demo resident on the JSON API, as the future mini-program would be.
type customer struct {
	t    *testing.T
	base string
	http *http.Client
}

func signInCustomer(t *testing.T, base string) *customer {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &customer{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	c.send("POST", "/api/v1/otp", "application/json", strings.NewReader(`{"phone":"`+demo.DemoResidentialPhone+`"}`), http.StatusAccepted)
	code := devInboxCode(t, base, demo.DemoResidentialPhone)
	c.send("POST", "/api/v1/login", "application/json", strings.NewReader(`{"phone":"`+demo.DemoResidentialPhone+`","code":"`+code+`"}`), http.StatusOK)
	return c
}

// send makes a call from the portal's own origin and decodes the JSON answer, failing the test on
// another status than want.
func (c *customer) send(method, path, contentType string, body io.Reader, want int) map[string]any {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Origin", c.base)
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	out := map[string]any{}
	json.Unmarshal(raw, &out)
	return out
}

// TestStaffBrowserJourney takes a dispute from received to closed in Chromium, as the bureau's staff
// would: an agent at a desktop (1280x800) checks it and proposes an adjustment above the agent's
// limit; a supervisor on a tablet (820x1180) signs in with a TOTP code and approves it; the worker
// posts the adjustment; the agent follows up and closes the case. The customer's bill shows the
// adjustment, the customer was texted at each change, and the audit log has every step.
func TestStaffBrowserJourney(t *testing.T) {
	exe := chromium(t)
	shots := screenshots(t)
	e := withDBs(t, env{"GRIDPAY_REDIS_URL": redistest.URL(t, redistest.DBApp), "GRIDPAY_DISPUTE_AGENT_LIMIT": "20.00"})
	if err := app.Run(context.Background(), []string{"seed", "--customers", "50", "--months", "24"}, e.get, ioDiscard{}, ioDiscard{}); err != nil {
		t.Fatalf("seed: %v", err)
	}
	base, _ := startServer(t, "all", e)

	// The customer files a dispute about their newest bill.
	cust := signInCustomer(t, base)
	bills := cust.send("GET", "/api/v1/accounts/"+demo.DemoResidentialNo+"/bills", "", nil, http.StatusOK)
	list, _ := bills["bills"].([]any)
	if len(list) == 0 {
		t.Fatalf("no bills: %v", bills)
	}
	newest, _ := list[0].(map[string]any)
	billID := fmt.Sprint(newest["id"])
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	mw.WriteField("category", "reading_amount")
	mw.WriteField("text", "这个月的电量比去年同期高了一倍，请核实。")
	mw.WriteField("bill_id", billID)
	mw.Close()
	filed := cust.send("POST", "/api/v1/accounts/"+demo.DemoResidentialNo+"/disputes", mw.FormDataContentType(), &form, http.StatusCreated)
	disputeID := fmt.Sprint(filed["id"])
	casePath := "/admin/disputes/" + disputeID

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("lang", "zh-CN"), chromedp.Flag("accept-lang", "zh-CN,zh"))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	root, cancelRoot := chromedp.NewContext(actx)
	defer cancelRoot()
	root, cancelTimeout := context.WithTimeout(root, 240*time.Second)
	defer cancelTimeout()
	if err := chromedp.Do(root); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	// Each staff member in a browser context of their own: their own cookies, their own screen.
	agentCtx, cancelAgent := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	defer cancelAgent()
	supCtx, cancelSup := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	defer cancelSup()

	shoot := func(ctx context.Context, name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	do := func(ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		t.Logf("%5.1f s  %s", time.Since(start).Seconds(), what)
	}
	text := func(ctx context.Context, sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	var agentLogin, supLogin demo.StaffLogin
	for _, s := range demo.Staff() {
		switch s.Role {
		case staff.Agent:
			agentLogin = s
		case staff.Supervisor:
			supLogin = s
		}
	}

	// The agent, at a desktop.
	do(agentCtx, "agent viewport", chromedp.EmulateViewport(1280, 800))
	do(agentCtx, "agent sign-in form", chromedp.Navigate(base+"/admin/login"), chromedp.WaitVisible("#username"),
		chromedp.SendKeys("#username", agentLogin.Username), chromedp.SendKeys("#password", agentLogin.Password))
	shoot(agentCtx, "staff-01-login-1280")
	do(agentCtx, "agent signs in", chromedp.Click("main button[type=submit]"), chromedp.WaitVisible("nav.admin-nav"))
	do(agentCtx, "the queue", chromedp.Navigate(base+"/admin/disputes"), chromedp.WaitVisible("table.queue"))
	if q := text(agentCtx, "table.queue"); !strings.Contains(q, "#"+disputeID) {
		t.Fatalf("the queue lacks dispute #%s:\n%s", disputeID, q)
	}
	shoot(agentCtx, "staff-02-queue-1280")
	do(agentCtx, "the case", chromedp.Navigate(base+casePath), chromedp.WaitVisible("#move-form"))
	if c := text(agentCtx, "main"); !strings.Contains(c, "高了一倍") || !strings.Contains(c, "抄表示数") {
		t.Errorf("the case page lacks the customer's text or the readings:\n%.600s", c)
	}
	shoot(agentCtx, "staff-03-case-received-1280")
	do(agentCtx, "to checking with a reply", chromedp.SendKeys("#reply", "您好，我们已受理，正在核查抄表数据。"),
		chromedp.SetValue("#to", "in_review"), chromedp.Click("#send-move"), chromedp.WaitVisible("#settle-form"))
	do(agentCtx, "propose 30.00 off the bill", chromedp.SetValue("#kind", "adjust_bill"), chromedp.SetValue("#bill", billID),
		chromedp.SendKeys("#amount", "30.00"), chromedp.SendKeys("#settle-reason", "采集日数据显示表计走字异常，核减30元。"),
		chromedp.Click("#propose"), chromedp.WaitVisible("#pending"))
	if p := text(agentCtx, "#pending"); !strings.Contains(p, "待班长审批") {
		t.Errorf("the pending settlement says %q", p)
	}
	shoot(agentCtx, "staff-04-proposed-1280")

	// The supervisor, on a tablet, with the second factor.
	do(supCtx, "supervisor viewport", chromedp.EmulateViewport(820, 1180))
	do(supCtx, "supervisor password", chromedp.Navigate(base+"/admin/login"), chromedp.WaitVisible("#username"),
		chromedp.SendKeys("#username", supLogin.Username), chromedp.SendKeys("#password", supLogin.Password),
		chromedp.Click("main button[type=submit]"), chromedp.WaitVisible("#code"))
	code, err := totp.GenerateCode(supLogin.TOTPSecret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	do(supCtx, "supervisor code", chromedp.SendKeys("#code", code))
	shoot(supCtx, "staff-05-totp-820")
	do(supCtx, "supervisor signs in", chromedp.Click("main button[type=submit]"), chromedp.WaitVisible("nav.admin-nav"))
	do(supCtx, "the case awaiting approval", chromedp.Navigate(base+casePath), chromedp.WaitVisible("#approve"))
	shoot(supCtx, "staff-06-awaiting-approval-820")
	do(supCtx, "approve", chromedp.SendKeys("#decision-reason", "核减依据充分，同意。"), chromedp.Click("#approve"),
		chromedp.WaitVisible("p.notice"))
	if s := text(supCtx, "#case-status"); s != "已调整" {
		t.Errorf("after approval the case is %q, want 已调整", s)
	}
	shoot(supCtx, "staff-07-approved-820")

	// The worker of `gridpay all` posts the adjustment; the customer's bill shows it.
	deadline := time.Now().Add(30 * time.Second)
	var adjusted bool
	for !adjusted && time.Now().Before(deadline) {
		b := cust.send("GET", "/api/v1/accounts/"+demo.DemoResidentialNo+"/bills/"+billID, "", nil, http.StatusOK)
		raw, _ := json.Marshal(b)
		adjusted = strings.Contains(string(raw), "3000") || strings.Contains(string(raw), "30.00")
		if !adjusted {
			time.Sleep(300 * time.Millisecond)
		}
	}
	if !adjusted {
		t.Fatal("the customer's bill shows no adjustment within 30 s")
	}

	// The agent follows up and closes the case.
	do(agentCtx, "to follow-up", chromedp.Navigate(base+casePath), chromedp.WaitVisible("#move-form"),
		chromedp.SendKeys("#reply", "电费已核减30元，请查看账单。"), chromedp.SetValue("#to", "follow_up"), chromedp.Click("#send-move"),
		chromedp.WaitVisible("p.notice"))
	do(agentCtx, "to closed", chromedp.Navigate(base+casePath), chromedp.WaitVisible("#move-form"),
		chromedp.SendKeys("#reply", "已电话回访，客户满意。"), chromedp.SetValue("#to", "closed"),
		chromedp.Click("#send-move"), chromedp.WaitVisible("p.notice"))
	if s := text(agentCtx, "#case-status"); s != "关闭" {
		t.Errorf("the case ends %q, want 关闭", s)
	}
	shoot(agentCtx, "staff-08-closed-1280")

	// The customer sees the replies and the outcome, and was texted at each change.
	mine := cust.send("GET", "/api/v1/disputes/"+disputeID, "", nil, http.StatusOK)
	if raw, _ := json.Marshal(mine); !strings.Contains(string(raw), "已电话回访") || !strings.Contains(string(raw), "closed") {
		t.Errorf("the customer's dispute: %s", raw)
	}
	resp, err := http.Get(base + "/dev/inbox.json?to=" + demo.DemoResidentialPhone)
	if err != nil {
		t.Fatal(err)
	}
	var inbox struct {
		Messages []struct{ Kind, Text string } `json:"messages"`
	}
	json.NewDecoder(resp.Body).Decode(&inbox)
	resp.Body.Close()
	var updates []string
	for _, m := range inbox.Messages {
		if m.Kind == "dispute_update" {
			updates = append(updates, m.Text)
		}
	}
	for _, word := range []string{"核查中", "待审批", "已调整", "回访中", "已办结"} {
		if !strings.Contains(strings.Join(updates, "\n"), "："+word) {
			t.Errorf("no dispute update saying %s: %q", word, updates)
		}
	}

	// The audit log has every step.
	db, err := store.Open(context.Background(), e["GRIDPAY_PORTAL_DB"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	entries, _, err := store.NewPortal(db, time.Now).AuditLog(context.Background(), store.AuditFilter{}, store.Page{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, en := range entries {
		if en.Target == "dispute:"+disputeID {
			steps = append(steps, en.Action)
		}
	}
	all := strings.Join(steps, " ")
	for _, want := range []string{"dispute.move", "dispute.propose", "dispute.approve", "dispute.post"} {
		if !strings.Contains(all, want) {
			t.Errorf("the audit log of the dispute (%s) lacks %s", all, want)
		}
	}
}
