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

// benchIncidents makes n incidents through the service; one title in
// twenty mentions the VPN.
func benchIncidents(b *testing.B, kind db.Dialect, n int) (*incident.Service, auth.Principal) {
	b.Helper()
	d := dbtest.New(b, kind)
	s := incident.NewService(d, cursor.NewSigner([]byte("k")))
	ctx := context.Background()
	p := benchAgent(b, d)
	for i := range n {
		title := fmt.Sprintf("Printer %d jams on tray two", i)
		if i%20 == 0 {
			title = fmt.Sprintf("VPN drops every few minutes in office %d", i)
		}
		if _, _, err := s.Create(ctx, p, incident.NewIncident{Title: title, Description: "Reported by phone.", Urgency: record.Level(1 + i%3)}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := d.Write.Exec("ANALYZE"); err != nil {
		b.Fatal(err)
	}
	return s, p
}

// BenchmarkSearch measures a full-text search page (50 rows, newest first)
// over 5,000 incidents, for a word in 5% of them.
func BenchmarkSearch(b *testing.B) {
	for _, kind := range []db.Dialect{db.SQLite, db.Postgres} {
		b.Run(string(kind), func(b *testing.B) {
			s, p := benchIncidents(b, kind, 5000)
			ctx := context.Background()
			in := incident.ListInput{Filter: record.Filter{Query: "vpn"}, Limit: 50}
			for b.Loop() {
				items, _, err := s.List(ctx, p, in)
				if err != nil || len(items) != 50 {
					b.Fatalf("%d items, %v", len(items), err)
				}
			}
		})
	}
}

// BenchmarkGet measures reading one incident as an agent.
func BenchmarkGet(b *testing.B) {
	for _, kind := range []db.Dialect{db.SQLite, db.Postgres} {
		b.Run(string(kind), func(b *testing.B) {
			s, p := benchIncidents(b, kind, 1000)
			ctx := context.Background()
			for i := 0; b.Loop(); i++ {
				if _, err := s.Get(ctx, p, record.FormatNumber(record.TypeIncident, int64(1+i%1000))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
