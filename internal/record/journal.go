package record

import (
	"context"
	"fmt"
	"strings"
	"time"

	"steward/internal/platform/db"
)

// Append writes a journal entry inside tx and sets its ID.
func Append(ctx context.Context, tx db.Querier, e *Entry) error {
	err := tx.QueryRowContext(ctx, `
INSERT INTO journal (record_id, kind, actor_id, at, field, old_value, new_value, body)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		e.RecordID, string(e.Kind), nullID(e.ActorID), e.At.UnixMilli(), e.Field, e.OldValue, e.NewValue, e.Body).Scan(&e.ID)
	if err != nil {
		return fmt.Errorf("record: journal: %w", err)
	}
	return nil
}

// AppendChanges journals each change as a field_change entry; reason, if
// given, is kept as the entry's body.
func AppendChanges(ctx context.Context, tx db.Querier, recordID, actorID int64, at time.Time, changes []Change, reasons map[string]string) error {
	for _, c := range changes {
		e := Entry{RecordID: recordID, Kind: FieldChange, ActorID: actorID, At: at, Field: c.Field,
			OldValue: c.Old, NewValue: c.New, Body: reasons[c.Field]}
		if err := Append(ctx, tx, &e); err != nil {
			return err
		}
	}
	return nil
}

// Journal returns up to limit entries of record id after entry afterID,
// oldest first. Unless internal, work notes and internal field changes are
// left out in the query itself, so they never leave the database.
func Journal(ctx context.Context, q db.Querier, recordID int64, internal bool, afterID int64, limit int) ([]Entry, error) {
	where := `j.record_id = $1 AND j.id > $2`
	if !internal {
		where += ` AND (j.kind IN ('comment', 'communication') OR (j.kind = 'field_change' AND j.field IN ('` +
			strings.Join(publicFields, "','") + `')))`
	}
	rows, err := q.QueryContext(ctx, `
SELECT j.id, j.record_id, j.kind, coalesce(j.actor_id, 0), coalesce(u.name, 'Steward'), j.at,
  j.field, j.old_value, j.new_value, j.body
FROM journal j LEFT JOIN users u ON u.id = j.actor_id
WHERE `+where+` ORDER BY j.id `+db.Limit(limit), recordID, afterID)
	if err != nil {
		return nil, fmt.Errorf("record: read journal: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var at int64
		if err := rows.Scan(&e.ID, &e.RecordID, &e.Kind, &e.ActorID, &e.ActorName, &at,
			&e.Field, &e.OldValue, &e.NewValue, &e.Body); err != nil {
			return nil, err
		}
		e.At = time.UnixMilli(at).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}
