package view

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"steward/internal/platform/db"
	"steward/internal/platform/fault"
)

const selectView = `
SELECT v.id, v.owner_id, coalesce(u.name, ''), coalesce(v.group_id, 0), coalesce(g.name, ''), v.name,
  v.filters, v.sort, v.columns, v.created_at, v.updated_at
FROM saved_views v
LEFT JOIN users u ON u.id = v.owner_id
LEFT JOIN groups g ON g.id = v.group_id`

func scan(row interface{ Scan(...any) error }) (View, error) {
	var v View
	var filters, columns string
	var created, updated int64
	err := row.Scan(&v.ID, &v.OwnerID, &v.OwnerName, &v.GroupID, &v.GroupName, &v.Name,
		&filters, &v.Sort, &columns, &created, &updated)
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal([]byte(filters), &v.Filter); err != nil {
		return v, fmt.Errorf("view %d: filters: %w", v.ID, err)
	}
	if columns != "" {
		v.Columns = strings.Split(columns, ",")
	}
	v.CreatedAt, v.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return v, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// writeError names the field a constraint failure is about.
func writeError(err error, name string) error {
	switch {
	case db.IsUniqueViolation(err):
		return fault.Invalid("name", "you already have a view named %q", name)
	case db.IsForeignKeyViolation(err):
		return fault.Invalid("group_id", "no such group")
	}
	return err
}

func insert(ctx context.Context, tx db.Querier, v *View) error {
	filters, err := json.Marshal(v.Filter)
	if err != nil {
		return err
	}
	err = tx.QueryRowContext(ctx, `
INSERT INTO saved_views (owner_id, group_id, name, filters, sort, columns, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		v.OwnerID, nullID(v.GroupID), v.Name, string(filters), v.Sort, strings.Join(v.Columns, ","),
		v.CreatedAt.UnixMilli(), v.UpdatedAt.UnixMilli()).Scan(&v.ID)
	return writeError(err, v.Name)
}

func update(ctx context.Context, tx db.Querier, id int64, in Input, now time.Time) error {
	filters, err := json.Marshal(in.Filter)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `
UPDATE saved_views SET group_id = $2, name = $3, filters = $4, sort = $5, columns = $6, updated_at = $7
WHERE id = $1`, id, nullID(in.GroupID), in.Name, string(filters), in.Sort, strings.Join(in.Columns, ","), now.UnixMilli())
	return writeError(err, in.Name)
}

func remove(ctx context.Context, tx db.Querier, id int64) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM saved_views WHERE id = $1`, id)
	return err
}

func byID(ctx context.Context, q db.Querier, id int64) (View, error) {
	v, err := scan(q.QueryRowContext(ctx, selectView+` WHERE v.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return View{}, fmt.Errorf("view %d: %w", id, fault.ErrNotFound)
	}
	return v, err
}

// list returns the views user owns or that are shared with groups, by name.
func list(ctx context.Context, q db.Querier, userID int64, groups []int64, limit int) ([]View, error) {
	where := []string{"v.owner_id = $1"}
	args := []any{userID}
	if len(groups) > 0 {
		ph := make([]string, len(groups))
		for i, g := range groups {
			args = append(args, g)
			ph[i] = fmt.Sprintf("$%d", len(args))
		}
		where = append(where, "v.group_id IN ("+strings.Join(ph, ", ")+")")
	}
	rows, err := q.QueryContext(ctx, selectView+` WHERE `+strings.Join(where, " OR ")+
		` ORDER BY lower(v.name), v.id `+db.Limit(limit), args...)
	if err != nil {
		return nil, fmt.Errorf("view: list: %w", err)
	}
	defer rows.Close()
	var out []View
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
