package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"steward/internal/app"
	"steward/internal/auth"
	"steward/internal/platform/db"
)

// Options say what to run.
type Options struct {
	Records    int           // incidents to generate into an empty database
	Corpus     string        // ticket CSV for the texts; empty: our own phrase book
	Clients    int           // concurrent HTTP clients, and concurrent writers for the limit
	Duration   time.Duration // per phase
	DB         string        // postgres://... or a SQLite path; empty: SQLite in DataDir
	DataDir    string        // empty: a temporary directory, removed afterwards
	URL        string        // a running server to drive instead of one in process
	Token      string        // its API token (with URL)
	Phases     []string      // workload phases: mixed, or an operation alone; default mixed, create
	CPUProfile string        // CPU profile of each phase, named FILE-<phase>.ext
	Seed       uint64
	Log        *slog.Logger // progress; nil: discarded
}

// Bench generates (or reuses) the data set, starts a server in process
// (unless o.URL), runs the workload phases (by default mixed, then create
// only), measures the
// database's own limit and returns the report.
func Bench(ctx context.Context, o Options) (*Report, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.URL != "" && (o.Token == "" || o.DataDir == "" && o.DB == "") {
		return nil, errors.New("bench: --url needs --token, and --db or --data naming that server's database")
	}
	if o.DataDir == "" && o.DB == "" {
		dir, err := os.MkdirTemp("", "steward-bench-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		o.DataDir = dir
	}
	texts := &Texts{}
	if o.Corpus != "" {
		var err error
		if texts, err = LoadCorpus(o.Corpus); err != nil {
			return nil, err
		}
	}
	rep := &Report{Clients: o.Clients, DurationS: o.Duration.Seconds()}
	desk, err := generate(ctx, o, texts, rep)
	if err != nil {
		return nil, err
	}
	debug.FreeOSMemory() // what generating used is not the server's
	t := Target{URL: o.URL, Token: o.Token, Desk: desk, Texts: texts}
	var a *app.App
	if o.URL == "" {
		var stop func() error
		a, stop, err = start(ctx, o, rep)
		if err != nil {
			return nil, err
		}
		defer stop()
		if err := catchUp(ctx, a, o.Log); err != nil {
			return nil, err
		}
		t.URL = rep.url
		if t.Token, _, err = a.Auth.CreateToken(ctx, auth.System, AgentEmail, "bench"); err != nil {
			return nil, err
		}
	}
	if t.Session, err = SignIn(ctx, t.URL, AgentEmail, AgentPassword); err != nil {
		rep.Notes = append(rep.Notes, "no HTML queue page: "+err.Error())
	}
	d, closeDB, err := database(ctx, o, a)
	if err != nil {
		return nil, err
	}
	defer closeDB()
	if err := workload(ctx, o, t, d, rep); err != nil {
		return nil, err
	}
	rep.Ratio()
	if n, err := DBSize(ctx, d); err == nil {
		rep.DBSizeMB = float64(n) / (1 << 20)
	}
	return rep, nil
}

// generate fills the database, or reuses the data set already in it.
func generate(ctx context.Context, o Options, texts *Texts, rep *Report) (*Desk, error) {
	cfg := app.Config{Addr: "127.0.0.1:0", DataDir: o.DataDir, DB: o.DB, MaxAttachment: 1 << 20, Role: "web"}
	a, err := app.Open(ctx, cfg, o.Log)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	rep.Database = string(a.DB.Dialect)
	started := time.Now()
	desk, err := Generate(ctx, Services{DB: a.DB, Auth: a.Auth, Directory: a.Directory}, GenOptions{
		Records: o.Records, Texts: texts, Seed: o.Seed,
		Progress: func(n int) {
			o.Log.Info("generating", "incidents", n, "of", o.Records, "elapsed", time.Since(started).Round(time.Second))
		},
	})
	if err != nil {
		return nil, err
	}
	if desk.Incidents >= int64(o.Records) && time.Since(started) > time.Second {
		rep.GenerateS = time.Since(started).Seconds()
	}
	rep.Incidents = desk.Incidents
	return desk, nil
}

// start opens the app on the generated database and serves it on a free
// loopback port, timing open -> /readyz ok.
func start(ctx context.Context, o Options, rep *Report) (*app.App, func() error, error) {
	begin := time.Now()
	cfg := app.Config{Addr: "127.0.0.1:0", DataDir: o.DataDir, DB: o.DB, MaxAttachment: 25 << 20, Role: "all"}
	a, err := app.Open(ctx, cfg, o.Log)
	if err != nil {
		return nil, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		a.Close()
		return nil, nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Serve(sctx, ln) }()
	rep.url = "http://" + ln.Addr().String()
	stop := func() error {
		cancel()
		return errors.Join(<-done, a.Close())
	}
	for {
		resp, err := http.Get(rep.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Since(begin) > time.Minute {
			stop()
			return nil, nil, fmt.Errorf("bench: server not ready after a minute: %v", err)
		}
		time.Sleep(time.Millisecond)
	}
	rep.StartupMs = float64(time.Since(begin).Microseconds()) / 1000
	return a, stop, nil
}

// catchUp does the timed work a running server would have kept up with
// while the data set sat unused: it closes the resolved incidents whose
// reopen time has passed (a job that runs a minute after start-up, and
// would otherwise land in the middle of a phase), then waits for the
// event consumers.
func catchUp(ctx context.Context, a *app.App, log *slog.Logger) error {
	began, closed := time.Now(), 0
	for {
		n, err := a.Incidents.CloseResolved(ctx, 500)
		if err != nil {
			return fmt.Errorf("bench: close resolved incidents: %w", err)
		}
		closed += n
		if n < 500 {
			break
		}
	}
	if _, err := Settle(ctx, a.DB); err != nil {
		return err
	}
	if closed > 0 {
		log.Info("caught up", "closed_resolved", closed, "took", time.Since(began).Round(time.Millisecond))
	}
	return nil
}

// workload runs the phases in turn, sampling the server's memory and, if
// asked, writing a CPU profile of each phase. The create phase alternates
// with the database limit in slices, so that both see the same machine (a
// shared one changes speed by the minute); without a create phase the
// limit runs alone at the end.
func workload(ctx context.Context, o Options, t Target, d *db.DB, rep *Report) error {
	rss := &RSSSampler{}
	if o.URL != "" {
		rss.MetricsURL = o.URL + "/metrics"
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	go rss.Run(sctx)
	limit, group := &Recorder{}, &Recorder{}
	var limitTook, groupTook time.Duration
	for _, name := range o.phases() {
		mix, err := PhaseMix(name)
		if err != nil {
			return err
		}
		o.Log.Info("running", "phase", name, "clients", o.Clients, "for", o.Duration)
		recs := NewRecorders()
		var took time.Duration
		var commits, transactions int64
		run := func(dur time.Duration) time.Duration {
			before := d.CommitStats()
			took := Run(ctx, t, mix, o.Clients, dur, recs)
			after := d.CommitStats()
			commits += after.Commits - before.Commits
			transactions += after.Transactions - before.Transactions
			return took
		}
		err = profile(ProfilePath(o.CPUProfile, name), func() {
			if name != OpCreate {
				took = run(o.Duration)
				return
			}
			for range limitSlices {
				took += run(o.Duration / limitSlices)
				limitTook += Limit(ctx, d, t.Desk, o.Clients, o.Duration/limitSlices, limit)
				groupTook += GroupCommit(ctx, d, t.Desk, o.Clients, o.Duration/limitSlices, group)
			}
		})
		if err != nil {
			return err
		}
		ph := Phase{Name: name, Ops: recs.Summarise(mix, took)}
		if o.URL == "" { // else d is not the server's own handle
			ph.Commits, ph.Transactions = commits, transactions
		}
		settled, err := Settle(ctx, d)
		if err != nil {
			return err
		}
		ph.SettleS = settled.Seconds()
		rep.Phases = append(rep.Phases, ph)
	}
	stop()
	rep.RSSMaxMB = rss.MaxMB()
	if limitTook == 0 {
		limitTook = Limit(ctx, d, t.Desk, o.Clients, o.Duration, limit)
	}
	lim := limit.Summarise("db_limit_create", limitTook)
	rep.Limit = &lim
	if groupTook > 0 {
		gc := group.Summarise(fmt.Sprintf("db_limit_%d_per_commit", o.Clients), groupTook)
		rep.GroupCommit = &gc
	}
	if o.URL == "" {
		rep.Notes = append(rep.Notes, "in process: RSS and CPU include the load-generating clients")
	}
	return nil
}

// limitSlices is how many turns the create phase and the limit take.
const limitSlices = 5

// DefaultPhases are the phases run unless Options.Phases says otherwise.
var DefaultPhases = []string{"mixed", "create"}

func (o Options) phases() []string {
	if len(o.Phases) == 0 {
		return DefaultPhases
	}
	return o.Phases
}

// PhaseMix returns the mix of a phase: "mixed", or one operation alone.
func PhaseMix(name string) (Mix, error) {
	if name == "mixed" {
		return MixedMix, nil
	}
	if slices.Contains(Ops, name) {
		return Mix{name: 1}, nil
	}
	return nil, fmt.Errorf("bench: no phase %q: use mixed or one of %s", name, strings.Join(Ops, ", "))
}

// ProfilePath names the profile of one phase: cpu.pprof -> cpu-create.pprof.
func ProfilePath(path, phase string) string {
	if path == "" {
		return ""
	}
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "-" + phase + ext
}

// profile runs fn under the CPU profiler writing to path, if path is set.
func profile(path string, fn func()) error {
	if path == "" {
		fn()
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	fn()
	pprof.StopCPUProfile()
	return f.Close()
}

// database returns the database to measure the limit and size on: the
// running app's own pools, or a fresh connection next to a --url target.
func database(ctx context.Context, o Options, a *app.App) (*db.DB, func(), error) {
	if a != nil {
		return a.DB, func() {}, nil
	}
	d, err := db.Open(ctx, o.DB, o.DataDir)
	if err != nil {
		return nil, nil, err
	}
	return d, func() { d.Close() }, nil
}
