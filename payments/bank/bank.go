// Package bank takes payments that banks collect for the bureau at their own counters (代收): the
// bank calls back with a JSON body signed with HMAC-SHA256 over the timestamp and the raw body, a
// secret shared with each bank. There is no order of ours beforehand and nothing to scan.
package bank

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"gridpay/internal/billing"
	"gridpay/payments"
)

// Headers of a bank callback.
const (
	HeaderTimestamp = "X-Bank-Timestamp" // Unix seconds
	HeaderSignature = "X-Bank-Signature" // hex HMAC-SHA256(secret, timestamp + "." + body)
)

// Tolerance is how far a callback's timestamp may be from our clock.
const Tolerance = 5 * time.Minute

// MinSecretBytes is the shortest secret accepted.
const MinSecretBytes = 32

// Provider verifies bank collection callbacks.
type Provider struct {
	secret []byte
	now    func() time.Time
}

var (
	_ payments.Provider = (*Provider)(nil)
	_ payments.Refuser  = (*Provider)(nil)
)

// New returns the bank provider with the shared secret; now is the clock timestamps are held to.
func New(secret []byte, now func() time.Time) (*Provider, error) {
	if len(secret) < MinSecretBytes {
		return nil, fmt.Errorf("bank: secret of %d bytes: want at least %d: %w", len(secret), MinSecretBytes, billing.ErrInvalid)
	}
	return &Provider{secret: secret, now: now}, nil
}

// Name implements payments.Provider.
func (p *Provider) Name() string { return payments.Bank }

// Collection is the body of a bank callback.
type Collection struct {
	TxnID     string `json:"txn_id"`     // the bank's transaction id, unique per bank
	AccountNo string `json:"account_no"` // the account paid at the counter
	AmountFen int64  `json:"amount_fen"`
	PaidAt    string `json:"paid_at"` // RFC 3339, e.g. 2026-11-26T10:00:00+08:00
}

// Sign returns the signature header value for a body at a timestamp: what a bank computes, and what
// the tests and the sandbox use.
func Sign(secret []byte, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// VerifyCallback implements payments.Provider: constant-time signature check over the raw body,
// a timestamp within Tolerance, then a strict parse.
func (p *Provider) VerifyCallback(_ context.Context, h http.Header, body []byte) (payments.Notification, error) {
	ts := h.Get(HeaderTimestamp)
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return payments.Notification{}, fmt.Errorf("bank: timestamp %q: %w", truncate(ts), billing.ErrUnauthorized)
	}
	if d := p.now().Sub(time.Unix(secs, 0)); d > Tolerance || d < -Tolerance {
		return payments.Notification{}, fmt.Errorf("bank: timestamp %s off by %s: %w", ts, d.Round(time.Second), billing.ErrUnauthorized)
	}
	got, err := hex.DecodeString(h.Get(HeaderSignature))
	want, _ := hex.DecodeString(Sign(p.secret, ts, body))
	if err != nil || !hmac.Equal(got, want) {
		return payments.Notification{}, fmt.Errorf("bank: bad signature: %w", billing.ErrUnauthorized)
	}
	var c Collection
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return payments.Notification{}, fmt.Errorf("bank: body: %v: %w", err, billing.ErrInvalid)
	}
	paidAt, err := time.Parse(time.RFC3339, c.PaidAt)
	switch {
	case err != nil:
		return payments.Notification{}, fmt.Errorf("bank: paid_at %q: %w", truncate(c.PaidAt), billing.ErrInvalid)
	case c.TxnID == "" || len(c.TxnID) > 64:
		return payments.Notification{}, fmt.Errorf("bank: txn_id: %w", billing.ErrInvalid)
	case c.AmountFen <= 0:
		return payments.Notification{}, fmt.Errorf("bank: amount_fen %d: %w", c.AmountFen, billing.ErrInvalid)
	}
	return payments.Notification{Paid: true, ProviderTxnID: c.TxnID, AccountNo: c.AccountNo,
		Amount: billing.Money(c.AmountFen), PaidAt: paidAt}, nil
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40]
	}
	return s
}

// Ack implements payments.Provider.
func (p *Provider) Ack() payments.Reply {
	return payments.Reply{Status: http.StatusOK, ContentType: "application/json", Body: []byte(`{"code":"SUCCESS"}`)}
}

// Nack implements payments.Provider: 503 {"code":"FAIL","message":reason}, which the bank reads as
// "send it again later".
func (p *Provider) Nack(reason string) payments.Reply {
	return fail(http.StatusServiceUnavailable, reason)
}

// Refuse implements payments.Refuser: 400 {"code":"FAIL","message":reason}, refused for good (a
// callback that fails verification, or a collection for an account that does not exist), which the
// bank must not send again.
func (p *Provider) Refuse(reason string) payments.Reply {
	return fail(http.StatusBadRequest, reason)
}

func fail(status int, reason string) payments.Reply {
	b, _ := json.Marshal(map[string]string{"code": "FAIL", "message": reason}) // strings always marshal
	return payments.Reply{Status: status, ContentType: "application/json", Body: b}
}

// Precreate implements payments.Provider: a bank counter has no code to scan.
func (p *Provider) Precreate(context.Context, payments.ProviderOrder) (payments.Precreated, error) {
	return payments.Precreated{}, fmt.Errorf("bank: counter collection has no code to scan: %w", billing.ErrInvalid)
}

// Query implements payments.Provider: the bank reports by callback and statement only.
func (p *Provider) Query(context.Context, string) (payments.QueryResult, error) {
	return payments.QueryResult{State: payments.TradeUnknown}, nil
}

// Close implements payments.Provider: nothing to close at a counter.
func (p *Provider) Close(context.Context, string) error { return nil }
