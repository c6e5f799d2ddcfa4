package alipay

import (
	"context"
	"fmt"
	"net/url"

	"gridpay/internal/billing"
	"gridpay/payments"
)

// PrecreatePhone returns the address of an Alipay WAP payment (alipay.trade.wap.pay, product
// QUICK_WAP_WAY) for paying in a phone's browser: the gateway's page, signed like any request,
// which opens Alipay's cashier (or the Alipay app) and afterwards sends the browser to c.ReturnURL.
// Nothing is sent to Alipay until the browser goes there; the money arrives by the same
// notification as a 当面付 payment's.
func (p *Provider) PrecreatePhone(_ context.Context, o payments.ProviderOrder, c payments.PhoneClient) (string, error) {
	if !o.Complete() {
		return "", fmt.Errorf("alipay: wap pay %s: %w: order number, positive amount and notify URL are required", o.OutTradeNo, billing.ErrInvalid)
	}
	if !c.ReturnURLValid() {
		return "", fmt.Errorf("alipay: wap pay %s: return URL %q is not an absolute http(s) URL: %w", o.OutTradeNo, c.ReturnURL, billing.ErrInvalid)
	}
	subject := o.Description
	if subject == "" {
		subject = o.OutTradeNo
	}
	biz := map[string]string{
		"out_trade_no": o.OutTradeNo,
		"total_amount": o.Amount.String(),
		"subject":      subject,
		"product_code": "QUICK_WAP_WAY",
		"quit_url":     c.ReturnURL, // where the cashier's "back" goes without paying
	}
	if !o.ExpiresAt.IsZero() {
		biz["time_expire"] = o.ExpiresAt.In(chinaZone).Format(timeLayout)
	}
	form, err := p.signedForm("alipay.trade.wap.pay", biz, url.Values{"notify_url": {o.NotifyURL}, "return_url": {c.ReturnURL}})
	if err != nil {
		return "", fmt.Errorf("alipay: wap pay %s: %w", o.OutTradeNo, err)
	}
	return p.gateway + "?" + form.Encode(), nil
}
