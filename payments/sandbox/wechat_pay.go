package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"gridpay/internal/billing"
)

// WeChatPayOption shapes what happens after a customer pays in the WeChat simulator: how often,
// when, and how (correctly or not) the merchant hears of it.
type WeChatPayOption func(*weChatPayment)

type weChatPayment struct {
	times    int
	delay    time.Duration
	amount   *int64
	badSig   bool
	never    bool
	signWith *WeChatSigner
	state    string
}

// WeChatTimes sends the callback n times, each delivery retried on its own schedule, as WeChat
// does when it is unsure the first arrived (default 1).
func WeChatTimes(n int) WeChatPayOption { return func(p *weChatPayment) { p.times = n } }

// WeChatDelay holds the first attempt of each delivery back by d (real time, not scaled): a late
// callback, or, with different delays for different orders, callbacks out of order.
func WeChatDelay(d time.Duration) WeChatPayOption { return func(p *weChatPayment) { p.delay = d } }

// WeChatWrongAmount reports m as the amount paid in the callback (correctly signed and
// encrypted), instead of the order's amount.
func WeChatWrongAmount(m billing.Money) WeChatPayOption {
	return func(p *weChatPayment) { v := int64(m); p.amount = &v }
}

// WeChatBadSignature sends callbacks whose Wechatpay-Signature does not verify.
func WeChatBadSignature() WeChatPayOption { return func(p *weChatPayment) { p.badSig = true } }

// WeChatNoCallback marks the order paid and never calls back: only a query finds out.
func WeChatNoCallback() WeChatPayOption { return func(p *weChatPayment) { p.never = true } }

// WeChatSignedBy signs this payment's callbacks with k instead of the simulator's default key.
func WeChatSignedBy(k WeChatSigner) WeChatPayOption {
	return func(p *weChatPayment) { p.signWith = &k }
}

// WeChatTradeState sends callbacks whose transaction reads trade_state state (e.g. REFUND, as a
// callback re-sent after a refund began may), instead of SUCCESS.
func WeChatTradeState(state string) WeChatPayOption {
	return func(p *weChatPayment) { p.state = state }
}

// WeChatDelivery is one attempt to deliver a callback, as the simulator saw it.
type WeChatDelivery struct {
	OutTradeNo string
	Attempt    int // 1 for the first try of a delivery, 2 for its first retry, ...
	At         time.Time
	Status     int    // the merchant's HTTP status; 0 when the request failed
	Body       string // what the merchant answered, or the request's error
}

// Pay plays the customer paying an unpaid order: the order becomes SUCCESS with a new
// transaction_id, and (unless WeChatNoCallback) callbacks go to its notify_url in the background,
// each retried on WeChatRetrySchedule while the merchant answers anything but 2xx. Paying an
// unknown order is billing.ErrNotFound; a paid or closed one billing.ErrConflict.
func (s *WeChat) Pay(outTradeNo string, opts ...WeChatPayOption) error {
	p := weChatPayment{times: 1}
	for _, o := range opts {
		o(&p)
	}
	s.mu.Lock()
	o, ok := s.orders[outTradeNo]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("%w: pay %s", errWeChatOrder, outTradeNo)
	}
	if o.State != "NOTPAY" {
		s.mu.Unlock()
		return fmt.Errorf("sandbox: wechat: pay %s: order is %s: %w", outTradeNo, o.State, billing.ErrConflict)
	}
	s.txnSeq++
	o.State, o.SuccessTime = "SUCCESS", s.now()
	o.TxnID = fmt.Sprintf("4200%s%010d", o.SuccessTime.In(weChatZone).Format("20060102"), s.txnSeq)
	s.mu.Unlock()

	if p.never {
		return nil
	}
	for range p.times {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.deliver(outTradeNo, p)
		}()
	}
	return nil
}

// Callback returns the headers and body of a callback for a paid order, built afresh (new
// nonce, timestamp and event id) and not sent: tests hand it to the merchant directly.
func (s *WeChat) Callback(outTradeNo string, opts ...WeChatPayOption) (http.Header, []byte, error) {
	p := weChatPayment{}
	for _, o := range opts {
		o(&p)
	}
	h, body, _, err := s.callback(outTradeNo, p)
	return h, body, err
}

// Deliveries returns every callback delivery attempt so far, in the order they finished.
func (s *WeChat) Deliveries() []WeChatDelivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]WeChatDelivery(nil), s.deliveries...)
}

// weChatEvent is a callback body.
type weChatEvent struct {
	ID           string `json:"id"`
	CreateTime   string `json:"create_time"`
	ResourceType string `json:"resource_type"`
	EventType    string `json:"event_type"`
	Summary      string `json:"summary"`
	Resource     struct {
		OriginalType   string `json:"original_type"`
		Algorithm      string `json:"algorithm"`
		Ciphertext     string `json:"ciphertext"`
		AssociatedData string `json:"associated_data"`
		Nonce          string `json:"nonce"`
	} `json:"resource"`
}

// callback builds one signed TRANSACTION.SUCCESS callback for a paid order and returns it with
// the notify_url it goes to.
func (s *WeChat) callback(outTradeNo string, p weChatPayment) (http.Header, []byte, string, error) {
	s.mu.Lock()
	o, ok := s.orders[outTradeNo]
	var t weChatTransaction
	var notifyURL string
	if ok {
		total := o.Total
		if p.amount != nil {
			total = *p.amount
		}
		t, notifyURL = s.transaction(o, total), o.NotifyURL
	}
	s.mu.Unlock()
	if !ok {
		return nil, nil, "", fmt.Errorf("%w: callback %s", errWeChatOrder, outTradeNo)
	}
	switch t.TradeState {
	case "SUCCESS":
	case "REFUND": // the callback tells of the payment, as it stood then
		t.TradeState, t.TradeStateDesc = "SUCCESS", weChatStateDesc["SUCCESS"]
	default:
		return nil, nil, "", fmt.Errorf("sandbox: wechat: callback %s: order is %s: %w", outTradeNo, t.TradeState, billing.ErrConflict)
	}
	if p.state != "" {
		t.TradeState, t.TradeStateDesc = p.state, weChatStateDesc[p.state]
	}
	plain, err := json.Marshal(t)
	if err != nil {
		return nil, nil, "", fmt.Errorf("sandbox: wechat: callback %s: %w", outTradeNo, err)
	}
	var ev weChatEvent
	id, err := weChatRandomDigits(20)
	if err != nil {
		return nil, nil, "", err
	}
	ev.ID = "EV-" + id
	ev.CreateTime = s.now().In(weChatZone).Format(time.RFC3339)
	ev.ResourceType, ev.EventType, ev.Summary = "encrypt-resource", "TRANSACTION.SUCCESS", "支付成功"
	ev.Resource.OriginalType, ev.Resource.Algorithm, ev.Resource.AssociatedData = "transaction", "AEAD_AES_256_GCM", "transaction"
	if ev.Resource.Nonce, ev.Resource.Ciphertext, err = s.encryptResource(plain, ev.Resource.AssociatedData); err != nil {
		return nil, nil, "", err
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return nil, nil, "", fmt.Errorf("sandbox: wechat: callback %s: %w", outTradeNo, err)
	}
	key := s.signWith
	if p.signWith != nil {
		key = *p.signWith
	}
	h, err := s.sign(body, key, p.badSig)
	if err != nil {
		return nil, nil, "", err
	}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "Mozilla/4.0")
	return h, body, notifyURL, nil
}

// deliver sends one callback until the merchant answers 2xx, the schedule runs out, or the
// simulator closes. Each attempt is built afresh, so a retry carries a new timestamp and nonce,
// as WeChat's do.
func (s *WeChat) deliver(outTradeNo string, p weChatPayment) {
	if !s.sleep(p.delay) {
		return
	}
	for attempt := 1; ; attempt++ {
		status, answer := s.attempt(outTradeNo, p)
		s.mu.Lock()
		s.deliveries = append(s.deliveries, WeChatDelivery{
			OutTradeNo: outTradeNo, Attempt: attempt, At: s.now(), Status: status, Body: answer,
		})
		s.mu.Unlock()
		if status >= 200 && status <= 299 || attempt > len(WeChatRetrySchedule) {
			return
		}
		if !s.sleep(time.Duration(float64(WeChatRetrySchedule[attempt-1]) * s.scale)) {
			return
		}
	}
}

// attempt makes one delivery attempt and returns the merchant's status and answer.
func (s *WeChat) attempt(outTradeNo string, p weChatPayment) (int, string) {
	h, body, notifyURL, err := s.callback(outTradeNo, p)
	if err != nil {
		return 0, err.Error()
	}
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, notifyURL, bytes.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	req.Header = h
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(answer)
}

// sleep waits d, or less if the simulator closes; it reports whether to go on.
func (s *WeChat) sleep(d time.Duration) bool {
	if d <= 0 {
		return s.ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.ctx.Done():
		return false
	}
}
