// Package audit appends to the admin audit trail. The table refuses updates
// and deletes (a trigger in both databases), so the trail cannot be edited.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"steward/internal/platform/db"
)

// Entry is one audited change.
type Entry struct {
	ID       int64
	At       time.Time
	ActorID  int64
	Action   string // user.create, group.update, settings.update ...
	Entity   string // user, group, organisation, ...
	EntityID int64
	Detail   string // JSON of what changed
}

// Write appends an entry inside the caller's transaction. detail is encoded
// as JSON.
func Write(ctx context.Context, tx db.Querier, at time.Time, actorID int64, action, entity string, entityID int64, detail any) error {
	b, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("audit: encode: %w", err)
	}
	var actor any
	if actorID != 0 {
		actor = actorID
	}
	_, err = tx.ExecContext(ctx,
		`INSERT INTO audit (at, actor_id, action, entity, entity_id, detail) VALUES ($1, $2, $3, $4, $5, $6)`,
		at.UnixMilli(), actor, action, entity, entityID, string(b))
	if err != nil {
		return fmt.Errorf("audit: write %s: %w", action, err)
	}
	return nil
}

// List returns entries older than before (0 for the newest), newest first.
func List(ctx context.Context, q db.Querier, before int64, limit int) ([]Entry, error) {
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := q.QueryContext(ctx, `
SELECT id, at, coalesce(actor_id, 0), action, entity, coalesce(entity_id, 0), detail
FROM audit WHERE id < $1 ORDER BY id DESC `+db.Limit(limit), before)
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.Action, &e.Entity, &e.EntityID, &e.Detail); err != nil {
			return nil, err
		}
		e.At = time.UnixMilli(at).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}
