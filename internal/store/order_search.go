package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"gridpay/internal/billing"
)

// MaxSearchDays is the longest time range SearchOrders takes without an exact key or a status: a
// month of a county's orders is a page staff can read, and no search scans the whole table.
const MaxSearchDays = 31

// maxOrderCallbacks bounds the callbacks OrderCallbacks returns: a provider retries a few times,
// and a conflict is kept once per report.
const maxOrderCallbacks = 1000

// OrderQuery is what staff search payment orders by. The keys are exact; zero fields select every
// order.
type OrderQuery struct {
	AccountNo     string // exact
	OutTradeNo    string // exact
	ProviderTxnID string // exact
	// ReceiptNo is exact: the core receipt the order was posted as (posted_receipt_no).
	ReceiptNo string
	Statuses  []billing.OrderStatus // none: all
	Channel   string
	// From and To bound created_at to [From, To); a zero time leaves that end open.
	From, To time.Time
}

// bounded reports whether q selects a bounded part of the orders table: by an exact key, a status,
// or a time range of at most MaxSearchDays.
func (q OrderQuery) bounded() bool {
	return q.AccountNo != "" || q.OutTradeNo != "" || q.ProviderTxnID != "" || q.ReceiptNo != "" || len(q.Statuses) > 0 ||
		!q.From.IsZero() && !q.To.IsZero() && q.To.Sub(q.From) <= MaxSearchDays*24*time.Hour
}

func validateOrderQuery(q OrderQuery) error {
	switch {
	case q.AccountNo != "" && !billing.ValidAccountNo(q.AccountNo):
		return fmt.Errorf("account number: %w", billing.ErrInvalid)
	case q.OutTradeNo != "" && !identifier(q.OutTradeNo, 32):
		return fmt.Errorf("order number: want 1 to 32 of 0-9 A-Z a-z _ -: %w", billing.ErrInvalid)
	case q.ProviderTxnID != "" && !identifier(q.ProviderTxnID, 64):
		return fmt.Errorf("provider transaction id: want 1 to 64 of 0-9 A-Z a-z _ -: %w", billing.ErrInvalid)
	case q.ReceiptNo != "" && !identifier(q.ReceiptNo, 32):
		return fmt.Errorf("receipt number: want 1 to 32 of 0-9 A-Z a-z _ -: %w", billing.ErrInvalid)
	case len(q.Statuses) > len(billing.OrderStatuses()):
		return fmt.Errorf("%d statuses: want at most %d: %w", len(q.Statuses), len(billing.OrderStatuses()), billing.ErrInvalid)
	case q.Channel != "" && !validOrderChannel(q.Channel):
		return fmt.Errorf("channel: want wechat, alipay or bank: %w", billing.ErrInvalid)
	case !q.From.IsZero() && !plausibleDate(q.From.UTC()) || !q.To.IsZero() && !plausibleDate(q.To.UTC()):
		return fmt.Errorf("want times in 2000-2099: %w", billing.ErrInvalid)
	case !q.From.IsZero() && !q.To.IsZero() && !q.To.After(q.From):
		return fmt.Errorf("%s is not after %s: %w", q.To.UTC().Format(time.RFC3339), q.From.UTC().Format(time.RFC3339), billing.ErrInvalid)
	case !q.bounded():
		return fmt.Errorf("want an account, order, transaction or receipt number, a status, or at most %d days: %w",
			MaxSearchDays, billing.ErrInvalid)
	}
	for _, s := range q.Statuses {
		if !s.Valid() {
			return fmt.Errorf("status %q: %w", truncateText(string(s), 16), billing.ErrInvalid)
		}
	}
	return nil
}

// SearchOrders returns a page of the orders q selects, newest first, and how many it selects in
// all. At least one of the exact keys, a status, or a time range of at most MaxSearchDays is
// required; a query without any would scan the orders table and is billing.ErrInvalid.
func (p *Portal) SearchOrders(ctx context.Context, q OrderQuery, page Page) ([]Order, int, error) {
	fail := func(err error) ([]Order, int, error) { return nil, 0, fmt.Errorf("store: search orders: %w", err) }
	if err := validateOrderQuery(q); err != nil {
		return fail(err)
	}
	page = page.normalized()
	// Each condition is fixed text; only the parameters vary.
	where, args := []string{"1 = 1"}, []any{}
	add := func(cond, name string, v any) {
		where, args = append(where, cond), append(args, sql.Named(name, v))
	}
	if q.AccountNo != "" {
		add("account_no = @no", "no", q.AccountNo)
	}
	if q.OutTradeNo != "" {
		add("out_trade_no = @out", "out", q.OutTradeNo)
	}
	if q.ProviderTxnID != "" {
		add("provider_txn_id = @txn", "txn", q.ProviderTxnID)
	}
	if q.ReceiptNo != "" {
		add("posted_receipt_no = @receipt", "receipt", q.ReceiptNo)
	}
	if q.Channel != "" {
		add("channel = @channel", "channel", q.Channel)
	}
	if !q.From.IsZero() {
		add("created_at >= @from", "from", timestamp(q.From))
	}
	if !q.To.IsZero() {
		add("created_at < @to", "to", timestamp(q.To))
	}
	if len(q.Statuses) > 0 {
		in := make([]string, len(q.Statuses))
		for i, s := range q.Statuses {
			in[i] = fmt.Sprintf("@s%d", i)
			args = append(args, sql.Named(fmt.Sprintf("s%d", i), string(s)))
		}
		where = append(where, "status IN ("+strings.Join(in, ", ")+")")
	}
	cond := " WHERE " + strings.Join(where, " AND ")
	var total int
	if err := p.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM payment_orders`+cond, args...).Scan(&total); err != nil {
		return fail(err)
	}
	rows, err := p.db.QueryContext(ctx, orderSelect+cond+` ORDER BY created_at DESC, id DESC`+p.db.dialect.page("@limit", "@offset"),
		append(args, sql.Named("limit", page.Limit), sql.Named("offset", page.Offset))...)
	if err != nil {
		return fail(err)
	}
	list, err := collect(rows, scanOrder)
	if err != nil {
		return fail(err)
	}
	return list, total, nil
}

// CallbackRecord is a provider callback as it was kept: the one taken for the order (Conflict "")
// or one answered but kept for staff (Conflict says why; see CallbackConflict).
type CallbackRecord struct {
	ID            int64
	Provider      string
	ProviderTxnID string
	OutTradeNo    string // the order it was kept for
	Conflict      ConflictKind
	Amount        billing.Money // as reported, for a conflict; 0 for the callback taken (see the order)
	Header        http.Header
	Body          []byte // exactly as it arrived
	Text          string // as people read it, where Body is not UTF-8
	ReceivedAt    time.Time
}

// OrderCallbacks returns the callbacks an order received, oldest first: the one that was taken, and
// those kept for staff that name the order or were reported against its transaction. Bodies are as
// they arrived. An unknown order is billing.ErrNotFound.
func (p *Portal) OrderCallbacks(ctx context.Context, orderID int64) ([]CallbackRecord, error) {
	fail := func(err error) ([]CallbackRecord, error) {
		return nil, fmt.Errorf("store: callbacks of order %d: %w", orderID, err)
	}
	o, err := p.orderWhere(ctx, p.db, "id = @id", sql.Named("id", orderID))
	if err != nil {
		return fail(err)
	}
	rows, err := p.db.QueryContext(ctx, `SELECT id, provider, provider_txn_id, out_trade_no, '' AS kind, 0 AS amount_fen,
       headers, body, body_text, received_at
FROM callbacks WHERE out_trade_no = @out
UNION ALL
SELECT id, provider, provider_txn_id, out_trade_no, kind, amount_fen, headers, body, body_text, received_at
FROM callback_conflicts WHERE out_trade_no = @out OR kept_out_trade_no = @out
ORDER BY received_at, id`+p.db.dialect.page("@limit", "@offset"),
		sql.Named("out", o.OutTradeNo), sql.Named("limit", maxOrderCallbacks), sql.Named("offset", 0))
	if err != nil {
		return fail(err)
	}
	list, err := collect(rows, func(row rowScanner) (CallbackRecord, error) {
		var (
			c       CallbackRecord
			kind    string
			headers string
			at      timestamp
		)
		err := row.Scan(&c.ID, &c.Provider, &c.ProviderTxnID, &c.OutTradeNo, &kind, &c.Amount, &headers, &c.Body, &c.Text, &at)
		if err == nil {
			err = json.Unmarshal([]byte(headers), &c.Header)
		}
		c.Conflict, c.ReceivedAt = ConflictKind(kind), time.Time(at)
		return c, err
	})
	if err != nil {
		return fail(err)
	}
	return list, nil
}
