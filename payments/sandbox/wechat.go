package sandbox

import (
	"bytes"
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gridpay/internal/billing"
)

// WeChat simulates WeChat Pay API v3 for Native payments on the real wire: it checks the
// merchant's signed requests with the merchant's public key, signs its answers and callbacks with
// the platform key or the WeChat Pay public key's private half, and encrypts callback resources
// with the APIv3 key, so the production code path is what runs against it. It serves
//
//	POST /v3/pay/transactions/native
//	GET  /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=
//	POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close
//	POST /v3/refund/domestic/refunds
//	GET  /v3/refund/domestic/refunds/{out_refund_no}
//	GET  /v3/bill/tradebill?bill_date=&bill_type=
//	GET  /v3/billdownload/file?token=
//
// and Pay plays the customer paying an order, after which WeChat calls the order's notify_url.
// Mount it with http.StripPrefix if it does not sit at the root: it checks signatures against
// the request target as sent.
type WeChat struct {
	keys     WeChatKeys
	now      func() time.Time
	client   *http.Client
	scale    float64
	signWith WeChatSigner
	mux      *http.ServeMux

	ctx    context.Context // cancelled by Close: stops pending deliveries
	cancel context.CancelFunc
	wg     sync.WaitGroup

	outage atomic.Int32 // a WeChatOutage: how the API answers while WeChat Pay is down

	mu         sync.Mutex
	orders     map[string]*weChatOrder
	foreign    map[string]bool // OpenIDs of other apps (ForeignOpenID), refused for JSAPI orders
	refunds    map[string]*weChatRefund
	bills      map[string][]byte // by download token
	deliveries []WeChatDelivery
	txnSeq     int
}

// WeChatSigner is the key WeChat signs answers and callbacks with.
type WeChatSigner int

// The two keys WeChat may sign with; Wechatpay-Serial names which.
const (
	WeChatSignPlatformCert WeChatSigner = iota // the platform certificate (平台证书)
	WeChatSignPublicKey                        // the WeChat Pay public key (微信支付公钥)
)

// WeChatRetrySchedule is how long WeChat Pay waits after each failed callback delivery before the
// next: 15 attempts after the first, over about a day. WeChatRetryScale compresses it for tests.
var WeChatRetrySchedule = []time.Duration{
	15 * time.Second, 15 * time.Second, 30 * time.Second, 3 * time.Minute, 10 * time.Minute,
	20 * time.Minute, 30 * time.Minute, 30 * time.Minute, 30 * time.Minute, 60 * time.Minute,
	3 * time.Hour, 3 * time.Hour, 3 * time.Hour, 6 * time.Hour, 6 * time.Hour,
}

// WeChatOption configures a WeChat simulator.
type WeChatOption func(*WeChat)

// WeChatClock sets the clock for timestamps it signs and checks and for success_time (default
// time.Now). Waiting between deliveries always takes real time, scaled by WeChatRetryScale.
func WeChatClock(now func() time.Time) WeChatOption { return func(s *WeChat) { s.now = now } }

// WeChatHTTPClient sets the client callbacks are sent with (default: 5 s timeout, as WeChat's).
func WeChatHTTPClient(c *http.Client) WeChatOption { return func(s *WeChat) { s.client = c } }

// WeChatRetryScale multiplies every wait in WeChatRetrySchedule: 0.001 turns 15 s into 15 ms.
func WeChatRetryScale(factor float64) WeChatOption { return func(s *WeChat) { s.scale = factor } }

// WeChatSignWith sets the key answers and callbacks are signed with (default the platform
// certificate); WeChatSignedBy overrides it for one payment's callbacks.
func WeChatSignWith(k WeChatSigner) WeChatOption { return func(s *WeChat) { s.signWith = k } }

// NewWeChat returns a simulator for the merchant and keys in keys. Close it to stop deliveries.
func NewWeChat(keys WeChatKeys, opts ...WeChatOption) *WeChat {
	s := &WeChat{
		keys:    keys,
		now:     time.Now,
		client:  &http.Client{Timeout: 5 * time.Second},
		scale:   1,
		orders:  map[string]*weChatOrder{},
		refunds: map[string]*weChatRefund{},
		bills:   map[string][]byte{},
	}
	for _, o := range opts {
		o(s)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /v3/pay/transactions/native", s.createNative)
	s.mux.HandleFunc("POST /v3/pay/transactions/h5", s.createH5)
	s.mux.HandleFunc("POST /v3/pay/transactions/jsapi", s.createJSAPI)
	s.mux.HandleFunc("POST /jsapi-pay", s.payInApp)
	s.mux.HandleFunc("GET /cashier", s.cashier)
	s.mux.HandleFunc("POST /cashier", s.cashier)
	s.mux.HandleFunc("GET /v3/pay/transactions/out-trade-no/{no}", s.queryOrder)
	s.mux.HandleFunc("POST /v3/pay/transactions/out-trade-no/{no}/close", s.closeOrder)
	s.mux.HandleFunc("POST /v3/refund/domestic/refunds", s.createRefund)
	s.mux.HandleFunc("GET /v3/refund/domestic/refunds/{no}", s.queryRefund)
	s.mux.HandleFunc("GET /v3/bill/tradebill", s.tradeBill)
	s.mux.HandleFunc("GET /v3/billdownload/file", s.downloadBill)
	return s
}

// WeChatOutage is how the simulated API behaves while WeChat Pay is down.
type WeChatOutage int32

// Outages: none; every call answered 500 SYSTEM_ERROR (WeChat Pay's own answer when it fails); every
// call left hanging until the client gives up.
const (
	WeChatUp WeChatOutage = iota
	WeChatSystemError
	WeChatHang
)

// SetOutage puts the API down as o says, or back up with WeChatUp. Callbacks already due are still
// delivered: they are another of WeChat's systems.
func (s *WeChat) SetOutage(o WeChatOutage) { s.outage.Store(int32(o)) }

// ForeignOpenID says that the OpenIDs are customers under another app than the merchant's: a JSAPI
// order for one is refused, as WeChat refuses it ("openid和appid不匹配").
func (s *WeChat) ForeignOpenID(openIDs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.foreign == nil {
		s.foreign = map[string]bool{}
	}
	for _, id := range openIDs {
		s.foreign[id] = true
	}
}

// ServeHTTP checks the merchant's signature, then serves the API.
func (s *WeChat) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch WeChatOutage(s.outage.Load()) {
	case WeChatSystemError:
		s.fail(w, http.StatusInternalServerError, "SYSTEM_ERROR", "系统错误")
		return
	case WeChatHang:
		select {
		case <-r.Context().Done():
		case <-s.ctx.Done():
		}
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		s.fail(w, http.StatusBadRequest, "PARAM_ERROR", "cannot read body")
		return
	}
	target := r.RequestURI // what the client signed, even behind http.StripPrefix
	if target == "" {
		target = r.URL.RequestURI()
	}
	if r.URL.Path == "/cashier" || r.URL.Path == "/jsapi-pay" { // the customer's browser or app, not the merchant's API
		r.Body = io.NopCloser(bytes.NewReader(body))
		s.mux.ServeHTTP(w, r)
		return
	}
	if err := s.checkRequestSignature(r.Method, target, r.Header.Get("Authorization"), body); err != nil {
		s.fail(w, http.StatusUnauthorized, "SIGN_ERROR", err.Error())
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	s.mux.ServeHTTP(w, r)
}

// Close stops every pending callback delivery and waits for the ones in flight.
func (s *WeChat) Close() {
	s.cancel()
	s.wg.Wait()
}

// Wait blocks until every callback delivery has finished: answered 2xx, given up, or stopped.
func (s *WeChat) Wait() { s.wg.Wait() }

// weChatOrder is an order as the simulator keeps it.
type weChatOrder struct {
	OutTradeNo  string
	Description string
	Total       int64
	NotifyURL   string
	TimeExpire  string
	CodeURL     string
	TradeType   string // NATIVE, or MWEB for an H5 order
	PrepayID    string // an H5 or JSAPI order's, which its cashier or payment sheet finds it by
	OpenID      string // a JSAPI order's payer
	State       string // NOTPAY, SUCCESS, REFUND, CLOSED
	Refunded    int64  // fen refunded so far
	TxnID       string
	SuccessTime time.Time
}

// weChatNativeRequest is the body of POST /v3/pay/transactions/native.
type weChatNativeRequest struct {
	AppID       string `json:"appid"`
	MchID       string `json:"mchid"`
	Description string `json:"description"`
	OutTradeNo  string `json:"out_trade_no"`
	TimeExpire  string `json:"time_expire,omitempty"`
	NotifyURL   string `json:"notify_url"`
	Amount      struct {
		Total    int64  `json:"total"`
		Currency string `json:"currency,omitempty"`
	} `json:"amount"`
}

func (s *WeChat) createNative(w http.ResponseWriter, r *http.Request) {
	var req weChatNativeRequest
	if !s.decodeOrder(w, r, &req) {
		return
	}
	// WeChat answers the same order placed again with the same code_url.
	s.placeOrder(w, "NATIVE", req, "", "", func(o *weChatOrder) map[string]string { return map[string]string{"code_url": o.CodeURL} })
}

// decodeOrder reads the JSON body of a call that places an order into req, answering PARAM_ERROR
// when it cannot.
func (s *WeChat) decodeOrder(w http.ResponseWriter, r *http.Request, req any) bool {
	if err := json.NewDecoder(r.Body).Decode(req); err != nil {
		s.fail(w, http.StatusBadRequest, "PARAM_ERROR", "body is not JSON: "+err.Error())
		return false
	}
	return true
}

// placeOrder answers a call that places an order of tradeType (NATIVE, MWEB or JSAPI) for req: the
// Native rules apply, then what is wrong with the call's own fields (wrong, "" when nothing is). A
// JSAPI order is for the payer openID, who must be of this app. The same order placed again is
// answered as the first time (sameOrderAgain); a new one is kept, with a code_url for NATIVE and a
// prepay_id for the others. answer is the reply's body for the order.
func (s *WeChat) placeOrder(w http.ResponseWriter, tradeType string, req weChatNativeRequest, wrong, openID string,
	answer func(*weChatOrder) map[string]string) {
	if msg := s.checkNative(req); msg != "" {
		wrong = msg
	}
	if wrong != "" {
		s.fail(w, http.StatusBadRequest, "PARAM_ERROR", wrong)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.foreign[openID] {
		s.fail(w, http.StatusBadRequest, "PARAM_ERROR", "openid和appid不匹配")
		return
	}
	if o, ok := s.orders[req.OutTradeNo]; ok {
		if o.OpenID != openID && o.State == "NOTPAY" { // a JSAPI order is one payer's
			s.fail(w, http.StatusBadRequest, "INVALID_REQUEST", "201 商户订单号重复")
			return
		}
		if s.sameOrderAgain(w, o, tradeType, req) {
			s.reply(w, http.StatusOK, answer(o))
		}
		return
	}
	o := &weChatOrder{OutTradeNo: req.OutTradeNo, Description: req.Description, Total: req.Amount.Total,
		NotifyURL: req.NotifyURL, TimeExpire: req.TimeExpire, State: "NOTPAY", TradeType: tradeType, OpenID: openID}
	var err error
	if tradeType == "NATIVE" {
		var pr string
		pr, err = weChatRandomString(16)
		o.CodeURL = "weixin://wxpay/bizpayurl?pr=" + pr
	} else {
		var id string
		id, err = weChatRandomString(24)
		o.PrepayID = "wx" + id
	}
	if err != nil {
		s.fail(w, http.StatusInternalServerError, "SYSTEM_ERROR", err.Error())
		return
	}
	s.orders[o.OutTradeNo] = o
	s.reply(w, http.StatusOK, answer(o))
}

// sameOrderAgain answers an order number placed again: WeChat refuses it when the order is paid or
// closed, or is not the same order (another trade type, amount, description or notify_url). It
// reports whether the order may be answered as it was the first time.
func (s *WeChat) sameOrderAgain(w http.ResponseWriter, o *weChatOrder, tradeType string, req weChatNativeRequest) bool {
	switch {
	case o.State == "SUCCESS" || o.State == "REFUND":
		s.fail(w, http.StatusBadRequest, "ORDERPAID", "该订单已支付")
	case o.State == "CLOSED":
		s.fail(w, http.StatusBadRequest, "ORDER_CLOSED", "订单已关闭")
	case o.TradeType != tradeType || o.Total != req.Amount.Total || o.Description != req.Description || o.NotifyURL != req.NotifyURL:
		s.fail(w, http.StatusBadRequest, "INVALID_REQUEST", "201 商户订单号重复")
	default:
		return true
	}
	return false
}

// checkNative applies the rules WeChat documents for a Native order, returning what is wrong.
func (s *WeChat) checkNative(req weChatNativeRequest) string {
	switch {
	case req.MchID != s.keys.MchID:
		return "mchid is not this merchant"
	case req.AppID != s.keys.AppID:
		return "appid和mch_id不匹配"
	case len(req.OutTradeNo) < 6 || len(req.OutTradeNo) > 32:
		return "out_trade_no must be 6 to 32 characters"
	case req.Description == "" || len(req.Description) > 127:
		return "description must be 1 to 127 bytes"
	case req.Amount.Total <= 0:
		return "amount.total must be positive"
	case req.Amount.Currency != "" && req.Amount.Currency != "CNY":
		return "amount.currency must be CNY"
	}
	if req.TimeExpire != "" {
		if _, err := time.Parse(time.RFC3339, req.TimeExpire); err != nil {
			return "time_expire is not RFC 3339"
		}
	}
	u, err := url.Parse(req.NotifyURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" {
		return "notify_url must be an absolute URL without a query"
	}
	return ""
}

func (s *WeChat) queryOrder(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("mchid") != s.keys.MchID {
		s.fail(w, http.StatusBadRequest, "PARAM_ERROR", "mchid is missing or not this merchant")
		return
	}
	s.mu.Lock()
	o, ok := s.orders[r.PathValue("no")]
	var t weChatTransaction
	if ok {
		t = s.transaction(o, o.Total)
	}
	s.mu.Unlock()
	if !ok {
		s.fail(w, http.StatusNotFound, "ORDER_NOT_EXIST", "订单不存在")
		return
	}
	s.reply(w, http.StatusOK, t)
}

func (s *WeChat) closeOrder(w http.ResponseWriter, r *http.Request) {
	var req struct {
		MchID string `json:"mchid"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.MchID != s.keys.MchID {
		s.fail(w, http.StatusBadRequest, "PARAM_ERROR", "mchid is missing or not this merchant")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[r.PathValue("no")]
	switch {
	case !ok:
		s.fail(w, http.StatusNotFound, "ORDER_NOT_EXIST", "订单不存在")
	case o.State == "SUCCESS" || o.State == "REFUND":
		s.fail(w, http.StatusBadRequest, "ORDERPAID", "该订单已支付")
	default:
		o.State = "CLOSED"
		s.reply(w, http.StatusNoContent, nil)
	}
}

// weChatTransaction is the order as WeChat reports it, in query answers and callback resources.
type weChatTransaction struct {
	AppID          string `json:"appid"`
	MchID          string `json:"mchid"`
	OutTradeNo     string `json:"out_trade_no"`
	TransactionID  string `json:"transaction_id,omitempty"`
	TradeType      string `json:"trade_type,omitempty"`
	TradeState     string `json:"trade_state"`
	TradeStateDesc string `json:"trade_state_desc"`
	BankType       string `json:"bank_type,omitempty"`
	SuccessTime    string `json:"success_time,omitempty"`
	Payer          *struct {
		OpenID string `json:"openid"`
	} `json:"payer,omitempty"`
	Amount struct {
		Total         int64  `json:"total"`
		PayerTotal    int64  `json:"payer_total"`
		Currency      string `json:"currency"`
		PayerCurrency string `json:"payer_currency"`
	} `json:"amount"`
}

var weChatStateDesc = map[string]string{"NOTPAY": "未支付", "SUCCESS": "支付成功", "REFUND": "转入退款", "CLOSED": "已关闭"}

// weChatZone is China Standard Time, in which WeChat writes its times.
var weChatZone = time.FixedZone("CST", 8*3600)

// transaction reports o, with total as the amount paid. Callers hold s.mu.
func (s *WeChat) transaction(o *weChatOrder, total int64) weChatTransaction {
	t := weChatTransaction{
		AppID: s.keys.AppID, MchID: s.keys.MchID, OutTradeNo: o.OutTradeNo,
		TradeState: o.State, TradeStateDesc: weChatStateDesc[o.State],
	}
	t.Amount.Total, t.Amount.Currency, t.Amount.PayerCurrency = total, "CNY", "CNY"
	if o.State == "SUCCESS" || o.State == "REFUND" {
		t.TransactionID, t.TradeType, t.BankType = o.TxnID, o.TradeType, "OTHERS"
		t.SuccessTime = o.SuccessTime.In(weChatZone).Format(time.RFC3339)
		t.Payer = &struct {
			OpenID string `json:"openid"`
		}{OpenID: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}
		if o.OpenID != "" {
			t.Payer.OpenID = o.OpenID
		}
		t.Amount.PayerTotal = total
	}
	return t
}

// reply writes a signed answer; v nil writes no body.
func (s *WeChat) reply(w http.ResponseWriter, status int, v any) {
	var body []byte
	if v != nil {
		var err error
		if body, err = json.Marshal(v); err != nil {
			panic(fmt.Sprintf("sandbox: wechat: marshal %T: %v", v, err)) // our own types always marshal
		}
	}
	h, err := s.sign(body, s.signWith, false)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	for k, v := range h {
		w.Header()[k] = v
	}
	if body != nil {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	w.Write(body)
}

// fail writes WeChat's error answer, {"code":...,"message":...}.
func (s *WeChat) fail(w http.ResponseWriter, status int, code, message string) {
	s.reply(w, status, map[string]string{"code": code, "message": message})
}

// sign returns the Wechatpay-* headers for body, signed with key; bad spoils the signature.
func (s *WeChat) sign(body []byte, key WeChatSigner, bad bool) (http.Header, error) {
	nonce, err := weChatRandomString(32)
	if err != nil {
		return nil, err
	}
	ts := strconv.FormatInt(s.now().Unix(), 10)
	priv, serial := s.keys.PlatformKey, s.keys.PlatformCertSerial
	if key == WeChatSignPublicKey {
		priv, serial = s.keys.PayKey, s.keys.PayPublicKeyID
	}
	msg := ts + "\n" + nonce + "\n" + string(body) + "\n"
	if bad {
		msg += "spoiled"
	}
	sum := sha256.Sum256([]byte(msg))
	sig, err := rsa.SignPKCS1v15(rand.Reader, priv, crypto.SHA256, sum[:])
	if err != nil {
		return nil, fmt.Errorf("sandbox: wechat: sign: %w", err)
	}
	reqID, _ := weChatRandomString(24) // the 32-character nonce above already proved rand works
	h := http.Header{}
	h.Set("Wechatpay-Nonce", nonce)
	h.Set("Wechatpay-Timestamp", ts)
	h.Set("Wechatpay-Serial", serial)
	h.Set("Wechatpay-Signature", base64.StdEncoding.EncodeToString(sig))
	h.Set("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048")
	h.Set("Request-ID", reqID)
	return h, nil
}

// checkRequestSignature verifies a merchant request's Authorization header:
// WECHATPAY2-SHA256-RSA2048 mchid="..",nonce_str="..",signature="..",timestamp="..",serial_no=".."
// over "METHOD\nURL\ntimestamp\nnonce\nbody\n".
func (s *WeChat) checkRequestSignature(method, target, authz string, body []byte) error {
	const scheme = "WECHATPAY2-SHA256-RSA2048 "
	if !strings.HasPrefix(authz, scheme) {
		return errors.New("Authorization is not WECHATPAY2-SHA256-RSA2048")
	}
	f := map[string]string{}
	for _, part := range strings.Split(authz[len(scheme):], ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			return fmt.Errorf("Authorization: bad field %q", part)
		}
		f[k] = v[1 : len(v)-1]
	}
	if f["mchid"] != s.keys.MchID {
		return fmt.Errorf("mchid %q is not this merchant", f["mchid"])
	}
	if f["serial_no"] != s.keys.MerchantCertSerial {
		return fmt.Errorf("serial_no %q is not the merchant certificate", f["serial_no"])
	}
	ts, err := strconv.ParseInt(f["timestamp"], 10, 64)
	if err != nil {
		return fmt.Errorf("timestamp %q", f["timestamp"])
	}
	if d := s.now().Sub(time.Unix(ts, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("timestamp %d is %v off", ts, d)
	}
	if f["nonce_str"] == "" {
		return errors.New("nonce_str is empty")
	}
	sig, err := base64.StdEncoding.DecodeString(f["signature"])
	if err != nil {
		return errors.New("signature is not base64")
	}
	msg := method + "\n" + target + "\n" + f["timestamp"] + "\n" + f["nonce_str"] + "\n" + string(body) + "\n"
	sum := sha256.Sum256([]byte(msg))
	if err := rsa.VerifyPKCS1v15(&s.keys.MerchantKey.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
		return errors.New("signature does not verify with the merchant key")
	}
	return nil
}

// encryptResource seals plaintext as WeChat does: AEAD_AES_256_GCM with the APIv3 key, a
// 12-character nonce and the associated data, base64 ciphertext.
func (s *WeChat) encryptResource(plaintext []byte, associatedData string) (nonce, ciphertext string, err error) {
	block, err := aes.NewCipher([]byte(s.keys.APIv3Key))
	if err != nil {
		return "", "", fmt.Errorf("sandbox: wechat: APIv3 key: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return "", "", err
	}
	if nonce, err = weChatRandomString(gcm.NonceSize()); err != nil {
		return "", "", err
	}
	sealed := gcm.Seal(nil, []byte(nonce), plaintext, []byte(associatedData))
	return nonce, base64.StdEncoding.EncodeToString(sealed), nil
}

// errWeChatOrder is the sandbox's "no such order" for Pay and Callback.
var errWeChatOrder = fmt.Errorf("sandbox: wechat: %w", billing.ErrNotFound)
