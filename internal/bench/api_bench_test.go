package bench_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"steward/internal/app"
	"steward/internal/auth"
	"steward/internal/bench"
	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
)

// BenchmarkAPI measures the whole handler stack (middleware, token,
// decoding, service, encoding) per API operation over a generated desk of
// 5,000 incidents, without the network.
func BenchmarkAPI(b *testing.B) {
	for _, kind := range []db.Dialect{db.SQLite, db.Postgres} {
		b.Run(string(kind), func(b *testing.B) {
			cfg := app.Config{Addr: "127.0.0.1:0", DataDir: b.TempDir(), MaxAttachment: 1 << 20, Role: "web"}
			if kind == db.Postgres {
				cfg.DB = dbtest.PostgresDSN(b)
			}
			ctx := context.Background()
			a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				b.Fatal(err)
			}
			defer a.Close()
			if _, err := bench.Generate(ctx, bench.Services{DB: a.DB, Auth: a.Auth, Directory: a.Directory}, bench.GenOptions{Records: 5000, Seed: 1}); err != nil {
				b.Fatal(err)
			}
			token, _, err := a.Auth.CreateToken(ctx, auth.System, bench.AgentEmail, "bench")
			if err != nil {
				b.Fatal(err)
			}
			h := a.Handler()
			for _, op := range []struct{ name, method, path, body string }{
				{"create", "POST", "/api/v1/incidents", `{"title":"VPN drops every few minutes","urgency":"high"}`},
				{"read", "GET", "/api/v1/incidents/INC0000042", ""},
				{"list", "GET", "/api/v1/incidents?state=open&assignee=me&sort=priority,updated_at&limit=50", ""},
				{"search", "GET", "/api/v1/incidents?q=printer&limit=50", ""},
			} {
				b.Run(op.name, func(b *testing.B) {
					want := http.StatusOK
					if op.method == "POST" {
						want = http.StatusCreated
					}
					for b.Loop() {
						req := httptest.NewRequest(op.method, op.path, strings.NewReader(op.body))
						req.Header.Set("Authorization", "Bearer "+token)
						req.Header.Set("Content-Type", "application/json")
						rec := httptest.NewRecorder()
						h.ServeHTTP(rec, req)
						if rec.Code != want {
							b.Fatalf("%s %s = %d: %s", op.method, op.path, rec.Code, rec.Body)
						}
					}
				})
			}
		})
	}
}
