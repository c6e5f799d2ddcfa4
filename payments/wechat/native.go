package wechat

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	wxpay "github.com/wechatpay-apiv3/wechatpay-go/services/payments"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/native"

	"gridpay/internal/billing"
	"gridpay/payments"
)

// Precreate places a Native order (POST /v3/pay/transactions/native) and returns its code_url.
// Placing the same order again returns the same code_url, so a retry is safe.
func (p *Provider) Precreate(ctx context.Context, o payments.ProviderOrder) (payments.Precreated, error) {
	if !o.Complete() {
		return payments.Precreated{}, fmt.Errorf("wechat: precreate %q: out_trade_no, a positive amount and notify_url are required: %w",
			o.OutTradeNo, billing.ErrInvalid)
	}
	req := native.PrepayRequest{
		Appid:       core.String(p.appID),
		Mchid:       core.String(p.mchID),
		Description: core.String(o.Description),
		OutTradeNo:  core.String(o.OutTradeNo),
		NotifyUrl:   core.String(o.NotifyURL),
		Amount:      &native.Amount{Total: core.Int64(int64(o.Amount)), Currency: core.String("CNY")},
	}
	if !o.ExpiresAt.IsZero() {
		// WeChat wants whole seconds in RFC 3339 with an offset.
		req.TimeExpire = core.Time(o.ExpiresAt.Truncate(time.Second))
	}
	_, body, err := p.call(ctx, http.MethodPost, "/v3/pay/transactions/native", req)
	if err != nil {
		return payments.Precreated{}, fmt.Errorf("wechat: precreate %s: %w", o.OutTradeNo, err)
	}
	var resp native.PrepayResponse
	if err := json.Unmarshal(body, &resp); err != nil || resp.CodeUrl == nil || *resp.CodeUrl == "" {
		return payments.Precreated{}, fmt.Errorf("wechat: precreate %s: no code_url in %q: %w", o.OutTradeNo, body, ErrMalformed)
	}
	return payments.Precreated{CodeURL: *resp.CodeUrl, ExpiresAt: o.ExpiresAt}, nil
}

// Query asks how an order stands (GET /v3/pay/transactions/out-trade-no/{no}?mchid=). An order
// WeChat does not know is billing.ErrNotFound.
func (p *Provider) Query(ctx context.Context, outTradeNo string) (payments.QueryResult, error) {
	path := "/v3/pay/transactions/out-trade-no/" + url.PathEscape(outTradeNo) + "?mchid=" + url.QueryEscape(p.mchID)
	_, body, err := p.call(ctx, http.MethodGet, path, nil)
	if err != nil {
		return payments.QueryResult{}, fmt.Errorf("wechat: query %s: %w", outTradeNo, err)
	}
	var t wxpay.Transaction
	if err := json.Unmarshal(body, &t); err != nil {
		return payments.QueryResult{}, fmt.Errorf("wechat: query %s: %v: %w", outTradeNo, err, ErrMalformed)
	}
	if err := p.checkTransaction(t, outTradeNo); err != nil {
		return payments.QueryResult{}, fmt.Errorf("wechat: query %s: %w", outTradeNo, err)
	}
	r := payments.QueryResult{
		State:         tradeState(deref(t.TradeState)),
		ProviderTxnID: deref(t.TransactionId),
	}
	if t.Amount != nil && t.Amount.Total != nil {
		r.Amount = billing.Money(*t.Amount.Total)
	}
	if r.State == payments.TradePaid {
		if r.PaidAt, err = parseTime(deref(t.SuccessTime)); err != nil {
			return payments.QueryResult{}, fmt.Errorf("wechat: query %s: success_time: %w", outTradeNo, err)
		}
	}
	return r, nil
}

// Close closes an unpaid order (POST /v3/pay/transactions/out-trade-no/{no}/close). Closing a
// paid order is billing.ErrConflict.
func (p *Provider) Close(ctx context.Context, outTradeNo string) error {
	path := "/v3/pay/transactions/out-trade-no/" + url.PathEscape(outTradeNo) + "/close"
	if _, _, err := p.call(ctx, http.MethodPost, path, map[string]string{"mchid": p.mchID}); err != nil {
		return fmt.Errorf("wechat: close %s: %w", outTradeNo, err)
	}
	return nil
}

// checkTransaction makes sure a verified transaction is ours and the one asked about.
func (p *Provider) checkTransaction(t wxpay.Transaction, outTradeNo string) error {
	if deref(t.Mchid) != p.mchID || deref(t.Appid) != p.appID {
		return fmt.Errorf("%w: mchid %q appid %q", ErrWrongMerchant, deref(t.Mchid), deref(t.Appid))
	}
	if outTradeNo != "" && deref(t.OutTradeNo) != outTradeNo {
		return fmt.Errorf("%w: out_trade_no %q, asked for %q", ErrMalformed, deref(t.OutTradeNo), outTradeNo)
	}
	if t.Amount != nil && t.Amount.Currency != nil && *t.Amount.Currency != "CNY" {
		return fmt.Errorf("%w: currency %q", ErrMalformed, *t.Amount.Currency)
	}
	return nil
}

// tradeState maps WeChat's trade_state to ours. USERPAYING (waiting for a password) has not
// paid yet; REFUND means it was paid and refunds have started, which is still paid for us.
func tradeState(s string) payments.TradeState {
	switch s {
	case "SUCCESS", "REFUND":
		return payments.TradePaid
	case "NOTPAY", "USERPAYING":
		return payments.TradeNotPaid
	case "CLOSED", "REVOKED", "PAYERROR":
		return payments.TradeClosed
	}
	return payments.TradeUnknown
}

// parseTime reads WeChat's RFC 3339 times ("2018-06-08T10:34:56+08:00").
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("%v: %w", err, ErrMalformed)
	}
	return t, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
