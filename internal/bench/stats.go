// Package bench is Steward's performance harness: it generates a realistic
// service desk straight into the tables, runs a mixed workload of API and
// page requests against a running server, measures what the database alone
// can do for the same writes, and reports it all as a table or as JSON.
package bench

import (
	"math"
	"slices"
	"sync"
	"time"
)

// Recorder collects the latency of every request of one operation. It is
// safe for concurrent use.
type Recorder struct {
	mu     sync.Mutex
	took   []time.Duration
	errors int64
	last   string // the latest error, to show what went wrong
}

// Observe records one request: its latency, and err if it failed.
func (r *Recorder) Observe(took time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.errors++
		r.last = err.Error()
		return
	}
	r.took = append(r.took, took)
}

// Stats summarises one operation over a run.
type Stats struct {
	Name       string  `json:"name"`
	Count      int64   `json:"count"`
	Errors     int64   `json:"errors"`
	PerSecond  float64 `json:"per_second"`
	P50ms      float64 `json:"p50_ms"`
	P95ms      float64 `json:"p95_ms"`
	P99ms      float64 `json:"p99_ms"`
	MaxMs      float64 `json:"max_ms"`
	LastError  string  `json:"last_error,omitempty"`
	TargetNote string  `json:"target,omitempty"`
}

// Summarise computes the statistics of what r recorded over elapsed.
func (r *Recorder) Summarise(name string, elapsed time.Duration) Stats {
	r.mu.Lock()
	took := slices.Clone(r.took)
	s := Stats{Name: name, Count: int64(len(r.took)), Errors: r.errors, LastError: r.last}
	r.mu.Unlock()
	slices.Sort(took)
	s.PerSecond = Throughput(s.Count, elapsed)
	s.P50ms = ms(Percentile(took, 50))
	s.P95ms = ms(Percentile(took, 95))
	s.P99ms = ms(Percentile(took, 99))
	if len(took) > 0 {
		s.MaxMs = ms(took[len(took)-1])
	}
	return s
}

// Percentile returns the p-th percentile (0 < p <= 100) of sorted by the
// nearest-rank method: the smallest value that at least p% of the values
// are less than or equal to. It is zero for no values.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// Throughput is count per second of elapsed; zero when no time passed.
func Throughput(count int64, elapsed time.Duration) float64 {
	if elapsed <= 0 {
		return 0
	}
	return float64(count) / elapsed.Seconds()
}

func ms(d time.Duration) float64 {
	return math.Round(float64(d.Microseconds())) / 1000
}
