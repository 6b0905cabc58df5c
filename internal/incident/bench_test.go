package incident_test

import (
	"context"
	"fmt"
	"testing"

	"steward/internal/auth"
	"steward/internal/incident"
	"steward/internal/platform/cursor"
	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
	"steward/internal/record"
)

func benchAgent(b *testing.B, d *db.DB) auth.Principal {
	b.Helper()
	ctx := context.Background()
	a := auth.NewService(d)
	g, err := a.CreateGroup(ctx, auth.System, auth.GroupInput{Name: "Service Desk"})
	if err != nil {
		b.Fatal(err)
	}
	u, err := a.CreateUser(ctx, auth.System, auth.NewUser{Email: "bench@example.com", Name: "Bench Agent", Role: auth.Agent, Groups: []int64{g.ID}})
	if err != nil {
		b.Fatal(err)
	}
	return auth.Principal{UserID: u.ID, Name: u.Name, Role: u.Role, Groups: u.Groups}
}

// BenchmarkCreate measures one incident create: number, row, extension,
// outbox event, one transaction.
func BenchmarkCreate(b *testing.B) {
	for _, kind := range []db.Dialect{db.SQLite, db.Postgres} {
		b.Run(string(kind), func(b *testing.B) {
			d := dbtest.New(b, kind)
			s := incident.NewService(d, cursor.NewSigner([]byte("k")))
			p := benchAgent(b, d)
			ctx := context.Background()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if _, _, err := s.Create(ctx, p, incident.NewIncident{Title: fmt.Sprintf("Benchmark incident %d", i), Urgency: record.High}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkListQueue measures one 50-row page of a filtered, sorted queue
// over 5,000 incidents.
func BenchmarkListQueue(b *testing.B) {
	for _, kind := range []db.Dialect{db.SQLite, db.Postgres} {
		b.Run(string(kind), func(b *testing.B) {
			d := dbtest.New(b, kind)
			s := incident.NewService(d, cursor.NewSigner([]byte("k")))
			p := benchAgent(b, d)
			ctx := context.Background()
			for i := range 5000 {
				in := incident.NewIncident{Title: fmt.Sprintf("Printer %d jams on tray two", i), Urgency: record.Level(1 + i%3), Impact: record.Level(1 + i%2)}
				if _, _, err := s.Create(ctx, p, in); err != nil {
					b.Fatal(err)
				}
			}
			// As autovacuum (PostgreSQL) and PRAGMA optimize (SQLite) would.
			if _, err := d.Write.Exec("ANALYZE"); err != nil {
				b.Fatal(err)
			}
			in := incident.ListInput{Filter: record.Filter{States: incident.Lifecycle.OpenStates()}, Sort: "priority,-updated_at", Limit: 50}
			b.ResetTimer()
			for b.Loop() {
				items, _, err := s.List(ctx, p, in)
				if err != nil || len(items) != 50 {
					b.Fatalf("%d items, %v", len(items), err)
				}
			}
		})
	}
}

func BenchmarkLifecycleCheck(b *testing.B) {
	values := map[string]string{"resolution_code": "solved", "resolution_notes": "Replaced the toner."}
	for b.Loop() {
		if err := incident.Lifecycle.Check(incident.InProgress, incident.Resolved, values); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPermissionCheck(b *testing.B) {
	p := auth.Principal{UserID: 7, Role: auth.Requester}
	for b.Loop() {
		if !auth.CanReadRecord(p, auth.RecordAccess{RequesterID: 7}) || auth.Can(p, auth.AddWorkNote) {
			b.Fatal("wrong decision")
		}
	}
}
