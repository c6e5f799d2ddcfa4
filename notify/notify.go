// Package notify sends text messages to customers through channels (SMS, WeChat template message,
// e-mail, and in dev and tests the dev inbox) and falls back from one channel to the next.
package notify

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Message is one text message to a customer.
type Message struct {
	To   string // mobile phone
	Kind string // otp | receipt | reminder | notice
	Text string
}

// Channel sends messages one way.
type Channel interface {
	Name() string
	Send(ctx context.Context, m Message) error
}

// maxText bounds a message: an SMS of a few parts, never a page.
const maxText = 500

// Validate reports a message that no channel should send.
func (m Message) Validate() error {
	switch {
	case m.To == "" || len(m.To) > 32:
		return errors.New("notify: message without a valid recipient")
	case m.Kind == "" || m.Text == "" || !utf8.ValidString(m.Text) || utf8.RuneCountInString(m.Text) > maxText:
		return fmt.Errorf("notify: %s message must have 1 to %d characters of text", m.Kind, maxText)
	}
	return nil
}

// Fallback sends through its channels in order until one succeeds.
type Fallback []Channel

// Name implements Channel.
func (f Fallback) Name() string { return "fallback" }

// Send implements Channel: the first channel that succeeds wins; if all fail, every error is returned.
func (f Fallback) Send(ctx context.Context, m Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	var errs []error
	for _, c := range f {
		err := c.Send(ctx, m)
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", c.Name(), err))
	}
	if len(errs) == 0 {
		return errors.New("notify: no channel configured")
	}
	return errors.Join(errs...)
}
