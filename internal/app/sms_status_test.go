package app

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gridpay/internal/billing"
	"gridpay/internal/config"
	"gridpay/internal/demo"
	"gridpay/internal/redistest"
	"gridpay/internal/store"
	"gridpay/notify"
	smssandbox "gridpay/notify/tencent/sandbox"
)

// TestSMSStatusPullerOnlyWithAGateway: a process that texts through Tencent Cloud SMS pulls its
// delivery reports into the reminder proof through the process's cached core database; one that
// texts into the dev inbox has nothing to pull.
func TestSMSStatusPullerOnlyWithAGateway(t *testing.T) {
	sim := smssandbox.New("AKIDstatus", "status-secret", "1400000011", nil)
	gw := httptest.NewServer(sim)
	t.Cleanup(func() { sim.Close(); gw.Close() })
	tencent := map[string]string{"GRIDPAY_SMS_PROVIDER": "tencent", "GRIDPAY_SMS_SECRET_ID": "AKIDstatus",
		"GRIDPAY_SMS_SECRET_KEY": "status-secret", "GRIDPAY_SMS_SDK_APP_ID": "1400000011", "GRIDPAY_SMS_SIGN_NAME": "青山县供电公司",
		"GRIDPAY_SMS_ENDPOINT": gw.URL, "GRIDPAY_SMS_TEMPLATE_OTP": "2000001", "GRIDPAY_SMS_TEMPLATE_BIND_CODE": "2000002",
		"GRIDPAY_SMS_TEMPLATE_RECEIPT": "2000003"}
	for _, tc := range []struct {
		name string
		sms  map[string]string
	}{
		{"dev inbox", nil},
		{"Tencent Cloud SMS", tencent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			vars := map[string]string{"GRIDPAY_CORE_DB": "sqlite:" + filepath.Join(dir, "core.db"),
				"GRIDPAY_PORTAL_DB": "sqlite:" + filepath.Join(dir, "portal.db"), "GRIDPAY_REDIS_URL": redistest.URL(t, redistest.DBApp)}
			for k, v := range tc.sms {
				vars[k] = v
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
			if _, err := demo.Seed(ctx, dbs.core, demo.Options{Seed: 1, Customers: 2, Months: 2, Today: today(cfg)}); err != nil {
				t.Fatal(err)
			}
			opts, err := redis.ParseURL(cfg.RedisURL)
			if err != nil {
				t.Fatal(err)
			}
			rdb := redis.NewClient(opts)
			t.Cleanup(func() { rdb.Close() })
			svc, err := newServices(cfg, log, dbs, rdb, cfg.RedisURL, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(svc.close)

			p := smsStatusPuller(log, svc)
			if tc.sms == nil {
				if p != nil {
					t.Error("a puller without an SMS gateway")
				}
				return
			}
			if p == nil {
				t.Fatal("no puller with the Tencent Cloud SMS gateway")
			}
			id, err := svc.sms.Send(ctx, notify.Message{Kind: notify.OTP, To: notify.To{Phone: "13800138000"},
				Params: notify.Params{notify.ParamCode: "042917", notify.ParamMinutes: "5"}})
			if err != nil {
				t.Fatal(err)
			}
			acc, err := svc.core.AccountByNumber(ctx, demo.DemoResidentialNo)
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			if _, _, err := svc.core.RecordReminder(ctx, store.Reminder{AccountID: acc.ID, Stage: "overdue_1", Channel: "tencent",
				RemindOn: now, SentAt: now, Amount: 100, Recipient: "138****8000", Content: "电费已逾期",
				Status: billing.ReminderSent, MessageID: id}); err != nil {
				t.Fatal(err)
			}
			if _, total, err := svc.core.Reminders(ctx, acc.ID, store.Page{}); err != nil || total != 1 {
				t.Fatalf("Reminders = %d, %v", total, err) // cached now: the report must drop it
			}
			if c, err := p.Tick(ctx); err != nil || c.Delivered != 1 {
				t.Fatalf("Tick = %+v, %v; want the reminder delivered", c, err)
			}
			list, _, err := svc.core.Reminders(ctx, acc.ID, store.Page{})
			if err != nil || len(list) != 1 || list[0].Status != billing.ReminderDelivered {
				t.Errorf("the notices list after the report: %+v, %v; want the reminder delivered", list, err)
			}
		})
	}
}
