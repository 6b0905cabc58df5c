// Package view keeps agents' saved views: a named list of incidents (which
// ones, in what order, with which columns) that its owner can open from the
// workspace and share with one of their groups.
package view

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"steward/internal/incident"
	"steward/internal/platform/fault"
	"steward/internal/record"
)

// View is a saved list.
type View struct {
	ID        int64
	OwnerID   int64
	OwnerName string
	GroupID   int64 // shared with this group's members; zero: private
	GroupName string
	Name      string
	Filter    Filter
	Sort      string   // a record sort order, such as "priority,opened_at"
	Columns   []string // from Columns, in display order
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Filter selects the records of a view. References are kept relative where
// the words allow ("me", "mine"), so that a shared view shows each member
// their own work.
type Filter struct {
	States     []string `json:"states,omitempty"` // state names, or "open" for every open state
	Priorities []int    `json:"priorities,omitempty"`
	Group      string   `json:"group,omitempty"`    // "", "mine" (my groups or none), "none", or a group id
	Assignee   string   `json:"assignee,omitempty"` // "", "me", "none", or a user id
	Major      bool     `json:"major,omitempty"`    // major incidents only
	Query      string   `json:"q,omitempty"`        // full text over title and description
	Due        string   `json:"due,omitempty"`      // "", "soon" (an SLA due within DueSoon, or overdue) or "overdue"
}

// DueSoon is how far ahead a "soon" due filter looks.
const DueSoon = 4 * time.Hour

// DueFilters are the values of Filter.Due.
var DueFilters = []string{"soon", "overdue"}

// Columns are the columns a view may show, in their default order.
var Columns = []string{"number", "title", "priority", "state", "due", "group", "assignee", "requester", "updated", "opened", "category", "service"}

// DefaultColumns are shown when a view names none.
var DefaultColumns = []string{"number", "title", "priority", "state", "due", "group", "assignee", "requester", "updated"}

// Input creates or changes a view.
type Input struct {
	Name    string
	GroupID int64 // share with this group (the owner must belong to it); zero: private
	Filter  Filter
	Sort    string
	Columns []string
}

// Limits on input sizes.
const (
	MaxName  = 100
	MaxQuery = 200
	// MaxViews is how many views one list returns: an agent's own and those
	// shared with their groups.
	MaxViews = 100
)

// validate normalises in and adds every problem to v.
func (in *Input) validate(v *fault.ValidationError) {
	in.Name = strings.TrimSpace(in.Name)
	switch {
	case in.Name == "":
		v.Add("name", "is required")
	case !utf8.ValidString(in.Name) || utf8.RuneCountInString(in.Name) > MaxName:
		v.Add("name", "must be at most %d characters of text", MaxName)
	}
	checkFilter(v, &in.Filter)
	if _, err := record.ParseSort(in.Sort); err != nil {
		v.Add("sort", "can sort on %s, each at most once, with - for descending", strings.Join(record.SortFields(), ", "))
	}
	if len(in.Columns) == 0 {
		in.Columns = slices.Clone(DefaultColumns)
	}
	seen := map[string]bool{}
	for _, c := range in.Columns {
		if !slices.Contains(Columns, c) || seen[c] {
			v.Add("columns", "must be distinct names from %s", strings.Join(Columns, ", "))
			break
		}
		seen[c] = true
	}
}

func checkFilter(v *fault.ValidationError, f *Filter) {
	for _, st := range f.States {
		if _, ok := incident.Lifecycle.State(st); !ok && st != "open" {
			v.Add("states", "unknown state %q", st)
		}
	}
	for _, p := range f.Priorities {
		if p < 1 || p > 5 {
			v.Add("priorities", "must be from 1 to 5")
			break
		}
	}
	if !refWord(f.Group, "mine", "none") {
		v.Add("group", "must be a group id, 'mine' or 'none'")
	}
	if !refWord(f.Assignee, "me", "none") {
		v.Add("assignee", "must be a user id, 'me' or 'none'")
	}
	if f.Due != "" && !slices.Contains(DueFilters, f.Due) {
		v.Add("due", "must be %s", strings.Join(DueFilters, " or "))
	}
	f.Query = strings.TrimSpace(f.Query)
	if !utf8.ValidString(f.Query) || len(f.Query) > MaxQuery {
		v.Add("q", "must be at most %d bytes of text", MaxQuery)
	}
}

// refWord reports whether s is empty, one of words, or a positive id.
func refWord(s string, words ...string) bool {
	if s == "" || slices.Contains(words, s) {
		return true
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return err == nil && id > 0
}
