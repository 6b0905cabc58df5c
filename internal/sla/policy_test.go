package sla_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"steward/internal/auth"
	"steward/internal/incident"
	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
	"steward/internal/platform/fault"
	"steward/internal/record"
	"steward/internal/sla"
)

var admin = auth.Principal{UserID: 0, Name: "Steward", Role: auth.Admin}

func TestPolicyIsValidated(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := sla.NewService(d)
		if p, err := s.Policy(ctx); err != nil || p != sla.DefaultPolicy {
			t.Fatalf("Policy() = %+v, %v; want the default", p, err)
		}
		err := s.SetPolicy(ctx, admin, sla.Policy{Match: "some", Recompute: "never"})
		if f := fieldsOf(t, err); !slices.Equal(f, []string{"match", "recompute"}) {
			t.Errorf("fields = %v", f)
		}
		if err := s.SetPolicy(ctx, auth.Principal{UserID: 9, Role: auth.Agent}, sla.Policy{Match: sla.MatchAll, Recompute: sla.RecomputeFromStart}); err == nil {
			t.Error("an agent changed the SLA policy")
		}
		if p, _ := s.Policy(ctx); p != sla.DefaultPolicy {
			t.Errorf("refused changes were stored: %+v", p)
		}
	})
}

// With "all", every definition that applies gives the record timers; with
// "from the change", a replacement timer counts afresh. The record carries
// the earliest due time of its running timers.
func TestPolicyAllDefinitionsAndRecomputeFromTheChange(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		svc := sla.NewService(d)
		every := sla.Spec{Targets: []sla.Target{{Name: "acknowledge", Minutes: 120, Stop: `Responded`}}}
		if _, err := svc.CreateDefinition(ctx, manager, sla.DefinitionInput{Name: "Every incident", Position: 3, Active: true, Spec: every}); err != nil {
			t.Fatal(err)
		}
		if err := svc.SetPolicy(ctx, admin, sla.Policy{Match: sla.MatchAll, Recompute: sla.RecomputeFromChange}); err != nil {
			t.Fatal(err)
		}
		start := w.now
		inc, _, err := w.inc.Create(ctx, w.agent, incident.NewIncident{Title: "Mail is down", Impact: record.High, Urgency: record.High})
		if err != nil {
			t.Fatal(err)
		}
		w.deliver(t)
		got := w.timers(t, inc.Number)
		for _, k := range []string{"High priority/response/running", "High priority/resolution/running", "Every incident/acknowledge/running"} {
			if _, ok := got[k]; !ok {
				t.Fatalf("no %s timer: %v", k, keys(got))
			}
		}
		if len(got) != 3 {
			t.Fatalf("timers = %v, want 3", keys(got))
		}
		if r := get(t, w, inc.Number); !r.SLADueAt.Equal(start.Add(30 * time.Minute)) {
			t.Errorf("record due %v, want the response due %v", r.SLADueAt, start.Add(30*time.Minute))
		}

		// An hour later the priority drops: the normal resolution timer
		// starts from the change, with nothing counted.
		w.now = w.now.Add(time.Hour)
		low := record.Low
		if _, err := w.inc.Update(ctx, w.agent, inc.Number, inc.Version, incident.Patch{Impact: &low, Urgency: &low}); err != nil {
			t.Fatal(err)
		}
		w.deliver(t)
		got = w.timers(t, inc.Number)
		normal, ok := got["Normal/resolution/running"]
		if !ok || !normal.StartedAt.Equal(w.now) || normal.Consumed != 0 || !normal.DueAt.Equal(w.now.Add(24*time.Hour)) {
			t.Fatalf("normal resolution after the change: %+v (all: %v)", normal, keys(got))
		}
		if _, ok := got["Every incident/acknowledge/running"]; !ok {
			t.Errorf("the definition that still applies lost its timer: %v", keys(got))
		}
		// The normal response target, started afresh, is now the earliest.
		if r := get(t, w, inc.Number); !r.SLADueAt.Equal(w.now.Add(30 * time.Minute)) {
			t.Errorf("record due %v, want the new response due %v", r.SLADueAt, w.now.Add(30*time.Minute))
		}

		// Once nothing runs the record has no due time.
		code, notes, resolved := "solved", "Restarted the mail relay.", incident.Resolved
		cur := get(t, w, inc.Number)
		if _, err := w.inc.Update(ctx, w.agent, inc.Number, cur.Version, incident.Patch{State: &resolved, ResolutionCode: &code, ResolutionNotes: &notes}); err != nil {
			t.Fatal(err)
		}
		w.deliver(t)
		if r := get(t, w, inc.Number); !r.SLADueAt.IsZero() {
			t.Errorf("resolved record still due %v: %v", r.SLADueAt, keys(w.timers(t, inc.Number)))
		}
	})
}

// fieldsOf returns the fields of a *fault.ValidationError, failing otherwise.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	names, ok := fault.FieldNames(err)
	if !ok {
		t.Fatalf("error = %v, want a *fault.ValidationError", err)
	}
	return names
}

func get(t *testing.T, w *world, number string) incident.Incident {
	t.Helper()
	r, err := w.inc.Get(context.Background(), w.agent, number)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func keys(m map[string]sla.Timer) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
