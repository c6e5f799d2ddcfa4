package notify

import (
	"errors"
	"fmt"

	"gridpay/internal/billing"
)

// Failure is an outside channel's report that a message was not sent: the gateway's code, what it
// said, and whether sending the same message again may succeed. Transient failures (throttling, the
// gateway's own faults, timeouts, a broken network) are worth retrying; permanent ones (a number
// the gateway refuses, an unknown template, a wrong key) never are, and wait for staff.
type Failure struct {
	Channel   string // the channel's name, e.g. "tencent"
	Code      string // the gateway's error code, e.g. LimitExceeded.PhoneNumberOneHourLimit
	Detail    string // what the gateway said; never the message's parameters
	Permanent bool
	Err       error // the cause, if any
}

// Error implements error.
func (f *Failure) Error() string {
	kind := "transient"
	if f.Permanent {
		kind = "permanent"
	}
	s := fmt.Sprintf("notify: %s: %s failure %s", f.Channel, kind, f.Code)
	if f.Detail != "" {
		s += ": " + f.Detail
	}
	if f.Err != nil {
		s += ": " + f.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (f *Failure) Unwrap() error { return f.Err }

// ErrNoRecipient means a message has no recipient a channel can reach (no phone for SMS, no OpenID
// for WeChat): the message must go another way.
var ErrNoRecipient = errors.New("notify: no recipient this channel can reach")

// Permanent reports whether err says that sending the same message again cannot succeed: a
// permanent Failure, a message no channel should send (billing.ErrInvalid), a kind the channel has
// no template for (ErrNoTemplate) or a recipient it cannot reach (ErrNoRecipient). Anything else, a
// network error included, may pass later.
func Permanent(err error) bool {
	if err == nil {
		return false
	}
	if f, ok := errors.AsType[*Failure](err); ok {
		return f.Permanent
	}
	return errors.Is(err, billing.ErrInvalid) || errors.Is(err, ErrNoTemplate) || errors.Is(err, ErrNoRecipient)
}

// FailureCode returns the gateway's code of err, or "" when err is no Failure.
func FailureCode(err error) string {
	if f, ok := errors.AsType[*Failure](err); ok {
		return f.Code
	}
	return ""
}
