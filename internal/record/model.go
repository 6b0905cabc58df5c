// Package record is the core every ITIL work item shares: human numbers,
// the common fields, optimistic versions, the journal, links, watchers and
// attachments, the priority matrix and declarative state machines.
// Practices (incident, request, problem, change) extend it with their own
// tables keyed by the record id.
package record

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Type is a kind of record.
type Type string

const (
	TypeIncident Type = "incident"
	TypeRequest  Type = "request"
	TypeProblem  Type = "problem"
	TypeChange   Type = "change"
)

// prefixes are the human number prefixes, one per type.
var prefixes = map[Type]string{TypeIncident: "INC", TypeRequest: "REQ", TypeProblem: "PRB", TypeChange: "CHG"}

// numberDigits is the zero-padded width of a number (INC0000042).
const numberDigits = 7

// FormatNumber returns the human number of the seq-th record of type t.
func FormatNumber(t Type, seq int64) string {
	return fmt.Sprintf("%s%0*d", prefixes[t], numberDigits, seq)
}

// ParseNumber checks a human number and returns its type.
func ParseNumber(s string) (Type, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) < 3+numberDigits || len(s) > 20 {
		return "", false
	}
	for t, p := range prefixes {
		if strings.HasPrefix(s, p) {
			n, err := strconv.ParseInt(s[3:], 10, 64)
			return t, err == nil && n > 0 && s[3] >= '0' && s[3] <= '9'
		}
	}
	return "", false
}

// Level is an impact or urgency: 1 high, 2 medium, 3 low.
type Level int

const (
	High   Level = 1
	Medium Level = 2
	Low    Level = 3
)

var levelNames = map[Level]string{High: "high", Medium: "medium", Low: "low"}

func (l Level) String() string { return levelNames[l] }

// Valid reports whether l is a known level.
func (l Level) Valid() bool { return l >= High && l <= Low }

// ParseLevel reads "high", "medium" or "low".
func ParseLevel(s string) (Level, bool) {
	for l, n := range levelNames {
		if n == s {
			return l, true
		}
	}
	return 0, false
}

// Record is the shared core of every work item.
type Record struct {
	ID                 int64
	Type               Type
	Seq                int64
	Number             string
	Title              string
	Description        string
	State              string
	Impact             Level
	Urgency            Level
	Priority           int // 1 (critical) .. 5 (planning)
	PriorityOverridden bool
	CategoryID         int64
	ServiceID          int64
	CIRef              string
	RequesterID        int64
	OrganisationID     int64
	AssignmentGroupID  int64
	AssigneeID         int64
	OpenedAt           time.Time
	UpdatedAt          time.Time
	ResolvedAt         time.Time
	ClosedAt           time.Time
	Version            int64
	// SLADueAt is the earliest due time of the record's running SLA
	// timers, zero when none runs; kept by the SLA engine.
	SLADueAt time.Time

	// Names of the referenced rows, filled on read.
	Names Names
}

// Names are the display names of a record's references.
type Names struct {
	Requester       string
	Assignee        string
	AssignmentGroup string
	Category        string
	Service         string
	Organisation    string
}

// Change is one field's change, as the journal records it.
type Change struct {
	Field string
	Old   string
	New   string
}

// Changes lists the core fields that differ between a and b.
func Changes(a, b *Record) []Change {
	var out []Change
	add := func(field, old, new string) {
		if old != new {
			out = append(out, Change{Field: field, Old: old, New: new})
		}
	}
	id := func(v int64) string {
		if v == 0 {
			return ""
		}
		return strconv.FormatInt(v, 10)
	}
	add("title", a.Title, b.Title)
	add("description", a.Description, b.Description)
	add("state", a.State, b.State)
	add("impact", a.Impact.String(), b.Impact.String())
	add("urgency", a.Urgency.String(), b.Urgency.String())
	add("priority", strconv.Itoa(a.Priority), strconv.Itoa(b.Priority))
	add("category_id", id(a.CategoryID), id(b.CategoryID))
	add("service_id", id(a.ServiceID), id(b.ServiceID))
	add("ci_ref", a.CIRef, b.CIRef)
	add("requester_id", id(a.RequesterID), id(b.RequesterID))
	add("organisation_id", id(a.OrganisationID), id(b.OrganisationID))
	add("assignment_group_id", id(a.AssignmentGroupID), id(b.AssignmentGroupID))
	add("assignee_id", id(a.AssigneeID), id(b.AssigneeID))
	return out
}

// Kind is the kind of a journal entry.
type Kind string

const (
	Comment     Kind = "comment"      // public, seen by the requester
	WorkNote    Kind = "work_note"    // internal, agents only
	FieldChange Kind = "field_change" // who changed what, from and to
	System      Kind = "system"       // something Steward did
	// Communication is a stakeholder update on a major incident: public,
	// and kept apart from the conversation as its communications log.
	Communication Kind = "communication"
)

// publicFields are the field changes a requester may see in the journal;
// every other change (assignment, priority reasons, ...) is internal.
var publicFields = []string{"state", "title", "description", "resolution_code", "resolution_notes"}

// Entry is one journal entry. The journal is append-only.
type Entry struct {
	ID        int64
	RecordID  int64
	Kind      Kind
	ActorID   int64
	ActorName string
	At        time.Time
	Field     string
	OldValue  string
	NewValue  string
	Body      string
}

// LinkKind is how two records relate, read from the "from" record.
type LinkKind string

// Stored link kinds and, for each, how it reads from the other end.
var linkInverse = map[LinkKind]LinkKind{
	"parent_of":    "child_of",
	"caused_by":    "causes",
	"duplicate_of": "duplicated_by",
	"related_to":   "related_to",
	"fixed_by":     "fixes",
}

// LinkKinds lists every kind a caller may name, in both directions.
func LinkKinds() []string {
	var out []string
	for k, inv := range linkInverse {
		out = append(out, string(k))
		if inv != k {
			out = append(out, string(inv))
		}
	}
	return out
}

// canonical turns a kind named from this record's side into the stored
// kind and whether the link points the other way.
func canonical(k LinkKind) (LinkKind, bool, bool) {
	if _, ok := linkInverse[k]; ok {
		return k, false, true
	}
	for stored, inv := range linkInverse {
		if inv == k {
			return stored, true, true
		}
	}
	return "", false, false
}

// Link is a relation seen from one record.
type Link struct {
	ID          int64
	Kind        LinkKind // as read from this record
	OtherID     int64
	OtherNumber string
	OtherTitle  string
	OtherState  string
	OtherType   Type
	CreatedAt   time.Time
}

// Attachment is a file on a record; its bytes are a content-addressed blob.
type Attachment struct {
	ID          int64
	RecordID    int64
	Name        string
	ContentType string
	Size        int64
	SHA256      string
	CreatedBy   int64
	CreatedAt   time.Time
}
