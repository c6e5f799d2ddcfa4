package sandbox

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"gridpay/internal/billing"
)

// weChatJSAPIRequest is the body of POST /v3/pay/transactions/jsapi: a Native order's fields and
// the payer's OpenID.
type weChatJSAPIRequest struct {
	weChatNativeRequest
	Payer struct {
		OpenID string `json:"openid"`
	} `json:"payer"`
}

// createJSAPI places a JSAPI order for the payer's OpenID and answers its prepay_id, which the
// merchant's page hands, signed, to the WeChat app's payment sheet (PayInApp).
func (s *WeChat) createJSAPI(w http.ResponseWriter, r *http.Request) {
	var req weChatJSAPIRequest
	if !s.decodeOrder(w, r, &req) {
		return
	}
	wrong := ""
	if req.Payer.OpenID == "" || len(req.Payer.OpenID) > 128 {
		wrong = "payer.openid is required"
	}
	s.placeOrder(w, "JSAPI", req.weChatNativeRequest, wrong, req.Payer.OpenID, func(o *weChatOrder) map[string]string {
		return map[string]string{"prepay_id": o.PrepayID}
	})
}

// WeChatJSAPIRequest is what a page hands to WeixinJSBridge.invoke("getBrandWCPayRequest", ...).
type WeChatJSAPIRequest struct {
	AppID     string `json:"appId"`
	TimeStamp string `json:"timeStamp"`
	NonceStr  string `json:"nonceStr"`
	Package   string `json:"package"`
	SignType  string `json:"signType"`
	PaySign   string `json:"paySign"`
}

// PayInApp plays the WeChat app's payment sheet: it checks the request as WeChat does (this app,
// RSA, a timestamp within five minutes, a known prepay_id, paySign by the merchant's key over
// "appId\ntimeStamp\nnonceStr\npackage\n") and pays the order, as Pay does. A request that does
// not check is billing.ErrUnauthorized.
func (s *WeChat) PayInApp(req WeChatJSAPIRequest) error {
	bad := func(why string) error {
		return fmt.Errorf("sandbox: wechat: payment sheet: %s: %w", why, billing.ErrUnauthorized)
	}
	if req.AppID != s.keys.AppID || req.SignType != "RSA" || req.NonceStr == "" {
		return bad("appId, signType or nonceStr")
	}
	ts, err := strconv.ParseInt(req.TimeStamp, 10, 64)
	if err != nil {
		return bad("timeStamp")
	}
	if d := s.now().Sub(time.Unix(ts, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return bad("timeStamp is too far off")
	}
	sig, err := base64.StdEncoding.DecodeString(req.PaySign)
	if err != nil {
		return bad("paySign is not base64")
	}
	sum := sha256.Sum256([]byte(req.AppID + "\n" + req.TimeStamp + "\n" + req.NonceStr + "\n" + req.Package + "\n"))
	if err := rsa.VerifyPKCS1v15(&s.keys.MerchantKey.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
		return bad("paySign does not verify with the merchant key")
	}
	prepay, ok := strings.CutPrefix(req.Package, "prepay_id=")
	if !ok || prepay == "" {
		return bad("package is not prepay_id=...")
	}
	s.mu.Lock()
	out := ""
	for _, o := range s.orders {
		if o.TradeType == "JSAPI" && o.PrepayID == prepay {
			out = o.OutTradeNo
			break
		}
	}
	s.mu.Unlock()
	if out == "" {
		return fmt.Errorf("sandbox: wechat: payment sheet: prepay_id %q: %w", prepay, billing.ErrNotFound)
	}
	return s.Pay(out)
}

// payInApp serves POST /jsapi-pay: PayInApp for a browser test's stand-in for WeixinJSBridge,
// which posts the request the page handed it; it answers as the bridge does,
// {"err_msg":"get_brand_wcpay_request:ok"} or ":fail".
func (s *WeChat) payInApp(w http.ResponseWriter, r *http.Request) {
	var req WeChatJSAPIRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10)).Decode(&req); err != nil {
		http.Error(w, "body is not a payment request", http.StatusBadRequest)
		return
	}
	answer := "get_brand_wcpay_request:ok"
	if err := s.PayInApp(req); err != nil {
		answer = "get_brand_wcpay_request:fail"
		if !errors.Is(err, billing.ErrUnauthorized) && !errors.Is(err, billing.ErrNotFound) && !errors.Is(err, billing.ErrConflict) {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"err_msg": answer})
}
