package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"steward/internal/platform/db"
)

// maxSettle bounds the wait for the event consumers after a phase.
const maxSettle = 2 * time.Minute

// Settle waits until every running outbox consumer (one that polled in the
// last half minute) has handled the events written so far, so that the
// next phase does not measure the last one's follow-up work (SLA timers,
// notifications, escalations). It returns how long that took: how far the
// consumers trailed the load.
func Settle(ctx context.Context, d *db.DB) (time.Duration, error) {
	start := time.Now()
	var txid, id int64
	err := d.Read.QueryRowContext(ctx, `SELECT txid, id FROM outbox ORDER BY txid DESC, id DESC `+db.Limit(1)).Scan(&txid, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("bench: newest event: %w", err)
	}
	for {
		var behind int
		err := d.Read.QueryRowContext(ctx, `SELECT count(*) FROM outbox_cursors
WHERE updated_at > $3 AND (last_txid < $1 OR (last_txid = $1 AND last_id < $2))`,
			txid, id, time.Now().Add(-30*time.Second).UnixMilli()).Scan(&behind)
		if err != nil {
			return 0, fmt.Errorf("bench: consumer positions: %w", err)
		}
		if behind == 0 {
			return time.Since(start), nil
		}
		if time.Since(start) > maxSettle {
			return time.Since(start), fmt.Errorf("bench: %d event consumers still behind after %s", behind, maxSettle)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
