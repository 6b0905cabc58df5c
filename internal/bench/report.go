package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"steward/internal/platform/db"
)

// Report is one run's result, printed as a table or as JSON.
type Report struct {
	Database  string  `json:"database"` // sqlite or postgres
	Incidents int64   `json:"incidents"`
	Clients   int     `json:"clients"`
	DurationS float64 `json:"duration_s"` // per phase
	GenerateS float64 `json:"generate_s"` // zero when the data set was reused
	StartupMs float64 `json:"startup_ms"` // open app -> /readyz ok; zero against --url
	RSSMaxMB  float64 `json:"rss_max_mb"` // server resident memory, highest sample under load
	DBSizeMB  float64 `json:"db_size_mb"` // database on disk after the run
	Phases    []Phase `json:"phases"`     // mixed workload, then creates only
	Limit     *Stats  `json:"db_limit"`   // the database's own create limit, same writers
	// GroupCommit is the limit when one writer commits as many creates at
	// once as there are clients: what group commit would allow.
	GroupCommit *Stats   `json:"db_limit_group_commit,omitempty"`
	LimitRatio  float64  `json:"limit_ratio"` // API creates per second / database limit
	Notes       []string `json:"notes,omitempty"`

	url string // the server driven
}

// Phase is one workload phase's statistics per operation.
type Phase struct {
	Name string  `json:"name"`
	Ops  []Stats `json:"ops"`
	// Commits and Transactions count the SQLite writer's work in the
	// phase (in process only): how many transactions shared each commit.
	Commits      int64 `json:"writer_commits,omitempty"`
	Transactions int64 `json:"writer_transactions,omitempty"`
	// SettleS is how long after the phase the event consumers (SLA,
	// notifications, escalation) took to handle what it wrote; the next
	// phase starts after.
	SettleS float64 `json:"settle_s"`
}

// Ratio fills LimitRatio from the create-only phase and the limit.
func (r *Report) Ratio() {
	if r.Limit == nil || r.Limit.PerSecond == 0 {
		return
	}
	for _, p := range r.Phases {
		for _, s := range p.Ops {
			if p.Name == "create" && s.Name == OpCreate {
				r.LimitRatio = s.PerSecond / r.Limit.PerSecond
			}
		}
	}
}

// WriteJSON writes r as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes r for people.
func (r *Report) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "steward bench: %s, %d incidents, %d clients, %.0f s per phase\n", r.Database, r.Incidents, r.Clients, r.DurationS)
	if r.GenerateS > 0 {
		fmt.Fprintf(w, "generated in %.1f s; ", r.GenerateS)
	}
	if r.StartupMs > 0 {
		fmt.Fprintf(w, "start-up to ready %.0f ms; ", r.StartupMs)
	}
	fmt.Fprintf(w, "server RSS max %.0f MB; database %.0f MB\n\n", r.RSSMaxMB, r.DBSizeMB)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\toperation\tcount\terrors\tper s\tp50 ms\tp95 ms\tp99 ms\tmax ms\t")
	row := func(phase string, s Stats) {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t\n", phase, s.Name, s.Count, s.Errors, s.PerSecond, s.P50ms, s.P95ms, s.P99ms, s.MaxMs)
	}
	for _, p := range r.Phases {
		for _, s := range p.Ops {
			row(p.Name, s)
		}
	}
	if r.Limit != nil {
		row("limit", *r.Limit)
	}
	if r.GroupCommit != nil {
		row("limit", *r.GroupCommit)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if r.LimitRatio > 0 {
		fmt.Fprintf(w, "\nAPI create / database limit: %.0f%%\n", 100*r.LimitRatio)
	}
	for _, p := range r.Phases {
		if p.SettleS >= 0.1 {
			fmt.Fprintf(w, "event consumers caught up %.1f s after %s\n", p.SettleS, p.Name)
		}
	}
	for _, p := range r.Phases {
		if p.Commits > 0 {
			fmt.Fprintf(w, "SQLite writer, %s: %d transactions in %d commits (%.1f per commit)\n",
				p.Name, p.Transactions, p.Commits, float64(p.Transactions)/float64(p.Commits))
		}
	}
	for _, p := range r.Phases {
		for _, s := range p.Ops {
			if s.LastError != "" {
				fmt.Fprintf(w, "last error of %s/%s: %s\n", p.Name, s.Name, s.LastError)
			}
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, "note:", n)
	}
	return nil
}

// RSSSampler keeps the highest resident set size seen, sampled twice a
// second, from /proc/self/status in process or from the server's /metrics.
type RSSSampler struct {
	MetricsURL string // empty: this process
	mu         sync.Mutex
	max        int64
}

// Run samples until ctx ends.
func (s *RSSSampler) Run(ctx context.Context) {
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		if n, err := s.sample(ctx); err == nil {
			s.mu.Lock()
			s.max = max(s.max, n)
			s.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// MaxMB is the highest sample in MB.
func (s *RSSSampler) MaxMB() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return float64(s.max) / (1 << 20)
}

func (s *RSSSampler) sample(ctx context.Context) (int64, error) {
	if s.MetricsURL == "" {
		return ProcessRSS()
	}
	req, err := http.NewRequestWithContext(ctx, "GET", s.MetricsURL, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return metricValue(resp.Body, "process_resident_memory_bytes")
}

// ProcessRSS reads this process's VmRSS in bytes.
func ProcessRSS() (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("bench: no VmRSS in /proc/self/status")
}

// metricValue finds an unlabelled metric's value in Prometheus text format.
func metricValue(r io.Reader, name string) (int64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return int64(f), err
		}
	}
	return 0, fmt.Errorf("bench: no %s in metrics", name)
}

// DBSize is the database's size on disk in bytes: the SQLite file with its
// write-ahead log, or PostgreSQL's pg_database_size.
func DBSize(ctx context.Context, d *db.DB) (int64, error) {
	if d.Dialect == db.Postgres {
		var n int64
		err := d.Read.QueryRowContext(ctx, `SELECT pg_database_size(current_database())`).Scan(&n)
		return n, err
	}
	var total int64
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(d.Source + suffix); err == nil {
			total += fi.Size()
		}
	}
	return total, nil
}
