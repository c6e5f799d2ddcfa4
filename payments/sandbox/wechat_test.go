package sandbox_test

import (
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
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

var weChatKeys = sync.OnceValue(func() sandbox.WeChatKeys {
	k, err := sandbox.NewWeChatKeys()
	if err != nil {
		panic(err)
	}
	return k
})

// weChatMerchant is a merchant endpoint that records raw callbacks and answers with status.
type weChatMerchant struct {
	mu      sync.Mutex
	status  int
	headers []http.Header
	bodies  [][]byte
}

func (m *weChatMerchant) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	m.mu.Lock()
	m.headers, m.bodies = append(m.headers, r.Header.Clone()), append(m.bodies, body)
	status := m.status
	m.mu.Unlock()
	w.WriteHeader(status)
}

// weChatSetup starts a simulator and a merchant and places one 12.34 yuan order through the
// production client.
func weChatSetup(t *testing.T, merchantStatus int, opts ...sandbox.WeChatOption) (*sandbox.WeChat, *weChatMerchant, string) {
	t.Helper()
	k := weChatKeys()
	sim := sandbox.NewWeChat(k, opts...)
	api := httptest.NewServer(sim)
	m := &weChatMerchant{status: merchantStatus}
	notify := httptest.NewServer(m)
	t.Cleanup(func() { sim.Close(); api.Close(); notify.Close() })
	p, err := wechat.New(wechat.Config{
		MchID: k.MchID, AppID: k.AppID, MerchantPrivateKeyPEM: k.MerchantKeyPEM, MerchantCertSerial: k.MerchantCertSerial,
		APIv3Key: k.APIv3Key, PlatformCertsPEM: []string{k.PlatformCertPEM}, BaseURL: api.URL,
	})
	if err != nil {
		t.Fatal(err)
	}
	const no = "GPW20261126120000000000000001"
	if _, err := p.Precreate(context.Background(), payments.ProviderOrder{
		OutTradeNo: no, Amount: 1234, Description: "电费", NotifyURL: notify.URL + "/callbacks/wechat",
	}); err != nil {
		t.Fatal(err)
	}
	return sim, m, api.URL
}

func TestWeChatRefusesUnsignedRequests(t *testing.T) {
	_, _, api := weChatSetup(t, http.StatusNoContent)
	k := weChatKeys()
	for name, authz := range map[string]string{
		"none":        "",
		"wrong mchid": `WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",timestamp="1",serial_no="` + k.MerchantCertSerial + `",signature="AA=="`,
		"garbage":     "WECHATPAY2-SHA256-RSA2048 junk",
	} {
		req, _ := http.NewRequest(http.MethodGet, api+"/v3/pay/transactions/out-trade-no/GPW20261126120000000000000001?mchid="+k.MchID, nil)
		if authz != "" {
			req.Header.Set("Authorization", authz)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e struct{ Code, Message string }
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || e.Code != "SIGN_ERROR" || resp.Header.Get("Wechatpay-Signature") == "" {
			t.Errorf("%s: %d %+v", name, resp.StatusCode, e)
		}
	}
}

// TestWeChatCallbackWireFormat reads a callback with nothing but the standard library and the
// documented format, so the simulator is not only checked against our own client.
func TestWeChatCallbackWireFormat(t *testing.T) {
	sim, m, _ := weChatSetup(t, http.StatusOK)
	if err := sim.Pay("GPW20261126120000000000000001"); err != nil {
		t.Fatal(err)
	}
	sim.Wait()
	if len(m.bodies) != 1 {
		t.Fatalf("%d callbacks", len(m.bodies))
	}
	h, body, k := m.headers[0], m.bodies[0], weChatKeys()

	block, _ := pem.Decode([]byte(k.PlatformCertPEM))
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if h.Get("Wechatpay-Serial") != strings.ToUpper(cert.SerialNumber.Text(16)) {
		t.Errorf("Wechatpay-Serial %q, certificate %X", h.Get("Wechatpay-Serial"), cert.SerialNumber)
	}
	sum := sha256.Sum256([]byte(h.Get("Wechatpay-Timestamp") + "\n" + h.Get("Wechatpay-Nonce") + "\n" + string(body) + "\n"))
	sig, _ := base64.StdEncoding.DecodeString(h.Get("Wechatpay-Signature"))
	if err := rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), crypto.SHA256, sum[:], sig); err != nil {
		t.Errorf("signature: %v", err)
	}

	var ev struct {
		EventType    string `json:"event_type"`
		ResourceType string `json:"resource_type"`
		Resource     struct {
			Algorithm, Ciphertext, Nonce string
			AssociatedData               string `json:"associated_data"`
			OriginalType                 string `json:"original_type"`
		}
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.EventType != "TRANSACTION.SUCCESS" || ev.ResourceType != "encrypt-resource" || ev.Resource.Algorithm != "AEAD_AES_256_GCM" ||
		ev.Resource.OriginalType != "transaction" || len(ev.Resource.Nonce) != 12 {
		t.Errorf("event %+v", ev)
	}
	c, _ := aes.NewCipher([]byte(k.APIv3Key))
	gcm, _ := cipher.NewGCM(c)
	ct, _ := base64.StdEncoding.DecodeString(ev.Resource.Ciphertext)
	plain, err := gcm.Open(nil, []byte(ev.Resource.Nonce), ct, []byte(ev.Resource.AssociatedData))
	if err != nil {
		t.Fatal(err)
	}
	var tx struct {
		MchID         string `json:"mchid"`
		AppID         string `json:"appid"`
		OutTradeNo    string `json:"out_trade_no"`
		TransactionID string `json:"transaction_id"`
		TradeState    string `json:"trade_state"`
		TradeType     string `json:"trade_type"`
		SuccessTime   string `json:"success_time"`
		Amount        struct {
			Total    int64  `json:"total"`
			Currency string `json:"currency"`
		} `json:"amount"`
	}
	if err := json.Unmarshal(plain, &tx); err != nil {
		t.Fatal(err)
	}
	if tx.MchID != k.MchID || tx.AppID != k.AppID || tx.OutTradeNo != "GPW20261126120000000000000001" || tx.TransactionID == "" ||
		tx.TradeState != "SUCCESS" || tx.TradeType != "NATIVE" || tx.Amount.Total != 1234 || tx.Amount.Currency != "CNY" ||
		!strings.HasSuffix(tx.SuccessTime, "+08:00") {
		t.Errorf("transaction %s", plain)
	}
}

func TestWeChatRetrySchedule(t *testing.T) {
	const scale = 0.00001
	sim, m, _ := weChatSetup(t, http.StatusInternalServerError, sandbox.WeChatRetryScale(scale))
	start := time.Now()
	if err := sim.Pay("GPW20261126120000000000000001"); err != nil {
		t.Fatal(err)
	}
	sim.Wait()
	var total time.Duration
	for _, d := range sandbox.WeChatRetrySchedule {
		total += d
	}
	if got := len(sim.Deliveries()); got != 1+len(sandbox.WeChatRetrySchedule) || len(m.bodies) != got {
		t.Errorf("%d attempts, merchant saw %d; want %d", got, len(m.bodies), 1+len(sandbox.WeChatRetrySchedule))
	}
	if elapsed, want := time.Since(start), time.Duration(float64(total)*scale); elapsed < want {
		t.Errorf("gave up after %v, schedule says at least %v", elapsed, want)
	}
	// Each attempt is signed afresh, as WeChat's retries are.
	if m.headers[0].Get("Wechatpay-Nonce") == m.headers[1].Get("Wechatpay-Nonce") {
		t.Error("a retry reused the nonce")
	}
}

func TestWeChatCloseStopsRetries(t *testing.T) {
	sim, m, _ := weChatSetup(t, http.StatusServiceUnavailable) // real schedule: next try in 15 s
	if err := sim.Pay("GPW20261126120000000000000001"); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); len(sim.Deliveries()) == 0 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	done := make(chan struct{})
	go func() { sim.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not stop the pending retry")
	}
	if len(m.bodies) != 1 {
		t.Errorf("merchant saw %d attempts", len(m.bodies))
	}
}

func TestWeChatPayErrors(t *testing.T) {
	sim, _, _ := weChatSetup(t, http.StatusOK)
	if err := sim.Pay("GPW20261126120000000000000404"); !errors.Is(err, billing.ErrNotFound) {
		t.Errorf("paying an unknown order: %v", err)
	}
	if _, _, err := sim.Callback("GPW20261126120000000000000001"); !errors.Is(err, billing.ErrConflict) {
		t.Errorf("callback for an unpaid order: %v", err)
	}
	if err := sim.Pay("GPW20261126120000000000000001", sandbox.WeChatNoCallback()); err != nil {
		t.Fatal(err)
	}
	if err := sim.Pay("GPW20261126120000000000000001"); !errors.Is(err, billing.ErrConflict) {
		t.Errorf("paying twice: %v", err)
	}
	if len(sim.Deliveries()) != 0 {
		t.Errorf("deliveries %+v", sim.Deliveries())
	}
}
