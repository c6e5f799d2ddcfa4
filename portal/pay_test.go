package portal_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

// TestPayPageShowsExpiryInTheBureausZone: the time a code stops working is read on the bureau's
// clock, GRIDPAY_TIMEZONE, whatever zone that is.
func TestPayPageShowsExpiryInTheBureausZone(t *testing.T) {
	for _, tc := range []struct {
		name string
		loc  *time.Location
		want string
	}{
		{"Beijing", time.FixedZone("CST", 8*3600), "16:30"},
		{"five hours behind UTC", time.FixedZone("UTC-5", -5*3600), "03:30"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startSite(t, siteOptions{dev: true, loc: tc.loc})
			ctx := context.Background()
			// The site's clock says 08:00 UTC; the code is good for half an hour.
			o, _, err := s.portal.CreateOrder(ctx, store.NewOrder{OutTradeNo: "GP20261126TZ0001", AccountNo: "3100000001",
				Channel: "wechat", Amount: billing.Money(12345), ExpiresAt: time.Date(2026, 11, 26, 8, 30, 0, 0, time.UTC)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.portal.MoveOrder(ctx, o.ID, billing.OrderCreated, billing.OrderPending, "code", func(u *store.OrderUpdate) {
				u.CodeURL = "weixin://wxpay/bizpayurl?pr=test"
			}); err != nil {
				t.Fatal(err)
			}
			status, body := getPage(t, client(t), s.url+"/pay/"+o.OutTradeNo)
			if status != http.StatusOK || !strings.Contains(body, "二维码"+tc.want+"前有效") {
				t.Errorf("pay page = %d, want the code valid until %s:\n%s", status, tc.want, body)
			}
		})
	}
}
