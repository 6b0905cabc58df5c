package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPercentileNearestRank(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {95, 95 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0.1, time.Millisecond}} {
		if got := Percentile(d, c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if got := Percentile(nil, 50); got != 0 {
		t.Errorf("p50 of nothing = %v, want 0", got)
	}
	one := []time.Duration{7 * time.Millisecond}
	if Percentile(one, 1) != 7*time.Millisecond || Percentile(one, 99) != 7*time.Millisecond {
		t.Error("one value is every percentile")
	}
	// Few values: p95 of 10 is the 10th, not an interpolation.
	if got := Percentile(d[:10], 95); got != 10*time.Millisecond {
		t.Errorf("p95 of 10 values = %v, want the largest", got)
	}
}

func TestThroughput(t *testing.T) {
	if got := Throughput(300, 2*time.Second); got != 150 {
		t.Errorf("300 in 2 s = %v/s, want 150", got)
	}
	if got := Throughput(5, 0); got != 0 {
		t.Errorf("no elapsed time = %v/s, want 0", got)
	}
}

func TestRecorderSummarisesLatenciesAndErrors(t *testing.T) {
	r := &Recorder{}
	for _, ms := range []int{5, 1, 4, 2, 3} { // out of order, from many clients
		r.Observe(time.Duration(ms)*time.Millisecond, nil)
	}
	r.Observe(time.Hour, errors.New("boom")) // a failure's latency is not a sample
	s := r.Summarise(OpRead, time.Second)
	want := Stats{Name: OpRead, Count: 5, Errors: 1, PerSecond: 5, P50ms: 3, P95ms: 5, P99ms: 5, MaxMs: 5, LastError: "boom"}
	if s != want {
		t.Errorf("got  %+v\nwant %+v", s, want)
	}
	if empty := (&Recorder{}).Summarise(OpList, time.Second); empty.Count != 0 || empty.P99ms != 0 || empty.MaxMs != 0 {
		t.Errorf("empty recorder: %+v", empty)
	}
}

func TestReportJSONShapeAndRatio(t *testing.T) {
	lim := Stats{Name: "db_limit_create", Count: 4000, PerSecond: 400}
	rep := &Report{Database: "sqlite", Incidents: 1000, Clients: 8, DurationS: 10, StartupMs: 12.5, RSSMaxMB: 80, DBSizeMB: 12,
		Phases: []Phase{
			{Name: "mixed", Ops: []Stats{{Name: OpRead, Count: 10, PerSecond: 1}}},
			{Name: "create", Ops: []Stats{{Name: OpCreate, Count: 3000, PerSecond: 300}}},
		}, Limit: &lim}
	rep.Ratio()
	if rep.LimitRatio != 0.75 {
		t.Errorf("ratio = %v, want 0.75 (300/s of 400/s)", rep.LimitRatio)
	}
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"clients", "database", "db_limit", "db_size_mb", "duration_s", "generate_s", "incidents", "limit_ratio", "phases", "rss_max_mb", "startup_ms"}
	if !slices.Equal(keys, want) {
		t.Errorf("keys = %v\nwant   %v", keys, want)
	}
	op := got["phases"].([]any)[1].(map[string]any)["ops"].([]any)[0].(map[string]any)
	for _, k := range []string{"name", "count", "errors", "per_second", "p50_ms", "p95_ms", "p99_ms", "max_ms"} {
		if _, ok := op[k]; !ok {
			t.Errorf("operation has no %q: %v", k, op)
		}
	}
	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"create", "db_limit_create", "API create / database limit: 75%"} {
		if !strings.Contains(table.String(), s) {
			t.Errorf("table lacks %q:\n%s", s, table.String())
		}
	}
}

func TestMetricValue(t *testing.T) {
	text := "# HELP process_resident_memory_bytes Resident memory size in bytes.\n# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes 1.2345678e+08\n"
	n, err := metricValue(strings.NewReader(text), "process_resident_memory_bytes")
	if err != nil || n != 123456780 {
		t.Errorf("= %d, %v", n, err)
	}
	if _, err := metricValue(strings.NewReader("other 1\n"), "process_resident_memory_bytes"); err == nil {
		t.Error("a missing metric is an error")
	}
}

func TestPhases(t *testing.T) {
	if m, err := PhaseMix("search"); err != nil || len(m) != 1 || m[OpSearch] != 1 {
		t.Errorf("search phase = %v, %v; want search alone", m, err)
	}
	if m, err := PhaseMix("mixed"); err != nil || len(m) != len(Ops) {
		t.Errorf("mixed phase = %v, %v; want every operation", m, err)
	}
	if _, err := PhaseMix("delete"); err == nil {
		t.Error("an unknown phase is an error")
	}
	if got := ProfilePath("/tmp/cpu.pprof", "create"); got != "/tmp/cpu-create.pprof" {
		t.Errorf("profile path = %q", got)
	}
	if got := ProfilePath("", "create"); got != "" {
		t.Errorf("no profile asked: %q", got)
	}
}
