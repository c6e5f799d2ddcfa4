package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gridpay/internal/billing"
)

const accountSelect = `
SELECT a.id, a.account_no, a.name, a.address, a.phone, a.class, a.industry_code,
       a.station_id, s.name, t.name, tf.code, tf.name, a.capacity_kva, a.important, a.prepaid_fen, a.opened_on,
       a.protected, a.reminders_exempt_until
FROM accounts a
JOIN supply_stations s ON s.id = a.station_id
JOIN transformer_areas t ON t.id = a.area_id
JOIN tariffs tf ON tf.id = a.tariff_id`

func scanAccount(row interface{ Scan(...any) error }) (Account, error) {
	var (
		a         Account
		class     string
		important bool
		opened    date
		protected bool
		exempt    nullDate
	)
	err := row.Scan(&a.ID, &a.No, &a.Name, &a.Address, &a.Phone, &class, &a.IndustryCode,
		&a.StationID, &a.StationName, &a.AreaName, &a.TariffCode, &a.TariffName, &a.CapacityKVA, &important,
		&a.Prepaid, &opened, &protected, &exempt)
	a.Class, a.Important, a.OpenedOn = billing.Class(class), important, timeOf(opened)
	a.Protected, a.RemindersExemptUntil = protected, time.Time(exempt)
	return a, err
}

// AccountByNumber returns the account with the 10-digit number accountNo.
func (c *Core) AccountByNumber(ctx context.Context, accountNo string) (Account, error) {
	if !billing.ValidAccountNo(accountNo) {
		return Account{}, fmt.Errorf("store: account %q: %w", truncateText(accountNo, 16), billing.ErrInvalid)
	}
	a, err := scanAccount(c.db.QueryRowContext(ctx, accountSelect+` WHERE a.account_no = @no`, sql.Named("no", accountNo)))
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, fmt.Errorf("store: account %s: %w", accountNo, billing.ErrNotFound)
	}
	if err != nil {
		return Account{}, fmt.Errorf("store: account %s: %w", accountNo, err)
	}
	return a, nil
}

// AccountsByPhone returns the accounts whose registered mobile phone is phone, by account number.
// No account is an empty list, not an error.
func (c *Core) AccountsByPhone(ctx context.Context, phone string) ([]Account, error) {
	rows, err := c.db.QueryContext(ctx, accountSelect+` WHERE a.phone = @phone ORDER BY a.account_no`, sql.Named("phone", phone))
	if err != nil {
		return nil, fmt.Errorf("store: accounts by phone: %w", err)
	}
	accounts, err := collect(rows, scanAccount)
	if err != nil {
		return nil, fmt.Errorf("store: accounts by phone: %w", err)
	}
	return accounts, nil
}

// StationName returns the name of supply station id; an unknown one is billing.ErrNotFound.
func (c *Core) StationName(ctx context.Context, id int64) (string, error) {
	var name string
	err := c.db.QueryRowContext(ctx, `SELECT name FROM supply_stations WHERE id = @id`, sql.Named("id", id)).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("store: supply station %d: %w", id, billing.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("store: supply station %d: %w", id, err)
	}
	return name, nil
}

// AccountBrief is what a list of accounts shows of each: its number, name and supply station.
type AccountBrief struct {
	ID        int64
	No        string
	Name      string
	StationID int64
}

// AccountBriefs returns the accounts numbered accountNos (at most MaxArrearsBatch, each a valid
// account number) by number; a number no account has is left out.
func (c *Core) AccountBriefs(ctx context.Context, accountNos []string) (map[string]AccountBrief, error) {
	nos, err := accountBatch(accountNos)
	if err != nil {
		return nil, fmt.Errorf("store: account briefs: %w", err)
	}
	out := make(map[string]AccountBrief, len(nos))
	err = inChunks("no", nos, func(in string, args []any) error {
		rows, err := c.db.QueryContext(ctx, `SELECT id, account_no, name, station_id FROM accounts WHERE account_no IN (`+in+`)`, args...)
		if err != nil {
			return err
		}
		got, err := collect(rows, func(row rowScanner) (AccountBrief, error) {
			var b AccountBrief
			err := row.Scan(&b.ID, &b.No, &b.Name, &b.StationID)
			return b, err
		})
		for _, b := range got {
			out[b.No] = b
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: account briefs: %w", err)
	}
	return out, nil
}
