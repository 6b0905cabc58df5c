package sla

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"steward/internal/auth"
	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
)

var planNow = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// planTimers fills d with n running timers on one record, every 100th of
// them due at planNow, the rest over the coming weeks, with planner
// statistics; it returns the record's id.
func planTimers(t *testing.T, d *db.DB, n int) int64 {
	t.Helper()
	ctx := context.Background()
	u, err := auth.NewService(d).CreateUser(ctx, auth.System, auth.NewUser{Email: "plan@example.com", Name: "Plan", Role: auth.Agent})
	if err != nil {
		t.Fatal(err)
	}
	def, err := NewService(d).CreateDefinition(ctx, auth.Principal{Name: "Steward", Role: auth.Manager}, DefinitionInput{
		Name: "Plan", Position: 1, Active: true, Spec: Spec{Targets: []Target{{Name: "resolution", Minutes: 240, Stop: `State == "resolved"`}}, Warnings: []int{50}}})
	if err != nil {
		t.Fatal(err)
	}
	now := planNow.UnixMilli()
	var record int64
	err = d.Write.QueryRowContext(ctx, `
INSERT INTO records (type, seq, number, title, state, impact, urgency, priority, requester_id, opened_at, updated_at)
VALUES ('incident', 1, 'INC1', 'Plan', 'in_progress', 1, 1, 1, $1, $2, $2) RETURNING id`, u.ID, now).Scan(&record)
	if err != nil {
		t.Fatal(err)
	}
	series := fmt.Sprintf("(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) SELECT i FROM n) AS n", n)
	if d.Dialect == db.Postgres {
		series = fmt.Sprintf("generate_series(CAST(1 AS BIGINT), %d) AS n(i)", n)
	}
	_, err = d.Write.ExecContext(ctx, `
INSERT INTO sla_timers (record_id, definition_id, version_id, target, target_ms, calendar_id, state, started_at,
  running_since, due_at, next_fire_at, updated_at)
SELECT CAST($1 AS BIGINT), CAST($2 AS BIGINT), CAST($3 AS BIGINT), 'resolution', 14400000, 0, 'running', since, since, since + 14400000, since + 7200000, since
FROM (SELECT CASE WHEN i % 100 = 0 THEN CAST($4 AS BIGINT) - 7200000 ELSE CAST($4 AS BIGINT) + i * 60000 END AS since FROM `+series+`) s`,
		record, def.ID, def.VersionID, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Write.ExecContext(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	return record
}

// The sweep reads due timers through the partial index on next_fire_at,
// in index order: never the whole table, never a sort.
func TestSweepUsesTheFireIndex(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		planTimers(t, d, 10_000)
		text := dbtest.Plan(t, d, dueQuery(d.Dialect, SweepBatch), planNow.UnixMilli())
		t.Logf("plan:\n%s", text)
		want, bad := "Index Scan using sla_timers_fire on sla_timers t", []string{"Seq Scan on sla_timers", "Sort"}
		if d.Dialect == db.SQLite {
			want, bad = "SEARCH t USING INDEX sla_timers_fire (next_fire_at", []string{"SCAN t", "TEMP B-TREE"}
		}
		if !strings.Contains(text, want) {
			t.Errorf("the sweep does not use the fire index (want %q):\n%s", want, text)
		}
		for _, b := range bad {
			if strings.Contains(text, b) {
				t.Errorf("the sweep's plan has %q:\n%s", b, text)
			}
		}
	})
}

// A batch write skips the timer whose next_fire_at moved since it was
// read (another sweep fired it), and writes events in order.
func TestSaveFiredKeepsTheClaim(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		planTimers(t, d, 300)
		var written []bool
		var due []Timer
		err := d.InTx(ctx, func(tx db.Querier) error {
			var err error
			if due, err = dueTimers(ctx, tx, d.Dialect, planNow, 10); err != nil || len(due) != 3 {
				return fmt.Errorf("%d due timers, %v", len(due), err)
			}
			claims := []time.Time{due[0].NextFireAt, due[1].NextFireAt.Add(-time.Second), due[2].NextFireAt}
			for i := range due {
				due[i].fire(AlwaysOpen{}, planNow, []int{50})
			}
			if written, err = saveFired(ctx, tx, d.Dialect, due, claims, planNow); err != nil {
				return err
			}
			return appendEvents(ctx, tx, d.Dialect, planNow, []timerEvent{
				{topic: "sla.warning", recordID: due[0].RecordID, payload: []byte(`{"n":1}`)},
				{topic: "sla.breached", recordID: due[2].RecordID, payload: []byte(`{"n":2}`)},
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(written) != "[true false true]" {
			t.Fatalf("written %v, want [true false true]", written)
		}
		for i, want := range []int{1, 0, 1} {
			var sent int
			if err := d.Read.QueryRow(`SELECT warnings_sent FROM sla_timers WHERE id = $1`, due[i].ID).Scan(&sent); err != nil || sent != want {
				t.Errorf("timer %d: %d warnings sent (%v), want %d", i, sent, err, want)
			}
		}
		var got []string
		rows, err := d.Read.Query(`SELECT topic || ' ' || payload FROM outbox WHERE topic LIKE 'sla.%' ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			got = append(got, s)
		}
		if strings.Join(got, ", ") != `sla.warning {"n":1}, sla.breached {"n":2}` {
			t.Fatalf("events %q", got)
		}
	})
}
