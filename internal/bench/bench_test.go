package bench_test

import (
	"context"
	"testing"
	"time"

	"steward/internal/auth"
	"steward/internal/bench"
	"steward/internal/directory"
	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
)

// The generator writes incidents with journals and attachments in about
// the proportions it promises, and reuses a database that has them.
func TestGenerateFillsThenReuses(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := bench.Services{DB: d, Auth: auth.NewService(d), Directory: directory.New(d)}
		desk, err := bench.Generate(ctx, s, bench.GenOptions{Records: 1000, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		if desk.Incidents != 1000 || len(desk.Groups) == 0 || len(desk.Agents) == 0 || len(desk.Requesters) == 0 ||
			len(desk.Categories) == 0 || len(desk.Services) == 0 {
			t.Fatalf("desk = %+v", desk)
		}
		count := func(q string) int64 {
			var n int64
			if err := d.Read.QueryRowContext(ctx, q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(`SELECT count(*) FROM journal`); n < 2000 || n > 8000 {
			t.Errorf("%d journal entries for 1000 incidents, want 2-8 each", n)
		}
		if n := count(`SELECT count(*) FROM attachments`); n < 5 || n > 100 {
			t.Errorf("%d attachments for 1000 incidents, want about 3%%", n)
		}
		if n := count(`SELECT count(*) FROM records WHERE state IN ('new', 'in_progress', 'on_hold')`); n < 30 || n > 100 {
			t.Errorf("%d open incidents of 1000, want about 6%%", n)
		}
		// The next number continues after the generated ones.
		if n := count(`SELECT next_value FROM counters WHERE type = 'incident'`); n != 1000 {
			t.Errorf("incident counter = %d, want 1000", n)
		}
		again, err := bench.Generate(ctx, s, bench.GenOptions{Records: 5000})
		if err != nil || again.Incidents != 1000 {
			t.Errorf("second run: %d incidents, %v; want the 1000 reused", again.Incidents, err)
		}
	})
}

// A whole tiny run on each database: every phase reports its operations
// without errors, the limit is measured, the ratio computed. No timing is
// asserted.
func TestBenchEndToEnd(t *testing.T) {
	t.Parallel()
	for _, kind := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			o := bench.Options{Records: 300, Clients: 2, Duration: time.Second, DataDir: t.TempDir()}
			if kind == db.Postgres {
				o.DB = dbtest.PostgresDSN(t)
			}
			rep, err := bench.Bench(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Database != string(kind) || rep.Incidents != 300 || len(rep.Phases) != 2 || rep.Limit == nil {
				t.Fatalf("report = %+v", rep)
			}
			if rep.StartupMs <= 0 || rep.DBSizeMB <= 0 || rep.RSSMaxMB <= 0 {
				t.Errorf("start-up %v ms, database %v MB, RSS %v MB: all should be measured", rep.StartupMs, rep.DBSizeMB, rep.RSSMaxMB)
			}
			var requests int64
			for _, p := range rep.Phases {
				for _, s := range p.Ops {
					requests += s.Count
					if s.Errors != 0 {
						t.Errorf("%s/%s: %d errors, last: %s", p.Name, s.Name, s.Errors, s.LastError)
					}
				}
			}
			if mixed := rep.Phases[0].Ops; len(mixed) != len(bench.Ops) {
				t.Errorf("mixed phase reports %d operations, want %d", len(mixed), len(bench.Ops))
			}
			if requests == 0 || rep.Limit.Count == 0 || rep.Limit.Errors != 0 {
				t.Errorf("%d requests; limit %+v", requests, *rep.Limit)
			}
			if g := rep.GroupCommit; g == nil || g.Count == 0 || g.Errors != 0 {
				t.Errorf("group commit limit: %+v", g)
			}
		})
	}
}
