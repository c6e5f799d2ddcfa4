package app_test

import (
	"context"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"gridpay/internal/app"
	"gridpay/internal/redistest"
	smssandbox "gridpay/notify/tencent/sandbox"
)

// The Tencent Cloud SMS app of the tests.
const (
	smsSecretID  = "AKIDgridpaytest"
	smsSecretKey = "gridpay-test-secret-key"
	smsAppID     = "1400000001"
)

// smsVars configures the Tencent Cloud SMS channel against endpoint.
func smsVars(endpoint string) env {
	return env{"GRIDPAY_SMS_PROVIDER": "tencent", "GRIDPAY_SMS_SECRET_ID": smsSecretID, "GRIDPAY_SMS_SECRET_KEY": smsSecretKey,
		"GRIDPAY_SMS_SDK_APP_ID": smsAppID, "GRIDPAY_SMS_SIGN_NAME": "青山县供电公司", "GRIDPAY_SMS_ENDPOINT": endpoint,
		"GRIDPAY_SMS_TEMPLATE_OTP": "2000001", "GRIDPAY_SMS_TEMPLATE_BIND_CODE": "2000002", "GRIDPAY_SMS_TEMPLATE_RECEIPT": "2000003"}
}

// withSMS adds an SMS channel that nothing in the test texts through (its endpoint is closed).
func withSMS(e env) env {
	maps.Copy(e, smsVars("http://127.0.0.1:9"))
	return e
}

// smsGateway starts the Tencent Cloud SMS simulator with the tests' app and templates.
func smsGateway(t *testing.T) (*smssandbox.SMS, string) {
	sim := smssandbox.New(smsSecretID, smsSecretKey, smsAppID, nil)
	sim.Templates(map[string]int{"2000001": 2, "2000002": 3, "2000003": 3})
	srv := httptest.NewServer(sim)
	t.Cleanup(func() { sim.Close(); srv.Close() })
	return sim, srv.URL
}

// TestSignInThroughTheSMSGateway runs `gridpay all` with the Tencent Cloud SMS channel configured,
// in production and in dev: the sign-in code goes through the queue to the gateway (its simulator)
// as the configured template, survives the gateway throttling the first try, and signs the customer
// in. The configured gateway replaces the dev inbox in dev too.
func TestSignInThroughTheSMSGateway(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  env
	}{
		{"production", env{"GRIDPAY_ENV": "production", "GRIDPAY_PUBLIC_URL": "https://pay.example.cn", "GRIDPAY_BUREAU": "青山县供电公司",
			"GRIDPAY_BANK_SECRET": strings.Repeat("ab", 32)}},
		{"dev", env{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, endpoint := smsGateway(t)
			e := withDBs(t, tc.env)
			maps.Copy(e, smsVars(endpoint))
			e["GRIDPAY_REDIS_URL"] = redistest.URL(t, redistest.DBApp)
			base, _ := startServer(t, "all", e)
			if resp, _ := get(t, base+"/dev/inbox.json"); resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET /dev/inbox.json = %d, want 404: the gateway replaces the inbox", resp.StatusCode)
			}

			sim.Then(smssandbox.Answer{SendStatus: "LimitExceeded.PhoneNumberThirtySecondLimit"})
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar, Timeout: 15 * time.Second}
			post := func(path, body string) (int, string) {
				req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				resp, err := c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b)
			}
			if status, body := post("/api/v1/otp", `{"phone":"13800138000"}`); status >= 300 {
				t.Fatalf("POST /api/v1/otp = %d %s", status, body)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			for len(sim.Received()) == 0 && ctx.Err() == nil {
				time.Sleep(50 * time.Millisecond)
			}
			got := sim.Received()
			if len(got) != 1 || got[0].Phone != "+8613800138000" || got[0].TemplateID != "2000001" || got[0].SignName != "青山县供电公司" ||
				len(got[0].Params) != 2 || !regexp.MustCompile(`^[0-9]{6}$`).MatchString(got[0].Params[0]) || got[0].Params[1] != "5" {
				t.Fatalf("the gateway received %+v, want one sign-in code as template 2000001", got)
			}
			// The worker asks the gateway for delivery reports too.
			if n := sim.Requests() - sim.Pulls(); n != 2 {
				t.Errorf("%d requests to send reached the gateway, want the throttled one and its retry", n)
			}
			if status, body := post("/api/v1/login", `{"phone":"13800138000","code":"`+got[0].Params[0]+`"}`); status != http.StatusOK {
				t.Errorf("POST /api/v1/login with the texted code = %d %s", status, body)
			}
		})
	}
}

// TestWorkerPullsSMSDeliveryReports: with Tencent Cloud SMS configured, the worker of `gridpay all`
// asks the gateway for delivery reports from its start.
func TestWorkerPullsSMSDeliveryReports(t *testing.T) {
	sim, endpoint := smsGateway(t)
	e := withDBs(t, smsVars(endpoint))
	e["GRIDPAY_REDIS_URL"] = redistest.URL(t, redistest.DBApp)
	startServer(t, "all", e)
	deadline := time.Now().Add(20 * time.Second)
	for sim.Pulls() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the worker did not ask the SMS gateway for delivery reports within 20 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestSMSConfigurationStopsWithTheVariableNamed(t *testing.T) {
	prod := env{"GRIDPAY_ENV": "production", "GRIDPAY_PUBLIC_URL": "https://pay.example.cn", "GRIDPAY_BUREAU": "青山县供电公司",
		"GRIDPAY_REDIS_URL": "redis://127.0.0.1:6379/0", "GRIDPAY_BANK_SECRET": strings.Repeat("ab", 32)}
	halfway := withSMS(maps.Clone(prod))
	delete(halfway, "GRIDPAY_SMS_TEMPLATE_OTP")
	for _, tc := range []struct {
		name string
		env  env
		want string
	}{
		{"production without an SMS gateway", prod, "GRIDPAY_SMS_PROVIDER"},
		{"a gateway configured by half", halfway, "GRIDPAY_SMS_TEMPLATE_OTP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := withDBs(t, tc.env)
			err := app.Run(context.Background(), []string{"all"}, e.get, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run = %v, want an error naming %s", err, tc.want)
			}
		})
	}
}
