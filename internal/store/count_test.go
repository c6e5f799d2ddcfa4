package store_test

import (
	"database/sql"
	"testing"

	"gridpay/internal/store"
	"gridpay/internal/storetest"
)

// TestStatementsCounted checks that DB.Statements counts each statement executed once, whichever
// way it runs: on the DB, in a transaction, as a prepared statement run twice (two executions, no
// count for the prepare), and that values still reach the driver as they did (Chinese text, NULL,
// int64 money) on both engines.
func TestStatementsCounted(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, d storetest.Dialect) {
		ctx := t.Context()
		db, err := store.Open(ctx, d.NewDSN(t, "count"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		step := func(name string, want int64, fn func() error) {
			t.Helper()
			before := db.Statements()
			if err := fn(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if got := db.Statements() - before; got != want {
				t.Errorf("%s: counted %d statements, want %d", name, got, want)
			}
		}
		step("create", 1, func() error {
			_, err := db.ExecContext(ctx, `CREATE TABLE counted (id INT NOT NULL PRIMARY KEY, name NVARCHAR(20) NULL, fen BIGINT NOT NULL)`)
			return err
		})
		step("insert", 1, func() error {
			_, err := db.ExecContext(ctx, `INSERT INTO counted (id, name, fen) VALUES (@id, @name, @fen)`,
				sql.Named("id", 1), sql.Named("name", "城关镇"), sql.Named("fen", int64(9_007_199_254_740_993)))
			return err
		})
		step("transaction of two", 2, func() error {
			return db.Transact(ctx, func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, `INSERT INTO counted (id, name, fen) VALUES (@id, @name, @fen)`,
					sql.Named("id", 2), sql.Named("name", sql.NullString{}), sql.Named("fen", int64(0))); err != nil {
					return err
				}
				var n int
				return tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM counted`).Scan(&n)
			})
		})
		step("prepared, run twice", 2, func() error {
			stmt, err := db.PrepareContext(ctx, `SELECT fen FROM counted WHERE id = @id`)
			if err != nil {
				return err
			}
			defer stmt.Close()
			var fen int64
			if err := stmt.QueryRowContext(ctx, sql.Named("id", 1)).Scan(&fen); err != nil {
				return err
			}
			if fen != 9_007_199_254_740_993 {
				t.Errorf("fen = %d", fen)
			}
			return stmt.QueryRowContext(ctx, sql.Named("id", 2)).Scan(&fen)
		})
		var name sql.NullString
		step("query", 1, func() error {
			return db.QueryRowContext(ctx, `SELECT name FROM counted WHERE id = @id`, sql.Named("id", 1)).Scan(&name)
		})
		if name.String != "城关镇" {
			t.Errorf("name = %q, want 城关镇", name.String)
		}
	})
}
