// Package notify sends messages to customers through channels (an SMS gateway, WeChat template
// messages, and in dev and tests the dev inbox) and falls back from one channel to the next.
//
// A message is a kind with named parameters, never free text: Chinese SMS gateways send only
// registered templates (an id and ordered parameters) and WeChat template messages take named
// fields, so each channel picks its own form of a kind from one table (template.go).
package notify

import (
	"context"
	"errors"
	"fmt"

	"gridpay/internal/billing"
)

// Kind is what a message is about; each kind has one template per channel.
type Kind string

// The kinds of message gridpay sends. The reminder kinds, one or more per stage of the arrears
// ladder (billing.Stage), are DueSoon to NoticeCopy; each carries ParamLink.
const (
	OTP         Kind = "otp"          // a sign-in code
	BindCode    Kind = "bind_code"    // a code that lets someone bind an account to their phone
	Receipt     Kind = "receipt"      // a payment was posted to the account
	DueSoon     Kind = "due_soon"     // the bill falls due soon, or today (before_due, due)
	Reminder    Kind = "reminder"     // the bill is overdue (overdue_1, overdue_15)
	Cuijiao     Kind = "cuijiao"      // the formal 电费催交通知 at 30 days overdue (cuijiao)
	Notice      Kind = "notice"       // supply will be interrupted for arrears: 停电通知 (notice)
	NoticeFinal Kind = "notice_final" // the notice repeated 1 hour before the interruption (notice_final)
	LowBalance  Kind = "low_balance"  // a prepaid balance under the threshold (low_balance)
	NoticeCopy  Kind = "notice_copy"  // an important customer's notice, copied to the power administration department
	// DisputeUpdate tells a customer that staff moved their dispute on or replied to it.
	DisputeUpdate Kind = "dispute_update"
)

// To is a message's recipient: a mobile phone for SMS, an OpenID for the bureau's WeChat official
// account; a channel uses the one it can reach.
type To struct {
	Phone  string
	OpenID string
}

// Params are a message's named parameters (ParamCode, ParamAmount, ...).
type Params map[string]string

// Message is one message to a customer: a kind, a recipient and the kind's parameters. The text
// comes from the kind's template, chosen by each channel.
type Message struct {
	Kind   Kind
	To     To
	Params Params
}

// Channel sends messages one way.
type Channel interface {
	Name() string
	// Send sends m and returns the id the outside service gave the message (Tencent Cloud SMS's
	// SerialNo, a WeChat template message's msgid, the dev inbox's own id), or "" when it gives
	// none, as a queue that sends later. The id goes into the proof of a reminder.
	Send(ctx context.Context, m Message) (id string, err error)
}

// Bounds of a recipient.
const (
	maxPhone  = 32
	maxOpenID = 64
)

// Validate reports a message that no channel should send, as billing.ErrInvalid: an unknown kind,
// no recipient, a required parameter missing, a parameter the kind does not have, or a value that
// is empty, too long, not plain text or not of its parameter's form (param.go).
func (m Message) Validate() error {
	tpl, ok := table[m.Kind]
	if !ok {
		return fmt.Errorf("notify: message of kind %q: no such kind: %w", m.Kind, billing.ErrInvalid)
	}
	if (m.To.Phone == "" && m.To.OpenID == "") || len(m.To.Phone) > maxPhone || len(m.To.OpenID) > maxOpenID {
		return fmt.Errorf("notify: %s message without a valid recipient: %w", m.Kind, billing.ErrInvalid)
	}
	for _, name := range tpl.Required {
		if _, ok := m.Params[name]; !ok {
			return fmt.Errorf("notify: %s message without its %s: %w", m.Kind, name, billing.ErrInvalid)
		}
	}
	for name, v := range m.Params {
		if !tpl.has(name) {
			return fmt.Errorf("notify: %s message has no parameter %q: %w", m.Kind, name, billing.ErrInvalid)
		}
		if err := checkParam(name, v); err != nil {
			return fmt.Errorf("notify: %s message's %s %w: %w", m.Kind, name, err, billing.ErrInvalid)
		}
	}
	return nil
}

// Fallback sends through its channels in order until one succeeds.
type Fallback []Channel

// Name implements Channel.
func (f Fallback) Name() string { return "fallback" }

// Send implements Channel: the first channel that succeeds wins, and its message id is returned;
// if all fail, every error is returned.
func (f Fallback) Send(ctx context.Context, m Message) (string, error) {
	if err := m.Validate(); err != nil {
		return "", err
	}
	var errs []error
	for _, c := range f {
		id, err := c.Send(ctx, m)
		if err == nil {
			return id, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", c.Name(), err))
	}
	if len(errs) == 0 {
		return "", fmt.Errorf("notify: %s message: no channel configured", m.Kind)
	}
	return "", errors.Join(errs...)
}
