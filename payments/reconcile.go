package payments

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

// StatementLine is one payment in a provider's daily statement.
type StatementLine struct {
	OutTradeNo    string
	ProviderTxnID string
	AccountNo     string // bank counter collections, which have no order of ours: matched on ProviderTxnID
	Amount        billing.Money
	PaidAt        time.Time
}

// StatementSource is a provider whose daily statement can be fetched.
type StatementSource interface {
	// Statement returns the payments of day (a date in China).
	Statement(ctx context.Context, day time.Time) ([]StatementLine, error)
}

// Reconciliation statuses.
const (
	ReconMatched           = "matched"
	ReconMissingLocally    = "missing_locally"
	ReconMissingAtProvider = "missing_at_provider"
	ReconAmountMismatch    = "amount_mismatch"
	ReconPaidNotPosted     = "paid_not_posted"
)

// ReceiptFinder is the core-database side of reconciliation.
type ReceiptFinder interface {
	ReceiptOf(ctx context.Context, channel, orderNo string) (store.Receipt, error)
}

// Reconciler compares each provider's daily statement with our orders and the core database's
// receipts (docs/design.md, step 6), fixes what it safely can (a payment we never heard of is marked
// paid and queued for posting), and stores the result for the staff page. Now is its clock: an
// order made for a collection found only in a statement is numbered and expires by it.
type Reconciler struct {
	Sources  map[string]StatementSource
	Orders   *store.Portal
	Receipts ReceiptFinder
	Accounts AccountFinder // bank collections found only in a statement are checked against it
	Enqueuer Enqueuer
	Loc      *time.Location
	Now      func() time.Time
	Log      *slog.Logger
}

// Run reconciles every channel for day and returns the items per channel.
func (r *Reconciler) Run(ctx context.Context, day time.Time) (map[string][]store.ReconItem, error) {
	if r.Now == nil {
		return nil, errors.New("payments: reconcile: the Reconciler has no clock (Now)")
	}
	day = billing.DateOf(day.In(r.Loc))
	from := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, r.Loc)
	out := map[string][]store.ReconItem{}
	var errs []error
	for channel, src := range r.Sources {
		items, err := r.channel(ctx, channel, src, day, from, from.AddDate(0, 0, 1))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", channel, err))
			continue
		}
		if err := r.Orders.SaveReconciliation(ctx, day, channel, items); err != nil {
			errs = append(errs, err)
			continue
		}
		out[channel] = items
	}
	return out, errors.Join(errs...)
}

func (r *Reconciler) channel(ctx context.Context, channel string, src StatementSource, day, from, to time.Time) ([]store.ReconItem, error) {
	lines, err := src.Statement(ctx, day)
	if err != nil && !errors.Is(err, billing.ErrNotFound) { // no statement: nothing paid that day
		return nil, err
	}
	paid, err := r.Orders.OrdersPaidBetween(ctx, channel, from, to)
	if err != nil {
		return nil, err
	}
	local := map[string]store.Order{}
	for _, o := range paid {
		local[o.OutTradeNo] = o
	}
	var items []store.ReconItem
	seen := map[string]bool{}
	byTxn := map[string]store.Order{}
	for _, o := range paid {
		byTxn[o.ProviderTxnID] = o
	}
	for _, l := range lines {
		if l.OutTradeNo == "" { // a bank collection: find its order by the bank's transaction
			if o, ok := byTxn[l.ProviderTxnID]; ok {
				l.OutTradeNo = o.OutTradeNo
			} else if o, err := r.Orders.OrderByProviderTxn(ctx, channel, l.ProviderTxnID); err == nil {
				l.OutTradeNo = o.OutTradeNo
			}
		}
		it := store.ReconItem{OutTradeNo: l.OutTradeNo, ProviderTxnID: l.ProviderTxnID, ProviderAmount: l.Amount}
		if l.OutTradeNo == "" {
			it.Status = ReconMissingLocally
			it.OutTradeNo, it.Note = r.counterPaid(ctx, channel, l)
			items = append(items, it)
			continue
		}
		seen[l.OutTradeNo] = true
		o, ok := local[l.OutTradeNo]
		if !ok {
			o, err = r.Orders.OrderByOutTradeNo(ctx, l.OutTradeNo)
			ok = err == nil
		}
		switch {
		case !ok:
			it.Status, it.Note = ReconMissingLocally, "no such order here"
		case o.ProviderTxnID == "":
			it.Status, it.OrderAmount = ReconMissingLocally, o.Amount
			it.Note = r.markPaid(ctx, l)
		case o.PaidAmount != l.Amount:
			it.Status, it.OrderAmount, it.Note = ReconAmountMismatch, o.PaidAmount, "order is "+string(o.Status)
		default:
			it.OrderAmount = o.PaidAmount
			it.Status, it.ReceiptNo, it.Note = r.againstCore(ctx, channel, o)
		}
		items = append(items, it)
	}
	for _, o := range paid {
		if !seen[o.OutTradeNo] {
			items = append(items, store.ReconItem{OutTradeNo: o.OutTradeNo, ProviderTxnID: o.ProviderTxnID, Status: ReconMissingAtProvider,
				OrderAmount: o.PaidAmount, ReceiptNo: o.PostedReceiptNo, Note: "order is " + string(o.Status)})
		}
	}
	slices.SortFunc(items, func(a, b store.ReconItem) int {
		switch {
		case a.OutTradeNo < b.OutTradeNo:
			return -1
		case a.OutTradeNo > b.OutTradeNo:
			return 1
		}
		return 0
	})
	return items, nil
}

// counterPaid records a bank collection whose callback never came, from the statement line, and
// queues its posting; it returns the order made for it and a note.
func (r *Reconciler) counterPaid(ctx context.Context, channel string, l StatementLine) (string, string) {
	if _, err := r.Accounts.AccountByNumber(ctx, l.AccountNo); err != nil {
		return "", "no such account: " + err.Error()
	}
	now := r.Now()
	out := NewOutTradeNo(channel, now)
	res, err := r.Orders.MarkCounterPaid(ctx,
		store.NewOrder{OutTradeNo: out, AccountNo: l.AccountNo, Channel: channel, Amount: l.Amount, ExpiresAt: now.Add(time.Hour)},
		store.Callback{Provider: channel, ProviderTxnID: l.ProviderTxnID, Amount: l.Amount, PaidAt: l.PaidAt, Body: []byte("statement")})
	if err != nil {
		r.Log.Error("reconciliation: recording a statement collection failed", "txn", l.ProviderTxnID, "err", err)
		return "", "could not record: " + err.Error()
	}
	QueuePosting(ctx, r.Enqueuer, r.Log, res.Order.ID, res.OutboxID)
	return res.Order.OutTradeNo, "recorded from the statement; posting queued"
}

// markPaid records a payment we only learnt of from the statement and queues its posting.
func (r *Reconciler) markPaid(ctx context.Context, l StatementLine) string {
	res, err := r.Orders.MarkPaid(ctx, l.OutTradeNo, l.ProviderTxnID, l.Amount, l.PaidAt)
	if err != nil {
		r.Log.Error("reconciliation: marking a statement payment failed", "order", l.OutTradeNo, "err", err)
		return "could not mark paid: " + err.Error()
	}
	QueuePosting(ctx, r.Enqueuer, r.Log, res.Order.ID, res.OutboxID)
	return "marked " + string(res.Order.Status) + " from the statement; posting queued"
}

// againstCore checks a paid order against the core database's receipt.
func (r *Reconciler) againstCore(ctx context.Context, channel string, o store.Order) (status, receiptNo, note string) {
	switch o.Status {
	case Refunding, Refunded:
		return ReconMatched, o.PostedReceiptNo, "refund " + string(o.Status)
	case Posted:
	default:
		return ReconPaidNotPosted, "", "order is " + string(o.Status)
	}
	rc, err := r.Receipts.ReceiptOf(ctx, channel, o.OutTradeNo)
	switch {
	case errors.Is(err, billing.ErrNotFound):
		return ReconPaidNotPosted, o.PostedReceiptNo, "order says posted, but the core database has no receipt"
	case err != nil:
		return ReconPaidNotPosted, o.PostedReceiptNo, "core database: " + err.Error()
	case rc.Amount != o.PaidAmount:
		return ReconAmountMismatch, rc.No, fmt.Sprintf("core receipt is %s", rc.Amount)
	}
	return ReconMatched, rc.No, ""
}
