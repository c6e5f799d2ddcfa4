package store

import (
	"fmt"
	"strings"

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
	// updlock is the table hint that takes update locks when reading rows a transaction will change.
	updlock string
	// placeholder returns the n-th (1-based) positional parameter.
	placeholder func(n int) string
	// page appends paging to a query that ends in ORDER BY.
	page func(limitParam, offsetParam string) string
	// insertID turns "INSERT INTO t (cols) VALUES (...)" into a statement that yields the new id.
	insertID func(table, cols, values string) string
	// nextCounter is a statement that increments counter @name and yields the new value.
	nextCounter string
	// duplicate, missingParent and retryable classify driver errors.
	duplicate     func(error) bool
	missingParent func(error) bool
	retryable     func(error) bool
}

var sqliteDialect = dialect{
	name:        "sqlite",
	maxParams:   32766,
	maxRows:     5000,
	updlock:     "",
	placeholder: func(int) string { return "?" },
	page: func(limit, offset string) string {
		return fmt.Sprintf(" LIMIT %s OFFSET %s", limit, offset)
	},
	insertID: func(table, cols, values string) string {
		return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) RETURNING id", table, cols, values)
	},
	nextCounter:   "UPDATE counters SET last_no = last_no + 1 WHERE name = @name RETURNING last_no",
	duplicate:     func(err error) bool { return isSQLiteCode(err, sqliteDuplicate...) },
	missingParent: func(err error) bool { return isSQLiteCode(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) },
	retryable:     func(err error) bool { return isSQLiteCode(err, sqliteBusy...) },
}

var sqlserverDialect = dialect{
	name:        "sqlserver",
	maxParams:   2000, // SQL Server allows 2100 parameters per request
	maxRows:     1000, // and 1000 rows per VALUES list
	updlock:     " WITH (UPDLOCK, ROWLOCK)",
	placeholder: func(n int) string { return fmt.Sprintf("@p%d", n) },
	page: func(limit, offset string) string {
		return fmt.Sprintf(" OFFSET %s ROWS FETCH NEXT %s ROWS ONLY", offset, limit)
	},
	insertID: func(table, cols, values string) string {
		return fmt.Sprintf("INSERT INTO %s (%s) OUTPUT INSERTED.id VALUES (%s)", table, cols, values)
	},
	nextCounter:   "UPDATE counters SET last_no = last_no + 1 OUTPUT INSERTED.last_no WHERE name = @name",
	duplicate:     func(err error) bool { return isMSSQLNumber(err, 2627, 2601) },
	missingParent: func(err error) bool { return isMSSQLNumber(err, 547) },
	retryable:     func(err error) bool { return isMSSQLNumber(err, 1205) },
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
