package app_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gridpay/internal/app"
	"gridpay/internal/redistest"
	"gridpay/internal/store"
	"gridpay/internal/storetest"
	"gridpay/payments/bank"
)

var bankSecret = strings.Repeat("b7", 32)

// postBank sends a bank collection callback signed as the bank signs it; a failure to send is an
// error of the test, with status 0.
func postBank(t *testing.T, base, body string, at time.Time, secret string) (int, string) {
	t.Helper()
	ts := strconv.FormatInt(at.Unix(), 10)
	key, err := hex.DecodeString(secret)
	if err != nil {
		t.Errorf("bank secret: %v", err) // not Fatal: callers send from goroutines
		return 0, ""
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/callbacks/bank", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(bank.HeaderTimestamp, ts)
	req.Header.Set(bank.HeaderSignature, bank.Sign(key, ts, []byte(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("bank callback: %v", err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestBankCollectionIsPostedOnce runs `gridpay all` and pays demo account 3100000001 at a bank
// counter: 50 copies of the same callback arrive at once, the worker posts one receipt, and the
// customer gets its number by text. On SQLite always, on SQL Server when GRIDPAY_TEST_MSSQL is set.
func TestBankCollectionIsPostedOnce(t *testing.T) {
	storetest.ForEach(t, testBankCollectionIsPostedOnce)
}

func testBankCollectionIsPostedOnce(t *testing.T, d storetest.Dialect) {
	e := withDialectDBs(t, d, env{"GRIDPAY_REDIS_URL": redistest.URL(t, redistest.DBApp), "GRIDPAY_BANK_SECRET": bankSecret})
	if err := app.Run(context.Background(), []string{"seed", "--customers", "5", "--months", "3"}, e.get, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	base, _ := startServer(t, "all", e)
	body := fmt.Sprintf(`{"txn_id":"ABC20261126000042","account_no":"3100000001","amount_fen":10000,"paid_at":%q}`,
		time.Now().Format(time.RFC3339))

	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start // all at once, as far as the scheduler allows
			if status, answer := postBank(t, base, body, time.Now(), bankSecret); status != http.StatusOK {
				t.Errorf("a copy of the callback was answered %d %s, want 200: each is taken or known", status, answer)
			}
		}()
	}
	close(start)
	wg.Wait()

	receipt := waitReceiptText(t, base, "13800138000")
	if !strings.Contains(receipt, "100.00") {
		t.Errorf("receipt text %q lacks the amount", receipt)
	}
	core, err := store.Open(context.Background(), e["GRIDPAY_CORE_DB"])
	if err != nil {
		t.Fatal(err)
	}
	defer core.Close()
	count := func() int {
		var n int
		if err := core.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM receipts WHERE channel = 'bank' AND amount_fen = 10000`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 1 {
		t.Errorf("%d receipts for 50 copies of one callback, want 1", n)
	}
	storetest.CheckBooks(t, core.DB)
	// The same transaction later (a bank whose answer got lost) is answered as taken, and nothing is
	// processed again.
	if status, _ := postBank(t, base, body, time.Now(), bankSecret); status != http.StatusOK {
		t.Errorf("replayed transaction = %d, want 200", status)
	}
	if n := count(); n != 1 {
		t.Errorf("%d receipts after a replay, want 1", n)
	}
}

func TestBankCallbackRefusals(t *testing.T) {
	e := withDBs(t, env{"GRIDPAY_REDIS_URL": redistest.URL(t, redistest.DBApp), "GRIDPAY_BANK_SECRET": bankSecret})
	if err := app.Run(context.Background(), []string{"seed", "--customers", "5", "--months", "3"}, e.get, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	base, _ := startServer(t, "all", e)
	good := func(txn string) string {
		return fmt.Sprintf(`{"txn_id":%q,"account_no":"3100000001","amount_fen":500,"paid_at":%q}`, txn, time.Now().Format(time.RFC3339))
	}
	for _, tc := range []struct {
		name, body, secret string
		at                 time.Time
	}{
		{"signed with another secret", good("T1"), strings.Repeat("00", 32), time.Now()},
		{"six minutes old", good("T2"), bankSecret, time.Now().Add(-6 * time.Minute)},
		{"from the future", good("T3"), bankSecret, time.Now().Add(6 * time.Minute)},
		{"unknown account", `{"txn_id":"T4","account_no":"3199999999","amount_fen":500,"paid_at":"2026-11-26T10:00:00+08:00"}`, bankSecret, time.Now()},
		{"zero amount", `{"txn_id":"T5","account_no":"3100000001","amount_fen":0,"paid_at":"2026-11-26T10:00:00+08:00"}`, bankSecret, time.Now()},
		{"unknown field", `{"txn_id":"T6","account_no":"3100000001","amount_fen":5,"paid_at":"2026-11-26T10:00:00+08:00","x":1}`, bankSecret, time.Now()},
		{"not JSON", `txn_id=T7`, bankSecret, time.Now()},
		{"body over 64 KB", `{"txn_id":"` + strings.Repeat("9", 70000) + `"}`, bankSecret, time.Now()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := postBank(t, base, tc.body, tc.at, tc.secret)
			var r struct{ Code string }
			json.Unmarshal([]byte(body), &r)
			if status != http.StatusBadRequest || r.Code != "FAIL" {
				t.Errorf("= %d %s, want 400 FAIL", status, body)
			}
		})
	}
	resp, err := http.Post(base+"/callbacks/nosuch", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown provider = %d, want 404", resp.StatusCode)
	}
}

// waitReceiptText waits for the receipt message to phone in the dev inbox.
func waitReceiptText(t *testing.T, base, phone string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/dev/inbox.json?to=" + phone)
		if err == nil {
			var inbox struct {
				Messages []struct{ Kind, Text string } `json:"messages"`
			}
			json.NewDecoder(resp.Body).Decode(&inbox)
			resp.Body.Close()
			for _, m := range inbox.Messages {
				if m.Kind == "receipt" {
					return m.Text
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("no receipt message within 20 s")
	return ""
}

// TestQRPaymentEndToEnd pays demo account 3100000001 by QR through each sandbox over real HTTP:
// create the order, check the QR image decodes to the order's code, pay on the simulator, and see
// the callback, the worker's posting and the receipt.
func TestQRPaymentEndToEnd(t *testing.T) {
	zbarimg, err := exec.LookPath("zbarimg")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("zbarimg missing: apt-get install -y zbar-tools (.ci/run does)")
		}
		t.Skip("zbarimg missing: apt-get install -y zbar-tools")
	}
	e := withDBs(t, env{"GRIDPAY_REDIS_URL": redistest.URL(t, redistest.DBApp)})
	if err := app.Run(context.Background(), []string{"seed", "--customers", "5", "--months", "3"}, e.get, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	base, _ := startServer(t, "all", e)
	c := apiClient(t, base)

	for _, channel := range []string{"wechat", "alipay"} {
		t.Run(channel, func(t *testing.T) {
			var o struct {
				OutTradeNo string `json:"out_trade_no"`
				AmountFen  int64  `json:"amount_fen"`
				Status     string `json:"status"`
				CodeURL    string `json:"code_url"`
				QRURL      string `json:"qr_url"`
				ReceiptNo  string `json:"receipt_no"`
			}
			status, body := c.post("/api/v1/accounts/3100000001/payments", `{"channel":"`+channel+`","amount_fen":1234}`)
			if status != http.StatusCreated || json.Unmarshal([]byte(body), &o) != nil || o.Status != "PENDING" || o.CodeURL == "" {
				t.Fatalf("create order = %d %s", status, body)
			}
			// The same request again returns the open order, not a second one.
			if _, again := c.post("/api/v1/accounts/3100000001/payments", `{"channel":"`+channel+`","amount_fen":1234}`); !strings.Contains(again, o.OutTradeNo) {
				t.Errorf("asking again gave another order: %s", again)
			}
			png := c.get(o.QRURL)
			path := filepath.Join(t.TempDir(), "qr.png")
			os.WriteFile(path, []byte(png), 0o644)
			out, err := exec.Command(zbarimg, "--raw", "-q", path).Output()
			if err != nil || strings.TrimSpace(string(out)) != o.CodeURL {
				t.Fatalf("zbarimg read %q (%v), want the code_url %q", out, err, o.CodeURL)
			}
			resp, err := http.PostForm(base+"/sandbox/pay/"+o.OutTradeNo, map[string][]string{"action": {"pay"}})
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("sandbox pay = %v %v", resp.StatusCode, err)
			}
			resp.Body.Close()
			deadline := time.Now().Add(20 * time.Second)
			for time.Now().Before(deadline) && o.Status != "POSTED" {
				time.Sleep(100 * time.Millisecond)
				json.Unmarshal([]byte(c.get("/api/v1/payments/"+o.OutTradeNo)), &o)
			}
			if o.Status != "POSTED" || !strings.HasPrefix(o.ReceiptNo, "SF") {
				t.Fatalf("order after paying = %+v, want POSTED with a receipt", o)
			}
			if page := c.get("/pay/" + o.OutTradeNo); !strings.Contains(page, o.ReceiptNo) {
				t.Errorf("the pay page does not show the receipt %s once posted", o.ReceiptNo)
			}
		})
	}

	t.Run("inside WeChat the page says to long-press the code", func(t *testing.T) {
		_, body := c.post("/api/v1/accounts/3100000001/payments", `{"channel":"wechat","amount_fen":777}`)
		var o struct {
			PayURL string `json:"pay_url"`
		}
		json.Unmarshal([]byte(body), &o)
		req, _ := http.NewRequest(http.MethodGet, base+o.PayURL, nil)
		req.Header.Set("User-Agent", "Mozilla/5.0 (Linux; Android 10) MicroMessenger/8.0.40")
		resp, err := c.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(page), "长按") || resp.Header.Get("Refresh") != "" {
			t.Errorf("pay page inside WeChat lacks the long-press hint, or reloads itself (Refresh %q)", resp.Header.Get("Refresh"))
		}
	})

	t.Run("nobody else may replace a customer's open order", func(t *testing.T) {
		status, body := c.post("/api/v1/accounts/3100000001/payments", `{"channel":"alipay","amount_fen":555}`)
		var mine orderView
		if status != http.StatusCreated || json.Unmarshal([]byte(body), &mine) != nil {
			t.Fatalf("customer's order = %d %s", status, body)
		}
		req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/accounts/3100000001/payments", strings.NewReader(`{"channel":"alipay","amount_fen":1}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req) // anonymous: 代缴
		if err != nil {
			t.Fatal(err)
		}
		theirs, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated || strings.Contains(string(theirs), mine.OutTradeNo) {
			t.Errorf("an anonymous order of another amount = %d %s, want 201 and an order of its own", resp.StatusCode, theirs)
		}
		if err := json.Unmarshal([]byte(c.get("/api/v1/payments/"+mine.OutTradeNo)), &mine); err != nil || mine.Status != "PENDING" {
			t.Errorf("the customer's order is %q after another payer's (%v), want still PENDING", mine.Status, err)
		}
	})

	t.Run("the paper bill's code opens the page to pay the account", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "account.png")
		os.WriteFile(path, []byte(c.get("/payfor/3100000002/qr.png")), 0o644)
		out, err := exec.Command(zbarimg, "--raw", "-q", path).Output()
		if want := base + "/payfor?account=3100000002"; err != nil || strings.TrimSpace(string(out)) != want {
			t.Errorf("account code reads %q (%v), want %q", out, err, want)
		}
	})
}

// apiClient is a signed-in API client for the demo phone 13800138000.
type apiClientT struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
}

func apiClient(t *testing.T, base string) *apiClientT {
	jar, _ := cookiejar.New(nil)
	a := &apiClientT{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 15 * time.Second}}
	a.post("/api/v1/otp", `{"phone":"13800138000"}`)
	_, body := a.post("/api/v1/login", `{"phone":"13800138000","code":"`+devInboxCode(t, base, "13800138000")+`"}`)
	var s struct {
		CSRF string `json:"csrf_token"`
	}
	json.Unmarshal([]byte(body), &s)
	a.csrf = s.CSRF
	return a
}

func (a *apiClientT) post(path, body string) (int, string) {
	req, _ := http.NewRequest(http.MethodPost, a.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if a.csrf != "" {
		req.Header.Set("X-CSRF-Token", a.csrf)
	}
	resp, err := a.c.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (a *apiClientT) get(path string) string {
	resp, err := a.c.Get(a.base + path)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestTwoPayersPayOneAccountAtOnce: the customer and someone paying for them signed out (代缴) each
// open a WeChat order for the whole debt of one account and pay at once. Both orders are posted, each
// once; the debt is settled and what the two paid beyond it is the account's prepaid balance.
func TestTwoPayersPayOneAccountAtOnce(t *testing.T) {
	e := withDBs(t, env{"GRIDPAY_REDIS_URL": redistest.URL(t, redistest.DBApp)})
	if err := app.Run(context.Background(), []string{"seed", "--customers", "5", "--months", "3"}, e.get, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	base, _ := startServer(t, "all", e)
	customer := apiClient(t, base)
	jar, _ := cookiejar.New(nil)
	stranger := &apiClientT{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 15 * time.Second}} // signed out

	const accountNo = "3100000001"
	before := customer.summary(accountNo)
	if before.AmountDue <= 0 {
		t.Fatalf("demo account %s owes nothing: the test needs an account in arrears", accountNo)
	}
	mine := customer.payOrder(accountNo, "wechat", before.AmountDue)
	theirs := stranger.payOrder(accountNo, "wechat", before.AmountDue)
	if theirs.OutTradeNo == mine.OutTradeNo {
		t.Fatalf("both payers got order %s, want one each", mine.OutTradeNo)
	}
	var wg sync.WaitGroup
	for _, o := range []orderView{mine, theirs} {
		wg.Add(1)
		go func() { defer wg.Done(); customer.payOnSandbox(o.OutTradeNo) }()
	}
	wg.Wait()
	mine, theirs = customer.waitPosted(mine.OutTradeNo), stranger.waitPosted(theirs.OutTradeNo)
	if mine.ReceiptNo == "" || theirs.ReceiptNo == "" || mine.ReceiptNo == theirs.ReceiptNo {
		t.Errorf("receipts %q and %q, want one of its own for each order", mine.ReceiptNo, theirs.ReceiptNo)
	}
	after := customer.summary(accountNo)
	if after.AmountDue != 0 || after.Prepaid != before.Prepaid+before.AmountDue {
		t.Errorf("owed %d with %d prepaid, two payers paid %d each; now owes %d with %d prepaid, want 0 with %d",
			before.AmountDue, before.Prepaid, before.AmountDue, after.AmountDue, after.Prepaid, before.Prepaid+before.AmountDue)
	}
}
