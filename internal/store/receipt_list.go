package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Receipts returns a page of the account's posted payments (收费流水), newest payment date first
// (the later posting first within a day), and how many the account has. The receipts come without
// their allocations, which a list does not show.
func (c *Core) Receipts(ctx context.Context, accountID int64, page Page) ([]Receipt, int, error) {
	page = page.normalized()
	var total int
	if err := c.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM receipts WHERE account_id = @acc`,
		sql.Named("acc", accountID)).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: receipts of account %d: %w", accountID, err)
	}
	rows, err := c.db.QueryContext(ctx, `SELECT id, receipt_no, account_id, channel, order_no, amount_fen, fee_fen,
       principal_fen, prepaid_fen, paid_on, posted_at
FROM receipts WHERE account_id = @acc ORDER BY paid_on DESC, id DESC`+c.db.dialect.page("@limit", "@offset"),
		sql.Named("acc", accountID), sql.Named("limit", page.Limit), sql.Named("offset", page.Offset))
	if err != nil {
		return nil, 0, fmt.Errorf("store: receipts of account %d: %w", accountID, err)
	}
	receipts, err := collect(rows, scanReceiptRow)
	if err != nil {
		return nil, 0, fmt.Errorf("store: receipts of account %d: %w", accountID, err)
	}
	return receipts, total, nil
}

// scanReceiptRow scans a receipt without its allocations.
func scanReceiptRow(row rowScanner) (Receipt, error) {
	var (
		r        Receipt
		paidOn   date
		postedAt timestamp
	)
	err := row.Scan(&r.ID, &r.No, &r.AccountID, &r.Channel, &r.OrderNo, &r.Amount, &r.Fee,
		&r.Principal, &r.Prepaid, &paidOn, &postedAt)
	r.PaidOn, r.PostedAt = timeOf(paidOn), time.Time(postedAt)
	return r, err
}
