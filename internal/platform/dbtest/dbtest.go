// Package dbtest gives tests a fresh, migrated database of each kind:
// SQLite in a temporary directory, and PostgreSQL in a schema of its own when
// STEWARD_TEST_POSTGRES names a server.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"steward/internal/platform/db"
)

// EnvPostgres names the variable that points tests at a PostgreSQL server.
const EnvPostgres = "STEWARD_TEST_POSTGRES"

// Each runs fn as a subtest once per database kind.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	for _, kind := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(kind), func(t *testing.T) {
			fn(t, New(t, kind))
		})
	}
}

// EachParallel is Each with parallel subtests. The database is opened
// after the subtest pauses for its turn, so that waiting tests hold no
// connections (PostgreSQL allows only so many).
func EachParallel(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	for _, kind := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			fn(t, New(t, kind))
		})
	}
}

// New returns a migrated, empty database of the given kind, removed when
// the test ends. A PostgreSQL test is skipped, with the reason, when the
// server is not configured.
func New(t testing.TB, kind db.Dialect) *db.DB {
	t.Helper()
	ctx := context.Background()
	var d *db.DB
	var err error
	switch kind {
	case db.SQLite:
		d, err = db.Open(ctx, "", t.TempDir())
	case db.Postgres:
		d, err = openPostgres(t)
	}
	if err != nil {
		t.Fatalf("open %s: %v", kind, err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s: %v", kind, err)
	}
	return d
}

// PostgresDSN returns a DSN for a fresh schema on the test server, dropped
// at the end of the test, or skips the test when none is configured.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		if os.Getenv("STEWARD_TEST_REQUIRE_ALL") != "" {
			t.Fatalf("%s is not set, and STEWARD_TEST_REQUIRE_ALL forbids skipping PostgreSQL tests", EnvPostgres)
		}
		t.Skipf("PostgreSQL tests skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", EnvPostgres)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("postgres: create schema: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	qs := u.Query()
	qs.Set("search_path", schema)
	u.RawQuery = qs.Encode()
	return u.String()
}

func openPostgres(t testing.TB) (*db.DB, error) {
	return db.Open(context.Background(), PostgresDSN(t), "")
}
