package tencent_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/notify"
	"gridpay/notify/tencent"
	"gridpay/notify/tencent/sandbox"
)

const (
	secretID  = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
	secretKey = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
	appID     = "1400006666"
	signName  = "青山县供电公司"
)

var templates = map[notify.Kind]string{
	notify.OTP: "1110001", notify.BindCode: "1110002", notify.Receipt: "1110003", notify.Reminder: "1110004",
	notify.NoticeFinal: "1110007",
}

// gateway starts the simulator behind an HTTP server; wrap, if given, stands between them.
func gateway(t *testing.T, now func() time.Time, wrap func(http.Handler) http.Handler) (*sandbox.SMS, string) {
	t.Helper()
	sim := sandbox.New(secretID, secretKey, appID, now)
	sim.Templates(map[string]int{"1110001": 2, "1110002": 3, "1110003": 3, "1110004": 4, "1110007": 5})
	var h http.Handler = sim
	if wrap != nil {
		h = wrap(sim)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() { sim.Close(); srv.Close() })
	return sim, srv.URL
}

func channel(t *testing.T, endpoint string, change func(*tencent.Config)) *tencent.SMS {
	t.Helper()
	cfg := tencent.Config{SecretID: secretID, SecretKey: secretKey, SDKAppID: appID, SignName: signName,
		Endpoint: endpoint, Templates: templates, Timeout: 2 * time.Second}
	if change != nil {
		change(&cfg)
	}
	c, err := tencent.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func otp(phone string) notify.Message {
	return notify.Message{Kind: notify.OTP, To: notify.To{Phone: phone}, Params: notify.Params{notify.ParamCode: "042917", notify.ParamMinutes: "5"}}
}

func TestSendReachesTheGateway(t *testing.T) {
	for _, tc := range []struct {
		name     string
		m        notify.Message
		template string
		params   []string
	}{
		{"sign-in code", otp("13800138000"), "1110001", []string{"042917", "5"}},
		{"bind code", notify.Message{Kind: notify.BindCode, To: notify.To{Phone: "13800138000"},
			Params: notify.Params{notify.ParamAccount: "3100000001", notify.ParamCode: "654321", notify.ParamMinutes: "5"}},
			"1110002", []string{"3100000001", "654321", "5"}},
		{"receipt, its optional prepaid part left out", notify.Message{Kind: notify.Receipt, To: notify.To{Phone: "13800138000"},
			Params: notify.Params{notify.ParamAccount: "3100000001", notify.ParamAmount: "100.00", notify.ParamReceiptNo: "SF1", notify.ParamPrepaid: "2.00"}},
			"1110003", []string{"3100000001", "100.00", "SF1"}},
		{"final notice, the pay link last", notify.Message{Kind: notify.NoticeFinal, To: notify.To{Phone: "13800138000"},
			Params: notify.Params{notify.ParamAccount: "310*****01", notify.ParamAmount: "178.15", notify.ParamCutoffDate: "2026-12-24",
				notify.ParamCutoffTime: "10:00", notify.ParamLink: "https://pay.example.cn/payfor/3100000001"}},
			"1110007", []string{"310*****01", "178.15", "2026-12-24", "10:00", "https://pay.example.cn/payfor/3100000001"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, url := gateway(t, nil, nil)
			id, err := channel(t, url, func(c *tencent.Config) { c.Region = "ap-beijing" }).Send(context.Background(), tc.m)
			if err != nil {
				t.Fatalf("Send = %v", err)
			}
			got := sim.Received()
			if len(got) == 1 && (id == "" || id != got[0].SerialNo) {
				t.Errorf("Send's id = %q, want the gateway's SerialNo %q", id, got[0].SerialNo)
			}
			want := sandbox.Received{Phone: "+8613800138000", TemplateID: tc.template, Params: tc.params, SignName: signName, SDKAppID: appID, Region: "ap-beijing"}
			if len(got) != 1 || got[0].Phone != want.Phone || got[0].TemplateID != want.TemplateID || !slices.Equal(got[0].Params, want.Params) ||
				got[0].SignName != want.SignName || got[0].SDKAppID != want.SDKAppID || got[0].Region != want.Region {
				t.Errorf("the gateway received %+v, want %+v", got, want)
			}
		})
	}
}

// TestGatewayChecksTheSignature proves that the SDK signs: a body changed on the way, a wrong key,
// an unknown key id and a clock far off are all refused, and nothing is sent.
func TestGatewayChecksTheSignature(t *testing.T) {
	tamper := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			b = bytes.ReplaceAll(b, []byte("13800138000"), []byte("13900139000"))
			r.Body = io.NopCloser(bytes.NewReader(b))
			next.ServeHTTP(w, r)
		})
	}
	for _, tc := range []struct {
		name   string
		now    func() time.Time
		wrap   func(http.Handler) http.Handler
		change func(*tencent.Config)
		code   string
	}{
		{"body changed after signing", nil, tamper, nil, "AuthFailure.SignatureFailure"},
		{"wrong secret key", nil, nil, func(c *tencent.Config) { c.SecretKey = "not-the-key" }, "AuthFailure.SignatureFailure"},
		{"unknown secret id", nil, nil, func(c *tencent.Config) { c.SecretID = "AKIDunknown" }, "AuthFailure.SecretIdNotFound"},
		{"clock ten minutes off", func() time.Time { return time.Now().Add(10 * time.Minute) }, nil, nil, "AuthFailure.SignatureExpire"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, url := gateway(t, tc.now, tc.wrap)
			_, err := channel(t, url, tc.change).Send(context.Background(), otp("13800138000"))
			if notify.FailureCode(err) != tc.code || !notify.Permanent(err) {
				t.Errorf("Send = %v, want a permanent %s", err, tc.code)
			}
			if got := sim.Received(); len(got) != 0 {
				t.Errorf("the gateway sent %+v", got)
			}
		})
	}
}

func TestSendFailures(t *testing.T) {
	for _, tc := range []struct {
		name      string
		answer    sandbox.Answer
		m         notify.Message
		change    func(*tencent.Config)
		code      string
		permanent bool
	}{
		{"number throttled for the hour", sandbox.Answer{SendStatus: "LimitExceeded.PhoneNumberOneHourLimit"}, otp("13800138000"), nil,
			"LimitExceeded.PhoneNumberOneHourLimit", false},
		{"number's daily limit", sandbox.Answer{SendStatus: "LimitExceeded.PhoneNumberDailyLimit"}, otp("13800138000"), nil,
			"LimitExceeded.PhoneNumberDailyLimit", false},
		{"app throttled", sandbox.Answer{Error: "LimitExceeded.DeliveryFrequencyLimit"}, otp("13800138000"), nil, "LimitExceeded.DeliveryFrequencyLimit", false},
		{"API rate limit", sandbox.Answer{Error: "RequestLimitExceeded"}, otp("13800138000"), nil, "RequestLimitExceeded", false},
		{"gateway's internal timeout", sandbox.Answer{Error: "InternalError.Timeout"}, otp("13800138000"), nil, "InternalError.Timeout", false},
		// The SDK reads a 503's page as JSON before it looks at the status.
		{"HTTP 503", sandbox.Answer{Status: http.StatusServiceUnavailable}, otp("13800138000"), nil, "ClientError.ParseJsonError", false},
		{"gateway hangs", sandbox.Answer{Hang: true}, otp("13800138000"), func(c *tencent.Config) { c.Timeout = 300 * time.Millisecond },
			"ClientError.NetworkError", false},
		{"number refused", sandbox.Answer{}, otp("12345"), nil, "InvalidParameterValue.IncorrectPhoneNumber", true},
		{"number on the blacklist", sandbox.Answer{SendStatus: "FailedOperation.PhoneNumberInBlacklist"}, otp("13800138000"), nil,
			"FailedOperation.PhoneNumberInBlacklist", true},
		{"template unknown to the gateway", sandbox.Answer{}, otp("13800138000"),
			func(c *tencent.Config) { c.Templates = map[notify.Kind]string{notify.OTP: "999"} }, "FailedOperation.TemplateIdNotExist", true},
		{"app not the key's", sandbox.Answer{}, otp("13800138000"), func(c *tencent.Config) { c.SDKAppID = "1400000001" },
			"UnauthorizedOperation.SmsSdkAppIdVerifyFail", true},
		{"auth failure", sandbox.Answer{Error: "AuthFailure.UnauthorizedOperation"}, otp("13800138000"), nil, "AuthFailure.UnauthorizedOperation", true},
		{"package used up", sandbox.Answer{Error: "FailedOperation.InsufficientBalanceInSmsPackage"}, otp("13800138000"), nil,
			"FailedOperation.InsufficientBalanceInSmsPackage", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, url := gateway(t, nil, nil)
			sim.Then(tc.answer)
			id, err := channel(t, url, tc.change).Send(context.Background(), tc.m)
			if id != "" {
				t.Errorf("Send's id = %q for a message not sent", id)
			}
			if notify.FailureCode(err) != tc.code || notify.Permanent(err) != tc.permanent {
				t.Errorf("Send = %v (permanent %v), want %s, permanent %v", err, notify.Permanent(err), tc.code, tc.permanent)
			}
			if got := sim.Received(); len(got) != 0 {
				t.Errorf("the gateway sent %+v", got)
			}
		})
	}
	t.Run("gateway unreachable", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		_, err := channel(t, url, nil).Send(context.Background(), otp("13800138000"))
		if notify.FailureCode(err) != "ClientError.NetworkError" || notify.Permanent(err) {
			t.Errorf("Send = %v, want a transient network error", err)
		}
	})
}

func TestSendRefusesBeforeAnyRequest(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    notify.Message
		want error
	}{
		{"kind without a template id", notify.Message{Kind: notify.Notice, To: notify.To{Phone: "13800138000"},
			Params: notify.Params{notify.ParamAccount: "310*****01", notify.ParamAmount: "1.00", notify.ParamCutoffDate: "2026-12-24",
				notify.ParamLink: "https://pay.example.cn/payfor/3100000001"}}, notify.ErrNoTemplate},
		{"WeChat recipient only", notify.Message{Kind: notify.OTP, To: notify.To{OpenID: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
			Params: notify.Params{notify.ParamCode: "123456", notify.ParamMinutes: "5"}}, notify.ErrNoRecipient},
		{"invalid message", notify.Message{Kind: notify.OTP, To: notify.To{Phone: "13800138000"}}, billing.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, url := gateway(t, nil, nil)
			_, err := channel(t, url, nil).Send(context.Background(), tc.m)
			if !errors.Is(err, tc.want) || !notify.Permanent(err) {
				t.Errorf("Send = %v, want %v", err, tc.want)
			}
			if n := sim.Requests(); n != 0 {
				t.Errorf("%d requests reached the gateway", n)
			}
		})
	}
}

func TestNewRefusesHalfAConfiguration(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*tencent.Config)
	}{
		{"no secret id", func(c *tencent.Config) { c.SecretID = "" }},
		{"no secret key", func(c *tencent.Config) { c.SecretKey = "" }},
		{"no app", func(c *tencent.Config) { c.SDKAppID = "" }},
		{"no signature", func(c *tencent.Config) { c.SignName = "" }},
		{"endpoint not a URL", func(c *tencent.Config) { c.Endpoint = "sms.tencentcloudapi.com" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tencent.Config{SecretID: secretID, SecretKey: secretKey, SDKAppID: appID, SignName: signName}
			tc.change(&cfg)
			if _, err := tencent.New(cfg); err == nil {
				t.Error("New accepted it")
			}
		})
	}
}

// sendTo sends a sign-in code to phone and returns the gateway's SerialNo of it.
func sendTo(t *testing.T, c *tencent.SMS, phone string) string {
	t.Helper()
	id, err := c.Send(context.Background(), otp(phone))
	if err != nil {
		t.Fatalf("Send to %s: %v", phone, err)
	}
	return id
}

// TestPullStatusHandsOutEachReportOnce: every message the gateway accepted gets one delivery
// report, oldest first, a page of at most the limit at a time; a message the phone never got is
// reported failed with the carrier's description; a report handed out is never handed out again.
func TestPullStatusHandsOutEachReportOnce(t *testing.T) {
	sim, url := gateway(t, nil, nil)
	c := channel(t, url, nil)
	ctx := context.Background()
	before := time.Now().Add(-time.Second).Truncate(time.Second)
	ids := []string{sendTo(t, c, "13800138000"), sendTo(t, c, "13900139000"), sendTo(t, c, "15000150000")}
	if !sim.Fail(ids[1], "MK:0001") {
		t.Fatal("the gateway holds no report of the second message")
	}
	if sim.Fail("2433:no-such-message", "MK:0001") {
		t.Error("Fail of a message the gateway never accepted reported true")
	}

	first, err := c.PullStatus(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	rest, err := c.PullStatus(ctx, tencent.MaxPull)
	if err != nil {
		t.Fatal(err)
	}
	none, err := c.PullStatus(ctx, tencent.MaxPull)
	if err != nil || len(none) != 0 {
		t.Fatalf("a third pull = %+v, %v; want nothing left", none, err)
	}
	got := append(first, rest...)
	want := []tencent.Report{
		{SerialNo: ids[0], PhoneNumber: "+8613800138000", ReportStatus: tencent.ReportSuccess, Description: "DELIVRD"},
		{SerialNo: ids[1], PhoneNumber: "+8613900139000", ReportStatus: tencent.ReportFail, Description: "MK:0001"},
		{SerialNo: ids[2], PhoneNumber: "+8615000150000", ReportStatus: tencent.ReportSuccess, Description: "DELIVRD"},
	}
	if len(first) != 2 || len(got) != len(want) {
		t.Fatalf("pulled %d then %d reports, want 2 then 1: %+v", len(first), len(rest), got)
	}
	for i, r := range got {
		at := r.UserReceiveTime
		r.UserReceiveTime = time.Time{}
		if r != want[i] {
			t.Errorf("report %d = %+v, want %+v", i, r, want[i])
		}
		if at.Before(before) || at.After(time.Now()) || at.Location() != time.UTC {
			t.Errorf("report %d received at %v, want the time of sending in UTC", i, at)
		}
	}
	if sim.Fail(ids[2], "MK:0001") {
		t.Error("Fail of a report handed out already reported true")
	}
	if n := sim.Pulls(); n != 3 {
		t.Errorf("%d pulls reached the gateway, want 3", n)
	}
}

// TestPullStatusBoundsTheLimit: the API takes 1 to 100; anything else asks for 100.
func TestPullStatusBoundsTheLimit(t *testing.T) {
	for _, tc := range []struct {
		name       string
		limit, out int
	}{
		{"one", 1, 1},
		{"some", 37, 37},
		{"the API's most", 100, 100},
		{"more than the API allows", 101, 100},
		{"far more", 1 << 30, 100},
		{"none", 0, 100},
		{"negative", -5, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var asked struct{ Limit int }
			record := func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					b, _ := io.ReadAll(r.Body)
					json.Unmarshal(b, &asked)
					r.Body = io.NopCloser(bytes.NewReader(b))
					next.ServeHTTP(w, r)
				})
			}
			_, url := gateway(t, nil, record)
			if _, err := channel(t, url, nil).PullStatus(context.Background(), tc.limit); err != nil {
				t.Fatal(err)
			}
			if asked.Limit != tc.out {
				t.Errorf("PullStatus(%d) asked for %d, want %d", tc.limit, asked.Limit, tc.out)
			}
		})
	}
}

// TestPullStatusFailures: a pull the gateway refuses or never answers is a classified failure, and
// hands out nothing: the reports wait for the next pull.
func TestPullStatusFailures(t *testing.T) {
	tamper := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			b = bytes.ReplaceAll(b, []byte(`"Limit":100`), []byte(`"Limit":1`))
			r.Body = io.NopCloser(bytes.NewReader(b))
			next.ServeHTTP(w, r)
		})
	}
	for _, tc := range []struct {
		name      string
		answer    sandbox.Answer
		wrap      func(http.Handler) http.Handler
		change    func(*tencent.Config)
		code      string
		permanent bool
	}{
		{"API rate limit", sandbox.Answer{Error: "RequestLimitExceeded"}, nil, nil, "RequestLimitExceeded", false},
		{"gateway's internal error", sandbox.Answer{Error: "InternalError.OtherError"}, nil, nil, "InternalError.OtherError", false},
		{"HTTP 503", sandbox.Answer{Status: http.StatusServiceUnavailable}, nil, nil, "ClientError.ParseJsonError", false},
		{"gateway hangs", sandbox.Answer{Hang: true}, nil, func(c *tencent.Config) { c.Timeout = 300 * time.Millisecond },
			"ClientError.NetworkError", false},
		{"pulling not enabled for the app", sandbox.Answer{Error: "UnauthorizedOperation.SmsSdkAppIdVerifyFail"}, nil, nil,
			"UnauthorizedOperation.SmsSdkAppIdVerifyFail", true},
		{"app not the key's", sandbox.Answer{}, nil, func(c *tencent.Config) { c.SDKAppID = "1400000001" },
			"UnauthorizedOperation.SmsSdkAppIdVerifyFail", true},
		{"wrong secret key", sandbox.Answer{}, nil, func(c *tencent.Config) { c.SecretKey = "not-the-key" }, "AuthFailure.SignatureFailure", true},
		{"body changed after signing", sandbox.Answer{}, tamper, nil, "AuthFailure.SignatureFailure", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, url := gateway(t, nil, tc.wrap)
			sendTo(t, channel(t, url, nil), "13800138000")
			if tc.answer != (sandbox.Answer{}) {
				tc.answer.Action = sandbox.PullAction
				sim.Then(tc.answer)
			}
			reports, err := channel(t, url, tc.change).PullStatus(context.Background(), tencent.MaxPull)
			if len(reports) != 0 || notify.FailureCode(err) != tc.code || notify.Permanent(err) != tc.permanent {
				t.Errorf("PullStatus = %+v, %v (permanent %v); want %s, permanent %v", reports, err, notify.Permanent(err), tc.code, tc.permanent)
			}
			if n := sim.Reports(); n != 1 {
				t.Errorf("the gateway holds %d reports after the failure, want the one it held", n)
			}
		})
	}
}

// TestAnswersWaitForTheirAction: an answer queued for sending is not used up by a pull in between
// (the worker pulls reports while messages are sent), nor one queued for pulling by a send.
func TestAnswersWaitForTheirAction(t *testing.T) {
	sim, url := gateway(t, nil, nil)
	c := channel(t, url, nil)
	sim.Then(sandbox.Answer{SendStatus: "LimitExceeded.PhoneNumberOneHourLimit"},
		sandbox.Answer{Action: sandbox.PullAction, Error: "RequestLimitExceeded"})
	if _, err := c.PullStatus(context.Background(), 10); notify.FailureCode(err) != "RequestLimitExceeded" {
		t.Errorf("PullStatus = %v, want the answer queued for pulling", err)
	}
	if _, err := c.Send(context.Background(), otp("13800138000")); notify.FailureCode(err) != "LimitExceeded.PhoneNumberOneHourLimit" {
		t.Errorf("Send = %v, want the answer queued for sending", err)
	}
	if _, err := c.PullStatus(context.Background(), 10); err != nil {
		t.Errorf("PullStatus after its answer = %v", err)
	}
}

// TestHostileAnswers: whatever stands at the endpoint, the channel reads a bounded answer, hands
// on each report with its fields bounded and cleaned, and loses no report to one odd field.
func TestHostileAnswers(t *testing.T) {
	answer := func(body string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, body)
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	set := func(entries ...string) string {
		return `{"Response":{"PullSmsSendStatusSet":[` + strings.Join(entries, ",") + `],"RequestId":"r-1"}}`
	}
	entry := func(serial, status, desc, at string) string {
		d, _ := json.Marshal(desc)
		return `{"SerialNo":"` + serial + `","PhoneNumber":"+8613800138000","ReportStatus":"` + status +
			`","Description":` + string(d) + `,"UserReceiveTime":` + at + `}`
	}
	huge := strings.Repeat("x", 1<<20)
	t.Run("odd fields lose no report", func(t *testing.T) {
		reports, err := channel(t, answer(set(
			entry("s1", "SUCCESS", "DELIVRD", "1620734188"),
			entry("s2", "FAIL", "line one\nline two\x00", `"1620734188"`),
			entry("s3", "FAIL", "用户关机", `"2019-10-08 17:18:37"`),
			entry("s4", "MAYBE", strings.Repeat("长", 500), "-1"),
			entry("s5", "SUCCESS", "", "1e30"),
			entry("s6", "SUCCESS", "", "99999999999999999999"),
			entry("s7", "SUCCESS", "", "null"),
		)), nil).PullStatus(context.Background(), 3)
		if err != nil {
			t.Fatal(err)
		}
		at := time.Unix(1620734188, 0).UTC()
		want := []tencent.Report{
			{SerialNo: "s1", PhoneNumber: "+8613800138000", ReportStatus: "SUCCESS", Description: "DELIVRD", UserReceiveTime: at},
			{SerialNo: "s2", PhoneNumber: "+8613800138000", ReportStatus: "FAIL", Description: "line one?line two?", UserReceiveTime: at},
			{SerialNo: "s3", PhoneNumber: "+8613800138000", ReportStatus: "FAIL", Description: "用户关机"},
			{SerialNo: "s4", PhoneNumber: "+8613800138000", ReportStatus: "MAYBE", Description: strings.Repeat("长", 66)},
			{SerialNo: "s5", PhoneNumber: "+8613800138000", ReportStatus: "SUCCESS"},
			{SerialNo: "s6", PhoneNumber: "+8613800138000", ReportStatus: "SUCCESS"},
			{SerialNo: "s7", PhoneNumber: "+8613800138000", ReportStatus: "SUCCESS"},
		}
		if !slices.Equal(reports, want) {
			t.Errorf("PullStatus =\n %+v\nwant\n %+v", reports, want)
		}
	})
	// The SDK reads a body whole before it parses it, and names a failed read a parse error too.
	for _, tc := range []struct {
		name, body, detail string
	}{
		{"a report over a megabyte", set(entry("s1", "SUCCESS", huge, "1620734188")), "larger than"},
		{"not JSON", "<html>gateway</html>", ""},
		{"the set not a list", `{"Response":{"PullSmsSendStatusSet":{"SerialNo":"s1"},"RequestId":"r-1"}}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reports, err := channel(t, answer(tc.body), nil).PullStatus(context.Background(), tencent.MaxPull)
			if len(reports) != 0 || notify.FailureCode(err) != "ClientError.ParseJsonError" || notify.Permanent(err) ||
				!strings.Contains(fmt.Sprint(err), tc.detail) {
				t.Errorf("PullStatus = %d reports, %v; want a transient ClientError.ParseJsonError", len(reports), err)
			}
		})
	}
	t.Run("a send's answer over a megabyte", func(t *testing.T) {
		body := `{"Response":{"SendStatusSet":[{"SerialNo":"` + huge + `","Code":"Ok"}],"RequestId":"r-1"}}`
		id, err := channel(t, answer(body), nil).Send(context.Background(), otp("13800138000"))
		if id != "" || notify.FailureCode(err) != "ClientError.ParseJsonError" || notify.Permanent(err) ||
			!strings.Contains(fmt.Sprint(err), "larger than") {
			t.Errorf("Send = %q, %v; want a transient failure: the answer is too large", id, err)
		}
	})
}
