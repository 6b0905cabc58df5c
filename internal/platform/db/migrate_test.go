package db_test

import (
	"context"
	"strings"
	"testing"

	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
)

// Migration 00008 rebuilds incidents on SQLite (record_id becomes the
// rowid); every incident and its fields come through, and the table keeps
// its index and its tie to records.
func TestIncidentsKeepTheirFieldsThroughMigration8(t *testing.T) {
	t.Parallel()
	for _, kind := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			var d *db.DB
			var err error
			if kind == db.SQLite {
				d, err = db.Open(ctx, "", t.TempDir())
			} else {
				d, err = db.Open(ctx, dbtest.PostgresDSN(t), "")
			}
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if err := db.MigrateTo(ctx, d, 7); err != nil {
				t.Fatal(err)
			}
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := d.Write.ExecContext(ctx, q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			exec(`INSERT INTO users (id, email, name, role, created_at, updated_at) VALUES (1, 'r@example.com', 'R', 'requester', 1, 1)`)
			for id := 1; id <= 3; id++ {
				exec(`INSERT INTO records (id, type, seq, number, title, state, impact, urgency, priority, requester_id, opened_at, updated_at)
VALUES ($1, 'incident', $1, 'INC000000' || $2, 'T', 'resolved', 2, 2, 3, 1, 1, 1)`, id, string(rune('0'+id)))
				exec(`INSERT INTO incidents (record_id, resolution_code, resolution_notes, major_status, reassignment_count, first_response_at, resolution_time_ms, reopen_count)
VALUES ($1, 'solved', 'Notes ' || $2, 'approved', $1, 1000, 60000, 2)`, id, string(rune('0'+id)))
			}
			if _, err := d.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			rows, err := d.Read.QueryContext(ctx, `SELECT record_id, resolution_code, resolution_notes, major_status, reassignment_count,
  first_response_at, resolution_time_ms, reopen_count FROM incidents ORDER BY record_id`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				var id, reassigned, first, took, reopened int64
				var code, notes, major string
				if err := rows.Scan(&id, &code, &notes, &major, &reassigned, &first, &took, &reopened); err != nil {
					t.Fatal(err)
				}
				n++
				if id != int64(n) || code != "solved" || notes != "Notes "+string(rune('0'+n)) || major != "approved" ||
					reassigned != id || first != 1000 || took != 60000 || reopened != 2 {
					t.Errorf("incident %d came through as %d %q %q %q %d %d %d %d", n, id, code, notes, major, reassigned, first, took, reopened)
				}
			}
			if n != 3 {
				t.Fatalf("%d incidents after the migration, want 3", n)
			}
			if d.Dialect == db.SQLite {
				if text := dbtest.Plan(t, d, `SELECT record_id FROM incidents WHERE major_status = $1`, "approved"); !strings.Contains(text, "incidents_major") {
					t.Errorf("the major index is gone:\n%s", text)
				}
				var typ string
				if err := d.Read.QueryRowContext(ctx, `SELECT type FROM pragma_table_info('incidents') WHERE name = 'record_id'`).Scan(&typ); err != nil || typ != "INTEGER" {
					t.Errorf("record_id is %q (err %v), want INTEGER, the rowid", typ, err)
				}
			}
			// The tie to records holds: an incident for no record is refused.
			if _, err := d.Write.ExecContext(ctx, `INSERT INTO incidents (record_id) VALUES (99)`); !db.IsForeignKeyViolation(err) {
				t.Errorf("an incident for no record: err %v", err)
			}
		})
	}
}
