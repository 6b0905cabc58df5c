// Package settings keeps instance-wide key/value settings in the database,
// shared by every node.
package settings

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"steward/internal/platform/db"
)

// Get returns the value of key and whether it is set.
func Get(ctx context.Context, q db.Querier, key string) (string, bool, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("settings: get %s: %w", key, err)
	}
	return v, true, nil
}

// Put sets key to value.
func Put(ctx context.Context, q db.Querier, key, value string) error {
	_, err := q.ExecContext(ctx,
		`INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("settings: put %s: %w", key, err)
	}
	return nil
}

// Ensure returns the value of key, first storing gen() if it is unset.
// When several nodes race, all of them get the value that won.
func Ensure(ctx context.Context, d *db.DB, key string, gen func() string) (string, error) {
	if _, err := d.Write.ExecContext(ctx,
		`INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, key, gen()); err != nil {
		return "", fmt.Errorf("settings: ensure %s: %w", key, err)
	}
	v, _, err := Get(ctx, d.Write, key)
	return v, err
}

// Load reads the JSON value of key over a copy of def: def when unset,
// and fields the stored value lacks keep def's.
func Load[T any](ctx context.Context, q db.Querier, key string, def T) (T, error) {
	v, ok, err := Get(ctx, q, key)
	if err != nil || !ok {
		return def, err
	}
	out := def
	if err := json.Unmarshal([]byte(v), &out); err != nil {
		return def, fmt.Errorf("settings: stored %s: %w", key, err)
	}
	return out, nil
}

// Store sets key to v as JSON.
func Store(ctx context.Context, q db.Querier, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("settings: encode %s: %w", key, err)
	}
	return Put(ctx, q, key, string(b))
}
