package wechat

import (
	"context"
	"time"

	"gridpay/payments"
)

var _ payments.StatementSource = (*Provider)(nil)

// Statement implements payments.StatementSource: the day's successful payments from the trade bill.
func (p *Provider) Statement(ctx context.Context, day time.Time) ([]payments.StatementLine, error) {
	bill, err := p.TradeBill(ctx, day)
	if err != nil {
		return nil, err
	}
	var lines []payments.StatementLine
	for _, l := range bill {
		if l.State != "SUCCESS" {
			continue
		}
		lines = append(lines, payments.StatementLine{OutTradeNo: l.OutTradeNo, ProviderTxnID: l.TransactionID, Amount: l.Amount, PaidAt: l.At})
	}
	return lines, nil
}
