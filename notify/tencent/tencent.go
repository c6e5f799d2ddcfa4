// Package tencent sends text messages through Tencent Cloud SMS (短信, API 3.0, SendSms of
// 2021-01-11) with Tencent Cloud's official Go SDK, which signs every request (TC3-HMAC-SHA256).
// Each kind of message goes as the registered template configured for it, with the kind's SMS
// parameters in the template's order; the gateway's answer for the number is classified as sent, a
// transient failure (retry later) or a permanent one (notify.Failure). PullStatus fetches the
// delivery reports of sent messages (PullSmsSendStatus): whether each reached the phone.
//
// Package sandbox beside it simulates the gateway's wire protocol for tests and dev.
package tencent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/json"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"gridpay/notify"
)

// DefaultEndpoint is Tencent Cloud SMS's API endpoint; DefaultRegion the region most apps are in.
const (
	DefaultEndpoint = "https://sms.tencentcloudapi.com"
	DefaultRegion   = "ap-guangzhou"
)

// Config is an SMS app of Tencent Cloud: the API key that signs requests, the app, the approved
// signature (签名) and the approved template id of each kind it sends.
type Config struct {
	SecretID, SecretKey string
	SDKAppID            string                 // SmsSdkAppId, e.g. 1400000000
	SignName            string                 // the approved signature, shown as 【SignName】
	Region              string                 // empty = DefaultRegion
	Endpoint            string                 // http(s)://host[:port][/path]; empty = DefaultEndpoint
	Templates           map[notify.Kind]string // template id per kind; a kind without one is not sent
	Timeout             time.Duration          // per request; empty = 10s
}

// SMS is the Tencent Cloud SMS channel.
type SMS struct {
	client    *common.Client
	sdkAppID  string
	signName  string
	templates map[notify.Kind]string
	timeout   time.Duration
}

// New returns the channel for cfg; it reports a configuration it cannot use.
func New(cfg Config) (*SMS, error) {
	if cfg.SecretID == "" || cfg.SecretKey == "" || cfg.SDKAppID == "" || cfg.SignName == "" {
		return nil, errors.New("tencent sms: secret id, secret key, SDK app id and sign name are all needed")
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("tencent sms: endpoint %q: want http(s)://host[:port]", cfg.Endpoint)
	}
	p := profile.NewClientProfile()
	p.HttpProfile.Scheme = strings.ToUpper(u.Scheme)
	p.HttpProfile.Endpoint = u.Host + strings.TrimSuffix(u.Path, "/")
	p.HttpProfile.ReqMethod = "POST"
	p.HttpProfile.ReqTimeout = max(1, int((cfg.Timeout+time.Second-1)/time.Second))
	// Retries are the queue's business (worker's notify:send), with its backoff and its record of
	// what failed; the SDK's own would only hide them.
	p.NetworkFailureMaxRetries, p.RateLimitExceededMaxRetries = 0, 0
	p.DisableRegionBreaker = true
	client := common.NewCommonClient(common.NewCredential(cfg.SecretID, cfg.SecretKey), cfg.Region, p)
	client.WithHttpTransport(limitedTransport{next: http.DefaultTransport.(*http.Transport).Clone()})
	return &SMS{client: client, sdkAppID: cfg.SDKAppID, signName: cfg.SignName, templates: cfg.Templates, timeout: cfg.Timeout}, nil
}

// Name implements notify.Channel.
func (s *SMS) Name() string { return "tencent" }

// sendStatus is one number's outcome in SendSms's response.
type sendStatus struct {
	SerialNo    string
	PhoneNumber string
	Code        string
	Message     string
}

// Send implements notify.Channel: one SendSms request for the message's phone; the id is the
// gateway's SerialNo of the message. A message the channel cannot send (invalid, no phone, no
// template id for its kind) is refused before any request.
func (s *SMS) Send(ctx context.Context, m notify.Message) (string, error) {
	params, err := m.SMSParams()
	if err != nil {
		return "", err
	}
	if m.To.Phone == "" {
		return "", fmt.Errorf("tencent sms: %s message without a phone: %w", m.Kind, notify.ErrNoRecipient)
	}
	tpl := s.templates[m.Kind]
	if tpl == "" {
		return "", fmt.Errorf("tencent sms: %s: %w", m.Kind, notify.ErrNoTemplate)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req := tchttp.NewCommonRequest("sms", "2021-01-11", "SendSms")
	req.SetContext(ctx)
	if err := req.SetActionParameters(map[string]any{
		"PhoneNumberSet":   []string{"+86" + m.To.Phone},
		"SmsSdkAppId":      s.sdkAppID,
		"SignName":         s.signName,
		"TemplateId":       tpl,
		"TemplateParamSet": params,
	}); err != nil {
		return "", fmt.Errorf("tencent sms: %w", err)
	}
	resp := tchttp.NewCommonResponse()
	if err := s.client.Send(req, resp); err != nil {
		return "", classify(err)
	}
	var out struct {
		Response struct {
			SendStatusSet []sendStatus
			RequestId     string
		}
	}
	if err := json.Unmarshal(resp.GetBody(), &out); err != nil {
		return "", &notify.Failure{Channel: "tencent", Code: "ClientError.ParseJsonError", Detail: "unreadable answer", Err: err}
	}
	if len(out.Response.SendStatusSet) != 1 {
		return "", &notify.Failure{Channel: "tencent", Code: "ClientError.NoSendStatus",
			Detail: fmt.Sprintf("%d send statuses for one number (request %s)", len(out.Response.SendStatusSet), out.Response.RequestId)}
	}
	st := out.Response.SendStatusSet[0]
	if st.Code == "Ok" {
		return st.SerialNo, nil
	}
	return "", &notify.Failure{Channel: "tencent", Code: st.Code, Detail: st.Message + " (request " + out.Response.RequestId + ")",
		Permanent: !transient(st.Code)}
}

// classify turns the SDK's error into a notify.Failure: a request the gateway refused carries its
// code; one that never got an answer (network, timeout, HTTP status) is transient.
func classify(err error) error {
	var sdk *tcerr.TencentCloudSDKError
	if !errors.As(err, &sdk) {
		return &notify.Failure{Channel: "tencent", Code: "ClientError.NetworkError", Err: err}
	}
	f := &notify.Failure{Channel: "tencent", Code: sdk.Code, Detail: sdk.Message, Permanent: !transient(sdk.Code), Err: sdk.Unwrap()}
	if sdk.RequestId != "" {
		f.Detail += " (request " + sdk.RequestId + ")"
	}
	if strings.HasPrefix(sdk.Code, "ClientError.") {
		// The SDK's own codes: the body could not be read or parsed, the HTTP status was not 200 (a
		// 5xx or a proxy's page), or the network failed. The gateway refused nothing.
		f.Detail, f.Permanent = firstLine(sdk.Message), false
	}
	return f
}

// transient reports whether a gateway's code says that the same request may pass later: throttling
// (LimitExceeded.*, RequestLimitExceeded) and the gateway's own faults (InternalError.*,
// ServiceUnavailable, ResourceUnavailable). Everything else — a refused number
// (InvalidParameterValue.IncorrectPhoneNumber, FailedOperation.PhoneNumberInBlacklist), an unknown
// or unapproved template or signature, a wrong key (AuthFailure.*), an exhausted package — needs a
// person, as does a code this list does not know.
func transient(code string) bool {
	switch code {
	case "LimitExceeded.PhoneNumberCountLimit", // too many numbers in one request: never better
		"LimitExceeded.AppCountryOrRegionInBlacklist": // the app does not send to that country
		return false
	case "RequestLimitExceeded", "ServiceUnavailable", "ResourceUnavailable", "InternalError":
		return true
	}
	for _, prefix := range []string{"LimitExceeded.", "RequestLimitExceeded.", "InternalError.", "ResourceUnavailable."} {
		if strings.HasPrefix(code, prefix) {
			return true
		}
	}
	return false
}

// firstLine keeps an SDK message short: for an HTTP status it repeats the whole body.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// MaxPull is the most delivery reports one PullSmsSendStatus request may ask for (the API's limit).
const MaxPull = 100

// maxAnswer bounds the gateway's answer to any request: a page of MaxPull delivery reports takes
// about 30 KB, and nothing it sends is worth reading a larger body into memory.
const maxAnswer = 1 << 20

// maxDescription bounds a report's description as PullStatus hands it on: the gateway's are short
// codes (DELIVRD, MK:0001) or a short sentence, and longer ones only end in logs.
const maxDescription = 200

// The statuses of a delivery report (ReportStatus).
const (
	ReportSuccess = "SUCCESS" // the phone received the message
	ReportFail    = "FAIL"    // the carrier gave up on it: switched off, out of service, blocked, ...
)

// Report is the gateway's delivery report on one message it accepted (PullSmsSendStatus of
// 2021-01-11): whether the phone received it, as the carrier reported.
type Report struct {
	SerialNo     string // the message's id, as Send returned it
	PhoneNumber  string // E.164, e.g. +8613800138000; never for a log line unmasked
	ReportStatus string // ReportSuccess or ReportFail; anything else is the gateway's news
	Description  string // the carrier's word, e.g. DELIVRD or a failure code; at most 200 bytes
	// UserReceiveTime is when the phone received the message (or the carrier reported it lost);
	// zero when the gateway gave none.
	UserReceiveTime time.Time
}

// PullStatus asks the gateway for the delivery reports it holds, at most limit (MaxPull when limit
// is out of 1..MaxPull). The gateway hands out each report once: what PullStatus returns is the
// caller's to keep. A failure is a notify.Failure, classified as Send's are.
func (s *SMS) PullStatus(ctx context.Context, limit int) ([]Report, error) {
	if limit < 1 || limit > MaxPull {
		limit = MaxPull
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req := tchttp.NewCommonRequest("sms", "2021-01-11", "PullSmsSendStatus")
	req.SetContext(ctx)
	if err := req.SetActionParameters(map[string]any{"Limit": limit, "SmsSdkAppId": s.sdkAppID}); err != nil {
		return nil, fmt.Errorf("tencent sms: %w", err)
	}
	resp := tchttp.NewCommonResponse()
	if err := s.client.Send(req, resp); err != nil {
		return nil, classify(err)
	}
	var out struct {
		Response struct {
			PullSmsSendStatusSet []struct {
				SerialNo        string
				PhoneNumber     string
				ReportStatus    string
				Description     string
				UserReceiveTime json.RawMessage // Unix seconds; read apart so that an odd one loses no report
			}
			RequestId string
		}
	}
	if err := json.Unmarshal(resp.GetBody(), &out); err != nil {
		return nil, &notify.Failure{Channel: "tencent", Code: "ClientError.ParseJsonError", Detail: "unreadable answer", Err: err}
	}
	// More reports than asked for are kept all the same: the gateway has handed them out.
	reports := make([]Report, 0, len(out.Response.PullSmsSendStatusSet))
	for _, st := range out.Response.PullSmsSendStatusSet {
		reports = append(reports, Report{SerialNo: st.SerialNo, PhoneNumber: st.PhoneNumber, ReportStatus: st.ReportStatus,
			Description: clean(st.Description, maxDescription), UserReceiveTime: unixTime(st.UserReceiveTime)})
	}
	return reports, nil
}

// unixTime reads a time given in Unix seconds (a number, or a string of digits); anything else, or
// none, is zero.
func unixTime(raw json.RawMessage) time.Time {
	s := strings.Trim(string(raw), `"`)
	sec, err := strconv.ParseInt(s, 10, 64)
	if err != nil || sec <= 0 || sec > maxUnix {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}

// maxUnix is 9999-12-31: later "times" are garbage, and would not fit a database's time column.
const maxUnix = 253402214400

// clean makes s valid UTF-8 of at most max bytes without control characters (a line break, a NUL).
func clean(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
	for len(s) > max {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}

// limitedTransport reads at most maxAnswer bytes of any answer's body: the SDK reads bodies whole.
type limitedTransport struct{ next http.RoundTripper }

func (t limitedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	resp.Body = &limitedBody{body: resp.Body, r: io.LimitReader(resp.Body, maxAnswer+1)}
	return resp, nil
}

// limitedBody fails a read past maxAnswer, so that an oversized answer is an error rather than a
// truncated document that might still parse.
type limitedBody struct {
	body io.Closer
	r    io.Reader // the body, one byte past the limit at most: that byte tells a larger body
	read int64
}

var errAnswerTooLarge = fmt.Errorf("the answer is larger than %d bytes", maxAnswer)

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if b.read += int64(n); b.read > maxAnswer {
		return n, errAnswerTooLarge
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.body.Close() }
