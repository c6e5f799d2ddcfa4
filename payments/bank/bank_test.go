package bank_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/payments/bank"
)

var (
	secret = []byte(strings.Repeat("k", 32))
	now    = time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)
	body   = `{"txn_id":"ABC1","account_no":"3100000001","amount_fen":12345,"paid_at":"2026-11-26T10:00:00+08:00"}`
)

func signed(b string, at time.Time, key []byte) http.Header {
	ts := strconv.FormatInt(at.Unix(), 10)
	return http.Header{bank.HeaderTimestamp: {ts}, bank.HeaderSignature: {bank.Sign(key, ts, []byte(b))}}
}

func provider(t testing.TB) *bank.Provider {
	p, err := bank.New(secret, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestVerifyCallback(t *testing.T) {
	p := provider(t)
	n, err := p.VerifyCallback(context.Background(), signed(body, now, secret), []byte(body))
	if err != nil || !n.Paid || n.ProviderTxnID != "ABC1" || n.AccountNo != "3100000001" || n.Amount != 12345 ||
		!n.PaidAt.Equal(time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)) || n.OutTradeNo != "" {
		t.Fatalf("VerifyCallback = %+v, %v", n, err)
	}
	tampered := strings.Replace(body, "12345", "99999", 1)
	for _, tc := range []struct {
		name string
		h    http.Header
		b    string
		want error
	}{
		{"tampered amount", signed(body, now, secret), tampered, billing.ErrUnauthorized},
		{"another secret", signed(body, now, []byte(strings.Repeat("x", 32))), body, billing.ErrUnauthorized},
		{"five minutes and a second old", signed(body, now.Add(-5*time.Minute-time.Second), secret), body, billing.ErrUnauthorized},
		{"no timestamp", http.Header{bank.HeaderSignature: {"00"}}, body, billing.ErrUnauthorized},
		{"signature not hex", http.Header{bank.HeaderTimestamp: {strconv.FormatInt(now.Unix(), 10)}, bank.HeaderSignature: {"zz"}}, body, billing.ErrUnauthorized},
		{"bad date", signed(strings.Replace(body, "2026-11-26T10:00:00+08:00", "26/11/2026", 1), now, secret), strings.Replace(body, "2026-11-26T10:00:00+08:00", "26/11/2026", 1), billing.ErrInvalid},
		{"negative amount", signed(strings.Replace(body, "12345", "-1", 1), now, secret), strings.Replace(body, "12345", "-1", 1), billing.ErrInvalid},
		{"no txn id", signed(strings.Replace(body, `"ABC1"`, `""`, 1), now, secret), strings.Replace(body, `"ABC1"`, `""`, 1), billing.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := p.VerifyCallback(context.Background(), tc.h, []byte(tc.b)); !errors.Is(err, tc.want) {
				t.Errorf("= %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := bank.New([]byte("short"), time.Now); !errors.Is(err, billing.ErrInvalid) {
		t.Errorf("short secret = %v", err)
	}
	if r := p.Ack(); r.Status != 200 || string(r.Body) != `{"code":"SUCCESS"}` {
		t.Errorf("Ack = %+v", r)
	}
	// Refused for good (the bank must not send it again) is 400; "try again later" is 503.
	if r := p.Refuse(`a "quoted" reason`); r.Status != 400 || !strings.Contains(string(r.Body), `"code":"FAIL"`) || !strings.Contains(string(r.Body), `\"quoted\"`) {
		t.Errorf("Refuse = %+v", r)
	}
	if r := p.Nack("later"); r.Status != 503 || !strings.Contains(string(r.Body), `"code":"FAIL"`) {
		t.Errorf("Nack = %+v", r)
	}
}

// FuzzVerifyCallback feeds the parser hostile bodies and headers: it must refuse or accept, never
// panic, and never accept a body whose signature does not match.
func FuzzVerifyCallback(f *testing.F) {
	f.Add(body, strconv.FormatInt(now.Unix(), 10), true)
	f.Add(`{"txn_id":1}`, "0", false)
	f.Add("\xff\xfe", "-1", true)
	f.Add(`{"txn_id":"x","amount_fen":9223372036854775807,"paid_at":"2026-11-26T10:00:00Z"}`, "1764122400", true)
	p := provider(f)
	f.Fuzz(func(t *testing.T, b, ts string, sign bool) {
		h := http.Header{bank.HeaderTimestamp: {ts}, bank.HeaderSignature: {"00"}}
		if sign {
			h.Set(bank.HeaderSignature, bank.Sign(secret, ts, []byte(b)))
		}
		n, err := p.VerifyCallback(context.Background(), h, []byte(b))
		if err == nil && (!sign || n.Amount <= 0 || n.ProviderTxnID == "") {
			t.Errorf("accepted %q (signed %v) as %+v", b, sign, n)
		}
	})
}
