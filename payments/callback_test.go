package payments_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/hibiken/asynq"

	"gridpay/internal/billing"
	"gridpay/internal/demo"
	"gridpay/internal/redistest"
	"gridpay/internal/store"
	"gridpay/internal/storetest"
	"gridpay/payments"
	"gridpay/payments/alipay"
	"gridpay/payments/bank"
	"gridpay/payments/sandbox"
	"gridpay/payments/wechat"
	"gridpay/worker"
)

// callbackRig is the callback endpoint on loopback with real databases (SQLite, or SQL Server in
// the sqlserver subtests) and the real Redis behind it, and the WeChat Pay simulator calling it with
// the real wire format.
type callbackRig struct {
	core     *store.Core
	coreDB   *store.DB
	portalDB *store.DB
	sim      *sandbox.WeChat
	keys     sandbox.WeChatKeys
	p        *wechat.Provider
	bank     *bank.Provider
	alipay   *alipay.Provider
	aliSim   *sandbox.Alipay
	orders   *store.Portal
	url      string
}

// bankSecret is the key the rig shares with the bank.
var bankSecret = bytes.Repeat([]byte{0xb7}, 32)

// newCallbackRig is the rig on SQLite.
func newCallbackRig(t *testing.T) *callbackRig { return newCallbackRigOn(t, storetest.SQLite) }

// newCallbackRigOn is the rig on fresh databases of dialect d, for tests and benchmarks alike.
func newCallbackRigOn(t testing.TB, d storetest.Dialect) *callbackRig {
	t.Helper()
	ctx := context.Background()
	open := func(name string, s store.Schema) *store.DB {
		db, err := store.Open(ctx, d.NewDSN(t, name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.MigrateSchema(ctx, s); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	core := open("core", store.CoreSchema)
	if _, err := demo.Seed(ctx, core, demo.Options{Seed: 1, Customers: 3, Months: 2, Today: time.Now()}); err != nil {
		t.Fatal(err)
	}
	portal := open("portal", store.PortalSchema)
	r := &callbackRig{orders: store.NewPortal(portal, time.Now), coreDB: core, portalDB: portal,
		core: store.NewCore(core, billing.DefaultLateFeeRates(), time.Now)}
	keys, err := sandbox.NewWeChatKeys()
	if err != nil {
		t.Fatal(err)
	}
	r.keys = keys
	r.sim = sandbox.NewWeChat(keys, sandbox.WeChatRetryScale(0.001))
	simSrv := httptest.NewServer(r.sim)
	t.Cleanup(func() { r.sim.Close(); simSrv.Close() })
	if r.p, err = wechat.New(wechat.Config{MchID: keys.MchID, AppID: keys.AppID, MerchantPrivateKeyPEM: keys.MerchantKeyPEM,
		MerchantCertSerial: keys.MerchantCertSerial, APIv3Key: keys.APIv3Key, PlatformCertsPEM: []string{keys.PlatformCertPEM},
		BaseURL: simSrv.URL}); err != nil {
		t.Fatal(err)
	}
	opt, err := asynq.ParseRedisURI(redistest.URL(t, redistest.DBPayments))
	if err != nil {
		t.Fatal(err)
	}
	client := asynq.NewClient(opt)
	t.Cleanup(func() { client.Close() })
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	if r.bank, err = bank.New(bankSecret, time.Now); err != nil {
		t.Fatal(err)
	}
	aliSim, appKey, err := sandbox.NewAlipayApp(sandbox.AlipayConfig{AppID: "2021000000000001", SellerID: "2088000000000001", RetryScale: 1e-6})
	if err != nil {
		t.Fatal(err)
	}
	aliSrv := httptest.NewServer(aliSim)
	t.Cleanup(func() { aliSim.Close(); aliSrv.Close() })
	if r.alipay, err = alipay.New(alipay.Config{AppID: "2021000000000001", SellerID: "2088000000000001", PrivateKeyPEM: appKey,
		AlipayPublicKeyPEM: aliSim.PublicKeyPEM(), GatewayURL: aliSrv.URL + "/gateway.do", HTTPClient: aliSrv.Client()}); err != nil {
		t.Fatal(err)
	}
	r.aliSim = aliSim
	cb := &payments.Callbacks{Providers: map[string]payments.Provider{"wechat": r.p, "bank": r.bank, "alipay": r.alipay}, Orders: r.orders,
		Accounts: store.NewCore(core, billing.DefaultLateFeeRates(), time.Now), Enqueuer: worker.NewEnqueuer(client),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now}
	e.POST("/callbacks/:provider", cb.Handle)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	r.url = srv.URL
	return r
}

// order opens an order of amount and precreates it at the simulator, which will call us back.
func (r *callbackRig) order(t *testing.T, amount billing.Money) store.Order {
	return r.orderB(t, "3100000001", amount)
}

// orderB is order for tests and benchmarks, for any account: one open order per account and channel.
func (r *callbackRig) orderB(t testing.TB, accountNo string, amount billing.Money) store.Order {
	t.Helper()
	ctx := context.Background()
	o, _, err := r.orders.CreateOrder(ctx, store.NewOrder{OutTradeNo: payments.NewOutTradeNo("wechat", time.Now()),
		AccountNo: accountNo, Channel: "wechat", Amount: amount, ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	pre, err := r.p.Precreate(ctx, payments.ProviderOrder{OutTradeNo: o.OutTradeNo, Amount: amount, Description: "电费",
		ExpiresAt: o.ExpiresAt, NotifyURL: r.url + "/callbacks/wechat"})
	if err != nil {
		t.Fatal(err)
	}
	if o, err = r.orders.MoveOrder(ctx, o.ID, billing.OrderCreated, billing.OrderPending, "", func(u *store.OrderUpdate) { u.CodeURL = pre.CodeURL }); err != nil {
		t.Fatal(err)
	}
	return o
}

func (r *callbackRig) status(t *testing.T, id int64) billing.OrderStatus {
	o, err := r.orders.OrderByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return o.Status
}

func (r *callbackRig) deliveries(outTradeNo string) []sandbox.WeChatDelivery {
	var out []sandbox.WeChatDelivery
	for _, d := range r.sim.Deliveries() {
		if d.OutTradeNo == outTradeNo {
			out = append(out, d)
		}
	}
	return out
}

// waitFor polls cond until it holds, failing the test if it does not within 20 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20 s", what)
		}
	}
}

// waitDeliveries waits until the simulator has finished at least n delivery attempts for the order.
func (r *callbackRig) waitDeliveries(t *testing.T, outTradeNo string, n int) []sandbox.WeChatDelivery {
	t.Helper()
	var ds []sandbox.WeChatDelivery
	waitFor(t, fmt.Sprintf("%d deliveries for %s", n, outTradeNo), func() bool {
		ds = r.deliveries(outTradeNo)
		return len(ds) >= n
	})
	return ds
}

// send hands a fresh callback for a paid order to the endpoint, as the simulator would, and returns
// the status it was answered with.
func (r *callbackRig) send(t *testing.T, outTradeNo string) int {
	t.Helper()
	h, body, err := r.sim.Callback(outTradeNo)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, r.url+"/callbacks/wechat", bytes.NewReader(body))
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// post sends a callback as it is to the endpoint of provider and returns the answer.
func (r *callbackRig) post(t *testing.T, provider string, h http.Header, body []byte) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, r.url+"/callbacks/"+provider, bytes.NewReader(body))
	req.Header = h.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(answer)
}

// signWeChat signs body with key at ts as the WeChat Pay platform does (serial of our platform
// certificate), so that tests can send well-signed nonsense, stale callbacks or another key's.
func (r *callbackRig) signWeChat(t *testing.T, key *rsa.PrivateKey, body []byte, ts time.Time) http.Header {
	t.Helper()
	tsText := strconv.FormatInt(ts.Unix(), 10)
	sum := sha256.Sum256([]byte(tsText + "\nnonce123\n" + string(body) + "\n"))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Wechatpay-Serial", r.keys.PlatformCertSerial)
	h.Set("Wechatpay-Timestamp", tsText)
	h.Set("Wechatpay-Nonce", "nonce123")
	h.Set("Wechatpay-Signature", base64.StdEncoding.EncodeToString(sig))
	return h
}

// TestWeChatRefusals: a callback that fails verification is the caller's fault, answered 4xx with
// WeChat's error body, so that garbage never counts as a server error; the database away is ours,
// answered 5xx so that WeChat retries.
func TestWeChatRefusals(t *testing.T) {
	r := newCallbackRig(t)
	o := r.order(t, 5000)
	if err := r.sim.Pay(o.OutTradeNo, sandbox.WeChatNoCallback()); err != nil {
		t.Fatal(err)
	}
	_, good, err := r.sim.Callback(o.OutTradeNo)
	if err != nil {
		t.Fatal(err)
	}
	badSig, badSigBody, err := r.sim.Callback(o.OutTradeNo, sandbox.WeChatBadSignature())
	if err != nil {
		t.Fatal(err)
	}
	other, err := sandbox.NewWeChatKeys()
	if err != nil {
		t.Fatal(err)
	}
	garbage := []byte(`{"id":"EV-1","event_type":"TRANSACTION.SUCCESS","resource":{"algorithm":"AEAD_AES_256_GCM","nonce":"abcdefghijkl","ciphertext":"AAAA","associated_data":"transaction"}}`)
	for _, tc := range []struct {
		name string
		h    http.Header
		body []byte
	}{
		{"bad signature", badSig, badSigBody},
		{"stale timestamp", r.signWeChat(t, r.keys.PlatformKey, good, time.Now().Add(-6*time.Minute)), good},
		{"signed with another key", r.signWeChat(t, other.PlatformKey, good, time.Now()), good},
		{"resource that does not decrypt", r.signWeChat(t, r.keys.PlatformKey, garbage, time.Now()), garbage},
		{"signed, but not JSON", r.signWeChat(t, r.keys.PlatformKey, []byte("<xml/>"), time.Now()), []byte("<xml/>")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, answer := r.post(t, "wechat", tc.h, tc.body)
			var e struct{ Code, Message string }
			if status < 400 || status > 499 || json.Unmarshal([]byte(answer), &e) != nil || e.Code != "FAIL" || e.Message == "" {
				t.Errorf("answered %d %s, want 4xx {\"code\":\"FAIL\",\"message\":...}", status, answer)
			}
			if s := r.status(t, o.ID); s != billing.OrderPending {
				t.Errorf("order is %s, want still PENDING", s)
			}
		})
	}
	t.Run("database away: 5xx, WeChat retries", func(t *testing.T) {
		h, body, err := r.sim.Callback(o.OutTradeNo)
		if err != nil {
			t.Fatal(err)
		}
		r.portalDB.Close()
		if status, answer := r.post(t, "wechat", h, body); status < 500 {
			t.Errorf("answered %d %s, want 5xx", status, answer)
		}
	})
}

func TestWeChatCallbacks(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, d storetest.Dialect) { testWeChatCallbacks(t, newCallbackRigOn(t, d)) })
}

func testWeChatCallbacks(t *testing.T, r *callbackRig) {
	ctx := context.Background()

	t.Run("sent three times: paid once, answered 204 each time", func(t *testing.T) {
		o := r.order(t, 5000)
		if err := r.sim.Pay(o.OutTradeNo, sandbox.WeChatTimes(3)); err != nil {
			t.Fatal(err)
		}
		r.sim.Wait()
		ds := r.deliveries(o.OutTradeNo)
		if len(ds) != 3 {
			t.Fatalf("%d deliveries, want 3", len(ds))
		}
		for _, d := range ds {
			if d.Status != 204 {
				t.Errorf("a delivery was answered %d %s, want 204", d.Status, d.Body)
			}
		}
		if s := r.status(t, o.ID); s != billing.OrderPaid {
			t.Errorf("order is %s, want PAID", s)
		}
		if items, _ := r.orders.UnackedOutbox(ctx, time.Now().Add(time.Hour), 100); len(items) != 1 || items[0].OrderID != o.ID {
			t.Errorf("outbox = %+v, want one row for the order", items)
		}
	})

	t.Run("wrong amount: flagged for staff and answered as received", func(t *testing.T) {
		o := r.order(t, 5000)
		if err := r.sim.Pay(o.OutTradeNo, sandbox.WeChatWrongAmount(4000)); err != nil {
			t.Fatal(err)
		}
		r.sim.Wait()
		if ds := r.deliveries(o.OutTradeNo); len(ds) != 1 || ds[0].Status != 204 {
			t.Errorf("deliveries = %+v, want one answered 204 so that retries stop", ds)
		}
		if s := r.status(t, o.ID); s != billing.OrderFlagged {
			t.Errorf("order is %s, want FLAGGED", s)
		}
	})

	t.Run("bad signature: refused, nothing changes", func(t *testing.T) {
		o := r.order(t, 5000)
		if err := r.sim.Pay(o.OutTradeNo, sandbox.WeChatBadSignature(), sandbox.WeChatTimes(1)); err != nil {
			t.Fatal(err)
		}
		if ds := r.waitDeliveries(t, o.OutTradeNo, 1); ds[0].Status < 400 || ds[0].Status > 499 {
			t.Errorf("deliveries = %+v, want the first refused with 4xx", ds)
		}
		if s := r.status(t, o.ID); s != billing.OrderPending {
			t.Errorf("order is %s, want still PENDING", s)
		}
	})

	t.Run("late and out of order: each lands on its own order", func(t *testing.T) {
		// Paid in one order at the provider, called back in the other: the callbacks are handed over
		// by the test, so that "late" does not hang on a timer.
		late := r.orderB(t, "3100000002", 700)
		early := r.orderB(t, "3100000003", 800)
		for _, o := range []store.Order{late, early} {
			if err := r.sim.Pay(o.OutTradeNo, sandbox.WeChatNoCallback()); err != nil {
				t.Fatal(err)
			}
		}
		if status := r.send(t, early.OutTradeNo); status != 204 {
			t.Fatalf("early callback answered %d, want 204", status)
		}
		if a, b := r.status(t, late.ID), r.status(t, early.ID); a != billing.OrderPending || b != billing.OrderPaid {
			t.Errorf("before the late callback: late %s, early %s; want PENDING and PAID", a, b)
		}
		if status := r.send(t, late.OutTradeNo); status != 204 {
			t.Fatalf("late callback answered %d, want 204", status)
		}
		for _, o := range []store.Order{late, early} {
			got, err := r.orders.OrderByID(ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != billing.OrderPaid || got.PaidAmount != o.Amount {
				t.Errorf("order %s after both callbacks: %s paid %s, want PAID %s", o.OutTradeNo, got.Status, got.PaidAmount, o.Amount)
			}
		}
	})

	t.Run("an order we never made: not taken, the provider keeps trying", func(t *testing.T) {
		out := payments.NewOutTradeNo("wechat", time.Now())
		if _, err := r.p.Precreate(ctx, payments.ProviderOrder{OutTradeNo: out, Amount: 100, Description: "x",
			ExpiresAt: time.Now().Add(time.Hour), NotifyURL: r.url + "/callbacks/wechat"}); err != nil {
			t.Fatal(err)
		}
		if err := r.sim.Pay(out); err != nil {
			t.Fatal(err)
		}
		if ds := r.waitDeliveries(t, out, 2); ds[0].Status < 500 {
			t.Errorf("deliveries = %+v, want refusals and retries", ds)
		}
		if _, err := r.orders.OrderByOutTradeNo(ctx, out); err == nil {
			t.Error("a callback for an unknown order created one")
		}
	})

	t.Run("50 concurrent copies of one callback: paid once", func(t *testing.T) {
		o := r.orderB(t, "3100000002", 2468)
		if err := r.sim.Pay(o.OutTradeNo, sandbox.WeChatNoCallback()); err != nil {
			t.Fatal(err)
		}
		h, body, err := r.sim.Callback(o.OutTradeNo)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest(http.MethodPost, r.url+"/callbacks/wechat", bytes.NewReader(body))
				req.Header = h.Clone()
				<-start // all at once, as far as the scheduler allows
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				answer, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 204 {
					t.Errorf("a copy was answered %d %s, want 204", resp.StatusCode, answer)
				}
			}()
		}
		close(start)
		wg.Wait()
		items, _ := r.orders.UnackedOutbox(ctx, time.Now().Add(time.Hour), 1000)
		n := 0
		for _, it := range items {
			if it.OrderID == o.ID {
				n++
			}
		}
		got, err := r.orders.OrderByID(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		paid := 0
		for _, e := range got.Events {
			if e.To == billing.OrderPaid && e.From != billing.OrderPaid {
				paid++
			}
		}
		var kept int
		if err := r.portalDB.QueryRowContext(ctx, `SELECT COUNT(*) FROM callbacks WHERE out_trade_no = @o`,
			sql.Named("o", o.OutTradeNo)).Scan(&kept); err != nil {
			t.Fatal(err)
		}
		if got.Status != billing.OrderPaid || n != 1 || paid != 1 || kept != 1 {
			t.Errorf("order %s with %d outbox rows, %d moves to PAID and %d callbacks kept; want PAID with 1, 1 and 1",
				got.Status, n, paid, kept)
		}
	})
}

// signBank signs a bank collection body as the bank does, now.
func signBank(body string) http.Header {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	return http.Header{"Content-Type": {"application/json"}, bank.HeaderTimestamp: {ts}, bank.HeaderSignature: {bank.Sign(bankSecret, ts, []byte(body))}}
}

// TestCallbackConflicts: a provider transaction reported again with another amount (or account)
// is never dropped as a duplicate nor posted: it is kept for staff and answered as taken, so that
// the provider stops retrying. A bank collection for an account that does not exist is refused for
// good (400) and kept for staff, never "try again later".
func TestCallbackConflicts(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, d storetest.Dialect) { testCallbackConflicts(t, newCallbackRigOn(t, d)) })
}

func testCallbackConflicts(t *testing.T, r *callbackRig) {
	ctx := context.Background()
	collection := func(txn, account string, fen int) string {
		return fmt.Sprintf(`{"txn_id":%q,"account_no":%q,"amount_fen":%d,"paid_at":%q}`, txn, account, fen, time.Now().Format(time.RFC3339))
	}
	outbox := func() int {
		items, err := r.orders.UnackedOutbox(ctx, time.Now().Add(time.Hour), 1000)
		if err != nil {
			t.Fatal(err)
		}
		return len(items)
	}
	conflicts := func() []store.CallbackConflict {
		list, err := r.orders.CallbackConflicts(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	type answer struct {
		status int
		code   string
	}
	for _, tc := range []struct {
		name     string
		body     string
		want     answer
		outbox   int // new outbox rows
		conflict store.ConflictKind
	}{
		{"bank: 5000 fen", collection("BK1", "3100000001", 5000), answer{200, "SUCCESS"}, 1, ""},
		{"bank: the same again is a duplicate", collection("BK1", "3100000001", 5000), answer{200, "SUCCESS"}, 0, ""},
		{"bank: the same transaction for 7000 fen", collection("BK1", "3100000001", 7000), answer{200, "SUCCESS"}, 0, store.ConflictAmount},
		{"bank: the same transaction for another account", collection("BK1", "3100000002", 5000), answer{200, "SUCCESS"}, 0, store.ConflictAccount},
		{"bank: an account that does not exist", collection("BK2", "3199999999", 500), answer{400, "FAIL"}, 0, store.ConflictUnknownAccount},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, rows := len(conflicts()), outbox()
			status, body := r.post(t, "bank", signBank(tc.body), []byte(tc.body))
			var got struct{ Code, Message string }
			json.Unmarshal([]byte(body), &got)
			if status != tc.want.status || got.Code != tc.want.code {
				t.Errorf("answered %d %s, want %d %s", status, body, tc.want.status, tc.want.code)
			}
			if tc.want.status == 400 && !strings.Contains(got.Message, "account does not exist") {
				t.Errorf("refusal %q does not say the account does not exist", got.Message)
			}
			if n := outbox() - rows; n != tc.outbox {
				t.Errorf("%d new outbox rows, want %d", n, tc.outbox)
			}
			after := conflicts()
			switch {
			case tc.conflict == "" && len(after) != before:
				t.Errorf("%d new conflicts, want none", len(after)-before)
			case tc.conflict != "" && (len(after) != before+1 || after[0].Kind != tc.conflict || string(after[0].Body) != tc.body):
				t.Errorf("conflicts %+v, want a new %s with the raw callback", after, tc.conflict)
			}
		})
	}

	t.Run("wechat: the same transaction for another amount", func(t *testing.T) {
		o := r.order(t, 5000)
		if err := r.sim.Pay(o.OutTradeNo, sandbox.WeChatNoCallback()); err != nil {
			t.Fatal(err)
		}
		if status := r.send(t, o.OutTradeNo); status != 204 {
			t.Fatalf("first callback answered %d", status)
		}
		before, rows := len(conflicts()), outbox()
		h, body, err := r.sim.Callback(o.OutTradeNo, sandbox.WeChatWrongAmount(7000))
		if err != nil {
			t.Fatal(err)
		}
		if status, answer := r.post(t, "wechat", h, body); status != 204 {
			t.Errorf("answered %d %s, want 204 so that WeChat stops retrying", status, answer)
		}
		after := conflicts()
		if len(after) != before+1 || after[0].Kind != store.ConflictAmount || after[0].Amount != 7000 || after[0].OutTradeNo != o.OutTradeNo {
			t.Errorf("conflicts %+v, want a new AMOUNT one of 7000 for %s", after, o.OutTradeNo)
		}
		got, err := r.orders.OrderByID(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != billing.OrderPaid || got.PaidAmount != 5000 || outbox() != rows {
			t.Errorf("order %s paid %s, outbox %d -> %d; want PAID 5000 and nothing queued", got.Status, got.PaidAmount, rows, outbox())
		}
	})
}

// TestAlipayGBKNotification: an Alipay app whose charset is GBK gets its notifications in GBK; they
// are decoded as declared, verified as Alipay's SDKs verify, credited, and kept readable: the
// subject 电费缴纳 reads 电费缴纳 beside the body as it arrived. Garbage is answered "fail", never
// a server error.
func TestAlipayGBKNotification(t *testing.T) {
	r := newCallbackRig(t)
	ctx := context.Background()
	o, _, err := r.orders.CreateOrder(ctx, store.NewOrder{OutTradeNo: payments.NewOutTradeNo("alipay", time.Now()),
		AccountNo: "3100000001", Channel: "alipay", Amount: 8888, ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	pre, err := r.alipay.Precreate(ctx, payments.ProviderOrder{OutTradeNo: o.OutTradeNo, Amount: 8888, Description: "电费缴纳",
		ExpiresAt: o.ExpiresAt, NotifyURL: r.url + "/callbacks/alipay"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.orders.MoveOrder(ctx, o.ID, billing.OrderCreated, billing.OrderPending, "", func(u *store.OrderUpdate) { u.CodeURL = pre.CodeURL }); err != nil {
		t.Fatal(err)
	}
	if err := r.aliSim.Pay(o.OutTradeNo, sandbox.AlipayNotify{Charset: "gbk"}); err != nil {
		t.Fatal(err)
	}
	r.aliSim.Wait()
	if at := r.aliSim.Attempts(o.OutTradeNo); len(at) == 0 || at[0].Status != 200 || at[0].Body != "success" {
		t.Errorf("attempts %+v, want the first answered 200 success", at)
	}
	got, err := r.orders.OrderByID(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != billing.OrderPaid || got.PaidAmount != 8888 {
		t.Errorf("order %s paid %s, want PAID 88.88", got.Status, got.PaidAmount)
	}
	var body []byte
	var text string
	if err := r.portalDB.QueryRowContext(ctx, `SELECT body, body_text FROM callbacks WHERE out_trade_no = @o`,
		sql.Named("o", o.OutTradeNo)).Scan(&body, &text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, `"subject":"电费缴纳"`) || !bytes.Contains(body, []byte("charset=gbk")) {
		t.Errorf("kept body %q with text %q, want the GBK body and a text that reads 电费缴纳", body, text)
	}

	for _, garbage := range []string{"trade_status=TRADE_SUCCESS", "charset=big5&sign=x", "%zz"} {
		h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
		if status, answer := r.post(t, "alipay", h, []byte(garbage)); status != 200 || answer != "fail" {
			t.Errorf("%q answered %d %q, want 200 fail", garbage, status, answer)
		}
	}
}
