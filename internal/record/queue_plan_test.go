package record_test

import (
	"strings"
	"testing"

	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
)

// The queues of open work read their page from an index in their order
// (see the records_active_* indexes of migration 00004):
// all open, mine, a group's untaken, and nobody's (no group, no assignee),
// as record.List writes them. Neither engine scans the records table.
func TestOpenQueuesReadAnIndex(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		for name, where := range map[string]string{
			"all open": "r.active = TRUE",
			"mine":     "r.active = TRUE AND r.assignee_id = $2",
			"untaken":  "r.active = TRUE AND r.assignment_group_id = $2 AND r.assignee_id IS NULL",
			"nobody's": "r.active = TRUE AND r.assignment_group_id IS NULL AND r.assignee_id IS NULL",
		} {
			args := []any{"incident"}
			if strings.Contains(where, "$2") {
				args = append(args, 7)
			}
			q := `SELECT r.id FROM records r WHERE r.type = $1 AND ` + where + ` ORDER BY r.priority, r.updated_at, r.id LIMIT 51`
			text := dbtest.PlanWithoutSeqScans(t, d, q, args...)
			// In order: no scan, and no sort of every match (a sort of ties
			// on the last column, SQLite's "LAST TERM", stops early).
			sorted := strings.Contains(text, "USE TEMP B-TREE FOR ORDER BY") || strings.Contains(text, "Sort Key")
			if strings.Contains(text, "SCAN r") || strings.Contains(text, "Seq Scan") || sorted {
				t.Errorf("%s: not read in order from an index:\n%s", name, text)
			}
		}
	})
}
