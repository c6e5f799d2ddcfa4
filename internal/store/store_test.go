package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gridpay/internal/store"
	"gridpay/internal/storetest"
)

// openTestDB opens a fresh, migrated SQLite core database in the test's temporary directory.
func openTestDB(t *testing.T) *store.DB {
	t.Helper()
	db, _ := openSQLiteFile(t)
	migrate(t, db)
	return db
}

// openSQLiteFile opens a fresh SQLite core database without migrating it and returns its path.
func openSQLiteFile(t *testing.T) (*store.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "core.db")
	db, err := store.Open(t.Context(), "sqlite:"+path)
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	dsns.Store(db, "sqlite:"+path)
	return db, path
}

// dsns remembers the DSN of each test database, for reopen.
var dsns sync.Map // *store.DB -> string

// reopen closes a test database and opens it again from its DSN, as a process started afterwards would.
func reopen(t *testing.T, db *store.DB) *store.DB {
	t.Helper()
	dsn, ok := dsns.Load(db)
	if !ok {
		t.Fatal("reopen: not a test database")
	}
	db.Close()
	again, err := store.Open(t.Context(), dsn.(string))
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	t.Cleanup(func() { again.Close() })
	dsns.Store(again, dsn)
	return again
}

// openLike opens another fresh, migrated database of db's dialect.
func openLike(t *testing.T, db *store.DB) *store.DB {
	t.Helper()
	if db.Dialect() == "sqlserver" {
		other := openTestMSSQL(t)
		migrate(t, other)
		return other
	}
	return openTestDB(t)
}

// openTestMSSQL opens a new empty database on the SQL Server of GRIDPAY_TEST_MSSQL, dropped when the
// test ends. The database is not migrated.
func openTestMSSQL(t *testing.T) *store.DB {
	t.Helper()
	dsn := storetest.SQLServer.NewDSN(t, "core")
	db, err := store.Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	dsns.Store(db, dsn)
	return db
}

// warmPool opens n connections at once and runs a statement with a parameter on each, then hands
// them back to the pool, so that a concurrency test's goroutines meet in the database rather than
// one after another: on SQL Server a new connection's login and first statements take longer than
// a whole posting. SQLite needs no warming (and its pool is smaller than some tests' n).
func warmPool(t *testing.T, db *store.DB, n int) {
	t.Helper()
	if db.Dialect() != "sqlserver" {
		return
	}
	conns := make([]*sql.Conn, n)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			c, err := db.Conn(t.Context())
			if err == nil {
				var v int
				err = c.QueryRowContext(t.Context(), "SELECT @v", sql.Named("v", i)).Scan(&v)
			}
			conns[i], errs[i] = c, err
		})
	}
	wg.Wait()
	for i, c := range conns {
		if c != nil {
			c.Close()
		}
		if errs[i] != nil {
			t.Fatalf("warm the pool: %v", errs[i])
		}
	}
}

// atOnce runs fn(0) to fn(n-1) in n goroutines released together, on a pool warmed for them, and
// waits for all of them: what a concurrency test needs to make its callers really meet.
func atOnce(t *testing.T, db *store.DB, n int, fn func(i int)) {
	t.Helper()
	warmPool(t, db, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			fn(i)
		})
	}
	close(start)
	wg.Wait()
}

func migrate(t *testing.T, db *store.DB) {
	t.Helper()
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatalf("migrate %s: %v", db.Dialect(), err)
	}
}

// forEachDB runs fn on a fresh migrated SQLite database in subtest "sqlite" and on a fresh migrated
// SQL Server database in subtest "sqlserver" (storetest.ForEach: when GRIDPAY_TEST_MSSQL holds a
// DSN, and always in CI, where a missing DSN fails).
func forEachDB(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	forEachDatabase(t, true, fn)
}

// forEachEmptyDB is forEachDB without the migration.
func forEachEmptyDB(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	forEachDatabase(t, false, fn)
}

func forEachDatabase(t *testing.T, migrated bool, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	storetest.ForEach(t, func(t *testing.T, d storetest.Dialect) {
		var db *store.DB
		if d.Name == "sqlserver" {
			db = openTestMSSQL(t)
		} else {
			db, _ = openSQLiteFile(t)
		}
		if migrated {
			migrate(t, db)
		}
		fn(t, db)
	})
}

// queryInt runs a query that yields one integer.
func queryInt(t *testing.T, db *store.DB, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRowContext(t.Context(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// countRows counts a table's rows.
func countRows(t *testing.T, db *store.DB, table string) int64 {
	t.Helper()
	return queryInt(t, db, "SELECT COUNT(*) FROM "+table)
}

// dateText turns a scanned DATE (SQL Server: time.Time) or TEXT (SQLite: string) into YYYY-MM-DD;
// NULL is "".
func dateText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case time.Time:
		return x.Format("2006-01-02")
	case []byte:
		return dateText(string(x))
	case string:
		return x[:min(len(x), 10)]
	}
	return fmt.Sprintf("unexpected %T", v)
}

// day is a civil date as the store returns it: midnight UTC.
func day(s string) time.Time {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestOpenRejectsBadDSN(t *testing.T) {
	tests := []struct {
		name, dsn string
	}{
		{"empty", ""},
		{"postgres", "postgres://gridpay:s3cret@db.example/core"},
		{"mysql style", "mysql:gridpay:s3cret@tcp(db)/core"},
		{"path without prefix", "data/core.db"},
		{"empty sqlite path", "sqlite:"},
		{"prefix in wrong case", "SQLite:" + filepath.Join(t.TempDir(), "core.db")},
		{"ADO connection string", "server=db;user id=sa;password=s3cret"},
		// Supported, but nothing listens on port 1: the ping fails and the error names the DSN.
		{"unreachable server, password in user info", "sqlserver://sa:s3cret@127.0.0.1:1?dial+timeout=2"},
		{"unreachable server, password parameter", "sqlserver://sa@127.0.0.1:1?password=s3cret&dial+timeout=2"},
		{"password with a hash that fools the URL parser", "sqlserver://sa:s3cret#x@127.0.0.1:1?dial+timeout=2"},
		{"password with a slash", "sqlserver://sa:s3cret/x@127.0.0.1:1?dial+timeout=2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := store.Open(t.Context(), tt.dsn)
			if err == nil {
				db.Close()
				t.Fatalf("Open(%q) = nil error, want one", tt.dsn)
			}
			if db != nil {
				t.Errorf("Open(%q) returned a DB with its error", tt.dsn)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("Open(%q) error shows the password: %v", tt.dsn, err)
			}
		})
	}
}

func TestOpenSQLite(t *testing.T) {
	// A path whose directories do not exist yet: Open creates them.
	path := filepath.Join(t.TempDir(), "data", "county", "core.db")
	db, err := store.Open(t.Context(), "sqlite:"+path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v", err)
	}
	if got := db.Dialect(); got != "sqlite" {
		t.Errorf("Dialect() = %q, want sqlite", got)
	}
	// Pragmas are per connection: hold several at once so more than one connection is checked.
	var conns []*sql.Conn
	for range 3 {
		c, err := db.Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	for i, c := range conns {
		for _, p := range []struct{ pragma, want string }{
			{"journal_mode", "wal"},
			{"foreign_keys", "1"},
			{"busy_timeout", "10000"},
			{"synchronous", "1"}, // NORMAL
		} {
			var got string
			if err := c.QueryRowContext(t.Context(), "PRAGMA "+p.pragma).Scan(&got); err != nil {
				t.Fatalf("PRAGMA %s: %v", p.pragma, err)
			}
			if got != p.want {
				t.Errorf("connection %d: PRAGMA %s = %q, want %q", i, p.pragma, got, p.want)
			}
		}
	}
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	// Foreign keys are enforced, not just switched on: a meter of a missing account is refused.
	_, err = db.ExecContext(t.Context(), `INSERT INTO meters (asset_no, account_id, digits, multiplier, installed_on)
VALUES ('3300000000001', 999, 6, 1, '2026-01-01')`)
	if err == nil {
		t.Error("inserting a meter of a missing account succeeded; foreign keys are off")
	}
}

func TestMigrate(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		// Both schemas in one database, as docs/design.md allows: each keeps its own version table.
		for _, schema := range []store.Schema{store.CoreSchema, store.PortalSchema} {
			files, err := filepath.Glob(filepath.Join("migrations", string(schema), db.Dialect(), "*.sql"))
			if err != nil || len(files) == 0 {
				t.Fatalf("no %s migrations for %s: %v", schema, db.Dialect(), err)
			}
			for _, run := range []struct {
				name string
				want int
			}{
				{"first run applies every migration", len(files)},
				{"second run applies none", 0},
			} {
				n, err := db.MigrateSchema(t.Context(), schema)
				if err != nil {
					t.Fatalf("%s %s: %v", schema, run.name, err)
				}
				if n != run.want {
					t.Errorf("%s %s: MigrateSchema() = %d, want %d", schema, run.name, n, run.want)
				}
			}
		}
	})
}

// insertSubstation writes one row that a test can look for afterwards.
func insertSubstation(ctx context.Context, q interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, code string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO substations (code, name, voltage_kv) VALUES (@code, @name, 35)`,
		sql.Named("code", code), sql.Named("name", "测试变电站"+code))
	return err
}

func substations(t *testing.T, db *store.DB, code string) int64 {
	t.Helper()
	return queryInt(t, db, `SELECT COUNT(*) FROM substations WHERE code = @code`, sql.Named("code", code))
}

func TestTransact(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		errBoom := errors.New("boom")
		tests := []struct {
			name     string
			code     string // the substation fn inserts
			fn       func(tx *sql.Tx, code string) error
			wantErr  error // nil: any error when wantRows is 0, none when it is 1
			wantRows int64
		}{
			{"nil commits", "COMMIT", func(tx *sql.Tx, code string) error { return insertSubstation(ctx, tx, code) }, nil, 1},
			{"error rolls back and is not retried", "ROLLBACK", func(tx *sql.Tx, code string) error {
				if err := insertSubstation(ctx, tx, code); err != nil {
					return err
				}
				return fmt.Errorf("after the insert: %w", errBoom)
			}, errBoom, 0},
			{"statement error rolls back the earlier statements", "DUPLICATE", func(tx *sql.Tx, code string) error {
				if err := insertSubstation(ctx, tx, code); err != nil {
					return err
				}
				return insertSubstation(ctx, tx, code) // unique code: fails, and is not a busy error
			}, nil, 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				calls := 0
				err := db.Transact(ctx, func(tx *sql.Tx) error { calls++; return tt.fn(tx, tt.code) })
				switch {
				case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
					t.Errorf("Transact() = %v, want %v", err, tt.wantErr)
				case tt.wantRows == 1 && err != nil:
					t.Errorf("Transact() = %v, want nil", err)
				case tt.wantRows == 0 && err == nil:
					t.Errorf("Transact() = nil, want an error")
				}
				if calls != 1 {
					t.Errorf("fn ran %d times, want once", calls)
				}
				if got := substations(t, db, tt.code); got != tt.wantRows {
					t.Errorf("rows afterwards = %d, want %d", got, tt.wantRows)
				}
			})
		}

		t.Run("panic rolls back and propagates", func(t *testing.T) {
			func() {
				defer func() {
					if p := recover(); p != "kaboom" {
						t.Errorf("recovered %v, want the panic value kaboom", p)
					}
				}()
				db.Transact(ctx, func(tx *sql.Tx) error {
					if err := insertSubstation(ctx, tx, "PANIC"); err != nil {
						return err
					}
					panic("kaboom")
				})
			}()
			if got := substations(t, db, "PANIC"); got != 0 {
				t.Errorf("rows after a panic = %d, want 0", got)
			}
			// The write lock was released: the next transaction neither waits nor fails.
			wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			if err := db.Transact(wctx, func(tx *sql.Tx) error { return insertSubstation(wctx, tx, "AFTER-PANIC") }); err != nil {
				t.Fatalf("transaction after a panic: %v", err)
			}
		})

		t.Run("concurrent writers all commit", func(t *testing.T) {
			const writers, perWriter = 2, 60
			var wg sync.WaitGroup
			errs := make(chan error, writers*perWriter)
			for w := range writers {
				wg.Go(func() {
					for i := range perWriter {
						errs <- db.Transact(ctx, func(tx *sql.Tx) error {
							// Read, then write: the pattern that deadlocks or fails under deferred locking.
							var n int
							if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM substations`).Scan(&n); err != nil {
								return err
							}
							return insertSubstation(ctx, tx, fmt.Sprintf("W%d-%03d", w, i))
						})
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Errorf("concurrent Transact: %v", err)
				}
			}
			if got := queryInt(t, db, `SELECT COUNT(*) FROM substations WHERE code LIKE 'W%'`); got != writers*perWriter {
				t.Errorf("rows written = %d, want %d", got, writers*perWriter)
			}
		})
	})
}

// TestTransactRetriesBusy makes the first attempt fail with a real SQLITE_BUSY: while the
// transaction holds the write lock, a second handle without a busy timeout tries to write.
func TestTransactRetriesBusy(t *testing.T) {
	db, path := openSQLiteFile(t)
	migrate(t, db)
	other, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ctx := t.Context()

	busyOnce := func(attempt int, tx *sql.Tx) error {
		if err := insertSubstation(ctx, tx, fmt.Sprintf("TRY%d", attempt)); err != nil {
			return err
		}
		if attempt == 1 {
			if err := insertSubstation(ctx, other, "OTHER"); err != nil {
				return fmt.Errorf("second writer: %w", err)
			}
			return errors.New("second writer got in while the transaction held the write lock")
		}
		return nil
	}
	tests := []struct {
		name        string
		fn          func(attempt int, tx *sql.Tx) error
		wantErr     bool
		minCalls    int
		maxCalls    int
		wantCommits []string
	}{
		{"busy once, then commits", busyOnce, false, 2, 2, []string{"TRY2"}},
		{"busy always, gives up", func(attempt int, tx *sql.Tx) error {
			if err := insertSubstation(ctx, other, "OTHER"); err != nil {
				return fmt.Errorf("second writer: %w", err)
			}
			return errors.New("second writer got in")
		}, true, 2, 10, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			err := db.Transact(ctx, func(tx *sql.Tx) error { calls++; return tt.fn(calls, tx) })
			if (err != nil) != tt.wantErr {
				t.Fatalf("Transact() = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), "second writer:") {
				t.Errorf("Transact() = %v, want the busy error of the last attempt", err)
			}
			if calls < tt.minCalls || calls > tt.maxCalls {
				t.Errorf("fn ran %d times, want %d..%d", calls, tt.minCalls, tt.maxCalls)
			}
			if got := countRows(t, db, "substations"); got != int64(len(tt.wantCommits)) {
				t.Errorf("%d substations committed, want %d", got, len(tt.wantCommits))
			}
			for _, code := range tt.wantCommits {
				if substations(t, db, code) != 1 {
					t.Errorf("row %s not committed", code)
				}
			}
			db.ExecContext(ctx, `DELETE FROM substations`)
		})
	}
}
