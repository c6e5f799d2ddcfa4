package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gridpay/internal/billing"
)

// Arrears returns what the account owes on asOf (open principal, late fee accrued to that day, the
// oldest due date) and its prepaid balance.
func (c *Core) Arrears(ctx context.Context, accountID int64, asOf time.Time) (Arrears, error) {
	var prepaid billing.Money
	err := c.db.QueryRowContext(ctx, `SELECT prepaid_fen FROM accounts WHERE id = @acc`,
		sql.Named("acc", accountID)).Scan(&prepaid)
	if errors.Is(err, sql.ErrNoRows) {
		return Arrears{}, fmt.Errorf("store: arrears of account %d: %w", accountID, billing.ErrNotFound)
	}
	if err != nil {
		return Arrears{}, fmt.Errorf("store: arrears of account %d: %w", accountID, err)
	}
	open, err := openBills(ctx, c.db, accountID)
	if err != nil {
		return Arrears{}, fmt.Errorf("store: arrears of account %d: %w", accountID, err)
	}
	day := billing.DateOf(asOf)
	return Arrears{Arrears: billing.Summarize(open, day, c.rates), AsOf: day, Prepaid: prepaid}, nil
}

// OpenBills returns the settlement state of the account's bills that are not fully paid, oldest first.
func (c *Core) OpenBills(ctx context.Context, accountID int64) ([]billing.BillBalance, error) {
	open, err := openBills(ctx, c.db, accountID)
	if err != nil {
		return nil, fmt.Errorf("store: open bills of account %d: %w", accountID, err)
	}
	return open, nil
}

// openBillsSelect reads bills that are not fully paid, each account's oldest first; the caller
// finishes the WHERE clause with the accounts it wants and appends openBillsOrder.
const openBillsSelect = `SELECT ` + billColumns + `
FROM bills b JOIN tariffs tf ON tf.id = b.tariff_id
WHERE b.status <> 'paid' AND `

const openBillsOrder = `
ORDER BY b.account_id, b.due_on, b.period, b.id`

// openBills returns the settlement state of the account's bills that are not fully paid, oldest
// first.
func openBills(ctx context.Context, q querier, accountID int64) ([]billing.BillBalance, error) {
	rows, err := q.QueryContext(ctx, openBillsSelect+`b.account_id = @acc`+openBillsOrder, sql.Named("acc", accountID))
	if err != nil {
		return nil, err
	}
	bills, err := collectBills(rows)
	if err != nil {
		return nil, err
	}
	open := make([]billing.BillBalance, len(bills))
	for i, b := range bills {
		open[i] = b.Balance
	}
	return open, nil
}

// openBillsBetween returns the open bills of the accounts with ids first to last, by account id,
// each account's oldest first: one query for a batch of accounts instead of one per account.
func openBillsBetween(ctx context.Context, q querier, first, last int64) (map[int64][]billing.BillBalance, error) {
	rows, err := q.QueryContext(ctx, openBillsSelect+`b.account_id BETWEEN @first AND @last`+openBillsOrder,
		sql.Named("first", first), sql.Named("last", last))
	if err != nil {
		return nil, err
	}
	bills, err := collectBills(rows)
	if err != nil {
		return nil, err
	}
	open := map[int64][]billing.BillBalance{}
	for _, b := range bills {
		open[b.AccountID] = append(open[b.AccountID], b.Balance)
	}
	return open, nil
}
