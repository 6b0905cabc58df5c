package db_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
)

// columns lists table -> sorted column names of the schema the migrations built.
func columns(t *testing.T, d *db.DB) map[string][]string {
	t.Helper()
	q := `SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p
	      WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE 'records_fts%'`
	if d.Dialect == db.Postgres {
		q = `SELECT table_name, column_name FROM information_schema.columns
		     WHERE table_schema = current_schema()`
	}
	rows, err := d.Read.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			t.Fatal(err)
		}
		// Each engine's full-text index is its own: FTS5 table vs tsvector column.
		if table == "records" && col == "search" {
			continue
		}
		out[table] = append(out[table], col)
	}
	for k := range out {
		slices.Sort(out[k])
	}
	return out
}

func TestBothTreesBuildTheSameSchema(t *testing.T) {
	sqlite := dbtest.New(t, db.SQLite)
	pg := dbtest.New(t, db.Postgres)
	if diff := cmp.Diff(columns(t, sqlite), columns(t, pg)); diff != "" {
		t.Fatalf("schemas differ (-sqlite +postgres):\n%s", diff)
	}
	v1, err := sqlite.SchemaVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	v2, err := pg.SchemaVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if v1 != v2 || v1 == 0 {
		t.Fatalf("schema versions: sqlite %d, postgres %d", v1, v2)
	}
}

func TestMigrateTwiceAppliesNothing(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		n, err := d.Migrate(context.Background())
		if err != nil || n != 0 {
			t.Fatalf("second migrate applied %d, err %v", n, err)
		}
		pending, err := d.Pending(context.Background())
		if err != nil || pending {
			t.Fatalf("pending = %v, err %v", pending, err)
		}
	})
}

// Several nodes starting at once on one PostgreSQL must not trip over each other.
func TestConcurrentMigrationsOnPostgres(t *testing.T) {
	t.Parallel()
	dsn := dbtest.PostgresDSN(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	total := make([]int, 4)
	errs := make([]error, 4)
	for i := range 4 {
		wg.Go(func() {
			d, err := db.Open(ctx, dsn, "")
			if err != nil {
				errs[i] = err
				return
			}
			defer d.Close()
			total[i], errs[i] = d.Migrate(ctx)
		})
	}
	wg.Wait()
	sum := 0
	for i := range 4 {
		if errs[i] != nil {
			t.Fatalf("node %d: %v", i, errs[i])
		}
		sum += total[i]
	}
	d, err := db.Open(ctx, dsn, "")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.SchemaVersion(ctx); err != nil {
		t.Fatal(err)
	}
	// Versions may have gaps while branches land (00007 before 00006), so
	// count the migration files: that many applications in all means each once.
	files, err := os.ReadDir("migrations/postgres")
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, f := range files {
		if strings.HasSuffix(f.Name(), ".sql") {
			want++
		}
	}
	if sum != want {
		t.Fatalf("%d migrations applied across nodes, want each of %d once", sum, want)
	}
}

func TestFullTextQueriesAreSanitised(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		for _, q := range []string{`"unbalanced`, `a OR b NOT c`, `'; DROP TABLE records; --`, `title:x*`, ``, `ünïcödé`} {
			frag, arg := d.FullText("r", "$1", q)
			rows, err := d.Read.Query(`SELECT r.id FROM records r WHERE `+frag, arg)
			if err != nil {
				t.Fatalf("query %q: %v", q, err)
			}
			rows.Close()
		}
	})
}

// TestOptimizeKeepsStatisticsWithoutSamples checks that Optimize leaves
// the planner sqlite_stat1 figures and no sqlite_stat4 samples (which
// would have every statement prepared again on each run), even after a
// full ANALYZE wrote them; on PostgreSQL it does nothing.
func TestOptimizeKeepsStatisticsWithoutSamples(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if d.Dialect == db.Postgres {
			if err := d.Optimize(ctx); err != nil {
				t.Fatal(err)
			}
			return
		}
		if err := d.InTx(ctx, func(tx db.Querier) error {
			if _, err := tx.ExecContext(ctx, `CREATE TABLE probe (id INTEGER PRIMARY KEY, kind TEXT NOT NULL)`); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `CREATE INDEX probe_kind ON probe (kind)`); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
				INSERT INTO probe (id, kind) SELECT i, 'kind-' || (i % 7) FROM n`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Write.ExecContext(ctx, `ANALYZE`); err != nil {
			t.Fatal(err)
		}
		count := func(table string) int {
			var n int
			if err := d.Read.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if count("sqlite_stat4") == 0 {
			t.Fatal("a full ANALYZE wrote no samples: nothing to test")
		}
		if err := d.Optimize(ctx); err != nil {
			t.Fatal(err)
		}
		if n := count("sqlite_stat4"); n != 0 {
			t.Errorf("%d samples left after Optimize", n)
		}
		var stat string
		if err := d.Read.QueryRowContext(ctx, `SELECT stat FROM sqlite_stat1 WHERE idx = 'probe_kind'`).Scan(&stat); err != nil || !strings.HasPrefix(stat, "500 ") {
			t.Errorf("probe_kind statistics %q, err %v; want the table's 500 rows", stat, err)
		}
		if err := d.Optimize(ctx); err != nil { // nothing left to do
			t.Fatal(err)
		}
	})
}

// A query whose context ends is cancelled on the server and its
// connection kept: a request whose client goes away must not leave a dead
// connection in the pool for the next request to draw.
func TestCancelledQueryKeepsItsPostgresConnection(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t, db.Postgres)
	ctx := context.Background()
	conn, err := d.Read.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var before, after int
	if err := conn.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := conn.ExecContext(short, `SELECT pg_sleep(30)`); err == nil {
		t.Fatal("a 30 s sleep finished within its 100 ms context")
	}
	if err := conn.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&after); err != nil {
		t.Fatalf("the connection did not survive the cancelled query: %v", err)
	}
	if after != before {
		t.Errorf("backend %d after the cancel, %d before", after, before)
	}
}
