package wechat

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/wechatpay-apiv3/wechatpay-go/core/notify"
	wxpay "github.com/wechatpay-apiv3/wechatpay-go/services/payments"
	"github.com/wechatpay-apiv3/wechatpay-go/utils"

	"gridpay/internal/billing"
	"gridpay/payments"
)

// gcmNonceSize is the nonce length of AEAD_AES_256_GCM as WeChat uses it (12 characters).
const gcmNonceSize = 12

// VerifyCallback checks a payment callback exactly as it arrived: the Wechatpay-* signature
// headers over the raw body (ErrBadSignature, ErrUnknownSerial, ErrStaleTimestamp, all
// billing.ErrUnauthorized), then decrypts the AEAD_AES_256_GCM resource with the APIv3 key and
// checks mchid and appid (ErrMalformed, ErrWrongMerchant, both billing.ErrInvalid). The caller
// checks out_trade_no and amount against its order. An event other than a successful payment
// verifies into a Notification with Paid false.
func (p *Provider) VerifyCallback(ctx context.Context, header http.Header, body []byte) (payments.Notification, error) {
	if len(body) > maxCallback {
		return payments.Notification{}, fmt.Errorf("wechat: callback of %d bytes: %w", len(body), ErrMalformed)
	}
	if err := p.verifySignature(ctx, header, body); err != nil {
		return payments.Notification{}, fmt.Errorf("wechat: callback: %w", err)
	}
	var n notify.Request
	if err := json.Unmarshal(body, &n); err != nil {
		return payments.Notification{}, fmt.Errorf("wechat: callback: %v: %w", err, ErrMalformed)
	}
	r := n.Resource
	if r == nil || r.Algorithm != "AEAD_AES_256_GCM" {
		return payments.Notification{}, fmt.Errorf("wechat: callback %s: resource is not AEAD_AES_256_GCM: %w", n.ID, ErrMalformed)
	}
	// crypto/cipher panics on a nonce of the wrong length, and the SDK passes it straight on.
	if len(r.Nonce) != gcmNonceSize {
		return payments.Notification{}, fmt.Errorf("wechat: callback %s: resource nonce of %d bytes: %w", n.ID, len(r.Nonce), ErrMalformed)
	}
	plain, err := utils.DecryptAES256GCM(p.apiV3Key, r.AssociatedData, r.Nonce, r.Ciphertext)
	if err != nil {
		return payments.Notification{}, fmt.Errorf("wechat: callback %s: decrypt: %v: %w", n.ID, err, ErrMalformed)
	}
	var t wxpay.Transaction
	if err := json.Unmarshal([]byte(plain), &t); err != nil {
		return payments.Notification{}, fmt.Errorf("wechat: callback %s: transaction: %v: %w", n.ID, err, ErrMalformed)
	}
	if err := p.checkTransaction(t, ""); err != nil {
		return payments.Notification{}, fmt.Errorf("wechat: callback %s: %w", n.ID, err)
	}
	out := payments.Notification{
		OutTradeNo:    deref(t.OutTradeNo),
		ProviderTxnID: deref(t.TransactionId),
	}
	if out.OutTradeNo == "" {
		return payments.Notification{}, fmt.Errorf("wechat: callback %s: no out_trade_no: %w", n.ID, ErrMalformed)
	}
	if t.Amount != nil && t.Amount.Total != nil {
		out.Amount = billing.Money(*t.Amount.Total)
	}
	// trade_state is read by the one rule the order query uses (tradeState): REFUND means the money
	// came and a refund has begun since, so the payment is credited here as there. Ignoring it would
	// lose money that arrived whenever the first callback was lost and a refund began before a retry;
	// the refund itself is its own path (Service.Refund, reconciliation of the trade bill).
	if n.EventType == "TRANSACTION.SUCCESS" && tradeState(deref(t.TradeState)) == payments.TradePaid {
		out.Paid = true
		if out.ProviderTxnID == "" || t.Amount == nil || t.Amount.Total == nil {
			return payments.Notification{}, fmt.Errorf("wechat: callback %s: paid without transaction_id or amount: %w", n.ID, ErrMalformed)
		}
		if out.PaidAt, err = parseTime(deref(t.SuccessTime)); err != nil {
			return payments.Notification{}, fmt.Errorf("wechat: callback %s: success_time: %w", n.ID, err)
		}
	}
	return out, nil
}

// Ack answers a callback that was taken: 204 with no body, which WeChat reads as success.
func (p *Provider) Ack() payments.Reply {
	return payments.Reply{Status: http.StatusNoContent}
}

// Nack answers a callback that was not taken, so that WeChat sends it again on its schedule:
// 500 with {"code":"FAIL","message":reason}.
func (p *Provider) Nack(reason string) payments.Reply {
	body, _ := json.Marshal(apiError{Code: "FAIL", Message: reason}) // two strings always marshal
	return payments.Reply{Status: http.StatusInternalServerError, ContentType: "application/json; charset=utf-8", Body: body}
}

// Refuse answers a callback refused for good (it failed verification: a bad signature, a stale
// timestamp, another key, a resource that does not decrypt): 400 with
// {"code":"FAIL","message":reason}, the caller's fault and never a server error of ours.
func (p *Provider) Refuse(reason string) payments.Reply {
	body, _ := json.Marshal(apiError{Code: "FAIL", Message: reason}) // two strings always marshal
	return payments.Reply{Status: http.StatusBadRequest, ContentType: "application/json; charset=utf-8", Body: body}
}

var _ payments.Refuser = (*Provider)(nil)
