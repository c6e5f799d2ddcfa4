package sandbox

import (
	"html/template"
	"net/http"
	"strings"
)

// PayPage is the sandbox's "phone": at /sandbox/pay/{out_trade_no} a person (or a browser test)
// scans and pays an order, or declines it, on the simulator that created its code. Dev only:
// production has no sandbox.
type PayPage struct {
	// Pay pays an order on the simulator of its channel; set by whoever wires the simulators.
	Pay func(channel, outTradeNo string) error
}

var payPageTmpl = template.Must(template.New("pay").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>沙箱支付 Sandbox pay</title></head><body>
<h1>沙箱支付 Sandbox pay</h1>
<p>订单 Order {{.Out}} ({{.Channel}})</p>
{{if .Done}}<p id="done">{{.Done}}</p>{{else}}
<form method="post"><button type="submit" name="action" value="pay" id="pay">模拟支付 Pay</button>
<button type="submit" name="action" value="decline">拒绝 Decline</button></form>{{end}}
</body></html>`))

// ServeHTTP implements http.Handler for GET and POST /sandbox/pay/{out_trade_no}.
func (p *PayPage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	out := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	if out == "" || len(out) > 32 || strings.Trim(out, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" || len(out) < 3 {
		http.Error(w, "no such order", http.StatusNotFound)
		return
	}
	channel := map[byte]string{'W': "wechat", 'A': "alipay"}[out[2]]
	data := struct{ Out, Channel, Done string }{Out: out, Channel: channel}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<10)
		switch r.FormValue("action") {
		case "pay":
			if err := p.Pay(channel, out); err != nil {
				http.Error(w, err.Error(), http.StatusConflict)
				return
			}
			data.Done = "已支付，回调已发出。Paid; the callback is on its way."
		default:
			data.Done = "已拒绝：订单将在到期后关闭。Declined: the order closes when it expires."
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	payPageTmpl.Execute(w, data)
}
