// Package sla is ITIL service level management: definitions of the service
// levels records must meet, timers that count business time against them,
// and the warnings, breaches and escalations when they are not met.
//
// A definition is versioned: editing it makes a new version that new timers
// use, while running timers keep the version they started with.
package sla

import (
	"time"
)

// Definition says which records a service level applies to, what it
// promises (targets), in which business calendar time counts, when to warn
// and what to do at a warning or a breach.
type Definition struct {
	ID        int64
	VersionID int64 // the row of this version
	Version   int64
	Name      string
	Position  int64 // lower is tried first
	Active    bool
	Spec      Spec
	CreatedAt time.Time
}

// Spec is the versioned content of a definition, stored as JSON.
type Spec struct {
	AppliesTo  Match    `json:"applies_to" required:"false"`
	Targets    []Target `json:"targets"`
	CalendarID int64    `json:"calendar_id" required:"false"`
	// Warnings are percentages of a target (e.g. 50, 75, 90) at which a
	// warning fires.
	Warnings  []int    `json:"warnings" required:"false"`
	OnWarning []Action `json:"on_warning" required:"false"`
	OnBreach  []Action `json:"on_breach" required:"false"`
}

// Match selects records; an empty list matches everything.
type Match struct {
	Types         []string `json:"types" required:"false"`
	Priorities    []int    `json:"priorities" required:"false"`
	ServiceIDs    []int64  `json:"service_ids" required:"false"`
	Organisations []int64  `json:"organisation_ids" required:"false"`
	CategoryIDs   []int64  `json:"category_ids" required:"false"`
}

// Target is one promise: Duration of business time between the moment
// Start becomes true and the moment Stop becomes true, not counting while
// Pause is true. Conditions are expressions over Facts, e.g.
// `State == "on_hold" && OnHoldReason == "awaiting_requester"`.
type Target struct {
	Name     string `json:"name"`                      // e.g. response, resolution
	Minutes  int64  `json:"minutes"`                   // business minutes
	Start    string `json:"start" required:"false"`    // empty: from when the record opens
	Pause    string `json:"pause" required:"false"`    // empty: never pauses
	Stop     string `json:"stop"`                      // required
	Escalate bool   `json:"escalate" required:"false"` // run the definition's actions for this target
}

// Action is an escalation step.
type Action struct {
	Kind    string `json:"kind"`               // notify, reassign, raise_priority, work_note
	Notify  string `json:"notify,omitempty"`   // assignee, group, manager (kind notify)
	GroupID int64  `json:"group_id,omitempty"` // kind reassign
	Note    string `json:"note,omitempty"`     // kind work_note
}

// Action kinds and notification audiences.
const (
	ActNotify        = "notify"
	ActReassign      = "reassign"
	ActRaisePriority = "raise_priority"
	ActWorkNote      = "work_note"
)

// Facts are what conditions can read about a record. An unknown name in a
// condition is an error when the definition is saved. Record events carry
// them under "facts" in their payload (see incident.facts), so timers follow
// the record as it was at each event, however late the event is read.
type Facts struct {
	Type              string `json:"type"`
	State             string `json:"state"`
	Priority          int    `json:"priority"`
	Impact            string `json:"impact"`
	Urgency           string `json:"urgency"`
	OnHoldReason      string `json:"on_hold_reason"`
	CategoryID        int64  `json:"category_id"`
	ServiceID         int64  `json:"service_id"`
	OrganisationID    int64  `json:"organisation_id"`
	AssignmentGroupID int64  `json:"assignment_group_id"`
	AssigneeID        int64  `json:"assignee_id"`
	Major             bool   `json:"major"`
	Responded         bool   `json:"responded"` // a first response was given
	Open              bool   `json:"open"`      // the state counts as open work
}

// Timer states.
const (
	Running = "running"
	Paused  = "paused"
	Met     = "met"     // stopped within target
	Missed  = "missed"  // stopped after breaching
	Dropped = "dropped" // replaced (priority change) or no longer applies
)

// Timer counts one target of one definition version for one record.
type Timer struct {
	ID           int64
	RecordID     int64
	DefinitionID int64
	VersionID    int64
	Name         string // the definition's name
	Target       string
	TargetTime   time.Duration
	CalendarID   int64
	State        string
	StartedAt    time.Time
	RunningSince time.Time     // zero while paused or stopped
	Consumed     time.Duration // business time counted before RunningSince
	DueAt        time.Time     // while running
	NextFireAt   time.Time     // the next warning or the breach, while running
	WarningsSent int           // how many of the definition's warnings fired
	Breached     bool
	BreachedAt   time.Time
	StoppedAt    time.Time
	Pauses       []Span // for the explanation
}

// Span is a closed interval of time.
type Span struct {
	Start time.Time `json:"start" required:"false"`
	End   time.Time `json:"end"`
}
