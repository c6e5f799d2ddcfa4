package store

import (
	"context"
	"database/sql"
	"errors"
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
	var r Receipt
	err := c.db.Transact(ctx, func(tx *sql.Tx) error {
		// A receipt's amounts and allocations never change once posted; what may change is read
		// again below, once the account's lock is held.
		loaded, accountNo, err := loadReceipt(ctx, tx, channel, orderNo)
		if err != nil {
			return err
		}
		r = loaded
		if err := c.lockAccount(ctx, tx, accountNo); err != nil {
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
		for _, a := range r.Allocations {
			if err := unsettle(ctx, tx, a); err != nil {
				return err
			}
		}
		now := c.now().UTC().Truncate(time.Millisecond)
		if r.Prepaid > 0 {
			balance, err := movePrepaid(ctx, tx, r.AccountID, -r.Prepaid)
			if errors.Is(err, billing.ErrConflict) {
				return fmt.Errorf("its prepaid part %s is partly spent: %w", r.Prepaid, billing.ErrConflict)
			}
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO prepaid_ledger (account_id, entry_on, delta_fen, balance_fen, reason, receipt_id)
VALUES (@acc, @on, @d, @bal, 'refund', @r)`, sql.Named("acc", r.AccountID), sql.Named("on", date(billing.DateOf(now))),
				sql.Named("d", -r.Prepaid), sql.Named("bal", balance), sql.Named("r", r.ID)); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE receipts SET reversed_at = @at, reversal_ref = @ref
WHERE id = @id AND reversal_ref IS NULL`,
			sql.Named("at", timestamp(now)), sql.Named("ref", ref), sql.Named("id", r.ID))
		return oneRow(res, err)
	})
	if err != nil {
		return fail(err)
	}
	return r, nil
}

// unsettle takes one allocation off its bill by a relative update, only while the bill is as read
// (see settleBill), and recomputes the bill's status.
func unsettle(ctx context.Context, tx *sql.Tx, a Allocation) error {
	b, err := scanBill(tx.QueryRowContext(ctx, `SELECT `+billColumns+` FROM bills b
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
	res, err := tx.ExecContext(ctx, `UPDATE bills SET principal_paid_fen = principal_paid_fen - @principal,
    fee_paid_fen = fee_paid_fen - @fee, status = @status
WHERE id = @id AND principal_paid_fen = @was_pp AND fee_paid_fen = @was_fp`,
		sql.Named("principal", a.Principal), sql.Named("fee", a.Fee), sql.Named("status", string(bal.Status())),
		sql.Named("id", a.BillID), sql.Named("was_pp", b.Balance.PrincipalPaid), sql.Named("was_fp", b.Balance.FeePaid))
	if err := oneRow(res, err); err != nil {
		return fmt.Errorf("unsettle bill %d: %w", a.BillID, err)
	}
	return nil
}

// ReceiptOf returns the receipt posted for a channel's order, or not found.
func (c *Core) ReceiptOf(ctx context.Context, channel, orderNo string) (Receipt, error) {
	r, _, err := loadReceipt(ctx, c.db, channel, orderNo)
	if err != nil {
		return Receipt{}, fmt.Errorf("store: %w", err)
	}
	return r, nil
}
