package alipay_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/payments"
	"gridpay/payments/alipay"
	"gridpay/payments/sandbox"
)

const (
	testAppID    = "2021000122600001"
	testSellerID = "2088621000000001"
)

var cst = time.FixedZone("CST", 8*3600)

// now is the fixed clock of both the provider and the simulator.
var now = time.Date(2026, 11, 26, 10, 30, 0, 0, cst)

// appKeys is one app key pair for the whole test binary: RSA key generation is slow.
var appKeys = sync.OnceValues(func() ([2][]byte, error) {
	priv, pub, err := sandbox.GenerateAlipayKeyPair()
	return [2][]byte{priv, pub}, err
})

// rig is a provider wired to an Alipay simulator served over loopback.
type rig struct {
	provider *alipay.Provider
	sim      *sandbox.Alipay
	gateway  *httptest.Server

	mu    sync.Mutex
	clock time.Time // starts at now
}

// now is the rig's clock, shared by provider and simulator.
func (r *rig) now() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.clock
}

// setClock moves the rig's clock.
func (r *rig) setClock(t time.Time) {
	r.mu.Lock()
	r.clock = t
	r.mu.Unlock()
}

func newRig(t testing.TB) *rig {
	t.Helper()
	keys, err := appKeys()
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{clock: now}
	sim, err := sandbox.NewAlipay(sandbox.AlipayConfig{
		AppID: testAppID, SellerID: testSellerID, AppPublicKeyPEM: keys[1],
		Now: r.now, RetryScale: 1e-6,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(func() { sim.Close(); srv.Close() })
	p, err := alipay.New(alipay.Config{
		AppID: testAppID, SellerID: testSellerID,
		PrivateKeyPEM: keys[0], AlipayPublicKeyPEM: sim.PublicKeyPEM(),
		GatewayURL: srv.URL + "/gateway.do", HTTPClient: srv.Client(),
		Now: r.now,
	})
	if err != nil {
		t.Fatal(err)
	}
	r.provider, r.sim, r.gateway = p, sim, srv
	return r
}

// precreate precreates an order of 88.88 yuan and returns its number.
func (r *rig) precreate(t testing.TB, notifyURL string) string {
	t.Helper()
	o := payments.ProviderOrder{
		OutTradeNo:  payments.NewOutTradeNo(payments.Alipay, now),
		Amount:      8888,
		Description: "云溪县供电公司电费-户号3100000001",
		ExpiresAt:   now.Add(15 * time.Minute),
		NotifyURL:   notifyURL,
	}
	pre, err := r.provider.Precreate(context.Background(), o)
	if err != nil {
		t.Fatalf("Precreate: %v", err)
	}
	if !strings.HasPrefix(pre.CodeURL, "https://qr.alipay.com/") || !pre.ExpiresAt.Equal(o.ExpiresAt) {
		t.Fatalf("Precreate = %+v, want a qr.alipay.com code expiring at %v", pre, o.ExpiresAt)
	}
	if got, ok := r.sim.OutTradeNo(pre.CodeURL); !ok || got != o.OutTradeNo {
		t.Fatalf("simulator knows the code as %q, %v; want %q", got, ok, o.OutTradeNo)
	}
	return o.OutTradeNo
}

func TestPrecreateQueryPay(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	no := r.precreate(t, "https://pay.example.cn/callbacks/alipay")

	// Before anyone scans the code the trade does not exist at Alipay: not paid.
	res, err := r.provider.Query(ctx, no)
	if err != nil || res != (payments.QueryResult{State: payments.TradeNotPaid}) {
		t.Fatalf("Query before scan = %+v, %v; want NOTPAY", res, err)
	}
	if err := r.sim.Scan(no); err != nil {
		t.Fatal(err)
	}
	res, err = r.provider.Query(ctx, no)
	if err != nil || res.State != payments.TradeNotPaid || res.ProviderTxnID == "" || res.Amount != 8888 {
		t.Fatalf("Query WAIT_BUYER_PAY = %+v, %v; want NOTPAY with trade_no and 8888 fen", res, err)
	}
	if err := r.sim.Pay(no, sandbox.AlipayNotify{Never: true}); err != nil {
		t.Fatal(err)
	}
	paid, err := r.provider.Query(ctx, no)
	want := payments.QueryResult{State: payments.TradePaid, ProviderTxnID: res.ProviderTxnID, Amount: 8888, PaidAt: now}
	if err != nil || paid.State != want.State || paid.ProviderTxnID != want.ProviderTxnID ||
		paid.Amount != want.Amount || !paid.PaidAt.Equal(want.PaidAt) {
		t.Fatalf("Query after paying = %+v, %v; want %+v", paid, err, want)
	}
	// A paid trade cannot be closed.
	if err := r.provider.Close(ctx, no); !errors.Is(err, billing.ErrConflict) {
		t.Fatalf("Close paid trade = %v, want ErrConflict", err)
	}
	if len(r.sim.Attempts(no)) != 0 {
		t.Fatal("Never sent a notification")
	}
}

func TestClose(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()

	scanned := r.precreate(t, "https://pay.example.cn/callbacks/alipay")
	if err := r.sim.Scan(scanned); err != nil {
		t.Fatal(err)
	}
	if err := r.provider.Close(ctx, scanned); err != nil {
		t.Fatalf("Close scanned trade: %v", err)
	}
	if res, err := r.provider.Query(ctx, scanned); err != nil || res.State != payments.TradeClosed {
		t.Fatalf("Query closed = %+v, %v; want CLOSED", res, err)
	}
	if err := r.sim.Pay(scanned, sandbox.AlipayNotify{Never: true}); err == nil {
		t.Fatal("paid a closed trade")
	}

	unscanned := r.precreate(t, "https://pay.example.cn/callbacks/alipay")
	if err := r.provider.Close(ctx, unscanned); err != nil {
		t.Fatalf("Close unscanned order (ACQ.TRADE_NOT_EXIST): %v", err)
	}
	if err := r.sim.Pay(unscanned, sandbox.AlipayNotify{Never: true}); err == nil {
		t.Fatal("paid a closed order")
	}
}

func TestPrecreateRejectsBadOrder(t *testing.T) {
	r := newRig(t)
	_, err := r.provider.Precreate(context.Background(), payments.ProviderOrder{OutTradeNo: "GPA1", NotifyURL: "https://x/cb"})
	if !errors.Is(err, billing.ErrInvalid) {
		t.Fatalf("Precreate of 0 fen = %v, want ErrInvalid", err)
	}
}

func TestGatewayRejectsRequestsSignedWithAnotherKey(t *testing.T) {
	r := newRig(t)
	otherPriv, _, err := sandbox.GenerateAlipayKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	p, err := alipay.New(alipay.Config{
		AppID: testAppID, SellerID: testSellerID, PrivateKeyPEM: otherPriv,
		AlipayPublicKeyPEM: r.sim.PublicKeyPEM(), GatewayURL: r.gateway.URL,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Query(context.Background(), "GPA20261126103000000000000001")
	var apiErr *alipay.APIError
	if !errors.As(err, &apiErr) || apiErr.SubCode != "isv.invalid-signature" {
		t.Fatalf("Query signed with another key = %v, want isv.invalid-signature", err)
	}
}

func TestProviderRejectsResponsesSignedWithAnotherKey(t *testing.T) {
	r := newRig(t)
	keys, _ := appKeys()
	p, err := alipay.New(alipay.Config{
		AppID: testAppID, SellerID: testSellerID, PrivateKeyPEM: keys[0],
		AlipayPublicKeyPEM: keys[1], // not the simulator's key
		GatewayURL:         r.gateway.URL,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Query(context.Background(), "GPA20261126103000000000000001")
	if !errors.Is(err, billing.ErrUnauthorized) {
		t.Fatalf("Query answered under another key = %v, want ErrUnauthorized", err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	keys, err := appKeys()
	if err != nil {
		t.Fatal(err)
	}
	good := alipay.Config{AppID: testAppID, SellerID: testSellerID, PrivateKeyPEM: keys[0], AlipayPublicKeyPEM: keys[1], GatewayURL: "http://127.0.0.1/gateway.do"}
	if _, err := alipay.New(good); err != nil {
		t.Fatalf("New(good) = %v", err)
	}
	tests := map[string]func(*alipay.Config){
		"no app id":         func(c *alipay.Config) { c.AppID = "" },
		"no seller id":      func(c *alipay.Config) { c.SellerID = "" },
		"no gateway":        func(c *alipay.Config) { c.GatewayURL = "" },
		"private not PEM":   func(c *alipay.Config) { c.PrivateKeyPEM = []byte("MIIE...") },
		"public as private": func(c *alipay.Config) { c.PrivateKeyPEM = keys[1] },
		"private as public": func(c *alipay.Config) { c.AlipayPublicKeyPEM = keys[0] },
	}
	for name, edit := range tests {
		t.Run(name, func(t *testing.T) {
			cfg := good
			edit(&cfg)
			if _, err := alipay.New(cfg); !errors.Is(err, billing.ErrInvalid) {
				t.Fatalf("New = %v, want ErrInvalid", err)
			}
		})
	}
}

// callbackServer answers notifications the way gridpay does: verify, then Ack, or Nack for the
// first nackFirst ones. It records what it verified.
type callbackServer struct {
	*httptest.Server
	mu        sync.Mutex
	nackFirst int
	got       []payments.Notification
	errs      []error
}

func newCallbackServer(t *testing.T, p *alipay.Provider, nackFirst int) *callbackServer {
	cs := &callbackServer{nackFirst: nackFirst}
	cs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(http.MaxBytesReader(w, req.Body, 64<<10))
		n, err := p.VerifyCallback(req.Context(), req.Header, body)
		cs.mu.Lock()
		reply := p.Ack()
		if err != nil {
			cs.errs = append(cs.errs, err)
			reply = p.Nack(err.Error())
		} else {
			cs.got = append(cs.got, n)
			if len(cs.got) <= cs.nackFirst {
				reply = p.Nack("not yet")
			}
		}
		cs.mu.Unlock()
		w.Header().Set("Content-Type", reply.ContentType)
		w.WriteHeader(reply.Status)
		w.Write(reply.Body)
	}))
	t.Cleanup(cs.Close)
	return cs
}

func TestNotificationDeliveredTwiceWithOneNotifyID(t *testing.T) {
	r := newRig(t)
	cb := newCallbackServer(t, r.provider, 0)
	no := r.precreate(t, cb.URL+"/callbacks/alipay")
	if err := r.sim.Pay(no, sandbox.AlipayNotify{Times: 2}); err != nil {
		t.Fatal(err)
	}
	r.sim.Wait()
	q, err := r.provider.Query(context.Background(), no)
	if err != nil {
		t.Fatal(err)
	}
	want := payments.Notification{Paid: true, OutTradeNo: no, ProviderTxnID: q.ProviderTxnID, Amount: 8888, PaidAt: now}
	if len(cb.got) != 2 || len(cb.errs) != 0 {
		t.Fatalf("verified %d notifications, errors %v; want 2 and none", len(cb.got), cb.errs)
	}
	for _, n := range cb.got {
		if n.Paid != want.Paid || n.OutTradeNo != want.OutTradeNo || n.ProviderTxnID != want.ProviderTxnID ||
			n.Amount != want.Amount || !n.PaidAt.Equal(want.PaidAt) {
			t.Fatalf("notification = %+v, want %+v", n, want)
		}
	}
	att := r.sim.Attempts(no)
	if len(att) != 2 || att[0].NotifyID != att[1].NotifyID || att[0].Body != "success" || att[1].Body != "success" {
		t.Fatalf("attempts = %+v, want two answered success with one notify_id", att)
	}
}

func TestNotificationRetriedUntilSuccess(t *testing.T) {
	r := newRig(t)
	cb := newCallbackServer(t, r.provider, 3)
	no := r.precreate(t, cb.URL+"/callbacks/alipay")
	if err := r.sim.Pay(no, sandbox.AlipayNotify{}); err != nil {
		t.Fatal(err)
	}
	r.sim.Wait()
	att := r.sim.Attempts(no)
	if len(att) != 4 {
		t.Fatalf("attempts = %+v, want 3 answered fail and 1 success", att)
	}
	for i, a := range att {
		want := "fail"
		if i == 3 {
			want = "success"
		}
		if a.Body != want || a.Status != http.StatusOK || a.NotifyID != att[0].NotifyID {
			t.Fatalf("attempt %d = %+v, want body %q and notify_id %s", i, a, want, att[0].NotifyID)
		}
	}
}

func TestNotificationWithWrongAmountOrBadSignature(t *testing.T) {
	r := newRig(t)
	cb := newCallbackServer(t, r.provider, 0)
	bad := r.precreate(t, cb.URL+"/callbacks/alipay")
	if err := r.sim.Pay(bad, sandbox.AlipayNotify{BadSignature: true}); err != nil {
		t.Fatal(err)
	}
	wrong := r.precreate(t, cb.URL+"/callbacks/alipay")
	if err := r.sim.Pay(wrong, sandbox.AlipayNotify{Amount: 1}); err != nil {
		t.Fatal(err)
	}
	r.sim.Wait()
	// The bad signature is refused on all 8 attempts; the wrong amount is verified (the order
	// amount check is the caller's) and answered.
	if got := len(r.sim.Attempts(bad)); got != 1+len(sandbox.AlipayRetrySchedule) {
		t.Fatalf("bad signature sent %d times, want %d", got, 1+len(sandbox.AlipayRetrySchedule))
	}
	for _, err := range cb.errs {
		if !errors.Is(err, billing.ErrUnauthorized) {
			t.Fatalf("bad signature error = %v, want ErrUnauthorized", err)
		}
	}
	if len(cb.got) != 1 || cb.got[0].OutTradeNo != wrong || cb.got[0].Amount != 1 {
		t.Fatalf("verified %+v, want the wrong-amount notification of 0.01", cb.got)
	}
}

func TestVerifyCallback(t *testing.T) {
	r := newRig(t)
	no := r.precreate(t, "https://pay.example.cn/callbacks/alipay")
	if err := r.sim.Pay(no, sandbox.AlipayNotify{Never: true}); err != nil {
		t.Fatal(err)
	}
	q, err := r.provider.Query(context.Background(), no)
	if err != nil {
		t.Fatal(err)
	}
	paid := payments.Notification{Paid: true, OutTradeNo: no, ProviderTxnID: q.ProviderTxnID, Amount: 8888, PaidAt: now}
	notPaid := paid
	notPaid.Paid = false

	set := func(k, v string) func(url.Values) { return func(f url.Values) { f.Set(k, v) } }
	tests := []struct {
		name   string
		notify sandbox.AlipayNotify
		after  func(url.Values) // changes the form after signing
		body   string           // instead of the form
		want   payments.Notification
		text   string // what the notification's Text must hold, in UTF-8
		err    error
	}{
		{name: "trade success", want: paid},
		{name: "trade finished", notify: sandbox.AlipayNotify{TradeStatus: "TRADE_FINISHED"}, want: paid},
		{name: "wait buyer pay", notify: sandbox.AlipayNotify{TradeStatus: "WAIT_BUYER_PAY"}, want: notPaid},
		{name: "trade closed", notify: sandbox.AlipayNotify{TradeStatus: "TRADE_CLOSED"}, want: notPaid},
		{name: "partial refund", notify: sandbox.AlipayNotify{Edit: func(f url.Values) {
			f.Set("refund_fee", "1.00")
			f.Set("gmt_refund", "2026-11-26 11:00:00")
		}}, want: notPaid},
		{name: "empty parameter left out of the signature", notify: sandbox.AlipayNotify{Edit: set("passback_params", "")}, want: paid},
		{name: "empty parameter signed", notify: sandbox.AlipayNotify{Edit: set("passback_params", ""), SignEmpty: true}, want: paid},
		{name: "empty parameter added", after: set("passback_params", ""), want: paid},
		{name: "tampered amount", after: set("total_amount", "0.01"), err: billing.ErrUnauthorized},
		{name: "tampered order number", after: set("out_trade_no", "GPA20261126103000123456789012"), err: billing.ErrUnauthorized},
		{name: "added field", after: set("passback_params", "x"), err: billing.ErrUnauthorized},
		{name: "bad signature", notify: sandbox.AlipayNotify{BadSignature: true}, err: billing.ErrUnauthorized},
		{name: "signature not base64", after: set("sign", "!!!"), err: billing.ErrUnauthorized},
		{name: "no signature", after: func(f url.Values) { f.Del("sign") }, err: billing.ErrUnauthorized},
		{name: "sign_type RSA", after: set("sign_type", "RSA"), err: billing.ErrUnauthorized},
		{name: "wrong app_id", notify: sandbox.AlipayNotify{Edit: set("app_id", "2021000000000000")}, err: billing.ErrUnauthorized},
		{name: "wrong seller_id", notify: sandbox.AlipayNotify{Edit: set("seller_id", "2088000000000000")}, err: billing.ErrUnauthorized},
		{name: "amount 0.001", notify: sandbox.AlipayNotify{Edit: set("total_amount", "0.001")}, err: billing.ErrInvalid},
		{name: "amount abc", notify: sandbox.AlipayNotify{Edit: set("total_amount", "abc")}, err: billing.ErrInvalid},
		{name: "amount zero", notify: sandbox.AlipayNotify{Edit: set("total_amount", "0.00")}, err: billing.ErrInvalid},
		{name: "amount negative", notify: sandbox.AlipayNotify{Edit: set("total_amount", "-88.88")}, err: billing.ErrInvalid},
		{name: "no trade_no", notify: sandbox.AlipayNotify{Edit: set("trade_no", "")}, err: billing.ErrInvalid},
		{name: "no out_trade_no", notify: sandbox.AlipayNotify{Edit: set("out_trade_no", "")}, err: billing.ErrInvalid},
		{name: "paid without gmt_payment", notify: sandbox.AlipayNotify{Edit: set("gmt_payment", "")}, err: billing.ErrInvalid},
		{name: "gmt_payment in RFC 3339", notify: sandbox.AlipayNotify{Edit: set("gmt_payment", "2026-11-26T10:30:00+08:00")}, err: billing.ErrInvalid},
		{name: "other notify_type", notify: sandbox.AlipayNotify{Edit: set("notify_type", "batch_trans_notify")}, err: billing.ErrInvalid},
		{name: "GBK, subject 电费缴纳", notify: sandbox.AlipayNotify{Charset: "gbk", Edit: set("subject", "电费缴纳")}, want: paid, text: "电费缴纳"},
		{name: "GBK spelt GBK", notify: sandbox.AlipayNotify{Charset: "GBK", Edit: set("subject", "电费缴纳")}, want: paid, text: "电费缴纳"},
		{name: "GB2312", notify: sandbox.AlipayNotify{Charset: "gb2312", Edit: set("subject", "电费缴纳")}, want: paid, text: "电费缴纳"},
		{name: "GB18030, a character outside GBK", notify: sandbox.AlipayNotify{Charset: "gb18030", Edit: set("subject", "电费缴纳𠀀")}, want: paid, text: "电费缴纳𠀀"},
		{name: "GBK, tampered subject", notify: sandbox.AlipayNotify{Charset: "gbk", Edit: set("subject", "电费缴纳")},
			after: set("subject", "\xb5\xe7\xb7\xd1"), err: billing.ErrUnauthorized},
		{name: "GBK bytes declared UTF-8", notify: sandbox.AlipayNotify{Charset: "gbk", Edit: set("subject", "电费缴纳")},
			after: set("charset", "utf-8"), err: billing.ErrInvalid},
		{name: "UTF-8 bytes declared GBK", notify: sandbox.AlipayNotify{Edit: set("subject", "电费缴纳")},
			after: set("charset", "gbk"), err: billing.ErrUnauthorized},
		{name: "Big5 charset", notify: sandbox.AlipayNotify{Edit: set("charset", "big5")}, err: billing.ErrInvalid},
		{name: "repeated parameter", after: func(f url.Values) { f.Add("trade_status", "TRADE_SUCCESS") }, err: billing.ErrInvalid},
		{name: "not a form", body: "%zz", err: billing.ErrInvalid},
		{name: "JSON", body: `{"trade_status":"TRADE_SUCCESS"}`, err: billing.ErrUnauthorized},
		{name: "empty", body: "", err: billing.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body
			if body == "" && tt.name != "empty" {
				form, err := r.sim.Notification(no, tt.notify)
				if err != nil {
					t.Fatal(err)
				}
				if tt.after != nil {
					tt.after(form)
				}
				body = form.Encode()
			}
			hdr := http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}}
			got, err := r.provider.VerifyCallback(context.Background(), hdr, []byte(body))
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("VerifyCallback = %+v, %v; want %v", got, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("VerifyCallback: %v", err)
			}
			if got.Paid != tt.want.Paid || got.OutTradeNo != tt.want.OutTradeNo || got.ProviderTxnID != tt.want.ProviderTxnID ||
				got.Amount != tt.want.Amount || !got.PaidAt.Equal(tt.want.PaidAt) || got.AccountNo != "" {
				t.Fatalf("VerifyCallback = %+v, want %+v", got, tt.want)
			}
			if (tt.text == "") != (got.Text == "") || !strings.Contains(got.Text, tt.text) {
				t.Fatalf("Text = %q, want it to read %q", got.Text, tt.text)
			}
			if tt.want.Paid && got.PaidAt.UTC().Format(time.RFC3339) != "2026-11-26T02:30:00Z" {
				t.Fatalf("PaidAt = %v, want 10:30 in China", got.PaidAt)
			}
		})
	}
}

func TestAckAndNack(t *testing.T) {
	r := newRig(t)
	ack := r.provider.Ack()
	if ack.Status != http.StatusOK || string(ack.Body) != "success" || !strings.HasPrefix(ack.ContentType, "text/plain") {
		t.Fatalf("Ack = %+v, want 200 text/plain success", ack)
	}
	nack := r.provider.Nack("database down")
	if nack.Status != http.StatusOK || string(nack.Body) != "fail" {
		t.Fatalf("Nack = %+v, want 200 fail", nack)
	}
	if r.provider.Name() != payments.Alipay {
		t.Fatalf("Name = %q", r.provider.Name())
	}
}
