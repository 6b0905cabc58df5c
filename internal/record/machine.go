package record

import (
	"slices"

	"steward/internal/platform/fault"
)

// Machine declares a record type's lifecycle as data: its states, the
// allowed transitions and the fields each transition requires. Every
// channel (API, web, mail, rules) goes through Check, so none can bypass it.
type Machine struct {
	Initial     string
	States      []State
	Transitions []Transition
}

// State is one state of a lifecycle.
type State struct {
	Name     string
	Label    string
	Open     bool // counts as open work
	Resolved bool // sets resolved_at
	Final    bool // sets closed_at; no way out
}

// Transition allows moving From -> To when Requires fields are non-empty.
type Transition struct {
	From     string
	To       string
	Label    string
	Requires []string
}

// State returns the named state.
func (m *Machine) State(name string) (State, bool) {
	for _, s := range m.States {
		if s.Name == name {
			return s, true
		}
	}
	return State{}, false
}

// Next lists the transitions allowed out of from.
func (m *Machine) Next(from string) []Transition {
	var out []Transition
	for _, t := range m.Transitions {
		if t.From == from {
			out = append(out, t)
		}
	}
	return out
}

// TerminalStates are the states in which a record of any type is no longer
// worked on; the records table's active column is true in every other.
// A lifecycle's open states are the rest (a test holds them to it), so a
// filter on open work can use that column.
var TerminalStates = []string{"resolved", "closed", "canceled"}

// OpenStates returns the names of the states that count as open work.
func (m *Machine) OpenStates() []string {
	var out []string
	for _, s := range m.States {
		if s.Open {
			out = append(out, s.Name)
		}
	}
	return out
}

// Check validates moving from -> to, given the values the record will have
// (field name -> value); missing required fields are reported one by one.
func (m *Machine) Check(from, to string, values map[string]string) error {
	if _, ok := m.State(to); !ok {
		return fault.Invalid("state", "unknown state %q", to)
	}
	if from == to {
		return nil
	}
	for _, t := range m.Transitions {
		if t.From != from || t.To != to {
			continue
		}
		v := &fault.ValidationError{}
		for _, f := range t.Requires {
			if values[f] == "" {
				v.Add(f, "is required to move to %s", to)
			}
		}
		return v.Err()
	}
	var allowed []string
	for _, t := range m.Next(from) {
		allowed = append(allowed, t.To)
	}
	slices.Sort(allowed)
	if len(allowed) == 0 {
		return fault.Invalid("state", "a record in state %s cannot change state", from)
	}
	return fault.Invalid("state", "cannot move from %s to %s; allowed: %v", from, to, allowed)
}
