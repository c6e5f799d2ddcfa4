package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"gridpay/internal/billing"
)

// Usage returns the account's last `months` billing periods and, from smart-meter readings, its daily
// energy for the `days` days up to and including asOf.
func (c *Core) Usage(ctx context.Context, accountID int64, months, days int, asOf time.Time) (Usage, error) {
	if months < 0 || months > 120 || days < 0 || days > 366 {
		return Usage{}, fmt.Errorf("store: usage of account %d: months %d or days %d out of range: %w", accountID, months, days, billing.ErrInvalid)
	}
	u := Usage{Monthly: []MonthlyUsage{}, Daily: []DailyUsage{}}
	if err := c.monthlyUsage(ctx, accountID, months, &u); err != nil {
		return Usage{}, fmt.Errorf("store: usage of account %d: %w", accountID, err)
	}
	if err := c.dailyUsage(ctx, accountID, days, billing.DateOf(asOf), &u); err != nil {
		return Usage{}, fmt.Errorf("store: usage of account %d: %w", accountID, err)
	}
	return u, nil
}

func (c *Core) monthlyUsage(ctx context.Context, accountID int64, months int, u *Usage) error {
	if months == 0 {
		return nil
	}
	rows, err := c.db.QueryContext(ctx, `SELECT period, kwh, principal_fen FROM bills WHERE account_id = @acc
ORDER BY period DESC`+c.db.dialect.page("@limit", "@offset"),
		sql.Named("acc", accountID), sql.Named("limit", months), sql.Named("offset", 0))
	if err != nil {
		return err
	}
	monthly, err := collect(rows, func(row rowScanner) (MonthlyUsage, error) {
		var m MonthlyUsage
		err := row.Scan(&m.Period, &m.KWh, &m.Amount)
		return m, err
	})
	if err != nil {
		return err
	}
	slices.Reverse(monthly)
	u.Monthly = append(u.Monthly, monthly...)
	return nil
}

// dailyUsage turns consecutive daily register readings into daily energy, summed over the account's
// meters. A day whose previous reading is missing (a collection gap) is left out, not guessed.
func (c *Core) dailyUsage(ctx context.Context, accountID int64, days int, asOf time.Time, u *Usage) error {
	if days == 0 {
		return nil
	}
	from := asOf.AddDate(0, 0, -days) // one day earlier than the first reported day, for its difference
	rows, err := c.db.QueryContext(ctx, `
SELECT d.meter_id, m.digits, m.multiplier, d.read_on, d.total
FROM daily_readings d JOIN meters m ON m.id = d.meter_id
WHERE m.account_id = @acc AND d.read_on >= @from AND d.read_on <= @to
ORDER BY d.meter_id, d.read_on`,
		sql.Named("acc", accountID), sql.Named("from", date(from)), sql.Named("to", date(asOf)))
	if err != nil {
		return err
	}
	type dailyRow struct {
		meterID int64
		meter   billing.Meter
		day     time.Time
		total   billing.Reading
	}
	readings, err := collect(rows, func(row rowScanner) (dailyRow, error) {
		var (
			r   dailyRow
			day date
		)
		err := row.Scan(&r.meterID, &r.meter.Digits, &r.meter.Multiplier, &day, &r.total)
		r.day = timeOf(day)
		return r, err
	})
	if err != nil {
		return err
	}
	perDay := map[time.Time]int64{}
	for i, r := range readings {
		if i == 0 {
			continue
		}
		prev := readings[i-1]
		if r.meterID == prev.meterID && r.day.Equal(prev.day.AddDate(0, 0, 1)) {
			kwh, err := billing.Consumption(r.meter, prev.total, r.total)
			if err != nil {
				return fmt.Errorf("meter %d on %s: %w", r.meterID, r.day.Format(dateLayout), err)
			}
			perDay[r.day] += kwh
		}
	}
	for d := from.AddDate(0, 0, 1); !d.After(asOf); d = d.AddDate(0, 0, 1) {
		if kwh, ok := perDay[d]; ok {
			u.Daily = append(u.Daily, DailyUsage{Day: d, KWh: kwh})
		}
	}
	return nil
}
