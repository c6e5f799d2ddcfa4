package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"gridpay/internal/pii"
	"gridpay/notify"
)

// TypeNotifySend sends one message to a customer through the outside texting channel.
const TypeNotifySend = "notify:send"

// notifySendMaxRetry bounds the retries of a transient failure: with the server's doubling waits
// (1 s, 2 s, 4 s, ...) five retries span about a minute, within a sign-in code's five minutes.
const notifySendMaxRetry = 5

// NotifySendPayload is a message as queued: its kind, recipient and parameters. Unlike other tasks
// it carries the message itself (a sign-in code has no row anywhere else), so it is never logged.
type NotifySendPayload struct {
	Kind   notify.Kind   `json:"kind"`
	Phone  string        `json:"phone,omitempty"`
	OpenID string        `json:"open_id,omitempty"`
	Params notify.Params `json:"params"`
}

func (p NotifySendPayload) message() notify.Message {
	return notify.Message{Kind: p.Kind, To: notify.To{Phone: p.Phone, OpenID: p.OpenID}, Params: p.Params}
}

// NewNotifySendTask makes the task that sends m, on the notify queue; a message no channel should
// send is refused here, as billing.ErrInvalid, rather than queued.
func NewNotifySendTask(m notify.Message) (*asynq.Task, error) {
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("worker: %s: %w", TypeNotifySend, err)
	}
	b, err := json.Marshal(NotifySendPayload{Kind: m.Kind, Phone: m.To.Phone, OpenID: m.To.OpenID, Params: m.Params})
	if err != nil {
		return nil, err
	}
	return asynq.NewTask(TypeNotifySend, b, asynq.Queue(QueueNotify), asynq.MaxRetry(notifySendMaxRetry),
		asynq.Timeout(time.Minute)), nil
}

// NotifyQueue is a notify.Channel that queues each message as a notify:send task, so that a gateway
// that throttles or fails for a moment is retried with backoff instead of failing the caller.
type NotifyQueue struct {
	Enqueuer *Enqueuer
}

// Name implements notify.Channel.
func (q NotifyQueue) Name() string { return "queue" }

// Send implements notify.Channel: the message is queued, not yet sent, so there is no message id
// yet ("").
func (q NotifyQueue) Send(ctx context.Context, m notify.Message) (string, error) {
	t, err := NewNotifySendTask(m)
	if err != nil {
		return "", err
	}
	return "", q.Enqueuer.enqueue(ctx, t)
}

// NotifySender handles notify:send: it sends the message through Channel. A transient failure is
// returned, so asynq retries it with the server's backoff; a permanent one (a refused number, an
// unknown template, a wrong key) is logged and the task archived at once (asynq.SkipRetry), where
// staff find it with its error in the queue's archive, as they find those whose retries ran out.
type NotifySender struct {
	Channel notify.Channel
	Log     *slog.Logger
}

// ProcessTask implements asynq.Handler.
func (s *NotifySender) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var p NotifySendPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		// The payload may hold a code: it is never repeated in an error or a log line.
		return fmt.Errorf("worker: %s: undecodable payload: %w", TypeNotifySend, asynq.SkipRetry)
	}
	m := p.message()
	if err := m.Validate(); err != nil {
		return fmt.Errorf("worker: %s: %s message not valid: %w", TypeNotifySend, p.Kind, asynq.SkipRetry)
	}
	to := pii.Phone(p.Phone)
	id, err := s.Channel.Send(ctx, m)
	retried, _ := asynq.GetRetryCount(ctx)
	switch {
	case err == nil:
		s.Log.Info("message sent", "kind", p.Kind, "to", to, "channel", s.Channel.Name(), "id", id, "retried", retried)
		return nil
	case notify.Permanent(err):
		s.Log.Warn("message not sent: permanent failure", "kind", p.Kind, "to", to, "channel", s.Channel.Name(),
			"code", notify.FailureCode(err), "err", err)
		return fmt.Errorf("worker: send %s message to %s: %w: %w", p.Kind, to, err, asynq.SkipRetry)
	default:
		s.Log.Warn("message not sent: will retry", "kind", p.Kind, "to", to, "channel", s.Channel.Name(),
			"code", notify.FailureCode(err), "retried", retried, "err", err)
		return fmt.Errorf("worker: send %s message to %s: %w", p.Kind, to, err)
	}
}
