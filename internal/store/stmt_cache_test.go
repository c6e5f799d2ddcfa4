package store

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"gridpay/internal/storetest"
)

// TestStatementCache: a statement from the cache runs on the connection of the transaction it is
// used in (it sees the transaction's own writes, and a rollback takes them back), and outside any
// transaction on the database; the cache keeps one statement per text, prepared once.
func TestStatementCache(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, d storetest.Dialect) {
		ctx := t.Context()
		db, err := Open(ctx, d.NewDSN(t, "cache"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		table := `CREATE TABLE cache_probe (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`
		if d.Name == "sqlserver" {
			table = `CREATE TABLE cache_probe (id INT PRIMARY KEY, v NVARCHAR(40) NOT NULL)`
		}
		if _, err := db.ExecContext(ctx, table); err != nil {
			t.Fatal(err)
		}
		const (
			insert = `INSERT INTO cache_probe (id, v) VALUES (@id, @v)`
			read   = `SELECT v FROM cache_probe WHERE id = @id`
			count  = `SELECT COUNT(*) FROM cache_probe`
		)
		// The first use of a text prepares it on the side; wait until the cache holds all three.
		deadline := time.Now().Add(10 * time.Second)
		for db.cached(insert) == nil || db.cached(read) == nil || db.cached(count) == nil {
			if time.Now().After(deadline) {
				t.Fatalf("the cache holds %d statements after 10s, want 3", db.CachedStatements())
			}
			time.Sleep(5 * time.Millisecond)
		}
		if n := db.CachedStatements(); n != 3 {
			t.Errorf("the cache holds %d statements, want 3", n)
		}

		errRollback := errors.New("roll back")
		err = db.Transact(ctx, func(tx *sql.Tx) error {
			if _, err := db.exec(ctx, tx, insert, sql.Named("id", 1), sql.Named("v", "in the transaction")); err != nil {
				return err
			}
			var v string
			if err := db.queryRow(ctx, tx, read, sql.Named("id", 1)).Scan(&v); err != nil {
				return err
			}
			if v != "in the transaction" {
				t.Errorf("read %q inside the transaction", v)
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("transaction: %v", err)
		}
		var n int
		if err := db.queryRow(ctx, db, count).Scan(&n); err != nil || n != 0 {
			t.Errorf("after the rollback: %d rows, %v; want none", n, err)
		}

		// Committed writes, from several transactions at once, each on its own connection.
		done := make(chan error)
		for i := range 4 {
			go func() {
				done <- db.Transact(context.Background(), func(tx *sql.Tx) error {
					_, err := db.exec(ctx, tx, insert, sql.Named("id", 10+i), sql.Named("v", "committed"))
					return err
				})
			}()
		}
		for range 4 {
			if err := <-done; err != nil {
				t.Error(err)
			}
		}
		if err := db.queryRow(ctx, db, count).Scan(&n); err != nil || n != 4 {
			t.Errorf("after four commits: %d rows, %v; want 4", n, err)
		}
		if n := db.CachedStatements(); n != 3 {
			t.Errorf("the cache holds %d statements, want 3", n)
		}
	})
}
