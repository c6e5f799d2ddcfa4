package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gridpay/internal/billing"
)

// ReconItem is one order's line in a day's reconciliation of a channel.
type ReconItem struct {
	ID             int64 // changes when the day is reconciled again
	OutTradeNo     string
	ProviderTxnID  string
	Status         string // matched | missing_locally | missing_at_provider | amount_mismatch | paid_not_posted
	ProviderAmount billing.Money
	OrderAmount    billing.Money
	ReceiptNo      string
	Note           string
	// ResolvedAt, ResolvedBy and Resolution say how staff settled an exception (ResolveReconItem):
	// when, who (a staff id, 0 for none) and what they wrote. ResolvedAt is zero while it is open.
	ResolvedAt time.Time
	ResolvedBy int64
	Resolution string
}

// SaveReconciliation replaces a day's reconciliation of a channel with items, in one transaction:
// running a day again leaves its latest result only. An exception staff resolved keeps its
// resolution when the run finds the same order in the same state again. The items' IDs and
// resolutions are ignored.
func (p *Portal) SaveReconciliation(ctx context.Context, day time.Time, channel string, items []ReconItem) error {
	now := p.now()
	err := p.db.Transact(ctx, func(tx *sql.Tx) error {
		// Two runs of one day and channel (two workers, or a rerun by hand) replace it in turn.
		if err := p.db.dialect.lock(ctx, tx, "gridpay:recon:"+channel+":"+day.Format(dateLayout)); err != nil {
			return err
		}
		resolved, err := p.reconResolutions(ctx, tx, day, channel)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM recon_items WHERE day = @day AND channel = @channel`,
			sql.Named("day", date(day)), sql.Named("channel", channel)); err != nil {
			return err
		}
		for _, it := range items {
			r, ok := resolved[it.OutTradeNo]
			if !ok || r.Status != it.Status {
				r = ReconItem{}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO recon_items (day, channel, out_trade_no, provider_txn_id, status,
    provider_fen, order_fen, receipt_no, note, checked_at, resolved_at, resolved_by, resolution)
VALUES (@day, @channel, @out, @txn, @status, @pf, @of, @receipt, @note, @at, @resolved_at, @resolved_by, @resolution)`,
				sql.Named("day", date(day)), sql.Named("channel", channel), sql.Named("out", it.OutTradeNo),
				sql.Named("txn", it.ProviderTxnID), sql.Named("status", it.Status), sql.Named("pf", it.ProviderAmount),
				sql.Named("of", it.OrderAmount), sql.Named("receipt", it.ReceiptNo), sql.Named("note", truncateText(it.Note, 500)),
				sql.Named("at", timestamp(now)), sql.Named("resolved_at", nullTimestampArg(r.ResolvedAt)),
				sql.Named("resolved_by", sql.NullInt64{Int64: r.ResolvedBy, Valid: r.ResolvedBy > 0}),
				sql.Named("resolution", sql.NullString{String: r.Resolution, Valid: !r.ResolvedAt.IsZero()})); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: save reconciliation of %s on %s: %w", channel, day.Format(dateLayout), err)
	}
	return nil
}

// Reconciliation returns a day's reconciliation of a channel, by order number.
func (p *Portal) Reconciliation(ctx context.Context, day time.Time, channel string) ([]ReconItem, error) {
	rows, err := p.db.QueryContext(ctx, reconSelect+` WHERE day = @day AND channel = @channel ORDER BY out_trade_no`,
		sql.Named("day", date(day)), sql.Named("channel", channel))
	if err != nil {
		return nil, fmt.Errorf("store: reconciliation: %w", err)
	}
	items, err := collect(rows, scanReconItem)
	if err != nil {
		return nil, fmt.Errorf("store: reconciliation: %w", err)
	}
	return items, nil
}

// OrdersPaidBetween returns the channel's orders the provider reported paid in [from, to).
func (p *Portal) OrdersPaidBetween(ctx context.Context, channel string, from, to time.Time) ([]Order, error) {
	rows, err := p.db.QueryContext(ctx, orderSelect+` WHERE channel = @channel AND paid_at >= @from AND paid_at < @to ORDER BY id`,
		sql.Named("channel", channel), sql.Named("from", timestamp(from)), sql.Named("to", timestamp(to)))
	if err != nil {
		return nil, fmt.Errorf("store: orders paid: %w", err)
	}
	list, err := collect(rows, scanOrder)
	if err != nil {
		return nil, fmt.Errorf("store: orders paid: %w", err)
	}
	return list, nil
}

// OrderByProviderTxn returns the channel's order paid by a provider transaction, or not found.
func (p *Portal) OrderByProviderTxn(ctx context.Context, channel, providerTxnID string) (Order, error) {
	o, err := p.orderWhere(ctx, p.db, "channel = @channel AND provider_txn_id = @txn",
		sql.Named("channel", channel), sql.Named("txn", providerTxnID))
	if err != nil {
		return Order{}, fmt.Errorf("store: order of transaction %s: %w", truncateText(providerTxnID, 64), err)
	}
	return o, nil
}
