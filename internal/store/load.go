package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Loader bulk-loads rows for the demo county: rows are buffered per table and written by Flush in
// multi-row INSERT statements, one transaction per Flush, tables in the order they were declared
// (parents before children). It is for filling an empty database, not for live traffic.
type Loader struct {
	db     *DB
	tables []*loadTable
	byName map[string]*loadTable
	dates  map[int]string
	rows   int
}

type loadTable struct {
	name     string
	cols     []string
	identity bool // has an id column that SQL Server fills itself unless told otherwise
	args     []any
}

// NewLoader returns a loader for db.
func (db *DB) NewLoader() *Loader {
	return &Loader{db: db, byName: map[string]*loadTable{}, dates: map[int]string{}}
}

// Declare names a table and its columns. Declare parents before children: Flush follows this order.
func (l *Loader) Declare(table string, cols ...string) {
	t := &loadTable{name: table, cols: cols, identity: cols[0] == "id"}
	l.tables = append(l.tables, t)
	l.byName[table] = t
}

// Add buffers one row of a declared table. A time.Time value is stored as a civil date.
func (l *Loader) Add(table string, vals ...any) {
	t := l.byName[table]
	if t == nil || len(vals) != len(t.cols) {
		panic(fmt.Sprintf("store: loader: table %q with %d values is not declared so", table, len(vals)))
	}
	for i, v := range vals {
		if tm, ok := v.(time.Time); ok {
			vals[i] = l.dateText(tm)
		}
	}
	t.args = append(t.args, vals...)
	l.rows++
}

// Buffered returns how many rows wait for Flush.
func (l *Loader) Buffered() int { return l.rows }

func (l *Loader) dateText(t time.Time) string {
	y, m, d := t.Date()
	day := y*10000 + int(m)*100 + d
	s, ok := l.dates[day]
	if !ok {
		s = t.Format(dateLayout)
		l.dates[day] = s
	}
	return s
}

// Flush writes every buffered row in one transaction.
func (l *Loader) Flush(ctx context.Context) error {
	if l.rows == 0 {
		return nil
	}
	err := l.db.transactOnce(ctx, func(tx *sql.Tx) error {
		for _, t := range l.tables {
			if err := l.writeTable(ctx, tx, t); err != nil {
				return fmt.Errorf("load %s: %w", t.name, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: loader: %w", err)
	}
	l.Reset()
	return nil
}

func (l *Loader) writeTable(ctx context.Context, tx *sql.Tx, t *loadTable) error {
	if len(t.args) == 0 {
		return nil
	}
	d := l.db.dialect
	n := len(t.cols)
	batch := min(d.maxRows, d.maxParams/n)
	if d.name == "sqlserver" && t.identity {
		if _, err := tx.ExecContext(ctx, "SET IDENTITY_INSERT "+t.name+" ON"); err != nil {
			return err
		}
		defer tx.ExecContext(ctx, "SET IDENTITY_INSERT "+t.name+" OFF")
	}
	head := "INSERT INTO " + t.name + " (" + strings.Join(t.cols, ", ") + ") VALUES "
	var full *sql.Stmt
	for rest := t.args; len(rest) > 0; {
		rows := min(batch, len(rest)/n)
		chunk := rest[:rows*n]
		rest = rest[rows*n:]
		if rows == batch {
			if full == nil {
				var err error
				if full, err = tx.PrepareContext(ctx, head+d.valuesList(batch, n)); err != nil {
					return err
				}
				defer full.Close()
			}
			if _, err := full.ExecContext(ctx, chunk...); err != nil {
				return err
			}
			continue
		}
		if _, err := tx.ExecContext(ctx, head+d.valuesList(rows, n), chunk...); err != nil {
			return err
		}
	}
	return nil
}

// Empty reports whether the core database has no accounts yet.
func (db *DB) Empty(ctx context.Context) (bool, error) {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&n); err != nil {
		return false, fmt.Errorf("store: count accounts: %w", err)
	}
	return n == 0, nil
}

// SetCounter sets a number counter, e.g. "receipt" after loading receipts with their own numbers.
func (db *DB) SetCounter(ctx context.Context, name string, value int64) error {
	if _, err := db.ExecContext(ctx, `UPDATE counters SET last_no = @v WHERE name = @name`,
		sql.Named("v", value), sql.Named("name", name)); err != nil {
		return fmt.Errorf("store: set counter %s: %w", name, err)
	}
	return nil
}

// Reset drops every buffered row.
func (l *Loader) Reset() {
	for _, t := range l.tables {
		t.args = t.args[:0]
	}
	l.rows = 0
}

// PrepareBulkLoad tunes the database for a one-off bulk load into a fresh database: on SQLite one
// connection with a large page cache, no journal, no fsync and no foreign-key checks (the loader's
// rows are consistent by construction and the tests check them; a crash mid-seed means seeding a
// new database anyway). The returned function restores the normal settings.
func (db *DB) PrepareBulkLoad(ctx context.Context) (restore func(context.Context) error, err error) {
	if db.dialect.name != "sqlite" {
		return func(context.Context) error { return nil }, nil
	}
	db.SetMaxOpenConns(1)
	if err := db.pragmas(ctx, "cache_size = -262144", "synchronous = OFF", "foreign_keys = OFF", "journal_mode = OFF"); err != nil {
		return nil, fmt.Errorf("store: bulk load: %w", err)
	}
	return func(ctx context.Context) error {
		defer db.SetMaxOpenConns(sqliteMaxConns)
		if err := db.pragmas(ctx, "journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON", "cache_size = -65536"); err != nil {
			return fmt.Errorf("store: after bulk load: %w", err)
		}
		return nil
	}, nil
}

func (db *DB) pragmas(ctx context.Context, pragmas ...string) error {
	for _, p := range pragmas {
		if _, err := db.ExecContext(ctx, "PRAGMA "+p); err != nil {
			return fmt.Errorf("PRAGMA %s: %w", p, err)
		}
	}
	return nil
}

// MarkSeeded records that a bulk load finished, with the seed it used; Seeded reads the mark. A
// database with accounts but no mark holds a load that stopped half-way.
func (db *DB) MarkSeeded(ctx context.Context, seed int64) error {
	if _, err := db.ExecContext(ctx, `INSERT INTO counters (name, last_no) VALUES ('demo_seed', @seed)`,
		sql.Named("seed", seed)); err != nil {
		return fmt.Errorf("store: mark seeded: %w", err)
	}
	return nil
}

// Seeded reports whether MarkSeeded ran on this database.
func (db *DB) Seeded(ctx context.Context) (bool, error) {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM counters WHERE name = 'demo_seed'`).Scan(&n); err != nil {
		return false, fmt.Errorf("store: seeded: %w", err)
	}
	return n > 0, nil
}
