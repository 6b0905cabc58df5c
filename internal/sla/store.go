package sla

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"steward/internal/platform/db"
	"steward/internal/platform/fault"
)

const definitionColumns = `d.id, v.id, v.version, d.name, d.position, d.active, v.spec, v.created_at`

const definitionFrom = ` FROM sla_definitions d JOIN sla_versions v ON v.definition_id = d.id AND v.version = d.current_version`

func scanDefinition(row interface{ Scan(...any) error }) (Definition, error) {
	var d Definition
	var spec string
	var at int64
	if err := row.Scan(&d.ID, &d.VersionID, &d.Version, &d.Name, &d.Position, &d.Active, &spec, &at); err != nil {
		return d, err
	}
	d.CreatedAt = time.UnixMilli(at).UTC()
	if err := json.Unmarshal([]byte(spec), &d.Spec); err != nil {
		return d, fmt.Errorf("sla: stored definition %d: %w", d.ID, err)
	}
	return d, nil
}

func definitionByID(ctx context.Context, q db.Querier, id int64) (Definition, error) {
	d, err := scanDefinition(q.QueryRowContext(ctx, `SELECT `+definitionColumns+definitionFrom+` WHERE d.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("sla definition %d: %w", id, fault.ErrNotFound)
	}
	return d, err
}

// activeDefinitions returns every active definition at its current version,
// in the order they are tried.
func activeDefinitions(ctx context.Context, q db.Querier) ([]Definition, error) {
	return listDefinitions(ctx, q, `WHERE d.active`)
}

func listDefinitions(ctx context.Context, q db.Querier, where string) ([]Definition, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+definitionColumns+definitionFrom+` `+where+` ORDER BY d.position, d.id LIMIT 500`)
	if err != nil {
		return nil, fmt.Errorf("sla: definitions: %w", err)
	}
	defer rows.Close()
	var out []Definition
	for rows.Next() {
		d, err := scanDefinition(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// insertVersion stores spec as the next version of definition id and makes
// it current.
func insertVersion(ctx context.Context, tx db.Querier, id, version int64, spec Spec, actorID int64, at time.Time) (int64, error) {
	b, err := json.Marshal(spec)
	if err != nil {
		return 0, err
	}
	var vid int64
	var actor any
	if actorID != 0 {
		actor = actorID
	}
	if err := tx.QueryRowContext(ctx, `
INSERT INTO sla_versions (definition_id, version, spec, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		id, version, string(b), actor, at.UnixMilli()).Scan(&vid); err != nil {
		return 0, fmt.Errorf("sla: store version: %w", err)
	}
	_, err = tx.ExecContext(ctx, `UPDATE sla_definitions SET current_version = $2, updated_at = $3 WHERE id = $1`, id, version, at.UnixMilli())
	return vid, err
}

// Version is one stored version of a definition (its history).
type Version struct {
	ID        int64
	Version   int64
	Spec      Spec
	CreatedBy int64
	CreatedAt time.Time
}

func versionsOf(ctx context.Context, q db.Querier, id int64) ([]Version, error) {
	rows, err := q.QueryContext(ctx, `
SELECT id, version, spec, coalesce(created_by, 0), created_at FROM sla_versions WHERE definition_id = $1 ORDER BY version DESC LIMIT 200`, id)
	if err != nil {
		return nil, fmt.Errorf("sla: versions: %w", err)
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		var v Version
		var spec string
		var at int64
		if err := rows.Scan(&v.ID, &v.Version, &spec, &v.CreatedBy, &at); err != nil {
			return nil, err
		}
		v.CreatedAt = time.UnixMilli(at).UTC()
		if err := json.Unmarshal([]byte(spec), &v.Spec); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
