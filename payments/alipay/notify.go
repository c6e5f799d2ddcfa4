package alipay

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"

	"gridpay/internal/billing"
	"gridpay/payments"
)

// VerifyCallback checks an asynchronous notification (异步通知) exactly as Alipay posted it: a
// form-encoded body, signed RSA2 over its parameters sorted by name without sign and sign_type.
// The body is read in its declared charset (utf-8 by default; gbk, gb2312 or gb18030 for an app set
// to GBK, decoded as GB18030, their superset) and the signature checked over the decoded parameters
// in that charset's bytes, as Alipay's SDKs check it; such a notification's Text is its parameters
// in UTF-8, for people. The caller limits the body's size. A bad or missing signature, or an app_id or seller_id not
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
	}
	cs, err := notificationCharset(form.Get("charset"))
	if err != nil {
		return payments.Notification{}, fmt.Errorf("alipay: notification: %w", err)
	}
	if cs.decode != nil {
		if form, err = decodeForm(form, cs.decode); err != nil {
			return payments.Notification{}, fmt.Errorf("alipay: notification: %w", err)
		}
	}
	for k, vs := range form {
		if !utf8.ValidString(k) || !utf8.ValidString(vs[0]) {
			return payments.Notification{}, fmt.Errorf("alipay: notification: %w: not UTF-8", billing.ErrInvalid)
		}
	}
	if st := form.Get("sign_type"); st != "RSA2" {
		return payments.Notification{}, fmt.Errorf("alipay: notification: %w: sign_type %q", billing.ErrUnauthorized, st)
	}
	// As Alipay's SDKs check (AlipaySignature.rsaCheckV1): the signed string of the decoded
	// parameters, in the bytes of the declared charset.
	verify := func(content string) error {
		b := []byte(content)
		if cs.encode != nil {
			if b, err = cs.encode.NewEncoder().Bytes(b); err != nil {
				return fmt.Errorf("%w: not %s: %v", billing.ErrUnauthorized, form.Get("charset"), err)
			}
		}
		return verifyRSA2(p.alipayKey, b, form.Get("sign"))
	}
	err = verify(signContent(form, "sign", "sign_type"))
	if withEmpty := signContentWithEmpty(form, "sign", "sign_type"); err != nil && withEmpty != signContent(form, "sign", "sign_type") {
		err = verify(withEmpty)
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
	if cs.decode != nil {
		n.Text = readable(form)
	}
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

// charset is how a notification's bytes are read (decode) and how its signed string is written
// back to bytes for the check (encode); both nil for UTF-8.
type charset struct {
	decode, encode encoding.Encoding
}

// notificationCharset is the charset a notification declares: utf-8 (the default), or gbk, gb2312
// or gb18030 (any case), all read as GB18030, their superset, and written back as declared.
func notificationCharset(name string) (charset, error) {
	switch strings.ToLower(name) {
	case "", "utf-8", "utf8":
		return charset{}, nil
	case "gbk", "gb2312":
		return charset{decode: simplifiedchinese.GB18030, encode: simplifiedchinese.GBK}, nil
	case "gb18030":
		return charset{decode: simplifiedchinese.GB18030, encode: simplifiedchinese.GB18030}, nil
	}
	return charset{}, fmt.Errorf("%w: charset %.16q", billing.ErrInvalid, name)
}

// decodeForm returns the form with every name and value decoded to UTF-8.
func decodeForm(form url.Values, enc encoding.Encoding) (url.Values, error) {
	out := make(url.Values, len(form))
	for k, vs := range form {
		dk, err := enc.NewDecoder().String(k)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", billing.ErrInvalid, err)
		}
		for _, v := range vs {
			dv, err := enc.NewDecoder().String(v)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", billing.ErrInvalid, err)
			}
			out[dk] = append(out[dk], dv)
		}
	}
	if len(out) != len(form) {
		return nil, fmt.Errorf("%w: parameter names the same once decoded", billing.ErrInvalid)
	}
	return out, nil
}

// readable is a decoded form as JSON in plain UTF-8 (电费缴纳, not escapes), names sorted: what is
// kept beside a body whose bytes are not UTF-8, for people to read.
func readable(form url.Values) string {
	m := make(map[string]string, len(form))
	for k := range form {
		m[k] = form.Get(k)
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(m) // strings always encode
	return strings.TrimSuffix(b.String(), "\n")
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
