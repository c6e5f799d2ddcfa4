package alipay

import (
	"context"

	"gridpay/payments"
)

var _ payments.Refunder = (*Provider)(nil)

// RefundOrder implements payments.Refunder: Alipay refunds synchronously, once per request number.
func (p *Provider) RefundOrder(ctx context.Context, r payments.RefundRequest) (bool, error) {
	if _, err := p.Refund(ctx, r.OutTradeNo, r.RefundNo, r.Amount, r.Reason); err != nil {
		return false, err
	}
	return true, nil
}
