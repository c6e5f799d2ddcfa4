package sandbox_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"gridpay/payments"
	"gridpay/payments/alipay"
	"gridpay/payments/sandbox"
)

const (
	alipayTestAppID    = "2021000122600001"
	alipayTestSellerID = "2088621000000001"
)

// alipayRig is the simulator on loopback with a provider wired to it, and a callback endpoint
// that answers each notification with answer(out_trade_no) and records the order numbers.
type alipayRig struct {
	sim      *sandbox.Alipay
	gateway  *httptest.Server
	provider *alipay.Provider
	callback *httptest.Server

	mu     sync.Mutex
	seen   []string
	answer func(outTradeNo string) string
}

func newAlipayRig(t *testing.T, scale float64) *alipayRig {
	t.Helper()
	sim, priv, err := sandbox.NewAlipayApp(sandbox.AlipayConfig{
		AppID: alipayTestAppID, SellerID: alipayTestSellerID, RetryScale: scale,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := &alipayRig{sim: sim, gateway: httptest.NewServer(sim), answer: func(string) string { return "success" }}
	r.callback = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		form, _ := url.ParseQuery(string(body))
		r.mu.Lock()
		no := form.Get("out_trade_no")
		r.seen = append(r.seen, no)
		answer := r.answer(no)
		r.mu.Unlock()
		io.WriteString(w, answer)
	}))
	t.Cleanup(func() { sim.Close(); r.gateway.Close(); r.callback.Close() })
	r.provider, err = alipay.New(alipay.Config{
		AppID: alipayTestAppID, SellerID: alipayTestSellerID, PrivateKeyPEM: priv,
		AlipayPublicKeyPEM: sim.PublicKeyPEM(), GatewayURL: r.gateway.URL,
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *alipayRig) order(t *testing.T) string {
	t.Helper()
	no := payments.NewOutTradeNo(payments.Alipay, time.Now())
	_, err := r.provider.Precreate(context.Background(), payments.ProviderOrder{
		OutTradeNo: no, Amount: 12345, Description: "电费", NotifyURL: r.callback.URL + "/callbacks/alipay",
		ExpiresAt: time.Now().Add(time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	return no
}

func TestAlipayGivesUpAfterTheSchedule(t *testing.T) {
	r := newAlipayRig(t, 1e-6)
	r.answer = func(string) string { return "success\n" } // not exactly "success"
	no := r.order(t)
	if err := r.sim.Pay(no, sandbox.AlipayNotify{}); err != nil {
		t.Fatal(err)
	}
	r.sim.Wait()
	att := r.sim.Attempts(no)
	if len(att) != 8 {
		t.Fatalf("%d attempts, want 8 (1 + 7 retries)", len(att))
	}
	for _, a := range att {
		if a.NotifyID != att[0].NotifyID || a.Err != nil {
			t.Fatalf("attempt %+v, want notify_id %s and no error", a, att[0].NotifyID)
		}
	}
}

func TestAlipayNeverTimesAndDelay(t *testing.T) {
	r := newAlipayRig(t, 1e-4) // 1h -> 360ms
	late, early, never, thrice := r.order(t), r.order(t), r.order(t), r.order(t)
	if err := r.sim.Pay(late, sandbox.AlipayNotify{Delay: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if err := r.sim.Pay(early, sandbox.AlipayNotify{}); err != nil {
		t.Fatal(err)
	}
	if err := r.sim.Pay(never, sandbox.AlipayNotify{Never: true}); err != nil {
		t.Fatal(err)
	}
	if err := r.sim.Pay(thrice, sandbox.AlipayNotify{Times: 3, Delay: 10 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	r.sim.Wait()
	want := []string{early, thrice, thrice, thrice, late} // out of order: the late one last
	if strings.Join(r.seen, ",") != strings.Join(want, ",") {
		t.Fatalf("callbacks for %v, want %v", r.seen, want)
	}
	if len(r.sim.Attempts(never)) != 0 {
		t.Fatal("Never sent a notification")
	}
	if err := r.sim.Pay(early, sandbox.AlipayNotify{}); err == nil {
		t.Fatal("paid an order twice")
	}
}

func TestAlipayCloseStopsPendingDeliveries(t *testing.T) {
	r := newAlipayRig(t, 1)
	no := r.order(t)
	if err := r.sim.Pay(no, sandbox.AlipayNotify{Delay: 4 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { r.sim.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not stop a delivery waiting 4 minutes")
	}
	if len(r.sim.Attempts(no)) != 0 {
		t.Fatal("a closed simulator delivered")
	}
}

func TestAlipayGatewayRefusesBadRequests(t *testing.T) {
	r := newAlipayRig(t, 1)
	biz := `{"out_trade_no":"GPA1"}`
	tests := map[string]url.Values{
		"unsigned": {"app_id": {alipayTestAppID}, "method": {"alipay.trade.query"}, "charset": {"utf-8"},
			"sign_type": {"RSA2"}, "timestamp": {"2026-11-26 10:30:00"}, "version": {"1.0"}, "biz_content": {biz}},
		"forged signature": {"app_id": {alipayTestAppID}, "method": {"alipay.trade.query"}, "charset": {"utf-8"},
			"sign_type": {"RSA2"}, "timestamp": {"2026-11-26 10:30:00"}, "version": {"1.0"}, "biz_content": {biz},
			"sign": {"c2lnbmF0dXJl"}},
		"other app": {"app_id": {"2021000000000000"}, "method": {"alipay.trade.query"}, "charset": {"utf-8"},
			"sign_type": {"RSA2"}, "timestamp": {"2026-11-26 10:30:00"}, "version": {"1.0"}, "biz_content": {biz},
			"sign": {"c2lnbmF0dXJl"}},
	}
	for name, form := range tests {
		t.Run(name, func(t *testing.T) {
			resp, err := http.PostForm(r.gateway.URL, form)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var env map[string]json.RawMessage
			if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
				t.Fatal(err)
			}
			var st struct {
				Code    string `json:"code"`
				SubCode string `json:"sub_code"`
			}
			json.Unmarshal(env["alipay_trade_query_response"], &st)
			if st.Code != "40002" || !strings.HasPrefix(st.SubCode, "isv.invalid-") || len(env["sign"]) == 0 {
				t.Fatalf("answer %s, want a signed 40002 isv.invalid-*", env["alipay_trade_query_response"])
			}
		})
	}
}
