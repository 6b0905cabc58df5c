package sla_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"steward/internal/auth"
	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
	"steward/internal/sla"
)

// The worker's promise: with 1,000,000 open timers in the database, a tick
// reads only the due ones (through sla_timers_fire) and fires 10,000 of
// them in under a second.
const (
	benchRecords = 100_000   // several targets per record
	benchTimers  = 1_000_000 // open timers, running
	benchEvery   = 100       // every 100th timer is due: 10,000
	benchDue     = benchTimers / benchEvery
)

// benchNow is the instant the benchmark sweeps at.
var benchNow = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// BenchmarkSweep10kDueOf1M measures one worker tick's work on a busy desk:
// sweeping, in production-sized batches, until none of the 10,000 due
// timers is left. One op is 10,000 timers fired.
func BenchmarkSweep10kDueOf1M(b *testing.B) {
	for _, kind := range []db.Dialect{db.SQLite, db.Postgres} {
		b.Run(string(kind), func(b *testing.B) {
			d := dbtest.New(b, kind)
			ctx := context.Background()
			start := time.Now()
			fillTimers(b, d)
			b.Logf("%s set-up: %d records, %d timers (%d due) in %s", kind, benchRecords, benchTimers, benchDue, time.Since(start).Round(time.Millisecond))
			e := &sla.Engine{DB: d, Now: func() time.Time { return benchNow }}
			fired, before := 0, maxOutboxID(b, d)
			for b.Loop() {
				n := 0
				for {
					k, err := e.Sweep(ctx, benchNow, sla.SweepBatch)
					if err != nil {
						b.Fatal(err)
					}
					if k == 0 {
						break
					}
					n += k
				}
				b.StopTimer()
				warnings, breaches := eventsAfter(b, d, before, "sla.warning"), eventsAfter(b, d, before, "sla.breached")
				if n != benchDue || warnings != benchDue/2 || breaches != benchDue/2 {
					b.Fatalf("fired %d timers, wrote %d warnings and %d breaches; want %d timers, %d of each event", n, warnings, breaches, benchDue, benchDue/2)
				}
				if left := dueTimers(b, d); left != 0 {
					b.Fatalf("%d timers still due after the sweep", left)
				}
				fired += n
				rearm(b, d)
				before = maxOutboxID(b, d)
				b.StartTimer()
			}
			b.ReportMetric(float64(fired)/b.Elapsed().Seconds(), "timers/s")
		})
	}
}

// fillTimers writes benchRecords incidents, one definition made through the
// service, and benchTimers running timers straight into the tables with
// set-based inserts. The timers' next firing is spread over the coming four
// weeks, except every 100th timer's, which fell due in the last ten
// minutes: for half of them the 50 % warning (and nothing else: the 75 %
// mark is 49 minutes away), for the other half the breach.
func fillTimers(b *testing.B, d *db.DB) {
	b.Helper()
	ctx := context.Background()
	u, err := auth.NewService(d).CreateUser(ctx, auth.System, auth.NewUser{Email: "bench@example.com", Name: "Bench", Role: auth.Agent})
	if err != nil {
		b.Fatal(err)
	}
	def, err := sla.NewService(d).CreateDefinition(ctx, manager, sla.DefinitionInput{Name: "High priority", Position: 1, Active: true, Spec: resolution(240)})
	if err != nil {
		b.Fatal(err)
	}
	now, every := benchNow.UnixMilli(), fmt.Sprint(benchEvery)
	err = d.InTx(ctx, func(tx db.Querier) error {
		if _, err := tx.ExecContext(ctx, `
INSERT INTO records (type, seq, number, title, state, impact, urgency, priority, requester_id, opened_at, updated_at)
SELECT 'incident', i, 'INC' || i, 'Benchmark incident ' || i, 'in_progress', 1, 1, 1, CAST($1 AS BIGINT), CAST($2 AS BIGINT), CAST($2 AS BIGINT)
FROM `+series(d, benchRecords), u.ID, now); err != nil {
			return fmt.Errorf("records: %w", err)
		}
		var first int64
		if err := tx.QueryRowContext(ctx, `SELECT min(id) FROM records`).Scan(&first); err != nil {
			return err
		}
		// since: when the timer started running; target_ms: its target;
		// sent: warnings already sent. Of the due timers, half have their
		// 50 % warning due, half (all three warnings sent) their breach.
		_, err := tx.ExecContext(ctx, `
INSERT INTO sla_timers (id, record_id, definition_id, version_id, target, target_ms, calendar_id, state, started_at,
  running_since, due_at, next_fire_at, warnings_sent, updated_at)
SELECT i, CAST($1 AS BIGINT) + (i - 1) % `+fmt.Sprint(benchRecords)+`, CAST($2 AS BIGINT), CAST($3 AS BIGINT),
  CASE WHEN i % 2 = 0 THEN 'resolution' ELSE 'response' END, target_ms, 0, 'running', since,
  since, since + target_ms, CASE WHEN sent = 3 THEN since + target_ms ELSE since + target_ms / 2 END, sent, since
FROM (SELECT i,
  CASE WHEN i % `+every+` <> 0 THEN CAST($4 AS BIGINT)
       WHEN i / `+every+` % 2 = 0 THEN CAST($4 AS BIGINT) - 7260000 - i / `+every+` % 600 * 1000
       ELSE CAST($4 AS BIGINT) - 14460000 - i / `+every+` % 600 * 1000 END AS since,
  CASE WHEN i % `+every+` = 0 THEN 14400000 ELSE 2 * (60000 + (i * 7919) % 2419200000) END AS target_ms,
  CASE WHEN i % `+every+` = 0 AND i / `+every+` % 2 = 1 THEN 3 ELSE 0 END AS sent
  FROM `+series(d, benchTimers)+`) s`, first, def.ID, def.VersionID, now)
		if err != nil {
			return fmt.Errorf("timers: %w", err)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	// Planner statistics, as autovacuum (PostgreSQL) and PRAGMA optimize
	// (SQLite) keep them on a running instance.
	analyze := "ANALYZE"
	if d.Dialect == db.Postgres {
		analyze = "VACUUM ANALYZE"
	}
	if _, err := d.Write.ExecContext(ctx, analyze); err != nil {
		b.Fatal(err)
	}
	if n := dueTimers(b, d); n != benchDue {
		b.Fatalf("%d timers due, want %d", n, benchDue)
	}
}

// series is a FROM item of the integers 1..n as column i.
func series(d *db.DB, n int) string {
	if d.Dialect == db.Postgres {
		return fmt.Sprintf("generate_series(CAST(1 AS BIGINT), %d) AS n(i)", n)
	}
	return fmt.Sprintf("(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) SELECT i FROM n) AS n", n)
}

// rearm makes the fired timers due again, as they were before the sweep.
func rearm(b *testing.B, d *db.DB) {
	b.Helper()
	_, err := d.Write.Exec(`
UPDATE sla_timers SET warnings_sent = CASE WHEN warnings_sent = 3 THEN 3 ELSE 0 END, breached = FALSE, breached_at = NULL,
  next_fire_at = CASE WHEN warnings_sent = 3 THEN running_since + target_ms ELSE running_since + target_ms / 2 END, updated_at = started_at
WHERE id IN (SELECT i * ` + fmt.Sprint(benchEvery) + ` FROM ` + series(d, benchDue) + `)`)
	if err != nil {
		b.Fatal(err)
	}
	if n := dueTimers(b, d); n != benchDue {
		b.Fatalf("%d timers due after rearming, want %d", n, benchDue)
	}
}

func dueTimers(b *testing.B, d *db.DB) int {
	b.Helper()
	var n int
	if err := d.Read.QueryRow(`SELECT count(*) FROM sla_timers WHERE next_fire_at <= $1`, benchNow.UnixMilli()).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

func maxOutboxID(b *testing.B, d *db.DB) int64 {
	b.Helper()
	var id int64
	if err := d.Read.QueryRow(`SELECT coalesce(max(id), 0) FROM outbox`).Scan(&id); err != nil {
		b.Fatal(err)
	}
	return id
}

func eventsAfter(b *testing.B, d *db.DB, id int64, topic string) int {
	b.Helper()
	var n int
	if err := d.Read.QueryRow(`SELECT count(*) FROM outbox WHERE id > $1 AND topic = $2`, id, topic).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}
