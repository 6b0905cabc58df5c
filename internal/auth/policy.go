package auth

import (
	"fmt"

	"steward/internal/platform/fault"
)

// Action is something a principal may be allowed to do.
type Action string

const (
	CreateRecord     Action = "record.create"     // open a record for oneself
	CreateForOthers  Action = "record.create_for" // open a record for another requester
	UpdateRecord     Action = "record.update"     // change fields, state, assignment
	OverridePriority Action = "record.priority"   // set priority against the matrix
	AddComment       Action = "record.comment"    // public comment on a readable record
	AddWorkNote      Action = "record.work_note"  // internal note
	ReadWorkNotes    Action = "record.read_notes" // see internal notes and agent-only fields
	LinkRecords      Action = "record.link"       // create and remove links
	ManageWatchers   Action = "record.watchers"   // add and remove watchers
	AddAttachment    Action = "record.attach"     // upload to a readable record
	ReadDirectory    Action = "directory.read"    // list users, groups, organisations
	ReadCatalogue    Action = "catalogue.read"    // categories and services
	ManageDirectory  Action = "directory.manage"  // create and change users, groups, ...
	ManageSettings   Action = "settings.manage"   // priority matrix and other settings
	ApproveMajor     Action = "incident.major"    // approve a major incident
	ManageSLAs       Action = "sla.manage"        // calendars and service level definitions
	ViewReports      Action = "report.view"       // service level and workload reports
	OwnNotifications Action = "notify.own"        // choose which notifications one receives
	ManageMail       Action = "mail.manage"       // mail settings and quarantine, notification templates, the mail outbox
)

// minimumRole is the permission matrix: the least role allowed each action.
// Record-level rules (whose record it is) are in CanReadRecord.
var minimumRole = map[Action]Role{
	CreateRecord:     Requester,
	CreateForOthers:  Agent,
	UpdateRecord:     Agent,
	OverridePriority: Agent,
	AddComment:       Requester,
	AddWorkNote:      Agent,
	ReadWorkNotes:    Agent,
	LinkRecords:      Agent,
	ManageWatchers:   Agent,
	AddAttachment:    Requester,
	ReadDirectory:    Agent,
	ReadCatalogue:    Requester,
	ManageDirectory:  Admin,
	ManageSettings:   Admin,
	ApproveMajor:     Manager,
	ManageSLAs:       Manager,
	ViewReports:      Agent,
	OwnNotifications: Requester,
	ManageMail:       Admin,
}

// Can reports whether p may do a.
func Can(p Principal, a Action) bool {
	min, ok := minimumRole[a]
	if !ok {
		return false
	}
	return p.Role.AtLeast(min)
}

// Require returns fault.ErrForbidden (or ErrUnauthenticated) unless p may do a.
func Require(p Principal, a Action) error {
	if !p.Authenticated() {
		return fault.ErrUnauthenticated
	}
	if !Can(p, a) {
		return fmt.Errorf("%w: %s needs the %s role", fault.ErrForbidden, a, minimumRole[a])
	}
	return nil
}

// RecordAccess is what the policy needs to know about one record.
type RecordAccess struct {
	RequesterID int64
	Watcher     bool // p is among the record's watchers
}

// CanReadRecord reports whether p may see the record at all. Agents and
// above see every record; a requester sees those they requested or watch.
func CanReadRecord(p Principal, r RecordAccess) bool {
	if Can(p, ReadWorkNotes) {
		return true
	}
	return p.Authenticated() && p.UserID != 0 && (r.RequesterID == p.UserID || r.Watcher)
}

// Scope is the filter every record listing applies for a principal.
type Scope struct {
	// VisibleTo, when not zero, limits results to records this user requested
	// or watches; -1 (no account) matches none.
	VisibleTo int64
	// Internal says whether internal work notes and agent-only fields may be
	// read, searched and sorted on.
	Internal bool
}

// RecordScope returns the listing scope for p.
func RecordScope(p Principal) Scope {
	if Can(p, ReadWorkNotes) {
		return Scope{Internal: true}
	}
	if !p.Authenticated() || p.UserID == 0 {
		return Scope{VisibleTo: -1} // zero would mean no limit at all
	}
	return Scope{VisibleTo: p.UserID}
}
