package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/utils"

	"gridpay/internal/billing"
)

// maxBody caps what we read of a response: WeChat's answers are a few KB, a day's bill of a
// county's payments a few MB.
const maxBody = 64 << 20

// maxCallback caps the callbacks we accept; WeChat's are about 1 KB.
const maxCallback = 1 << 20

// apiError is the body WeChat Pay answers a failed request with.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// call sends a signed request to path (with its query) under the base URL. On a 2xx answer it
// verifies the response signature and returns the status and body; on any other it returns an
// error carrying WeChat's code, of the billing kind that code means.
func (p *Provider) call(ctx context.Context, method, path string, reqBody any) (int, []byte, error) {
	status, header, body, err := p.send(ctx, method, path, reqBody)
	if err != nil {
		return 0, nil, err
	}
	if err := p.verifySignature(ctx, header, body); err != nil {
		return 0, nil, fmt.Errorf("wechat: %s %s: response: %w", method, path, err)
	}
	return status, body, nil
}

// send is call without the response check, for the one answer WeChat does not sign: a bill's
// bytes, which a signed hash vouches for instead.
func (p *Provider) send(ctx context.Context, method, path string, reqBody any) (int, http.Header, []byte, error) {
	var body []byte
	if reqBody != nil {
		var err error
		if body, err = json.Marshal(reqBody); err != nil {
			return 0, nil, nil, fmt.Errorf("wechat: %s %s: encode: %w", method, path, err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, p.baseURL+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("wechat: %s %s: %w", method, path, err)
	}
	auth, err := p.authorization(ctx, method, req.URL.RequestURI(), body)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("wechat: %s %s: sign: %w", method, path, err)
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("wechat: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("wechat: %s %s: read: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var e apiError
		_ = json.Unmarshal(respBody, &e) // a body that is not the usual JSON leaves code empty
		return resp.StatusCode, nil, nil, &apiFailure{method: method, path: path, status: resp.StatusCode, code: e.Code,
			message: e.Message, kind: kindOf(resp.StatusCode, e.Code)}
	}
	return resp.StatusCode, resp.Header, respBody, nil
}

// apiFailure is an answer of the API that is not a success: its HTTP status, WeChat's code and
// message, and the error kind they make (kindOf), which it wraps.
type apiFailure struct {
	method, path  string
	status        int
	code, message string
	kind          error
}

func (f *apiFailure) Error() string {
	return fmt.Sprintf("wechat: %s %s: HTTP %d %s %q: %v", f.method, f.path, f.status, f.code, f.message, f.kind)
}

func (f *apiFailure) Unwrap() error { return f.kind }

// kindOf maps a failed answer to an error kind: what cannot succeed when retried is invalid or a
// conflict; anything else (SYSTEM_ERROR, 5xx, rate limits) is left as a plain error to retry.
func kindOf(status int, code string) error {
	switch code {
	case "ORDER_NOT_EXIST", "RESOURCE_NOT_EXISTS", "NO_STATEMENT_EXIST":
		return billing.ErrNotFound
	case "ORDERPAID", "ORDER_CLOSED", "OUT_TRADE_NO_USED":
		return billing.ErrConflict
	case "SIGN_ERROR":
		return billing.ErrUnauthorized
	}
	switch {
	case status == http.StatusNotFound:
		return billing.ErrNotFound
	case status == http.StatusUnauthorized:
		return billing.ErrUnauthorized
	case status == http.StatusForbidden:
		return billing.ErrForbidden
	case status == http.StatusBadRequest:
		return billing.ErrInvalid
	}
	return errRetryable
}

// errRetryable marks a failure that may pass when tried again later.
var errRetryable = fmt.Errorf("wechat: temporary failure")

// authorization builds the v3 Authorization header over
// "METHOD\nURL\ntimestamp\nnonce\nbody\n", signed with the merchant key.
func (p *Provider) authorization(ctx context.Context, method, canonicalURL string, body []byte) (string, error) {
	nonce, err := utils.GenerateNonce()
	if err != nil {
		return "", err
	}
	ts := p.now().Unix()
	msg := method + "\n" + canonicalURL + "\n" + strconv.FormatInt(ts, 10) + "\n" + nonce + "\n" + string(body) + "\n"
	sig, err := p.signer.Sign(ctx, msg)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(`WECHATPAY2-SHA256-RSA2048 mchid="%s",nonce_str="%s",timestamp="%d",serial_no="%s",signature="%s"`,
		sig.MchID, nonce, ts, sig.CertificateSerialNo, sig.Signature), nil
}

// verifySignature checks the Wechatpay-* headers of a response or callback against body: a known
// serial, a timestamp within MaxClockSkew of our clock, and an RSA-SHA256 signature over
// "timestamp\nnonce\nbody\n".
func (p *Provider) verifySignature(ctx context.Context, h http.Header, body []byte) error {
	serial := strings.TrimSpace(h.Get("Wechatpay-Serial"))
	tsText := strings.TrimSpace(h.Get("Wechatpay-Timestamp"))
	nonce := strings.TrimSpace(h.Get("Wechatpay-Nonce"))
	sig := strings.TrimSpace(h.Get("Wechatpay-Signature"))
	if serial == "" || tsText == "" || nonce == "" || sig == "" {
		return fmt.Errorf("%w: missing Wechatpay-Serial, -Timestamp, -Nonce or -Signature", ErrBadSignature)
	}
	if !p.serials[serial] {
		return fmt.Errorf("%w: %q", ErrUnknownSerial, serial)
	}
	// A key past its certificate's end may have leaked since; WeChat no longer signs with it.
	if end, ok := p.certExpiry[serial]; ok && p.now().After(end) {
		return fmt.Errorf("%w: platform certificate %s expired %s", ErrUnknownSerial, serial, end.Format(time.DateOnly))
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: Wechatpay-Timestamp %q", ErrBadSignature, tsText)
	}
	if skew := p.now().Sub(time.Unix(ts, 0)); skew > MaxClockSkew || skew < -MaxClockSkew {
		return fmt.Errorf("%w: off by %v", ErrStaleTimestamp, skew.Round(time.Second))
	}
	msg := tsText + "\n" + nonce + "\n" + string(body) + "\n"
	if err := p.verifier.Verify(ctx, serial, msg, sig); err != nil {
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return nil
}
