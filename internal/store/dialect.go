package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	sqlite3 "modernc.org/sqlite/lib"
)

// dialect holds every place where SQLite and SQL Server SQL differ, so that the queries themselves
// are written once. Queries use named parameters (@name with sql.Named), which both drivers bind.
type dialect struct {
	name string
	// maxParams is the most bind parameters one statement may carry.
	maxParams int
	// maxRows is the most rows one INSERT ... VALUES may carry.
	maxRows int
	// placeholder returns the n-th (1-based) positional parameter.
	placeholder func(n int) string
	// page appends paging to a query that ends in ORDER BY.
	page func(limitParam, offsetParam string) string
	// insertID turns "INSERT INTO t (cols) VALUES (...)" into a statement that yields the new id.
	insertID func(table, cols, values string) string
	// applock takes an exclusive lock on a named resource until the transaction ends; "" when the
	// dialect's write transactions exclude each other already.
	applock string
	// tableExists is a query of one row and column, 1 when the table named @name exists and else 0.
	tableExists string
	// duplicate, missingParent and retryable classify driver errors.
	duplicate     func(error) bool
	missingParent func(error) bool
	retryable     func(error) bool
}

var sqliteDialect = dialect{
	name:        "sqlite",
	maxParams:   32766,
	maxRows:     5000,
	placeholder: func(int) string { return "?" },
	page: func(limit, offset string) string {
		return fmt.Sprintf(" LIMIT %s OFFSET %s", limit, offset)
	},
	insertID: func(table, cols, values string) string {
		return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) RETURNING id", table, cols, values)
	},
	// BEGIN IMMEDIATE (the _txlock DSN setting) takes the database's one write lock: every write
	// transaction runs alone, so a named lock adds nothing.
	applock:       "",
	tableExists:   `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = @name`,
	duplicate:     func(err error) bool { return isSQLiteCode(err, sqliteDuplicate...) },
	missingParent: func(err error) bool { return isSQLiteCode(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) },
	retryable:     func(err error) bool { return isSQLiteCode(err, sqliteBusy...) },
}

var sqlserverDialect = dialect{
	name:        "sqlserver",
	maxParams:   2000, // SQL Server allows 2100 parameters per request
	maxRows:     1000, // and 1000 rows per VALUES list
	placeholder: func(n int) string { return fmt.Sprintf("@p%d", n) },
	page: func(limit, offset string) string {
		return fmt.Sprintf(" OFFSET %s ROWS FETCH NEXT %s ROWS ONLY", offset, limit)
	},
	insertID: func(table, cols, values string) string {
		return fmt.Sprintf("INSERT INTO %s (%s) OUTPUT INSERTED.id VALUES (%s)", table, cols, values)
	},
	// sp_getapplock returns 0 or 1 when granted, -1 on timeout, -2 when cancelled, -3 as a deadlock
	// victim and -999 on a bad call (outside a transaction, say). The resource is named with the
	// database: SQL Server keeps application locks per database anyway, but not every engine that
	// speaks T-SQL does, and the lock guards rows of this database only.
	applock: `DECLARE @rc INT, @name NVARCHAR(255) = LEFT(DB_NAME() + N':' + @resource, 255);
EXEC @rc = sp_getapplock @Resource = @name, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = @timeout_ms;
SELECT @rc`,
	tableExists:   `SELECT CASE WHEN OBJECT_ID(@name, N'U') IS NULL THEN 0 ELSE 1 END`,
	duplicate:     func(err error) bool { return isMSSQLNumber(err, 2627, 2601) },
	missingParent: func(err error) bool { return isMSSQLNumber(err, 547) },
	retryable:     func(err error) bool { return isMSSQLNumber(err, 1205) || errors.Is(err, errLockDeadlock) },
}

// lockWait bounds how long a transaction waits for a named lock. Posting one payment takes
// milliseconds on a healthy server, but a burst of copies of one payment (a provider's retries and
// the sweeper together) queues on its account's lock, and on a loaded server each may take most of
// a second: the ceiling leaves room for such a queue. A caller that cannot wait as long gives its
// context a deadline, which ends the wait sooner (lockTimeout).
const lockWait = 60 * time.Second

// lockTimeout is how long a transaction under ctx may wait for a named lock: lockWait, or less when
// ctx ends sooner.
func lockTimeout(ctx context.Context) time.Duration {
	wait := lockWait
	if deadline, ok := ctx.Deadline(); ok {
		wait = min(wait, time.Until(deadline))
	}
	return max(wait, time.Millisecond)
}

// errLockDeadlock is a named lock refused to break a deadlock; Transact retries it like SQL
// Server's deadlock victim error 1205.
var errLockDeadlock = errors.New("chosen as deadlock victim while waiting for a named lock")

// lock takes an exclusive lock on resource until tx ends, so that the transactions that change one
// thing (an account's bills, an order) run one after another across processes. Correctness rests on
// this statement, not on table hints, which an engine or a changed plan may not honour. Taking a
// lock the transaction holds already is granted at once.
func (d dialect) lock(ctx context.Context, tx *sql.Tx, resource string) error {
	return d.lockWith(ctx, tx.QueryRowContext, resource)
}

// lock is dialect.lock with the statement from db's statement cache.
func (db *DB) lock(ctx context.Context, tx *sql.Tx, resource string) error {
	return db.dialect.lockWith(ctx, func(ctx context.Context, query string, args ...any) *sql.Row {
		return db.queryRow(ctx, tx, query, args...)
	}, resource)
}

// lockWith is lock with queryRow running the statement in the transaction.
func (d dialect) lockWith(ctx context.Context, queryRow func(context.Context, string, ...any) *sql.Row, resource string) error {
	if d.applock == "" {
		return nil
	}
	var rc int
	wait := lockTimeout(ctx)
	err := queryRow(ctx, d.applock, sql.Named("resource", resource),
		sql.Named("timeout_ms", int32(wait/time.Millisecond))).Scan(&rc)
	switch {
	case err != nil:
		return fmt.Errorf("lock %s: %w", resource, err)
	case rc == -3:
		return fmt.Errorf("lock %s: %w", resource, errLockDeadlock)
	case rc == -1:
		return fmt.Errorf("lock %s: not granted within %s", resource, wait.Round(time.Millisecond))
	case rc < 0:
		return fmt.Errorf("lock %s: sp_getapplock returned %d", resource, rc)
	}
	return nil
}

// nextCounter increments counter name and returns its new value inside tx. The UPDATE holds the
// row's write lock until tx ends, so the SELECT after it reads this transaction's own value on
// every engine; a value read back through UPDATE ... OUTPUT may be stale on some of them.
func nextCounter(ctx context.Context, tx querier, name string) (int64, error) {
	res, err := tx.ExecContext(ctx, `UPDATE counters SET last_no = last_no + 1 WHERE name = @name`, sql.Named("name", name))
	if err := oneRow(res, err); err != nil {
		return 0, fmt.Errorf("counter %s: %w", name, err)
	}
	var v int64
	if err := tx.QueryRowContext(ctx, `SELECT last_no FROM counters WHERE name = @name`, sql.Named("name", name)).Scan(&v); err != nil {
		return 0, fmt.Errorf("counter %s: %w", name, err)
	}
	return v, nil
}

// valuesList returns "(?,?,?),(?,?,?)" for rows x cols positional parameters in the dialect's form.
func (d dialect) valuesList(rows, cols int) string {
	var b strings.Builder
	n := 1
	for r := 0; r < rows; r++ {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c := 0; c < cols; c++ {
			if c > 0 {
				b.WriteByte(',')
			}
			b.WriteString(d.placeholder(n))
			n++
		}
		b.WriteByte(')')
	}
	return b.String()
}
