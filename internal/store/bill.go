package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"gridpay/internal/billing"
)

const billColumns = `b.id, b.account_id, b.period, b.class, tf.code, b.issued_on, b.due_on, b.kwh,
       b.principal_fen, b.principal_paid_fen, b.fee_accrued_fen, b.fee_paid_fen, b.fee_waived_fen, b.accrued_through`

func scanBill(row interface{ Scan(...any) error }) (Bill, error) {
	var (
		b              Bill
		class          string
		issued, due    date
		accruedThrough nullDate
	)
	err := row.Scan(&b.ID, &b.AccountID, &b.Period, &class, &b.TariffCode, &issued, &due, &b.KWh,
		&b.Balance.Principal, &b.Balance.PrincipalPaid, &b.Balance.FeeAccrued, &b.Balance.FeePaid, &b.Balance.FeeWaived, &accruedThrough)
	b.Class = billing.Class(class)
	b.IssuedOn, b.DueOn = timeOf(issued), timeOf(due)
	b.Balance.ID, b.Balance.Period, b.Balance.Class, b.Balance.Due = b.ID, b.Period, b.Class, b.DueOn
	b.Balance.AccruedThrough = timeOf(date(accruedThrough))
	return b, err
}

// Bills returns a page of the account's bills, newest period first, and how many bills it has.
func (c *Core) Bills(ctx context.Context, accountID int64, page Page) ([]Bill, int, error) {
	page = page.normalized()
	var total int
	if err := c.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM bills WHERE account_id = @acc`,
		sql.Named("acc", accountID)).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: bills of account %d: %w", accountID, err)
	}
	q := `SELECT ` + billColumns + ` FROM bills b JOIN tariffs tf ON tf.id = b.tariff_id
WHERE b.account_id = @acc ORDER BY b.period DESC` + c.db.dialect.page("@limit", "@offset")
	rows, err := c.db.QueryContext(ctx, q, sql.Named("acc", accountID),
		sql.Named("limit", page.Limit), sql.Named("offset", page.Offset))
	if err != nil {
		return nil, 0, fmt.Errorf("store: bills of account %d: %w", accountID, err)
	}
	bills, err := collectBills(rows)
	if err != nil {
		return nil, 0, fmt.Errorf("store: bills of account %d: %w", accountID, err)
	}
	return bills, total, nil
}

func collectBills(rows *sql.Rows) ([]Bill, error) { return collect(rows, scanBill) }

// Bill returns one bill of the account in detail, with its adjustments. A bill of another account is not found.
func (c *Core) Bill(ctx context.Context, accountID, billID int64) (BillDetail, error) {
	var d BillDetail
	// Plain reads, not a transaction: SQLite write transactions here take the write lock at BEGIN.
	err := func(q querier) error {
		var err error
		d.Bill, err = scanBill(q.QueryRowContext(ctx, `SELECT `+billColumns+`
FROM bills b JOIN tariffs tf ON tf.id = b.tariff_id WHERE b.id = @id AND b.account_id = @acc`,
			sql.Named("id", billID), sql.Named("acc", accountID)))
		if errors.Is(err, sql.ErrNoRows) {
			return billing.ErrNotFound
		}
		if err != nil {
			return err
		}
		if d.Items, err = billItems(ctx, q, billID); err != nil {
			return err
		}
		if d.Readings, err = billReadings(ctx, q, accountID, billing.Period(d.Period)); err != nil {
			return err
		}
		if d.Adjustments, err = billAdjustments(ctx, q, accountID, billID); err != nil {
			return err
		}
		d.Tariff, err = tariffByCode(ctx, q, d.TariffCode)
		return err
	}(c.db)
	if err != nil {
		return BillDetail{}, fmt.Errorf("store: bill %d of account %d: %w", billID, accountID, err)
	}
	return d, nil
}

func billItems(ctx context.Context, q querier, billID int64) ([]billing.LineItem, error) {
	rows, err := q.QueryContext(ctx, `SELECT code, quantity, unit_price, amount_fen FROM bill_items
WHERE bill_id = @id ORDER BY line_no`, sql.Named("id", billID))
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row rowScanner) (billing.LineItem, error) {
		var it billing.LineItem
		err := row.Scan(&it.Code, &it.Quantity, &it.UnitPrice, &it.Amount)
		return it, err
	})
}

// billReadings returns, per meter of the account, the readings that close the period and the
// previous one.
func billReadings(ctx context.Context, q querier, accountID int64, period billing.Period) ([]MeterReading, error) {
	rows, err := q.QueryContext(ctx, `
SELECT m.asset_no, m.digits, m.multiplier, COALESCE(p.total, cur.total), cur.total
FROM meters m
JOIN readings cur ON cur.meter_id = m.id AND cur.period = @period
LEFT JOIN readings p ON p.meter_id = m.id AND p.period = @prev
WHERE m.account_id = @acc ORDER BY m.asset_no`,
		sql.Named("acc", accountID), sql.Named("period", period), sql.Named("prev", period.Prev()))
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row rowScanner) (MeterReading, error) {
		var r MeterReading
		if err := row.Scan(&r.AssetNo, &r.Digits, &r.Multiplier, &r.Previous, &r.Current); err != nil {
			return r, err
		}
		var err error
		if r.KWh, err = billing.Consumption(billing.Meter{Digits: r.Digits, Multiplier: r.Multiplier}, r.Previous, r.Current); err != nil {
			return r, fmt.Errorf("meter %s: %w", r.AssetNo, err)
		}
		return r, nil
	})
}

// tariffByCode loads a tariff with its prices.
func tariffByCode(ctx context.Context, q querier, code string) (billing.Tariff, error) {
	var (
		t          billing.Tariff
		id         int64
		kind, mode string
	)
	err := q.QueryRowContext(ctx, `SELECT id, code, name, kind, tier_mode, flat_price, capacity_price
FROM tariffs WHERE code = @code`, sql.Named("code", code)).Scan(&id, &t.Code, &t.Name, &kind, &mode, &t.Flat, &t.CapacityPrice)
	if err != nil {
		return billing.Tariff{}, fmt.Errorf("tariff %s: %w", code, err)
	}
	t.Kind, t.Mode = billing.TariffKind(kind), billing.TierMode(mode)
	rows, err := q.QueryContext(ctx, `SELECT item, up_to_kwh, price FROM tariff_prices
WHERE tariff_id = @id ORDER BY seq`, sql.Named("id", id))
	if err != nil {
		return billing.Tariff{}, fmt.Errorf("tariff %s: %w", code, err)
	}
	type priceRow struct {
		item  string
		upTo  int64
		price billing.Price
	}
	prices, err := collect(rows, func(row rowScanner) (priceRow, error) {
		var p priceRow
		err := row.Scan(&p.item, &p.upTo, &p.price)
		return p, err
	})
	if err != nil {
		return billing.Tariff{}, fmt.Errorf("tariff %s: %w", code, err)
	}
	for _, p := range prices {
		if t.Kind == billing.TimeOfUse {
			if t.Registers == nil {
				t.Registers = map[billing.Register]billing.Price{}
			}
			t.Registers[billing.Register(p.item)] = p.price
		} else {
			t.Tiers = append(t.Tiers, billing.Tier{UpTo: p.upTo, Price: p.price})
		}
	}
	return t, nil
}
