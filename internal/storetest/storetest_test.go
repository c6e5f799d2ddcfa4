package storetest_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"gridpay/internal/storetest"
)

// Test binaries of several packages create their databases at the same moment; the engine may
// refuse one of two concurrent catalog changes, and NewMSSQLDatabase must try again rather than
// fail the test that asked.
func TestNewMSSQLDatabaseConcurrently(t *testing.T) {
	dsn := storetest.MSSQLDSN(t)
	for i := range 12 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			db, err := sql.Open("sqlserver", storetest.NewMSSQLDatabase(t, dsn))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if _, err := db.ExecContext(context.Background(), "CREATE TABLE t (id INT PRIMARY KEY)"); err != nil {
				t.Fatalf("use the new database: %v", err)
			}
		})
	}
}
