package web

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"steward/internal/auth"
	"steward/internal/incident"
	"steward/internal/platform/fault"
	"steward/internal/record"
	"steward/internal/view"
)

// listSpec is what a list of incidents shows: which ones (a saved view's
// filter), in what order, with which columns.
type listSpec struct {
	Filter  view.Filter
	Sort    string
	Columns []string
}

// queueDef is one of the built-in queues in the navigation.
type queueDef struct {
	ID, Label, Hint, Icon string
	Spec                  listSpec
	NoCount               bool
}

var openStates = []string{"open"}

// The sort orders a list offers, each matching an index of records.
const (
	sortPriority = "priority,updated_at"
	sortAge      = "opened_at"
	sortUpdated  = "-updated_at"
	sortNewest   = "-number"
	sortDue      = "due"
)

var queues = []queueDef{
	{ID: "my-work", Label: "My open work", Hint: "Open incidents assigned to you.", Icon: "inbox",
		Spec: listSpec{Filter: view.Filter{States: openStates, Assignee: "me"}, Sort: sortPriority}},
	{ID: "unassigned", Label: "Unassigned", Hint: "Open incidents nobody has taken, in your groups or in no group yet.", Icon: "tray",
		Spec: listSpec{Filter: view.Filter{States: openStates, Group: "mine", Assignee: "none"}, Sort: sortPriority}},
	{ID: "open", Label: "All open", Hint: "Every open incident.", Icon: "list",
		Spec: listSpec{Filter: view.Filter{States: openStates}, Sort: sortPriority}},
	{ID: "major", Label: "Major incidents", Hint: "Open major incidents, approved or proposed.", Icon: "alert",
		Spec: listSpec{Filter: view.Filter{States: openStates, Major: true}, Sort: sortPriority}},
	{ID: "breaching", Label: "Breaching soon", Hint: "Open incidents whose service level is due within 4 hours or already missed, the most urgent first.", Icon: "clock",
		Spec: listSpec{Filter: view.Filter{States: openStates, Due: "soon"}, Sort: sortDue}},
	{ID: "recent", Label: "Recently updated", Hint: "Every incident, the latest change first.", Icon: "clock", NoCount: true,
		Spec: listSpec{Sort: sortUpdated}},
}

func queueByID(id string) (queueDef, bool) {
	for _, q := range queues {
		if q.ID == id {
			return q, true
		}
	}
	return queueDef{}, false
}

// columns returns the spec's columns, or the default ones.
func (l listSpec) columns() []string {
	if len(l.Columns) == 0 {
		return view.DefaultColumns
	}
	return l.Columns
}

// applyQuery overrides the spec with a list URL's parameters: the filter
// form (marked by f=1) replaces the whole filter; sort and cols replace
// theirs.
func (l listSpec) applyQuery(q url.Values) listSpec {
	if q.Get("f") == "1" {
		l.Filter = view.Filter{
			Group: q.Get("group"), Assignee: q.Get("assignee"), Major: q.Get("major") == "1", Query: strings.TrimSpace(q.Get("q")), Due: q.Get("due"),
		}
		for _, st := range q["state"] {
			if st != "" {
				l.Filter.States = append(l.Filter.States, st)
			}
		}
		for _, p := range q["priority"] {
			if n, err := strconv.Atoi(p); err == nil {
				l.Filter.Priorities = append(l.Filter.Priorities, n)
			}
		}
	}
	if v := q.Get("sort"); v != "" {
		l.Sort = v
	}
	if cols := q["col"]; len(cols) > 0 {
		l.Columns = cols
	} else if v := q.Get("cols"); v != "" {
		l.Columns = strings.Split(v, ",")
	}
	return l
}

// query encodes the spec as a list URL's parameters (the inverse of
// applyQuery).
func (l listSpec) query() url.Values {
	q := url.Values{"f": {"1"}}
	for _, st := range l.Filter.States {
		q.Add("state", st)
	}
	for _, p := range l.Filter.Priorities {
		q.Add("priority", strconv.Itoa(p))
	}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("group", l.Filter.Group)
	set("assignee", l.Filter.Assignee)
	set("q", l.Filter.Query)
	set("due", l.Filter.Due)
	if l.Filter.Major {
		q.Set("major", "1")
	}
	set("sort", l.Sort)
	if len(l.Columns) > 0 {
		q.Set("cols", strings.Join(l.Columns, ","))
	}
	return q
}

// check validates the spec as a saved view would be validated, so that a
// hand-edited URL gets the same field messages.
func (l listSpec) check() error {
	v := &fault.ValidationError{}
	for _, st := range l.Filter.States {
		if _, ok := incident.Lifecycle.State(st); !ok && st != "open" {
			v.Add("state", "unknown state %q", st)
		}
	}
	for _, p := range l.Filter.Priorities {
		if p < 1 || p > 5 {
			v.Add("priority", "must be from 1 to 5")
			break
		}
	}
	if _, err := record.ParseSort(l.Sort); err != nil {
		v.Add("sort", "is not a sort order this list offers")
	}
	for _, c := range l.Columns {
		if !slices.Contains(view.Columns, c) {
			v.Add("cols", "unknown column %q", c)
			break
		}
	}
	if l.Filter.Due != "" && !slices.Contains(view.DueFilters, l.Filter.Due) {
		v.Add("due", "must be %s", strings.Join(view.DueFilters, " or "))
	}
	if len(l.Filter.Query) > view.MaxQuery {
		v.Add("q", "must be at most %d characters", view.MaxQuery)
	}
	return v.Err()
}

// recordFilters turns the spec's filter into the record filters to run for
// p: one, or one per group when the filter says "mine" (each of p's groups
// and no group), to be merged. major is set for a major-incident list.
func recordFilters(p auth.Principal, f view.Filter) ([]record.Filter, *bool, error) {
	var base record.Filter
	if slices.Equal(f.States, []string{"open"}) {
		base.Active = true // the open states, read in index order
		f.States = nil
	}
	for _, st := range f.States {
		if st == "open" {
			base.States = append(base.States, incident.Lifecycle.OpenStates()...)
		} else {
			base.States = append(base.States, st)
		}
	}
	slices.Sort(base.States)
	base.States = slices.Compact(base.States)
	base.Priorities = f.Priorities
	base.Query = f.Query
	switch f.Due {
	case "soon":
		base.DueBefore = time.Now().Add(view.DueSoon)
	case "overdue":
		base.DueBefore = time.Now()
	}
	var err error
	if base.AssigneeID, err = refValue(f.Assignee, "me", p.UserID); err != nil {
		return nil, nil, fault.Invalid("assignee", "must be a user id, 'me' or 'none'")
	}
	var major *bool
	if f.Major {
		major = &f.Major
	}
	if f.Group != "mine" {
		if base.AssignmentGroupID, err = refValue(f.Group, "", 0); err != nil {
			return nil, nil, fault.Invalid("group", "must be a group id, 'mine' or 'none'")
		}
		return []record.Filter{base}, major, nil
	}
	var out []record.Filter
	for _, g := range append(slices.Clone(p.Groups), record.Unassigned) {
		f := base
		f.AssignmentGroupID = g
		out = append(out, f)
	}
	return out, major, nil
}

// refValue reads a reference filter: "", "none", the word meaning the
// caller (me), or an id.
func refValue(v, self string, selfID int64) (int64, error) {
	switch {
	case v == "":
		return 0, nil
	case v == "none":
		return record.Unassigned, nil
	case self != "" && v == self:
		return selfID, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, fault.ErrNotFound
	}
	return id, nil
}

// countList counts what spec lists for p: one query per record filter.
func (s *Server) countList(ctx context.Context, p auth.Principal, spec listSpec) (int64, error) {
	filters, major, err := recordFilters(p, spec.Filter)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, f := range filters {
		n, err := s.Incidents.Count(ctx, p, f, major)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}
