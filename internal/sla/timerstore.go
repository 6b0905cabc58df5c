package sla

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"steward/internal/platform/db"
)

func ms(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

const timerColumns = `t.id, t.record_id, t.definition_id, t.version_id, d.name, t.target, t.target_ms, t.calendar_id, t.state,
  t.started_at, coalesce(t.running_since, 0), t.consumed_ms, coalesce(t.due_at, 0), coalesce(t.next_fire_at, 0),
  t.warnings_sent, t.breached, coalesce(t.breached_at, 0), coalesce(t.stopped_at, 0), t.pauses`

const timerFrom = ` FROM sla_timers t JOIN sla_definitions d ON d.id = t.definition_id`

func scanTimer(row interface{ Scan(...any) error }) (Timer, error) {
	var t Timer
	var target, started, running, consumed, due, next, breachedAt, stopped int64
	var pauses string
	err := row.Scan(&t.ID, &t.RecordID, &t.DefinitionID, &t.VersionID, &t.Name, &t.Target, &target, &t.CalendarID, &t.State,
		&started, &running, &consumed, &due, &next, &t.WarningsSent, &t.Breached, &breachedAt, &stopped, &pauses)
	if err != nil {
		return t, err
	}
	t.TargetTime, t.Consumed = time.Duration(target)*time.Millisecond, time.Duration(consumed)*time.Millisecond
	t.StartedAt, t.RunningSince, t.DueAt, t.NextFireAt = fromMS(started), fromMS(running), fromMS(due), fromMS(next)
	t.BreachedAt, t.StoppedAt = fromMS(breachedAt), fromMS(stopped)
	if err := json.Unmarshal([]byte(pauses), &t.Pauses); err != nil {
		return t, fmt.Errorf("sla: timer %d pauses: %w", t.ID, err)
	}
	return t, nil
}

func timersOf(ctx context.Context, q db.Querier, recordID int64) ([]Timer, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+timerColumns+timerFrom+` WHERE t.record_id = $1 ORDER BY t.id`, recordID)
	if err != nil {
		return nil, fmt.Errorf("sla: timers: %w", err)
	}
	defer rows.Close()
	var out []Timer
	for rows.Next() {
		t, err := scanTimer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func insertTimer(ctx context.Context, tx db.Querier, t *Timer, now time.Time) error {
	pauses, _ := json.Marshal(t.Pauses)
	err := tx.QueryRowContext(ctx, `
INSERT INTO sla_timers (record_id, definition_id, version_id, target, target_ms, calendar_id, state, started_at,
  running_since, consumed_ms, due_at, next_fire_at, warnings_sent, breached, breached_at, stopped_at, pauses, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id`,
		t.RecordID, t.DefinitionID, t.VersionID, t.Target, t.TargetTime.Milliseconds(), t.CalendarID, t.State,
		t.StartedAt.UnixMilli(), ms(t.RunningSince), t.Consumed.Milliseconds(), ms(t.DueAt), ms(t.NextFireAt),
		t.WarningsSent, t.Breached, ms(t.BreachedAt), ms(t.StoppedAt), string(pauses), now.UnixMilli()).Scan(&t.ID)
	if err != nil {
		return fmt.Errorf("sla: start timer: %w", err)
	}
	return nil
}

// saveTimer writes t; claim, when not zero, makes the write happen only if
// the stored next_fire_at is still claim (so that of two sweeps that read
// the same due timer, one wins). It reports whether the row was written.
func saveTimer(ctx context.Context, tx db.Querier, t *Timer, now time.Time, claim time.Time) (bool, error) {
	pauses, _ := json.Marshal(t.Pauses)
	query := `
UPDATE sla_timers SET state = $2, running_since = $3, consumed_ms = $4, due_at = $5, next_fire_at = $6,
  warnings_sent = $7, breached = $8, breached_at = $9, stopped_at = $10, pauses = $11, updated_at = $12
WHERE id = $1`
	args := []any{t.ID, t.State, ms(t.RunningSince), t.Consumed.Milliseconds(), ms(t.DueAt), ms(t.NextFireAt),
		t.WarningsSent, t.Breached, ms(t.BreachedAt), ms(t.StoppedAt), string(pauses), now.UnixMilli()}
	if !claim.IsZero() {
		query += ` AND next_fire_at = $13`
		args = append(args, claim.UnixMilli())
	}
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return false, fmt.Errorf("sla: save timer %d: %w", t.ID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
