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

// openBills returns the settlement state of the account's bills that are not fully paid, oldest
// first.
func openBills(ctx context.Context, q querier, accountID int64) ([]billing.BillBalance, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+billColumns+`
FROM bills b JOIN tariffs tf ON tf.id = b.tariff_id
WHERE b.account_id = @acc AND b.status <> 'paid'
ORDER BY b.due_on, b.period, b.id`, sql.Named("acc", accountID))
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
