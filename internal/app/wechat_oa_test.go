package app

import (
	"context"
	"log/slog"
	"maps"
	"net/http/httptest"
	"testing"

	"github.com/redis/go-redis/v9"

	"gridpay/internal/config"
	"gridpay/internal/redistest"
	"gridpay/notify"
	oasandbox "gridpay/notify/wechatoa/sandbox"
)

// TestWeChatOAChannel builds the services with and without GRIDPAY_WECHAT_OA_*: configured, the
// reminders' WeChat channel reaches the account (its simulator) with the configured app, secret and
// template ids; unset, there is none, and texts go as before.
func TestWeChatOAChannel(t *testing.T) {
	const (
		appID    = "wx8c3f1e2d4b5a6978"
		secret   = "9f2b7c1d0e8a4f6b3c5d7e9f1a2b4c6d"
		follower = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
	)
	sim := oasandbox.New(appID, secret, nil)
	sim.Templates(map[string][]string{"tplCuijiao_4": {"first", "keyword1", "keyword2", "remark"}})
	sim.Follow(follower)
	srv := httptest.NewServer(sim)
	t.Cleanup(func() { sim.Close(); srv.Close() })
	oa := map[string]string{"GRIDPAY_WECHAT_OA_APPID": appID, "GRIDPAY_WECHAT_OA_SECRET": secret,
		"GRIDPAY_WECHAT_OA_BASE_URL": srv.URL, "GRIDPAY_WECHAT_OA_TEMPLATE_CUIJIAO": "tplCuijiao_4"}

	redisURL := redistest.URL(t, redistest.DBApp)
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	build := func(env map[string]string) *services {
		t.Helper()
		cfg, err := config.Load(func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		s, err := newServices(cfg, slog.New(slog.DiscardHandler), databases{}, rdb, redisURL, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.close)
		return s
	}

	if s := build(nil); s.wechat != nil {
		t.Errorf("without GRIDPAY_WECHAT_OA_*: wechat = %v, want none", s.wechat)
	}
	s := build(maps.Clone(oa))
	if s.wechat == nil || s.wechat.Name() != "wechat" {
		t.Fatalf("wechat = %v, want the official account", s.wechat)
	}
	if s.text != s.inbox || s.sms != s.inbox {
		t.Errorf("texts go by %v and %v, want the dev inbox as before", s.text, s.sms)
	}
	id, err := s.wechat.Send(context.Background(), notify.Message{Kind: notify.Cuijiao, To: notify.To{OpenID: follower}, Params: notify.Params{
		notify.ParamAccount: "310*****01", notify.ParamAmount: "178.15", notify.ParamLink: "http://127.0.0.1:8080/payfor/3100000001"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := sim.Received(); len(got) != 1 || got[0].TemplateID != "tplCuijiao_4" || got[0].OpenID != follower || id == "" {
		t.Errorf("the account received %+v (id %q), want the 催交 as template tplCuijiao_4", got, id)
	}
}
