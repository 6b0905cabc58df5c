package bench

import (
	"context"
	"fmt"
	"runtime/pprof"
	"sync"
	"time"

	"steward/internal/platform/db"
	"steward/internal/record"
)

// Limit measures what the database itself can do for the writes of an API
// create: with writers concurrent writers for d, each transaction bumps
// the incident counter, inserts the records row (and so its search index
// entry) and the incidents row, and appends the record.created outbox
// event, straight through the driver on the same pools, with the same
// durability settings, as the server uses. No HTTP, JSON, validation,
// permission check or the create's reads (references, routing, priority
// matrix, read-back).
//
// It records into rec and returns how long it ran.
func Limit(ctx context.Context, d *db.DB, desk *Desk, writers int, dur time.Duration, rec *Recorder) time.Duration {
	ctx, cancel := context.WithTimeout(ctx, dur)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			pprof.Do(ctx, pprof.Labels("bench", "limit"), func(ctx context.Context) {
				for i := 0; ctx.Err() == nil; i++ {
					t0 := time.Now()
					err := limitCreate(ctx, d, desk, w*1_000_000+i)
					if ctx.Err() != nil {
						return
					}
					rec.Observe(time.Since(t0), err)
				}
			})
		})
	}
	wg.Wait()
	return time.Since(start)
}

// GroupCommit measures the same writes as Limit with batch creates in each
// transaction from one writer: what the database could do if concurrent
// creates shared their commit. Every create in a batch is recorded with
// the batch's latency. It returns how long it ran.
func GroupCommit(ctx context.Context, d *db.DB, desk *Desk, batch int, dur time.Duration, rec *Recorder) time.Duration {
	ctx, cancel := context.WithTimeout(ctx, dur)
	defer cancel()
	start := time.Now()
	pprof.Do(ctx, pprof.Labels("bench", "limit"), func(ctx context.Context) {
		for i := 0; ctx.Err() == nil; i += batch {
			t0 := time.Now()
			err := d.InTx(ctx, func(tx db.Querier) error {
				for j := range batch {
					if err := limitRows(ctx, tx, desk, i+j); err != nil {
						return err
					}
				}
				return nil
			})
			if ctx.Err() != nil {
				return
			}
			for range batch {
				rec.Observe(time.Since(t0), err)
			}
		}
	})
	return time.Since(start)
}

// limitCreate writes one create's rows in a transaction of its own,
// straight on the driver's write pool: not through db.InTx, whose group
// commit on SQLite would let concurrent writers share commits.
func limitCreate(ctx context.Context, d *db.DB, desk *Desk, i int) error {
	tx, err := d.Write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := limitRows(ctx, tx, desk, i); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// limitRows writes the rows of one API create in tx.
func limitRows(ctx context.Context, tx db.Querier, desk *Desk, i int) error {
	now := time.Now().UnixMilli()
	requester := desk.Requesters[i%len(desk.Requesters)]
	var seq, id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO counters (type, next_value) VALUES ('incident', 1)
ON CONFLICT (type) DO UPDATE SET next_value = counters.next_value + 1 RETURNING next_value`).Scan(&seq); err != nil {
		return err
	}
	number := record.FormatNumber(record.TypeIncident, seq)
	if err := tx.QueryRowContext(ctx, `
INSERT INTO records (type, seq, number, title, description, state, impact, urgency, priority,
  priority_overridden, category_id, service_id, ci_ref, requester_id, organisation_id,
  assignment_group_id, assignee_id, opened_at, updated_at, resolved_at, closed_at, version)
VALUES ('incident', $1, $2, $3, $4, 'new', 2, 2, 3, FALSE, $5, $6, '', $7, NULL, NULL, NULL, $8, $8, NULL, NULL, 1)
RETURNING id`, seq, number, fmt.Sprintf("Database limit probe %d", i), "Written straight through the driver.",
		desk.Categories[i%len(desk.Categories)], desk.Services[i%len(desk.Services)], requester, now).Scan(&id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO incidents (record_id, on_hold_reason, resolution_code, resolution_notes, cancel_reason, major,
  reassignment_count, first_response_at, major_status, major_reason, first_assignee_id, first_contact_resolution,
  resolution_time_ms, reopen_count) VALUES ($1, '', '', '', '', FALSE, 0, NULL, '', '', NULL, FALSE, NULL, 0)`, id); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO outbox (at, topic, record_id, payload) VALUES ($1, 'record.created', $2, $3)`,
		now, id, fmt.Sprintf(`{"type":"incident","number":%q,"actor_id":%d,"priority":3}`, number, requester))
	return err
}
