package calendar

import (
	"testing"
	"time"
)

// The figures that matter: due times and elapsed time are computed on every
// timer recompute and every page showing a countdown.

func BenchmarkAdd300BusinessHours(b *testing.B) {
	c := mustNew(b, uk)
	start := at("2026-11-02T10:17:00Z") // runs through Christmas into February
	for b.Loop() {
		c.Add(start, 300*time.Hour)
	}
}

func BenchmarkAdd8BusinessHours(b *testing.B) {
	c := mustNew(b, uk)
	start := at("2026-01-09T14:00:00Z")
	for b.Loop() {
		c.Add(start, 8*time.Hour)
	}
}

func BenchmarkElapsedYear(b *testing.B) {
	c := mustNew(b, uk)
	from, to := at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z")
	for b.Loop() {
		c.Elapsed(from, to)
	}
}

func BenchmarkElapsedYearNoHolidays(b *testing.B) {
	c := mustNew(b, Spec{Zone: "America/New_York", Hours: weekdays("09:00-12:00", "13:00-17:00")})
	from, to := at("2026-01-01T00:00:00-05:00"), at("2027-01-01T00:00:00-05:00")
	for b.Loop() {
		c.Elapsed(from, to)
	}
}

func BenchmarkElapsedYearNightShift(b *testing.B) {
	c := mustNew(b, night)
	from, to := at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z")
	for b.Loop() {
		c.Elapsed(from, to)
	}
}

func BenchmarkExplainMonth(b *testing.B) {
	c := mustNew(b, uk)
	from, to := at("2026-12-01T00:00:00Z"), at("2027-01-01T00:00:00Z")
	for b.Loop() {
		c.Explain(from, to)
	}
}

func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		mustNew(b, uk)
	}
}
