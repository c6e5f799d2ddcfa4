package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gridpay/internal/billing"
)

// Portal is the portal database: what gridpay itself owns.
type Portal struct {
	db      *DB
	now     func() time.Time
	watcher PortalWatcher // nil: nobody is told of changes
}

// NewPortal returns the portal store over db, stamping changes with now.
func NewPortal(db *DB, now func() time.Time) *Portal {
	return &Portal{db: db, now: now}
}

// Bind records that the holder of phone may see and pay accountNo. Binding twice is not an error;
// created says whether this call made the binding.
func (p *Portal) Bind(ctx context.Context, phone, accountNo string) (created bool, err error) {
	if !billing.ValidPhone(phone) || !billing.ValidAccountNo(accountNo) {
		return false, fmt.Errorf("store: bind %s: %w", accountNo, billing.ErrInvalid)
	}
	_, err = p.db.ExecContext(ctx, `INSERT INTO bindings (phone, account_no, bound_at) VALUES (@phone, @no, @at)`,
		sql.Named("phone", phone), sql.Named("no", accountNo), sql.Named("at", timestamp(p.now())))
	switch {
	case p.db.dialect.duplicate(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("store: bind %s: %w", accountNo, err)
	}
	p.bindingsChanged(ctx, phone)
	return true, nil
}

// Unbind removes a binding; an account that was not bound is not found.
func (p *Portal) Unbind(ctx context.Context, phone, accountNo string) error {
	res, err := p.db.ExecContext(ctx, `DELETE FROM bindings WHERE phone = @phone AND account_no = @no`,
		sql.Named("phone", phone), sql.Named("no", accountNo))
	if err != nil {
		return fmt.Errorf("store: unbind %s: %w", accountNo, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: unbind %s: %w", accountNo, err)
	} else if n == 0 {
		return fmt.Errorf("store: unbind %s: %w", accountNo, billing.ErrNotFound)
	}
	p.bindingsChanged(ctx, phone)
	return nil
}

// Bindings returns the account numbers bound to phone, in account number order.
func (p *Portal) Bindings(ctx context.Context, phone string) ([]string, error) {
	rows, err := p.db.QueryContext(ctx, `SELECT account_no FROM bindings WHERE phone = @phone ORDER BY account_no`,
		sql.Named("phone", phone))
	if err != nil {
		return nil, fmt.Errorf("store: bindings: %w", err)
	}
	nos, err := collect(rows, func(row rowScanner) (string, error) {
		var no string
		err := row.Scan(&no)
		return no, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: bindings: %w", err)
	}
	return nos, nil
}
