package wechat

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/services/refunddomestic"

	"gridpay/internal/billing"
)

// RefundRequest asks for part or all of a paid order back (申请退款).
type RefundRequest struct {
	OutTradeNo  string
	OutRefundNo string        // ours, unique per refund; asking again with it is safe
	Amount      billing.Money // to refund
	Total       billing.Money // the order's amount, which WeChat checks
	Reason      string        // shown to the customer; may be empty
	NotifyURL   string        // where refund callbacks go; empty: the merchant platform's setting
}

// RefundState is how a refund stands.
type RefundState string

// The refund states WeChat reports.
const (
	RefundProcessing RefundState = "PROCESSING"
	RefundSuccess    RefundState = "SUCCESS"
	RefundClosed     RefundState = "CLOSED"
	RefundAbnormal   RefundState = "ABNORMAL" // the customer's card was closed, say: staff must act
)

// RefundResult is WeChat's account of a refund.
type RefundResult struct {
	RefundID    string // WeChat's
	OutRefundNo string
	OutTradeNo  string
	State       RefundState
	Amount      billing.Money
	SucceededAt time.Time // zero unless State is RefundSuccess
}

// Refund asks for a refund (POST /v3/refund/domestic/refunds). WeChat usually answers
// PROCESSING; QueryRefund follows it to the end.
func (p *Provider) Refund(ctx context.Context, r RefundRequest) (RefundResult, error) {
	if r.OutTradeNo == "" || r.OutRefundNo == "" || r.Amount <= 0 || r.Total < r.Amount {
		return RefundResult{}, fmt.Errorf("wechat: refund %q of %q: numbers, a positive amount and a total at least that are required: %w",
			r.OutRefundNo, r.OutTradeNo, billing.ErrInvalid)
	}
	req := refunddomestic.CreateRequest{
		OutTradeNo:  core.String(r.OutTradeNo),
		OutRefundNo: core.String(r.OutRefundNo),
		Amount: &refunddomestic.AmountReq{
			Refund: core.Int64(int64(r.Amount)), Total: core.Int64(int64(r.Total)), Currency: core.String("CNY"),
		},
	}
	if r.Reason != "" {
		req.Reason = core.String(r.Reason)
	}
	if r.NotifyURL != "" {
		req.NotifyUrl = core.String(r.NotifyURL)
	}
	_, body, err := p.call(ctx, http.MethodPost, "/v3/refund/domestic/refunds", req)
	if err != nil {
		return RefundResult{}, fmt.Errorf("wechat: refund %s: %w", r.OutRefundNo, err)
	}
	return refundResult(body, r.OutRefundNo)
}

// QueryRefund asks how a refund stands (GET /v3/refund/domestic/refunds/{out_refund_no}).
func (p *Provider) QueryRefund(ctx context.Context, outRefundNo string) (RefundResult, error) {
	_, body, err := p.call(ctx, http.MethodGet, "/v3/refund/domestic/refunds/"+url.PathEscape(outRefundNo), nil)
	if err != nil {
		return RefundResult{}, fmt.Errorf("wechat: query refund %s: %w", outRefundNo, err)
	}
	return refundResult(body, outRefundNo)
}

func refundResult(body []byte, outRefundNo string) (RefundResult, error) {
	var r refunddomestic.Refund
	if err := json.Unmarshal(body, &r); err != nil {
		return RefundResult{}, fmt.Errorf("wechat: refund %s: %v: %w", outRefundNo, err, ErrMalformed)
	}
	if deref(r.OutRefundNo) != outRefundNo || r.Status == nil || r.Amount == nil || r.Amount.Refund == nil {
		return RefundResult{}, fmt.Errorf("wechat: refund %s: answer for %q without status or amount: %w",
			outRefundNo, deref(r.OutRefundNo), ErrMalformed)
	}
	out := RefundResult{
		RefundID:    deref(r.RefundId),
		OutRefundNo: outRefundNo,
		OutTradeNo:  deref(r.OutTradeNo),
		State:       RefundState(*r.Status),
		Amount:      billing.Money(*r.Amount.Refund),
	}
	if out.State == RefundSuccess && r.SuccessTime != nil {
		out.SucceededAt = *r.SuccessTime
	}
	return out, nil
}
