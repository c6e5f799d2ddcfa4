package sandbox

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"gridpay/internal/billing"
)

var alipayCashierTmpl = template.Must(template.New("cashier").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>支付宝 沙箱收银台 Sandbox cashier</title></head><body>
<h1>支付宝 沙箱收银台 Sandbox cashier</h1>
<p>{{.Subject}}</p>
<p>¥{{.Amount}}</p>
<form method="post" action="cashier"><input type="hidden" name="out_trade_no" value="{{.Out}}">
<input type="hidden" name="return_url" value="{{.Back}}">
<button type="submit" id="alipay-pay">确认付款 Pay</button></form>
<p><a href="{{.Quit}}">返回商家 Back</a></p>
</body></html>`))

// wapPay is alipay.trade.wap.pay as the phone's browser meets it: a signed GET to the gateway that
// opens the cashier (the Alipay app, on a real phone) for the order, which it places then.
func (a *Alipay) wapPay(w http.ResponseWriter, r *http.Request, biz map[string]string, form url.Values) {
	fail := func(msg string) { http.Error(w, "支付宝 Alipay: "+msg, http.StatusBadRequest) }
	outTradeNo, subject := biz["out_trade_no"], biz["subject"]
	amount, err := billing.ParseMoney(biz["total_amount"])
	back, berr := url.Parse(form.Get("return_url"))
	quit, qerr := url.Parse(biz["quit_url"])
	switch {
	case outTradeNo == "" || subject == "" || err != nil || amount <= 0:
		fail("参数无效 invalid parameters")
		return
	case biz["product_code"] != "QUICK_WAP_WAY":
		fail("product_code must be QUICK_WAP_WAY")
		return
	case berr != nil || (back.Scheme != "http" && back.Scheme != "https") || back.Host == "":
		fail("return_url must be an absolute http(s) URL")
		return
	case qerr != nil || (quit.Scheme != "http" && quit.Scheme != "https") || quit.Host == "":
		fail("quit_url must be an absolute http(s) URL")
		return
	}
	var expiresAt time.Time
	if te := biz["time_expire"]; te != "" {
		if expiresAt, err = time.ParseInLocation(alipayTimeLayout, te, alipayZone); err != nil {
			fail("time_expire 无效")
			return
		}
	}
	a.mu.Lock()
	o, ok := a.orders[outTradeNo]
	switch {
	case !ok:
		o = &alipayOrder{outTradeNo: outTradeNo, amount: amount, subject: subject, notifyURL: form.Get("notify_url"), expiresAt: expiresAt}
		a.orders[outTradeNo] = o
	case o.amount != amount:
		a.mu.Unlock()
		fail("ACQ.CONTEXT_INCONSISTENT 交易信息被篡改")
		return
	}
	_, err = a.scanLocked(outTradeNo) // the trade exists once the cashier opens
	status := o.status
	a.mu.Unlock()
	if err != nil {
		fail(err.Error())
		return
	}
	if status == "TRADE_SUCCESS" {
		http.Redirect(w, r, back.String(), http.StatusSeeOther)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	alipayCashierTmpl.Execute(w, struct{ Subject, Amount, Out, Back, Quit string }{subject, amount.String(), outTradeNo, back.String(), quit.String()})
}

// cashier takes the payment the cashier page asks for and sends the browser back to the
// merchant's return_url with the synchronous return parameters, signed by Alipay, as
// alipay.trade.wap.pay does. The merchant trusts only the notification for the money.
func (a *Alipay) cashier(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		http.Error(w, "POST the cashier's form", http.StatusBadRequest)
		return
	}
	out := r.PostForm.Get("out_trade_no")
	back, err := url.Parse(r.PostForm.Get("return_url"))
	if err != nil || (back.Scheme != "http" && back.Scheme != "https") || back.Host == "" {
		http.Error(w, "return_url must be an absolute http(s) URL", http.StatusBadRequest)
		return
	}
	if err := a.Pay(out, AlipayNotify{}); err != nil {
		http.Error(w, err.Error(), http.StatusConflict)
		return
	}
	a.mu.Lock()
	o := a.orders[out]
	ret := url.Values{"app_id": {a.appID}, "method": {"alipay.trade.wap.pay.return"}, "charset": {"utf-8"}, "sign_type": {"RSA2"},
		"version": {"1.0"}, "timestamp": {a.now().In(alipayZone).Format(alipayTimeLayout)},
		"out_trade_no": {o.outTradeNo}, "trade_no": {o.tradeNo}, "total_amount": {o.amount.String()}, "seller_id": {a.sellerID}}
	a.mu.Unlock()
	sign, err := a.sign([]byte(alipaySignContent(ret, "sign")))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	ret.Set("sign", sign)
	q := back.Query()
	for k, vs := range ret {
		q[k] = vs
	}
	back.RawQuery = q.Encode()
	http.Redirect(w, r, back.String(), http.StatusSeeOther)
}

// isCashier reports whether a request is the browser at the WAP cashier rather than an app's call.
func isCashier(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/cashier") }
