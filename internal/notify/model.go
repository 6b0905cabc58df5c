// Package notify keeps people informed by mail: an outbox consumer turns
// record events into queued mail (one row per recipient and message, written
// in the consumer's transaction, so exactly once), and a sender delivers the
// queue over SMTP with retries, claiming rows so that each is sent once even
// with several nodes. Each kind of notification has a text and an HTML
// template that admins may edit, and users may turn each kind off.
package notify

import (
	"slices"
	"time"
)

// Kind is a kind of notification.
type Kind string

const (
	Created     Kind = "created"      // a record was opened: to its requester
	Assigned    Kind = "assigned"     // to the new assignee, or the group's members when only a group is set
	Commented   Kind = "commented"    // a public comment: to the requester and watchers
	Mentioned   Kind = "mentioned"    // an internal work note names an agent (@name or @email)
	Resolved    Kind = "resolved"     // to the requester and watchers
	Reopened    Kind = "reopened"     // to the requester, watchers and assignee (or group)
	Approval    Kind = "approval"     // a major incident waits for a manager's approval
	SLAWarning  Kind = "sla_warning"  // an SLA target is close: per the definition's notify actions
	SLABreached Kind = "sla_breached" // an SLA target was missed
)

// Kinds lists every kind, in the order the preferences show them.
var Kinds = []Kind{Created, Assigned, Commented, Mentioned, Resolved, Reopened, Approval, SLAWarning, SLABreached}

// Refused is the polite answer to mail from a sender the desk does not
// accept (see mailin): it goes to an address, not an account, so it is no
// one's preference; admins edit its template like the others.
const Refused Kind = "refused"

// Valid reports whether k is a known kind (with a template).
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) || k == Refused }

// Describe says in a few words when a kind is sent.
func (k Kind) Describe() string {
	return map[Kind]string{
		Created:     "A record you reported was opened",
		Assigned:    "A record was assigned to you or your group",
		Commented:   "Someone commented on a record you reported or watch",
		Mentioned:   "An agent mentioned you in a work note",
		Resolved:    "A record you reported or watch was resolved",
		Reopened:    "A record you reported, watch or work on was reopened",
		Approval:    "A major incident waits for approval",
		SLAWarning:  "A service level target is about to be missed",
		SLABreached: "A service level target was missed",
		Refused:     "Mail from a sender the desk does not accept was answered",
	}[k]
}

// Status is where a queued mail is.
type Status string

const (
	Queued Status = "queued" // waiting for its next attempt (or being sent: claimed)
	Sent   Status = "sent"   // the SMTP server accepted it
	Failed Status = "failed" // given up: a permanent error or too many attempts
)

// Mail is one queued message to one recipient.
type Mail struct {
	ID            int64
	EventID       int64
	Kind          Kind
	RecordID      int64
	RecordNumber  string
	UserID        int64
	To            string
	Subject       string
	Text          string
	HTML          string
	MessageID     string // without angle brackets
	InReplyTo     string // without angle brackets; empty for the first mail about a record
	References    []string
	Status        Status
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	SentAt        time.Time
}

// Preference is whether a user gets one kind of notification.
type Preference struct {
	Kind    Kind
	Enabled bool
}
