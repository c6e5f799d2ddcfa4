package sandbox

import (
	"archive/zip"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"gridpay/internal/billing"
)

type alipayRefundResponse struct {
	alipayStatus
	TradeNo      string `json:"trade_no,omitempty"`
	OutTradeNo   string `json:"out_trade_no,omitempty"`
	BuyerLogonID string `json:"buyer_logon_id,omitempty"`
	FundChange   string `json:"fund_change,omitempty"`
	RefundFee    string `json:"refund_fee,omitempty"`
	GmtRefundPay string `json:"gmt_refund_pay,omitempty"`
}

// refund is alipay.trade.refund: partial refunds up to the total, each named by out_request_no,
// which Alipay takes once (a repeat answers fund_change N). A trade refunded in full is closed.
func (a *Alipay) refund(biz map[string]string) any {
	amount, err := billing.ParseMoney(biz["refund_amount"])
	if err != nil || amount <= 0 {
		return alipayStatus{Code: "40002", Msg: "Invalid Arguments", SubCode: "isv.invalid-parameter", SubMsg: "refund_amount 无效"}
	}
	reqNo := biz["out_request_no"]
	if reqNo == "" {
		reqNo = biz["out_trade_no"] // Alipay's default: one refund of the whole trade
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	o, ok := a.orders[biz["out_trade_no"]]
	if !ok || o.tradeNo == "" {
		return alipayBusinessError("ACQ.TRADE_NOT_EXIST", "交易不存在")
	}
	rsp := alipayRefundResponse{alipayStatus: alipayOK, TradeNo: o.tradeNo, OutTradeNo: o.outTradeNo, BuyerLogonID: "159****5620"}
	for _, r := range o.refunds {
		if r.outRequestNo == reqNo {
			if r.amount != amount {
				return alipayBusinessError("ACQ.REQUEST_AMOUNT_EXCEED", "请求退款金额与原请求不一致")
			}
			rsp.FundChange, rsp.RefundFee = "N", o.refunded().String()
			rsp.GmtRefundPay = r.at.In(alipayZone).Format(alipayTimeLayout)
			return rsp
		}
	}
	if o.paidAt.IsZero() || (o.status != "TRADE_SUCCESS") {
		return alipayBusinessError("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
	}
	if o.refunded()+amount > o.amount {
		return alipayBusinessError("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
	}
	at := a.now()
	o.refunds = append(o.refunds, alipayRefund{outRequestNo: reqNo, amount: amount, at: at})
	if o.refunded() == o.amount {
		o.status = "TRADE_CLOSED"
	}
	rsp.FundChange, rsp.RefundFee = "Y", o.refunded().String()
	rsp.GmtRefundPay = at.In(alipayZone).Format(alipayTimeLayout)
	return rsp
}

// alipayBillFile is the last path element of the simulator's statement downloads.
const alipayBillFile = "downloadBillFile.resource"

type alipayBillURLResponse struct {
	alipayStatus
	BillDownloadURL string `json:"bill_download_url,omitempty"`
}

// billURL is alipay.data.dataservice.bill.downloadurl.query for bill_type trade: an address on
// the simulator itself, beside the gateway's path, valid for days that are over (in China).
func (a *Alipay) billURL(r *http.Request, biz map[string]string) any {
	day, err := time.ParseInLocation("2006-01-02", biz["bill_date"], alipayZone)
	if biz["bill_type"] != "trade" || err != nil {
		return alipayStatus{Code: "40002", Msg: "Invalid Arguments", SubCode: "isv.invalid-parameter", SubMsg: "bill_type 或 bill_date 无效"}
	}
	if !a.now().After(day.AddDate(0, 0, 1)) {
		return alipayBusinessError("isp.bill_not_exist", "账单不存在")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	q := url.Values{"bizType": {"trade"}, "userId": {a.sellerID}, "fileType": {"csv.zip"},
		"bizDates": {day.Format("20060102")}, "downloadFileName": {a.sellerID + "_" + day.Format("20060102") + ".csv.zip"}}
	q.Set("sign", a.billToken(q.Get("bizDates")))
	u := url.URL{Scheme: scheme, Host: r.Host, Path: path.Join(path.Dir(r.URL.Path), alipayBillFile), RawQuery: q.Encode()}
	return alipayBillURLResponse{alipayStatus: alipayOK, BillDownloadURL: u.String()}
}

// billToken keeps the download address unguessable, as Alipay's are.
func (a *Alipay) billToken(bizDates string) string {
	mac := hmac.New(sha256.New, a.publicPEM)
	mac.Write([]byte(a.sellerID + "|" + bizDates))
	return hex.EncodeToString(mac.Sum(nil))[:32]
}

// downloadBill serves the day's statement: a zip of the 业务明细 CSV in GBK, one line for each
// payment and each refund finished that day in China.
func (a *Alipay) downloadBill(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	day, err := time.ParseInLocation("20060102", q.Get("bizDates"), alipayZone)
	if err != nil || !hmac.Equal([]byte(q.Get("sign")), []byte(a.billToken(q.Get("bizDates")))) {
		http.Error(w, "bad bill address", http.StatusNotFound)
		return
	}
	body, err := a.billZip(day)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="`+q.Get("downloadFileName")+`"`)
	w.Write(body)
}

// billZip builds the statement for day (a midnight in China).
func (a *Alipay) billZip(day time.Time) ([]byte, error) {
	end := day.AddDate(0, 0, 1)
	within := func(t time.Time) bool { return !t.Before(day) && t.Before(end) }
	const header = "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注"
	var lines []string
	var paidCount, refundCount int
	var paidSum, refundSum billing.Money
	row := func(o *alipayOrder, kind string, at time.Time, amount billing.Money, reqNo string) string {
		f := []string{o.tradeNo, o.outTradeNo, kind, o.subject,
			o.createdAt.In(alipayZone).Format(alipayTimeLayout), at.In(alipayZone).Format(alipayTimeLayout),
			"", "", "", "", "159****5620", amount.String(), amount.String(),
			"0.00", "0.00", "0.00", "0.00", "0.00", "", "0.00", "0.00", reqNo, "0.00", "0.00", ""}
		return strings.Join(f, "\t,") // Alipay pads every field with a tab so spreadsheets keep digits
	}
	a.mu.Lock()
	for _, o := range a.orders {
		if !o.paidAt.IsZero() && within(o.paidAt) {
			lines = append(lines, row(o, "交易", o.paidAt, o.amount, ""))
			paidCount++
			paidSum += o.amount
		}
		for _, rf := range o.refunds {
			if within(rf.at) {
				lines = append(lines, row(o, "退款", rf.at, -rf.amount, rf.outRequestNo))
				refundCount++
				refundSum += rf.amount
			}
		}
	}
	a.mu.Unlock()
	sort.Strings(lines)

	var csv strings.Builder
	fmt.Fprintf(&csv, "#支付宝业务明细查询\r\n#账号：[%s0156]\r\n", a.sellerID)
	fmt.Fprintf(&csv, "#起始日期：[%s 00:00:00]   终止日期：[%s 00:00:00]\r\n", day.Format("2006年01月02日"), end.Format("2006年01月02日"))
	csv.WriteString("#-----------------------------------------业务明细列表----------------------------------------\r\n")
	csv.WriteString(header + "\r\n")
	for _, l := range lines {
		csv.WriteString(l + "\r\n")
	}
	csv.WriteString("#-----------------------------------------业务明细列表结束------------------------------------\r\n")
	fmt.Fprintf(&csv, "#交易合计：%d笔，商家实收共%s元\r\n#退款合计：%d笔，商家实收退款共%s元\r\n", paidCount, paidSum, refundCount, refundSum)
	fmt.Fprintf(&csv, "#导出时间：[%s]\r\n", a.now().In(alipayZone).Format("2006年01月02日 15:04:05"))
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(csv.String())
	if err != nil {
		return nil, fmt.Errorf("sandbox: alipay bill: %w", err)
	}

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	fw, err := zw.Create(a.sellerID + "0156_" + day.Format("20060102") + "_业务明细.csv")
	if err == nil {
		_, err = fw.Write([]byte(gbk))
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("sandbox: alipay bill: %w", err)
	}
	return buf.Bytes(), nil
}
