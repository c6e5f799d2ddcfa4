package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"sync/atomic"
)

// Statements returns how many SQL statements this DB has executed since it was opened: every Exec
// and Query, on the DB, a transaction or a prepared statement (a prepared statement counts once per
// execution, not per prepare). /metrics shows it per database, and the portal benchmark reads it to
// count the queries behind a page view.
func (db *DB) Statements() int64 {
	if db.statements == nil {
		return 0
	}
	return db.statements.Load()
}

// openCounting opens name's driver (registered with database/sql) so that every statement executed
// on it adds one to n. The wrapper forwards each optional interface of the driver's connections and
// statements, and answers driver.ErrSkip where the driver lacks one, so that database/sql takes the
// same path with the wrapper as without it.
func openCounting(name, dsn string, n *atomic.Int64) (*sql.DB, error) {
	probe, err := sql.Open(name, "")
	if err != nil {
		return nil, err
	}
	d := probe.Driver()
	probe.Close()
	var c driver.Connector
	if dc, ok := d.(driver.DriverContext); ok {
		if c, err = dc.OpenConnector(dsn); err != nil {
			return nil, err
		}
	} else {
		c = dsnConnector{dsn: dsn, d: d}
	}
	return sql.OpenDB(countingConnector{next: c, n: n}), nil
}

type dsnConnector struct {
	dsn string
	d   driver.Driver
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.d }

type countingConnector struct {
	next driver.Connector
	n    *atomic.Int64
}

func (c countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.next.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &countingConn{next: conn, n: c.n}, nil
}

func (c countingConnector) Driver() driver.Driver { return c.next.Driver() }

// countingConn counts the statements run on one connection of the driver.
type countingConn struct {
	next driver.Conn
	n    *atomic.Int64
}

var (
	_ driver.ConnPrepareContext = (*countingConn)(nil)
	_ driver.ConnBeginTx        = (*countingConn)(nil)
	_ driver.ExecerContext      = (*countingConn)(nil)
	_ driver.QueryerContext     = (*countingConn)(nil)
	_ driver.Pinger             = (*countingConn)(nil)
	_ driver.SessionResetter    = (*countingConn)(nil)
	_ driver.Validator          = (*countingConn)(nil)
	_ driver.NamedValueChecker  = (*countingConn)(nil)
)

func (c *countingConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	var (
		s   driver.Stmt
		err error
	)
	if p, ok := c.next.(driver.ConnPrepareContext); ok {
		s, err = p.PrepareContext(ctx, query)
	} else {
		s, err = c.next.Prepare(query)
	}
	if err != nil {
		return nil, err
	}
	return &countingStmt{next: s, conn: c.next, n: c.n}, nil
}

func (c *countingConn) Close() error { return c.next.Close() }

func (c *countingConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := c.next.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	if opts.Isolation != driver.IsolationLevel(sql.LevelDefault) || opts.ReadOnly {
		return nil, errors.New("store: the driver takes no transaction options")
	}
	return c.next.Begin() //nolint:staticcheck // the driver has nothing newer
}

func (c *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := c.next.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip // database/sql prepares it; the statement counts it
	}
	r, err := e.ExecContext(ctx, query, args)
	if !errors.Is(err, driver.ErrSkip) {
		c.n.Add(1)
	}
	return r, err
}

func (c *countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := c.next.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	r, err := q.QueryContext(ctx, query, args)
	if !errors.Is(err, driver.ErrSkip) {
		c.n.Add(1)
	}
	return r, err
}

func (c *countingConn) Ping(ctx context.Context) error {
	if p, ok := c.next.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *countingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.next.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *countingConn) IsValid() bool {
	if v, ok := c.next.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *countingConn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.next.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

// countingStmt counts each execution of a prepared statement.
type countingStmt struct {
	next driver.Stmt
	conn driver.Conn // its connection, whose value checker database/sql would ask next
	n    *atomic.Int64
}

var (
	_ driver.StmtExecContext   = (*countingStmt)(nil)
	_ driver.StmtQueryContext  = (*countingStmt)(nil)
	_ driver.NamedValueChecker = (*countingStmt)(nil)
)

func (s *countingStmt) Close() error  { return s.next.Close() }
func (s *countingStmt) NumInput() int { return s.next.NumInput() }

func (s *countingStmt) Exec(args []driver.Value) (driver.Result, error) {
	s.n.Add(1)
	return s.next.Exec(args) //nolint:staticcheck // database/sql calls it only for drivers without ExecContext
}

func (s *countingStmt) Query(args []driver.Value) (driver.Rows, error) {
	s.n.Add(1)
	return s.next.Query(args) //nolint:staticcheck // as Exec
}

func (s *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.n.Add(1)
	if e, ok := s.next.(driver.StmtExecContext); ok {
		return e.ExecContext(ctx, args)
	}
	vals, err := positional(args)
	if err != nil {
		return nil, err
	}
	return s.next.Exec(vals) //nolint:staticcheck // the driver has nothing newer
}

func (s *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.n.Add(1)
	if q, ok := s.next.(driver.StmtQueryContext); ok {
		return q.QueryContext(ctx, args)
	}
	vals, err := positional(args)
	if err != nil {
		return nil, err
	}
	return s.next.Query(vals) //nolint:staticcheck // the driver has nothing newer
}

func (s *countingStmt) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := s.next.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	if ch, ok := s.conn.(driver.NamedValueChecker); ok {
		if err := ch.CheckNamedValue(nv); !errors.Is(err, driver.ErrSkip) {
			return err
		}
	}
	if cc, ok := s.next.(driver.ColumnConverter); ok { //nolint:staticcheck // older drivers convert per column
		v, err := cc.ColumnConverter(nv.Ordinal - 1).ConvertValue(nv.Value) //nolint:staticcheck // as above
		if err != nil {
			return err
		}
		nv.Value = v
		return nil
	}
	return driver.ErrSkip
}

// positional turns named values into the plain values of an old-style driver, which takes no names.
func positional(args []driver.NamedValue) ([]driver.Value, error) {
	vals := make([]driver.Value, len(args))
	for i, a := range args {
		if a.Name != "" {
			return nil, errors.New("store: the driver takes no named parameters")
		}
		vals[i] = a.Value
	}
	return vals, nil
}
