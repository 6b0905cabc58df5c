package db

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"

	"modernc.org/sqlite"
)

// stmtsPerConn bounds the statements one SQLite connection keeps prepared
// (and the memory they hold). Steward's statements are a fixed set plus the
// list queries its filters compose; past the bound an idle one is dropped
// to make room.
const stmtsPerConn = 200

// sqliteConnector opens SQLite connections that keep their statements
// prepared. The driver parses a statement's SQL anew for every query; on a
// small write that parsing costs as much as the write itself.
type sqliteConnector struct {
	dsn string
}

var sqliteDriver = &sqlite.Driver{}

func (c sqliteConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := sqliteDriver.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	sc, ok := conn.(sqliteConn)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("db: the SQLite driver's connection %T lacks what database/sql uses", conn)
	}
	return &cachingConn{sqliteConn: sc, stmts: map[string]*cachedStmt{}}, nil
}

func (c sqliteConnector) Driver() driver.Driver { return sqliteDriver }

// sqliteConn is what the driver's connection does that database/sql uses.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// cachedStmt is a prepared statement kept on its connection; busy while
// rows read from it are open (SQLite runs a statement once at a time).
type cachedStmt struct {
	stmt interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	}
	busy bool
}

// cachingConn runs each query through a statement prepared on first use.
// database/sql uses a connection from one goroutine at a time, so the
// cache needs no lock.
type cachingConn struct {
	sqliteConn
	stmts map[string]*cachedStmt
}

// statement returns the cached statement for query, preparing it, or nil
// when query should run as it is: a script of several statements, or a
// statement already running (rows still open) on this connection.
func (c *cachingConn) statement(ctx context.Context, query string) *cachedStmt {
	if s, ok := c.stmts[query]; ok {
		if s.busy {
			return nil
		}
		return s
	}
	if strings.Contains(query, ";") {
		return nil
	}
	ds, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil // running it unprepared reports the error
	}
	stmt, ok := ds.(interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	})
	if !ok {
		ds.Close()
		return nil
	}
	if len(c.stmts) >= stmtsPerConn {
		for q, s := range c.stmts { // evict one that is not running
			if !s.busy {
				s.stmt.Close()
				delete(c.stmts, q)
				break
			}
		}
	}
	s := &cachedStmt{stmt: stmt}
	c.stmts[query] = s
	return s
}

// forget drops a statement after an error, so that whatever state the
// error left it in is not reused.
func (c *cachingConn) forget(query string, s *cachedStmt) {
	if c.stmts[query] == s {
		delete(c.stmts, query)
	}
	s.stmt.Close()
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	s := c.statement(ctx, query)
	if s == nil {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	res, err := s.stmt.ExecContext(ctx, args)
	if err != nil {
		c.forget(query, s)
	}
	return res, err
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s := c.statement(ctx, query)
	if s == nil {
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	rows, err := s.stmt.QueryContext(ctx, args)
	if err != nil {
		c.forget(query, s)
		return nil, err
	}
	s.busy = true
	return &cachedRows{sqliteRows: rows.(sqliteRows), stmt: s}, nil
}

func (c *cachingConn) Close() error {
	for q, s := range c.stmts {
		s.stmt.Close()
		delete(c.stmts, q)
	}
	return c.sqliteConn.Close()
}

// sqliteRows is what the driver's rows do that database/sql uses.
type sqliteRows interface {
	driver.Rows
	driver.RowsColumnTypeDatabaseTypeName
	driver.RowsColumnTypeLength
	driver.RowsColumnTypeNullable
	driver.RowsColumnTypePrecisionScale
	driver.RowsColumnTypeScanType
}

// cachedRows frees its statement for the next query when closed; closing
// resets the statement rather than finalising it.
type cachedRows struct {
	sqliteRows
	stmt *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.sqliteRows.Close()
	r.stmt.busy = false
	return err
}
