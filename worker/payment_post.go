package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"gridpay/internal/billing"
	"gridpay/internal/pii"
	"gridpay/internal/store"
	"gridpay/notify"
)

// TypePaymentPost posts a paid order to the core database (销账).
const TypePaymentPost = "payment:post"

// PaymentPostPayload names the order and its outbox row.
type PaymentPostPayload struct {
	OrderID  int64 `json:"order_id"`
	OutboxID int64 `json:"outbox_id"`
}

// NewPaymentPostTask makes the task that posts an order: one task id per order, on the payments queue.
func NewPaymentPostTask(orderID, outboxID int64) (*asynq.Task, error) {
	if orderID <= 0 || outboxID <= 0 {
		return nil, fmt.Errorf("worker: payment:post for order %d, outbox %d: %w", orderID, outboxID, billing.ErrInvalid)
	}
	b, err := json.Marshal(PaymentPostPayload{OrderID: orderID, OutboxID: outboxID})
	if err != nil {
		return nil, err
	}
	return asynq.NewTask(TypePaymentPost, b, asynq.TaskID(fmt.Sprintf("payment:post:%d", orderID)),
		// Retried for as long as it takes (waits capped at 10 minutes): an archived task would block
		// the sweeper's re-enqueue under the same task id, and a payment must never stop short.
		asynq.Queue(QueuePayments), asynq.MaxRetry(1<<30), asynq.Timeout(2*time.Minute)), nil
}

// PaymentPoster handles payment:post: it posts the order's money to the core database (idempotent
// there on channel + order number), marks the order POSTED, acknowledges the outbox row and texts
// the receipt. Any failure before the acknowledgement is retried; nothing is ever posted twice.
type PaymentPoster struct {
	Orders *store.Portal
	Core   store.CoreDB   // the cached core, so that posting invalidates what the portal shows
	SMS    notify.Channel // signs the receipt message with the bureau's name
	Loc    *time.Location // the bureau's zone: the payment date is the civil date there
	Log    *slog.Logger
}

// ProcessTask implements asynq.Handler.
func (p *PaymentPoster) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var pl PaymentPostPayload
	if err := json.Unmarshal(t.Payload(), &pl); err != nil || pl.OrderID <= 0 || pl.OutboxID <= 0 {
		return fmt.Errorf("worker: payment:post payload %q: %w", t.Payload(), asynq.SkipRetry)
	}
	o, err := p.Orders.OrderState(ctx, pl.OrderID)
	if errors.Is(err, billing.ErrNotFound) {
		return fmt.Errorf("worker: payment:post: order %d: %v: %w", pl.OrderID, err, asynq.SkipRetry)
	}
	if err != nil {
		return err
	}
	switch {
	case o.Status == billing.OrderPaid:
	case o.Status == billing.OrderFlagged && o.ProviderTxnID != "" && o.PaidAmount == o.Amount:
		// Paid after the order was closed, the amount asked: the customer's money, credited.
	case o.Status == billing.OrderPosted:
		return p.Orders.AckOutbox(ctx, pl.OutboxID) // posted before; a retry or the sweeper came late
	default:
		// A wrong amount and the rest wait for staff; the outbox has done its part.
		p.Log.Warn("order not posted: it waits for staff", "order_id", o.ID, "status", o.Status)
		return p.Orders.AckOutbox(ctx, pl.OutboxID)
	}
	receipt, err := p.Core.PostPayment(ctx, store.Payment{
		AccountNo: o.AccountNo, Channel: o.Channel, OrderNo: o.OutTradeNo, Amount: o.PaidAmount,
		PaidOn: billing.DateOf(o.PaidAt.In(p.Loc)),
	})
	if err != nil {
		p.attempt(ctx, pl.OutboxID, err)
		return fmt.Errorf("worker: post order %d: %w", o.ID, err)
	}
	// POSTED and the outbox acknowledged in one transaction: an order another run posted meanwhile
	// is acknowledged only; anything else must not lose the receipt number, so the task is retried
	// and sees the order as it now stands.
	if err := p.Orders.MarkPosted(ctx, o.ID, o.Status, receipt.No, pl.OutboxID); err != nil {
		p.attempt(ctx, pl.OutboxID, err)
		return fmt.Errorf("worker: mark order %d posted: %w", o.ID, err)
	}
	p.Log.Info("payment posted", "order_id", o.ID, "receipt", receipt.No, "account", pii.AccountNo(o.AccountNo), "amount", receipt.Amount.String())
	p.textReceipt(ctx, o, receipt)
	return nil
}

func (p *PaymentPoster) attempt(ctx context.Context, outboxID int64, cause error) {
	if err := p.Orders.OutboxAttempt(ctx, outboxID, cause); err != nil {
		p.Log.Warn("outbox attempt not recorded", "outbox_id", outboxID, "err", err)
	}
}

// textReceipt tells the payer, or else the account's registered phone, that the money arrived. A
// failed message is logged, never retried with the posting: the money is in either way.
func (p *PaymentPoster) textReceipt(ctx context.Context, o store.Order, r store.Receipt) {
	to := o.PayerPhone
	if to == "" {
		a, err := p.Core.AccountByNumber(ctx, o.AccountNo)
		if err != nil {
			p.Log.Warn("receipt message: no phone", "order_id", o.ID, "err", err)
			return
		}
		to = a.Phone
	}
	params := notify.Params{notify.ParamAccount: o.AccountNo, notify.ParamAmount: r.Amount.String(), notify.ParamReceiptNo: r.No}
	if r.Prepaid > 0 {
		params[notify.ParamPrepaid] = r.Prepaid.String()
	}
	if _, err := p.SMS.Send(ctx, notify.Message{Kind: notify.Receipt, To: notify.To{Phone: to}, Params: params}); err != nil {
		p.Log.Warn("receipt message not sent", "order_id", o.ID, "err", err)
	}
}
