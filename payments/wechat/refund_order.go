package wechat

import (
	"context"

	"gridpay/payments"
)

var _ payments.Refunder = (*Provider)(nil)

// RefundOrder implements payments.Refunder: the refund is asked for (WeChat answers the same refund
// number with the same refund), then queried once if it was still processing.
func (p *Provider) RefundOrder(ctx context.Context, r payments.RefundRequest) (bool, error) {
	res, err := p.Refund(ctx, RefundRequest{OutTradeNo: r.OutTradeNo, OutRefundNo: r.RefundNo, Amount: r.Amount, Total: r.Total, Reason: r.Reason})
	if err != nil {
		return false, err
	}
	if res.State == RefundProcessing {
		if res, err = p.QueryRefund(ctx, r.RefundNo); err != nil {
			return false, err
		}
	}
	return res.State == RefundSuccess, nil
}
