package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gridpay/internal/billing"
)

// errAlreadyPosted tells PostPayment's retry path that another transaction posted the payment first.
var errAlreadyPosted = errors.New("already posted")

// PostPayment posts a payment to the account (销账) in one transaction: it settles late fees and
// principal oldest bill first per billing.Allocate, writes a receipt with a new receipt number and
// its allocations, and credits any rest to the prepaid balance. Posting the same channel and order
// number again changes nothing and returns the first receipt; the same order number with another
// account or amount is a conflict.
//
// Payments posted together share a transaction (PostPayments): the call returns once the
// transaction that holds its payment has committed, or with its own error.
func (c *Core) PostPayment(ctx context.Context, p Payment) (Receipt, error) {
	call := &postingCall{ctx: ctx, p: p}
	if err := validatePayment(p); err != nil {
		return Receipt{}, fmt.Errorf("store: post payment %s/%s: %w", p.Channel, p.OrderNo, err)
	}
	c.db.postings.do(call, batchSlots, maxPostingBatch, c.postBatch)
	return call.r, call.err
}

// maxPostingBatch is the most payments one transaction posts.
const maxPostingBatch = 32

// PostingResult is what PostPayments did with one payment: PostPayment's answer.
type PostingResult struct {
	Receipt Receipt
	Err     error
}

// PostPayments does what PostPayment does for each payment, all in one transaction when every one
// of them posts, by account number (so that transactions of several processes take the accounts'
// locks in one order) and, within an account, in the order given. When one fails (a payment
// posted before, an unknown account, the database), that transaction is rolled back and each
// payment is posted again in its own, so that one payment's failure never holds up another.
func (c *Core) PostPayments(ctx context.Context, ps []Payment) []PostingResult {
	calls := make([]*postingCall, len(ps))
	for i, p := range ps {
		calls[i] = &postingCall{ctx: ctx, p: p}
		if err := validatePayment(p); err != nil {
			calls[i].err = fmt.Errorf("store: post payment %s/%s: %w", p.Channel, p.OrderNo, err)
		}
	}
	c.postBatch(calls)
	out := make([]PostingResult, len(calls))
	for i, call := range calls {
		out[i] = PostingResult{Receipt: call.r, Err: call.err}
	}
	return out
}

// postingCall is one payment on its way through postBatch, with its outcome.
type postingCall struct {
	ctx context.Context
	p   Payment
	r   Receipt
	err error
}

// postBatch posts the payments of calls that passed validatePayment, recording each outcome in its
// call: all in one transaction, or each in its own when that one fails.
func (c *Core) postBatch(calls []*postingCall) {
	var todo []*postingCall
	for _, call := range calls {
		if call.err == nil {
			call.err = fmt.Errorf("store: post payment %s/%s: %w", call.p.Channel, call.p.OrderNo, errBatchAborted)
			todo = append(todo, call)
		}
	}
	// By account number, so that transactions of several processes take the accounts' locks in one
	// order; within an account, in the order given.
	sorted := slices.Clone(todo)
	slices.SortStableFunc(sorted, func(a, b *postingCall) int { return strings.Compare(a.p.AccountNo, b.p.AccountNo) })
	together := transactTogether(c.db, sorted, func(call *postingCall) context.Context { return call.ctx },
		func(ctx context.Context, tx *sql.Tx, call *postingCall) (err error) {
			call.r, err = c.postPayment(ctx, tx, call.p)
			return err
		})
	if together {
		for _, call := range todo {
			call.err = nil
		}
		return
	}
	for _, call := range todo {
		call.r, call.err = c.postPaymentAlone(call.ctx, call.p)
	}
}

// postPaymentAlone is PostPayment in a transaction of its own.
func (c *Core) postPaymentAlone(ctx context.Context, p Payment) (Receipt, error) {
	var r Receipt
	err := c.db.Transact(ctx, func(tx *sql.Tx) error {
		var err error
		r, err = c.postPayment(ctx, tx, p)
		return err
	})
	if errors.Is(err, errAlreadyPosted) || c.db.dialect.duplicate(err) {
		// Another transaction posted this payment first, unless the duplicate key was another one
		// (a receipt number, say): then no receipt of this payment is found and the error stands.
		first, ferr := existingReceipt(ctx, c.db, p)
		switch {
		case errors.Is(ferr, billing.ErrNotFound) && !errors.Is(err, errAlreadyPosted):
			err = fmt.Errorf("%w (and no receipt of this payment exists)", err)
		default:
			r, err = first, ferr
		}
	}
	if err != nil {
		return Receipt{}, fmt.Errorf("store: post payment %s/%s: %w", p.Channel, p.OrderNo, err)
	}
	return r, nil
}

func validatePayment(p Payment) error {
	switch {
	case !billing.ValidAccountNo(p.AccountNo):
		return fmt.Errorf("account number %q: %w", truncateText(p.AccountNo, 16), billing.ErrInvalid)
	case !identifier(p.Channel, 16):
		return fmt.Errorf("channel %q: %w", truncateText(p.Channel, 16), billing.ErrInvalid)
	case !identifier(p.OrderNo, 64):
		return fmt.Errorf("order number: want 1 to 64 of 0-9 A-Z a-z _ -: %w", billing.ErrInvalid)
	case p.Amount <= 0:
		return fmt.Errorf("amount %s: %w", p.Amount, billing.ErrInvalid)
	case p.PaidOn.IsZero():
		return fmt.Errorf("payment date missing: %w", billing.ErrInvalid)
	}
	return nil
}

func (c *Core) postPayment(ctx context.Context, sqlTx *sql.Tx, p Payment) (Receipt, error) {
	// Postings and reversals of one account run one after another (lockAccount), so the check for
	// an existing receipt and the bills read below are what the one before committed.
	if err := c.lockAccount(ctx, sqlTx, p.AccountNo); err != nil {
		return Receipt{}, err
	}
	tx := c.db.cachedOn(sqlTx)
	var accountID int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM accounts WHERE account_no = @no`,
		sql.Named("no", p.AccountNo)).Scan(&accountID)
	if errors.Is(err, sql.ErrNoRows) {
		return Receipt{}, fmt.Errorf("account %s: %w", p.AccountNo, billing.ErrNotFound)
	}
	if err != nil {
		return Receipt{}, err
	}
	var exists int
	err = tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM receipts WHERE channel = @channel AND order_no = @order`,
		sql.Named("channel", p.Channel), sql.Named("order", p.OrderNo)).Scan(&exists)
	if err != nil {
		return Receipt{}, err
	}
	if exists > 0 {
		return Receipt{}, errAlreadyPosted
	}

	open, err := openBills(ctx, tx, accountID)
	if err != nil {
		return Receipt{}, err
	}
	paidOn := billing.DateOf(p.PaidOn)
	alloc, err := billing.Allocate(open, p.Amount, paidOn, c.rates)
	if err != nil {
		return Receipt{}, err
	}

	seq, err := nextCounter(ctx, tx, "receipt")
	if err != nil {
		return Receipt{}, fmt.Errorf("receipt number: %w", err)
	}
	r := Receipt{
		No:        ReceiptNo(paidOn, seq),
		AccountID: accountID,
		Channel:   p.Channel,
		OrderNo:   p.OrderNo,
		Amount:    p.Amount,
		Prepaid:   alloc.Prepaid,
		PaidOn:    paidOn,
		PostedAt:  c.now().UTC().Truncate(1e6),
	}
	for _, a := range alloc.Bills {
		r.Fee += a.Fee
		r.Principal += a.Principal
		r.Allocations = append(r.Allocations, Allocation{BillID: a.BillID, Fee: a.Fee, Principal: a.Principal})
	}
	err = tx.QueryRowContext(ctx, c.db.dialect.insertID("receipts",
		"receipt_no, account_id, channel, order_no, amount_fen, fee_fen, principal_fen, prepaid_fen, paid_on, posted_at",
		"@no, @acc, @channel, @order, @amount, @fee, @principal, @prepaid, @paid_on, @posted_at"),
		sql.Named("no", r.No), sql.Named("acc", accountID), sql.Named("channel", r.Channel),
		sql.Named("order", r.OrderNo), sql.Named("amount", r.Amount), sql.Named("fee", r.Fee),
		sql.Named("principal", r.Principal), sql.Named("prepaid", r.Prepaid),
		sql.Named("paid_on", date(r.PaidOn)), sql.Named("posted_at", timestamp(r.PostedAt))).Scan(&r.ID)
	if err != nil {
		return Receipt{}, err
	}

	before := make(map[int64]billing.BillBalance, len(open))
	for _, b := range open {
		before[b.ID] = b
	}
	for _, a := range alloc.Bills {
		if err := settleBill(ctx, tx, r.ID, before[a.BillID], a); err != nil {
			return Receipt{}, err
		}
	}
	if alloc.Prepaid > 0 {
		if err := creditPrepaid(ctx, tx, accountID, alloc.Prepaid, paidOn, r.ID); err != nil {
			return Receipt{}, err
		}
	}
	return r, nil
}

// lockAccount makes the transactions that move money on one account (posting, reversal) run one
// after another across processes; see dialect.lock.
func (c *Core) lockAccount(ctx context.Context, tx *sql.Tx, accountNo string) error {
	return c.db.lock(ctx, tx, "gridpay:account:"+accountNo)
}

// settleBill adds a receipt's allocation to its bill and records it. The paid amounts move by
// relative updates, and only while the bill is still as it was read (was): a bill that changed
// meanwhile is a conflict, so two postings can never both add to one bill from the same reading.
func settleBill(ctx context.Context, tx querier, receiptID int64, was billing.BillBalance, a billing.Applied) error {
	b := a.After
	res, err := tx.ExecContext(ctx, `UPDATE bills SET principal_paid_fen = principal_paid_fen + @principal,
    fee_paid_fen = fee_paid_fen + @fee, fee_accrued_fen = @fa, accrued_through = @at, status = @status
WHERE id = @id AND principal_paid_fen = @was_pp AND fee_paid_fen = @was_fp`,
		sql.Named("principal", a.Principal), sql.Named("fee", a.Fee), sql.Named("fa", b.FeeAccrued),
		sql.Named("at", nullDateArg(b.AccruedThrough)), sql.Named("status", string(b.Status())), sql.Named("id", a.BillID),
		sql.Named("was_pp", was.PrincipalPaid), sql.Named("was_fp", was.FeePaid))
	if err := oneRow(res, err); err != nil {
		return fmt.Errorf("settle bill %d: %w", a.BillID, err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO receipt_allocations (receipt_id, bill_id, fee_fen, principal_fen)
VALUES (@r, @b, @fee, @principal)`,
		sql.Named("r", receiptID), sql.Named("b", a.BillID), sql.Named("fee", a.Fee), sql.Named("principal", a.Principal))
	if err != nil {
		return fmt.Errorf("allocate to bill %d: %w", a.BillID, err)
	}
	return nil
}

// oneRow turns the result of an UPDATE of one row by its key into an error: the statement's own,
// or billing.ErrConflict when the row was not as the WHERE clause expected. Only "no row" counts:
// on SQL Server the count also includes rows a trigger changed (an audit trigger of the utility's,
// say), so one row updated may be reported as more.
func oneRow(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	switch {
	case err != nil:
		return err
	case n == 0:
		return fmt.Errorf("changed meanwhile: %w", billing.ErrConflict)
	}
	return nil
}

// creditPrepaid adds delta to the account's prepaid balance and records it, with the balance it
// leaves, in the ledger.
func creditPrepaid(ctx context.Context, tx querier, accountID int64, delta billing.Money, on time.Time, receiptID int64) error {
	balance, err := movePrepaid(ctx, tx, accountID, delta)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO prepaid_ledger (account_id, entry_on, delta_fen, balance_fen, reason, receipt_id)
VALUES (@acc, @on, @d, @bal, 'payment', @r)`,
		sql.Named("acc", accountID), sql.Named("on", date(on)), sql.Named("d", delta),
		sql.Named("bal", balance), sql.Named("r", receiptID))
	if err != nil {
		return fmt.Errorf("prepaid ledger: %w", err)
	}
	return nil
}

// movePrepaid adds delta (negative to take money back) to the account's prepaid balance by a
// relative update that never takes it below zero, and returns the new balance, read back under the
// row lock the update holds. Not enough balance is billing.ErrConflict.
func movePrepaid(ctx context.Context, tx querier, accountID int64, delta billing.Money) (billing.Money, error) {
	res, err := tx.ExecContext(ctx, `UPDATE accounts SET prepaid_fen = prepaid_fen + @d
WHERE id = @acc AND prepaid_fen + @d >= 0`, sql.Named("d", delta), sql.Named("acc", accountID))
	if err := oneRow(res, err); err != nil {
		return 0, fmt.Errorf("prepaid balance %+d: %w", delta, err)
	}
	var balance billing.Money
	if err := tx.QueryRowContext(ctx, `SELECT prepaid_fen FROM accounts WHERE id = @acc`,
		sql.Named("acc", accountID)).Scan(&balance); err != nil {
		return 0, fmt.Errorf("prepaid balance: %w", err)
	}
	return balance, nil
}

// ReceiptNo formats a receipt number (收费流水号): "SF", the payment date, and an 8-digit sequence.
func ReceiptNo(paidOn time.Time, seq int64) string {
	return fmt.Sprintf("SF%s%08d", paidOn.Format("20060102"), seq)
}

// existingReceipt returns the receipt already posted for the payment's channel and order number,
// or a conflict when it was posted for another account or amount.
func existingReceipt(ctx context.Context, q querier, p Payment) (Receipt, error) {
	r, accountNo, err := loadReceipt(ctx, q, p.Channel, p.OrderNo)
	if err != nil {
		return Receipt{}, err
	}
	if accountNo != p.AccountNo || r.Amount != p.Amount {
		return Receipt{}, fmt.Errorf("order already posted as %s for another account or amount: %w", r.No, billing.ErrConflict)
	}
	return r, nil
}

// loadReceipt reads the receipt of a channel's order with its allocations, oldest bill first, and
// the number of the account it paid.
func loadReceipt(ctx context.Context, q querier, channel, orderNo string) (Receipt, string, error) {
	var (
		r         Receipt
		accountNo string
		paidOn    date
		postedAt  timestamp
	)
	err := q.QueryRowContext(ctx, `SELECT r.id, r.receipt_no, r.account_id, a.account_no, r.channel, r.order_no,
       r.amount_fen, r.fee_fen, r.principal_fen, r.prepaid_fen, r.paid_on, r.posted_at
FROM receipts r JOIN accounts a ON a.id = r.account_id
WHERE r.channel = @channel AND r.order_no = @order`,
		sql.Named("channel", channel), sql.Named("order", orderNo)).Scan(&r.ID, &r.No, &r.AccountID, &accountNo,
		&r.Channel, &r.OrderNo, &r.Amount, &r.Fee, &r.Principal, &r.Prepaid, &paidOn, &postedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Receipt{}, "", fmt.Errorf("receipt of %s/%s: %w", channel, orderNo, billing.ErrNotFound)
	}
	if err != nil {
		return Receipt{}, "", fmt.Errorf("existing receipt: %w", err)
	}
	r.PaidOn, r.PostedAt = timeOf(paidOn), time.Time(postedAt)
	rows, err := q.QueryContext(ctx, `SELECT a.bill_id, a.fee_fen, a.principal_fen FROM receipt_allocations a
JOIN bills b ON b.id = a.bill_id WHERE a.receipt_id = @r ORDER BY b.due_on, b.period, b.id`, sql.Named("r", r.ID))
	if err != nil {
		return Receipt{}, "", err
	}
	r.Allocations, err = collect(rows, func(row rowScanner) (Allocation, error) {
		var a Allocation
		err := row.Scan(&a.BillID, &a.Fee, &a.Principal)
		return a, err
	})
	if err != nil {
		return Receipt{}, "", err
	}
	return r, accountNo, nil
}
