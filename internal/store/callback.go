package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"gridpay/internal/billing"
)

// Callback is a verified provider callback that reports money for an order, with what arrived.
type Callback struct {
	Provider      string
	ProviderTxnID string
	OutTradeNo    string
	// AccountNo is the account a bank collection pays; "" for the callback of an order of ours.
	AccountNo string
	Amount    billing.Money
	PaidAt    time.Time
	Header    http.Header
	Body      []byte // exactly as it arrived
	// Text is the callback as people read it, in UTF-8, where Body is not (an Alipay notification
	// in GBK, decoded); "" otherwise.
	Text string
}

// maxCallbackBody bounds a kept callback; providers send a few kilobytes.
const maxCallbackBody = 64 << 10

// PaymentConflict: the provider transaction was reported before with another amount, order or
// account, or the order was paid already by another transaction. The new report was kept for staff
// (CallbackConflicts) and nothing else changed: the first payment stands and the second is never
// posted automatically.
const PaymentConflict PaymentOutcome = "conflict"

// ConflictKind says why a callback was kept for staff instead of taken.
type ConflictKind string

// Conflict kinds.
const (
	// ConflictAmount: the transaction again, for another amount (5000 fen, then 7000).
	ConflictAmount ConflictKind = "AMOUNT"
	// ConflictOrder: the transaction again, for another order of ours.
	ConflictOrder ConflictKind = "ORDER"
	// ConflictAccount: the bank's transaction again, for another account.
	ConflictAccount ConflictKind = "ACCOUNT"
	// ConflictPaidTwice: an order paid already reported paid by another transaction (the customer
	// may have paid twice).
	ConflictPaidTwice ConflictKind = "PAID_TWICE"
	// ConflictUnknownAccount: a bank collection for an account that does not exist.
	ConflictUnknownAccount ConflictKind = "UNKNOWN_ACCOUNT"
)

// CallbackConflict is a callback answered but not taken, kept for staff, as it was reported.
type CallbackConflict struct {
	ID             int64
	Provider       string
	ProviderTxnID  string
	Kind           ConflictKind
	OutTradeNo     string // as reported; "" for a bank collection
	AccountNo      string // as reported; "" for an order's callback
	Amount         billing.Money
	KeptOutTradeNo string // the order the transaction's first callback was kept for; "" if none
	Header         http.Header
	Body           []byte // exactly as it arrived
	Text           string // as people read it, where Body is not UTF-8
	ReceivedAt     time.Time
	// ResolvedAt, ResolvedBy and Resolution are how staff settled it (ResolveConflict); zero until
	// then.
	ResolvedAt time.Time
	ResolvedBy int64
	Resolution string
}

// validCallback reports whether cb's fields fit the callback columns.
func validCallback(cb Callback) bool {
	return identifier(cb.Provider, 16) && identifier(cb.ProviderTxnID, 64) && len(cb.Body) <= maxCallbackBody &&
		len(cb.Text) <= 4*maxCallbackBody && utf8.ValidString(cb.Text)
}

// MarkPaidFromCallback keeps the callback and marks its order paid (see MarkPaid), in ONE
// transaction: either both are written or neither. The callback is kept once per provider
// transaction; a later delivery of the same transaction and amount for the same order changes
// nothing and reports PaymentDuplicate; one with another amount or for another order, and another
// transaction for an order paid already, is kept for staff and reports PaymentConflict.
//
// Callbacks that arrive together share a transaction (MarkPaidFromCallbacks): the call returns once
// the transaction that holds its callback has committed, or with its own error.
func (p *Portal) MarkPaidFromCallback(ctx context.Context, cb Callback) (MarkPaidResult, error) {
	call := &callbackCall{ctx: ctx, cb: cb}
	if call.headers, call.err = checkCallback(cb); call.err != nil {
		return MarkPaidResult{}, call.err
	}
	p.db.callbacks.do(call, batchSlots, maxCallbackBatch, p.markPaidBatch)
	return call.res, call.err
}

// maxCallbackBatch is the most callbacks one transaction takes.
const maxCallbackBatch = 64

// CallbackResult is what MarkPaidFromCallbacks did with one callback: MarkPaidFromCallback's
// answer.
type CallbackResult struct {
	Result MarkPaidResult
	Err    error
}

// MarkPaidFromCallbacks does what MarkPaidFromCallback does for each callback, in the order given,
// all in one transaction when every one of them is taken (or kept for staff). When one fails (an
// unknown order, a transaction kept meanwhile by another process, the database), that transaction is
// rolled back and each callback runs again in its own, so that one callback's failure never costs
// another its payment.
func (p *Portal) MarkPaidFromCallbacks(ctx context.Context, cbs []Callback) []CallbackResult {
	calls := make([]*callbackCall, len(cbs))
	for i, cb := range cbs {
		calls[i] = &callbackCall{ctx: ctx, cb: cb}
		calls[i].headers, calls[i].err = checkCallback(cb)
	}
	p.markPaidBatch(calls)
	out := make([]CallbackResult, len(calls))
	for i, c := range calls {
		out[i] = CallbackResult{Result: c.res, Err: c.err}
	}
	return out
}

// callbackCall is one callback on its way through markPaidBatch, with its outcome.
type callbackCall struct {
	ctx     context.Context
	cb      Callback
	headers []byte
	res     MarkPaidResult
	err     error
}

// errBatchAborted is the outcome of a call whose batch ended without recording one (a panic).
var errBatchAborted = errors.New("the batch of callbacks ended before this one was done")

// checkCallback checks what a callback carries and returns its headers as kept.
func checkCallback(cb Callback) ([]byte, error) {
	fail := func(err error) ([]byte, error) {
		return nil, fmt.Errorf("store: callback %s/%s: %w", cb.Provider, truncateText(cb.ProviderTxnID, 64), err)
	}
	if !validCallback(cb) || cb.AccountNo != "" {
		return fail(billing.ErrInvalid)
	}
	headers, err := json.Marshal(cb.Header)
	if err != nil {
		return fail(err)
	}
	return headers, nil
}

// markPaidBatch takes the callbacks of calls that passed checkCallback, recording each outcome in
// its call: all in one transaction, or each in its own when that one fails.
func (p *Portal) markPaidBatch(calls []*callbackCall) {
	var todo []*callbackCall
	for _, c := range calls {
		if c.err == nil {
			c.err = errBatchAborted
			todo = append(todo, c)
		}
	}
	together := transactTogether(p.db, todo, func(c *callbackCall) context.Context { return c.ctx },
		func(ctx context.Context, tx *sql.Tx, c *callbackCall) (err error) {
			c.res, err = p.markPaidFromCallback(ctx, tx, c.cb, c.headers)
			return err
		})
	if together {
		for _, c := range todo {
			c.err = nil
		}
		return
	}
	for _, c := range todo {
		c.res, c.err = p.markPaidFromCallbackAlone(c.ctx, c.cb, c.headers)
	}
}

// markPaidFromCallbackAlone is MarkPaidFromCallback in a transaction of its own.
func (p *Portal) markPaidFromCallbackAlone(ctx context.Context, cb Callback, headers []byte) (MarkPaidResult, error) {
	var res MarkPaidResult
	err := p.db.Transact(ctx, func(tx *sql.Tx) error {
		var err error
		res, err = p.markPaidFromCallback(ctx, tx, cb, headers)
		return err
	})
	if p.db.dialect.duplicate(err) {
		// Two deliveries raced and the other kept the callback first: a duplicate, or a conflict
		// for staff, as if this one had come second.
		dup, found, kerr := p.repeatedCallback(ctx, p.db, cb, headers)
		if kerr == nil && found {
			return dup, nil
		}
		err = errors.Join(err, kerr)
	}
	if err != nil {
		return MarkPaidResult{}, fmt.Errorf("store: callback %s/%s: %w", cb.Provider, truncateText(cb.ProviderTxnID, 64), err)
	}
	p.ordersChanged(ctx, res.Order.AccountNo)
	return res, nil
}

// markPaidFromCallback is MarkPaidFromCallback inside tx.
func (p *Portal) markPaidFromCallback(ctx context.Context, tx *sql.Tx, cb Callback, headers []byte) (MarkPaidResult, error) {
	// One statement reads the order and the order the provider transaction was kept for before, if
	// any (lockedOrder otherwise, after repeatedCallback).
	var keptFor sql.NullString
	o, err := scanOrder(withColumn{p.db.queryRow(ctx, tx, orderAndKeptSelect, sql.Named("out", cb.OutTradeNo),
		sql.Named("p", cb.Provider), sql.Named("txn", cb.ProviderTxnID)), &keptFor})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// No such order: still a conflict for staff when the transaction was kept for another.
		if res, found, err := p.repeatedCallback(ctx, tx, cb, headers); err != nil || found {
			return res, err
		}
		return MarkPaidResult{}, billing.ErrNotFound
	case err != nil:
		return MarkPaidResult{}, err
	case keptFor.Valid:
		return p.repeatedCallbackOf(ctx, tx, cb, headers, keptFor.String)
	case p.db.dialect.applock != "":
		// The order's lock before the callback's key, as everywhere else: one order of locks; then
		// the order as the previous writer left it (see lockedOrder).
		if err := p.lockOrders(ctx, tx, o.AccountNo, o.Channel); err != nil {
			return MarkPaidResult{}, err
		}
		if o, err = p.orderWhere(ctx, tx, "id = @id", sql.Named("id", o.ID)); err != nil {
			return MarkPaidResult{}, err
		}
	}
	if o.Channel != cb.Provider {
		return MarkPaidResult{}, fmt.Errorf("order %s is a %s order, reported by %s: %w", o.OutTradeNo, o.Channel, cb.Provider, billing.ErrConflict)
	}
	if o.ProviderTxnID != "" && (o.ProviderTxnID != cb.ProviderTxnID || o.PaidAmount != cb.Amount) {
		// Paid already (by an earlier callback's transaction, or one an order query found): another
		// transaction is money paid twice, another amount a report at odds with ours. Either is
		// for staff; answered as taken, since sending it again changes nothing.
		kind := ConflictAmount
		if o.ProviderTxnID != cb.ProviderTxnID {
			kind = ConflictPaidTwice
		}
		return MarkPaidResult{Outcome: PaymentConflict, Order: o}, p.keepConflict(ctx, tx, cb, kind, o.OutTradeNo, headers)
	}
	if err := p.keepCallback(ctx, tx, cb, headers); err != nil {
		return MarkPaidResult{}, err
	}
	return p.markPaidLocked(ctx, tx, o, cb.ProviderTxnID, cb.Amount, cb.PaidAt)
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
	_, err := p.db.exec(ctx, tx, `INSERT INTO callbacks (provider, provider_txn_id, out_trade_no, headers, body, body_text, received_at)
VALUES (@p, @txn, @out, @h, @b, @text, @at)`, sql.Named("p", cb.Provider), sql.Named("txn", cb.ProviderTxnID),
		sql.Named("out", cb.OutTradeNo), sql.Named("h", string(headers)), sql.Named("b", bytesOrEmpty(cb.Body)),
		sql.Named("text", cb.Text), sql.Named("at", timestamp(p.now())))
	return err
}

// bytesOrEmpty keeps a nil body from going to a NOT NULL column as NULL.
func bytesOrEmpty(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// RecordUnknownAccount keeps for staff a bank collection for an account that does not exist
// (cb.AccountNo as the bank sent it), which the bank is told is refused for good. The same
// collection again is kept once.
func (p *Portal) RecordUnknownAccount(ctx context.Context, cb Callback) error {
	if !validCallback(cb) {
		return fmt.Errorf("store: unknown account %s/%s: %w", cb.Provider, truncateText(cb.ProviderTxnID, 64), billing.ErrInvalid)
	}
	headers, err := json.Marshal(cb.Header)
	if err == nil {
		err = p.keepConflict(ctx, p.db, cb, ConflictUnknownAccount, "", headers)
	}
	if err != nil {
		return fmt.Errorf("store: unknown account %s/%s: %w", cb.Provider, cb.ProviderTxnID, err)
	}
	return nil
}

// keepConflict keeps a callback that was answered but not taken, unless the same report (provider
// transaction, kind, order, account and amount) was kept already: providers retry.
func (p *Portal) keepConflict(ctx context.Context, q querier, cb Callback, kind ConflictKind, keptFor string, headers []byte) error {
	_, err := p.db.exec(ctx, q, `INSERT INTO callback_conflicts
(provider, provider_txn_id, kind, out_trade_no, account_no, amount_fen, kept_out_trade_no, headers, body, body_text, received_at)
SELECT @p, @txn, @kind, @out, @acct, @amt, @kept, @h, @b, @text, @at
WHERE NOT EXISTS (SELECT 1 FROM callback_conflicts WHERE provider = @p AND provider_txn_id = @txn AND kind = @kind
AND out_trade_no = @out AND account_no = @acct AND amount_fen = @amt)`,
		sql.Named("p", cb.Provider), sql.Named("txn", cb.ProviderTxnID), sql.Named("kind", string(kind)),
		sql.Named("out", truncateText(cb.OutTradeNo, 32)), sql.Named("acct", truncateText(cb.AccountNo, 32)),
		sql.Named("amt", int64(cb.Amount)), sql.Named("kept", keptFor), sql.Named("h", string(headers)),
		sql.Named("b", bytesOrEmpty(cb.Body)), sql.Named("text", cb.Text), sql.Named("at", timestamp(p.now())))
	return err
}

const conflictSelect = `SELECT id, provider, provider_txn_id, kind, out_trade_no, account_no, amount_fen,
kept_out_trade_no, headers, body, body_text, received_at, resolved_at, resolved_by, resolution FROM callback_conflicts`

func scanConflict(row rowScanner) (CallbackConflict, error) {
	var (
		c          CallbackConflict
		kind       string
		headers    string
		at         timestamp
		resolvedAt nullTimestamp
		resolvedBy sql.NullInt64
		resolution sql.NullString
	)
	err := row.Scan(&c.ID, &c.Provider, &c.ProviderTxnID, &kind, &c.OutTradeNo, &c.AccountNo, &c.Amount,
		&c.KeptOutTradeNo, &headers, &c.Body, &c.Text, &at, &resolvedAt, &resolvedBy, &resolution)
	if err == nil {
		err = json.Unmarshal([]byte(headers), &c.Header)
	}
	c.Kind, c.ReceivedAt = ConflictKind(kind), time.Time(at)
	c.ResolvedAt, c.ResolvedBy, c.Resolution = time.Time(resolvedAt), resolvedBy.Int64, resolution.String
	return c, err
}

// CallbackConflicts returns the callbacks kept for staff, newest first, at most limit of them (100
// when limit is 0 or less).
func (p *Portal) CallbackConflicts(ctx context.Context, limit int) ([]CallbackConflict, error) {
	rows, err := p.db.QueryContext(ctx, conflictSelect+` ORDER BY id DESC`+p.db.dialect.page("@limit", "@offset"),
		sql.Named("limit", listLimit(limit)), sql.Named("offset", 0))
	if err != nil {
		return nil, fmt.Errorf("store: callback conflicts: %w", err)
	}
	list, err := collect(rows, scanConflict)
	if err != nil {
		return nil, fmt.Errorf("store: callback conflicts: %w", err)
	}
	return list, nil
}

// ResolveConflict records how staff settled a callback kept for them (a bank collection for an
// account that does not exist: the money sent back, or taken at the counter for the right
// account), once, with its audit row ("payment.conflict_resolve") in the same transaction. A
// second resolution is a conflict and changes nothing; a missing one is not found.
func (p *Portal) ResolveConflict(ctx context.Context, id int64, resolution string, a Audit) (CallbackConflict, error) {
	fail := func(err error) (CallbackConflict, error) {
		return CallbackConflict{}, fmt.Errorf("store: resolve callback conflict %d: %w", id, err)
	}
	if !validAuditReason(resolution) {
		return fail(fmt.Errorf("resolution: want 1 to %d characters of text: %w", MaxAuditReason, billing.ErrInvalid))
	}
	a.Action, a.Target = "payment.conflict_resolve", fmt.Sprintf("conflict:%d", id)
	if a.Reason == "" {
		a.Reason = resolution
	}
	a.Before, a.After = "{}", "{}"
	if err := validateAudit(a); err != nil {
		return fail(err)
	}
	now := p.now().UTC().Truncate(time.Millisecond)
	var out CallbackConflict
	err := p.db.Transact(ctx, func(tx *sql.Tx) error {
		before, err := scanConflict(tx.QueryRowContext(ctx, conflictSelect+` WHERE id = @id`, sql.Named("id", id)))
		if errors.Is(err, sql.ErrNoRows) {
			return billing.ErrNotFound
		}
		if err != nil {
			return err
		}
		if !before.ResolvedAt.IsZero() {
			return fmt.Errorf("resolved already at %s: %w", before.ResolvedAt.Format(time.RFC3339), billing.ErrConflict)
		}
		res, err := tx.ExecContext(ctx, `UPDATE callback_conflicts SET resolved_at = @at, resolved_by = @by, resolution = @resolution
WHERE id = @id AND resolved_at IS NULL`,
			sql.Named("at", timestamp(now)), sql.Named("by", sql.NullInt64{Int64: a.StaffID, Valid: a.StaffID > 0}),
			sql.Named("resolution", resolution), sql.Named("id", id))
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
		type state struct {
			Kind       ConflictKind  `json:"kind"`
			Provider   string        `json:"provider"`
			Txn        string        `json:"provider_txn_id"`
			AccountNo  string        `json:"account_no,omitempty"`
			AmountFen  billing.Money `json:"amount_fen"`
			Resolution string        `json:"resolution,omitempty"`
		}
		b, err := json.Marshal(state{before.Kind, before.Provider, before.ProviderTxnID, before.AccountNo, before.Amount, ""})
		if err != nil {
			return err
		}
		af, err := json.Marshal(state{before.Kind, before.Provider, before.ProviderTxnID, before.AccountNo, before.Amount, resolution})
		if err != nil {
			return err
		}
		a.Before, a.After = string(b), string(af)
		return p.insertAudit(ctx, tx, now, a)
	})
	if err != nil {
		return fail(err)
	}
	return out, nil
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
	if !validCallback(cb) || cb.Provider != o.Channel || cb.OutTradeNo != "" {
		return fail(billing.ErrInvalid)
	}
	if cb.AccountNo == "" {
		cb.AccountNo = o.AccountNo
	}
	if cb.AccountNo != o.AccountNo {
		return fail(billing.ErrInvalid)
	}
	headers, err := json.Marshal(cb.Header)
	if err != nil {
		return fail(err)
	}
	kept := cb
	kept.OutTradeNo = o.OutTradeNo
	// A bank that retries sends copies of a collection already kept: answer them without queueing.
	if dup, found, err := p.repeatedCallback(ctx, p.db, cb, headers); err != nil || found {
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
		dup, found, err := p.repeatedCallback(ctx, tx, cb, headers)
		if err != nil || found {
			res = dup
			return err
		}
		if _, _, err := p.createOrder(ctx, tx, o, now); err != nil {
			return err
		}
		if err := p.keepCallback(ctx, tx, kept, headers); err != nil {
			return err
		}
		res, err = p.markPaid(ctx, tx, o.OutTradeNo, cb.ProviderTxnID, cb.Amount, cb.PaidAt)
		return err
	})
	if p.db.dialect.duplicate(err) {
		// Another copy kept the callback first: answer with the order it was kept for.
		dup, found, kerr := p.repeatedCallback(ctx, p.db, cb, headers)
		if kerr == nil && found {
			return dup, nil
		}
		err = errors.Join(err, kerr)
	}
	if err != nil {
		return fail(err)
	}
	p.ordersChanged(ctx, res.Order.AccountNo)
	return res, nil
}

// repeatedCallback looks for the callback kept for cb's provider transaction. When there is one,
// cb is a duplicate (PaymentDuplicate, with the order it was kept for) if it reports the same order
// (or, for a bank collection, the same account) and the same amount; otherwise it is kept for staff
// and reports PaymentConflict: money must never be dropped as a duplicate, nor posted twice.
func (p *Portal) repeatedCallback(ctx context.Context, q querier, cb Callback, headers []byte) (MarkPaidResult, bool, error) {
	var keptFor string
	err := p.db.queryRow(ctx, q, `SELECT out_trade_no FROM callbacks WHERE provider = @p AND provider_txn_id = @txn`,
		sql.Named("p", cb.Provider), sql.Named("txn", cb.ProviderTxnID)).Scan(&keptFor)
	if errors.Is(err, sql.ErrNoRows) {
		return MarkPaidResult{}, false, nil
	}
	if err != nil {
		return MarkPaidResult{}, false, err
	}
	res, err := p.repeatedCallbackOf(ctx, q, cb, headers, keptFor)
	return res, err == nil, err
}

// orderAndKeptSelect reads the order @out with one more column: the order the callback of provider
// @p's transaction @txn was kept for, NULL when none was.
var orderAndKeptSelect = strings.TrimSuffix(orderSelect, "\nFROM payment_orders") + `,
       (SELECT c.out_trade_no FROM callbacks c WHERE c.provider = @p AND c.provider_txn_id = @txn)
FROM payment_orders WHERE out_trade_no = @out`

// withColumn is a row whose last column goes to extra, after the columns its caller scans.
type withColumn struct {
	row   rowScanner
	extra any
}

func (w withColumn) Scan(dest ...any) error { return w.row.Scan(append(dest, w.extra)...) }

// repeatedCallbackOf is repeatedCallback once the callback of cb's provider transaction was found,
// kept for order keptFor.
func (p *Portal) repeatedCallbackOf(ctx context.Context, q querier, cb Callback, headers []byte, keptFor string) (MarkPaidResult, error) {
	o, err := p.orderWhere(ctx, q, "out_trade_no = @out", sql.Named("out", keptFor))
	if err != nil {
		return MarkPaidResult{}, err
	}
	var kind ConflictKind
	switch {
	case cb.AccountNo != "" && cb.AccountNo != o.AccountNo:
		kind = ConflictAccount
	case cb.AccountNo == "" && cb.OutTradeNo != keptFor:
		kind = ConflictOrder
	case cb.Amount != o.PaidAmount:
		kind = ConflictAmount
	default:
		return MarkPaidResult{Outcome: PaymentDuplicate, Order: o}, nil
	}
	if err := p.keepConflict(ctx, q, cb, kind, keptFor, headers); err != nil {
		return MarkPaidResult{}, err
	}
	return MarkPaidResult{Outcome: PaymentConflict, Order: o}, nil
}
