// Package storetest gives tests fresh, empty databases of each dialect the store speaks: a SQLite
// file in the test's temporary folder always, and a database of its own on SQL Server whenever
// GRIDPAY_TEST_MSSQL holds a sqlserver:// DSN. In CI (CI=true) that variable is required: a missing
// engine fails the tests instead of quietly skipping them.
package storetest

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
	"testing"
	"time"

	_ "github.com/microsoft/go-mssqldb" // the sqlserver driver, for creating and dropping databases
)

// MSSQLEnv names the environment variable holding the SQL Server DSN the tests may use.
const MSSQLEnv = "GRIDPAY_TEST_MSSQL"

// Dialect is one database engine the tests run on.
type Dialect struct {
	// Name is "sqlite" or "sqlserver", as store.DB.Dialect returns it.
	Name string
	// NewDSN returns the DSN of a new empty database of this dialect, removed when the test ends.
	// Each call gives another database; name tells them apart (a file name on SQLite).
	NewDSN func(t testing.TB, name string) string
}

// SQLite is the dialect of SQLite files in the test's temporary folder.
var SQLite = Dialect{Name: "sqlite", NewDSN: func(t testing.TB, name string) string {
	return "sqlite:" + filepath.Join(t.TempDir(), name+".db")
}}

// SQLServer is the dialect of databases created on the server of GRIDPAY_TEST_MSSQL.
var SQLServer = Dialect{Name: "sqlserver", NewDSN: func(t testing.TB, _ string) string {
	return NewMSSQLDatabase(t, MSSQLDSN(t))
}}

// Dialects returns SQLite and, when GRIDPAY_TEST_MSSQL is set or the tests run in CI, SQL Server.
func Dialects() []Dialect {
	if os.Getenv(MSSQLEnv) != "" || InCI() {
		return []Dialect{SQLite, SQLServer}
	}
	return []Dialect{SQLite}
}

// ForEach runs fn in subtest "sqlite" and, when SQL Server is in play (see Dialects), in subtest
// "sqlserver".
func ForEach(t *testing.T, fn func(t *testing.T, d Dialect)) {
	t.Helper()
	for _, d := range Dialects() {
		t.Run(d.Name, func(t *testing.T) { fn(t, d) })
	}
}

// InCI reports whether the tests run in CI, where every part they need must be there.
func InCI() bool { return os.Getenv("CI") == "true" }

// MSSQLDSN returns GRIDPAY_TEST_MSSQL. Without it the test is skipped, or fails in CI.
func MSSQLDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(MSSQLEnv)
	switch {
	case dsn == "" && InCI():
		t.Fatalf("%s is not set: CI runs every store test on SQL Server too (.ci/run starts the engine with ../shared/tools/mssql up)", MSSQLEnv)
	case dsn == "":
		t.Skipf("%s is not set: no SQL Server to test against", MSSQLEnv)
	case !strings.HasPrefix(dsn, "sqlserver://"):
		t.Fatalf("%s must hold a sqlserver:// DSN", MSSQLEnv)
	}
	return dsn
}

// NewMSSQLDatabase creates a uniquely named database on the server of dsn (the login needs CREATE
// DATABASE) and returns dsn pointed at it. The database is dropped when the test ends, after the
// test's own cleanups (which close its connections) have run.
func NewMSSQLDatabase(t testing.TB, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s: %v", MSSQLEnv, err)
	}
	admin, err := sql.Open("sqlserver", dsn)
	if err != nil {
		t.Fatalf("open sql server: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	name, err := createDatabase(ctx, admin)
	if err != nil {
		admin.Close()
		t.Fatalf("create database %s on %s: %v", name, u.Host, err)
	}
	// Cleanups run last-registered first: whatever the test opens on the database afterwards is
	// closed before this drop runs.
	t.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := dropDatabase(ctx, admin, name); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	q := u.Query()
	q.Set("database", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// createDatabase creates a database of a new random name and returns the name. Test binaries of
// several packages create databases at the same moment, and the engine may refuse one of two
// concurrent catalog changes ("tuple concurrently updated", or a deadlock victim on SQL Server);
// such a refusal changed nothing, so it is tried again, under another name, after a short random
// pause.
func createDatabase(ctx context.Context, admin *sql.DB) (string, error) {
	var name string
	var err error
	for attempt := range 20 {
		// Only [a-z0-9_], so the name needs no quoting beyond the brackets.
		name = fmt.Sprintf("gridpay_test_%016x", rand.Uint64())
		if _, err = admin.ExecContext(ctx, "CREATE DATABASE ["+name+"]"); err == nil || !concurrentCatalogChange(err) {
			return name, err
		}
		pause := time.Duration(50+rand.IntN(100*(attempt+1))) * time.Millisecond
		select {
		case <-ctx.Done():
			return name, errors.Join(err, ctx.Err())
		case <-time.After(pause):
		}
	}
	return name, err
}

// concurrentCatalogChange reports whether err is the engine refusing a statement because another
// session changed the same catalog rows at the same moment.
func concurrentCatalogChange(err error) bool {
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "concurrently updated") || strings.Contains(msg, "deadlock") ||
		strings.Contains(msg, "could not obtain exclusive lock on database 'model'")
}

// dropDatabase drops a test database. A connection that the server has not let go of yet makes DROP
// fail with "in use" (3702); it is retried for a while rather than forced with ALTER DATABASE ...
// SET SINGLE_USER, which not every engine that speaks T-SQL takes.
func dropDatabase(ctx context.Context, admin *sql.DB, name string) error {
	var err error
	for range 100 {
		if _, err = admin.ExecContext(ctx, "DROP DATABASE ["+name+"]"); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	return err
}
