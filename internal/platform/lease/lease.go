// Package lease elects one holder per named job among several app nodes
// sharing a database: a single row per name, taken when free or expired.
package lease

import (
	"context"
	"fmt"
	"time"

	"steward/internal/platform/db"
)

// Acquire takes or renews the lease name for holder until now+ttl and
// reports whether holder has it. It works the same on both databases.
func Acquire(ctx context.Context, q db.Querier, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	exp := now.Add(ttl).UnixMilli()
	if _, err := q.ExecContext(ctx,
		`INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`,
		name, holder, exp); err != nil {
		return false, fmt.Errorf("lease: insert %s: %w", name, err)
	}
	res, err := q.ExecContext(ctx,
		`UPDATE leases SET holder = $2, expires_at = $3 WHERE name = $1 AND (holder = $2 OR expires_at < $4)`,
		name, holder, exp, now.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("lease: take %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	return n == 1, nil
}

// Release gives the lease up if holder has it.
func Release(ctx context.Context, q db.Querier, name, holder string) error {
	_, err := q.ExecContext(ctx, `UPDATE leases SET expires_at = 0 WHERE name = $1 AND holder = $2`, name, holder)
	return err
}
