package admin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/i18n"
	"gridpay/internal/store"
	"gridpay/internal/web"
	"gridpay/notify"
)

// Core is what the staff pages read of the core database: through the cache, as the customers'
// pages do, so that staff traffic too reaches it bounded.
type Core interface {
	AccountByNumber(ctx context.Context, accountNo string) (store.Account, error)
	Bill(ctx context.Context, accountID, billID int64) (store.BillDetail, error)
	Bills(ctx context.Context, accountID int64, page store.Page) ([]store.Bill, int, error)
	Usage(ctx context.Context, accountID int64, months, days int, asOf time.Time) (store.Usage, error)
	Receipts(ctx context.Context, accountID int64, page store.Page) ([]store.Receipt, int, error)
	Reminders(ctx context.Context, accountID int64, page store.Page) ([]store.Reminder, int, error)
}

// Refunder gives a posted payment back to its payer: payments.Service.Refund with the core
// database's receipts, resumable when called again.
type Refunder interface {
	Refund(ctx context.Context, outTradeNo, reason string) (store.Order, error)
}

// AdjustmentQueue queues the posting of an approved bill adjustment or fee waiver to the core
// database (the worker's dispute:adjust); the worker's sweeper queues again what was lost.
type AdjustmentQueue interface {
	EnqueueAdjustment(ctx context.Context, actionID int64) error
}

// Disputes is the staff's side of customer disputes: the queue, the case with its evidence, and
// every move and settlement, each told to the customer.
type Disputes struct {
	Portal *store.Portal
	Core   Core
	Text   notify.Channel // how customers are told: the SMS queue, or the dev inbox
	// Refunds gives payments back; nil when no payment channel can refund.
	Refunds     Refunder
	Adjustments AdjustmentQueue
	SLA         billing.DisputeSLA
	// AgentLimit is the largest amount a settlement may have without a second person's approval.
	AgentLimit billing.Money
	PublicURL  string // where customers read their disputes: the link of the update message
	Now        func() time.Time
	Log        *slog.Logger
}

// scope is the station a staff member's view is limited to: 0 for county-wide staff.
func scope(s store.Staff) int64 { return s.StationID }

// Queue returns a page of the disputes q selects within the staff member's station, and the counts
// of the station's disputes by status.
func (d *Disputes) Queue(ctx context.Context, who store.Staff, q store.DisputeQuery, page store.Page) ([]store.StaffDispute, int, store.DisputeCounts, error) {
	if st := scope(who); st != 0 {
		q.StationID = st
	}
	q.Now, q.SLA = d.Now(), d.SLA
	list, total, err := d.Portal.StaffDisputes(ctx, q, page)
	if err != nil {
		return nil, 0, store.DisputeCounts{}, err
	}
	counts, err := d.Portal.DisputeCounts(ctx, q.StationID, q.Now, d.SLA)
	if err != nil {
		return nil, 0, store.DisputeCounts{}, err
	}
	return list, total, counts, nil
}

// Dispute returns one dispute the staff member may see: another station's is not found, exactly
// like a missing one.
func (d *Disputes) Dispute(ctx context.Context, who store.Staff, id int64) (store.StaffDispute, error) {
	sd, err := d.Portal.StaffDispute(ctx, id)
	if err != nil {
		return store.StaffDispute{}, err
	}
	if st := scope(who); st != 0 && sd.StationID != st {
		return store.StaffDispute{}, fmt.Errorf("admin: dispute %d is another station's: %w", id, billing.ErrNotFound)
	}
	return sd, nil
}

// Case is a dispute with the evidence staff weigh side by side.
type Case struct {
	store.StaffDispute
	Account   store.Account
	Bill      *store.BillDetail // the disputed bill; nil when none is disputed
	Bills     []store.Bill      // the account's latest bills, to pick one to adjust
	Daily     []store.DailyUsage
	Receipts  []store.Receipt
	Reminders []store.Reminder
	Due       time.Time // when the dispute's status is due to be left (SLA); zero for none
	Breached  bool
}

// Case gathers a dispute's evidence from the core database: the bill and its readings, the daily
// readings around its period, the latest bills, receipts and the reminders sent.
func (d *Disputes) Case(ctx context.Context, who store.Staff, id int64) (Case, error) {
	sd, err := d.Dispute(ctx, who, id)
	if err != nil {
		return Case{}, err
	}
	c := Case{StaffDispute: sd}
	c.Due, _ = d.SLA.Due(sd.Status, sd.StatusAt)
	c.Breached = d.SLA.Breached(sd.Status, sd.StatusAt, d.Now())
	if c.Account, err = d.Core.AccountByNumber(ctx, sd.AccountNo); err != nil {
		return Case{}, err
	}
	asOf := d.Now()
	if sd.BillID != 0 {
		b, err := d.Core.Bill(ctx, c.Account.ID, sd.BillID)
		if err != nil && !errors.Is(err, billing.ErrNotFound) {
			return Case{}, err
		}
		if err == nil {
			c.Bill = &b
			// The daily readings of the disputed month and the weeks either side of it.
			if end := b.IssuedOn.AddDate(0, 0, 14); end.Before(asOf) {
				asOf = end
			}
		}
	}
	u, err := d.Core.Usage(ctx, c.Account.ID, 1, 60, asOf)
	if err != nil {
		return Case{}, err
	}
	c.Daily = u.Daily
	if c.Bills, _, err = d.Core.Bills(ctx, c.Account.ID, store.Page{Limit: 6}); err != nil {
		return Case{}, err
	}
	if c.Receipts, _, err = d.Core.Receipts(ctx, c.Account.ID, store.Page{Limit: 10}); err != nil {
		return Case{}, err
	}
	if c.Reminders, _, err = d.Core.Reminders(ctx, c.Account.ID, store.Page{Limit: 10}); err != nil {
		return Case{}, err
	}
	return c, nil
}

// Move moves a dispute on and/or replies to the customer and/or notes something for staff, and
// tells the customer when the status changed or there is a reply.
func (d *Disputes) Move(ctx context.Context, who store.Staff, m store.DisputeMove) (store.StaffDispute, error) {
	if _, err := d.Dispute(ctx, who, m.ID); err != nil {
		return store.StaffDispute{}, err
	}
	sd, err := d.Portal.MoveDispute(ctx, m)
	if err != nil {
		return store.StaffDispute{}, err
	}
	if (m.To != "" && m.To != m.From) || m.Reply != "" {
		d.tell(ctx, sd.Dispute)
	}
	return sd, nil
}

// Proposal is a settlement as a staff member proposes it.
type Proposal struct {
	DisputeID  int64
	From       store.DisputeStatus
	Kind       billing.DisputeActionKind
	BillID     int64
	Amount     billing.Money
	OrderNo    string
	ReasonCode string
	Reason     string
	ClientAddr string
}

// Propose records a settlement. Within the agent's limit it takes effect at once; above it, it waits
// for a supervisor other than the proposer. The customer is told either way.
func (d *Disputes) Propose(ctx context.Context, who store.Staff, p Proposal) (store.DisputeAction, error) {
	sd, err := d.Dispute(ctx, who, p.DisputeID)
	if err != nil {
		return store.DisputeAction{}, err
	}
	if err := d.checkProposal(ctx, sd, p); err != nil {
		return store.DisputeAction{}, err
	}
	a, err := d.Portal.ProposeAction(ctx, store.NewDisputeAction{DisputeID: p.DisputeID, From: p.From, Kind: p.Kind, BillID: p.BillID,
		Amount: p.Amount, OrderNo: p.OrderNo, ReasonCode: p.ReasonCode, Reason: p.Reason,
		NeedsApproval: billing.NeedsApproval(p.Kind, p.Amount, d.AgentLimit),
		Audit:         store.Audit{StaffID: who.ID, ClientAddr: p.ClientAddr}})
	if err != nil {
		return store.DisputeAction{}, err
	}
	sd.Status = statusAfter(a)
	d.tell(ctx, sd.Dispute)
	if a.Status == billing.ActionApproved {
		return a, d.Execute(ctx, a)
	}
	return a, nil
}

// checkProposal refuses a settlement that could not be carried out, before anyone approves it: a
// bill that is not the account's, a reduction larger than the bill, a refund of an order that is
// another account's, not posted, or of another amount (a refund gives the whole payment back).
func (d *Disputes) checkProposal(ctx context.Context, sd store.StaffDispute, p Proposal) error {
	invalid := func(field, key string, args ...any) error {
		return &web.InputError{Field: field, Key: key, Args: args, Kind: billing.ErrInvalid}
	}
	switch p.Kind {
	case billing.ActionAdjustBill, billing.ActionWaiveFee:
		acct, err := d.Core.AccountByNumber(ctx, sd.AccountNo)
		if err != nil {
			return err
		}
		b, err := d.Core.Bill(ctx, acct.ID, p.BillID)
		if errors.Is(err, billing.ErrNotFound) || p.BillID == 0 {
			return invalid("bill", "admin.dispute.bill_error")
		}
		if err != nil {
			return err
		}
		if p.Kind == billing.ActionAdjustBill && p.Amount > b.Balance.Principal {
			return invalid("amount", "admin.dispute.amount_over", i18n.Money(int64(b.Balance.Principal)))
		}
	case billing.ActionRefund:
		if d.Refunds == nil {
			return fmt.Errorf("admin: refund for dispute %d: no payment channel can refund: %w", sd.ID, billing.ErrConflict)
		}
		o, err := d.Portal.OrderByOutTradeNo(ctx, p.OrderNo)
		if errors.Is(err, billing.ErrNotFound) || errors.Is(err, billing.ErrInvalid) || err == nil && o.AccountNo != sd.AccountNo {
			return invalid("order", "admin.dispute.order_error")
		}
		if err != nil {
			return err
		}
		if o.Status != billing.OrderPosted {
			return invalid("order", "admin.dispute.order_not_posted")
		}
		if p.Amount != o.PaidAmount {
			return invalid("amount", "admin.dispute.refund_whole", i18n.Money(int64(o.PaidAmount)))
		}
	}
	return nil
}

// Retry carries out an approved settlement again: a refund the provider refused for a moment, an
// adjustment whose task was lost. Anything else is a conflict.
func (d *Disputes) Retry(ctx context.Context, who store.Staff, disputeID, actionID int64) error {
	if _, err := d.Dispute(ctx, who, disputeID); err != nil {
		return err
	}
	a, err := d.Portal.DisputeActionByID(ctx, actionID)
	if err != nil {
		return err
	}
	if a.DisputeID != disputeID {
		return fmt.Errorf("admin: action %d is not of dispute %d: %w", actionID, disputeID, billing.ErrNotFound)
	}
	if a.Status != billing.ActionApproved {
		return fmt.Errorf("admin: action %d is %s, not approved: %w", actionID, a.Status, billing.ErrConflict)
	}
	return d.Execute(ctx, a)
}

// Decide approves or declines a settlement that waits for a second person: never its proposer
// (billing.CheckFourEyes, held by the store and the database too).
func (d *Disputes) Decide(ctx context.Context, who store.Staff, disputeID, actionID int64, approve bool, reason, clientAddr string) (store.DisputeAction, error) {
	sd, err := d.Dispute(ctx, who, disputeID)
	if err != nil {
		return store.DisputeAction{}, err
	}
	pending, err := d.Portal.DisputeActionByID(ctx, actionID)
	if err != nil {
		return store.DisputeAction{}, err
	}
	if pending.DisputeID != disputeID {
		return store.DisputeAction{}, fmt.Errorf("admin: action %d is not of dispute %d: %w", actionID, disputeID, billing.ErrNotFound)
	}
	a, err := d.Portal.DecideAction(ctx, actionID, approve, reason, store.Audit{StaffID: who.ID, ClientAddr: clientAddr})
	if err != nil {
		return store.DisputeAction{}, err
	}
	sd.Status = statusAfter(a)
	d.tell(ctx, sd.Dispute)
	if a.Status == billing.ActionApproved {
		return a, d.Execute(ctx, a)
	}
	return a, nil
}

// statusAfter is where a dispute stands after its action a was proposed or decided.
func statusAfter(a store.DisputeAction) store.DisputeStatus {
	switch a.Status {
	case billing.ActionProposed:
		return store.DisputeAwaitingApproval
	case billing.ActionDeclined:
		return store.DisputeInReview
	}
	return a.Kind.Settles()
}

// Execute carries out an approved settlement: an adjustment or a waived fee is queued for posting
// to the core database (exactly once there, by its adjustment number); a refund asks the provider
// and reverses the receipt. Calling it again for the same action is safe.
func (d *Disputes) Execute(ctx context.Context, a store.DisputeAction) error {
	if a.Status == billing.ActionPosted {
		return nil
	}
	switch a.Kind {
	case billing.ActionAdjustBill, billing.ActionWaiveFee:
		if err := d.Adjustments.EnqueueAdjustment(ctx, a.ID); err != nil {
			// The sweeper queues it again; the settlement itself is on record.
			d.Log.Warn("admin: queue adjustment", "action", a.ID, "err", err)
		}
	case billing.ActionRefund:
		if d.Refunds == nil {
			return fmt.Errorf("admin: refund of action %d: no payment channel can refund: %w", a.ID, billing.ErrConflict)
		}
		o, err := d.Refunds.Refund(ctx, a.OrderNo, "dispute "+strconv.FormatInt(a.DisputeID, 10)+": "+a.Reason)
		if err != nil {
			return fmt.Errorf("admin: refund of action %d: %w", a.ID, err)
		}
		// A refund still on its way (REFUNDING) leaves the action approved, for Retry to pick up.
		if o.Status == billing.OrderRefunded {
			if _, err := d.Portal.MarkActionPosted(ctx, a.ID, "refund:"+o.OutTradeNo, d.Now()); err != nil && !errors.Is(err, billing.ErrConflict) {
				return err
			}
		}
	}
	return nil
}

// tell texts the customer who filed dispute sd that it moved on; a failure is logged, not the staff
// member's to retry (the customer sees the change on the portal anyway).
func (d *Disputes) tell(ctx context.Context, sd store.Dispute) {
	word := notify.DisputeStatusWord(sd.Status)
	if word == "" || d.Text == nil {
		return
	}
	m := notify.Message{Kind: notify.DisputeUpdate, To: notify.To{Phone: sd.Phone}, Params: notify.Params{
		notify.ParamDisputeNo: strconv.FormatInt(sd.ID, 10), notify.ParamDisputeStatus: word,
		notify.ParamLink: d.PublicURL + "/disputes/" + strconv.FormatInt(sd.ID, 10)}}
	if _, err := d.Text.Send(ctx, m); err != nil {
		d.Log.Warn("admin: tell the customer of dispute", "dispute", sd.ID, "err", err)
	}
}
