package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// Loader bulk-loads rows for the demo county: rows are buffered per table and written by Flush,
// one transaction per Flush, tables in the order they were declared (parents before children). It
// is for filling an empty database, not for live traffic.
//
// Every row goes in by INSERT, so keys, foreign keys and CHECKs are enforced as for any other
// write, and loaded IDENTITY values move the table's counter on. SQLite takes multi-row INSERT ...
// VALUES with parameters. Over TDS, statements of up to 2,100 parameters cost the server time for
// every parameter (on Babelfish, which the store tests use, 2,000 demo customers took two minutes
// that way), so on SQL Server rows travel as JSON text, one parameter per jsonRows rows: INSERT ...
// SELECT ... FROM OPENJSON(@p1) WITH (...), which needs SQL Server 2016 or later at database
// compatibility level 130 or more (what a new database gets). Bulk copy (INSERT BULK) would be
// faster still, but it skips foreign-key and CHECK constraints unless told otherwise, and Babelfish
// enforces neither them nor the unique keys in it.
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
	// args holds the SQL Server rows with text that JSON would have to escape (see jsonSafe), for
	// multi-row INSERT ... VALUES, value after value.
	args []any
	// vals holds every row on SQLite, value after value, already in the driver's own types: they go
	// to the driver as they are (see writeSQLite), so the writer spends no time converting them.
	vals []driver.NamedValue
	// docs holds the other SQL Server rows as JSON arrays of rows, [[v1, v2, ...], ...], each
	// unterminated (Flush adds the closing bracket) and of at most jsonRows rows; last counts the
	// rows in the newest. Reset keeps the buffers for the next chunk.
	docs [][]byte
	last int
	// kinds is each column's kind, fixed by the first row: OPENJSON needs one type per column.
	kinds []jsonKind
}

// jsonRows is how many rows one OPENJSON statement carries: enough that per-statement costs
// vanish, few enough that one document stays a few hundred kilobytes.
const jsonRows = 2000

// jsonKind is how a column's values travel in JSON, and the SQL type OPENJSON gives them: the type
// a parameter of the same Go value would have had, so INSERT converts it to the column's type
// (and refuses what does not fit) exactly as it does a parameter.
type jsonKind byte

const (
	jsonInt  jsonKind = iota + 1 // int, int32, int64, sql.NullInt64, sql.NullInt32
	jsonText                     // string, sql.NullString, dates (sent as text, see dateLayout)
	jsonBit                      // bool, sql.NullBool, sent as 1 or 0
)

func (k jsonKind) sqlType() string {
	switch k {
	case jsonInt:
		return "BIGINT"
	case jsonBit:
		return "BIT"
	}
	return "NVARCHAR(MAX)"
}

// NewLoader returns a loader for db.
func (db *DB) NewLoader() *Loader {
	return &Loader{db: db, byName: map[string]*loadTable{}, dates: map[int]string{}}
}

// LoadWriters returns how many Loaders are worth flushing at once, each in its own transaction and
// with rows of its own (a flush cannot refer to rows another has not committed yet). SQLite has one
// writer: a second would only wait for it. SQL Server takes several sessions' inserts side by side
// on its cores.
func (db *DB) LoadWriters() int {
	if db.dialect.name == "sqlserver" {
		return 4
	}
	return 1
}

// Declare names a table and its columns. Declare parents before children: Flush follows this order.
func (l *Loader) Declare(table string, cols ...string) {
	t := &loadTable{name: table, cols: cols, identity: cols[0] == "id"}
	l.tables = append(l.tables, t)
	l.byName[table] = t
}

// Add buffers one row of a declared table. Values are int, int32, int64, bool, string, their
// sql.Null* types, time.Time and sql.NullTime; a time is stored as a civil date. NULLs must be
// typed (sql.NullInt64{}, sql.NullString{}, sql.NullTime{}): an untyped nil panics, because
// go-mssqldb sends it as TDS type 0x1F, which not every server takes. A column keeps the kind of
// its first value (integer, text or flag) in every row. Misuse panics: it is a programming error,
// and the demo seed is the only caller.
func (l *Loader) Add(table string, vals ...any) {
	t := l.byName[table]
	if t == nil || len(vals) != len(t.cols) {
		panic(fmt.Sprintf("store: loader: table %q with %d values is not declared so", table, len(vals)))
	}
	for i, v := range vals {
		switch v := v.(type) {
		case nil:
			panic(fmt.Sprintf("store: loader: %s.%s is an untyped nil: pass a typed NULL such as sql.NullInt64{}", table, t.cols[i]))
		case time.Time:
			vals[i] = l.dateText(v)
		case sql.NullTime:
			if v.Valid {
				vals[i] = l.dateText(v.Time)
			} else {
				vals[i] = sql.NullString{}
			}
		case int, int32, int64, bool, string, sql.NullInt64, sql.NullInt32, sql.NullBool, sql.NullString:
		default:
			panic(fmt.Sprintf("store: loader: %s.%s: values of type %T are not supported", table, t.cols[i], v))
		}
		if t.kinds != nil && kindOf(vals[i]) != t.kinds[i] {
			panic(fmt.Sprintf("store: loader: %s.%s: a %T among values of another kind", table, t.cols[i], v))
		}
	}
	if t.kinds == nil {
		t.kinds = make([]jsonKind, len(vals))
		for i, v := range vals {
			t.kinds[i] = kindOf(v)
		}
	}
	switch {
	case l.db.dialect.name == "sqlserver" && jsonSafe(vals):
		t.addJSON(vals)
	case l.db.dialect.name == "sqlite":
		for _, v := range vals {
			t.vals = append(t.vals, driver.NamedValue{Value: driverValue(v)})
		}
	default:
		t.args = append(t.args, vals...)
	}
	l.rows++
}

// bare unwraps a sql.Null* value into its value or nil. SQLite takes a nil as the NULL of any
// column, and millions of seeded values then skip database/sql's driver.Valuer round trip; the
// JSON documents write it as null, typed by OPENJSON's column list.
func bare(v any) any {
	switch v := v.(type) {
	case sql.NullInt64:
		if v.Valid {
			return v.Int64
		}
		return nil
	case sql.NullInt32:
		if v.Valid {
			return v.Int32
		}
		return nil
	case sql.NullBool:
		if v.Valid {
			return v.Bool
		}
		return nil
	case sql.NullString:
		if v.Valid {
			return v.String
		}
		return nil
	}
	return v
}

// driverValue is v as a driver.Value: integers as int64, NULLs as nil, text, flags.
func driverValue(v any) driver.Value {
	switch v := bare(v).(type) {
	case int:
		return int64(v)
	case int32:
		return int64(v)
	default:
		return v
	}
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

// jsonSafe reports whether no text among vals needs a JSON escape (a quote, a backslash or a
// control character). Such rows go as parameters instead: OPENJSON implementations do not all give
// escaped text back decoded, while a parameter carries any text exactly on every engine.
func jsonSafe(vals []any) bool {
	for _, v := range vals {
		var s string
		switch v := v.(type) {
		case string:
			s = v
		case sql.NullString:
			s = v.String
		default:
			continue
		}
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x20 || c == '"' || c == '\\' {
				return false
			}
		}
	}
	return true
}

// addJSON appends one row, already checked by Add and jsonSafe, to the newest JSON document.
func (t *loadTable) addJSON(vals []any) {
	var b []byte
	if n := len(t.docs); n > 0 && t.last < jsonRows {
		b = append(t.docs[n-1], ',')
		t.docs = t.docs[:n-1]
	} else {
		if n < cap(t.docs) {
			b = t.docs[:n+1][n][:0] // a buffer Reset kept
		}
		b = append(b, '[')
		t.last = 0
	}
	b = append(b, '[')
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		switch v := bare(v).(type) {
		case nil:
			b = append(b, "null"...)
		case int:
			b = strconv.AppendInt(b, int64(v), 10)
		case int32:
			b = strconv.AppendInt(b, int64(v), 10)
		case int64:
			b = strconv.AppendInt(b, v, 10)
		case bool:
			if v {
				b = append(b, '1')
			} else {
				b = append(b, '0')
			}
		case string:
			// jsonSafe made sure the text needs no escapes.
			b = append(b, '"')
			b = append(b, v...)
			b = append(b, '"')
		}
	}
	t.docs = append(t.docs, append(b, ']'))
	t.last++
}

func kindOf(v any) jsonKind {
	switch v.(type) {
	case int, int32, int64, sql.NullInt64, sql.NullInt32:
		return jsonInt
	case bool, sql.NullBool:
		return jsonBit
	}
	return jsonText
}

// Flush writes every buffered row in one transaction.
func (l *Loader) Flush(ctx context.Context) error {
	if l.rows == 0 {
		return nil
	}
	if l.db.dialect.name == "sqlite" {
		if err := l.flushSQLite(ctx); err != nil {
			return fmt.Errorf("store: loader: %w", err)
		}
		l.Reset()
		return nil
	}
	// Transact starts again after a deadlock (four writers on SQL Server) or a busy database; the
	// buffers stay as they are until the load committed.
	err := l.db.Transact(ctx, func(tx *sql.Tx) error {
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

func (l *Loader) writeTable(ctx context.Context, tx *sql.Tx, t *loadTable) (err error) {
	if len(t.args) == 0 && len(t.docs) == 0 {
		return nil
	}
	if l.db.dialect.name == "sqlserver" && t.identity {
		if _, err := tx.ExecContext(ctx, "SET IDENTITY_INSERT "+t.name+" ON"); err != nil {
			return err
		}
		// The setting belongs to the session, not the transaction: switch it off even when the load
		// failed or was cancelled, or the pooled connection keeps demanding ids for this table.
		defer func() {
			if _, offErr := tx.ExecContext(context.WithoutCancel(ctx), "SET IDENTITY_INSERT "+t.name+" OFF"); offErr != nil && err == nil {
				err = offErr
			}
		}()
	}
	if err := l.writeJSON(ctx, tx, t); err != nil {
		return err
	}
	return l.writeValues(ctx, tx, t)
}

// writeJSON inserts t.docs, one OPENJSON statement per document.
func (l *Loader) writeJSON(ctx context.Context, tx *sql.Tx, t *loadTable) error {
	if len(t.docs) == 0 {
		return nil
	}
	// INSERT INTO t (a, b) SELECT c0, c1 FROM OPENJSON(@p1) WITH (c0 BIGINT '$[0]', c1 NVARCHAR(MAX) '$[1]')
	// Positional names in WITH keep column names out of the JSON paths.
	var sel, with strings.Builder
	for i, k := range t.kinds {
		if i > 0 {
			sel.WriteString(", ")
			with.WriteString(", ")
		}
		fmt.Fprintf(&sel, "c%d", i)
		fmt.Fprintf(&with, "c%d %s '$[%d]'", i, k.sqlType(), i)
	}
	q := "INSERT INTO " + t.name + " (" + strings.Join(t.cols, ", ") + ") SELECT " + sel.String() +
		" FROM OPENJSON(@p1) WITH (" + with.String() + ")"
	for _, doc := range t.docs {
		// The closing bracket goes past the buffer's length, so a failed Flush can be retried.
		if _, err := tx.ExecContext(ctx, q, string(append(doc, ']'))); err != nil {
			return err
		}
	}
	return nil
}

// writeValues inserts t.args with multi-row INSERT ... VALUES, as many rows per statement as the
// dialect's limits on parameters and rows allow.
func (l *Loader) writeValues(ctx context.Context, tx *sql.Tx, t *loadTable) error {
	if len(t.args) == 0 {
		return nil
	}
	d := l.db.dialect
	n := len(t.cols)
	batch := min(d.maxRows, d.maxParams/n)
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

// flushSQLite writes every buffered row in one transaction, straight through the driver's
// connection: database/sql would check and convert each of the millions of values again on the
// one goroutine that writes, where Add has already converted them on the one that generates. A
// busy database is waited for and tried again, as Transact does.
func (l *Loader) flushSQLite(ctx context.Context) error {
	conn, err := l.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for attempt := 1; ; attempt++ {
		err = conn.Raw(func(dc any) error { return l.transactSQLite(ctx, dc) })
		if err == nil || !l.db.dialect.retryable(err) || attempt == maxAttempts {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(time.Duration(attempt*attempt) * 5 * time.Millisecond):
		}
	}
}

// sqliteConn is what the SQLite driver's connection offers the loader.
type sqliteConn interface {
	driver.ConnPrepareContext
	driver.ExecerContext
}

func (l *Loader) transactSQLite(ctx context.Context, dc any) (err error) {
	c, ok := dc.(sqliteConn)
	if !ok {
		return fmt.Errorf("sqlite driver connection %T cannot prepare and execute", dc)
	}
	// BEGIN IMMEDIATE, as the DSN's _txlock asks of database/sql's transactions: the write lock is
	// taken (or waited for) before the first row.
	if _, err := c.ExecContext(ctx, "BEGIN IMMEDIATE", nil); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			if _, rbErr := c.ExecContext(context.WithoutCancel(ctx), "ROLLBACK", nil); rbErr != nil {
				err = errors.Join(err, rbErr)
			}
		}
	}()
	stmts := sqliteStmts{}
	defer func() {
		if cerr := stmts.close(); err == nil {
			err = cerr
		}
	}()
	for _, t := range l.tables {
		if err := writeSQLite(ctx, c, stmts, t); err != nil {
			return fmt.Errorf("load %s: %w", t.name, err)
		}
	}
	_, err = c.ExecContext(ctx, "COMMIT", nil)
	return err
}

// sqliteLoadRows is the most rows one SQLite INSERT of the loader carries. Statements are prepared
// for each Flush, and preparing one costs about as much per parameter as running it: a thousand
// rows a statement ran faster than SQLite's limit of five thousand (measured: 10% less time per
// row, preparing included), and fewer made the time spent per statement show.
const sqliteLoadRows = 1000

// writeSQLite inserts t.vals with multi-row INSERT ... VALUES, sqliteLoadRows rows per statement
// (fewer where the parameter limit says so) and the rest in statements of a power of two rows each,
// so that a Flush prepares a few shapes of statement per table, whatever its number of rows.
func writeSQLite(ctx context.Context, c sqliteConn, stmts sqliteStmts, t *loadTable) error {
	n := len(t.cols)
	batch := min(sqliteLoadRows, sqliteDialect.maxParams/n)
	for rest := t.vals; len(rest) > 0; {
		rows := min(batch, len(rest)/n)
		if rows < batch {
			rows = 1 << (bits.Len(uint(rows)) - 1) // the largest power of two not above rows
		}
		chunk := rest[:rows*n]
		rest = rest[rows*n:]
		// The driver finds each parameter's value by its ordinal.
		for i := range chunk {
			chunk[i].Ordinal = i + 1
		}
		s, err := stmts.get(ctx, c, t, rows)
		if err != nil {
			return err
		}
		se, ok := s.(driver.StmtExecContext)
		if !ok {
			return fmt.Errorf("sqlite driver statement %T cannot execute with a context", s)
		}
		if _, err := se.ExecContext(ctx, chunk); err != nil {
			return err
		}
	}
	return nil
}

// sqliteStmts are the INSERT statements one Flush prepared, by table and rows per statement.
type sqliteStmts map[stmtShape]driver.Stmt

type stmtShape struct {
	table string
	rows  int
}

// get returns the INSERT of rows rows into t, prepared on c.
func (ss sqliteStmts) get(ctx context.Context, c sqliteConn, t *loadTable, rows int) (driver.Stmt, error) {
	key := stmtShape{t.name, rows}
	if s, ok := ss[key]; ok {
		return s, nil
	}
	s, err := c.PrepareContext(ctx, "INSERT INTO "+t.name+" ("+strings.Join(t.cols, ", ")+") VALUES "+
		sqliteDialect.valuesList(rows, len(t.cols)))
	if err != nil {
		return nil, err
	}
	ss[key] = s
	return s, nil
}

func (ss sqliteStmts) close() error {
	var errs []error
	for _, s := range ss {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
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
		t.vals = t.vals[:0]
		t.docs = t.docs[:0]
		t.last = 0
	}
	l.rows = 0
}

// PrepareBulkLoad tunes the database for a one-off bulk load into a fresh database. The returned
// function restores the normal settings.
//
// On SQLite: one connection with no journal, no fsync and no foreign-key checks (the loader's rows
// are consistent by construction and the tests check them; a crash mid-seed means seeding a new
// database anyway), and a small page cache. The demo's rows arrive in key order, so each table and
// index is written at a few places at a time (receipt numbers, which start with the day, at a few
// hundred), and 16 MiB holds them; a larger cache only cost time (measured: at 256 MiB a quarter
// of the load's CPU went to allocating its pages and to handing each back when it shrank or the
// connection closed, and at 64 MiB closing the connection still took a second).
//
// On SQL Server: no idle connections are kept, so every Flush runs in a session of its own. A login
// per thousand accounts costs SQL Server next to nothing, and it spares the load a quirk of Babelfish
// (the engine the store tests use): a session whose first write was small, such as the few rows of
// the grid, runs every later INSERT several times slower (measured: 5x) for as long as it lives.
func (db *DB) PrepareBulkLoad(ctx context.Context) (restore func(context.Context) error, err error) {
	if db.dialect.name == "sqlserver" {
		// The loader's rows travel through OPENJSON: say so plainly where the database cannot run it.
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM OPENJSON(N'[]')`).Scan(&n); err != nil {
			return nil, fmt.Errorf("store: bulk load needs OPENJSON (SQL Server 2016 or later, database compatibility level 130 or more): %w", err)
		}
		db.SetMaxIdleConns(0)
		return func(context.Context) error {
			db.SetMaxIdleConns(sqlserverMaxConns)
			return nil
		}, nil
	}
	db.SetMaxOpenConns(1)
	if err := db.pragmas(ctx, "cache_size = -16384", "synchronous = OFF", "foreign_keys = OFF", "journal_mode = OFF"); err != nil {
		return nil, fmt.Errorf("store: bulk load: %w", err)
	}
	return func(ctx context.Context) error {
		defer func() {
			// The pool as Open set it: every connection kept, so the statement cache keeps its work.
			db.SetMaxOpenConns(sqliteMaxConns)
			db.SetMaxIdleConns(sqliteMaxConns)
		}()
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
