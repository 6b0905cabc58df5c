// Package db opens Steward's database (SQLite or PostgreSQL), applies the
// migrations, runs transactions and isolates the few places where the two
// SQL dialects differ. It knows nothing of any practice.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/stdlib"
)

// Dialect names the SQL engine behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Querier is what store code needs: the pool or a transaction.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// DB is a read pool and a write pool on one database. On PostgreSQL both are
// the same pool; on SQLite writes go through a single connection with
// immediate transactions, so writers queue in Go instead of failing busy.
type DB struct {
	Dialect Dialect
	Read    *sql.DB
	Write   *sql.DB
	// Source is a printable description of where the data lives (no secrets).
	Source string
	// commits groups SQLite write transactions into shared commits; nil on
	// PostgreSQL, whose pool runs transactions side by side.
	commits *committer
}

// Open connects to dsn. An empty dsn means SQLite in dataDir/steward.db.
// A dsn starting with postgres:// or postgresql:// selects PostgreSQL;
// anything else is taken as a SQLite file path.
func Open(ctx context.Context, dsn, dataDir string) (*DB, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return openPostgres(ctx, dsn)
	}
	path := dsn
	if path == "" {
		if err := os.MkdirAll(dataDir, 0o750); err != nil {
			return nil, fmt.Errorf("db: create data directory: %w", err)
		}
		path = filepath.Join(dataDir, "steward.db")
	}
	path = strings.TrimPrefix(path, "sqlite://")
	path = strings.TrimPrefix(path, "file:")
	return openSQLite(ctx, path)
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("db: open postgres: %w", err)
	}
	// A request that ends mid-query (its client went away) has the server
	// cancel the query and keeps the connection. pgx's default cuts the
	// connection instead: a burst of such requests left the pool full of
	// dead connections for the next requests to draw, and every one cost
	// PostgreSQL a new backend to replace. The deadline still cuts a
	// connection whose server does not answer the cancel.
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, CancelRequestDelay: 0, DeadlineDelay: 5 * time.Second}
	}
	pool := stdlib.OpenDB(*cfg)
	pool.SetMaxOpenConns(max(8, 4*runtime.GOMAXPROCS(0)))
	pool.SetMaxIdleConns(max(8, 4*runtime.GOMAXPROCS(0)))
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("db: connect postgres: %w", err)
	}
	return &DB{Dialect: Postgres, Read: pool, Write: pool, Source: redact(dsn)}, nil
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	// busy_timeout comes first so that the other pragmas wait for locks too.
	common := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_pragma=temp_store(MEMORY)"
	// Page caches are per connection and hold the same hot pages: the
	// writer, which every write goes through, gets 20 MB; each reader 16
	// MB, the operating system's file cache serving the rest.
	write := sql.OpenDB(sqliteConnector{dsn: "file:" + path + "?" + common + "&_pragma=cache_size(-20000)&_txlock=immediate"})
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("db: open sqlite %s: %w", path, err)
	}
	read := sql.OpenDB(sqliteConnector{dsn: "file:" + path + "?" + common + "&_pragma=cache_size(-16000)&_pragma=query_only(1)"})
	n := max(4, 2*runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	read.SetConnMaxIdleTime(0)
	read.SetConnMaxLifetime(0)
	return &DB{Dialect: SQLite, Read: read, Write: write, Source: path, commits: newCommitter(write)}, nil
}

// Close closes both pools.
func (d *DB) Close() error {
	if d.commits != nil {
		d.commits.close()
	}
	err := d.Write.Close()
	if d.Read != d.Write {
		err = errors.Join(err, d.Read.Close())
	}
	return err
}

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error {
	return d.Read.PingContext(ctx)
}

// InTx runs fn in one write transaction: committed if fn returns nil,
// rolled back otherwise. Side effects belong in the transaction as rows
// (outbox events, timers), never in goroutines started from fn.
//
// On SQLite, fn may share its commit with other callers' transactions
// (each in its own savepoint; see committer), so fn must not start another
// transaction, and once it runs its statements are not interrupted by the
// end of ctx.
func (d *DB) InTx(ctx context.Context, fn func(tx Querier) error) error {
	if d.commits != nil {
		return d.commits.run(ctx, fn)
	}
	tx, err := d.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	done := false
	defer func() {
		if !done { // fn panicked: give the connection back without its locks
			_ = tx.Rollback()
		}
	}()
	err = fn(tx)
	done = true
	if err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("db: commit: %w", err)
	}
	return nil
}

func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres"
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxx")
		}
	}
	return u.String()
}

// Optimize refreshes the query planner's statistics of the tables whose
// size has changed enough since they were last analysed. SQLite keeps no
// statistics by itself; PostgreSQL's autovacuum keeps its own, so there
// this does nothing. Run it now and then: it is quick when nothing changed,
// and it bounds how many rows each analysis reads.
func (d *DB) Optimize(ctx context.Context) error {
	if d.Dialect != SQLite {
		return nil
	}
	// 0x10000 checks every table, 0x10 limits the analysis, 0x2 analyses.
	if _, err := d.Write.ExecContext(ctx, `PRAGMA optimize=0x10012`); err != nil {
		return fmt.Errorf("db: optimize: %w", err)
	}
	// A full ANALYZE (run by hand) also writes sqlite_stat4 samples. With
	// them the planner marks every statement that binds an indexed value
	// to be prepared again on each run, which costs more than the samples
	// save on Steward's queries; sqlite_stat1 is what they plan on.
	var samples int
	if err := d.Write.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_stat4'`).Scan(&samples); err != nil {
		return fmt.Errorf("db: optimize: %w", err)
	}
	if samples > 0 {
		if err := d.Write.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_stat4`).Scan(&samples); err != nil {
			return fmt.Errorf("db: optimize: %w", err)
		}
	}
	if samples == 0 {
		return nil
	}
	if _, err := d.Write.ExecContext(ctx, `DELETE FROM sqlite_stat4`); err != nil {
		return fmt.Errorf("db: optimize: drop samples: %w", err)
	}
	if _, err := d.Write.ExecContext(ctx, `ANALYZE sqlite_schema`); err != nil {
		return fmt.Errorf("db: optimize: reload statistics: %w", err)
	}
	return nil
}
