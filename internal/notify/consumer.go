package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"steward/internal/platform/db"
	"steward/internal/platform/fault"
	"steward/internal/platform/outbox"
	"steward/internal/record"
)

// Notifier turns record events into queued mail.
type Notifier struct {
	// BaseURL is the public URL links in mail point to.
	BaseURL string
	// Domain is the host part of Message-IDs; the BaseURL's host if empty.
	Domain string
	// MaxAge: events older than this (by their time) are skipped, so that
	// back-dated history (the demo, an import) or a long outage does not
	// flood anyone's mailbox. 1 hour if zero.
	MaxAge time.Duration
	Now    func() time.Time
}

// ConsumerName is the outbox cursor of the notifier.
const ConsumerName = "notify"

// Consumer is the outbox consumer that queues notifications. Mail is written
// in the transaction that advances the cursor: each event queues its mail
// exactly once.
func (n *Notifier) Consumer() outbox.Consumer {
	return outbox.Consumer{Name: ConsumerName, Batch: 100, Handle: n.handle}
}

func (n *Notifier) now() time.Time {
	if n.Now != nil {
		return n.Now().UTC()
	}
	return time.Now().UTC()
}

func (n *Notifier) domain() string {
	if n.Domain != "" {
		return n.Domain
	}
	if u, err := url.Parse(n.BaseURL); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "steward.invalid"
}

// payload is the union of the event payloads the notifier reads.
type payload struct {
	ActorID     int64    `json:"actor_id"`
	Fields      []string `json:"fields"`
	State       string   `json:"state"`
	OldState    string   `json:"old_state"`
	MajorStatus string   `json:"major_status"`
	Kind        string   `json:"kind"`
	JournalID   int64    `json:"journal_id"`
	Facts       *struct {
		AssigneeID        int64 `json:"assignee_id"`
		AssignmentGroupID int64 `json:"assignment_group_id"`
	} `json:"facts"`
	Target  string    `json:"target"`
	DueAt   time.Time `json:"due_at"`
	Actions []struct {
		Kind   string `json:"kind"`
		Notify string `json:"notify"`
	} `json:"actions"`
}

// notice is one kind of notification an event causes, and for whom.
type notice struct {
	kind Kind
	to   []recipient
}

// batch is the state of one handler call.
type batch struct {
	tx        db.Querier
	now       time.Time
	templates map[Kind]compiled
}

func (n *Notifier) handle(ctx context.Context, tx db.Querier, events []outbox.Event) error {
	b := &batch{tx: tx, now: n.now(), templates: map[Kind]compiled{}}
	maxAge := n.MaxAge
	if maxAge <= 0 {
		maxAge = time.Hour
	}
	for _, ev := range events {
		if b.now.Sub(ev.At) > maxAge {
			continue
		}
		if ev.Topic == "mail.refused" {
			if err := n.refused(ctx, b, ev); err != nil {
				return fmt.Errorf("notify: event %d (%s): %w", ev.ID, ev.Topic, err)
			}
			continue
		}
		if ev.RecordID == 0 {
			continue
		}
		if err := n.event(ctx, b, ev); err != nil {
			return fmt.Errorf("notify: event %d (%s): %w", ev.ID, ev.Topic, err)
		}
	}
	return nil
}

// topics are the outbox topics the notifier reads.
var topics = []string{"record.created", "record.updated", "comment.added", "sla.warning", "sla.breached"}

func (n *Notifier) event(ctx context.Context, b *batch, ev outbox.Event) error {
	if !slices.Contains(topics, ev.Topic) {
		return nil
	}
	var p payload
	if err := json.Unmarshal(ev.Payload, &p); err != nil {
		return nil // not a payload of ours to read
	}
	rec, err := record.ByID(ctx, b.tx, ev.RecordID)
	if errors.Is(err, fault.ErrNotFound) {
		return nil // gone since: nothing to tell
	}
	if err != nil {
		return err
	}
	if p.Facts != nil {
		// Whom the record was with when the event happened, not now: a
		// burst of reassignments tells each assignee once.
		rec.AssigneeID, rec.AssignmentGroupID = p.Facts.AssigneeID, p.Facts.AssignmentGroupID
	}
	if p.State != "" {
		rec.State = p.State
	}
	d := Data{Number: rec.Number, Title: rec.Title, Description: rec.Description, State: rec.State, Priority: rec.Priority,
		Requester: rec.Names.Requester, Assignee: rec.Names.Assignee, Group: rec.Names.AssignmentGroup, Target: p.Target, DueAt: p.DueAt}
	if d.Actor, err = userName(ctx, b.tx, p.ActorID); err != nil {
		return err
	}
	notices, err := n.notices(ctx, b.tx, ev.Topic, p, &rec, &d)
	if err != nil {
		return err
	}
	for _, nt := range notices {
		if err := n.send(ctx, b, ev, p.ActorID, &rec, d, nt); err != nil {
			return err
		}
	}
	return nil
}

// notices decides what an event means for whom.
func (n *Notifier) notices(ctx context.Context, q db.Querier, topic string, p payload, rec *record.Record, d *Data) ([]notice, error) {
	var out []notice
	add := func(k Kind, lists ...func() ([]recipient, error)) error {
		nt := notice{kind: k}
		for _, l := range lists {
			rs, err := l()
			if err != nil {
				return err
			}
			nt.to = append(nt.to, rs...)
		}
		out = append(out, nt)
		return nil
	}
	requester := func() ([]recipient, error) { return userByID(ctx, q, rec.RequesterID) }
	watchers := func() ([]recipient, error) { return watchersOf(ctx, q, rec.ID) }
	worker := func() ([]recipient, error) { // the assignee, or the group when there is none
		if rec.AssigneeID != 0 {
			return userByID(ctx, q, rec.AssigneeID)
		}
		return groupMembers(ctx, q, rec.AssignmentGroupID)
	}
	var err error
	switch topic {
	case "record.created":
		err = add(Created, requester)
		if err == nil && (rec.AssigneeID != 0 || rec.AssignmentGroupID != 0) {
			err = add(Assigned, worker)
		}
	case "record.updated":
		has := func(f string) bool { return slices.Contains(p.Fields, f) }
		if has("assignee_id") && rec.AssigneeID != 0 || has("assignment_group_id") && rec.AssigneeID == 0 && rec.AssignmentGroupID != 0 {
			err = add(Assigned, worker)
		}
		if err == nil && has("state") && p.State == "resolved" {
			err = add(Resolved, requester, watchers)
		}
		if err == nil && has("state") && (p.OldState == "resolved" || p.OldState == "closed") && p.State != "resolved" && p.State != "closed" && p.State != "canceled" {
			err = add(Reopened, requester, watchers, worker)
		}
		if err == nil && has("major_status") && p.MajorStatus == "proposed" {
			d.Reason, err = majorReason(ctx, q, rec.ID)
			if err == nil {
				err = add(Approval, func() ([]recipient, error) { return managers(ctx, q) })
			}
		}
	case "comment.added":
		if d.Body, err = journalBody(ctx, q, p.JournalID); err != nil {
			return nil, err
		}
		switch p.Kind {
		case string(record.Comment), string(record.Communication):
			err = add(Commented, requester, watchers)
		case string(record.WorkNote):
			err = add(Mentioned, func() ([]recipient, error) { return mentioned(ctx, q, d.Body) })
		}
	case "sla.warning", "sla.breached":
		k := SLAWarning
		if topic == "sla.breached" {
			k = SLABreached
		}
		var lists []func() ([]recipient, error)
		for _, a := range p.Actions {
			if a.Kind != "notify" {
				continue
			}
			switch a.Notify {
			case "assignee":
				lists = append(lists, func() ([]recipient, error) { return userByID(ctx, q, rec.AssigneeID) })
			case "group":
				lists = append(lists, func() ([]recipient, error) { return groupMembers(ctx, q, rec.AssignmentGroupID) })
			case "manager":
				lists = append(lists, func() ([]recipient, error) { return managers(ctx, q) })
			}
		}
		if len(lists) > 0 {
			err = add(k, lists...)
		}
	}
	return out, err
}

func majorReason(ctx context.Context, q db.Querier, recordID int64) (string, error) {
	var reason string
	err := q.QueryRowContext(ctx, `SELECT major_reason FROM incidents WHERE record_id = $1`, recordID).Scan(&reason)
	if err != nil {
		return "", nil // not an incident: no reason to show
	}
	return reason, nil
}

// send queues nt's mail: once per recipient, never to the actor (except a
// requester's acknowledgement of their own new record), never to whom turned
// the kind off.
func (n *Notifier) send(ctx context.Context, b *batch, ev outbox.Event, actorID int64, rec *record.Record, d Data, nt notice) error {
	seen := map[int64]bool{}
	for _, r := range nt.to {
		if seen[r.ID] || r.Email == "" {
			continue
		}
		seen[r.ID] = true
		if r.ID == actorID && (nt.kind != Created || r.agent()) {
			continue
		}
		on, err := enabled(ctx, b.tx, r.ID, nt.kind)
		if err != nil {
			return err
		}
		if !on {
			continue
		}
		if err := n.queue(ctx, b, ev, rec, d, nt.kind, r); err != nil {
			return err
		}
	}
	return nil
}

func (n *Notifier) queue(ctx context.Context, b *batch, ev outbox.Event, rec *record.Record, d Data, k Kind, r recipient) error {
	c, ok := b.templates[k]
	if !ok {
		t, err := TemplateOf(ctx, b.tx, k)
		if err != nil {
			return err
		}
		var v *fault.ValidationError
		if c, v = compile(t); v.Err() != nil {
			c, _ = compile(Default(k)) // a saved template always parsed; just in case
		}
		b.templates[k] = c
	}
	d.Kind, d.Recipient, d.Link = k, r.Name, n.link(rec, r)
	out, err := c.exec(d)
	if err != nil { // an edited template that fails on this record: the default does not
		def, _ := compile(Default(k))
		if out, err = def.exec(d); err != nil {
			return fmt.Errorf("notify: render %s: %w", k, err)
		}
	}
	refs, err := thread(ctx, b.tx, rec.ID)
	if err != nil {
		return err
	}
	m := Mail{EventID: ev.ID, Kind: k, RecordID: rec.ID, UserID: r.ID, To: r.Email, Subject: out.Subject, Text: out.Text, HTML: out.HTML,
		MessageID: newMessageID(n.domain()), References: refs}
	if len(refs) > 0 {
		m.InReplyTo = refs[len(refs)-1]
	}
	return enqueue(ctx, b.tx, &m, b.now)
}

// link is the record's page for r: the portal for requesters, the agent
// workspace for everyone else.
func (n *Notifier) link(rec *record.Record, r recipient) string {
	base := strings.TrimRight(n.BaseURL, "/")
	path := "/" + string(rec.Type) + "s/" + rec.Number
	if !r.agent() {
		path = "/portal" + path
	}
	return base + path
}

// refused answers mail that the desk did not accept (mailin writes the
// event with the sender's address and why), threaded on the sender's
// message. It goes once per event, like every notification.
func (n *Notifier) refused(ctx context.Context, b *batch, ev outbox.Event) error {
	var p struct {
		To        string `json:"to"`
		Subject   string `json:"subject"`
		InReplyTo string `json:"in_reply_to"`
		Reason    string `json:"reason"`
	}
	if err := json.Unmarshal(ev.Payload, &p); err != nil || p.To == "" {
		return nil
	}
	t, err := TemplateOf(ctx, b.tx, Refused)
	if err != nil {
		return err
	}
	d := Data{Kind: Refused, Title: p.Subject, Reason: p.Reason, Recipient: p.To}
	out, err := Render(t, d)
	if err != nil { // an edited template that fails here: the default does not
		if out, err = Render(Default(Refused), d); err != nil {
			return fmt.Errorf("notify: render %s: %w", Refused, err)
		}
	}
	m := Mail{EventID: ev.ID, Kind: Refused, To: p.To, Subject: out.Subject, Text: out.Text, HTML: out.HTML,
		MessageID: newMessageID(n.domain())}
	if p.InReplyTo != "" {
		m.InReplyTo, m.References = p.InReplyTo, []string{p.InReplyTo}
	}
	return enqueue(ctx, b.tx, &m, b.now)
}
