package wechat_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/payments"
	"gridpay/payments/sandbox"
	"gridpay/payments/wechat"
)

func TestRefund(t *testing.T) {
	const no = "GPW20261126101500000000000070"
	r := paidOrder(t, no)
	ctx := context.Background()
	refund := wechat.RefundRequest{OutTradeNo: no, OutRefundNo: "RF" + no, Amount: 5000, Total: 17550, Reason: "重复缴费"}

	got, err := r.p.Refund(ctx, refund)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != wechat.RefundProcessing || got.RefundID == "" || got.OutRefundNo != "RF"+no || got.OutTradeNo != no || got.Amount != 5000 {
		t.Errorf("refund: %+v", got)
	}
	again, err := r.p.Refund(ctx, refund)
	if err != nil || again.RefundID != got.RefundID {
		t.Errorf("asking again with the same number: %+v, %v; want refund %s", again, err, got.RefundID)
	}
	q, err := r.p.QueryRefund(ctx, "RF"+no)
	if err != nil {
		t.Fatal(err)
	}
	if q.State != wechat.RefundSuccess || q.RefundID != got.RefundID || q.Amount != 5000 || q.SucceededAt.IsZero() {
		t.Errorf("query refund: %+v", q)
	}
	if order, err := r.p.Query(ctx, no); err != nil || order.State != payments.TradePaid {
		t.Errorf("a partly refunded order: %+v, %v; want it still paid", order, err)
	}

	tests := []struct {
		name string
		req  wechat.RefundRequest
		want error
	}{
		{"more than is left", wechat.RefundRequest{OutTradeNo: no, OutRefundNo: "RF2", Amount: 12551, Total: 17550}, billing.ErrInvalid},
		{"wrong total", wechat.RefundRequest{OutTradeNo: no, OutRefundNo: "RF3", Amount: 1, Total: 17551}, billing.ErrInvalid},
		{"same number, other amount", wechat.RefundRequest{OutTradeNo: no, OutRefundNo: "RF" + no, Amount: 1, Total: 17550}, billing.ErrInvalid},
		{"unknown order", wechat.RefundRequest{OutTradeNo: "GPW20261126101500000000000404", OutRefundNo: "RF4", Amount: 1, Total: 1}, billing.ErrNotFound},
		{"no amount", wechat.RefundRequest{OutTradeNo: no, OutRefundNo: "RF5", Total: 17550}, billing.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := r.p.Refund(ctx, tt.req); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := r.p.QueryRefund(ctx, "RF-unknown"); !errors.Is(err, billing.ErrNotFound) {
		t.Errorf("query of an unknown refund: %v", err)
	}

	// The rest of the money may still go back.
	if _, err := r.p.Refund(ctx, wechat.RefundRequest{OutTradeNo: no, OutRefundNo: "RF6", Amount: 12550, Total: 17550}); err != nil {
		t.Errorf("refunding the rest: %v", err)
	}
}

func TestTradeBill(t *testing.T) {
	const paidNo, unpaidNo = "GPW20261126101500000000000080", "GPW20261126101500000000000081"
	r := paidOrder(t, paidNo)
	r.order(t, unpaidNo)
	ctx := context.Background()
	if _, err := r.p.Refund(ctx, wechat.RefundRequest{OutTradeNo: paidNo, OutRefundNo: "RF" + paidNo, Amount: 550, Total: 17550}); err != nil {
		t.Fatal(err)
	}
	q, err := r.p.Query(ctx, paidNo)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := r.p.TradeBill(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 {
		t.Fatalf("bill lines %+v", lines)
	}
	pay, ref := lines[0], lines[1]
	if pay.State == "REFUND" {
		pay, ref = ref, pay
	}
	if pay.State != "SUCCESS" || pay.OutTradeNo != paidNo || pay.TransactionID != q.ProviderTxnID || pay.Amount != 17550 ||
		pay.RefundAmount != 0 || !pay.At.Equal(q.PaidAt) {
		t.Errorf("payment line %+v", pay)
	}
	if ref.State != "REFUND" || ref.OutTradeNo != paidNo || ref.OutRefundNo != "RF"+paidNo || ref.RefundID == "" ||
		ref.RefundAmount != 550 || ref.Amount != 0 {
		t.Errorf("refund line %+v", ref)
	}
	if _, err := r.p.TradeBill(ctx, time.Now().AddDate(0, 0, -3)); !errors.Is(err, billing.ErrNotFound) {
		t.Errorf("a day with no bill: %v", err)
	}
}

func TestTradeBillHashChecked(t *testing.T) {
	sim := sandbox.NewWeChat(keys())
	defer sim.Close()
	// A man in the middle who changes the bill, which WeChat does not sign.
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != "/v3/billdownload/file" {
			sim.ServeHTTP(w, req)
			return
		}
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, req)
		w.Write([]byte(strings.Replace(rec.Body.String(), "175.50", "175.49", 1)))
	}))
	defer api.Close()
	p, err := wechat.New(configFor(keys(), api.URL))
	if err != nil {
		t.Fatal(err)
	}
	const no = "GPW20261126101500000000000090"
	if _, err := p.Precreate(context.Background(), payments.ProviderOrder{
		OutTradeNo: no, Amount: 17550, Description: "电费", NotifyURL: "https://example.com/cb",
	}); err != nil {
		t.Fatal(err)
	}
	if err := sim.Pay(no, sandbox.WeChatNoCallback()); err != nil {
		t.Fatal(err)
	}
	if _, err := p.TradeBill(context.Background(), time.Now()); !errors.Is(err, wechat.ErrBadSignature) {
		t.Errorf("a changed bill: %v, want ErrBadSignature", err)
	}
}

func TestParseTradeBill(t *testing.T) {
	const header = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\r\n"
	const row = "`2026-11-26 10:15:00,`wxd678efh567hg6787,`1900009191,`0,`,`4200202611260000000001,`GPW20261126101500000000000001,`oUpF8u,`NATIVE,`SUCCESS,`OTHERS,`CNY,`175.50,`0.00,`0,`0,`0.00,`0.00,`,`,`电费,`,`1.05300,`0.60%,`175.50,`0.00,`\r\n"
	const summary = "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n`1,`175.50,`0.00,`0.00,`1.05300,`175.50,`0.00\r\n"

	lines, err := wechat.ParseTradeBill([]byte("\uFEFF" + header + row + summary))
	if err != nil {
		t.Fatal(err)
	}
	want := wechat.BillLine{
		At:            time.Date(2026, 11, 26, 2, 15, 0, 0, time.UTC),
		TransactionID: "4200202611260000000001", OutTradeNo: "GPW20261126101500000000000001", State: "SUCCESS", Amount: 17550,
	}
	if len(lines) != 1 || !lines[0].At.Equal(want.At) {
		t.Fatalf("lines %+v", lines)
	}
	lines[0].At = want.At
	if lines[0] != want {
		t.Errorf("line %+v, want %+v", lines[0], want)
	}

	bad := map[string]string{
		"empty":              "",
		"no summary":         header + row,
		"count disagrees":    header + row + row + summary,
		"summary no values":  header + row + "总交易单数,应结订单总金额",
		"a field short":      header + strings.Replace(row, "`CNY,", "", 1) + summary,
		"amount not money":   header + strings.Replace(row, "`175.50,`0.00,`0,", "`1.5e2,`0.00,`0,", 1) + summary,
		"time not a time":    header + strings.Replace(row, "2026-11-26 10:15:00", "yesterday", 1) + summary,
		"a column missing":   strings.Replace(header, "商户订单号,", "", 1) + row + summary,
		"three decimals fen": header + strings.Replace(row, "`175.50,`0.00,`0,", "`175.505,`0.00,`0,", 1) + summary,
	}
	for name, bill := range bad {
		if _, err := wechat.ParseTradeBill([]byte(bill)); !errors.Is(err, wechat.ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}
