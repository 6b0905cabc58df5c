package sla_test

import (
	"context"
	"errors"
	"testing"

	"steward/internal/auth"
	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
	"steward/internal/platform/fault"
	"steward/internal/sla"
)

var manager = auth.Principal{UserID: 0, Name: "Steward", Role: auth.Manager}

func resolution(minutes int64) sla.Spec {
	return sla.Spec{
		AppliesTo: sla.Match{Types: []string{"incident"}, Priorities: []int{1, 2}},
		Targets: []sla.Target{
			{Name: "response", Minutes: 30, Stop: `Responded || State != "new"`},
			{Name: "resolution", Minutes: minutes, Pause: `State == "on_hold" && OnHoldReason == "awaiting_requester"`,
				Stop: `State in ["resolved", "closed", "canceled"]`, Escalate: true},
		},
		Warnings:  []int{50, 75, 90},
		OnWarning: []sla.Action{{Kind: sla.ActNotify, Notify: "assignee"}},
		OnBreach:  []sla.Action{{Kind: sla.ActNotify, Notify: "manager"}, {Kind: sla.ActRaisePriority}},
	}
}

func count(t *testing.T, d *db.DB, table string) int {
	t.Helper()
	var n int
	if err := d.Read.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDefinitionsAreVersioned(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := sla.NewService(d)
		def, err := s.CreateDefinition(ctx, manager, sla.DefinitionInput{Name: "P1/P2 incidents", Active: true, Spec: resolution(240)})
		if err != nil {
			t.Fatal(err)
		}
		if def.Version != 1 || len(def.Spec.Targets) != 2 || def.Spec.Targets[1].Minutes != 240 {
			t.Fatalf("created %+v", def)
		}
		changed, err := s.UpdateDefinition(ctx, manager, def.ID, sla.DefinitionInput{Name: "P1/P2 incidents", Active: true, Spec: resolution(120)})
		if err != nil {
			t.Fatal(err)
		}
		if changed.Version != 2 || changed.VersionID == def.VersionID || changed.Spec.Targets[1].Minutes != 120 {
			t.Fatalf("updated %+v", changed)
		}
		versions, err := s.Versions(ctx, manager, def.ID)
		if err != nil || len(versions) != 2 || versions[1].Spec.Targets[1].Minutes != 240 {
			t.Fatalf("history %+v, %v", versions, err)
		}
		if _, err := s.CreateDefinition(ctx, auth.Principal{UserID: 9, Role: auth.Agent}, sla.DefinitionInput{Name: "x", Spec: resolution(1)}); !errors.Is(err, fault.ErrForbidden) {
			t.Fatalf("agent created a definition: %v", err)
		}
	})
}

func TestBadDefinitionsSaveNothing(t *testing.T) {
	t.Parallel()
	noTargets := resolution(60)
	noTargets.Targets = nil
	unknownField := resolution(60)
	unknownField.Targets[1].Pause = `Colour == "red"`
	noStop := resolution(60)
	noStop.Targets[0].Stop = ""
	badWarnings := resolution(60)
	badWarnings.Warnings = []int{75, 50, 120}
	badActions := resolution(60)
	badActions.OnBreach = []sla.Action{{Kind: "explode"}, {Kind: sla.ActReassign}, {Kind: sla.ActReassign, GroupID: 999}}
	badRefs := resolution(60)
	badRefs.CalendarID = 42
	badRefs.AppliesTo.ServiceIDs = []int64{7}
	badRefs.AppliesTo.Priorities = []int{9}
	tests := []struct {
		name   string
		input  sla.DefinitionInput
		fields []string
	}{
		{"no target", sla.DefinitionInput{Name: "A", Spec: noTargets}, []string{"targets"}},
		{"unknown field in a condition", sla.DefinitionInput{Name: "A", Spec: unknownField}, []string{"targets[1].pause"}},
		{"no stop condition", sla.DefinitionInput{Name: "A", Spec: noStop}, []string{"targets[0].stop"}},
		{"warnings", sla.DefinitionInput{Name: "A", Spec: badWarnings}, []string{"warnings[1]", "warnings[2]"}},
		{"actions", sla.DefinitionInput{Name: "A", Spec: badActions}, []string{"on_breach[0].kind", "on_breach[1].group_id", "on_breach[2].group_id"}},
		{"references", sla.DefinitionInput{Name: "A", Spec: badRefs}, []string{"calendar_id", "applies_to.service_ids[0]", "applies_to.priorities[0]"}},
		{"no name", sla.DefinitionInput{Name: "  ", Spec: resolution(60)}, []string{"name"}},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := sla.NewService(d)
		for _, tc := range tests {
			_, err := s.CreateDefinition(ctx, manager, tc.input)
			var v *fault.ValidationError
			if !errors.As(err, &v) {
				t.Fatalf("%s: err = %v, want a validation error", tc.name, err)
			}
			got := map[string]bool{}
			for _, f := range v.Fields {
				got[f.Field] = true
			}
			for _, f := range tc.fields {
				if f != "name" {
					f = "spec." + f
				}
				if !got[f] {
					t.Errorf("%s: no error on %s (got %+v)", tc.name, f, v.Fields)
				}
			}
		}
		if n := count(t, d, "sla_definitions") + count(t, d, "sla_versions"); n != 0 {
			t.Fatalf("bad definitions left %d rows", n)
		}
	})
}
