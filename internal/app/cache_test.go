package app

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gridpay/internal/billing"
	"gridpay/internal/config"
	"gridpay/internal/demo"
	"gridpay/internal/store"
	"gridpay/notify"
)

// TestChangesOnOneProcessShowOnAnother runs two processes' services on one Redis and one pair of
// databases, as two web processes (or a worker and a web process) do: a customer signed in on B
// sees at once, within a pub/sub message, a payment in flight, a posted payment, a binding and an
// unbinding that A made, although B keeps what it read in its own memory.
func TestChangesOnOneProcessShowOnAnother(t *testing.T) {
	ctx := context.Background()
	cfg, log, dbs := seededDatabases(t, 5, 3)
	process := func() *services {
		opts, _ := redis.ParseURL(cfg.RedisURL)
		rdb := redis.NewClient(opts)
		t.Cleanup(func() { rdb.Close() })
		svc, err := newServices(cfg, log, dbs, rdb, cfg.RedisURL, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(svc.close)
		return svc
	}
	a, b := process(), process()
	h, err := newHandler(cfg, log, b)
	if err != nil {
		t.Fatal(err)
	}
	site := httptest.NewServer(h)
	defer site.Close()
	c := signIn(t, site.URL, b.rdb, demo.DemoResidentialPhone)

	summary := func() map[string]any {
		var s map[string]any
		getInto(t, c, site.URL+"/api/v1/accounts/"+demo.DemoResidentialNo+"/summary", &s)
		return s
	}
	accounts := func() string {
		var l map[string]any
		getInto(t, c, site.URL+"/api/v1/accounts", &l)
		out, _ := json.Marshal(l)
		return string(out)
	}
	waitUntil := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(3 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("B does not show %s", what)
			}
		}
	}
	before := summary()
	if before["payment_in_flight"] != false || summary()["amount_due_fen"] != before["amount_due_fen"] {
		t.Fatalf("summary before = %v", before)
	}
	accounts()
	if hits, _ := b.local.Stats(); hits == 0 {
		t.Fatal("B's local tier answered nothing: the test would not show that it drops what changed")
	}

	o, _, err := a.orders.CreateOrder(ctx, store.NewOrder{OutTradeNo: "WX20261126CACHE1", AccountNo: demo.DemoResidentialNo,
		Payer: "phone:" + demo.DemoResidentialPhone, PayerPhone: demo.DemoResidentialPhone, Channel: "wechat", Amount: 1000,
		ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.orders.MarkPaid(ctx, o.OutTradeNo, "TXNCACHE1", 1000, time.Now()); err != nil {
		t.Fatal(err)
	}
	waitUntil("the payment in flight", func() bool { return summary()["payment_in_flight"] == true })

	r, err := a.core.PostPayment(ctx, store.Payment{AccountNo: demo.DemoResidentialNo, Channel: "wechat", OrderNo: o.OutTradeNo,
		Amount: 1000, PaidOn: today(cfg)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.orders.MoveOrder(ctx, o.ID, billing.OrderPaid, billing.OrderPosted, "posted as "+r.No,
		func(u *store.OrderUpdate) { u.PostedReceiptNo = r.No }); err != nil {
		t.Fatal(err)
	}
	waitUntil("the payment posted", func() bool {
		s := summary()
		return s["payment_in_flight"] == false && s["amount_due_fen"] != before["amount_due_fen"]
	})

	if _, err := a.orders.Bind(ctx, demo.DemoResidentialPhone, "3100000002"); err != nil {
		t.Fatal(err)
	}
	waitUntil("the new binding", func() bool { return strings.Contains(accounts(), "3100000002") })
	if err := a.orders.Unbind(ctx, demo.DemoResidentialPhone, "3100000002"); err != nil {
		t.Fatal(err)
	}
	waitUntil("the binding gone", func() bool { return !strings.Contains(accounts(), "3100000002") })
}

// signIn signs phone in on the site with the code from the dev inbox and returns the client.
func signIn(t *testing.T, base string, rdb *redis.Client, phone string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	post := func(path, body string) {
		resp, err := c.Post(base+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Fatalf("POST %s = %d", path, resp.StatusCode)
		}
	}
	post("/api/v1/otp", `{"phone":"`+phone+`"}`)
	msgs, err := notify.NewDevInbox(rdb, config.DefaultDevBureau, time.Now).Recent(context.Background(), phone, 1)
	if err != nil || len(msgs) == 0 {
		t.Fatalf("no code in the dev inbox: %v", err)
	}
	post("/api/v1/login", `{"phone":"`+phone+`","code":"`+regexp.MustCompile(`\d{6}`).FindString(msgs[0].Text)+`"}`)
	return c
}

func getInto(t *testing.T, c *http.Client, url string, v any) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
