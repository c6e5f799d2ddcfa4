package alipay

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"gridpay/internal/billing"
	"gridpay/payments"
)

// VerifyCallback checks an asynchronous notification (异步通知) exactly as Alipay posted it: a
// form-encoded body, signed RSA2 over its parameters sorted by name without sign and sign_type.
// The caller limits the body's size. A bad or missing signature, or an app_id or seller_id not
// ours, is an error wrapping billing.ErrUnauthorized; a body that does not parse, a missing order
// number or trade number, and an amount that is not a positive "88.88" are billing.ErrInvalid.
//
// Only TRADE_SUCCESS and TRADE_FINISHED are Paid, and not when the notification reports a refund
// (Alipay sends a partial refund as TRADE_SUCCESS with refund_fee and gmt_refund). Every other
// verified notification (WAIT_BUYER_PAY, TRADE_CLOSED) is answered and credits nothing. Alipay
// repeats notify_id across retries and TRADE_SUCCESS and TRADE_FINISHED share trade_no, which is
// ProviderTxnID: callers take a trade_no once.
func (p *Provider) VerifyCallback(_ context.Context, _ http.Header, body []byte) (payments.Notification, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return payments.Notification{}, fmt.Errorf("alipay: notification: %w: %v", billing.ErrInvalid, err)
	}
	for k, vs := range form {
		if len(vs) != 1 {
			return payments.Notification{}, fmt.Errorf("alipay: notification: %w: %q repeated", billing.ErrInvalid, k)
		}
		if !utf8.ValidString(k) || !utf8.ValidString(vs[0]) {
			return payments.Notification{}, fmt.Errorf("alipay: notification: %w: not UTF-8", billing.ErrInvalid)
		}
	}
	if cs := form.Get("charset"); cs != "" && !strings.EqualFold(cs, "utf-8") {
		return payments.Notification{}, fmt.Errorf("alipay: notification: %w: charset %q", billing.ErrInvalid, cs)
	}
	if st := form.Get("sign_type"); st != "RSA2" {
		return payments.Notification{}, fmt.Errorf("alipay: notification: %w: sign_type %q", billing.ErrUnauthorized, st)
	}
	err = verifyRSA2(p.alipayKey, []byte(signContent(form, "sign", "sign_type")), form.Get("sign"))
	if withEmpty := signContentWithEmpty(form, "sign", "sign_type"); err != nil && withEmpty != signContent(form, "sign", "sign_type") {
		err = verifyRSA2(p.alipayKey, []byte(withEmpty), form.Get("sign"))
	}
	if err != nil {
		return payments.Notification{}, fmt.Errorf("alipay: notification: %w", err)
	}
	// Signed by Alipay, but it must be for our app and paid to us.
	if got := form.Get("app_id"); got != p.appID {
		return payments.Notification{}, fmt.Errorf("alipay: notification: %w: app_id %q", billing.ErrUnauthorized, got)
	}
	if got := form.Get("seller_id"); got != p.sellerID {
		return payments.Notification{}, fmt.Errorf("alipay: notification: %w: seller_id %q", billing.ErrUnauthorized, got)
	}
	if nt := form.Get("notify_type"); nt != "trade_status_sync" {
		return payments.Notification{}, fmt.Errorf("alipay: notification: %w: notify_type %q", billing.ErrInvalid, nt)
	}

	n := payments.Notification{OutTradeNo: form.Get("out_trade_no"), ProviderTxnID: form.Get("trade_no")}
	if n.OutTradeNo == "" || n.ProviderTxnID == "" {
		return payments.Notification{}, fmt.Errorf("alipay: notification: %w: out_trade_no and trade_no are required", billing.ErrInvalid)
	}
	if n.Amount, err = billing.ParseMoney(form.Get("total_amount")); err != nil {
		return payments.Notification{}, fmt.Errorf("alipay: notification %s: total_amount: %w", n.OutTradeNo, err)
	}
	if n.Amount <= 0 {
		return payments.Notification{}, fmt.Errorf("alipay: notification %s: %w: total_amount %s is not positive", n.OutTradeNo, billing.ErrInvalid, n.Amount)
	}
	status := form.Get("trade_status")
	refund := form.Get("refund_fee") != "" || form.Get("gmt_refund") != ""
	n.Paid = (status == "TRADE_SUCCESS" || status == "TRADE_FINISHED") && !refund
	if gp := form.Get("gmt_payment"); gp != "" || n.Paid {
		if n.PaidAt, err = time.ParseInLocation(timeLayout, gp, chinaZone); err != nil {
			return payments.Notification{}, fmt.Errorf("alipay: notification %s: %w: gmt_payment %q", n.OutTradeNo, billing.ErrInvalid, gp)
		}
	}
	return n, nil
}

// Ack is the answer Alipay takes as "received": HTTP 200 and a body of exactly "success". Anything
// else makes it send the notification again.
func (p *Provider) Ack() payments.Reply {
	return payments.Reply{Status: http.StatusOK, ContentType: "text/plain; charset=utf-8", Body: []byte("success")}
}

// Nack is an answer other than "success", so that Alipay retries on its schedule (4m, 10m, 10m,
// 1h, 2h, 6h, 15h). Alipay reads no reason, so the caller logs it; the body is just "fail".
func (p *Provider) Nack(reason string) payments.Reply {
	return payments.Reply{Status: http.StatusOK, ContentType: "text/plain; charset=utf-8", Body: []byte("fail")}
}
