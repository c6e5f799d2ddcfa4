package notify_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gridpay/internal/redistest"
	"gridpay/notify"
)

func newInbox(t *testing.T) *notify.DevInbox {
	opts, err := redis.ParseURL(redistest.URL(t, redistest.DBNotify))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	return notify.NewDevInbox(rdb, func() time.Time { return time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC) })
}

func TestDevInbox(t *testing.T) {
	inbox := newInbox(t)
	ctx := context.Background()
	for i, m := range []notify.Message{
		{To: "13800138000", Kind: "otp", Text: "验证码 111111"},
		{To: "13800138001", Kind: "otp", Text: "验证码 222222"},
		{To: "13800138000", Kind: "receipt", Text: "缴费成功 <b>¥100.00</b>"},
	} {
		if err := inbox.Send(ctx, m); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	got, err := inbox.Recent(ctx, "13800138000", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Kind != "receipt" || got[1].Text != "验证码 111111" || got[0].ID == "" || !got[0].SentAt.Equal(time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("Recent(13800138000) = %+v, want the receipt then the code", got)
	}
	if all, _ := inbox.Recent(ctx, "", 2); len(all) != 2 || all[0].Kind != "receipt" {
		t.Errorf("Recent(all, 2) = %+v", all)
	}
	if none, err := inbox.Recent(ctx, "13900000000", 10); err != nil || none == nil || len(none) != 0 {
		t.Errorf("Recent(unknown) = %#v, %v; want an empty list", none, err)
	}
}

func TestDevInboxKeepsTheNewest500(t *testing.T) {
	inbox := newInbox(t)
	ctx := context.Background()
	for i := range 510 {
		if err := inbox.Send(ctx, notify.Message{To: "13800138000", Kind: "otp", Text: strings.Repeat("x", 1+i%5)}); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := inbox.Recent(ctx, "", 1000); len(got) != 500 {
		t.Errorf("inbox holds %d messages, want 500", len(got))
	}
}

func TestMessageValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    notify.Message
	}{
		{"no recipient", notify.Message{Kind: "otp", Text: "x"}},
		{"no text", notify.Message{To: "13800138000", Kind: "otp"}},
		{"no kind", notify.Message{To: "13800138000", Text: "x"}},
		{"invalid UTF-8", notify.Message{To: "13800138000", Kind: "otp", Text: "\xff\xfe"}},
		{"too long", notify.Message{To: "13800138000", Kind: "otp", Text: strings.Repeat("电", 501)}},
		{"recipient too long", notify.Message{To: strings.Repeat("1", 33), Kind: "otp", Text: "x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.m.Validate(); err == nil {
				t.Error("Validate accepted it")
			}
			if err := newInbox(t).Send(context.Background(), tc.m); err == nil {
				t.Error("the dev inbox sent it")
			}
		})
	}
}

type failing struct{ name string }

func (f failing) Name() string                               { return f.name }
func (f failing) Send(context.Context, notify.Message) error { return errors.New(f.name + " is down") }

func TestFallback(t *testing.T) {
	inbox := newInbox(t)
	ctx := context.Background()
	m := notify.Message{To: "13800138000", Kind: "reminder", Text: "电费已逾期"}
	if err := (notify.Fallback{failing{"sms"}, inbox}).Send(ctx, m); err != nil {
		t.Fatalf("fallback to the inbox: %v", err)
	}
	if got, _ := inbox.Recent(ctx, "", 10); len(got) != 1 {
		t.Errorf("inbox has %d messages, want 1", len(got))
	}
	err := (notify.Fallback{failing{"sms"}, failing{"wechat"}}).Send(ctx, m)
	if err == nil || !strings.Contains(err.Error(), "sms is down") || !strings.Contains(err.Error(), "wechat is down") {
		t.Errorf("all channels down = %v, want both errors", err)
	}
	if err := (notify.Fallback{}).Send(ctx, m); err == nil {
		t.Error("no channel at all succeeded")
	}
}
