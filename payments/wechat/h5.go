package wechat

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/h5"

	"gridpay/internal/billing"
	"gridpay/payments"
)

// PrecreatePhone places an H5 order (POST /v3/pay/transactions/h5) for paying in a phone's browser
// outside WeChat, and returns its h5_url with redirect_url set to c.ReturnURL: WeChat's cashier
// opens in the browser, hands over to the WeChat app to pay, and sends the browser back to the
// order's page. The money arrives by the same callback as a Native payment's.
func (p *Provider) PrecreatePhone(ctx context.Context, o payments.ProviderOrder, c payments.PhoneClient) (string, error) {
	if !o.Complete() {
		return "", fmt.Errorf("wechat: precreate h5 %q: out_trade_no, a positive amount and notify_url are required: %w",
			o.OutTradeNo, billing.ErrInvalid)
	}
	if net.ParseIP(c.IP) == nil {
		return "", fmt.Errorf("wechat: precreate h5 %s: the payer's address %q is not an IP address: %w", o.OutTradeNo, c.IP, billing.ErrInvalid)
	}
	if !c.ReturnURLValid() {
		return "", fmt.Errorf("wechat: precreate h5 %s: return URL %q is not an absolute http(s) URL: %w", o.OutTradeNo, c.ReturnURL, billing.ErrInvalid)
	}
	req := h5.PrepayRequest{
		Appid:       core.String(p.appID),
		Mchid:       core.String(p.mchID),
		Description: core.String(o.Description),
		OutTradeNo:  core.String(o.OutTradeNo),
		NotifyUrl:   core.String(o.NotifyURL),
		Amount:      &h5.Amount{Total: core.Int64(int64(o.Amount)), Currency: core.String("CNY")},
		SceneInfo:   &h5.SceneInfo{PayerClientIp: core.String(c.IP), H5Info: &h5.H5Info{Type: core.String("Wap")}},
	}
	if !o.ExpiresAt.IsZero() {
		req.TimeExpire = core.Time(o.ExpiresAt.Truncate(time.Second))
	}
	_, body, err := p.call(ctx, http.MethodPost, "/v3/pay/transactions/h5", req)
	if err != nil {
		return "", fmt.Errorf("wechat: precreate h5 %s: %w", o.OutTradeNo, err)
	}
	var resp h5.PrepayResponse
	if err := json.Unmarshal(body, &resp); err != nil || resp.H5Url == nil || *resp.H5Url == "" {
		return "", fmt.Errorf("wechat: precreate h5 %s: no h5_url in %q: %w", o.OutTradeNo, body, ErrMalformed)
	}
	u, err := url.Parse(*resp.H5Url)
	if err != nil || u.Scheme != "https" && u.Scheme != "http" {
		return "", fmt.Errorf("wechat: precreate h5 %s: h5_url %q: %w", o.OutTradeNo, *resp.H5Url, ErrMalformed)
	}
	// WeChat's documented way back: redirect_url appended, URL-encoded, to h5_url.
	q := u.Query()
	q.Set("redirect_url", c.ReturnURL)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
