package record_test

import (
	"context"
	"testing"

	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
	"steward/internal/record"
)

// BenchmarkPriority measures the matrix lookup every create and every
// impact or urgency change makes.
func BenchmarkPriority(b *testing.B) {
	m := record.DefaultMatrix
	for i := 0; b.Loop(); i++ {
		if p := m.Priority(record.Level(1+i%3), record.Level(1+(i/3)%3)); p < 1 || p > 5 {
			b.Fatal(p)
		}
	}
}

// BenchmarkLoadMatrix measures reading the configured matrix, which a
// create does inside its write transaction.
func BenchmarkLoadMatrix(b *testing.B) {
	for _, kind := range []db.Dialect{db.SQLite, db.Postgres} {
		b.Run(string(kind), func(b *testing.B) {
			d := dbtest.New(b, kind)
			ctx := context.Background()
			if err := record.SaveMatrix(ctx, d.Write, record.DefaultMatrix); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := record.LoadMatrix(ctx, d.Read); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
