package record

import (
	"context"
	"fmt"
	"time"

	"steward/internal/platform/db"
	"steward/internal/platform/fault"
)

// AddLink relates record from to record to with kind, named from from's
// side (child_of is stored as the other record's parent_of).
func AddLink(ctx context.Context, tx db.Querier, from, to int64, kind LinkKind, actorID int64, at time.Time) (int64, error) {
	stored, flip, ok := canonical(kind)
	if !ok {
		return 0, fault.Invalid("kind", "unknown link kind %q", kind)
	}
	if from == to {
		return 0, fault.Invalid("target", "a record cannot be linked to itself")
	}
	if flip {
		from, to = to, from
	}
	var id int64
	err := tx.QueryRowContext(ctx, `
INSERT INTO links (from_record_id, to_record_id, kind, created_by, created_at) VALUES ($1, $2, $3, $4, $5)
RETURNING id`, from, to, string(stored), nullID(actorID), at.UnixMilli()).Scan(&id)
	if db.IsUniqueViolation(err) {
		return 0, fmt.Errorf("record: link already exists: %w", fault.ErrConflict)
	}
	if err != nil {
		return 0, fmt.Errorf("record: add link: %w", err)
	}
	return id, nil
}

// RemoveLink deletes link id if it touches record recordID, and returns
// what was removed.
func RemoveLink(ctx context.Context, tx db.Querier, recordID, linkID int64) (Link, error) {
	links, err := Links(ctx, tx, recordID)
	if err != nil {
		return Link{}, err
	}
	for _, l := range links {
		if l.ID == linkID {
			_, err := tx.ExecContext(ctx, `DELETE FROM links WHERE id = $1`, linkID)
			return l, err
		}
	}
	return Link{}, fmt.Errorf("record: link %d: %w", linkID, fault.ErrNotFound)
}

// Links lists record id's links in both directions, each read from id's side.
func Links(ctx context.Context, q db.Querier, id int64) ([]Link, error) {
	rows, err := q.QueryContext(ctx, `
SELECT l.id, l.kind, l.from_record_id = $1, o.id, o.number, o.title, o.state, o.type, l.created_at
FROM links l JOIN records o ON o.id = CASE WHEN l.from_record_id = $1 THEN l.to_record_id ELSE l.from_record_id END
WHERE l.from_record_id = $1 OR l.to_record_id = $1
ORDER BY l.id`, id)
	if err != nil {
		return nil, fmt.Errorf("record: links: %w", err)
	}
	defer rows.Close()
	var out []Link
	for rows.Next() {
		var l Link
		var outgoing bool
		var at int64
		if err := rows.Scan(&l.ID, &l.Kind, &outgoing, &l.OtherID, &l.OtherNumber, &l.OtherTitle, &l.OtherState, &l.OtherType, &at); err != nil {
			return nil, err
		}
		if !outgoing {
			l.Kind = linkInverse[l.Kind]
		}
		l.CreatedAt = time.UnixMilli(at).UTC()
		out = append(out, l)
	}
	return out, rows.Err()
}
