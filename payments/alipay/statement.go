package alipay

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"gridpay/internal/billing"
	"gridpay/payments"
)

var _ payments.StatementSource = (*Provider)(nil)

// maxStatement bounds a downloaded statement: a county's day is a few megabytes at most.
const maxStatement = 64 << 20

// Statement implements payments.StatementSource: the day's payments (业务类型 交易) from the
// statement zip Alipay links for the day, a GBK CSV whose fields carry a trailing tab.
func (p *Provider) Statement(ctx context.Context, day time.Time) ([]payments.StatementLine, error) {
	u, err := p.BillDownloadURL(ctx, day)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("alipay: statement: %w", err)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("alipay: statement: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("alipay: statement: HTTP %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxStatement+1))
	if err != nil || len(body) > maxStatement {
		return nil, fmt.Errorf("alipay: statement unreadable or over %d bytes: %v", maxStatement, err)
	}
	return parseStatementZip(body)
}

func parseStatementZip(body []byte) ([]payments.StatementLine, error) {
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		return nil, fmt.Errorf("alipay: statement is not a zip: %w", billing.ErrInvalid)
	}
	var lines []payments.StatementLine
	for _, f := range zr.File {
		if !strings.Contains(f.Name, "业务明细") || strings.Contains(f.Name, "汇总") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("alipay: statement: %w", err)
		}
		gbk, err := io.ReadAll(io.LimitReader(rc, maxStatement))
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("alipay: statement: %w", err)
		}
		text, err := simplifiedchinese.GBK.NewDecoder().String(string(gbk))
		if err != nil {
			return nil, fmt.Errorf("alipay: statement is not GBK: %w", billing.ErrInvalid)
		}
		more, err := parseStatementCSV(text)
		if err != nil {
			return nil, err
		}
		lines = append(lines, more...)
	}
	return lines, nil
}

// parseStatementCSV reads the payment rows: 支付宝交易号, 商户订单号, 业务类型, ..., 完成时间 (6th),
// ..., 商家实收（元） (13th).
func parseStatementCSV(text string) ([]payments.StatementLine, error) {
	var lines []payments.StatementLine
	for _, raw := range strings.Split(text, "\n") {
		raw = strings.TrimRight(raw, "\r")
		if raw == "" || strings.HasPrefix(raw, "#") || strings.HasPrefix(raw, "支付宝交易号") {
			continue
		}
		f := strings.Split(raw, ",")
		for i := range f {
			f[i] = strings.Trim(f[i], "\t ")
		}
		if len(f) < 13 {
			return nil, fmt.Errorf("alipay: statement row with %d fields: %w", len(f), billing.ErrInvalid)
		}
		if f[2] != "交易" {
			continue // refunds are reconciled with refunds
		}
		amount, err := billing.ParseMoney(f[12])
		if err != nil {
			return nil, fmt.Errorf("alipay: statement amount %q: %w", f[12], billing.ErrInvalid)
		}
		at, err := time.ParseInLocation("2006-01-02 15:04:05", f[5], chinaZone)
		if err != nil {
			return nil, fmt.Errorf("alipay: statement time %q: %w", f[5], billing.ErrInvalid)
		}
		lines = append(lines, payments.StatementLine{OutTradeNo: f[1], ProviderTxnID: f[0], Amount: amount, PaidAt: at})
	}
	return lines, nil
}
