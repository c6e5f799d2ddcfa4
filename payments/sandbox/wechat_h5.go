package sandbox

import (
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// weChatH5Request is the body of POST /v3/pay/transactions/h5: a Native order's fields and the
// scene of the phone that pays.
type weChatH5Request struct {
	weChatNativeRequest
	SceneInfo struct {
		PayerClientIP string `json:"payer_client_ip"`
		H5Info        struct {
			Type string `json:"type"`
		} `json:"h5_info"`
	} `json:"scene_info"`
}

// createH5 places an H5 order (trade type MWEB) and answers its h5_url: a cashier page of this
// simulator, as WeChat's is at wx.tenpay.com, which the merchant sends the phone's browser to with
// redirect_url appended.
func (s *WeChat) createH5(w http.ResponseWriter, r *http.Request) {
	var req weChatH5Request
	if !s.decodeOrder(w, r, &req) {
		return
	}
	wrong := ""
	switch {
	case net.ParseIP(req.SceneInfo.PayerClientIP) == nil:
		wrong = "scene_info.payer_client_ip must be the payer's IP address"
	case req.SceneInfo.H5Info.Type != "Wap" && req.SceneInfo.H5Info.Type != "iOS" && req.SceneInfo.H5Info.Type != "Android":
		wrong = "scene_info.h5_info.type must be Wap, iOS or Android"
	}
	s.placeOrder(w, "MWEB", req.weChatNativeRequest, wrong, "", func(o *weChatOrder) map[string]string {
		return map[string]string{"h5_url": s.cashierURL(r, o)}
	})
}

// cashierURL is the address of o's cashier page as the merchant reached this simulator: the same
// scheme, host and mount prefix as the request.
func (s *WeChat) cashierURL(r *http.Request, o *weChatOrder) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	prefix := strings.TrimSuffix(strings.SplitN(r.RequestURI, "?", 2)[0], r.URL.Path)
	return scheme + "://" + r.Host + prefix + "/cashier?prepay_id=" + url.QueryEscape(o.PrepayID)
}

var cashierTmpl = template.Must(template.New("cashier").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>微信支付 沙箱收银台 Sandbox cashier</title></head><body>
<h1>微信支付 沙箱收银台 Sandbox cashier</h1>
<p>{{.Description}}</p>
<p>¥{{.Yuan}}</p>
{{if .Paid}}<p id="paid">该订单已支付 Already paid</p>{{else}}
<form method="post"><input type="hidden" name="redirect_url" value="{{.Back}}">
<button type="submit" id="wechat-pay">确认支付 Pay</button></form>{{end}}
</body></html>`))

// cashier is WeChat's H5 cashier as the phone's browser meets it: GET shows the order, POST pays it
// (WeChat's app would ask for the password) and sends the browser back to redirect_url, as WeChat
// does once the customer has paid.
func (s *WeChat) cashier(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	prepay := r.Form.Get("prepay_id")
	s.mu.Lock()
	var o *weChatOrder
	for _, c := range s.orders {
		if c.PrepayID != "" && c.PrepayID == prepay {
			o = c
			break
		}
	}
	var view struct {
		Description, Yuan, Back string
		Paid                    bool
	}
	if o != nil {
		view.Description, view.Paid = o.Description, o.State != "NOTPAY"
		view.Yuan = yuan(o.Total)
	}
	s.mu.Unlock()
	if o == nil {
		http.Error(w, "no such prepay_id", http.StatusNotFound)
		return
	}
	back, err := url.Parse(r.Form.Get("redirect_url"))
	if err != nil || (back.Scheme != "http" && back.Scheme != "https") || back.Host == "" {
		http.Error(w, "redirect_url must be an absolute http(s) URL", http.StatusBadRequest)
		return
	}
	if r.Method == http.MethodPost {
		if err := s.Pay(o.OutTradeNo); err != nil {
			http.Error(w, err.Error(), http.StatusConflict)
			return
		}
		http.Redirect(w, r, back.String(), http.StatusSeeOther)
		return
	}
	view.Back = back.String()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	cashierTmpl.Execute(w, view)
}

// yuan writes fen as yuan with two decimals, as a cashier shows an amount.
func yuan(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }
