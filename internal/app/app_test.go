package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"steward/internal/app"
	"steward/internal/auth"
	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
)

func open(t *testing.T, kind db.Dialect) *app.App {
	t.Helper()
	cfg := app.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), MaxAttachment: 1 << 20, Role: "all",
		AdminEmail: "admin@example.com", AdminPassword: "correct horse battery"}
	if kind == db.Postgres {
		cfg.DB = dbtest.PostgresDSN(t)
	}
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func TestConfigValidationNamesEveryBadSetting(t *testing.T) {
	t.Parallel()
	cfg := app.Config{Addr: "nonsense", BaseURL: "ftp://x", MaxAttachment: 0, Role: "boss"}
	err := cfg.Validate()
	if err == nil {
		t.Fatal("invalid config accepted")
	}
	for _, want := range []string{"addr", "data", "base-url", "max-attachment", "role"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}

func TestFreshInstanceHasAnAdminAndIsReady(t *testing.T) {
	t.Parallel()
	for _, kind := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			a := open(t, kind)
			ctx := context.Background()
			if err := a.EnsureAdmin(ctx); err != nil {
				t.Fatal(err)
			}
			if err := a.EnsureAdmin(ctx); err != nil { // second start: nothing to do
				t.Fatal(err)
			}
			p, err := a.Auth.Authenticate(ctx, "admin@example.com", "correct horse battery")
			if err != nil || p.Role != auth.Admin {
				t.Fatalf("admin sign-in: %+v, %v", p, err)
			}
			srv := httptest.NewServer(a.Handler())
			defer srv.Close()
			for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/metrics": 200, "/api/v1/openapi.json": 200, "/api/v1/incidents": 401} {
				res, err := http.Get(srv.URL + path)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != want {
					t.Errorf("GET %s = %d, want %d: %s", path, res.StatusCode, want, body)
				}
				if path == "/api/v1/openapi.json" {
					var doc struct{ OpenAPI string }
					if err := json.Unmarshal(body, &doc); err != nil || doc.OpenAPI != "3.1.0" {
						t.Errorf("openapi document: %q, %v", doc.OpenAPI, err)
					}
				}
				if path == "/metrics" && !strings.Contains(string(body), "go_sql_") {
					t.Errorf("metrics lack database pool figures")
				}
			}
		})
	}
}
