package record

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"steward/internal/platform/db"
	"steward/internal/platform/fault"
)

// NextSeq allocates the next number of type t inside tx. The counter row is
// locked until tx ends, and rolled back with it, so numbers have no gaps.
func NextSeq(ctx context.Context, tx db.Querier, t Type) (int64, error) {
	var n int64
	err := tx.QueryRowContext(ctx, `
INSERT INTO counters (type, next_value) VALUES ($1, 1)
ON CONFLICT (type) DO UPDATE SET next_value = counters.next_value + 1
RETURNING next_value`, string(t)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("record: number %s: %w", t, err)
	}
	return n, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func refError(err error) error {
	if db.IsForeignKeyViolation(err) {
		return fault.Invalid("reference", "refers to something that does not exist")
	}
	return err
}

// Insert numbers r, writes it and sets its ID, Seq, Number and Version.
func Insert(ctx context.Context, tx db.Querier, r *Record) error {
	seq, err := NextSeq(ctx, tx, r.Type)
	if err != nil {
		return err
	}
	r.Seq, r.Number, r.Version = seq, FormatNumber(r.Type, seq), 1
	err = tx.QueryRowContext(ctx, `
INSERT INTO records (type, seq, number, title, description, state, impact, urgency, priority,
  priority_overridden, category_id, service_id, ci_ref, requester_id, organisation_id,
  assignment_group_id, assignee_id, opened_at, updated_at, resolved_at, closed_at, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, 1)
RETURNING id`,
		string(r.Type), r.Seq, r.Number, r.Title, r.Description, r.State, int(r.Impact), int(r.Urgency), r.Priority,
		r.PriorityOverridden, nullID(r.CategoryID), nullID(r.ServiceID), r.CIRef, r.RequesterID, nullID(r.OrganisationID),
		nullID(r.AssignmentGroupID), nullID(r.AssigneeID), r.OpenedAt.UnixMilli(), r.UpdatedAt.UnixMilli(),
		nullTime(r.ResolvedAt), nullTime(r.ClosedAt)).Scan(&r.ID)
	if err != nil {
		return fmt.Errorf("record: insert: %w", refError(err))
	}
	return nil
}

// Update writes r's fields if the stored version is still expect, and moves
// the version on. Otherwise nothing is written and a *fault.StaleError
// carries the current version.
func Update(ctx context.Context, tx db.Querier, r *Record, expect int64) error {
	res, err := tx.ExecContext(ctx, `
UPDATE records SET title = $3, description = $4, state = $5, impact = $6, urgency = $7, priority = $8,
  priority_overridden = $9, category_id = $10, service_id = $11, ci_ref = $12, requester_id = $13,
  organisation_id = $14, assignment_group_id = $15, assignee_id = $16, updated_at = $17,
  resolved_at = $18, closed_at = $19, version = version + 1
WHERE id = $1 AND version = $2`,
		r.ID, expect, r.Title, r.Description, r.State, int(r.Impact), int(r.Urgency), r.Priority,
		r.PriorityOverridden, nullID(r.CategoryID), nullID(r.ServiceID), r.CIRef, r.RequesterID,
		nullID(r.OrganisationID), nullID(r.AssignmentGroupID), nullID(r.AssigneeID), r.UpdatedAt.UnixMilli(),
		nullTime(r.ResolvedAt), nullTime(r.ClosedAt))
	if err != nil {
		return fmt.Errorf("record: update %s: %w", r.Number, refError(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var cur int64
		if err := tx.QueryRowContext(ctx, `SELECT version FROM records WHERE id = $1`, r.ID).Scan(&cur); err != nil {
			return fmt.Errorf("record: update %s: %w", r.Number, err)
		}
		return &fault.StaleError{Current: cur}
	}
	r.Version = expect + 1
	return nil
}

// Touch moves a record's version and update time on without changing its
// fields (a comment was added, say), if it is still at version expect
// (expect 0 skips the check).
func Touch(ctx context.Context, tx db.Querier, id, expect int64, at time.Time) (int64, error) {
	var v int64
	err := tx.QueryRowContext(ctx, `
UPDATE records SET version = version + 1, updated_at = $2 WHERE id = $1 AND ($3 = 0 OR version = $3)
RETURNING version`, id, at.UnixMilli(), expect).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		var cur int64
		if err := tx.QueryRowContext(ctx, `SELECT version FROM records WHERE id = $1`, id).Scan(&cur); err != nil {
			return 0, fmt.Errorf("record: touch %d: %w", id, err)
		}
		return 0, &fault.StaleError{Current: cur}
	}
	if err != nil {
		return 0, fmt.Errorf("record: touch %d: %w", id, err)
	}
	return v, nil
}

// selectRecord reads records with the names of what they refer to, in one
// query (no per-row look-ups).
const selectRecord = `
SELECT r.id, r.type, r.seq, r.number, r.title, r.description, r.state, r.impact, r.urgency, r.priority,
  r.priority_overridden, coalesce(r.category_id, 0), coalesce(r.service_id, 0), r.ci_ref, r.requester_id,
  coalesce(r.organisation_id, 0), coalesce(r.assignment_group_id, 0), coalesce(r.assignee_id, 0),
  r.opened_at, r.updated_at, coalesce(r.resolved_at, 0), coalesce(r.closed_at, 0), r.version, r.sla_due_at,
  coalesce(rq.name, ''), coalesce(asg.name, ''), coalesce(g.name, ''), coalesce(c.name, ''),
  coalesce(s.name, ''), coalesce(o.name, '')
FROM records r
LEFT JOIN users rq ON rq.id = r.requester_id
LEFT JOIN users asg ON asg.id = r.assignee_id
LEFT JOIN groups g ON g.id = r.assignment_group_id
LEFT JOIN categories c ON c.id = r.category_id
LEFT JOIN services s ON s.id = r.service_id
LEFT JOIN organisations o ON o.id = r.organisation_id`

func scanRecord(row interface{ Scan(...any) error }) (Record, error) {
	var r Record
	var impact, urgency int
	var opened, updated, resolved, closed, due int64
	err := row.Scan(&r.ID, &r.Type, &r.Seq, &r.Number, &r.Title, &r.Description, &r.State, &impact, &urgency,
		&r.Priority, &r.PriorityOverridden, &r.CategoryID, &r.ServiceID, &r.CIRef, &r.RequesterID,
		&r.OrganisationID, &r.AssignmentGroupID, &r.AssigneeID, &opened, &updated, &resolved, &closed, &r.Version, &due,
		&r.Names.Requester, &r.Names.Assignee, &r.Names.AssignmentGroup, &r.Names.Category,
		&r.Names.Service, &r.Names.Organisation)
	if err != nil {
		return r, err
	}
	r.Impact, r.Urgency = Level(impact), Level(urgency)
	r.OpenedAt, r.UpdatedAt = time.UnixMilli(opened).UTC(), time.UnixMilli(updated).UTC()
	if resolved != 0 {
		r.ResolvedAt = time.UnixMilli(resolved).UTC()
	}
	if closed != 0 {
		r.ClosedAt = time.UnixMilli(closed).UTC()
	}
	if due != NoDue {
		r.SLADueAt = time.UnixMilli(due).UTC()
	}
	return r, nil
}

// NoDue is the stored due time of a record with no running SLA timer:
// the largest BIGINT, so such records sort after every due one.
const NoDue int64 = 1<<63 - 1

// SetSLADue stores the earliest due time of a record's running SLA timers
// (zero: none). It is not a change of the record: neither its version nor
// its update time moves, so it never makes an agent's edit stale.
func SetSLADue(ctx context.Context, tx db.Querier, recordID int64, due time.Time) error {
	v := NoDue
	if !due.IsZero() {
		v = due.UnixMilli()
	}
	if _, err := tx.ExecContext(ctx, `UPDATE records SET sla_due_at = $1 WHERE id = $2 AND sla_due_at <> $1`, v, recordID); err != nil {
		return fmt.Errorf("record: set SLA due: %w", err)
	}
	return nil
}

// ByNumber reads one record by its human number.
func ByNumber(ctx context.Context, q db.Querier, number string) (Record, error) {
	r, err := scanRecord(q.QueryRowContext(ctx, selectRecord+` WHERE r.number = $1`, number))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("record %s: %w", number, fault.ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("record %s: %w", number, err)
	}
	return r, nil
}

// ByID reads one record by id.
func ByID(ctx context.Context, q db.Querier, id int64) (Record, error) {
	r, err := scanRecord(q.QueryRowContext(ctx, selectRecord+` WHERE r.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("record %d: %w", id, fault.ErrNotFound)
	}
	return r, err
}

// IsWatcher reports whether user watches record id.
func IsWatcher(ctx context.Context, q db.Querier, recordID, userID int64) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM watchers WHERE record_id = $1 AND user_id = $2`, recordID, userID).Scan(&n)
	return n > 0, err
}

// Watcher is a user watching a record.
type Watcher struct {
	UserID int64
	Name   string
	Email  string
}

// Watchers lists who watches record id.
func Watchers(ctx context.Context, q db.Querier, recordID int64) ([]Watcher, error) {
	rows, err := q.QueryContext(ctx, `
SELECT u.id, u.name, u.email FROM watchers w JOIN users u ON u.id = w.user_id
WHERE w.record_id = $1 ORDER BY u.name, u.id`, recordID)
	if err != nil {
		return nil, fmt.Errorf("record: watchers: %w", err)
	}
	defer rows.Close()
	var out []Watcher
	for rows.Next() {
		var w Watcher
		if err := rows.Scan(&w.UserID, &w.Name, &w.Email); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// AddWatcher adds user to record id's watchers (no error if already there).
func AddWatcher(ctx context.Context, tx db.Querier, recordID, userID int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO watchers (record_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, recordID, userID)
	if db.IsForeignKeyViolation(err) {
		return fault.Invalid("user_id", "no user with id %d", userID)
	}
	return err
}

// RemoveWatcher removes user from record id's watchers.
func RemoveWatcher(ctx context.Context, tx db.Querier, recordID, userID int64) (bool, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM watchers WHERE record_id = $1 AND user_id = $2`, recordID, userID)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}
