package sandbox

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"gridpay/internal/billing"
)

// alipayStatus is what every *_response carries.
type alipayStatus struct {
	Code    string `json:"code"`
	Msg     string `json:"msg"`
	SubCode string `json:"sub_code,omitempty"`
	SubMsg  string `json:"sub_msg,omitempty"`
}

var alipayOK = alipayStatus{Code: "10000", Msg: "Success"}

func alipayBusinessError(subCode, subMsg string) alipayStatus {
	return alipayStatus{Code: "40004", Msg: "Business Failed", SubCode: subCode, SubMsg: subMsg}
}

// ServeHTTP is the gateway (gateway.do): a form-encoded POST (or GET) of the common parameters,
// biz_content and an RSA2 signature over all parameters but sign, answered with
// {"<method>_response":{...},"sign":"..."} where sign covers the raw JSON of the response.
func (a *Alipay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if strings.HasSuffix(r.URL.Path, "/"+alipayBillFile) {
		a.downloadBill(w, r)
		return
	}
	if isCashier(r) {
		a.cashier(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	form := r.Form
	method := form.Get("method")
	name := "error_response"
	if method != "" {
		name = strings.ReplaceAll(method, ".", "_") + "_response"
	}
	if st, ok := a.checkRequest(form); !ok {
		a.answer(w, name, st)
		return
	}
	var biz map[string]string
	if err := json.Unmarshal([]byte(form.Get("biz_content")), &biz); err != nil {
		a.answer(w, name, alipayStatus{Code: "40002", Msg: "Invalid Arguments", SubCode: "isv.invalid-biz-content", SubMsg: "biz_content 无效"})
		return
	}
	switch method {
	case "alipay.trade.precreate":
		a.answer(w, name, a.precreate(biz, form.Get("notify_url")))
	case "alipay.trade.wap.pay": // a page the phone's browser opens, not an app's call
		a.wapPay(w, r, biz, form)
	case "alipay.trade.query":
		a.answer(w, name, a.query(biz["out_trade_no"]))
	case "alipay.trade.close":
		a.answer(w, name, a.closeTrade(biz["out_trade_no"]))
	case "alipay.trade.refund":
		a.answer(w, name, a.refund(biz))
	case "alipay.data.dataservice.bill.downloadurl.query":
		a.answer(w, name, a.billURL(r, biz))
	default:
		a.answer(w, "error_response", alipayStatus{Code: "40002", Msg: "Invalid Arguments", SubCode: "isv.invalid-method", SubMsg: "不存在的方法名"})
	}
}

// checkRequest verifies the common parameters and the app's signature.
func (a *Alipay) checkRequest(form map[string][]string) (alipayStatus, bool) {
	invalid := func(sub, msg string) (alipayStatus, bool) {
		return alipayStatus{Code: "40002", Msg: "Invalid Arguments", SubCode: sub, SubMsg: msg}, false
	}
	for _, vs := range form {
		if len(vs) != 1 {
			return invalid("isv.invalid-parameter", "参数重复")
		}
	}
	get := func(k string) string {
		if vs := form[k]; len(vs) > 0 {
			return vs[0]
		}
		return ""
	}
	switch {
	case get("app_id") != a.appID:
		return invalid("isv.invalid-app-id", "无效的AppID参数")
	case get("sign_type") != "RSA2":
		return invalid("isv.invalid-signature-type", "无效的签名类型")
	case !strings.EqualFold(get("charset"), "utf-8"):
		return invalid("isv.invalid-charset", "字符集错误")
	case get("version") != "1.0":
		return invalid("isv.invalid-version", "版本号错误")
	}
	if _, err := time.ParseInLocation(alipayTimeLayout, get("timestamp"), alipayZone); err != nil {
		return invalid("isv.invalid-timestamp", "非法的时间戳参数")
	}
	sig, err := base64.StdEncoding.DecodeString(get("sign"))
	if err != nil || len(sig) == 0 {
		return invalid("isv.invalid-signature", "验签出错")
	}
	sum := sha256.Sum256([]byte(alipaySignContent(form, "sign")))
	if err := rsa.VerifyPKCS1v15(a.appKey, crypto.SHA256, sum[:], sig); err != nil {
		return invalid("isv.invalid-signature", "验签出错")
	}
	return alipayStatus{}, true
}

// answer writes the response envelope, signing the exact bytes of the response value.
func (a *Alipay) answer(w http.ResponseWriter, name string, v any) {
	raw, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	sign, err := a.sign(raw)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html;charset=utf-8") // what the real gateway says
	w.Write([]byte(`{"` + name + `":` + string(raw) + `,"sign":"` + sign + `"}`))
}

type alipayPrecreateResponse struct {
	alipayStatus
	OutTradeNo string `json:"out_trade_no,omitempty"`
	QRCode     string `json:"qr_code,omitempty"`
}

func (a *Alipay) precreate(biz map[string]string, notifyURL string) any {
	outTradeNo, subject := biz["out_trade_no"], biz["subject"]
	amount, err := billing.ParseMoney(biz["total_amount"])
	if outTradeNo == "" || subject == "" || err != nil || amount <= 0 {
		return alipayStatus{Code: "40002", Msg: "Invalid Arguments", SubCode: "isv.invalid-parameter", SubMsg: "参数无效"}
	}
	var expiresAt time.Time
	if te := biz["time_expire"]; te != "" {
		if expiresAt, err = time.ParseInLocation(alipayTimeLayout, te, alipayZone); err != nil {
			return alipayStatus{Code: "40002", Msg: "Invalid Arguments", SubCode: "isv.invalid-parameter", SubMsg: "time_expire 无效"}
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if o, ok := a.orders[outTradeNo]; ok {
		switch {
		case o.status == "TRADE_SUCCESS":
			return alipayBusinessError("ACQ.TRADE_HAS_SUCCESS", "交易已被支付")
		case o.closed || o.status == "TRADE_CLOSED":
			return alipayBusinessError("ACQ.TRADE_HAS_CLOSE", "交易已经关闭")
		case o.amount != amount:
			return alipayBusinessError("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改")
		}
		return alipayPrecreateResponse{alipayStatus: alipayOK, OutTradeNo: outTradeNo, QRCode: o.qrCode}
	}
	o := &alipayOrder{
		outTradeNo: outTradeNo, amount: amount, subject: subject, notifyURL: notifyURL,
		qrCode:    "https://qr.alipay.com/bax" + strings.ToLower(alipayNotifyID()[4:24]),
		expiresAt: expiresAt,
	}
	a.orders[outTradeNo] = o
	a.byQR[o.qrCode] = outTradeNo
	return alipayPrecreateResponse{alipayStatus: alipayOK, OutTradeNo: outTradeNo, QRCode: o.qrCode}
}

type alipayQueryResponse struct {
	alipayStatus
	TradeNo        string `json:"trade_no,omitempty"`
	OutTradeNo     string `json:"out_trade_no,omitempty"`
	BuyerLogonID   string `json:"buyer_logon_id,omitempty"`
	TradeStatus    string `json:"trade_status,omitempty"`
	TotalAmount    string `json:"total_amount,omitempty"`
	BuyerPayAmount string `json:"buyer_pay_amount,omitempty"`
	SendPayDate    string `json:"send_pay_date,omitempty"`
}

func (a *Alipay) query(outTradeNo string) any {
	a.mu.Lock()
	defer a.mu.Unlock()
	o, ok := a.orders[outTradeNo]
	if !ok || o.tradeNo == "" { // a 当面付 trade exists only once scanned
		return alipayBusinessError("ACQ.TRADE_NOT_EXIST", "交易不存在")
	}
	rsp := alipayQueryResponse{
		alipayStatus: alipayOK, TradeNo: o.tradeNo, OutTradeNo: o.outTradeNo, BuyerLogonID: "159****5620",
		TradeStatus: o.status, TotalAmount: o.amount.String(),
	}
	if !o.paidAt.IsZero() {
		rsp.BuyerPayAmount = o.amount.String()
		rsp.SendPayDate = o.paidAt.In(alipayZone).Format(alipayTimeLayout)
	}
	return rsp
}

type alipayCloseResponse struct {
	alipayStatus
	TradeNo    string `json:"trade_no,omitempty"`
	OutTradeNo string `json:"out_trade_no,omitempty"`
}

func (a *Alipay) closeTrade(outTradeNo string) any {
	a.mu.Lock()
	defer a.mu.Unlock()
	o, ok := a.orders[outTradeNo]
	if !ok {
		return alipayBusinessError("ACQ.TRADE_NOT_EXIST", "交易不存在")
	}
	if o.tradeNo == "" {
		// Alipay answers that the unscanned trade does not exist; the simulator also stops its
		// code from paying, which is what closing means to the app.
		o.closed = true
		return alipayBusinessError("ACQ.TRADE_NOT_EXIST", "交易不存在")
	}
	if o.status == "TRADE_SUCCESS" {
		return alipayBusinessError("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
	}
	o.status = "TRADE_CLOSED"
	return alipayCloseResponse{alipayStatus: alipayOK, TradeNo: o.tradeNo, OutTradeNo: o.outTradeNo}
}
