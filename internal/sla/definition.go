package sla

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"steward/internal/platform/db"
	"steward/internal/platform/fault"
)

// Limits on a definition.
const (
	maxTargetMinutes = 366 * 24 * 60
	maxTargets       = 10
	maxWarnings      = 5
	maxActions       = 10
)

// recordTypes are the record types a definition may apply to.
var recordTypes = []string{"incident", "request", "problem", "change"}

var actionKinds = []string{ActNotify, ActReassign, ActRaisePriority, ActWorkNote}

var audiences = []string{"assignee", "group", "manager"}

var nouns = map[string]string{"calendars": "calendar", "services": "service", "categories": "category",
	"organisations": "organisation", "groups": "group"}

// compiled is a definition's targets with their conditions compiled.
type compiled struct {
	Target
	start, pause, stop *Condition
}

// validate checks a spec in full, naming each bad field, and returns its
// compiled targets. References (calendar, services, groups ...) are checked
// against the database through q.
func validate(ctx context.Context, q db.Querier, name string, s Spec) ([]compiled, error) {
	v := &fault.ValidationError{}
	if n := len(strings.TrimSpace(name)); n == 0 || n > 100 {
		v.Add("name", "must be 1 to 100 characters")
	}
	out := checkTargets(v, s.Targets)
	checkWarnings(v, s.Warnings)
	checkActions(v, "on_warning", s.OnWarning)
	checkActions(v, "on_breach", s.OnBreach)
	checkMatch(v, s.AppliesTo)
	if err := checkRefs(ctx, q, v, s); err != nil {
		return nil, err
	}
	// Fields are named as in the request body: {name, spec: {...}}.
	for i, f := range v.Fields {
		if f.Field != "name" {
			v.Fields[i].Field = "spec." + f.Field
		}
	}
	return out, v.Err()
}

func checkTargets(v *fault.ValidationError, targets []Target) []compiled {
	if len(targets) == 0 {
		v.Add("targets", "a service level needs at least one target (e.g. resolution within 8 business hours)")
	}
	if len(targets) > maxTargets {
		v.Add("targets", "at most %d targets", maxTargets)
	}
	var out []compiled
	seen := map[string]bool{}
	for i, t := range targets {
		field := fmt.Sprintf("targets[%d]", i)
		if t.Name = strings.TrimSpace(t.Name); t.Name == "" || len(t.Name) > 50 {
			v.Add(field+".name", "must be 1 to 50 characters")
		} else if seen[t.Name] {
			v.Add(field+".name", "%q is used by another target", t.Name)
		}
		seen[t.Name] = true
		if t.Minutes < 1 || t.Minutes > maxTargetMinutes {
			v.Add(field+".minutes", "must be from 1 to %d business minutes", maxTargetMinutes)
		}
		if strings.TrimSpace(t.Stop) == "" {
			v.Add(field+".stop", "is required: when is the promise kept? e.g. State in [\"resolved\", \"closed\"]")
		}
		c := compiled{Target: t}
		for _, cond := range []struct {
			name   string
			source string
			dst    **Condition
		}{{"start", t.Start, &c.start}, {"pause", t.Pause, &c.pause}, {"stop", t.Stop, &c.stop}} {
			compiledCond, err := Compile(cond.source)
			if err != nil {
				v.Add(field+"."+cond.name, "%v", err)
				continue
			}
			*cond.dst = compiledCond
		}
		out = append(out, c)
	}
	return out
}

func checkWarnings(v *fault.ValidationError, warnings []int) {
	if len(warnings) > maxWarnings {
		v.Add("warnings", "at most %d warnings", maxWarnings)
	}
	for i, w := range warnings {
		if w < 1 || w > 99 {
			v.Add(fmt.Sprintf("warnings[%d]", i), "must be a percentage from 1 to 99")
		}
		if i > 0 && w <= warnings[i-1] {
			v.Add(fmt.Sprintf("warnings[%d]", i), "must be larger than the one before")
		}
	}
}

func checkActions(v *fault.ValidationError, field string, actions []Action) {
	if len(actions) > maxActions {
		v.Add(field, "at most %d actions", maxActions)
	}
	for i, a := range actions {
		f := fmt.Sprintf("%s[%d]", field, i)
		switch a.Kind {
		case ActNotify:
			if !slices.Contains(audiences, a.Notify) {
				v.Add(f+".notify", "must be one of %s", strings.Join(audiences, ", "))
			}
		case ActReassign:
			if a.GroupID <= 0 {
				v.Add(f+".group_id", "is required to reassign")
			}
		case ActWorkNote:
			if n := len(strings.TrimSpace(a.Note)); n == 0 || n > 2000 {
				v.Add(f+".note", "must be 1 to 2000 characters")
			}
		case ActRaisePriority:
		default:
			v.Add(f+".kind", "must be one of %s", strings.Join(actionKinds, ", "))
		}
	}
}

func checkMatch(v *fault.ValidationError, m Match) {
	for i, t := range m.Types {
		if !slices.Contains(recordTypes, t) {
			v.Add(fmt.Sprintf("applies_to.types[%d]", i), "must be one of %s", strings.Join(recordTypes, ", "))
		}
	}
	for i, p := range m.Priorities {
		if p < 1 || p > 5 {
			v.Add(fmt.Sprintf("applies_to.priorities[%d]", i), "must be a priority from 1 to 5")
		}
	}
}

// checkRefs checks every id the spec names exists.
func checkRefs(ctx context.Context, q db.Querier, v *fault.ValidationError, s Spec) error {
	type ref struct {
		field, table string
		id           int64
	}
	var refs []ref
	if s.CalendarID != 0 {
		refs = append(refs, ref{"calendar_id", "calendars", s.CalendarID})
	}
	for i, id := range s.AppliesTo.ServiceIDs {
		refs = append(refs, ref{fmt.Sprintf("applies_to.service_ids[%d]", i), "services", id})
	}
	for i, id := range s.AppliesTo.CategoryIDs {
		refs = append(refs, ref{fmt.Sprintf("applies_to.category_ids[%d]", i), "categories", id})
	}
	for i, id := range s.AppliesTo.Organisations {
		refs = append(refs, ref{fmt.Sprintf("applies_to.organisation_ids[%d]", i), "organisations", id})
	}
	for _, list := range []struct {
		field   string
		actions []Action
	}{{"on_warning", s.OnWarning}, {"on_breach", s.OnBreach}} {
		for i, a := range list.actions {
			if a.Kind == ActReassign && a.GroupID > 0 {
				refs = append(refs, ref{fmt.Sprintf("%s[%d].group_id", list.field, i), "groups", a.GroupID})
			}
		}
	}
	for _, r := range refs {
		var n int
		if err := q.QueryRowContext(ctx, `SELECT count(*) FROM `+r.table+` WHERE id = $1`, r.id).Scan(&n); err != nil {
			return fmt.Errorf("sla: check %s: %w", r.field, err)
		}
		if n == 0 {
			v.Add(r.field, "no such %s: %d", nouns[r.table], r.id)
		}
	}
	return nil
}
