package sandbox

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"

	"gridpay/internal/billing"
)

// alipayZone and alipayTimeLayout are how Alipay writes times: China Standard Time,
// "2006-01-02 15:04:05".
var alipayZone = time.FixedZone("CST", 8*3600)

const alipayTimeLayout = "2006-01-02 15:04:05"

// AlipayRetrySchedule is how long Alipay waits before each retry of a notification that was not
// answered "success": 8 attempts in about 25 hours. AlipayConfig.RetryScale compresses it.
var AlipayRetrySchedule = []time.Duration{
	4 * time.Minute, 10 * time.Minute, 10 * time.Minute,
	time.Hour, 2 * time.Hour, 6 * time.Hour, 15 * time.Hour,
}

// AlipayConfig describes the one app the Alipay simulator serves.
type AlipayConfig struct {
	AppID    string
	SellerID string // the merchant's Alipay user id, sent as seller_id in notifications
	// AppPublicKeyPEM is the app's public key (PKIX or PKCS#1 PEM): requests must be signed with
	// its private key.
	AppPublicKeyPEM []byte
	// Now is the clock for trade and notification times; nil means time.Now.
	Now func() time.Time
	// RetryScale multiplies AlipayRetrySchedule and AlipayNotify.Delay, e.g. 1e-6 in tests; 0
	// means 1, real time.
	RetryScale float64
	// HTTPClient posts notifications; nil means a client with a 10-second timeout.
	HTTPClient *http.Client
}

// Alipay simulates Alipay's open API gateway (alipay.trade.precreate, query and close) for one
// app, over the real wire format: it verifies the app's RSA2 request signatures with the app's
// public key, signs its answers and notifications with a key of its own made at start-up, and
// posts notifications to each order's notify_url on Alipay's retry schedule. It is safe for
// concurrent use. Close stops deliveries still pending.
type Alipay struct {
	appID, sellerID string
	appKey          *rsa.PublicKey
	key             *rsa.PrivateKey
	publicPEM       []byte
	now             func() time.Time
	scale           float64
	client          *http.Client

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	orders   map[string]*alipayOrder // by out_trade_no
	byQR     map[string]string       // qr_code -> out_trade_no
	attempts map[string][]AlipayAttempt
}

// alipayOrder is a precreated order and, once a customer has scanned its code, its trade.
type alipayOrder struct {
	outTradeNo string
	amount     billing.Money
	subject    string
	notifyURL  string
	qrCode     string
	expiresAt  time.Time // zero when no time_expire was given
	closed     bool      // closed before anyone scanned: the code no longer pays
	tradeNo    string    // set when scanned
	status     string    // WAIT_BUYER_PAY, TRADE_SUCCESS or TRADE_CLOSED once scanned
	createdAt  time.Time
	paidAt     time.Time
	refunds    []alipayRefund // in the order they were taken
}

// alipayRefund is one refund taken on a trade, named by the app's out_request_no.
type alipayRefund struct {
	outRequestNo string
	amount       billing.Money
	at           time.Time
}

// refunded is everything refunded on the trade.
func (o *alipayOrder) refunded() billing.Money {
	var sum billing.Money
	for _, r := range o.refunds {
		sum += r.amount
	}
	return sum
}

// AlipayAttempt is one notification post and how the app answered it.
type AlipayAttempt struct {
	NotifyID string
	Status   int    // HTTP status, 0 when the post failed
	Body     string // the answer's body, at most 1 KiB of it
	Err      error
}

// AlipayNotify is how a notification is delivered: the knobs tests turn.
type AlipayNotify struct {
	// Times is how often the notification is sent even when answered "success" (duplicates, all
	// with the same notify_id); 0 means once. Unanswered sends retry on the schedule regardless.
	Times int
	// Delay comes before the first send (scaled like the schedule).
	Delay time.Duration
	// Never stores the payment but sends nothing (the app must query).
	Never bool
	// Amount, when not zero, is sent as total_amount instead of the order's amount.
	Amount billing.Money
	// BadSignature sends a signature that does not verify.
	BadSignature bool
	// TradeStatus, when set, is sent instead of the trade's status (e.g. TRADE_FINISHED).
	TradeStatus string
	// Edit, when set, changes the form before it is signed (e.g. a total_amount of "0.001").
	Edit func(form url.Values)
	// SignEmpty signs parameters with an empty value too ("k="), as Alipay's Java SDK reads
	// the rules; by default they are left out of the signed string.
	SignEmpty bool
	// Charset, when set (gbk, gb2312 or gb18030, any case), is declared as the form's charset and
	// every parameter is encoded in it (GB18030 for gb18030, GBK otherwise) before it is signed, as
	// Alipay does for an app whose charset is GBK; the default is utf-8.
	Charset string
}

// GenerateAlipayKeyPair makes a 2048-bit RSA key pair for an app: the private key as PKCS#8 PEM
// for the provider, the public key as PKIX PEM for the simulator.
func GenerateAlipayKeyPair() (privatePEM, publicPEM []byte, err error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, fmt.Errorf("sandbox: alipay key: %w", err)
	}
	return alipayKeyPEM(key)
}

func alipayKeyPEM(key *rsa.PrivateKey) (privatePEM, publicPEM []byte, err error) {
	priv, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("sandbox: alipay key: %w", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, nil, fmt.Errorf("sandbox: alipay key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: priv}),
		pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), nil
}

// NewAlipay returns a simulator for the app in cfg, with a signing key it generates now; give
// PublicKeyPEM to the provider as Alipay's public key.
func NewAlipay(cfg AlipayConfig) (*Alipay, error) {
	if cfg.AppID == "" || cfg.SellerID == "" {
		return nil, fmt.Errorf("sandbox: alipay: %w: app id and seller id are required", billing.ErrInvalid)
	}
	block, _ := pem.Decode(cfg.AppPublicKeyPEM)
	if block == nil {
		return nil, fmt.Errorf("sandbox: alipay: %w: app public key is not PEM", billing.ErrInvalid)
	}
	appKey, err := x509.ParsePKCS1PublicKey(block.Bytes)
	if err != nil {
		k, err2 := x509.ParsePKIXPublicKey(block.Bytes)
		var ok bool
		if appKey, ok = k.(*rsa.PublicKey); err2 != nil || !ok {
			return nil, fmt.Errorf("sandbox: alipay: %w: app public key is not RSA", billing.ErrInvalid)
		}
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("sandbox: alipay key: %w", err)
	}
	_, pub, err := alipayKeyPEM(key)
	if err != nil {
		return nil, err
	}
	a := &Alipay{
		appID: cfg.AppID, sellerID: cfg.SellerID, appKey: appKey, key: key, publicPEM: pub,
		now: cfg.Now, scale: cfg.RetryScale, client: cfg.HTTPClient,
		orders: map[string]*alipayOrder{}, byQR: map[string]string{}, attempts: map[string][]AlipayAttempt{},
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.scale <= 0 {
		a.scale = 1
	}
	if a.client == nil {
		a.client = &http.Client{Timeout: 10 * time.Second}
	}
	a.ctx, a.cancel = context.WithCancel(context.Background())
	return a, nil
}

// NewAlipayApp is NewAlipay for an app whose key pair it makes too (cfg.AppPublicKeyPEM is
// ignored), so that tests and `gridpay all` wire provider and simulator in one call: the provider
// signs with appPrivateKeyPEM and verifies with sim.PublicKeyPEM().
func NewAlipayApp(cfg AlipayConfig) (sim *Alipay, appPrivateKeyPEM []byte, err error) {
	priv, pub, err := GenerateAlipayKeyPair()
	if err != nil {
		return nil, nil, err
	}
	cfg.AppPublicKeyPEM = pub
	if sim, err = NewAlipay(cfg); err != nil {
		return nil, nil, err
	}
	return sim, priv, nil
}

// PublicKeyPEM is the simulator's Alipay public key (PKIX PEM), which verifies its answers and
// notifications.
func (a *Alipay) PublicKeyPEM() []byte { return append([]byte(nil), a.publicPEM...) }

// Close cancels the deliveries still waiting and waits for those under way.
func (a *Alipay) Close() {
	a.cancel()
	a.wg.Wait()
}

// Wait waits until every notification delivery started so far has finished (answered "success"
// as often as asked, or out of retries).
func (a *Alipay) Wait() { a.wg.Wait() }

// Attempts returns every notification post made for an order, oldest first.
func (a *Alipay) Attempts(outTradeNo string) []AlipayAttempt {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]AlipayAttempt(nil), a.attempts[outTradeNo]...)
}

// OutTradeNo returns the order a qr_code pays, for a pay page that shows the code.
func (a *Alipay) OutTradeNo(qrCode string) (string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	o, ok := a.byQR[qrCode]
	return o, ok
}

// Scan is a customer scanning the order's code: the trade now exists at Alipay, WAIT_BUYER_PAY.
func (a *Alipay) Scan(outTradeNo string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, err := a.scanLocked(outTradeNo)
	return err
}

func (a *Alipay) scanLocked(outTradeNo string) (*alipayOrder, error) {
	o, ok := a.orders[outTradeNo]
	switch {
	case !ok:
		return nil, fmt.Errorf("sandbox: alipay: order %s: %w", outTradeNo, billing.ErrNotFound)
	case o.closed || o.status == "TRADE_CLOSED":
		return nil, fmt.Errorf("sandbox: alipay: order %s is closed: %w", outTradeNo, billing.ErrConflict)
	case !o.expiresAt.IsZero() && !a.now().Before(o.expiresAt):
		return nil, fmt.Errorf("sandbox: alipay: order %s has expired: %w", outTradeNo, billing.ErrConflict)
	}
	if o.tradeNo == "" {
		now := a.now().In(alipayZone)
		o.tradeNo = now.Format("20060102") + "22001" + alipayDigits(15)
		o.status = "WAIT_BUYER_PAY"
		o.createdAt = now
	}
	return o, nil
}

// Pay is a customer paying the order: the trade becomes TRADE_SUCCESS now, and unless n.Never
// the notification goes to the order's notify_url in the background, as n says.
func (a *Alipay) Pay(outTradeNo string, n AlipayNotify) error {
	a.mu.Lock()
	o, err := a.scanLocked(outTradeNo)
	if err == nil && o.status != "WAIT_BUYER_PAY" {
		err = fmt.Errorf("sandbox: alipay: order %s is %s: %w", outTradeNo, o.status, billing.ErrConflict)
	}
	if err != nil {
		a.mu.Unlock()
		return err
	}
	o.status = "TRADE_SUCCESS"
	o.paidAt = a.now()
	a.mu.Unlock()
	if n.Never {
		return nil
	}
	return a.Notify(outTradeNo, n)
}

// Notify sends the notification of the trade as it stands now, as n says, in the background: again
// after Pay, later, in another order than the payments, or as TRADE_FINISHED.
func (a *Alipay) Notify(outTradeNo string, n AlipayNotify) error {
	if _, err := a.Notification(outTradeNo, n); err != nil {
		return err
	}
	notifyID := alipayNotifyID()
	a.wg.Add(1)
	go a.deliver(outTradeNo, n, notifyID)
	return nil
}

// Notification returns the signed form of the trade's notification as Alipay would post it now,
// without sending it.
func (a *Alipay) Notification(outTradeNo string, n AlipayNotify) (url.Values, error) {
	return a.notification(outTradeNo, n, alipayNotifyID())
}

func (a *Alipay) notification(outTradeNo string, n AlipayNotify, notifyID string) (url.Values, error) {
	a.mu.Lock()
	o, ok := a.orders[outTradeNo]
	if !ok || o.tradeNo == "" {
		a.mu.Unlock()
		return nil, fmt.Errorf("sandbox: alipay: no trade for order %s: %w", outTradeNo, billing.ErrNotFound)
	}
	ord := *o
	a.mu.Unlock()

	amount := ord.amount
	if n.Amount != 0 {
		amount = n.Amount
	}
	status := ord.status
	if n.TradeStatus != "" {
		status = n.TradeStatus
	}
	form := url.Values{
		"notify_time":      {a.now().In(alipayZone).Format(alipayTimeLayout)},
		"notify_type":      {"trade_status_sync"},
		"notify_id":        {notifyID},
		"charset":          {"utf-8"},
		"version":          {"1.0"},
		"sign_type":        {"RSA2"},
		"app_id":           {a.appID},
		"auth_app_id":      {a.appID},
		"trade_no":         {ord.tradeNo},
		"out_trade_no":     {ord.outTradeNo},
		"buyer_id":         {"2088102177846880"},
		"buyer_logon_id":   {"159****5620"},
		"seller_id":        {a.sellerID},
		"trade_status":     {status},
		"total_amount":     {amount.String()},
		"receipt_amount":   {amount.String()},
		"invoice_amount":   {amount.String()},
		"buyer_pay_amount": {amount.String()},
		"point_amount":     {"0.00"},
		"subject":          {ord.subject},
		"gmt_create":       {ord.createdAt.In(alipayZone).Format(alipayTimeLayout)},
		"fund_bill_list":   {`[{"amount":"` + amount.String() + `","fundChannel":"ALIPAYACCOUNT"}]`},
	}
	if !ord.paidAt.IsZero() {
		form.Set("gmt_payment", ord.paidAt.In(alipayZone).Format(alipayTimeLayout))
	}
	if n.Edit != nil {
		n.Edit(form)
	}
	if n.Charset != "" {
		if err := alipayEncode(form, n.Charset); err != nil {
			return nil, err
		}
	}
	content := alipaySignContent(form, "sign", "sign_type")
	if n.SignEmpty {
		content = alipaySignContentWithEmpty(form, "sign", "sign_type")
	}
	sign, err := a.sign([]byte(content))
	if err != nil {
		return nil, err
	}
	if n.BadSignature {
		// A real signature of other content: well-formed, and wrong.
		if sign, err = a.sign([]byte("tampered&" + form.Encode())); err != nil {
			return nil, err
		}
	}
	form.Set("sign", sign)
	return form, nil
}

// deliver posts the notification to the order's notify_url until it has been answered "success"
// n.Times times, retrying unanswered sends on the (scaled) schedule, then gives up.
func (a *Alipay) deliver(outTradeNo string, n AlipayNotify, notifyID string) {
	defer a.wg.Done()
	if !a.sleep(n.Delay) {
		return
	}
	times := max(n.Times, 1)
	acked, retry := 0, 0
	for {
		if a.post(outTradeNo, n, notifyID) {
			acked++
			if acked >= times {
				return
			}
			continue // duplicates go at once
		}
		if retry == len(AlipayRetrySchedule) || !a.sleep(AlipayRetrySchedule[retry]) {
			return
		}
		retry++
	}
}

// sleep waits d scaled, and reports false if the simulator was closed meanwhile.
func (a *Alipay) sleep(d time.Duration) bool {
	t := time.NewTimer(time.Duration(float64(d) * a.scale))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-a.ctx.Done():
		return false
	}
}

// post sends the notification once, freshly timed and signed, and reports whether the answer's
// body was exactly "success", the only answer Alipay takes as received.
func (a *Alipay) post(outTradeNo string, n AlipayNotify, notifyID string) bool {
	att := AlipayAttempt{NotifyID: notifyID}
	defer func() {
		a.mu.Lock()
		a.attempts[outTradeNo] = append(a.attempts[outTradeNo], att)
		a.mu.Unlock()
	}()
	form, err := a.notification(outTradeNo, n, notifyID)
	if err != nil {
		att.Err = err
		return false
	}
	a.mu.Lock()
	notifyURL := a.orders[outTradeNo].notifyURL
	a.mu.Unlock()
	req, err := http.NewRequestWithContext(a.ctx, http.MethodPost, notifyURL, strings.NewReader(form.Encode()))
	if err != nil {
		att.Err = err
		return false
	}
	charset := form.Get("charset")
	if charset == "" {
		charset = "utf-8"
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset="+charset)
	resp, err := a.client.Do(req)
	if err != nil {
		att.Err = err
		return false
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	att.Status, att.Body = resp.StatusCode, string(body)
	return att.Body == "success"
}

// alipayEncode declares charset in the form and encodes every key and value in it, so that the
// form's strings hold the bytes Alipay sends and signs.
func alipayEncode(form url.Values, charset string) error {
	var enc *encoding.Encoder
	switch strings.ToLower(charset) {
	case "gbk", "gb2312":
		enc = simplifiedchinese.GBK.NewEncoder()
	case "gb18030":
		enc = simplifiedchinese.GB18030.NewEncoder()
	case "utf-8":
		form.Set("charset", charset)
		return nil
	default:
		return fmt.Errorf("sandbox: alipay: charset %q: %w", charset, billing.ErrInvalid)
	}
	form.Set("charset", charset)
	encoded := url.Values{}
	for k, vs := range form {
		ek, err := enc.String(k)
		if err != nil {
			return fmt.Errorf("sandbox: alipay: %s in %s: %w", k, charset, err)
		}
		for _, v := range vs {
			ev, err := enc.String(v)
			if err != nil {
				return fmt.Errorf("sandbox: alipay: %s=%q in %s: %w", k, v, charset, err)
			}
			encoded[ek] = append(encoded[ek], ev)
		}
	}
	clear(form)
	for k, vs := range encoded {
		form[k] = vs
	}
	return nil
}

func (a *Alipay) sign(content []byte) (string, error) {
	sum := sha256.Sum256(content)
	sig, err := rsa.SignPKCS1v15(rand.Reader, a.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("sandbox: alipay sign: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// alipaySignContent is the string Alipay signs: parameters with a value, except skip, sorted by
// name, as "k=v&k=v" with raw values. The simulator has its own copy on purpose, so that the
// provider's is checked against an independent one.
func alipaySignContent(form url.Values, skip ...string) string {
	var pairs []string
	for k, vs := range form {
		if len(vs) == 0 || vs[0] == "" || alipayContains(skip, k) {
			continue
		}
		pairs = append(pairs, k+"="+vs[0])
	}
	sort.Slice(pairs, func(i, j int) bool { // by name, not by "name=value"
		ki, _, _ := strings.Cut(pairs[i], "=")
		kj, _, _ := strings.Cut(pairs[j], "=")
		return ki < kj
	})
	return strings.Join(pairs, "&")
}

// alipaySignContentWithEmpty is alipaySignContent keeping empty values as "k=".
func alipaySignContentWithEmpty(form url.Values, skip ...string) string {
	var pairs []string
	for k, vs := range form {
		if len(vs) > 0 && !alipayContains(skip, k) {
			pairs = append(pairs, k+"="+vs[0])
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		ki, _, _ := strings.Cut(pairs[i], "=")
		kj, _, _ := strings.Cut(pairs[j], "=")
		return ki < kj
	})
	return strings.Join(pairs, "&")
}

func alipayContains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// alipayDigits returns n random decimal digits.
func alipayDigits(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails since Go 1.24
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b)
}

// alipayNotifyID returns a new notify_id, the same across one notification's retries.
func alipayNotifyID() string {
	return "2026" + strings.ToLower(rand.Text())
}
