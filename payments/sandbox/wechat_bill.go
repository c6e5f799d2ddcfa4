package sandbox

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// weChatBillHeader is the first line of a trade bill of type ALL (交易账单), as WeChat writes it.
const weChatBillHeader = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类," +
	"应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"

// weChatBillSummaryHeader heads the summary after the rows.
const weChatBillSummaryHeader = "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"

// tradeBill answers GET /v3/bill/tradebill?bill_date=YYYY-MM-DD&bill_type=ALL with where to
// download the bill. Unlike WeChat, which makes bills by 10:00 the next day, the simulator makes
// one at once, for today too.
func (s *WeChat) tradeBill(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	day, err := time.ParseInLocation("2006-01-02", q.Get("bill_date"), weChatZone)
	if err != nil {
		s.fail(w, http.StatusBadRequest, "PARAM_ERROR", "bill_date must be YYYY-MM-DD")
		return
	}
	if t := q.Get("bill_type"); t != "" && t != "ALL" {
		s.fail(w, http.StatusBadRequest, "PARAM_ERROR", "the simulator makes bill_type ALL only")
		return
	}
	if q.Get("tar_type") != "" {
		s.fail(w, http.StatusBadRequest, "PARAM_ERROR", "the simulator does not compress bills")
		return
	}
	s.mu.Lock()
	bill, n := s.bill(day)
	var token string
	if n > 0 {
		if token, err = weChatRandomString(32); err == nil {
			s.bills[token] = bill
		}
	}
	s.mu.Unlock()
	switch {
	case err != nil:
		s.fail(w, http.StatusInternalServerError, "SYSTEM_ERROR", err.Error())
	case n == 0:
		s.fail(w, http.StatusBadRequest, "NO_STATEMENT_EXIST", "账单不存在")
	default:
		sum := sha1.Sum(bill)
		s.reply(w, http.StatusOK, map[string]string{
			"hash_type":    "SHA1",
			"hash_value":   hex.EncodeToString(sum[:]),
			"download_url": weChatScheme(r) + "://" + r.Host + "/v3/billdownload/file?token=" + token,
		})
	}
}

// downloadBill serves a bill's bytes. WeChat does not sign them; the SHA-1 in the tradebill
// answer, which is signed, vouches for them.
func (s *WeChat) downloadBill(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	bill, ok := s.bills[r.URL.Query().Get("token")]
	s.mu.Unlock()
	if !ok {
		s.fail(w, http.StatusNotFound, "RESOURCE_NOT_EXISTS", "token is unknown")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(bill)
}

// bill writes the trade bill of one day in China: a row per payment and per refund, then the
// summary. Every field starts with a backquote, so spreadsheets keep long numbers as text.
// Callers hold s.mu.
func (s *WeChat) bill(day time.Time) ([]byte, int) {
	type row struct {
		at   time.Time
		line string
	}
	var rows []row
	var paid, refunded, fees int64
	inDay := func(t time.Time) bool { return !t.Before(day) && t.Before(day.AddDate(0, 0, 1)) }
	field := func(fs ...string) string { return "`" + strings.Join(fs, ",`") }
	for _, o := range s.orders {
		if o.TxnID == "" || !inDay(o.SuccessTime.In(weChatZone)) {
			continue
		}
		fee := o.Total * 6 // 0.6%, in 0.00001 yuan
		paid, fees = paid+o.Total, fees+fee
		rows = append(rows, row{o.SuccessTime, field(
			o.SuccessTime.In(weChatZone).Format("2006-01-02 15:04:05"), s.keys.AppID, s.keys.MchID, "0", "",
			o.TxnID, o.OutTradeNo, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", o.TradeType, "SUCCESS", "OTHERS", "CNY",
			weChatYuan(o.Total), "0.00", "0", "0", "0.00", "0.00", "", "", o.Description, "",
			weChatFee(fee), "0.60%", weChatYuan(o.Total), "0.00", "")})
	}
	for _, f := range s.refunds {
		if !inDay(f.SuccessTime.In(weChatZone)) {
			continue
		}
		o := s.orders[f.OutTradeNo]
		fee := -f.Amount * 6
		refunded, fees = refunded+f.Amount, fees+fee
		rows = append(rows, row{f.SuccessTime, field(
			f.SuccessTime.In(weChatZone).Format("2006-01-02 15:04:05"), s.keys.AppID, s.keys.MchID, "0", "",
			o.TxnID, o.OutTradeNo, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", o.TradeType, "REFUND", "OTHERS", "CNY",
			"0.00", "0.00", f.RefundID, f.OutRefundNo, weChatYuan(f.Amount), "0.00", "ORIGINAL", "SUCCESS",
			o.Description, "", weChatFee(fee), "0.60%", "0.00", weChatYuan(f.Amount), "")})
	}
	slices.SortStableFunc(rows, func(a, b row) int { return a.at.Compare(b.at) })
	var b strings.Builder
	b.WriteString(weChatBillHeader + "\r\n")
	for _, r := range rows {
		b.WriteString(r.line + "\r\n")
	}
	b.WriteString(weChatBillSummaryHeader + "\r\n")
	b.WriteString(field(fmt.Sprint(len(rows)), weChatYuan(paid), weChatYuan(refunded), "0.00", weChatFee(fees),
		weChatYuan(paid), weChatYuan(refunded)) + "\r\n")
	return []byte(b.String()), len(rows)
}

// weChatYuan writes fen as yuan with two decimals.
func weChatYuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}

// weChatFee writes 0.00001 yuan as yuan with five decimals, as bills show fees.
func weChatFee(v int64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%05d", sign, v/100000, v%100000)
}

func weChatScheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}
