package alipay_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"gridpay/internal/billing"
	"gridpay/payments"
	"gridpay/payments/alipay"
	"gridpay/payments/sandbox"
)

func TestRefund(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	no := r.precreate(t, "https://pay.example.cn/callbacks/alipay")

	var apiErr *alipay.APIError
	if _, err := r.provider.Refund(ctx, no, "R1", 1000, "退费"); !errors.As(err, &apiErr) || apiErr.SubCode != "ACQ.TRADE_NOT_EXIST" {
		t.Fatalf("Refund of an unpaid order = %v, want ACQ.TRADE_NOT_EXIST", err)
	}
	if err := r.sim.Pay(no, sandbox.AlipayNotify{Never: true}); err != nil {
		t.Fatal(err)
	}
	q, err := r.provider.Query(ctx, no)
	if err != nil {
		t.Fatal(err)
	}
	later := now.Add(time.Hour)
	r.setClock(later)

	steps := []struct {
		name    string
		reqNo   string
		amount  billing.Money
		want    alipay.Refund
		subCode string
	}{
		{name: "partial", reqNo: "R1", amount: 1000, want: alipay.Refund{TradeNo: q.ProviderTxnID, RefundFee: 1000, FundChange: true, RefundedAt: later}},
		{name: "repeated request", reqNo: "R1", amount: 1000, want: alipay.Refund{TradeNo: q.ProviderTxnID, RefundFee: 1000, FundChange: false, RefundedAt: later}},
		{name: "more than is left", reqNo: "R2", amount: 7889, subCode: "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"},
		{name: "the rest", reqNo: "R3", amount: 7888, want: alipay.Refund{TradeNo: q.ProviderTxnID, RefundFee: 8888, FundChange: true, RefundedAt: later}},
		{name: "after the whole", reqNo: "R4", amount: 1, subCode: "ACQ.TRADE_STATUS_ERROR"},
	}
	for _, s := range steps {
		got, err := r.provider.Refund(ctx, no, s.reqNo, s.amount, "退费")
		if s.subCode != "" {
			if !errors.As(err, &apiErr) || apiErr.SubCode != s.subCode {
				t.Fatalf("%s: Refund = %+v, %v; want %s", s.name, got, err, s.subCode)
			}
			continue
		}
		if err != nil || got.TradeNo != s.want.TradeNo || got.RefundFee != s.want.RefundFee ||
			got.FundChange != s.want.FundChange || !got.RefundedAt.Equal(s.want.RefundedAt) {
			t.Fatalf("%s: Refund = %+v, %v; want %+v", s.name, got, err, s.want)
		}
	}
	if res, err := r.provider.Query(ctx, no); err != nil || res.State != payments.TradeClosed {
		t.Fatalf("Query after refunding all = %+v, %v; want CLOSED", res, err)
	}
	if _, err := r.provider.Refund(ctx, no, "", 1, ""); !errors.Is(err, billing.ErrInvalid) {
		t.Fatalf("Refund without a request number = %v, want ErrInvalid", err)
	}
}

func TestBillDownload(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	no := r.precreate(t, "https://pay.example.cn/callbacks/alipay")
	if err := r.sim.Pay(no, sandbox.AlipayNotify{Never: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.provider.Refund(ctx, no, "R1", 100, ""); err != nil {
		t.Fatal(err)
	}
	q, err := r.provider.Query(ctx, no)
	if err != nil {
		t.Fatal(err)
	}

	var apiErr *alipay.APIError
	if _, err := r.provider.BillDownloadURL(ctx, now); !errors.As(err, &apiErr) || apiErr.SubCode != "isp.bill_not_exist" {
		t.Fatalf("BillDownloadURL for today = %v, want isp.bill_not_exist", err)
	}
	r.setClock(time.Date(2026, 11, 27, 9, 0, 0, 0, cst))
	u, err := r.provider.BillDownloadURL(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := r.gateway.Client().Get(u)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil || len(zr.File) != 1 {
		t.Fatalf("statement is not a zip of one file: %v (HTTP %d)", err, resp.StatusCode)
	}
	f, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	gbk, _ := io.ReadAll(f)
	csv, err := simplifiedchinese.GBK.NewDecoder().String(string(gbk))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		q.ProviderTxnID + "\t," + no + "\t,交易\t,",
		"\t,88.88\t,88.88\t,",
		no + "\t,退款\t,",
		"\t,-1.00\t,-1.00\t,",
		"#交易合计：1笔，商家实收共88.88元",
		"#退款合计：1笔，商家实收退款共1.00元",
	} {
		if !strings.Contains(csv, want) {
			t.Errorf("statement lacks %q:\n%s", want, csv)
		}
	}
	if resp, err := r.gateway.Client().Get(strings.Replace(u, "sign=", "sign=0", 1)); err != nil || resp.StatusCode != 404 {
		t.Fatalf("statement with a forged address: %v %v, want 404", resp, err)
	}
}
