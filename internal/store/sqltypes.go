package store

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"
)

// Dates and times cross the driver boundary as ISO text, which SQLite stores as is and SQL Server
// converts to DATE / DATETIME2 without regard to language or DATEFORMAT settings.
const (
	dateLayout = "2006-01-02"
	timeLayout = "2006-01-02 15:04:05.000"
)

// date is a civil date column (midnight UTC in Go).
type date time.Time

// Value implements driver.Valuer.
func (d date) Value() (driver.Value, error) { return time.Time(d).Format(dateLayout), nil }

// Scan implements sql.Scanner for TEXT (SQLite) and DATE (SQL Server) columns.
func (d *date) Scan(src any) error {
	t, err := scanTime(src, dateLayout)
	if err != nil {
		return err
	}
	*d = date(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC))
	return nil
}

// nullDate is a nullable civil date as scanned; the zero time stands for NULL. It is not a
// parameter type: send nullDateArg, a typed NULL.
type nullDate time.Time

// nullDateArg is a civil date parameter, a typed NULL for the zero time: go-mssqldb sends an untyped
// NULL (a nil driver.Value) as TDS type 0x1F, which not every server takes, while a NULL of a known
// type (here NVARCHAR, converted to DATE like every date parameter) is taken everywhere.
func nullDateArg(t time.Time) sql.NullString {
	if t.IsZero() {
		return sql.NullString{}
	}
	return sql.NullString{String: t.Format(dateLayout), Valid: true}
}

// Scan implements sql.Scanner.
func (d *nullDate) Scan(src any) error {
	if src == nil {
		*d = nullDate{}
		return nil
	}
	return (*date)(d).Scan(src)
}

// nullTimestampArg is an instant parameter, a typed NULL for the zero time (see nullDateArg).
func nullTimestampArg(t time.Time) sql.NullString {
	if t.IsZero() {
		return sql.NullString{}
	}
	return sql.NullString{String: t.UTC().Format(timeLayout), Valid: true}
}

// timestamp is an instant stored in UTC with millisecond precision.
type timestamp time.Time

// Value implements driver.Valuer.
func (t timestamp) Value() (driver.Value, error) { return time.Time(t).UTC().Format(timeLayout), nil }

// Scan implements sql.Scanner.
func (t *timestamp) Scan(src any) error {
	v, err := scanTime(src, timeLayout)
	if err != nil {
		return err
	}
	*t = timestamp(v.UTC())
	return nil
}

func scanTime(src any, layout string) (time.Time, error) {
	switch v := src.(type) {
	case time.Time:
		return v, nil
	case string:
		return parseTimeText(v, layout)
	case []byte:
		return parseTimeText(string(v), layout)
	default:
		return time.Time{}, fmt.Errorf("store: cannot scan %T into a date or time", src)
	}
}

func parseTimeText(s, layout string) (time.Time, error) {
	for _, l := range []string{layout, dateLayout, timeLayout, time.RFC3339Nano} {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("store: cannot parse %q as a date or time", s)
}

// timeOf converts a scanned date back to a time.Time.
func timeOf(d date) time.Time { return time.Time(d) }
