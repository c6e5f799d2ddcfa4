// Package store is gridpay's database access: opening SQLite or SQL Server, transactions with
// retries, embedded migrations per dialect, and the queries. It holds no business rules.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	mssql "github.com/microsoft/go-mssqldb"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"gridpay/internal/billing"
)

// DB is an open database with its dialect.
type DB struct {
	*sql.DB
	dialect    dialect
	statements *atomic.Int64 // statements executed (Statements)
	// writer is held by the one Transact of this process that writes to a SQLite database (nil on
	// SQL Server). SQLite lets one writer in at a time, and a writer that finds the lock taken sleeps
	// in its busy handler for 1, 2, 5, 10... ms before it looks again: waiting here instead hands the
	// lock over the moment it is free. Other processes still meet on the busy timeout.
	writer chan struct{}
	stmts  stmtCache
	// callbacks groups concurrent MarkPaidFromCallback calls into shared transactions.
	callbacks groupCommit[*callbackCall]
	// postings groups concurrent Core.PostPayment calls into shared transactions.
	postings groupCommit[*postingCall]
}

// Dialect names the SQL dialect: "sqlite" or "sqlserver".
func (db *DB) Dialect() string { return db.dialect.name }

// Open opens a database from a DSN: "sqlite:<path>" (modernc.org/sqlite; WAL, busy timeout, foreign
// keys on, immediate write transactions) or "sqlserver://..." (go-mssqldb). It pings before returning.
func Open(ctx context.Context, dsn string) (*DB, error) {
	var (
		sdb *sql.DB
		d   dialect
		err error
		n   = new(atomic.Int64)
	)
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return nil, fmt.Errorf("store: open: empty sqlite path in %q", dsn)
		}
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("store: open: %w", err)
			}
		}
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "cache_size(-65536)")
		// Immediate write transactions take the write lock at BEGIN, so two writers queue on the busy
		// timeout instead of one failing when it upgrades a read lock.
		q.Set("_txlock", "immediate")
		sdb, err = openCounting("sqlite", "file:"+path+"?"+q.Encode(), n)
		d = sqliteDialect
	case strings.HasPrefix(dsn, "sqlserver://"):
		sdb, err = openCounting("sqlserver", dsn, n)
		d = sqlserverDialect
	default:
		return nil, fmt.Errorf("store: open: unsupported DSN %q: want sqlite:<path> or sqlserver://...", redactDSN(dsn))
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", redactDSN(dsn), err)
	}
	if d.name == "sqlite" {
		// One writer at a time is all SQLite allows; a small pool keeps readers concurrent. Every
		// connection stays open: opening one runs the pragmas above, and closing it drops the
		// statements prepared on it.
		sdb.SetMaxOpenConns(sqliteMaxConns)
		sdb.SetMaxIdleConns(sqliteMaxConns)
	} else {
		// A SQL Server login costs a TLS handshake and a round trip or more: keep the connections a
		// busy moment opened (database/sql keeps two idle by default) and let idle time close them.
		sdb.SetMaxOpenConns(sqlserverMaxConns)
		sdb.SetMaxIdleConns(sqlserverMaxConns)
		sdb.SetConnMaxIdleTime(5 * time.Minute)
	}
	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("store: open %s: %w", redactDSN(dsn), err)
	}
	db := &DB{DB: sdb, dialect: d, statements: n}
	if d.name == "sqlite" {
		db.writer = make(chan struct{}, 1)
	}
	return db, nil
}

// redactDSN hides a password in a DSN before it reaches an error or a log line: in a URL, the
// user's password and any password query parameter are masked; a DSN that is not a URL with a host
// (an ADO "server=...;password=..." string, a MySQL "user:password@tcp(...)" one) is shown only
// when it has nothing that could be a password.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	// A password with '#' or '/' in it ("sa:2024#Pw@host") fools the URL parser into a host
	// "sa:2024" and no user: whenever '@' is there but no user was parsed, hide it all.
	if err != nil || (u.Host == "" && u.User == nil) || (u.User == nil && strings.Contains(dsn, "@")) {
		if strings.ContainsAny(dsn, "@=;") {
			return "(DSN hidden: it may hold a password)"
		}
		return dsn
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	if q := u.Query(); len(q) > 0 {
		masked := false
		for k := range q {
			if strings.EqualFold(k, "password") || strings.EqualFold(k, "pwd") {
				q.Set(k, "xxxxx")
				masked = true
			}
		}
		if masked {
			u.RawQuery = q.Encode()
		}
	}
	return u.String()
}

// sqliteMaxConns is the SQLite pool size: WAL lets readers run beside the one writer.
const sqliteMaxConns = 8

// sqlserverMaxConns is the SQL Server pool size of one process.
const sqlserverMaxConns = 32

// maxAttempts bounds Transact's retries of busy or deadlocked transactions.
const maxAttempts = 8

// Transact runs fn in one transaction and commits it, or rolls back when fn fails. A transaction that
// loses to another writer (SQLite busy, SQL Server deadlock victim 1205) is retried from the start
// with jittered backoff, so fn must do nothing outside the transaction that cannot be repeated.
func (db *DB) Transact(ctx context.Context, fn func(tx *sql.Tx) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = db.transactOnce(ctx, fn)
		if err == nil || !db.dialect.retryable(err) || attempt == maxAttempts {
			return err
		}
		backoff := time.Duration(attempt*attempt)*5*time.Millisecond + rand.N(10*time.Millisecond)
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(backoff):
		}
	}
}

func (db *DB) transactOnce(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	if db.writer != nil {
		select {
		case db.writer <- struct{}{}:
			defer func() { <-db.writer }()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
		if err != nil {
			tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// isSQLiteCode reports whether err is a SQLite error with one of codes, compared as extended codes
// when a code is extended (> 0xff) and as primary codes otherwise.
func isSQLiteCode(err error, codes ...int) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	for _, c := range codes {
		if se.Code() == c || (c <= 0xff && se.Code()&0xff == c) {
			return true
		}
	}
	return false
}

// isMSSQLNumber reports whether err is a SQL Server error with one of the given numbers.
func isMSSQLNumber(err error, numbers ...int32) bool {
	var me mssql.Error
	if !errors.As(err, &me) {
		return false
	}
	for _, n := range numbers {
		if me.Number == n {
			return true
		}
	}
	return false
}

var (
	sqliteBusy      = []int{sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
	sqliteDuplicate = []int{sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY}
)

// querier is what *sql.DB and *sql.Tx have in common, so helpers run inside or outside a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// rowScanner is what *sql.Row and *sql.Rows have in common for the scan functions.
type rowScanner = interface{ Scan(...any) error }

// collect scans every row with scan and closes rows; no rows is an empty list, not nil.
func collect[T any](rows *sql.Rows, scan func(rowScanner) (T, error)) ([]T, error) {
	defer rows.Close()
	list := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, v)
	}
	return list, rows.Err()
}

// inList returns a list of named parameters for an IN (...) clause, @prefix0, @prefix1, ..., and
// their arguments, so that a query can select by a list a rule in billing keeps. values must not be
// empty: "IN ()" is no SQL.
func inList[S ~string](prefix string, values []S) (string, []any) {
	names := make([]string, len(values))
	args := make([]any, len(values))
	for i, v := range values {
		name := fmt.Sprintf("%s%d", prefix, i)
		names[i], args[i] = "@"+name, sql.Named(name, string(v))
	}
	return strings.Join(names, ", "), args
}

// maxInList is the most values one IN list carries. SQL Server takes 2100 parameters a statement,
// but each length of list is a statement of its own to compile and keep in the plan cache: lists
// are cut at this length and padded to a power of two (inChunks), so that a batch of any size runs
// as a few statements of a few shapes.
const maxInList = 512

// inChunks calls fn with the IN list (see inList) and arguments of each run of at most maxInList of
// values, named @prefix0, @prefix1, ... A run is padded to a power of two, at least 8, by repeating
// its last value, which changes no IN's answer. Nothing is called for no values.
func inChunks(prefix string, values []string, fn func(in string, args []any) error) error {
	for start := 0; start < len(values); start += maxInList {
		chunk := values[start:min(start+maxInList, len(values))]
		size := 8
		for size < len(chunk) {
			size *= 2
		}
		padded := make([]string, size)
		copy(padded, chunk)
		for i := len(chunk); i < size; i++ {
			padded[i] = chunk[len(chunk)-1]
		}
		in, args := inList(prefix, padded)
		if err := fn(in, args); err != nil {
			return err
		}
	}
	return nil
}

// accountBatch checks the account numbers of a batch read: at most MaxArrearsBatch of them, each a
// valid account number. It returns them without repeats, in their first order.
func accountBatch(accountNos []string) ([]string, error) {
	if len(accountNos) > MaxArrearsBatch {
		return nil, fmt.Errorf("a batch of %d accounts, more than %d: %w", len(accountNos), MaxArrearsBatch, billing.ErrInvalid)
	}
	seen := make(map[string]bool, len(accountNos))
	out := make([]string, 0, len(accountNos))
	for _, no := range accountNos {
		if !billing.ValidAccountNo(no) {
			return nil, fmt.Errorf("account %q: %w", truncateText(no, 16), billing.ErrInvalid)
		}
		if !seen[no] {
			seen[no] = true
			out = append(out, no)
		}
	}
	return out, nil
}

// upsert runs update and, when it changed no row, insert: a row that may or may not be there under
// a unique key is written without MERGE (docs/design.md). Two writers that both find no row meet on
// the key: the second insert fails as a duplicate, and that writer's update runs again and finds the
// first writer's row. args serve both statements.
func (db *DB) upsert(ctx context.Context, update, insert string, args ...any) error {
	for range 3 {
		res, err := db.ExecContext(ctx, update, args...)
		if err = oneRow(res, err); !errors.Is(err, billing.ErrConflict) {
			return err
		}
		if _, err = db.ExecContext(ctx, insert, args...); !db.dialect.duplicate(err) {
			return err
		}
	}
	// The row came and went between every update and insert: someone deletes as fast as we write.
	return fmt.Errorf("the row was removed and added again meanwhile: %w", billing.ErrConflict)
}

// deletedOne checks the result of a DELETE of one row by its key: no row deleted is not found.
func deletedOne(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	switch {
	case err != nil:
		return err
	case n == 0:
		return billing.ErrNotFound
	}
	return nil
}

// stmtCache holds the statements of the hot paths (a callback, a posting), each prepared once per
// connection and reused: modernc's SQLite driver keeps no statement cache of its own, and parsing
// the same SQL again on every call was a third of a callback's transaction. A statement is prepared
// on the side the first time it is asked for (prepareAsync), so a transaction never waits for a
// free connection while it holds its own. The cache keeps every text it is given for as long as the
// database is open: only statements of a fixed shape go through it, never text built from values.
type stmtCache struct {
	mu        sync.Mutex
	stmts     map[string]*sql.Stmt
	preparing map[string]bool
}

// cached returns the statement of query when the cache has it, and otherwise nil and starts
// preparing it for the calls after this one.
func (db *DB) cached(query string) *sql.Stmt {
	c := &db.stmts
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.stmts[query]; s != nil {
		return s
	}
	if c.preparing[query] {
		return nil
	}
	if c.preparing == nil {
		c.preparing, c.stmts = map[string]bool{}, map[string]*sql.Stmt{}
	}
	c.preparing[query] = true
	go db.prepareAsync(query)
	return nil
}

// prepareAsync prepares query on a connection of the pool and keeps it in the cache. A statement
// that does not prepare (the database closing, say) is left out; the next call tries again.
func (db *DB) prepareAsync(query string) {
	s, err := db.DB.PrepareContext(context.Background(), query)
	c := &db.stmts
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.preparing, query)
	if err == nil {
		c.stmts[query] = s
	}
}

// CachedStatements returns how many statements the cache holds: for tests.
func (db *DB) CachedStatements() int {
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	return len(db.stmts.stmts)
}

// stmtFor returns query as a statement of q (a transaction or the database) when the cache has
// it, or nil when q must run the text itself.
func (db *DB) stmtFor(ctx context.Context, q querier, query string) *sql.Stmt {
	s := db.cached(query)
	if s == nil {
		return nil
	}
	switch q := q.(type) {
	case *sql.Tx:
		return q.StmtContext(ctx, s)
	case *DB:
		if q == db {
			return s
		}
	}
	return nil
}

// cachedQuerier is a querier whose statements come from the statement cache of db.
type cachedQuerier struct {
	db *DB
	q  querier
}

// cachedOn returns q (a transaction of db, or db) with its statements from db's statement cache,
// for helpers that take a querier.
func (db *DB) cachedOn(q querier) querier { return cachedQuerier{db: db, q: q} }

func (c cachedQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return c.db.exec(ctx, c.q, query, args...)
}

func (c cachedQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return c.db.query(ctx, c.q, query, args...)
}

func (c cachedQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return c.db.queryRow(ctx, c.q, query, args...)
}

// exec runs query on q as ExecContext does, through the statement cache.
func (db *DB) exec(ctx context.Context, q querier, query string, args ...any) (sql.Result, error) {
	if s := db.stmtFor(ctx, q, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return q.ExecContext(ctx, query, args...)
}

// queryRow runs query on q as QueryRowContext does, through the statement cache.
func (db *DB) queryRow(ctx context.Context, q querier, query string, args ...any) *sql.Row {
	if s := db.stmtFor(ctx, q, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return q.QueryRowContext(ctx, query, args...)
}

// query runs query on q as QueryContext does, through the statement cache.
func (db *DB) query(ctx context.Context, q querier, query string, args ...any) (*sql.Rows, error) {
	if s := db.stmtFor(ctx, q, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return q.QueryContext(ctx, query, args...)
}
