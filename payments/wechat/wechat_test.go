package wechat_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/payments"
	"gridpay/payments/sandbox"
	"gridpay/payments/wechat"
)

// keys are generated once: RSA key generation is the slow part of these tests.
var keys = sync.OnceValue(func() sandbox.WeChatKeys {
	k, err := sandbox.NewWeChatKeys()
	if err != nil {
		panic(err)
	}
	return k
})

// configFor is how gridpay wires a provider to a sandbox: the sandbox's keys, its URL.
func configFor(k sandbox.WeChatKeys, baseURL string) wechat.Config {
	return wechat.Config{
		MchID:                 k.MchID,
		AppID:                 k.AppID,
		MerchantPrivateKeyPEM: k.MerchantKeyPEM,
		MerchantCertSerial:    k.MerchantCertSerial,
		APIv3Key:              k.APIv3Key,
		PlatformCertsPEM:      []string{k.PlatformCertPEM},
		PublicKeyPEM:          k.PayPublicKeyPEM,
		PublicKeyID:           k.PayPublicKeyID,
		BaseURL:               baseURL,
	}
}

// rig is a provider and a simulator talking over loopback, and a merchant callback endpoint
// that verifies with the provider and records what it took.
type rig struct {
	p       *wechat.Provider
	sim     *sandbox.WeChat
	api     *httptest.Server
	notify  *httptest.Server
	mu      sync.Mutex
	took    []payments.Notification
	refused []error
	nacks   int // how many more callbacks to answer with Nack
}

func newRig(t testing.TB, simOpts ...sandbox.WeChatOption) *rig {
	t.Helper()
	r := &rig{}
	r.sim = sandbox.NewWeChat(keys(), append([]sandbox.WeChatOption{sandbox.WeChatRetryScale(0.0001)}, simOpts...)...)
	r.api = httptest.NewServer(r.sim)
	p, err := wechat.New(configFor(keys(), r.api.URL))
	if err != nil {
		t.Fatal(err)
	}
	r.p = p
	r.notify = httptest.NewServer(http.HandlerFunc(r.callback))
	t.Cleanup(func() {
		r.sim.Close()
		r.api.Close()
		r.notify.Close()
	})
	return r
}

func (r *rig) callback(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	n, err := r.p.VerifyCallback(req.Context(), req.Header, body)
	r.mu.Lock()
	var reply payments.Reply
	switch {
	case err != nil:
		r.refused = append(r.refused, err)
		reply = r.p.Nack("refused")
	case r.nacks > 0:
		r.nacks--
		reply = r.p.Nack("database busy")
	default:
		r.took = append(r.took, n)
		reply = r.p.Ack()
	}
	r.mu.Unlock()
	if reply.ContentType != "" {
		w.Header().Set("Content-Type", reply.ContentType)
	}
	w.WriteHeader(reply.Status)
	w.Write(reply.Body)
}

// order places a 175.50 yuan order at the simulator and returns its number.
func (r *rig) order(t testing.TB, no string) payments.Precreated {
	t.Helper()
	pre, err := r.p.Precreate(context.Background(), payments.ProviderOrder{
		OutTradeNo:  no,
		Amount:      17550,
		Description: "云溪县供电公司电费-户号3100000001",
		ExpiresAt:   time.Now().Add(2 * time.Hour),
		NotifyURL:   r.notify.URL + "/callbacks/wechat",
	})
	if err != nil {
		t.Fatal(err)
	}
	return pre
}

func TestPrecreateQueryClose(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	pre := r.order(t, "GPW20261126101500000000000001")
	if !strings.HasPrefix(pre.CodeURL, "weixin://wxpay/bizpayurl?pr=") || len(pre.CodeURL) <= len("weixin://wxpay/bizpayurl?pr=") {
		t.Fatalf("code_url = %q", pre.CodeURL)
	}
	if again := r.order(t, "GPW20261126101500000000000001"); again.CodeURL != pre.CodeURL {
		t.Errorf("second precreate of the same order: code_url %q, want %q", again.CodeURL, pre.CodeURL)
	}

	q, err := r.p.Query(ctx, "GPW20261126101500000000000001")
	if err != nil {
		t.Fatal(err)
	}
	if q.State != payments.TradeNotPaid || q.ProviderTxnID != "" || q.Amount != 17550 {
		t.Errorf("before paying: %+v", q)
	}

	before := time.Now().Truncate(time.Second)
	if err := r.sim.Pay("GPW20261126101500000000000001", sandbox.WeChatNoCallback()); err != nil {
		t.Fatal(err)
	}
	q, err = r.p.Query(ctx, "GPW20261126101500000000000001")
	if err != nil {
		t.Fatal(err)
	}
	if q.State != payments.TradePaid || !strings.HasPrefix(q.ProviderTxnID, "4200") || q.Amount != 17550 ||
		q.PaidAt.Before(before) || q.PaidAt.After(time.Now()) {
		t.Errorf("after paying: %+v", q)
	}
	if err := r.p.Close(ctx, "GPW20261126101500000000000001"); !errors.Is(err, billing.ErrConflict) {
		t.Errorf("closing a paid order: %v, want ErrConflict", err)
	}

	r.order(t, "GPW20261126101500000000000002")
	if err := r.p.Close(ctx, "GPW20261126101500000000000002"); err != nil {
		t.Fatal(err)
	}
	if q, err = r.p.Query(ctx, "GPW20261126101500000000000002"); err != nil || q.State != payments.TradeClosed {
		t.Errorf("after closing: %+v, %v", q, err)
	}
	if err := r.sim.Pay("GPW20261126101500000000000002"); !errors.Is(err, billing.ErrConflict) {
		t.Errorf("paying a closed order: %v", err)
	}
	if _, err := r.p.Query(ctx, "GPW20261126101500000000000404"); !errors.Is(err, billing.ErrNotFound) {
		t.Errorf("query of an unknown order: %v, want ErrNotFound", err)
	}
}

func TestPrecreateRefusedBySimulator(t *testing.T) {
	r := newRig(t)
	r.order(t, "GPW20261126101500000000000003")
	// The same number with another amount is a duplicate order number, which WeChat refuses.
	_, err := r.p.Precreate(context.Background(), payments.ProviderOrder{
		OutTradeNo: "GPW20261126101500000000000003", Amount: 1, Description: "x",
		NotifyURL: r.notify.URL + "/callbacks/wechat",
	})
	if !errors.Is(err, billing.ErrInvalid) {
		t.Errorf("duplicate order number: %v, want ErrInvalid", err)
	}
}

func TestRequestsSignedWithAnotherKeyAreRefused(t *testing.T) {
	r := newRig(t)
	other, err := sandbox.NewWeChatKeys()
	if err != nil {
		t.Fatal(err)
	}
	cfg := configFor(keys(), r.api.URL)
	cfg.MerchantPrivateKeyPEM = other.MerchantKeyPEM
	p, err := wechat.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Query(context.Background(), "GPW20261126101500000000000001"); !errors.Is(err, billing.ErrUnauthorized) {
		t.Errorf("query signed with a stranger's key: %v, want ErrUnauthorized", err)
	}
}

func TestResponsesSignedWithAnotherKeyAreRefused(t *testing.T) {
	other, err := sandbox.NewWeChatKeys()
	if err != nil {
		t.Fatal(err)
	}
	// The impostor knows our merchant key (so it accepts our requests) but signs with its own
	// platform key under the real serial number.
	k := other
	k.MchID, k.AppID, k.MerchantKey, k.MerchantCertSerial = keys().MchID, keys().AppID, keys().MerchantKey, keys().MerchantCertSerial
	k.PlatformCertSerial = keys().PlatformCertSerial
	impostor := httptest.NewServer(sandbox.NewWeChat(k))
	defer impostor.Close()
	p, err := wechat.New(configFor(keys(), impostor.URL))
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Precreate(context.Background(), payments.ProviderOrder{
		OutTradeNo: "GPW20261126101500000000000009", Amount: 100, Description: "电费", NotifyURL: "https://example.com/cb",
	})
	if !errors.Is(err, wechat.ErrBadSignature) {
		t.Errorf("precreate answered by an impostor: %v, want ErrBadSignature", err)
	}
}

func TestCallbackDelivered(t *testing.T) {
	r := newRig(t)
	r.order(t, "GPW20261126101500000000000010")
	before := time.Now().Truncate(time.Second)
	if err := r.sim.Pay("GPW20261126101500000000000010"); err != nil {
		t.Fatal(err)
	}
	r.sim.Wait()
	q, err := r.p.Query(context.Background(), "GPW20261126101500000000000010")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.took) != 1 || len(r.refused) != 0 {
		t.Fatalf("took %+v, refused %v", r.took, r.refused)
	}
	n := r.took[0]
	want := payments.Notification{
		Paid: true, OutTradeNo: "GPW20261126101500000000000010", ProviderTxnID: q.ProviderTxnID,
		Amount: 17550, PaidAt: n.PaidAt,
	}
	if n != want {
		t.Errorf("notification %+v, want %+v", n, want)
	}
	if !n.PaidAt.Equal(q.PaidAt) || n.PaidAt.Before(before) {
		t.Errorf("paid at %v; query says %v", n.PaidAt, q.PaidAt)
	}
	d := r.sim.Deliveries()
	if len(d) != 1 || d[0].Status != http.StatusNoContent || d[0].Attempt != 1 {
		t.Errorf("deliveries %+v", d)
	}
}

func TestCallbackRetriedUntilTaken(t *testing.T) {
	r := newRig(t)
	r.nacks = 3
	r.order(t, "GPW20261126101500000000000011")
	if err := r.sim.Pay("GPW20261126101500000000000011"); err != nil {
		t.Fatal(err)
	}
	r.sim.Wait()
	d := r.sim.Deliveries()
	if len(d) != 4 || len(r.took) != 1 {
		t.Fatalf("deliveries %+v, took %d", d, len(r.took))
	}
	for i, x := range d[:3] {
		var body struct{ Code, Message string }
		if x.Status != http.StatusInternalServerError || json.Unmarshal([]byte(x.Body), &body) != nil ||
			body.Code != "FAIL" || body.Message != "database busy" || x.Attempt != i+1 {
			t.Errorf("delivery %d: %+v", i, x)
		}
	}
	if d[3].Status != http.StatusNoContent {
		t.Errorf("last delivery %+v", d[3])
	}
}

func TestCallbackKnobs(t *testing.T) {
	tests := []struct {
		name       string
		opts       []sandbox.WeChatPayOption
		took       int
		refused    int
		wantAmount billing.Money
	}{
		{"twice", []sandbox.WeChatPayOption{sandbox.WeChatTimes(2)}, 2, 0, 17550},
		{"late", []sandbox.WeChatPayOption{sandbox.WeChatDelay(30 * time.Millisecond)}, 1, 0, 17550},
		{"never", []sandbox.WeChatPayOption{sandbox.WeChatNoCallback()}, 0, 0, 0},
		{"wrong amount", []sandbox.WeChatPayOption{sandbox.WeChatWrongAmount(1)}, 1, 0, 1},
		// A bad signature is refused every time, so WeChat runs through its whole schedule.
		{"bad signature", []sandbox.WeChatPayOption{sandbox.WeChatBadSignature()}, 0, 1 + len(sandbox.WeChatRetrySchedule), 0},
		{"signed with the public key", []sandbox.WeChatPayOption{sandbox.WeChatSignedBy(sandbox.WeChatSignPublicKey)}, 1, 0, 17550},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, sandbox.WeChatRetryScale(0.00001))
			r.order(t, "GPW20261126101500000000000020")
			start := time.Now()
			if err := r.sim.Pay("GPW20261126101500000000000020", tt.opts...); err != nil {
				t.Fatal(err)
			}
			r.sim.Wait()
			if len(r.took) != tt.took || len(r.refused) != tt.refused {
				t.Fatalf("took %+v, refused %v", r.took, r.refused)
			}
			for _, n := range r.took {
				if n.Amount != tt.wantAmount || !n.Paid {
					t.Errorf("notification %+v, want amount %v", n, tt.wantAmount)
				}
			}
			for _, err := range r.refused {
				if !errors.Is(err, wechat.ErrBadSignature) {
					t.Errorf("refused with %v", err)
				}
			}
			if tt.name == "late" && time.Since(start) < 30*time.Millisecond {
				t.Errorf("late callback came after %v", time.Since(start))
			}
		})
	}
}

func TestCallbacksOutOfOrder(t *testing.T) {
	r := newRig(t)
	r.order(t, "GPW20261126101500000000000030")
	r.order(t, "GPW20261126101500000000000031")
	if err := r.sim.Pay("GPW20261126101500000000000030", sandbox.WeChatDelay(60*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if err := r.sim.Pay("GPW20261126101500000000000031"); err != nil {
		t.Fatal(err)
	}
	r.sim.Wait()
	if len(r.took) != 2 || r.took[0].OutTradeNo != "GPW20261126101500000000000031" || r.took[1].OutTradeNo != "GPW20261126101500000000000030" {
		t.Errorf("took %+v", r.took)
	}
}

func TestAckNack(t *testing.T) {
	p, err := wechat.New(configFor(keys(), ""))
	if err != nil {
		t.Fatal(err)
	}
	if a := p.Ack(); a.Status != http.StatusNoContent || len(a.Body) != 0 {
		t.Errorf("Ack = %+v", a)
	}
	n := p.Nack(`amount "mismatch"`)
	var body map[string]string
	if err := json.Unmarshal(n.Body, &body); err != nil {
		t.Fatal(err)
	}
	if n.Status != http.StatusInternalServerError || !strings.HasPrefix(n.ContentType, "application/json") ||
		len(body) != 2 || body["code"] != "FAIL" || body["message"] != `amount "mismatch"` {
		t.Errorf("Nack = %d %q %s", n.Status, n.ContentType, n.Body)
	}
	if p.Name() != "wechat" {
		t.Errorf("Name = %q", p.Name())
	}
}

func TestNewChecksConfig(t *testing.T) {
	k := keys()
	tests := []struct {
		name   string
		change func(*wechat.Config)
	}{
		{"no mchid", func(c *wechat.Config) { c.MchID = "" }},
		{"no appid", func(c *wechat.Config) { c.AppID = "" }},
		{"short APIv3 key", func(c *wechat.Config) { c.APIv3Key = "0123456789" }},
		{"no merchant serial", func(c *wechat.Config) { c.MerchantCertSerial = "" }},
		{"merchant key not PEM", func(c *wechat.Config) { c.MerchantPrivateKeyPEM = "not a key" }},
		{"merchant key is a public key", func(c *wechat.Config) { c.MerchantPrivateKeyPEM = k.PayPublicKeyPEM }},
		{"platform cert not PEM", func(c *wechat.Config) { c.PlatformCertsPEM = []string{"junk"} }},
		{"public key without id", func(c *wechat.Config) { c.PublicKeyID = "" }},
		{"public key not PEM", func(c *wechat.Config) { c.PublicKeyPEM = k.PlatformCertPEM }},
		{"nothing to verify with", func(c *wechat.Config) { c.PlatformCertsPEM, c.PublicKeyPEM, c.PublicKeyID = nil, "", "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := configFor(k, "")
			tt.change(&cfg)
			if _, err := wechat.New(cfg); !errors.Is(err, billing.ErrInvalid) {
				t.Errorf("New: %v, want ErrInvalid", err)
			}
		})
	}
}

// httptestServer serves h on loopback for the test's lifetime and returns its URL.
func httptestServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}
