package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gridpay/internal/billing"
)

// reconMatched is the status of a reconciliation line that needs nothing (payments.ReconMatched);
// every other status is an exception for staff.
const reconMatched = "matched"

// MaxReconDays is the longest range of days ReconciliationDays sums: a quarter.
const MaxReconDays = 92

const reconSelect = `SELECT id, out_trade_no, provider_txn_id, status, provider_fen, order_fen, receipt_no, note,
       resolved_at, resolved_by, resolution
FROM recon_items`

func scanReconItem(row rowScanner) (ReconItem, error) {
	var (
		it         ReconItem
		resolvedAt sql.Null[timestamp]
		resolvedBy sql.NullInt64
		resolution sql.NullString
	)
	err := row.Scan(&it.ID, &it.OutTradeNo, &it.ProviderTxnID, &it.Status, &it.ProviderAmount, &it.OrderAmount, &it.ReceiptNo,
		&it.Note, &resolvedAt, &resolvedBy, &resolution)
	if resolvedAt.Valid {
		it.ResolvedAt = time.Time(resolvedAt.V)
	}
	it.ResolvedBy, it.Resolution = resolvedBy.Int64, resolution.String
	return it, err
}

// reconResolutions returns the resolved lines of a day's reconciliation of a channel by order
// number, so that a run of the day again keeps them.
func (p *Portal) reconResolutions(ctx context.Context, tx *sql.Tx, day time.Time, channel string) (map[string]ReconItem, error) {
	rows, err := tx.QueryContext(ctx, reconSelect+` WHERE day = @day AND channel = @channel AND resolved_at IS NOT NULL`,
		sql.Named("day", date(day)), sql.Named("channel", channel))
	if err != nil {
		return nil, err
	}
	items, err := collect(rows, scanReconItem)
	if err != nil {
		return nil, err
	}
	m := make(map[string]ReconItem, len(items))
	for _, it := range items {
		m[it.OutTradeNo] = it
	}
	return m, nil
}

// ReconDay sums a day's reconciliation of a channel: how many orders matched, how many were
// exceptions and how many of those staff resolved, and the amounts on each side.
type ReconDay struct {
	Day         time.Time // a civil date, midnight UTC
	Channel     string
	Matched     int
	Exceptions  int
	Resolved    int
	ProviderFen billing.Money // what the provider's statement says, over every line
	OrderFen    billing.Money // what the portal's orders say, over every line
}

// civilDay is t's calendar date (in t's own location) at midnight UTC.
func civilDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// ReconciliationDays sums each day's reconciliation of each channel from day from to day to, both
// included (their calendar dates count, not their times), newest day first and then by channel. The
// range is at most MaxReconDays days.
func (p *Portal) ReconciliationDays(ctx context.Context, from, to time.Time) ([]ReconDay, error) {
	from, to = civilDay(from), civilDay(to)
	fail := func(err error) ([]ReconDay, error) {
		return nil, fmt.Errorf("store: reconciliation from %s to %s: %w", from.Format(dateLayout), to.Format(dateLayout), err)
	}
	switch {
	case !plausibleDate(from) || !plausibleDate(to):
		return fail(fmt.Errorf("want days in 2000-2099: %w", billing.ErrInvalid))
	case to.Before(from):
		return fail(fmt.Errorf("the last day is before the first: %w", billing.ErrInvalid))
	case to.Sub(from) >= MaxReconDays*24*time.Hour:
		return fail(fmt.Errorf("want at most %d days: %w", MaxReconDays, billing.ErrInvalid))
	}
	rows, err := p.db.QueryContext(ctx, `SELECT day, channel,
       SUM(CASE WHEN status = @matched THEN 1 ELSE 0 END),
       SUM(CASE WHEN status <> @matched THEN 1 ELSE 0 END),
       SUM(CASE WHEN status <> @matched AND resolved_at IS NOT NULL THEN 1 ELSE 0 END),
       SUM(provider_fen), SUM(order_fen)
FROM recon_items WHERE day >= @from AND day <= @to
GROUP BY day, channel ORDER BY day DESC, channel`,
		sql.Named("matched", reconMatched), sql.Named("from", date(from)), sql.Named("to", date(to)))
	if err != nil {
		return fail(err)
	}
	days, err := collect(rows, func(row rowScanner) (ReconDay, error) {
		var (
			d ReconDay
			v date
		)
		err := row.Scan(&v, &d.Channel, &d.Matched, &d.Exceptions, &d.Resolved, &d.ProviderFen, &d.OrderFen)
		d.Day = time.Time(v)
		return d, err
	})
	if err != nil {
		return fail(err)
	}
	return days, nil
}

// ReconExceptions returns the exceptions of a day's reconciliation (every line but matched), of one
// channel or of all when channel is "", by channel and order number; resolved ones only when
// includeResolved.
func (p *Portal) ReconExceptions(ctx context.Context, day time.Time, channel string, includeResolved bool) ([]ReconItem, error) {
	day = civilDay(day)
	fail := func(err error) ([]ReconItem, error) {
		return nil, fmt.Errorf("store: reconciliation exceptions of %s: %w", day.Format(dateLayout), err)
	}
	switch {
	case !plausibleDate(day):
		return fail(fmt.Errorf("want a day in 2000-2099: %w", billing.ErrInvalid))
	case channel != "" && !validOrderChannel(channel):
		return fail(fmt.Errorf("channel: want wechat, alipay or bank: %w", billing.ErrInvalid))
	}
	q := reconSelect + ` WHERE day = @day AND status <> @matched`
	if channel != "" {
		q += ` AND channel = @channel`
	}
	if !includeResolved {
		q += ` AND resolved_at IS NULL`
	}
	rows, err := p.db.QueryContext(ctx, q+` ORDER BY channel, out_trade_no`,
		sql.Named("day", date(day)), sql.Named("matched", reconMatched), sql.Named("channel", channel))
	if err != nil {
		return fail(err)
	}
	items, err := collect(rows, scanReconItem)
	if err != nil {
		return fail(err)
	}
	return items, nil
}

// reconState is a reconciliation line as its audit rows show it.
type reconState struct {
	ID          int64         `json:"id"`
	Day         string        `json:"day"`
	Channel     string        `json:"channel"`
	OutTradeNo  string        `json:"out_trade_no"`
	Status      string        `json:"status"`
	ProviderFen billing.Money `json:"provider_fen"`
	OrderFen    billing.Money `json:"order_fen"`
	Resolution  string        `json:"resolution,omitempty"`
}

// ResolveReconItem records how staff settled reconciliation exception id, with the audit row
// "recon.resolve", in one transaction (the store fills the audit row's action, target, states and,
// when a.Reason is empty, its reason). An exception is resolved once: one resolved already, or a
// matched line, is billing.ErrConflict and writes nothing. A run of the day again keeps the
// resolution while it finds the order in the same state.
func (p *Portal) ResolveReconItem(ctx context.Context, id int64, resolution string, a Audit) (ReconItem, error) {
	fail := func(err error) (ReconItem, error) {
		return ReconItem{}, fmt.Errorf("store: resolve reconciliation item %d: %w", id, err)
	}
	if !validAuditReason(resolution) {
		return fail(fmt.Errorf("resolution: want 1 to %d characters of text: %w", MaxAuditReason, billing.ErrInvalid))
	}
	a.Action, a.Target, a.Before, a.After = "recon.resolve", fmt.Sprintf("recon:%d", id), "{}", "{}"
	if a.Reason == "" {
		a.Reason = resolution
	}
	if err := validateAudit(a); err != nil {
		return fail(err)
	}
	now := p.now().UTC().Truncate(time.Millisecond)
	var out ReconItem
	err := p.db.Transact(ctx, func(tx *sql.Tx) error {
		var (
			d       date
			channel string
		)
		err := tx.QueryRowContext(ctx, `SELECT day, channel FROM recon_items WHERE id = @id`, sql.Named("id", id)).Scan(&d, &channel)
		if errors.Is(err, sql.ErrNoRows) {
			return billing.ErrNotFound
		}
		if err != nil {
			return err
		}
		day := time.Time(d)
		// The lock SaveReconciliation takes: a run of the day replaces its lines one at a time with this.
		if err := p.db.dialect.lock(ctx, tx, "gridpay:recon:"+channel+":"+day.Format(dateLayout)); err != nil {
			return err
		}
		before, err := scanReconItem(tx.QueryRowContext(ctx, reconSelect+` WHERE id = @id`, sql.Named("id", id)))
		if errors.Is(err, sql.ErrNoRows) {
			return billing.ErrNotFound // the day was reconciled again meanwhile
		}
		if err != nil {
			return err
		}
		switch {
		case before.Status == reconMatched:
			return fmt.Errorf("a matched line needs no resolution: %w", billing.ErrConflict)
		case !before.ResolvedAt.IsZero():
			return fmt.Errorf("resolved already at %s: %w", before.ResolvedAt.Format(time.RFC3339), billing.ErrConflict)
		}
		res, err := tx.ExecContext(ctx, `UPDATE recon_items SET resolved_at = @at, resolved_by = @by, resolution = @resolution
WHERE id = @id AND resolved_at IS NULL AND status <> @matched`,
			sql.Named("at", timestamp(now)), sql.Named("by", sql.NullInt64{Int64: a.StaffID, Valid: a.StaffID > 0}),
			sql.Named("resolution", resolution), sql.Named("id", id), sql.Named("matched", reconMatched))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("resolved meanwhile: %w", billing.ErrConflict)
		}
		out = before
		out.ResolvedAt, out.ResolvedBy, out.Resolution = now, a.StaffID, resolution
		state := func(it ReconItem) (string, error) {
			b, err := json.Marshal(reconState{ID: it.ID, Day: day.Format(dateLayout), Channel: channel, OutTradeNo: it.OutTradeNo,
				Status: it.Status, ProviderFen: it.ProviderAmount, OrderFen: it.OrderAmount, Resolution: it.Resolution})
			return string(b), err
		}
		if a.Before, err = state(before); err != nil {
			return err
		}
		if a.After, err = state(out); err != nil {
			return err
		}
		a.Target = truncateText(fmt.Sprintf("recon:%s:%s:%s", day.Format(dateLayout), channel, before.OutTradeNo), MaxAuditTarget)
		return p.insertAudit(ctx, tx, now, a)
	})
	if err != nil {
		return fail(err)
	}
	return out, nil
}
