package app_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gridpay/internal/app"
	"gridpay/internal/redistest"
	"gridpay/internal/store"
	"gridpay/internal/storetest"
)

// TestEndToEndOnSQLServer runs gridpay on SQL Server as production would, both databases on the
// engine (GRIDPAY_TEST_MSSQL; skipped without it, failed in CI): `gridpay migrate`, `gridpay seed
// --customers 200`, then `gridpay all` with the real Redis. The demo customer signs in with the code
// texted to the dev inbox and pays by WeChat on the sandbox's pay page; the worker posts the receipt
// and the amount due drops by the payment. Then money for that one account arrives on every channel
// at once: a WeChat and an Alipay order paid together with six bank counter collections. Each is
// posted exactly once under its own receipt number, and the core database's books add up.
func TestEndToEndOnSQLServer(t *testing.T) {
	ctx := context.Background()
	e := withDialectDBs(t, storetest.SQLServer, env{"GRIDPAY_BANK_SECRET": bankSecret, "GRIDPAY_WORKER_CONCURRENCY": "8"})
	e["GRIDPAY_REDIS_URL"] = redistest.URL(t, redistest.DBApp)

	var logs bytes.Buffer
	if err := app.Run(ctx, []string{"migrate"}, e.get, io.Discard, &logs); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if want := regexp.MustCompile(`(?s)schema=core dialect=sqlserver applied=[1-9].*schema=portal dialect=sqlserver applied=[1-9]`); !want.MatchString(logs.String()) {
		t.Errorf("migrate logged %q, want both schemas applied on sqlserver", logs.String())
	}
	var out bytes.Buffer
	start := time.Now()
	if err := app.Run(ctx, []string{"seed", "--customers", "200"}, e.get, &out, io.Discard); err != nil {
		t.Fatalf("seed: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "seed: 200 accounts") {
		t.Errorf("seed output = %q", out.String())
	}
	t.Logf("seed --customers 200 on the engine: %.1f s", time.Since(start).Seconds())

	base, _ := startServer(t, "all", e)
	if resp, body := get(t, base+"/readyz"); resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /readyz = %d %s", resp.StatusCode, body)
	}
	core, err := store.Open(ctx, e["GRIDPAY_CORE_DB"])
	if err != nil {
		t.Fatal(err)
	}
	defer core.Close()
	portal, err := store.Open(ctx, e["GRIDPAY_PORTAL_DB"])
	if err != nil {
		t.Fatal(err)
	}
	defer portal.Close()
	storetest.CheckBooks(t, core.DB) // the seed's own books, before any payment

	const accountNo = "3100000001" // the demo residential account of phone 13800138000
	c := apiClient(t, base)
	receiptsBefore := accountReceipts(t, core, accountNo)

	// One payment by WeChat, the customer's way: order, pay page, callback, worker.
	due := c.summary(accountNo)
	if due.AmountDue < 200 {
		t.Fatalf("demo account %s owes %d fen: the test needs an account in arrears", accountNo, due.AmountDue)
	}
	first := c.payOrder(accountNo, "wechat", due.AmountDue/2)
	c.payOnSandbox(first.OutTradeNo)
	first = c.waitPosted(first.OutTradeNo)
	if !strings.HasPrefix(first.ReceiptNo, "SF") {
		t.Errorf("posted as %q, want a receipt number SF...", first.ReceiptNo)
	}
	if after := c.summary(accountNo); after.AmountDue != due.AmountDue-first.Amount {
		t.Errorf("owed %d fen, paid %d, now owes %d; want %d", due.AmountDue, first.Amount, after.AmountDue, due.AmountDue-first.Amount)
	}

	// Then every channel at once. Together they pay more than is owed: the postings settle the same
	// bills, and the last of them spill into the prepaid balance.
	due = c.summary(accountNo)
	const banks = 6
	amount := max(due.AmountDue/(2+banks-2), 100) // eight payments, each a sixth of what is owed
	wechat := c.payOrder(accountNo, "wechat", amount)
	alipay := c.payOrder(accountNo, "alipay", amount)
	var wg sync.WaitGroup
	go1 := make(chan struct{})
	send := func(f func()) {
		wg.Add(1)
		go func() { defer wg.Done(); <-go1; f() }()
	}
	for _, o := range []orderView{wechat, alipay} {
		send(func() { c.payOnSandbox(o.OutTradeNo) })
	}
	for i := range banks {
		body := fmt.Sprintf(`{"txn_id":"E2E%014d","account_no":%q,"amount_fen":%d,"paid_at":%q}`,
			i+1, accountNo, amount, time.Now().Format(time.RFC3339))
		send(func() {
			if status, answer := postBank(t, base, body, time.Now(), bankSecret); status != http.StatusOK {
				t.Errorf("bank collection %d answered %d %s, want 200", i+1, status, answer)
			}
		})
	}
	close(go1)
	wg.Wait()

	// Every order of the account, the first one included, ends POSTED; none is left on the way.
	want := 1 + 2 + banks
	var orders []portalOrder
	waitUntil(t, fmt.Sprintf("%d orders of %s posted", want, accountNo), 60*time.Second, func() bool {
		orders = accountOrders(t, portal, accountNo)
		posted := 0
		for _, o := range orders {
			if o.status == "POSTED" {
				posted++
			}
		}
		return posted == want
	})
	receipts := receiptsOf(t, core, accountNo)
	seen := map[string]string{}
	for _, o := range orders {
		if o.status != "POSTED" {
			t.Errorf("order %s (%s, %d fen) is %s, want POSTED", o.outTradeNo, o.channel, o.amount, o.status)
			continue
		}
		r, ok := receipts[o.outTradeNo]
		switch {
		case !ok:
			t.Errorf("order %s (%s) is POSTED as %s, but the core database has no receipt for it", o.outTradeNo, o.channel, o.receiptNo)
		case r.no != o.receiptNo || r.channel != o.channel || r.amount != o.amount:
			t.Errorf("order %s (%s, %d fen) posted as %s; its receipt is %s (%s, %d fen)",
				o.outTradeNo, o.channel, o.amount, o.receiptNo, r.no, r.channel, r.amount)
		}
		if other, dup := seen[o.receiptNo]; dup {
			t.Errorf("orders %s and %s share receipt number %s", other, o.outTradeNo, o.receiptNo)
		}
		seen[o.receiptNo] = o.outTradeNo
	}
	if n := accountReceipts(t, core, accountNo) - receiptsBefore; n != want {
		t.Errorf("%d receipts posted to %s for %d payments, want one each", n, accountNo, want)
	}
	storetest.CheckBooks(t, core.DB)

	paid := wechat.Amount + alipay.Amount + banks*amount
	settled := min(paid, due.AmountDue)
	if after := c.summary(accountNo); after.AmountDue != due.AmountDue-settled || after.Prepaid != due.Prepaid+paid-settled {
		t.Errorf("owed %d with %d prepaid, paid %d at once; now owes %d with %d prepaid, want %d with %d",
			due.AmountDue, due.Prepaid, paid, after.AmountDue, after.Prepaid, due.AmountDue-settled, due.Prepaid+paid-settled)
	}
}

// summaryView is the part of GET /api/v1/accounts/{no}/summary the tests read.
type summaryView struct {
	AmountDue int64 `json:"amount_due_fen"`
	Prepaid   int64 `json:"prepaid_fen"`
}

func (a *apiClientT) summary(accountNo string) summaryView {
	a.t.Helper()
	var s summaryView
	body := a.get("/api/v1/accounts/" + accountNo + "/summary")
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		a.t.Fatalf("summary of %s: %v: %s", accountNo, err, body)
	}
	return s
}

// orderView is the part of an order in the API the tests read.
type orderView struct {
	OutTradeNo string `json:"out_trade_no"`
	Amount     int64  `json:"amount_fen"`
	Status     string `json:"status"`
	ReceiptNo  string `json:"receipt_no"`
}

// payOrder opens an order as the signed-in customer and returns it PENDING at the provider.
func (a *apiClientT) payOrder(accountNo, channel string, amount int64) orderView {
	a.t.Helper()
	var o orderView
	status, body := a.post("/api/v1/accounts/"+accountNo+"/payments", fmt.Sprintf(`{"channel":%q,"amount_fen":%d}`, channel, amount))
	if status != http.StatusCreated || json.Unmarshal([]byte(body), &o) != nil || o.Status != "PENDING" {
		a.t.Fatalf("create %s order = %d %s", channel, status, body)
	}
	return o
}

// payOnSandbox pays an order on the sandbox's pay page, as the customer scanning its code would.
// Not Fatal on failure: it runs in goroutines.
func (a *apiClientT) payOnSandbox(outTradeNo string) {
	resp, err := http.PostForm(a.base+"/sandbox/pay/"+outTradeNo, map[string][]string{"action": {"pay"}})
	if err != nil {
		a.t.Errorf("sandbox pay %s: %v", outTradeNo, err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		a.t.Errorf("sandbox pay %s = %d", outTradeNo, resp.StatusCode)
	}
}

// waitPosted waits for the order to be POSTED, as its pay page does.
func (a *apiClientT) waitPosted(outTradeNo string) orderView {
	a.t.Helper()
	var o orderView
	waitUntil(a.t, "order "+outTradeNo+" posted", 30*time.Second, func() bool {
		json.Unmarshal([]byte(a.get("/api/v1/payments/"+outTradeNo)), &o)
		return o.Status == "POSTED"
	})
	return o
}

// waitUntil polls cond until it holds, failing the test when it does not within d.
func waitUntil(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, d)
		}
	}
}

// portalOrder is a payment order as the portal database holds it.
type portalOrder struct {
	outTradeNo, channel, status, receiptNo string
	amount                                 int64
}

func accountOrders(t *testing.T, portal *store.DB, accountNo string) []portalOrder {
	t.Helper()
	rows, err := portal.QueryContext(context.Background(), `SELECT out_trade_no, channel, status, COALESCE(posted_receipt_no, ''), amount_fen
FROM payment_orders WHERE account_no = @no ORDER BY id`, sql.Named("no", accountNo))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []portalOrder
	for rows.Next() {
		var o portalOrder
		if err := rows.Scan(&o.outTradeNo, &o.channel, &o.status, &o.receiptNo, &o.amount); err != nil {
			t.Fatal(err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// coreReceipt is a receipt as the core database holds it.
type coreReceipt struct {
	no, channel string
	amount      int64
}

// receiptsOf returns the account's receipts by order number.
func receiptsOf(t *testing.T, core *store.DB, accountNo string) map[string]coreReceipt {
	t.Helper()
	rows, err := core.QueryContext(context.Background(), `SELECT r.order_no, r.receipt_no, r.channel, r.amount_fen
FROM receipts r JOIN accounts a ON a.id = r.account_id WHERE a.account_no = @no`, sql.Named("no", accountNo))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]coreReceipt{}
	for rows.Next() {
		var (
			orderNo string
			r       coreReceipt
		)
		if err := rows.Scan(&orderNo, &r.no, &r.channel, &r.amount); err != nil {
			t.Fatal(err)
		}
		if _, dup := out[orderNo]; dup {
			t.Errorf("order %s has more than one receipt", orderNo)
		}
		out[orderNo] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func accountReceipts(t *testing.T, core *store.DB, accountNo string) int {
	t.Helper()
	var n int
	if err := core.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM receipts r JOIN accounts a ON a.id = r.account_id
WHERE a.account_no = @no`, sql.Named("no", accountNo)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
