package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"
	"unicode/utf16"

	"github.com/hibiken/asynq"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

// TypeDisputeAdjust posts a dispute's approved bill adjustment or late-fee waiver to the core
// database.
const TypeDisputeAdjust = "dispute:adjust"

// DisputeAdjustPayload names the approved settlement; the portal database holds the rest.
type DisputeAdjustPayload struct {
	ActionID int64 `json:"action_id"`
}

// NewDisputeAdjustTask makes the task that posts settlement actionID: one task id per action, on
// the payments queue, retried for as long as it takes like a payment's posting.
func NewDisputeAdjustTask(actionID int64) (*asynq.Task, error) {
	if actionID <= 0 {
		return nil, fmt.Errorf("worker: dispute:adjust for action %d: %w", actionID, billing.ErrInvalid)
	}
	b, err := json.Marshal(DisputeAdjustPayload{ActionID: actionID})
	if err != nil {
		return nil, err
	}
	return asynq.NewTask(TypeDisputeAdjust, b, asynq.TaskID(fmt.Sprintf("dispute:adjust:%d", actionID)),
		asynq.Queue(QueuePayments), asynq.MaxRetry(1<<30), asynq.Timeout(2*time.Minute)), nil
}

// EnqueueAdjustment queues the posting of an approved adjustment, named by the action (TaskID) so
// that the staff page and the sweeper queue it once.
func (e *Enqueuer) EnqueueAdjustment(ctx context.Context, actionID int64) error {
	t, err := NewDisputeAdjustTask(actionID)
	if err != nil {
		return err
	}
	return e.enqueue(ctx, t)
}

// Adjuster is the core database's side of an adjustment: idempotent on the adjustment number.
type Adjuster interface {
	PostAdjustment(ctx context.Context, a store.Adjustment) (store.AdjustmentRecord, error)
}

// AdjustmentPoster handles dispute:adjust: it posts the approved settlement to the core database
// under its adjustment number (once there, however often it runs) and marks the settlement posted.
type AdjustmentPoster struct {
	Portal *store.Portal
	Core   Adjuster       // the cached core, so that posting invalidates what the portal shows
	Loc    *time.Location // the bureau's zone: the adjustment's date is the civil date there
	Now    func() time.Time
	Log    *slog.Logger
}

// maxAdjustmentReason is how much of the staff's reason the core database's record keeps.
const maxAdjustmentReason = 200

// ProcessTask implements asynq.Handler.
func (p *AdjustmentPoster) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var pl DisputeAdjustPayload
	if err := json.Unmarshal(t.Payload(), &pl); err != nil || pl.ActionID <= 0 {
		return fmt.Errorf("worker: dispute:adjust payload %q: %w", t.Payload(), asynq.SkipRetry)
	}
	a, err := p.Portal.DisputeActionByID(ctx, pl.ActionID)
	if errors.Is(err, billing.ErrNotFound) {
		return fmt.Errorf("worker: dispute:adjust: %w: %w", err, asynq.SkipRetry)
	}
	if err != nil {
		return err
	}
	var kind store.AdjustmentKind
	switch {
	case a.Status == billing.ActionPosted:
		return nil
	case a.Status != billing.ActionApproved:
		return fmt.Errorf("worker: dispute:adjust: action %d is %s, not approved: %w", a.ID, a.Status, asynq.SkipRetry)
	case a.Kind == billing.ActionAdjustBill:
		kind = store.AdjustPrincipal
	case a.Kind == billing.ActionWaiveFee:
		kind = store.AdjustLateFee
	default:
		return fmt.Errorf("worker: dispute:adjust: action %d is a %s, nothing to post: %w", a.ID, a.Kind, asynq.SkipRetry)
	}
	rec, err := p.Core.PostAdjustment(ctx, store.Adjustment{No: a.AdjustmentNo(), AccountNo: a.AccountNo, BillID: a.BillID, Kind: kind,
		Amount: a.Amount, Reason: clipUTF16(a.Reason, maxAdjustmentReason), DisputeID: a.DisputeID, On: billing.DateOf(p.Now().In(p.Loc))})
	if errors.Is(err, billing.ErrInvalid) || errors.Is(err, billing.ErrNotFound) || errors.Is(err, billing.ErrConflict) {
		// The bill changed since the settlement was approved (paid, or adjusted another way):
		// staff must settle again. Retrying would not help.
		p.Log.Error("dispute adjustment cannot be posted", "action", a.ID, "dispute", a.DisputeID, "err", err)
		return fmt.Errorf("worker: dispute:adjust: %w: %w", err, asynq.SkipRetry)
	}
	if err != nil {
		return err
	}
	if _, err := p.Portal.MarkActionPosted(ctx, a.ID, rec.No, p.Now()); err != nil && !errors.Is(err, billing.ErrConflict) {
		return err
	}
	p.Log.Info("dispute adjustment posted", "action", a.ID, "dispute", a.DisputeID, "adjustment", rec.No, "amount", a.Amount)
	return nil
}

// clipUTF16 cuts s to at most n UTF-16 code units, as an NVARCHAR(n) column counts them, never
// inside a character.
func clipUTF16(s string, n int) string {
	units := 0
	for i, r := range s {
		w := utf16.RuneLen(r)
		if w < 0 {
			w = 1 // an invalid rune is stored as one replacement character
		}
		if units+w > n {
			return s[:i]
		}
		units += w
	}
	return s
}
