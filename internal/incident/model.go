// Package incident is ITIL incident management: restoring normal service as
// quickly as possible. An incident is a record (package record) with a few
// fields of its own and the lifecycle declared in Lifecycle.
package incident

import (
	"time"

	"steward/internal/record"
)

// The incident states.
const (
	New        = "new"
	InProgress = "in_progress"
	OnHold     = "on_hold"
	Resolved   = "resolved"
	Closed     = "closed"
	Canceled   = "canceled"
)

// Lifecycle is the incident state machine: the one place that says which
// moves are allowed and what each needs.
var Lifecycle = record.Machine{
	Initial: New,
	States: []record.State{
		{Name: New, Label: "New", Open: true},
		{Name: InProgress, Label: "In progress", Open: true},
		{Name: OnHold, Label: "On hold", Open: true},
		{Name: Resolved, Label: "Resolved", Resolved: true},
		{Name: Closed, Label: "Closed", Final: true},
		{Name: Canceled, Label: "Canceled", Final: true},
	},
	Transitions: []record.Transition{
		{From: New, To: InProgress, Label: "Start work"},
		{From: New, To: OnHold, Label: "Put on hold", Requires: []string{"on_hold_reason"}},
		{From: New, To: Resolved, Label: "Resolve", Requires: []string{"resolution_code", "resolution_notes"}},
		{From: New, To: Canceled, Label: "Cancel", Requires: []string{"cancel_reason"}},
		{From: InProgress, To: OnHold, Label: "Put on hold", Requires: []string{"on_hold_reason"}},
		{From: InProgress, To: Resolved, Label: "Resolve", Requires: []string{"resolution_code", "resolution_notes"}},
		{From: InProgress, To: Canceled, Label: "Cancel", Requires: []string{"cancel_reason"}},
		{From: OnHold, To: InProgress, Label: "Resume"},
		{From: OnHold, To: Resolved, Label: "Resolve", Requires: []string{"resolution_code", "resolution_notes"}},
		{From: OnHold, To: Canceled, Label: "Cancel", Requires: []string{"cancel_reason"}},
		{From: Resolved, To: InProgress, Label: "Reopen"},
		{From: Resolved, To: Closed, Label: "Close"},
	},
}

// OnHoldReasons are the reasons an incident may wait.
var OnHoldReasons = []string{"awaiting_requester", "awaiting_change", "awaiting_vendor", "awaiting_problem"}

// ResolutionCodes say how an incident was resolved.
var ResolutionCodes = []string{"solved", "workaround", "not_reproducible", "duplicate", "user_error", "no_action_needed"}

// Incident is a record with the incident's own fields.
type Incident struct {
	record.Record
	OnHoldReason      string
	ResolutionCode    string
	ResolutionNotes   string
	CancelReason      string
	Major             bool   // approved major incident
	MajorStatus       string // "", proposed, approved, rejected
	MajorReason       string
	ReassignmentCount int64
	ReopenCount       int64
	FirstResponseAt   time.Time
	FirstAssigneeID   int64
	// FirstContactResolution: resolved by the first assignee, never
	// reassigned nor reopened (set at resolution).
	FirstContactResolution bool
	ResolutionTime         time.Duration    // opened to resolved, wall clock
	Watchers               []record.Watcher // filled by Get only
}

// Major incident statuses.
const (
	MajorProposed = "proposed"
	MajorApproved = "approved"
	MajorRejected = "rejected"
)

// NewIncident is the input for reporting an incident.
type NewIncident struct {
	Title             string
	Description       string
	Impact            record.Level // zero: medium
	Urgency           record.Level // zero: medium
	Priority          int          // non-zero overrides the matrix (agents, with a reason)
	PriorityReason    string
	CategoryID        int64
	ServiceID         int64
	CIRef             string
	RequesterID       int64 // zero: the caller
	OrganisationID    int64
	AssignmentGroupID int64
	AssigneeID        int64
	IdempotencyKey    string
}

// Patch changes some fields of an incident; nil fields stay unchanged, and
// a pointer to zero clears a reference.
type Patch struct {
	Title             *string
	Description       *string
	State             *string
	Impact            *record.Level
	Urgency           *record.Level
	Priority          *int
	PriorityReason    *string
	CategoryID        *int64
	ServiceID         *int64
	CIRef             *string
	RequesterID       *int64
	OrganisationID    *int64
	AssignmentGroupID *int64
	AssigneeID        *int64
	OnHoldReason      *string
	ResolutionCode    *string
	ResolutionNotes   *string
	CancelReason      *string
}

// ListInput selects incidents for a list or queue.
type ListInput struct {
	Filter record.Filter
	Major  *bool // only (true) or no (false) major incidents, approved or proposed
	Sort   string
	Cursor string
	Limit  int
}

// Limits on input sizes.
const (
	MaxTitle       = 200
	MaxDescription = 32000
	MaxComment     = 32000
	MaxCIRef       = 200
	MaxReason      = 2000
)
