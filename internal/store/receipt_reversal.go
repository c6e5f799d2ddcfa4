package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gridpay/internal/billing"
)

// ReverseReceipt reverses (冲正) the receipt of a refunded payment, in one transaction: what it paid
// on each bill is taken off again (the late fee accrued up to the payment date stays accrued: the
// customer owes it again from there), what it put on the prepaid balance is taken back, and the
// receipt is marked reversed by ref (the refund's number). Reversing again with the same ref
// changes nothing; with another ref it is a conflict. A prepaid part already spent on later bills
// cannot be taken back here: that is a conflict for staff.
func (c *Core) ReverseReceipt(ctx context.Context, channel, orderNo, ref string) (Receipt, error) {
	fail := func(err error) (Receipt, error) {
		return Receipt{}, fmt.Errorf("store: reverse receipt %s/%s: %w", channel, orderNo, err)
	}
	if !identifier(channel, 16) || !identifier(orderNo, 64) || !identifier(ref, 64) {
		return fail(billing.ErrInvalid)
	}
	d := c.db.dialect
	var r Receipt
	err := c.db.Transact(ctx, func(tx *sql.Tx) error {
		loaded, _, err := loadReceipt(ctx, tx, channel, orderNo)
		if err != nil {
			return err
		}
		r = loaded
		var prepaid billing.Money // lock the account first, as posting does
		if err := tx.QueryRowContext(ctx, `SELECT prepaid_fen FROM accounts`+d.updlock+` WHERE id = @id`,
			sql.Named("id", r.AccountID)).Scan(&prepaid); err != nil {
			return err
		}
		var reversedRef sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT reversal_ref FROM receipts WHERE id = @id`, sql.Named("id", r.ID)).Scan(&reversedRef); err != nil {
			return err
		}
		if reversedRef.Valid {
			if reversedRef.String != ref {
				return fmt.Errorf("already reversed by %s: %w", reversedRef.String, billing.ErrConflict)
			}
			return nil
		}
		if r.Prepaid > prepaid {
			return fmt.Errorf("its prepaid part %s is partly spent (balance %s): %w", r.Prepaid, prepaid, billing.ErrConflict)
		}
		for _, a := range r.Allocations {
			if err := unsettle(ctx, tx, d, a); err != nil {
				return err
			}
		}
		now := c.now().UTC().Truncate(time.Millisecond)
		if r.Prepaid > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE accounts SET prepaid_fen = prepaid_fen - @d WHERE id = @acc`,
				sql.Named("d", r.Prepaid), sql.Named("acc", r.AccountID)); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO prepaid_ledger (account_id, entry_on, delta_fen, balance_fen, reason, receipt_id)
VALUES (@acc, @on, @d, @bal, 'refund', @r)`, sql.Named("acc", r.AccountID), sql.Named("on", date(billing.DateOf(now))),
				sql.Named("d", -r.Prepaid), sql.Named("bal", prepaid-r.Prepaid), sql.Named("r", r.ID)); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE receipts SET reversed_at = @at, reversal_ref = @ref WHERE id = @id`,
			sql.Named("at", timestamp(now)), sql.Named("ref", ref), sql.Named("id", r.ID))
		return err
	})
	if err != nil {
		return fail(err)
	}
	return r, nil
}

// unsettle takes one allocation off its bill and recomputes the bill's status.
func unsettle(ctx context.Context, tx *sql.Tx, d dialect, a Allocation) error {
	b, err := scanBill(tx.QueryRowContext(ctx, `SELECT `+billColumns+` FROM bills b`+d.updlock+`
JOIN tariffs tf ON tf.id = b.tariff_id WHERE b.id = @id`, sql.Named("id", a.BillID)))
	if err != nil {
		return fmt.Errorf("bill %d: %w", a.BillID, err)
	}
	bal := b.Balance
	bal.PrincipalPaid -= a.Principal
	bal.FeePaid -= a.Fee
	if bal.PrincipalPaid < 0 || bal.FeePaid < 0 {
		return fmt.Errorf("bill %d would be paid below zero: %w", a.BillID, billing.ErrConflict)
	}
	_, err = tx.ExecContext(ctx, `UPDATE bills SET principal_paid_fen = @pp, fee_paid_fen = @fp, status = @status WHERE id = @id`,
		sql.Named("pp", bal.PrincipalPaid), sql.Named("fp", bal.FeePaid), sql.Named("status", string(bal.Status())), sql.Named("id", a.BillID))
	return err
}

// ReceiptOf returns the receipt posted for a channel's order, or not found.
func (c *Core) ReceiptOf(ctx context.Context, channel, orderNo string) (Receipt, error) {
	r, _, err := loadReceipt(ctx, c.db, channel, orderNo)
	if err != nil {
		return Receipt{}, fmt.Errorf("store: %w", err)
	}
	return r, nil
}
