package alipay

import (
	"context"
	"fmt"
	"time"

	"gridpay/internal/billing"
)

// Refund is Alipay's answer to a refund request.
type Refund struct {
	TradeNo    string
	RefundFee  billing.Money // everything refunded on the trade so far, this request included
	FundChange bool          // false when Alipay had already taken this out_request_no
	RefundedAt time.Time     // gmt_refund_pay; zero when Alipay did not say
}

type refundResponse struct {
	responseStatus
	TradeNo      string `json:"trade_no"`
	OutTradeNo   string `json:"out_trade_no"`
	FundChange   string `json:"fund_change"`
	RefundFee    string `json:"refund_fee"`
	GmtRefundPay string `json:"gmt_refund_pay"`
}

// Refund gives amount of a paid trade back to the customer (alipay.trade.refund). outRequestNo
// names this refund: Alipay takes a repeated outRequestNo once, so a retry after a lost answer
// cannot refund twice. Refunds may be partial, up to the trade's total.
func (p *Provider) Refund(ctx context.Context, outTradeNo, outRequestNo string, amount billing.Money, reason string) (Refund, error) {
	if outTradeNo == "" || outRequestNo == "" || amount <= 0 {
		return Refund{}, fmt.Errorf("alipay: refund %s: %w: order number, request number and positive amount are required", outTradeNo, billing.ErrInvalid)
	}
	biz := map[string]string{
		"out_trade_no":   outTradeNo,
		"out_request_no": outRequestNo,
		"refund_amount":  amount.String(),
	}
	if reason != "" {
		biz["refund_reason"] = reason
	}
	var rsp refundResponse
	if err := p.call(ctx, "alipay.trade.refund", "", biz, &rsp); err != nil {
		return Refund{}, fmt.Errorf("alipay: refund %s/%s: %w", outTradeNo, outRequestNo, err)
	}
	if rsp.OutTradeNo != outTradeNo {
		return Refund{}, fmt.Errorf("alipay: refund %s: %w: answer is for %q", outTradeNo, billing.ErrInvalid, rsp.OutTradeNo)
	}
	fee, err := billing.ParseMoney(rsp.RefundFee)
	if err != nil {
		return Refund{}, fmt.Errorf("alipay: refund %s: refund_fee: %w", outTradeNo, err)
	}
	r := Refund{TradeNo: rsp.TradeNo, RefundFee: fee, FundChange: rsp.FundChange == "Y"}
	if rsp.GmtRefundPay != "" {
		if r.RefundedAt, err = time.ParseInLocation(timeLayout, rsp.GmtRefundPay, chinaZone); err != nil {
			return Refund{}, fmt.Errorf("alipay: refund %s: %w: gmt_refund_pay %q", outTradeNo, billing.ErrInvalid, rsp.GmtRefundPay)
		}
	}
	return r, nil
}

type billURLResponse struct {
	responseStatus
	BillDownloadURL string `json:"bill_download_url"`
}

// BillDownloadURL asks for the address of a day's trade statement (对账单,
// alipay.data.dataservice.bill.downloadurl.query, bill_type trade): a zip of GBK CSV files,
// available from the next morning, at an address that expires after 30 seconds.
func (p *Provider) BillDownloadURL(ctx context.Context, day time.Time) (string, error) {
	date := day.In(chinaZone).Format("2006-01-02")
	var rsp billURLResponse
	biz := map[string]string{"bill_type": "trade", "bill_date": date}
	if err := p.call(ctx, "alipay.data.dataservice.bill.downloadurl.query", "", biz, &rsp); err != nil {
		return "", fmt.Errorf("alipay: bill download URL %s: %w", date, err)
	}
	if rsp.BillDownloadURL == "" {
		return "", fmt.Errorf("alipay: bill download URL %s: %w: answer without bill_download_url", date, billing.ErrInvalid)
	}
	return rsp.BillDownloadURL, nil
}
