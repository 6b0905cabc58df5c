package db

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

// Both trees carry the same version numbers; a test proves they build the
// same tables and columns.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

func (d *DB) provider() (*goose.Provider, error) {
	dir, dialect := "migrations/sqlite", goose.DialectSQLite3
	if d.Dialect == Postgres {
		dir, dialect = "migrations/postgres", goose.DialectPostgres
	}
	sub, err := fs.Sub(migrations, dir)
	if err != nil {
		return nil, err
	}
	p, err := goose.NewProvider(dialect, d.Write, sub)
	if err != nil {
		return nil, fmt.Errorf("db: migrations: %w", err)
	}
	return p, nil
}

// Migrate applies every pending migration and returns how many it applied.
func (d *DB) Migrate(ctx context.Context) (int, error) {
	p, err := d.provider()
	if err != nil {
		return 0, err
	}
	if d.Dialect == Postgres {
		// A blocking advisory lock per schema makes nodes that start at once
		// queue: the first applies, the others then find nothing pending.
		conn, err := d.Write.Conn(ctx)
		if err != nil {
			return 0, fmt.Errorf("db: migrate: %w", err)
		}
		defer conn.Close()
		const key = "hashtext('steward-migrate:' || current_schema())"
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock("+key+")"); err != nil {
			return 0, fmt.Errorf("db: migration lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock("+key+")")
	}
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("db: migrate: %w", err)
	}
	return len(res), nil
}

// Pending reports whether migrations remain to be applied (for /readyz).
func (d *DB) Pending(ctx context.Context) (bool, error) {
	p, err := d.provider()
	if err != nil {
		return false, err
	}
	return p.HasPending(ctx)
}

// SchemaVersion returns the highest applied migration version.
func (d *DB) SchemaVersion(ctx context.Context) (int64, error) {
	p, err := d.provider()
	if err != nil {
		return 0, err
	}
	return p.GetDBVersion(ctx)
}
