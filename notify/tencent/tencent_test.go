package tencent_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
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
