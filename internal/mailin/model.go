// Package mailin turns inbound email into records and comments. Ingest
// takes one raw message, from the SMTP listener or an IMAP mailbox, and in
// one transaction either opens a record for the sender, adds the reply to
// the record it answers, or, when the message cannot be parsed or routed,
// keeps it in a quarantine with the reason: never lost, never half
// imported, never imported twice.
package mailin

import (
	"fmt"
	"strings"
	"time"

	"steward/internal/platform/fault"
	"steward/internal/record"
)

// Outcome is what a message became.
type Outcome string

const (
	Created     Outcome = "created"     // a new record
	Commented   Outcome = "commented"   // a public comment on an existing record
	Quarantined Outcome = "quarantined" // kept for an admin, with the reason
)

// Quarantine kinds: why a message was not imported.
const (
	KindUnparseable = "unparseable"
	KindTooLarge    = "too_large"
	KindAutomatic   = "automatic"    // auto-reply, bounce, list mail, own address
	KindRateLimited = "rate_limited" // the sender sent too much in the last hour
	KindRefused     = "refused"      // unknown sender or domain, per settings
	KindUnroutable  = "unroutable"   // a reply that cannot land on its record
	KindInvalid     = "invalid"      // the record or comment it would make is invalid
)

// Source says where a message came from and what it opens.
type Source struct {
	Name       string      // "smtp", "imap:desk@example.com", ...
	RecordType record.Type // what a new message opens; zero: incident
}

// Result is what Ingest did with a message.
type Result struct {
	Outcome      Outcome
	Duplicate    bool // the message was taken in before; nothing changed now
	RecordID     int64
	Number       string
	JournalID    int64
	QuarantineID int64
	Kind         string // quarantine kind
	Reason       string // quarantine reason
}

// Config is what the deployment says about mail in.
type Config struct {
	// OwnAddresses are Steward's own addresses (mailboxes, notification
	// sender): mail from them is a loop and is never imported.
	OwnAddresses []string
}

// Settings are the admin-editable rules for mail in.
type Settings struct {
	// AllowedDomains: unknown senders from these domains become requesters.
	// Empty: any domain.
	AllowedDomains []string `json:"allowed_domains"`
	// RefuseUnknown: only senders with an account may write in; others get
	// a polite refusal.
	RefuseUnknown bool `json:"refuse_unknown"`
	// RateLimitPerHour: messages one sender may send in an hour; more are
	// quarantined (this stops mail loops).
	RateLimitPerHour int `json:"rate_limit_per_hour"`
	// MaxMessageBytes: larger messages are quarantined.
	MaxMessageBytes int64 `json:"max_message_bytes"`
}

// DefaultSettings is what a new instance uses.
var DefaultSettings = Settings{AllowedDomains: []string{}, RateLimitPerHour: 30, MaxMessageBytes: 25 << 20}

// Validate checks settings and normalises the domains.
func (s *Settings) Validate() error {
	v := &fault.ValidationError{}
	seen := map[string]bool{}
	domains := []string{}
	for i, d := range s.AllowedDomains {
		d = strings.ToLower(strings.TrimSpace(d))
		if !plausibleDomain(d) {
			v.Add(fmt.Sprintf("allowed_domains[%d]", i), "must be a domain name such as example.com")
			continue
		}
		if !seen[d] {
			seen[d] = true
			domains = append(domains, d)
		}
	}
	s.AllowedDomains = domains
	if len(domains) > 500 {
		v.Add("allowed_domains", "must list at most 500 domains")
	}
	if s.RateLimitPerHour < 1 || s.RateLimitPerHour > 100000 {
		v.Add("rate_limit_per_hour", "must be from 1 to 100000")
	}
	if s.MaxMessageBytes < 1<<10 || s.MaxMessageBytes > 200<<20 {
		v.Add("max_message_bytes", "must be from 1024 to 209715200")
	}
	return v.Err()
}

func plausibleDomain(d string) bool {
	if len(d) < 3 || len(d) > 253 || !strings.Contains(d, ".") || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") {
		return false
	}
	for _, r := range d {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return !strings.Contains(d, "..")
}

// Entry is a quarantined message.
type Entry struct {
	ID         int64
	MessageKey string
	Kind       string
	Reason     string
	Sender     string
	Subject    string
	Source     string
	Size       int64
	Attempts   int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Raw        []byte // filled by Quarantined only
}

// refusal is a message that cannot be imported: it goes to the quarantine
// with kind and reason, and the sender is told when reply is set.
type refusal struct {
	kind, reason string
	reply        bool
}

func (r *refusal) Error() string { return "mailin: " + r.kind + ": " + r.reason }

func refuse(kind, format string, args ...any) *refusal {
	return &refusal{kind: kind, reason: fmt.Sprintf(format, args...)}
}
