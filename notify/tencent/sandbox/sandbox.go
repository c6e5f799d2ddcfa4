// Package sandbox simulates Tencent Cloud SMS (API 3.0, sms 2021-01-11: SendSms and
// PullSmsSendStatus) for tests and dev: an http.Handler that checks each request's TC3-HMAC-SHA256
// signature and timestamp as the real gateway does, records what it was asked to send, hands out a
// delivery report of every message it accepted (each once, as the gateway does), and answers in
// the gateway's own JSON, or as it was told to fail (throttled, a refused number, a wrong key, a
// 5xx, a hang, a message the phone never got).
package sandbox

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The simulated API.
const (
	Service    = "sms"
	Version    = "2021-01-11"
	Action     = "SendSms"           // sends messages
	PullAction = "PullSmsSendStatus" // hands out delivery reports
)

// maxPull is the most reports one PullSmsSendStatus request may ask for; maxReports the most the
// simulator holds for pulling (the gateway, too, forgets reports nobody pulls), the oldest going
// first.
const (
	maxPull    = 100
	maxReports = 10000
)

// maxSkew is how far a request's X-TC-Timestamp may be from the gateway's clock (Tencent Cloud
// refuses requests more than 5 minutes off as AuthFailure.SignatureExpire).
const maxSkew = 5 * time.Minute

// Received is one message the simulator accepted for one number.
type Received struct {
	SerialNo   string   // the id the gateway answered with
	Phone      string   // as sent, e.g. +8613800138000
	TemplateID string   // TemplateId
	Params     []string // TemplateParamSet
	SignName   string
	SDKAppID   string
	Region     string // X-TC-Region
}

// Answer is how the simulator answers one request instead of sending (or handing out reports). Zero
// fields keep their normal behaviour; the first queued answer for an action is used up by the next
// request for it that passes the signature check.
type Answer struct {
	Action     string // the action it answers: Action (SendSms) when empty, or PullAction
	Status     int    // an HTTP status other than 200, e.g. 503
	Error      string // a request-level error code, e.g. AuthFailure.UnauthorizedOperation or LimitExceeded...
	SendStatus string // the per-number code instead of "Ok", e.g. LimitExceeded.PhoneNumberOneHourLimit
	Hang       bool   // never answer until the client gives up (or the simulator is closed)
}

// SMS is the simulated gateway. It is safe for concurrent use.
type SMS struct {
	secretID, secretKey, sdkAppID string
	now                           func() time.Time

	mu        sync.Mutex
	templates map[string]int // template id -> number of parameters; nil accepts any
	answers   []Answer
	received  []Received
	reports   []pullStatus // delivery reports not yet handed out, oldest first
	requests  int
	pulls     int
	closed    chan struct{}
	closeOnce sync.Once
}

// New returns a gateway that knows one key pair and one SMS app. now is its clock, for the
// timestamp window; nil means time.Now (the SDK stamps requests with the real time).
func New(secretID, secretKey, sdkAppID string, now func() time.Time) *SMS {
	if now == nil {
		now = time.Now
	}
	return &SMS{secretID: secretID, secretKey: secretKey, sdkAppID: sdkAppID, now: now, closed: make(chan struct{})}
}

// Templates makes the gateway know only these approved templates, by id, with their number of
// parameters; any other id is refused as FailedOperation.TemplateIdNotExist.
func (s *SMS) Templates(t map[string]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.templates = t
}

// Then queues answers for the next requests, in order; after them the gateway sends again.
func (s *SMS) Then(a ...Answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers = append(s.answers, a...)
}

// Received returns every message sent so far, oldest first.
func (s *SMS) Received() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// Requests returns how many requests reached the gateway, refused ones included.
func (s *SMS) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Pulls returns how many of the requests asked for delivery reports (PullSmsSendStatus).
func (s *SMS) Pulls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pulls
}

// Fail makes the delivery report of the accepted message serialNo a failure with the carrier's
// description (e.g. MK:0001, the phone switched off), as when a message never reaches the phone. It
// reports false when the gateway holds no report of that message: unknown, or handed out already.
func (s *SMS) Fail(serialNo, description string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.reports {
		if s.reports[i].SerialNo == serialNo {
			s.reports[i].ReportStatus, s.reports[i].Description = "FAIL", description
			return true
		}
	}
	return false
}

// Reports returns how many delivery reports the gateway holds, not yet handed out.
func (s *SMS) Reports() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reports)
}

// Close releases requests left hanging.
func (s *SMS) Close() { s.closeOnce.Do(func() { close(s.closed) }) }

// sendSmsRequest is SendSms's body as the API defines it.
type sendSmsRequest struct {
	PhoneNumberSet   []string
	SmsSdkAppId      string
	TemplateId       string
	SignName         string
	TemplateParamSet []string
	SessionContext   string
	ExtendCode       string
	SenderId         string
}

// sendStatus is one number's outcome in a SendSms response.
type sendStatus struct {
	SerialNo       string
	PhoneNumber    string
	Fee            int
	SessionContext string
	Code           string
	Message        string
	IsoCode        string
}

// pullSmsSendStatusRequest is PullSmsSendStatus's body as the API defines it.
type pullSmsSendStatusRequest struct {
	Limit       int
	SmsSdkAppId string
}

// pullStatus is one delivery report in a PullSmsSendStatus response.
type pullStatus struct {
	UserReceiveTime  int64 // Unix seconds
	CountryCode      string
	SubscriberNumber string
	PhoneNumber      string
	SerialNo         string
	ReportStatus     string
	Description      string
	SessionContext   string
}

var mainlandPhone = regexp.MustCompile(`^\+861[3-9][0-9]{9}$`)

// ServeHTTP implements http.Handler: POST / with a JSON body, as the API 3.0 endpoint.
func (s *SMS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	action := r.Header.Get("X-TC-Action")
	s.mu.Lock()
	s.requests++
	if action == PullAction {
		s.pulls++
	}
	s.mu.Unlock()
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || r.Method != http.MethodPost {
		s.fail(w, "InvalidParameter", "POST with a JSON body is expected")
		return
	}
	if code, msg := s.verify(r, body); code != "" {
		s.fail(w, code, msg)
		return
	}
	if (action != Action && action != PullAction) || r.Header.Get("X-TC-Version") != Version {
		s.fail(w, "InvalidAction", "only SendSms and PullSmsSendStatus of 2021-01-11 are simulated")
		return
	}
	if action == PullAction {
		s.pull(w, r, body)
		return
	}
	var req sendSmsRequest
	if err := json.Unmarshal(body, &req); err != nil {
		s.fail(w, "FailedOperation.JsonParseFail", "the body is not the request's JSON")
		return
	}

	ans := s.answer(Action)
	if s.answered(w, r, ans) {
		return
	}
	s.mu.Lock()
	templates := s.templates
	s.mu.Unlock()
	switch n, known := templates[req.TemplateId]; {
	case req.SmsSdkAppId != s.sdkAppID:
		s.fail(w, "UnauthorizedOperation.SmsSdkAppIdVerifyFail", "SmsSdkAppId does not belong to this key")
		return
	case len(req.PhoneNumberSet) == 0:
		s.fail(w, "MissingParameter.EmptyPhoneNumberSet", "no phone number")
		return
	case req.SignName == "":
		s.fail(w, "FailedOperation.SignatureIncorrectOrUnapproved", "no signature")
		return
	case templates != nil && !known:
		s.fail(w, "FailedOperation.TemplateIdNotExist", "no such template")
		return
	case templates != nil && n != len(req.TemplateParamSet):
		s.fail(w, "FailedOperation.TemplateParamSetNotMatchApprovedTemplate", "parameters do not match the template")
		return
	}
	var set []sendStatus
	for _, phone := range req.PhoneNumberSet {
		st := sendStatus{SerialNo: serial(), PhoneNumber: phone, Fee: 1, Code: "Ok", Message: "send success", IsoCode: "CN"}
		switch {
		case !mainlandPhone.MatchString(phone):
			st = sendStatus{PhoneNumber: phone, Code: "InvalidParameterValue.IncorrectPhoneNumber", Message: "incorrect phone number"}
		case ans.SendStatus != "":
			st = sendStatus{PhoneNumber: phone, Code: ans.SendStatus, Message: "simulated failure", IsoCode: "CN"}
		default:
			s.mu.Lock()
			s.received = append(s.received, Received{SerialNo: st.SerialNo, Phone: phone, TemplateID: req.TemplateId, Params: req.TemplateParamSet,
				SignName: req.SignName, SDKAppID: req.SmsSdkAppId, Region: r.Header.Get("X-TC-Region")})
			// The phone gets it at once: the report waits for the next pull.
			s.reports = append(s.reports, pullStatus{UserReceiveTime: s.now().Unix(), CountryCode: "86",
				SubscriberNumber: strings.TrimPrefix(phone, "+86"), PhoneNumber: phone, SerialNo: st.SerialNo,
				ReportStatus: "SUCCESS", Description: "DELIVRD"})
			if len(s.reports) > maxReports {
				s.reports = slices.Delete(s.reports, 0, len(s.reports)-maxReports)
			}
			s.mu.Unlock()
		}
		set = append(set, st)
	}
	s.ok(w, map[string]any{"SendStatusSet": set})
}

// pull answers PullSmsSendStatus: the oldest reports the gateway holds, at most Limit, each handed
// out once.
func (s *SMS) pull(w http.ResponseWriter, r *http.Request, body []byte) {
	var req pullSmsSendStatusRequest
	if err := json.Unmarshal(body, &req); err != nil {
		s.fail(w, "FailedOperation.JsonParseFail", "the body is not the request's JSON")
		return
	}
	if s.answered(w, r, s.answer(PullAction)) {
		return
	}
	switch {
	case req.SmsSdkAppId != s.sdkAppID:
		s.fail(w, "UnauthorizedOperation.SmsSdkAppIdVerifyFail", "SmsSdkAppId does not belong to this key")
		return
	case req.Limit < 1 || req.Limit > maxPull:
		s.fail(w, "InvalidParameterValue", fmt.Sprintf("Limit must be 1 to %d", maxPull))
		return
	}
	s.mu.Lock()
	n := min(req.Limit, len(s.reports))
	set := append([]pullStatus{}, s.reports[:n]...)
	s.reports = slices.Delete(s.reports, 0, n)
	s.mu.Unlock()
	s.ok(w, map[string]any{"PullSmsSendStatusSet": set})
}

// answer takes the first queued answer for action; the zero Answer when there is none.
func (s *SMS) answer(action string) Answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, a := range s.answers {
		if a.Action == action || a.Action == "" && action == Action {
			s.answers = slices.Delete(s.answers, i, i+1)
			return a
		}
	}
	return Answer{}
}

// answered answers the request as ans says, if it says anything but the normal answer.
func (s *SMS) answered(w http.ResponseWriter, r *http.Request, ans Answer) bool {
	switch {
	case ans.Hang:
		select {
		case <-r.Context().Done():
		case <-s.closed:
		}
	case ans.Status != 0:
		http.Error(w, http.StatusText(ans.Status), ans.Status)
	case ans.Error != "":
		s.fail(w, ans.Error, "simulated failure")
	default:
		return false
	}
	return true
}

// verify checks the request's TC3-HMAC-SHA256 signature and timestamp as the gateway does, and
// returns the gateway's error code and message when it fails.
func (s *SMS) verify(r *http.Request, body []byte) (code, msg string) {
	auth := r.Header.Get("Authorization")
	const algorithm = "TC3-HMAC-SHA256"
	rest, ok := strings.CutPrefix(auth, algorithm+" ")
	if !ok {
		return "AuthFailure.SignatureFailure", "Authorization is not " + algorithm
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		fields[k] = v
	}
	scope := strings.Split(fields["Credential"], "/") // id/date/service/tc3_request
	if len(scope) != 4 || scope[2] != Service || scope[3] != "tc3_request" || fields["SignedHeaders"] != "content-type;host" {
		return "AuthFailure.SignatureFailure", "malformed Credential or SignedHeaders"
	}
	if scope[0] != s.secretID {
		return "AuthFailure.SecretIdNotFound", "unknown SecretId"
	}
	ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
	if err != nil {
		return "AuthFailure.SignatureFailure", "X-TC-Timestamp is not a number"
	}
	at := time.Unix(ts, 0).UTC()
	if d := s.now().Sub(at); d > maxSkew || d < -maxSkew {
		return "AuthFailure.SignatureExpire", "the request's timestamp is outside the allowed window"
	}
	date := at.Format("2006-01-02")
	if scope[1] != date {
		return "AuthFailure.SignatureFailure", "the credential's date is not the timestamp's"
	}
	host := r.Host
	canonical := strings.Join([]string{r.Method, "/", "",
		"content-type:" + r.Header.Get("Content-Type") + "\nhost:" + host + "\n",
		"content-type;host", sha256Hex(body)}, "\n")
	toSign := strings.Join([]string{algorithm, r.Header.Get("X-TC-Timestamp"), date + "/" + Service + "/tc3_request", sha256Hex([]byte(canonical))}, "\n")
	key := hmacSHA256([]byte("TC3"+s.secretKey), date)
	key = hmacSHA256(key, Service)
	key = hmacSHA256(key, "tc3_request")
	got, err := hex.DecodeString(fields["Signature"])
	if err != nil || !hmac.Equal(got, hmacSHA256(key, toSign)) {
		return "AuthFailure.SignatureFailure", "the signature does not match"
	}
	return "", ""
}

func (s *SMS) fail(w http.ResponseWriter, code, msg string) {
	s.ok(w, map[string]any{"Error": map[string]string{"Code": code, "Message": msg}})
}

// ok writes {"Response": {..., "RequestId": ...}} with status 200, as the gateway answers errors
// too.
func (s *SMS) ok(w http.ResponseWriter, resp map[string]any) {
	resp["RequestId"] = serial()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"Response": resp})
}

func serial() string {
	var b [16]byte
	rand.Read(b[:])
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}
