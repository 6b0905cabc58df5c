package sla_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"steward/internal/auth"
	"steward/internal/incident"
	"steward/internal/platform/cursor"
	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
	"steward/internal/platform/outbox"
	"steward/internal/record"
	"steward/internal/sla"
)

// world is a database with an agent, an incident service and an SLA engine
// on a clock the test moves.
type world struct {
	d      *db.DB
	inc    *incident.Service
	engine *sla.Engine
	agent  auth.Principal
	now    time.Time
}

func newWorld(t *testing.T, d *db.DB) *world {
	t.Helper()
	ctx := context.Background()
	u, err := auth.NewService(d).CreateUser(ctx, auth.System, auth.NewUser{Email: "agent@example.com", Name: "Agent", Role: auth.Agent})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{d: d, agent: auth.Principal{UserID: u.ID, Name: u.Name, Role: u.Role}, now: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)}
	w.inc = incident.NewService(d, cursor.NewSigner([]byte("k")))
	w.inc.Now = func() time.Time { return w.now }
	w.engine = &sla.Engine{DB: d, Now: func() time.Time { return w.now }}
	if _, err := sla.NewService(d).CreateDefinition(ctx, manager, sla.DefinitionInput{Name: "High priority", Position: 1, Active: true, Spec: resolution(240)}); err != nil {
		t.Fatal(err)
	}
	low := resolution(24 * 60)
	low.AppliesTo.Priorities = []int{3, 4, 5}
	if _, err := sla.NewService(d).CreateDefinition(ctx, manager, sla.DefinitionInput{Name: "Normal", Position: 2, Active: true, Spec: low}); err != nil {
		t.Fatal(err)
	}
	return w
}

// deliver runs the SLA consumer until it has read every event written so
// far. On PostgreSQL a transaction still open elsewhere on the server (a
// parallel test) holds delivery back for a moment, so it waits for that.
func (w *world) deliver(t *testing.T) {
	t.Helper()
	var last int64
	if err := w.d.Read.QueryRow(`SELECT coalesce(max(id), 0) FROM outbox`).Scan(&last); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := outbox.Deliver(context.Background(), w.d, w.engine.Consumer(), w.now); err != nil {
			t.Fatal(err)
		}
		var seen int64
		err := w.d.Read.QueryRow(`SELECT count(*) FROM outbox o, outbox_cursors c WHERE c.consumer = 'sla' AND o.id = $1 AND (o.txid < c.last_txid OR (o.txid = c.last_txid AND o.id <= c.last_id))`, last).Scan(&seen)
		if err != nil {
			t.Fatal(err)
		}
		if seen == 1 || last == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the SLA consumer did not reach event %d", last)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (w *world) timers(t *testing.T, number string) map[string]sla.Timer {
	t.Helper()
	r, err := w.inc.Get(context.Background(), w.agent, number)
	if err != nil {
		t.Fatal(err)
	}
	list, err := w.engine.Timers(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]sla.Timer{}
	for _, tm := range list {
		out[tm.Name+"/"+tm.Target+"/"+tm.State] = tm
	}
	return out
}

func countTopic(t *testing.T, d *db.DB, topic string) int {
	t.Helper()
	var n int
	if err := d.Read.QueryRow(`SELECT count(*) FROM outbox WHERE topic = $1`, topic).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestTimersFollowTheRecord(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		inc, _, err := w.inc.Create(ctx, w.agent, incident.NewIncident{Title: "Payroll run fails", Impact: record.High, Urgency: record.High})
		if err != nil {
			t.Fatal(err)
		}
		w.deliver(t)
		got := w.timers(t, inc.Number)
		res, ok := got["High priority/resolution/running"]
		if !ok || len(got) != 2 || !res.DueAt.Equal(w.now.Add(4*time.Hour)) {
			t.Fatalf("timers after create: %+v", got)
		}

		// Awaiting the requester pauses resolution for an hour.
		w.now = w.now.Add(time.Hour)
		reason, hold := "awaiting_requester", incident.OnHold
		inc, err = w.inc.Update(ctx, w.agent, inc.Number, inc.Version, incident.Patch{State: &hold, OnHoldReason: &reason})
		if err != nil {
			t.Fatal(err)
		}
		w.now = w.now.Add(time.Hour)
		back := incident.InProgress
		inc, err = w.inc.Update(ctx, w.agent, inc.Number, inc.Version, incident.Patch{State: &back})
		if err != nil {
			t.Fatal(err)
		}
		w.deliver(t)
		got = w.timers(t, inc.Number)
		res = got["High priority/resolution/running"]
		if !res.DueAt.Equal(time.Date(2026, 11, 23, 13, 0, 0, 0, time.UTC)) || len(res.Pauses) != 1 {
			t.Fatalf("after the pause: %+v", got)
		}
		// The first move out of New came after an hour: the 30-minute response was missed.
		if r, ok := got["High priority/response/missed"]; !ok || !r.BreachedAt.Equal(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)) {
			t.Fatalf("response after an hour should be missed: %+v", got)
		}

		// Warnings at 50/75/90 % and the breach fire once each, however often we sweep.
		for _, step := range []time.Duration{30 * time.Minute, time.Hour, time.Hour, time.Hour, time.Hour} {
			w.now = w.now.Add(step)
			for range 3 {
				if _, err := w.engine.Sweep(ctx, w.now, 100); err != nil {
					t.Fatal(err)
				}
			}
		}
		if n := countTopic(t, d, "sla.warning"); n != 3 {
			t.Errorf("%d warnings, want 3", n)
		}
		if n := countTopic(t, d, "sla.breached"); n != 1 {
			t.Errorf("%d breaches, want 1", n)
		}

		// Lowering the priority replaces the definition but keeps the time counted.
		low := record.Low
		inc, err = w.inc.Update(ctx, w.agent, inc.Number, inc.Version, incident.Patch{Impact: &low, Urgency: &low})
		if err != nil {
			t.Fatal(err)
		}
		w.deliver(t)
		got = w.timers(t, inc.Number)
		normal, ok := got["Normal/resolution/running"]
		if _, dropped := got["High priority/resolution/dropped"]; !ok || !dropped || normal.Consumed < 5*time.Hour {
			t.Fatalf("after the priority change: %+v", got)
		}

		// Resolving stops it.
		code, notes, resolved := "solved", "Restarted the payroll job.", incident.Resolved
		if _, err := w.inc.Update(ctx, w.agent, inc.Number, inc.Version+0, incident.Patch{State: &resolved, ResolutionCode: &code, ResolutionNotes: &notes}); err != nil {
			t.Fatal(err)
		}
		w.deliver(t)
		if _, ok := w.timers(t, inc.Number)["Normal/resolution/met"]; !ok {
			t.Fatalf("resolving did not stop the timer: %+v", w.timers(t, inc.Number))
		}
	})
}

// Three nodes sweep the same database at once; every warning and breach
// is written exactly once.
func TestSweepFiresExactlyOnceAcrossNodes(t *testing.T) {
	t.Parallel()
	dsn := dbtest.PostgresDSN(t)
	ctx := context.Background()
	main, err := db.Open(ctx, dsn, "")
	if err != nil {
		t.Fatal(err)
	}
	defer main.Close()
	if _, err := main.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, main)
	const incidents = 60
	for i := range incidents {
		if _, _, err := w.inc.Create(ctx, w.agent, incident.NewIncident{Title: fmt.Sprintf("Outage %d", i), Impact: record.High, Urgency: record.High}); err != nil {
			t.Fatal(err)
		}
	}
	w.deliver(t)
	// Three nodes, each with its own pool and engine, sweep repeatedly
	// while time runs past every warning and breach.
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for range 3 {
		node, err := db.Open(ctx, dsn, "")
		if err != nil {
			t.Fatal(err)
		}
		defer node.Close()
		e := &sla.Engine{DB: node}
		wg.Go(func() {
			for step := range 20 {
				now := w.now.Add(time.Duration(step) * 15 * time.Minute)
				if _, err := e.Sweep(ctx, now, 25); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// Each incident has 2 timers: response (no warnings fire before it is
	// due at 30 min: 50 % at 15 min, 75 % at 22.5, 90 % at 27) and resolution.
	var dup int
	if err := main.Read.QueryRow(`SELECT count(*) FROM (SELECT payload FROM outbox WHERE topic LIKE 'sla.%' GROUP BY payload HAVING count(*) > 1) x`).Scan(&dup); err != nil {
		t.Fatal(err)
	}
	warnings, breaches := countTopic(t, main, "sla.warning"), countTopic(t, main, "sla.breached")
	if dup != 0 || warnings != incidents*2*3 || breaches != incidents*2 {
		t.Fatalf("warnings %d (want %d), breaches %d (want %d), duplicates %d", warnings, incidents*6, breaches, incidents*2, dup)
	}
}
