package app

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gridpay/internal/config"
	"gridpay/internal/demo"
	"gridpay/internal/redistest"
	"gridpay/payments"
	"gridpay/payments/bank"
)

func TestDevBureauIsTheDemoCountys(t *testing.T) {
	if want := demo.County + "供电公司"; config.DefaultDevBureau != want {
		t.Errorf("config.DefaultDevBureau = %q, want the demo county's bureau %q", config.DefaultDevBureau, want)
	}
}

// recordingProvider is a QR provider that keeps the orders it was asked to precreate.
type recordingProvider struct {
	mu     sync.Mutex
	orders []payments.ProviderOrder
}

func (p *recordingProvider) Name() string { return payments.WeChat }
func (p *recordingProvider) Precreate(_ context.Context, o payments.ProviderOrder) (payments.Precreated, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.orders = append(p.orders, o)
	return payments.Precreated{CodeURL: "weixin://wxpay/bizpayurl?pr=" + o.OutTradeNo}, nil
}
func (p *recordingProvider) Query(context.Context, string) (payments.QueryResult, error) {
	return payments.QueryResult{State: payments.TradeNotPaid}, nil
}
func (p *recordingProvider) Close(context.Context, string) error { return nil }
func (p *recordingProvider) VerifyCallback(context.Context, http.Header, []byte) (payments.Notification, error) {
	return payments.Notification{}, nil
}
func (p *recordingProvider) Ack() payments.Reply { return payments.Reply{Status: http.StatusOK} }
func (p *recordingProvider) Nack(string) payments.Reply {
	return payments.Reply{Status: http.StatusInternalServerError}
}
func (p *recordingProvider) descriptions() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, o := range p.orders {
		out = append(out, o.Description)
	}
	return out
}

// TestCustomersSeeTheConfiguredBureau runs the web tier and the worker with GRIDPAY_BUREAU set: the
// home page, the signatures of the sign-in code and of the receipt, and the payment order's
// description (what WeChat Pay and Alipay show in the customer's bill) carry the configured name,
// never the demo county's.
func TestCustomersSeeTheConfiguredBureau(t *testing.T) {
	const bureau = "青山县供电公司"
	ctx := context.Background()
	dir := t.TempDir()
	vars := map[string]string{
		"GRIDPAY_CORE_DB":     "sqlite:" + filepath.Join(dir, "core.db"),
		"GRIDPAY_PORTAL_DB":   "sqlite:" + filepath.Join(dir, "portal.db"),
		"GRIDPAY_REDIS_URL":   redistest.URL(t, redistest.DBApp),
		"GRIDPAY_BUREAU":      bureau,
		"GRIDPAY_BANK_SECRET": strings.Repeat("b7", 32),
	}
	cfg, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dbs, err := openDatabases(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dbs.close)
	if err := dbs.migrate(ctx, log); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Seed(ctx, dbs.core, demo.Options{Seed: 1, Customers: 5, Months: 3, Today: today(cfg)}); err != nil {
		t.Fatal(err)
	}
	opts, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	wx := &recordingProvider{}
	svc, err := newServices(cfg, log, dbs, rdb, cfg.RedisURL, map[string]payments.Provider{payments.WeChat: wx})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.close)
	h, err := newHandler(cfg, log, svc)
	if err != nil {
		t.Fatal(err)
	}
	site := httptest.NewServer(h)
	t.Cleanup(site.Close)
	wctx, stopWorker := context.WithCancel(ctx)
	wait := startWorker(wctx, cfg, log, svc)
	t.Cleanup(func() { stopWorker(); wait() })

	var getBody func(path string) string
	post := func(path, body string) string {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, site.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", site.URL)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 {
			t.Fatalf("POST %s = %d %s", path, resp.StatusCode, b)
		}
		return string(b)
	}
	inboxText := func(phone, kind string) string {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			var inbox struct {
				Messages []struct{ Kind, Text string } `json:"messages"`
			}
			json.Unmarshal([]byte(getBody("/dev/inbox.json?to="+phone)), &inbox)
			for _, m := range inbox.Messages {
				if m.Kind == kind {
					return m.Text
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %s message to %s in the dev inbox within 20 s", kind, phone)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	getBody = func(path string) string {
		t.Helper()
		resp, err := http.Get(site.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}

	for _, tc := range []struct {
		name string
		seen func(t *testing.T) string
	}{
		{"home page", func(t *testing.T) string { return getBody("/") }},
		{"sign-in code's signature", func(t *testing.T) string {
			post("/api/v1/otp", `{"phone":"13800138000"}`)
			return inboxText("13800138000", "otp")
		}},
		{"receipt message's signature", func(t *testing.T) string {
			body := fmt.Sprintf(`{"txn_id":"ABC20261126000077","account_no":"3100000001","amount_fen":10000,"paid_at":%q}`,
				time.Now().Format(time.RFC3339))
			ts := strconv.FormatInt(time.Now().Unix(), 10)
			key, _ := hex.DecodeString(vars["GRIDPAY_BANK_SECRET"])
			req, _ := http.NewRequest(http.MethodPost, site.URL+"/callbacks/bank", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set(bank.HeaderTimestamp, ts)
			req.Header.Set(bank.HeaderSignature, bank.Sign(key, ts, []byte(body)))
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("bank callback = %v, %v", resp, err)
			}
			resp.Body.Close()
			return inboxText("13800138000", "receipt")
		}},
		{"payment order's description", func(t *testing.T) string {
			post("/api/v1/accounts/3100000001/payments", `{"channel":"wechat","amount_fen":1234}`)
			d := wx.descriptions()
			if len(d) == 0 {
				t.Fatal("no order reached the provider")
			}
			return d[len(d)-1]
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seen := tc.seen(t)
			if !strings.Contains(seen, bureau) || strings.Contains(seen, demo.County) {
				t.Errorf("%s = %q: want %s, not the demo county %s", tc.name, seen, bureau, demo.County)
			}
		})
	}
}
