package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gridpay/internal/billing"
)

// Payment order limits.
const (
	// MaxOrderAmount is the most one order may ask: 10,000,000.00 yuan, far above any county bill,
	// so that a typo or an attack cannot ask a provider for an absurd sum.
	MaxOrderAmount billing.Money = 1_000_000_000
	// MaxOrderNote bounds the note of an order event, in UTF-16 code units as NVARCHAR(500) counts.
	MaxOrderNote = 500
	// MaxCodeURL bounds a provider's code_url, the text a QR code carries.
	MaxCodeURL = 512
	// MaxPayer bounds an order's payer key (Order.Payer).
	MaxPayer = 80
)

// maxOrdersListed bounds one page of OpenOrders and UnackedOutbox.
const maxOrdersListed = 1000

// Order is a payment order: one attempt by a customer (or someone paying for them, 代缴) to pay an
// account through a channel.
type Order struct {
	ID         int64
	OutTradeNo string // ours, sent to the provider (商户订单号)
	AccountNo  string
	PayerPhone string // "" when the payer was not signed in (代缴)
	// Payer is who may see and replace the order: a key payments makes (payments.PhonePayer,
	// payments.TokenPayer), never a secret itself; "" for orders from before payers were kept.
	Payer   string
	Channel string         // wechat | alipay | bank
	Way     billing.PayWay // how it is paid: by a code, or in place on the phone
	// OpenID is the WeChat customer a billing.PayJSAPI order was placed for; "" for other ways.
	OpenID  string
	Amount  billing.Money
	Status  billing.OrderStatus
	CodeURL string // what the QR code carries; "" until the provider gave it, and for ways without a code
	// ProviderTxnID, PaidAmount and PaidAt are what the provider reported when the money arrived;
	// empty until then. PaidAmount differs from Amount only on a flagged order.
	ProviderTxnID   string
	PaidAmount      billing.Money
	PaidAt          time.Time
	PostedReceiptNo string // the core database's receipt (收费流水号), once posted
	ExpiresAt       time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
	Events          []OrderEvent // the timeline, oldest first; only OrderByID fills it
}

// OrderEvent is one step of an order's timeline.
type OrderEvent struct {
	ID   int64
	At   time.Time
	From billing.OrderStatus // "" for the order's creation
	To   billing.OrderStatus // equals From for a note that changed no status
	Note string
}

// NewOrder is an order to be created. The caller makes OutTradeNo (payments.NewOutTradeNo).
type NewOrder struct {
	OutTradeNo string
	AccountNo  string
	PayerPhone string // "" when the payer is not signed in (代缴)
	// Payer is the payer's key (Order.Payer): the one open order is per account, payer and channel.
	// It is printable ASCII of at most MaxPayer bytes.
	Payer   string
	Channel string
	// Way is how the order is to be paid; "" is billing.PayQR. The payer's open order paid another
	// way is replaced, as one of another amount is: a provider places an order one way for good.
	Way billing.PayWay
	// OpenID is the WeChat customer a billing.PayJSAPI order is for (WeChat pays it only for them):
	// letters, digits, - and _, at most MaxOpenID bytes; "" for the other ways. The payer's open order
	// for another customer is replaced, as one paid another way is.
	OpenID    string
	Amount    billing.Money
	ExpiresAt time.Time // when the provider stops taking payment for it; must be in the future
}

// OrderUpdate holds the columns a MoveOrder may set besides the status. Zero fields are left alone.
type OrderUpdate struct {
	CodeURL         string    // on CREATED -> PENDING: the provider's code
	ExpiresAt       time.Time // on CREATED -> PENDING: the provider's own expiry, when it has one
	PostedReceiptNo string    // on -> POSTED: the receipt the core database wrote
}

// orderChange is an OrderUpdate plus what only MarkPaid may set.
type orderChange struct {
	OrderUpdate
	providerTxnID string
	paidAmount    billing.Money
	paidAt        time.Time
}

func validateNewOrder(o NewOrder, now time.Time) error {
	switch {
	case !identifier(o.OutTradeNo, 32):
		return fmt.Errorf("order number: want 1 to 32 of 0-9 A-Z a-z _ -: %w", billing.ErrInvalid)
	case !billing.ValidAccountNo(o.AccountNo):
		return fmt.Errorf("account number: %w", billing.ErrInvalid)
	case o.PayerPhone != "" && !billing.ValidPhone(o.PayerPhone):
		return fmt.Errorf("payer phone: %w", billing.ErrInvalid)
	case !validPayer(o.Payer):
		return fmt.Errorf("payer: want at most %d bytes of printable ASCII: %w", MaxPayer, billing.ErrInvalid)
	case !validOrderChannel(o.Channel):
		return fmt.Errorf("channel: want wechat, alipay or bank: %w", billing.ErrInvalid)
	case o.Way != "" && !o.Way.Valid():
		return fmt.Errorf("way to pay: want qr, h5, wap or jsapi: %w", billing.ErrInvalid)
	case (o.Way == billing.PayJSAPI) != (o.OpenID != ""):
		return fmt.Errorf("openid: a jsapi order needs one, and only a jsapi order has one: %w", billing.ErrInvalid)
	case o.OpenID != "" && !billing.ValidOpenID(o.OpenID):
		return fmt.Errorf("openid: want 1 to %d of 0-9 A-Z a-z _ -: %w", MaxOpenID, billing.ErrInvalid)
	case !validOrderAmount(o.Amount):
		return fmt.Errorf("amount %s: want 0.01 to %s: %w", o.Amount, MaxOrderAmount, billing.ErrInvalid)
	case !o.ExpiresAt.After(now):
		return fmt.Errorf("expiry %s is not in the future: %w", o.ExpiresAt.UTC().Format(time.RFC3339), billing.ErrInvalid)
	}
	return nil
}

// validPayer reports whether s fits the payer column: at most MaxPayer bytes of printable ASCII
// without spaces, nothing a collation could fold or trim.
func validPayer(s string) bool {
	if len(s) > MaxPayer {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

func validateOrderUpdate(u OrderUpdate) error {
	switch {
	case u.CodeURL != "" && !validCodeURL(u.CodeURL):
		return fmt.Errorf("code url: want 1 to %d bytes of printable ASCII: %w", MaxCodeURL, billing.ErrInvalid)
	case u.PostedReceiptNo != "" && !identifier(u.PostedReceiptNo, 32):
		return fmt.Errorf("receipt number: want 1 to 32 of 0-9 A-Z a-z _ -: %w", billing.ErrInvalid)
	}
	return nil
}

const orderSelect = `SELECT id, out_trade_no, account_no, payer_phone, payer, channel, amount_fen, status, code_url,
       provider_txn_id, paid_fen, paid_at, posted_receipt_no, expires_at, created_at, updated_at, pay_way, payer_openid
FROM payment_orders`

func scanOrder(row interface{ Scan(...any) error }) (Order, error) {
	var (
		o                         Order
		phone, txn, receipt       sql.NullString
		paidAmount                sql.NullInt64
		status, way               string
		paidAt                    sql.Null[timestamp]
		expires, created, updated timestamp
	)
	err := row.Scan(&o.ID, &o.OutTradeNo, &o.AccountNo, &phone, &o.Payer, &o.Channel, &o.Amount, &status, &o.CodeURL,
		&txn, &paidAmount, &paidAt, &receipt, &expires, &created, &updated, &way, &o.OpenID)
	o.PayerPhone, o.ProviderTxnID, o.PostedReceiptNo = phone.String, txn.String, receipt.String
	o.Status, o.PaidAmount, o.Way = billing.OrderStatus(status), billing.Money(paidAmount.Int64), billing.PayWay(way)
	if paidAt.Valid {
		o.PaidAt = time.Time(paidAt.V)
	}
	o.ExpiresAt, o.CreatedAt, o.UpdatedAt = time.Time(expires), time.Time(created), time.Time(updated)
	return o, err
}

// orderWhere reads one order by a condition on its columns. No order is billing.ErrNotFound.
func (p *Portal) orderWhere(ctx context.Context, q querier, where string, args ...any) (Order, error) {
	o, err := scanOrder(p.db.queryRow(ctx, q, orderSelect+" WHERE "+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Order{}, billing.ErrNotFound
	}
	return o, err
}

// lockedOrder reads one order by a condition, as orderWhere does, for a transaction that will
// change it: it takes the order's lock (lockOrders) and reads the order again, so that what the
// caller sees is what the previous writer committed and stays so until tx ends.
func (p *Portal) lockedOrder(ctx context.Context, tx *sql.Tx, where string, args ...any) (Order, error) {
	o, err := p.orderWhere(ctx, tx, where, args...)
	if err != nil {
		return Order{}, err
	}
	if p.db.dialect.applock == "" {
		// The transaction holds the database's one write lock (SQLite): what it read is what the
		// previous writer committed, and no one changes it before tx ends.
		return o, nil
	}
	if err := p.lockOrders(ctx, tx, o.AccountNo, o.Channel); err != nil {
		return Order{}, err
	}
	return p.orderWhere(ctx, tx, "id = @id", sql.Named("id", o.ID))
}

// lockOrders makes the transactions that change an account's orders on one channel (creating,
// replacing, paying, moving them) run one after another across processes; see dialect.lock.
func (p *Portal) lockOrders(ctx context.Context, tx *sql.Tx, accountNo, channel string) error {
	return p.db.lock(ctx, tx, "gridpay:orders:"+accountNo+":"+channel)
}

// CreateOrder opens an order for an account, payer and channel. A payer has at most one open order
// (CREATED or PENDING) per account and channel, and several payers may pay one account at once:
// when the payer's open order is for the same amount and has not expired, it is returned with
// created false, so that a second tap on Pay shows the same QR code. The payer's open order for
// another amount, or an expired one, is closed and the new one created, in one transaction; other
// payers' orders are left alone. Concurrent calls for one account and channel run one after the
// other (lockOrders), so each sees the order the one before it opened; the one-open-order index
// backs this up: a call that still loses on it starts again and finds the winner's order. An order
// number already used is a conflict.
func (p *Portal) CreateOrder(ctx context.Context, o NewOrder) (Order, bool, error) {
	now := p.now().UTC().Truncate(time.Millisecond)
	if err := validateNewOrder(o, now); err != nil {
		return Order{}, false, fmt.Errorf("store: create order: %w", err)
	}
	const attempts = 3
	for attempt := 1; ; attempt++ {
		var (
			out     Order
			created bool
		)
		err := p.db.Transact(ctx, func(tx *sql.Tx) error {
			var err error
			out, created, err = p.createOrder(ctx, tx, o, now)
			return err
		})
		// A duplicate key here is the one-open-order index: another transaction opened an order for
		// the account, payer and channel after this one looked, which the lock should have prevented. The
		// next attempt sees that order.
		if err != nil && p.db.dialect.duplicate(err) && attempt < attempts {
			continue
		}
		if err != nil {
			return Order{}, false, fmt.Errorf("store: create order %s: %w", o.OutTradeNo, err)
		}
		return out, created, nil
	}
}

func (p *Portal) createOrder(ctx context.Context, tx *sql.Tx, o NewOrder, now time.Time) (Order, bool, error) {
	if o.Way == "" {
		o.Way = billing.PayQR
	}
	if err := p.lockOrders(ctx, tx, o.AccountNo, o.Channel); err != nil {
		return Order{}, false, err
	}
	open, err := p.openOrder(ctx, tx, o.AccountNo, o.Payer, o.Channel)
	switch {
	case errors.Is(err, billing.ErrNotFound):
	case err != nil:
		return Order{}, false, err
	case open.Amount == o.Amount && open.Way == o.Way && open.OpenID == o.OpenID && open.ExpiresAt.After(now):
		return open, false, nil
	default:
		// The timeline is shown to whoever holds an order number: it names no other order.
		note := fmt.Sprintf("replaced by a new order of %s", o.Amount)
		switch {
		case !open.ExpiresAt.After(now):
			note = "expired; replaced by a new order"
		case open.Amount == o.Amount && open.Way == o.Way:
			note = "replaced by a new order for another WeChat user"
		case open.Amount == o.Amount:
			note = fmt.Sprintf("replaced by a new order paid by %s", o.Way)
		}
		if err := p.changeOrder(ctx, tx, open.ID, open.Status, billing.OrderClosed, note, orderChange{}, now); err != nil {
			return Order{}, false, fmt.Errorf("close order %s: %w", open.OutTradeNo, err)
		}
	}

	var used int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM payment_orders WHERE out_trade_no = @out`,
		sql.Named("out", o.OutTradeNo)).Scan(&used); err != nil {
		return Order{}, false, err
	}
	if used > 0 {
		return Order{}, false, fmt.Errorf("order number already used: %w", billing.ErrConflict)
	}
	out := Order{OutTradeNo: o.OutTradeNo, AccountNo: o.AccountNo, PayerPhone: o.PayerPhone, Payer: o.Payer, Channel: o.Channel,
		Way: o.Way, OpenID: o.OpenID, Amount: o.Amount, Status: billing.OrderCreated, ExpiresAt: o.ExpiresAt.UTC().Truncate(time.Millisecond),
		CreatedAt: now, UpdatedAt: now}
	err = tx.QueryRowContext(ctx, p.db.dialect.insertID("payment_orders",
		"out_trade_no, account_no, payer_phone, payer, channel, pay_way, payer_openid, amount_fen, status, code_url, expires_at, created_at, updated_at",
		"@out, @no, @phone, @payer, @channel, @way, @openid, @amount, @status, '', @expires, @at, @at"),
		sql.Named("out", out.OutTradeNo), sql.Named("no", out.AccountNo),
		sql.Named("phone", sql.NullString{String: out.PayerPhone, Valid: out.PayerPhone != ""}), sql.Named("payer", out.Payer),
		sql.Named("channel", out.Channel), sql.Named("way", string(out.Way)), sql.Named("openid", out.OpenID), sql.Named("amount", out.Amount), sql.Named("status", string(out.Status)),
		sql.Named("expires", timestamp(out.ExpiresAt)), sql.Named("at", timestamp(now))).Scan(&out.ID)
	if err != nil {
		return Order{}, false, err
	}
	if err := p.db.insertOrderEvent(ctx, tx, out.ID, "", billing.OrderCreated, "", now); err != nil {
		return Order{}, false, err
	}
	return out, true, nil
}

// changeOrder moves order id from one status to another inside tx, compare-and-set on the current
// status, with the columns of c, and records the event. An order no longer in status from is
// billing.ErrConflict.
func (p *Portal) changeOrder(ctx context.Context, tx *sql.Tx, id int64, from, to billing.OrderStatus, note string, c orderChange, now time.Time) error {
	if err := billing.TransitionOrder(from, to); err != nil {
		return err
	}
	set := "status = @to, updated_at = @at"
	args := []any{sql.Named("to", string(to)), sql.Named("at", timestamp(now)), sql.Named("id", id), sql.Named("from", string(from))}
	if c.CodeURL != "" {
		set += ", code_url = @code_url"
		args = append(args, sql.Named("code_url", c.CodeURL))
	}
	if !c.ExpiresAt.IsZero() {
		set += ", expires_at = @expires"
		args = append(args, sql.Named("expires", timestamp(c.ExpiresAt)))
	}
	if c.PostedReceiptNo != "" {
		set += ", posted_receipt_no = @receipt"
		args = append(args, sql.Named("receipt", c.PostedReceiptNo))
	}
	if c.providerTxnID != "" {
		set += ", provider_txn_id = @txn, paid_fen = @paid, paid_at = @paid_at"
		args = append(args, sql.Named("txn", c.providerTxnID), sql.Named("paid", c.paidAmount), sql.Named("paid_at", timestamp(c.paidAt)))
	}
	res, err := p.db.exec(ctx, tx, `UPDATE payment_orders SET `+set+` WHERE id = @id AND status = @from`, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fmt.Errorf("order %d is no longer %s: %w", id, from, billing.ErrConflict)
	}
	return p.db.insertOrderEvent(ctx, tx, id, from, to, note, now)
}

// insertOrderEvent appends a step to an order's timeline; from "" is the creation.
func (db *DB) insertOrderEvent(ctx context.Context, q querier, orderID int64, from, to billing.OrderStatus, note string, at time.Time) error {
	_, err := db.exec(ctx, q, `INSERT INTO payment_events (order_id, at, from_status, to_status, note)
VALUES (@order, @at, @from, @to, @note)`,
		sql.Named("order", orderID), sql.Named("at", timestamp(at)),
		sql.Named("from", sql.NullString{String: string(from), Valid: from != ""}),
		sql.Named("to", string(to)), sql.Named("note", note))
	if err != nil {
		return fmt.Errorf("order %d event: %w", orderID, err)
	}
	return nil
}

// OpenOrder returns payer's open order (CREATED or PENDING) for the account on channel, or not
// found. The error names no payer: a payer key holds a phone.
func (p *Portal) OpenOrder(ctx context.Context, accountNo, payer, channel string) (Order, error) {
	o, err := p.openOrder(ctx, p.db, accountNo, payer, channel)
	if err != nil {
		return Order{}, fmt.Errorf("store: a payer's open order of %s on %s: %w", truncateText(accountNo, 16), truncateText(channel, 16), err)
	}
	return o, nil
}

func (p *Portal) openOrder(ctx context.Context, q querier, accountNo, payer, channel string) (Order, error) {
	return p.orderWhere(ctx, q, `account_no = @no AND payer = @payer AND channel = @channel AND status IN (@created, @pending)`,
		sql.Named("no", accountNo), sql.Named("payer", payer), sql.Named("channel", channel),
		sql.Named("created", string(billing.OrderCreated)), sql.Named("pending", string(billing.OrderPending)))
}

// OrderByOutTradeNo returns the order with our order number outTradeNo, without its timeline.
func (p *Portal) OrderByOutTradeNo(ctx context.Context, outTradeNo string) (Order, error) {
	if !identifier(outTradeNo, 32) {
		return Order{}, fmt.Errorf("store: order %q: %w", truncateText(outTradeNo, 40), billing.ErrInvalid)
	}
	o, err := p.orderWhere(ctx, p.db, "out_trade_no = @out", sql.Named("out", outTradeNo))
	if err != nil {
		return Order{}, fmt.Errorf("store: order %s: %w", outTradeNo, err)
	}
	return o, nil
}

// OrderByID returns an order with its timeline, oldest event first.
func (p *Portal) OrderByID(ctx context.Context, id int64) (Order, error) {
	o, err := p.orderWhere(ctx, p.db, "id = @id", sql.Named("id", id))
	if err == nil {
		o.Events, err = p.OrderEvents(ctx, id)
	}
	if err != nil {
		return Order{}, fmt.Errorf("store: order %d: %w", id, err)
	}
	return o, nil
}

// OrderState returns order id as OrderByID does but without its timeline: what a worker reads to
// decide what to do with the order, in one statement.
func (p *Portal) OrderState(ctx context.Context, id int64) (Order, error) {
	o, err := p.orderWhere(ctx, p.db, "id = @id", sql.Named("id", id))
	if err != nil {
		return Order{}, fmt.Errorf("store: order %d: %w", id, err)
	}
	return o, nil
}

// OrderEvents returns the timeline of an order, oldest event first.
func (p *Portal) OrderEvents(ctx context.Context, orderID int64) ([]OrderEvent, error) {
	rows, err := p.db.query(ctx, p.db, `SELECT id, at, from_status, to_status, note FROM payment_events
WHERE order_id = @order ORDER BY id`, sql.Named("order", orderID))
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row rowScanner) (OrderEvent, error) {
		var (
			e    OrderEvent
			at   timestamp
			from sql.NullString
			to   string
		)
		err := row.Scan(&e.ID, &at, &from, &to, &e.Note)
		e.At, e.From, e.To = time.Time(at), billing.OrderStatus(from.String), billing.OrderStatus(to)
		return e, err
	})
}

// listLimit gives a list 100 rows when it asks for none and at most maxOrdersListed.
func listLimit(limit int) int {
	switch {
	case limit <= 0:
		return 100
	case limit > maxOrdersListed:
		return maxOrdersListed
	}
	return limit
}

// OpenOrders returns open orders (CREATED or PENDING) created before olderThan, oldest first, at
// most limit of them (100 when limit is 0 or less, never more than 1000): the orders the active
// query (查单补单) asks their provider about, and closes when they expired.
func (p *Portal) OpenOrders(ctx context.Context, olderThan time.Time, limit int) ([]Order, error) {
	rows, err := p.db.QueryContext(ctx, orderSelect+` WHERE status IN (@created, @pending) AND created_at < @before
ORDER BY created_at, id`+p.db.dialect.page("@limit", "@offset"),
		sql.Named("created", string(billing.OrderCreated)), sql.Named("pending", string(billing.OrderPending)),
		sql.Named("before", timestamp(olderThan)), sql.Named("limit", listLimit(limit)), sql.Named("offset", 0))
	if err != nil {
		return nil, fmt.Errorf("store: open orders: %w", err)
	}
	list, err := collect(rows, scanOrder)
	if err != nil {
		return nil, fmt.Errorf("store: open orders: %w", err)
	}
	return list, nil
}

// MoveOrder moves order id from status from to status to, recording note in its timeline, and sets
// the columns set fills in (set may be nil). It is a compare-and-set: an order that is no longer in
// status from, or a move the state machine forbids (billing.TransitionOrder), is
// billing.ErrConflict and changes nothing. Moving to PAID is MarkPaid's alone, because a paid order
// must get its outbox row in the same transaction; a move to POSTED needs a receipt number, given
// now or before.
func (p *Portal) MoveOrder(ctx context.Context, id int64, from, to billing.OrderStatus, note string, set func(*OrderUpdate)) (Order, error) {
	var u OrderUpdate
	if set != nil {
		set(&u)
	}
	fail := func(err error) (Order, error) {
		return Order{}, fmt.Errorf("store: move order %d from %s to %s: %w", id, truncateText(string(from), 16),
			truncateText(string(to), 16), err)
	}
	if err := billing.TransitionOrder(from, to); err != nil {
		return fail(err)
	}
	switch {
	case to == billing.OrderPaid:
		return fail(fmt.Errorf("only MarkPaid marks an order paid: %w", billing.ErrInvalid))
	case !validOrderNote(note):
		return fail(fmt.Errorf("note: want valid UTF-8 of at most %d characters: %w", MaxOrderNote, billing.ErrInvalid))
	}
	if err := validateOrderUpdate(u); err != nil {
		return fail(err)
	}
	now := p.now().UTC().Truncate(time.Millisecond)
	if !u.ExpiresAt.IsZero() {
		u.ExpiresAt = u.ExpiresAt.UTC().Truncate(time.Millisecond)
	}
	var out Order
	err := p.db.Transact(ctx, func(tx *sql.Tx) error {
		o, err := p.lockedOrder(ctx, tx, "id = @id", sql.Named("id", id))
		if err != nil {
			return err
		}
		if o.Status != from {
			return fmt.Errorf("order is %s: %w", o.Status, billing.ErrConflict)
		}
		if to == billing.OrderPosted && u.PostedReceiptNo == "" && o.PostedReceiptNo == "" {
			return fmt.Errorf("a posted order needs its receipt number: %w", billing.ErrInvalid)
		}
		if err := p.changeOrder(ctx, tx, id, from, to, note, orderChange{OrderUpdate: u}, now); err != nil {
			return err
		}
		out, err = p.orderWhere(ctx, tx, "id = @id", sql.Named("id", id))
		return err
	})
	if err != nil {
		return fail(err)
	}
	p.ordersChanged(ctx, out.AccountNo)
	return out, nil
}

// MarkPosted records that order id, found in status from (PAID, or FLAGGED with the money to
// credit), was posted to the core database as receipt receiptNo: in ONE transaction the order moves
// to POSTED with its receipt number and timeline note, and outbox row outboxID is acknowledged. An
// order that another run posted already has only its outbox row acknowledged; an order in any other
// status is billing.ErrConflict and nothing changes, as is a missing outbox row billing.ErrNotFound.
func (p *Portal) MarkPosted(ctx context.Context, id int64, from billing.OrderStatus, receiptNo string, outboxID int64) error {
	fail := func(err error) error {
		return fmt.Errorf("store: mark order %d posted: %w", id, err)
	}
	if !identifier(receiptNo, 32) {
		return fail(fmt.Errorf("receipt number: want 1 to 32 of 0-9 A-Z a-z _ -: %w", billing.ErrInvalid))
	}
	now := p.now().UTC().Truncate(time.Millisecond)
	err := p.db.Transact(ctx, func(tx *sql.Tx) error {
		o, err := p.lockedOrder(ctx, tx, "id = @id", sql.Named("id", id))
		if err != nil {
			return err
		}
		switch o.Status {
		case billing.OrderPosted:
			// Posted by another run; the core database answered this one with the same receipt.
		case from:
			err = p.changeOrder(ctx, tx, id, from, billing.OrderPosted, "posted as "+receiptNo,
				orderChange{OrderUpdate: OrderUpdate{PostedReceiptNo: receiptNo}}, now)
		default:
			err = fmt.Errorf("order is %s: %w", o.Status, billing.ErrConflict)
		}
		if err != nil {
			return err
		}
		return p.ackOutbox(ctx, tx, outboxID, now)
	})
	if err != nil {
		return fail(err)
	}
	return nil
}

// PaymentOutcome says what MarkPaid did.
type PaymentOutcome string

// The outcomes of MarkPaid.
const (
	// PaymentPaid: the order moved to PAID and an outbox row will have it posted.
	PaymentPaid PaymentOutcome = "paid"
	// PaymentDuplicate: the same provider transaction was reported before; nothing changed.
	PaymentDuplicate PaymentOutcome = "duplicate"
	// PaymentFlagged: the order moved to FLAGGED for staff. It is posted anyway (an outbox row was
	// written) when the right amount arrived after the order was closed; a wrong amount waits for
	// staff.
	PaymentFlagged PaymentOutcome = "flagged"
)

// MarkPaidResult is what MarkPaid did and the order as it stands afterwards.
type MarkPaidResult struct {
	Outcome PaymentOutcome
	Order   Order
	// OutboxID is the payment:post outbox row this call wrote, 0 when it wrote none. When it is not
	// 0, the caller enqueues the payment:post task for Order.ID after the commit (the outbox
	// sweeper enqueues it again if that is lost).
	OutboxID int64
}

// MarkPaid records that the provider took payment for order outTradeNo in its transaction
// providerTxnID. In one transaction it moves the order and writes its timeline and, when the money
// is to be posted, an outbox row of kind OutboxPostPayment:
//   - PENDING (or CREATED, when the provider took payment before PENDING was recorded) and the
//     amount asked: PAID, with an outbox row;
//   - CLOSED and the amount asked: FLAGGED, with an outbox row, since money paid after close is
//     still the customer's and is credited;
//   - another amount: FLAGGED, with no outbox row, for staff to post or refund;
//   - FLAGGED by staff before any payment: stays FLAGGED, the payment recorded, no outbox row.
//
// The same provider transaction and amount again changes nothing and reports PaymentDuplicate. An
// order paid by another provider transaction, or a transaction that already paid another order, is
// billing.ErrConflict; an unknown order is billing.ErrNotFound.
func (p *Portal) MarkPaid(ctx context.Context, outTradeNo, providerTxnID string, amount billing.Money, paidAt time.Time) (MarkPaidResult, error) {
	fail := func(err error) (MarkPaidResult, error) {
		return MarkPaidResult{}, fmt.Errorf("store: mark order %s paid: %w", truncateText(outTradeNo, 40), err)
	}
	switch {
	case !identifier(outTradeNo, 32):
		return fail(fmt.Errorf("order number: want 1 to 32 of 0-9 A-Z a-z _ -: %w", billing.ErrInvalid))
	case !identifier(providerTxnID, 64):
		return fail(fmt.Errorf("provider transaction id: want 1 to 64 of 0-9 A-Z a-z _ -: %w", billing.ErrInvalid))
	case !validOrderAmount(amount):
		return fail(fmt.Errorf("amount %s: want 0.01 to %s: %w", amount, MaxOrderAmount, billing.ErrInvalid))
	case paidAt.IsZero():
		return fail(fmt.Errorf("payment time missing: %w", billing.ErrInvalid))
	}
	var res MarkPaidResult
	err := p.db.Transact(ctx, func(tx *sql.Tx) error {
		var err error
		res, err = p.markPaid(ctx, tx, outTradeNo, providerTxnID, amount, paidAt)
		return err
	})
	if p.db.dialect.duplicate(err) {
		// The one unique index an update of a single order can break: (channel, provider_txn_id).
		err = fmt.Errorf("transaction %s already paid another order: %w", providerTxnID, billing.ErrConflict)
	}
	if err != nil {
		return fail(err)
	}
	p.ordersChanged(ctx, res.Order.AccountNo)
	return res, nil
}

// markPaid is MarkPaid inside the caller's transaction.
func (p *Portal) markPaid(ctx context.Context, tx *sql.Tx, outTradeNo, providerTxnID string, amount billing.Money, paidAt time.Time) (MarkPaidResult, error) {
	o, err := p.lockedOrder(ctx, tx, "out_trade_no = @out", sql.Named("out", outTradeNo))
	if err != nil {
		return MarkPaidResult{}, err
	}
	return p.markPaidLocked(ctx, tx, o, providerTxnID, amount, paidAt)
}

// markPaidLocked is markPaid of order o, read by lockedOrder in tx.
func (p *Portal) markPaidLocked(ctx context.Context, tx *sql.Tx, o Order, providerTxnID string, amount billing.Money, paidAt time.Time) (MarkPaidResult, error) {
	now := p.now().UTC().Truncate(time.Millisecond)
	paid := orderChange{providerTxnID: providerTxnID, paidAmount: amount, paidAt: paidAt.UTC().Truncate(time.Millisecond)}
	var res MarkPaidResult
	err := func() error {
		var err error
		if o.ProviderTxnID != "" {
			if o.ProviderTxnID != providerTxnID || o.PaidAmount != amount {
				return fmt.Errorf("already paid by transaction %s of %s: %w", o.ProviderTxnID, o.PaidAmount, billing.ErrConflict)
			}
			res.Outcome, res.Order = PaymentDuplicate, o
			return nil
		}
		post := amount == o.Amount
		mismatch := fmt.Sprintf("%s: order of %s, paid %s", noteAmountMismatch, o.Amount, amount)
		switch o.Status {
		case billing.OrderCreated:
			if err := p.changeOrder(ctx, tx, o.ID, billing.OrderCreated, billing.OrderPending,
				"provider took payment before the order was recorded pending", orderChange{}, now); err != nil {
				return err
			}
			fallthrough
		case billing.OrderPending:
			if post {
				res.Outcome = PaymentPaid
				err = p.changeOrder(ctx, tx, o.ID, billing.OrderPending, billing.OrderPaid, "paid", paid, now)
			} else {
				res.Outcome = PaymentFlagged
				err = p.changeOrder(ctx, tx, o.ID, billing.OrderPending, billing.OrderFlagged, mismatch, paid, now)
			}
		case billing.OrderClosed:
			note := notePaidAfterClose + ": credited"
			if !post {
				note = notePaidAfterClose + "; " + mismatch
			}
			res.Outcome = PaymentFlagged
			err = p.changeOrder(ctx, tx, o.ID, billing.OrderClosed, billing.OrderFlagged, note, paid, now)
		case billing.OrderFlagged:
			// Staff flagged it before any money came: record the money, leave the decision to them.
			post = false
			res.Outcome = PaymentFlagged
			err = p.recordPaymentOnFlagged(ctx, tx, o.ID, paid, now)
		default:
			return fmt.Errorf("order is %s without a provider transaction: %w", o.Status, billing.ErrConflict)
		}
		if err != nil {
			return err
		}
		if post {
			if res.OutboxID, err = p.insertOutbox(ctx, tx, OutboxPostPayment, o.ID, now); err != nil {
				return err
			}
		}
		// The order as the updates above left it, without reading it again: every column they set
		// is here, as the database keeps it (times in UTC, to the millisecond).
		o.Status = billing.OrderFlagged
		if res.Outcome == PaymentPaid {
			o.Status = billing.OrderPaid
		}
		o.ProviderTxnID, o.PaidAmount, o.PaidAt, o.UpdatedAt = paid.providerTxnID, paid.paidAmount, paid.paidAt, now
		res.Order = o
		return nil
	}()
	return res, err
}

// recordPaymentOnFlagged keeps a payment reported for an order staff had flagged before any money
// came, with a timeline note that changes no status.
func (p *Portal) recordPaymentOnFlagged(ctx context.Context, tx *sql.Tx, id int64, c orderChange, now time.Time) error {
	res, err := p.db.exec(ctx, tx, `UPDATE payment_orders SET provider_txn_id = @txn, paid_fen = @paid, paid_at = @paid_at,
    updated_at = @at WHERE id = @id AND status = @flagged AND provider_txn_id IS NULL`,
		sql.Named("txn", c.providerTxnID), sql.Named("paid", c.paidAmount), sql.Named("paid_at", timestamp(c.paidAt)),
		sql.Named("at", timestamp(now)), sql.Named("id", id), sql.Named("flagged", string(billing.OrderFlagged)))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fmt.Errorf("order %d changed meanwhile: %w", id, billing.ErrConflict)
	}
	return p.db.insertOrderEvent(ctx, tx, id, billing.OrderFlagged, billing.OrderFlagged,
		fmt.Sprintf("paid %s while flagged: staff decide", c.paidAmount), now)
}

// InFlight reports whether the account has money on its way to posting: an order that received its
// money and is in one of billing.InFlightStatuses (PAID, or FLAGGED for staff). The rule is
// billing's (OrderStatus.InFlight); the query is built from its list of statuses, so that the two
// cannot drift apart, and InFlightAccounts asks the same of a batch. Such money stops the legal
// clock (docs/domain.md): no reminder and no notice while it is in flight.
func (p *Portal) InFlight(ctx context.Context, accountNo string) (bool, error) {
	if !billing.ValidAccountNo(accountNo) {
		return false, fmt.Errorf("store: payments in flight for %q: %w", truncateText(accountNo, 16), billing.ErrInvalid)
	}
	in, err := p.inFlight(ctx, []string{accountNo})
	if err != nil {
		return false, fmt.Errorf("store: payments in flight for %s: %w", accountNo, err)
	}
	return in[accountNo], nil
}
