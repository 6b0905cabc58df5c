package dbtest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"steward/internal/platform/db"
)

// Plan returns the plan the engine chooses for query with args, one line
// per step (SQLite's EXPLAIN QUERY PLAN details, PostgreSQL's EXPLAIN
// lines), for tests that check a query reads an index.
func Plan(t testing.TB, d *db.DB, query string, args ...any) string {
	t.Helper()
	return plan(t, d, false, query, args...)
}

// PlanWithoutSeqScans is Plan with PostgreSQL's sequential scans turned
// off for the statement: on a test's nearly empty tables a scan is the
// cheapest plan, whatever indexes there are.
func PlanWithoutSeqScans(t testing.TB, d *db.DB, query string, args ...any) string {
	t.Helper()
	return plan(t, d, true, query, args...)
}

func plan(t testing.TB, d *db.DB, noSeqScan bool, query string, args ...any) string {
	t.Helper()
	ctx := context.Background()
	conn, err := d.Write.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	explain := "EXPLAIN QUERY PLAN "
	if d.Dialect == db.Postgres {
		explain = "EXPLAIN "
		if noSeqScan {
			if _, err := conn.ExecContext(ctx, `SET enable_seqscan = off`); err != nil {
				t.Fatal(err)
			}
			defer conn.ExecContext(ctx, `RESET enable_seqscan`)
		}
	}
	rows, err := conn.QueryContext(ctx, explain+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, fmt.Sprint(vals[len(vals)-1])) // the step: SQLite's detail, PostgreSQL's line
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(lines) == 0 { // a check for what a plan lacks would pass on none
		t.Fatalf("no plan for %s", query)
	}
	return strings.Join(lines, "\n")
}
