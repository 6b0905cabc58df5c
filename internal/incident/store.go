package incident

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"steward/internal/platform/db"
	"steward/internal/platform/fault"
	"steward/internal/record"
)

func insertExt(ctx context.Context, tx db.Querier, in *Incident) error {
	_, err := tx.ExecContext(ctx, `
INSERT INTO incidents (record_id, on_hold_reason, resolution_code, resolution_notes, cancel_reason, major,
  reassignment_count, first_response_at, major_status, major_reason, first_assignee_id, first_contact_resolution,
  resolution_time_ms, reopen_count) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		in.ID, in.OnHoldReason, in.ResolutionCode, in.ResolutionNotes, in.CancelReason, in.Major,
		in.ReassignmentCount, nullTime(in.FirstResponseAt), in.MajorStatus, in.MajorReason, nullID(in.FirstAssigneeID),
		in.FirstContactResolution, nullDuration(in.ResolutionTime), in.ReopenCount)
	if err != nil {
		return fmt.Errorf("incident: insert: %w", err)
	}
	return nil
}

func updateExt(ctx context.Context, tx db.Querier, in *Incident) error {
	_, err := tx.ExecContext(ctx, `
UPDATE incidents SET on_hold_reason = $2, resolution_code = $3, resolution_notes = $4, cancel_reason = $5,
  major = $6, reassignment_count = $7, first_response_at = $8, major_status = $9, major_reason = $10,
  first_assignee_id = $11, first_contact_resolution = $12, resolution_time_ms = $13, reopen_count = $14
WHERE record_id = $1`,
		in.ID, in.OnHoldReason, in.ResolutionCode, in.ResolutionNotes, in.CancelReason, in.Major,
		in.ReassignmentCount, nullTime(in.FirstResponseAt), in.MajorStatus, in.MajorReason, nullID(in.FirstAssigneeID),
		in.FirstContactResolution, nullDuration(in.ResolutionTime), in.ReopenCount)
	if err != nil {
		return fmt.Errorf("incident: update %s: %w", in.Number, err)
	}
	return nil
}

const extColumns = `record_id, on_hold_reason, resolution_code, resolution_notes, cancel_reason, major,
  reassignment_count, coalesce(first_response_at, 0), major_status, major_reason, coalesce(first_assignee_id, 0),
  first_contact_resolution, coalesce(resolution_time_ms, 0), reopen_count`

func scanExt(row interface{ Scan(...any) error }, in *Incident) (int64, error) {
	var id, first, resolveMS int64
	err := row.Scan(&id, &in.OnHoldReason, &in.ResolutionCode, &in.ResolutionNotes, &in.CancelReason,
		&in.Major, &in.ReassignmentCount, &first, &in.MajorStatus, &in.MajorReason, &in.FirstAssigneeID,
		&in.FirstContactResolution, &resolveMS, &in.ReopenCount)
	in.ResolutionTime = time.Duration(resolveMS) * time.Millisecond
	if first != 0 {
		in.FirstResponseAt = time.UnixMilli(first).UTC()
	}
	return id, err
}

// byNumber reads an incident with its own fields.
func byNumber(ctx context.Context, q db.Querier, number string) (Incident, error) {
	r, err := record.ByNumber(ctx, q, strings.ToUpper(number))
	if err != nil {
		return Incident{}, err
	}
	if r.Type != record.TypeIncident {
		return Incident{}, fmt.Errorf("incident %s: %w", number, fault.ErrNotFound)
	}
	in := Incident{Record: r}
	_, err = scanExt(q.QueryRowContext(ctx, `SELECT `+extColumns+` FROM incidents WHERE record_id = $1`, r.ID), &in)
	if errors.Is(err, sql.ErrNoRows) {
		return Incident{}, fmt.Errorf("incident %s: %w", number, fault.ErrNotFound)
	}
	return in, err
}

// withExt loads the incident fields of a page of records in one query.
func withExt(ctx context.Context, q db.Querier, recs []record.Record) ([]Incident, error) {
	out := make([]Incident, len(recs))
	if len(recs) == 0 {
		return out, nil
	}
	idx := make(map[int64]int, len(recs))
	ph := make([]string, len(recs))
	args := make([]any, len(recs))
	for i, r := range recs {
		out[i].Record = r
		idx[r.ID] = i
		ph[i] = fmt.Sprintf("$%d", i+1)
		args[i] = r.ID
	}
	rows, err := q.QueryContext(ctx, `SELECT `+extColumns+` FROM incidents WHERE record_id IN (`+strings.Join(ph, ",")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("incident: list fields: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var tmp Incident
		id, err := scanExt(rows, &tmp)
		if err != nil {
			return nil, err
		}
		i := idx[id]
		tmp.Record = out[i].Record
		out[i] = tmp
	}
	return out, rows.Err()
}

// userRole returns a user's role and whether they are active.
func userRole(ctx context.Context, q db.Querier, id int64) (string, bool, error) {
	var role string
	var active bool
	err := q.QueryRowContext(ctx, `SELECT role, active FROM users WHERE id = $1`, id).Scan(&role, &active)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return role, active, err
}

func isMember(ctx context.Context, q db.Querier, groupID, userID int64) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM group_members WHERE group_id = $1 AND user_id = $2`, groupID, userID).Scan(&n)
	return n > 0, err
}

func exists(ctx context.Context, q db.Querier, table string, id int64) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE id = $1`, id).Scan(&n)
	return n > 0, err
}

// idempotent returns the record id a caller's earlier create with key made.
func idempotent(ctx context.Context, q db.Querier, userID int64, key string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT record_id FROM idempotency_keys WHERE user_id = $1 AND key = $2`, userID, key).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullDuration(d time.Duration) any {
	if d == 0 {
		return nil
	}
	return d.Milliseconds()
}
