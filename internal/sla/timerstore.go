package sla

import (
	"context"
	"database/sql"
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

// dueQuery selects up to limit running timers whose next warning or breach
// is due by $1, earliest first, through the partial index sla_timers_fire.
// On PostgreSQL the rows are locked and rows another sweep holds are
// skipped.
func dueQuery(dialect db.Dialect, limit int) string {
	lock := ""
	if dialect == db.Postgres {
		lock = " FOR UPDATE OF t SKIP LOCKED"
	}
	return `SELECT ` + timerColumns + timerFrom + `
WHERE t.next_fire_at IS NOT NULL AND t.next_fire_at <= $1 ORDER BY t.next_fire_at ` + db.Limit(limit) + lock
}

func dueTimers(ctx context.Context, tx db.Querier, dialect db.Dialect, now time.Time, limit int) ([]Timer, error) {
	rows, err := tx.QueryContext(ctx, dueQuery(dialect, limit), now.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("sla: due timers: %w", err)
	}
	defer rows.Close()
	due := make([]Timer, 0, min(limit, SweepBatch))
	for rows.Next() {
		t, err := scanTimer(rows)
		if err != nil {
			return nil, err
		}
		due = append(due, t)
	}
	return due, rows.Err()
}

// saveFired writes what Timer.fire changes (warnings_sent, breached,
// breached_at, due_at, next_fire_at) for every timer whose stored
// next_fire_at is still claims[i], and reports which ones it wrote: of two
// sweeps that read the same due timer, one wins. PostgreSQL takes one
// statement for the batch; SQLite one prepared statement run per timer
// (in process, a statement costs no round trip).
func saveFired(ctx context.Context, tx db.Querier, dialect db.Dialect, ts []Timer, claims []time.Time, now time.Time) ([]bool, error) {
	written := make([]bool, len(ts))
	if dialect == db.Postgres {
		return written, saveFiredPostgres(ctx, tx, ts, claims, now, written)
	}
	exec, done, err := prepare(ctx, tx, `
UPDATE sla_timers SET warnings_sent = $2, breached = $3, breached_at = $4, due_at = $5, next_fire_at = $6, updated_at = $7
WHERE id = $1 AND next_fire_at = $8`)
	if err != nil {
		return nil, fmt.Errorf("sla: save fired timers: %w", err)
	}
	defer done()
	for i := range ts {
		t := &ts[i]
		res, err := exec(t.ID, t.WarningsSent, t.Breached, ms(t.BreachedAt), ms(t.DueAt), ms(t.NextFireAt), now.UnixMilli(), claims[i].UnixMilli())
		if err != nil {
			return nil, fmt.Errorf("sla: save timer %d: %w", t.ID, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return nil, err
		}
		written[i] = n == 1
	}
	return written, nil
}

func saveFiredPostgres(ctx context.Context, tx db.Querier, ts []Timer, claims []time.Time, now time.Time, written []bool) error {
	n := len(ts)
	ids, sent, breachedAt, due, next, claim := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	breached := make([]bool, n)
	at := map[int64]int{}
	for i := range ts {
		t := &ts[i]
		ids[i], sent[i], breached[i], claim[i] = t.ID, int64(t.WarningsSent), t.Breached, claims[i].UnixMilli()
		breachedAt[i], due[i], next[i] = msOrZero(t.BreachedAt), msOrZero(t.DueAt), msOrZero(t.NextFireAt)
		at[t.ID] = i
	}
	rows, err := tx.QueryContext(ctx, `
UPDATE sla_timers t SET warnings_sent = v.warnings_sent, breached = v.breached, breached_at = NULLIF(v.breached_at, 0),
  due_at = NULLIF(v.due_at, 0), next_fire_at = NULLIF(v.next_fire_at, 0), updated_at = $1
FROM unnest($2::bigint[], $3::bigint[], $4::boolean[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[])
  AS v(id, warnings_sent, breached, breached_at, due_at, next_fire_at, claim)
WHERE t.id = v.id AND t.next_fire_at = v.claim
RETURNING t.id`, now.UnixMilli(), ids, sent, breached, breachedAt, due, next, claim)
	if err != nil {
		return fmt.Errorf("sla: save fired timers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		written[at[id]] = true
	}
	return rows.Err()
}

// msOrZero is ms for an array element: 0 stands for NULL (see fromMS).
func msOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// timerEvent is an outbox event a sweep writes once its claim holds.
type timerEvent struct {
	topic    string
	recordID int64
	payload  []byte // JSON
}

// appendEvents writes events to the outbox in order, as outbox.Append would
// one by one: one statement on PostgreSQL, one prepared statement on SQLite.
func appendEvents(ctx context.Context, tx db.Querier, dialect db.Dialect, at time.Time, events []timerEvent) error {
	if len(events) == 0 {
		return nil
	}
	if dialect == db.Postgres {
		topics, records, payloads := make([]string, len(events)), make([]int64, len(events)), make([]string, len(events))
		for i, ev := range events {
			topics[i], records[i], payloads[i] = ev.topic, ev.recordID, string(ev.payload)
		}
		_, err := tx.ExecContext(ctx, `
INSERT INTO outbox (at, topic, record_id, payload)
SELECT CAST($1 AS BIGINT), e.topic, NULLIF(e.record_id, 0), e.payload
FROM unnest($2::text[], $3::bigint[], $4::text[]) WITH ORDINALITY AS e(topic, record_id, payload, n) ORDER BY e.n`,
			at.UnixMilli(), topics, records, payloads)
		if err != nil {
			return fmt.Errorf("sla: append %d events: %w", len(events), err)
		}
		return nil
	}
	exec, done, err := prepare(ctx, tx, `INSERT INTO outbox (at, topic, record_id, payload) VALUES ($1, $2, $3, $4)`)
	if err != nil {
		return fmt.Errorf("sla: append events: %w", err)
	}
	defer done()
	for _, ev := range events {
		var rid any
		if ev.recordID != 0 {
			rid = ev.recordID
		}
		if _, err := exec(at.UnixMilli(), ev.topic, rid, string(ev.payload)); err != nil {
			return fmt.Errorf("sla: append %s: %w", ev.topic, err)
		}
	}
	return nil
}

// prepare returns query prepared on tx when tx can prepare (a *sql.Tx
// can), else run as is; done releases the statement.
func prepare(ctx context.Context, tx db.Querier, query string) (exec func(args ...any) (sql.Result, error), done func(), err error) {
	p, ok := tx.(interface {
		PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
	})
	if !ok {
		return func(args ...any) (sql.Result, error) { return tx.ExecContext(ctx, query, args...) }, func() {}, nil
	}
	stmt, err := p.PrepareContext(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	return func(args ...any) (sql.Result, error) { return stmt.ExecContext(ctx, args...) }, func() { stmt.Close() }, nil
}
