package billing

// PayWay is how the customer pays an order: by scanning its code from another device, or on the
// very phone that shows the page. Providers treat each way as its own kind of trade (WeChat's
// NATIVE, MWEB and JSAPI), so an order is placed one way for good: paying another way is a new
// order. It lives here beside OrderStatus because store keeps it on the order and payments drives it.
type PayWay string

// The ways to pay.
const (
	PayQR    PayWay = "qr"    // a code scanned with the provider's app (WeChat Native, Alipay 当面付)
	PayH5    PayWay = "h5"    // WeChat Pay H5: the phone's browser hands over to the WeChat app
	PayWAP   PayWay = "wap"   // Alipay WAP (手机网站支付): the phone's browser opens Alipay's cashier
	PayJSAPI PayWay = "jsapi" // WeChat Pay JSAPI: inside WeChat, the page opens WeChat's payment sheet
)

// Valid reports whether w is one of the ways to pay.
func (w PayWay) Valid() bool {
	switch w {
	case PayQR, PayH5, PayWAP, PayJSAPI:
		return true
	}
	return false
}

// InPlace reports whether w pays on the phone that shows the page, without a code to scan.
func (w PayWay) InPlace() bool { return w == PayH5 || w == PayWAP || w == PayJSAPI }
