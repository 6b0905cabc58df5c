package sla_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"steward/internal/auth"
	"steward/internal/incident"
	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
	"steward/internal/platform/outbox"
	"steward/internal/record"
	"steward/internal/sla"
)

// A breach's escalation actions change the incident once: reassigned to
// the escalation group, priority raised a step, a work note saying why.
// A record resolved before the actions are carried out is left alone.
func TestBreachEscalatesTheIncident(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		g, err := auth.NewService(d).CreateGroup(ctx, auth.System, auth.GroupInput{Name: "Escalations"})
		if err != nil {
			t.Fatal(err)
		}
		svc := sla.NewService(d)
		defs, err := svc.Definitions(ctx, manager)
		if err != nil {
			t.Fatal(err)
		}
		for _, def := range defs {
			if def.Name != "Normal" {
				continue
			}
			spec := def.Spec
			spec.OnBreach = []sla.Action{{Kind: sla.ActNotify, Notify: "manager"}, {Kind: sla.ActReassign, GroupID: g.ID},
				{Kind: sla.ActRaisePriority}, {Kind: sla.ActWorkNote, Note: "Call the requester back today."}}
			if _, err := svc.UpdateDefinition(ctx, manager, def.ID, sla.DefinitionInput{Name: def.Name, Position: def.Position, Active: true, Spec: spec}); err != nil {
				t.Fatal(err)
			}
		}
		late, _, err := w.inc.Create(ctx, w.agent, incident.NewIncident{Title: "Scanner offline"})
		if err != nil {
			t.Fatal(err)
		}
		settled, _, err := w.inc.Create(ctx, w.agent, incident.NewIncident{Title: "Toner low"})
		if err != nil {
			t.Fatal(err)
		}
		w.deliver(t)
		w.now = w.now.Add(25 * time.Hour)
		if _, err := w.engine.Sweep(ctx, w.now, 100); err != nil {
			t.Fatal(err)
		}
		// Resolved after the breach fired, before its actions ran.
		code, notes, resolved := "solved", "Replaced the toner.", incident.Resolved
		if _, err := w.inc.Update(ctx, w.agent, settled.Number, settled.Version, incident.Patch{State: &resolved, ResolutionCode: &code, ResolutionNotes: &notes}); err != nil {
			t.Fatal(err)
		}
		escalations := w.inc.Escalations()
		for range 3 { // again and again: the actions run once
			deliverAll(t, d, escalations, w.now)
		}
		got := get(t, w, late.Number)
		if got.Priority != 2 || got.AssignmentGroupID != g.ID || got.AssigneeID != 0 {
			t.Fatalf("after the breach: priority %d, group %d, assignee %d; want 2, %d, none", got.Priority, got.AssignmentGroupID, got.AssigneeID, g.ID)
		}
		entries, err := w.inc.Journal(ctx, w.agent, late.Number, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var noteCount, priorityChanges int
		for _, e := range entries {
			switch {
			case e.Kind == record.WorkNote && strings.Contains(e.Body, "Call the requester back today.") && strings.Contains(e.Body, `"Normal" missed its resolution target`):
				noteCount++
			case e.Field == "priority":
				priorityChanges++
				if !strings.Contains(e.Body, "missed its resolution target") {
					t.Errorf("priority change without its reason: %+v", e)
				}
			}
		}
		if noteCount != 1 || priorityChanges != 1 {
			t.Errorf("%d escalation notes and %d priority changes, want 1 each", noteCount, priorityChanges)
		}
		if s := get(t, w, settled.Number); s.Priority != 3 || s.AssignmentGroupID == g.ID {
			t.Errorf("a resolved incident was escalated: priority %d, group %d", s.Priority, s.AssignmentGroupID)
		}
	})
}

// deliverAll runs consumer c until it has read every event written so far.
func deliverAll(t *testing.T, d *db.DB, c outbox.Consumer, now time.Time) {
	t.Helper()
	var last int64
	if err := d.Read.QueryRow(`SELECT coalesce(max(id), 0) FROM outbox`).Scan(&last); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := outbox.Deliver(context.Background(), d, c, now); err != nil {
			t.Fatal(err)
		}
		var seen int
		err := d.Read.QueryRow(`SELECT count(*) FROM outbox o, outbox_cursors c WHERE c.consumer = $1 AND o.id = $2 AND (o.txid < c.last_txid OR (o.txid = c.last_txid AND o.id <= c.last_id))`, c.Name, last).Scan(&seen)
		if err != nil {
			t.Fatal(err)
		}
		if seen == 1 || last == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("consumer %s did not reach event %d", c.Name, last)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
