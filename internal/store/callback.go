package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"gridpay/internal/billing"
)

// Callback is a verified provider callback that reports money for an order, with what arrived.
type Callback struct {
	Provider      string
	ProviderTxnID string
	OutTradeNo    string
	Amount        billing.Money
	PaidAt        time.Time
	Header        http.Header
	Body          []byte // exactly as it arrived
}

// maxCallbackBody bounds a kept callback; providers send a few kilobytes.
const maxCallbackBody = 64 << 10

// MarkPaidFromCallback keeps the callback and marks its order paid (see MarkPaid), in ONE
// transaction: either both are written or neither. The callback is kept once per provider
// transaction; a later delivery of the same transaction changes nothing and reports
// PaymentDuplicate.
func (p *Portal) MarkPaidFromCallback(ctx context.Context, cb Callback) (MarkPaidResult, error) {
	fail := func(err error) (MarkPaidResult, error) {
		return MarkPaidResult{}, fmt.Errorf("store: callback %s/%s: %w", cb.Provider, truncateText(cb.ProviderTxnID, 64), err)
	}
	if !identifier(cb.Provider, 16) || !identifier(cb.ProviderTxnID, 64) || len(cb.Body) > maxCallbackBody {
		return fail(billing.ErrInvalid)
	}
	headers, err := json.Marshal(cb.Header)
	if err != nil {
		return fail(err)
	}
	var res MarkPaidResult
	err = p.db.Transact(ctx, func(tx *sql.Tx) error {
		var keptFor string
		err := tx.QueryRowContext(ctx, `SELECT out_trade_no FROM callbacks WHERE provider = @p AND provider_txn_id = @txn`,
			sql.Named("p", cb.Provider), sql.Named("txn", cb.ProviderTxnID)).Scan(&keptFor)
		switch {
		case err == nil && keptFor != cb.OutTradeNo:
			return fmt.Errorf("transaction already reported for order %s: %w", keptFor, billing.ErrConflict)
		case err == nil:
			o, err := p.orderWhere(ctx, tx, "out_trade_no = @out", sql.Named("out", cb.OutTradeNo))
			res = MarkPaidResult{Outcome: PaymentDuplicate, Order: o}
			return err
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		// The order's lock before the callback's key, as everywhere else: one order of locks.
		o, err := p.lockedOrder(ctx, tx, "out_trade_no = @out", sql.Named("out", cb.OutTradeNo))
		if err != nil {
			return err
		}
		if o.Channel != cb.Provider {
			return fmt.Errorf("order %s is a %s order, reported by %s: %w", o.OutTradeNo, o.Channel, cb.Provider, billing.ErrConflict)
		}
		if err := p.keepCallback(ctx, tx, cb, headers); err != nil {
			return err
		}
		res, err = p.markPaid(ctx, tx, cb.OutTradeNo, cb.ProviderTxnID, cb.Amount, cb.PaidAt)
		return err
	})
	if p.db.dialect.duplicate(err) {
		// Two deliveries raced and the other kept the callback first: a duplicate if it was kept
		// for this order; a transaction claimed for two orders otherwise.
		var keptFor string
		if qerr := p.db.QueryRowContext(ctx, `SELECT out_trade_no FROM callbacks WHERE provider = @p AND provider_txn_id = @txn`,
			sql.Named("p", cb.Provider), sql.Named("txn", cb.ProviderTxnID)).Scan(&keptFor); qerr != nil || keptFor != cb.OutTradeNo {
			return fail(fmt.Errorf("transaction %s claimed for two orders: %w", cb.ProviderTxnID, billing.ErrConflict))
		}
		o, oerr := p.OrderByOutTradeNo(ctx, cb.OutTradeNo)
		if oerr != nil {
			return fail(oerr)
		}
		return MarkPaidResult{Outcome: PaymentDuplicate, Order: o}, nil
	}
	if err != nil {
		return fail(err)
	}
	return res, nil
}

// CallbackSeen reports whether a provider transaction's callback was kept already.
func (p *Portal) CallbackSeen(ctx context.Context, provider, providerTxnID string) (bool, error) {
	var n int
	err := p.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM callbacks WHERE provider = @p AND provider_txn_id = @txn`,
		sql.Named("p", provider), sql.Named("txn", providerTxnID)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: callback seen: %w", err)
	}
	return n > 0, nil
}

func (p *Portal) keepCallback(ctx context.Context, tx *sql.Tx, cb Callback, headers []byte) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO callbacks (provider, provider_txn_id, out_trade_no, headers, body, received_at)
VALUES (@p, @txn, @out, @h, @b, @at)`, sql.Named("p", cb.Provider), sql.Named("txn", cb.ProviderTxnID),
		sql.Named("out", cb.OutTradeNo), sql.Named("h", string(headers)), sql.Named("b", cb.Body),
		sql.Named("at", timestamp(p.now())))
	return err
}

// MarkCounterPaid records money a bank collected at its counter, which had no order of ours: in ONE
// transaction the order is made, the callback kept, the order marked PAID and the outbox row
// written, so that concurrent collections for one account never replace each other's orders. The
// same bank transaction again changes nothing and reports PaymentDuplicate with its order.
func (p *Portal) MarkCounterPaid(ctx context.Context, o NewOrder, cb Callback) (MarkPaidResult, error) {
	fail := func(err error) (MarkPaidResult, error) {
		return MarkPaidResult{}, fmt.Errorf("store: counter payment %s/%s: %w", cb.Provider, truncateText(cb.ProviderTxnID, 64), err)
	}
	now := p.now().UTC().Truncate(time.Millisecond)
	if err := validateNewOrder(o, now); err != nil {
		return fail(err)
	}
	if !identifier(cb.Provider, 16) || !identifier(cb.ProviderTxnID, 64) || len(cb.Body) > maxCallbackBody || cb.Provider != o.Channel {
		return fail(billing.ErrInvalid)
	}
	headers, err := json.Marshal(cb.Header)
	if err != nil {
		return fail(err)
	}
	cb.OutTradeNo = o.OutTradeNo
	// A bank that retries sends copies of a collection already kept: answer them without queueing.
	if dup, found, err := p.keptCallback(ctx, p.db, cb.Provider, cb.ProviderTxnID); err != nil || found {
		if err != nil {
			return fail(err)
		}
		return dup, nil
	}
	var res MarkPaidResult
	err = p.db.Transact(ctx, func(tx *sql.Tx) error {
		// Copies that arrive together queue here, so the check below sees the callback an earlier
		// copy kept; a copy that names another account is caught by the unique key instead.
		if err := p.lockOrders(ctx, tx, o.AccountNo, o.Channel); err != nil {
			return err
		}
		dup, found, err := p.keptCallback(ctx, tx, cb.Provider, cb.ProviderTxnID)
		if err != nil || found {
			res = dup
			return err
		}
		if _, _, err := p.createOrder(ctx, tx, o, now); err != nil {
			return err
		}
		if err := p.keepCallback(ctx, tx, cb, headers); err != nil {
			return err
		}
		res, err = p.markPaid(ctx, tx, o.OutTradeNo, cb.ProviderTxnID, cb.Amount, cb.PaidAt)
		return err
	})
	if p.db.dialect.duplicate(err) {
		// Another copy kept the callback first: answer with the order it was kept for.
		dup, found, kerr := p.keptCallback(ctx, p.db, cb.Provider, cb.ProviderTxnID)
		if kerr == nil && found {
			return dup, nil
		}
		err = errors.Join(err, kerr)
	}
	if err != nil {
		return fail(err)
	}
	return res, nil
}

// keptCallback looks for the callback kept for a provider transaction and, when there is one,
// returns PaymentDuplicate with the order it was kept for.
func (p *Portal) keptCallback(ctx context.Context, q querier, provider, providerTxnID string) (MarkPaidResult, bool, error) {
	var keptFor string
	err := q.QueryRowContext(ctx, `SELECT out_trade_no FROM callbacks WHERE provider = @p AND provider_txn_id = @txn`,
		sql.Named("p", provider), sql.Named("txn", providerTxnID)).Scan(&keptFor)
	if errors.Is(err, sql.ErrNoRows) {
		return MarkPaidResult{}, false, nil
	}
	if err != nil {
		return MarkPaidResult{}, false, err
	}
	o, err := p.orderWhere(ctx, q, "out_trade_no = @out", sql.Named("out", keptFor))
	if err != nil {
		return MarkPaidResult{}, false, err
	}
	return MarkPaidResult{Outcome: PaymentDuplicate, Order: o}, true, nil
}
