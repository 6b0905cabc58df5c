package notify_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"steward/internal/auth"
	"steward/internal/incident"
	"steward/internal/notify"
	"steward/internal/platform/cursor"
	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
	"steward/internal/platform/outbox"
)

var ctx = context.Background()

// clock is a controllable Now, safe for concurrent use.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

const baseURL = "https://desk.example.com"

// world is a service desk with a requester, a watcher, two agents in a
// group and a manager, a notifier and a sender talking to a real SMTP
// server.
type world struct {
	d                       *db.DB
	clock                   *clock
	inc                     *incident.Service
	notifier                *notify.Notifier
	sender                  *notify.Sender
	smtp                    *mailServer
	requester, watcher      auth.Principal
	agent1, agent2, manager auth.Principal
	group                   int64
}

func newWorld(t *testing.T, d *db.DB) *world {
	t.Helper()
	w := &world{d: d, clock: &clock{now: time.Now().UTC().Truncate(time.Second)}, smtp: startSMTP(t)}
	as := auth.NewService(d)
	g, err := as.CreateGroup(ctx, auth.System, auth.GroupInput{Name: "Service Desk"})
	if err != nil {
		t.Fatal(err)
	}
	w.group = g.ID
	w.requester = newPrincipal(t, as, "rita@example.com", "Rita Requester", auth.Requester)
	w.watcher = newPrincipal(t, as, "walt@example.com", "Walt Watcher", auth.Requester)
	w.agent1 = newPrincipal(t, as, "alan@example.com", "Alan Agent", auth.Agent, g.ID)
	w.agent2 = newPrincipal(t, as, "grace@example.com", "Grace Hopper", auth.Agent, g.ID)
	w.manager = newPrincipal(t, as, "maggie@example.com", "Maggie Manager", auth.Manager)
	w.inc = incident.NewService(d, cursor.NewSigner([]byte("test-key")))
	w.inc.Now = w.clock.Now
	w.notifier = &notify.Notifier{BaseURL: baseURL, Now: w.clock.Now}
	w.sender = &notify.Sender{DB: d, Node: "node-a", Now: w.clock.Now, Backoff: time.Minute, MaxBackoff: time.Hour,
		SMTP: notify.SMTP{Host: w.smtp.Host, Port: w.smtp.Port, Security: notify.NoTLS, From: "Service Desk <desk@example.com>", Timeout: 10 * time.Second}}
	return w
}

func newPrincipal(t *testing.T, as *auth.Service, email, name string, role auth.Role, groups ...int64) auth.Principal {
	t.Helper()
	u, err := as.CreateUser(ctx, auth.System, auth.NewUser{Email: email, Name: name, Role: role, Groups: groups})
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	p, err := as.PrincipalFor(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// deliver runs the notifier over every pending event and the sender over
// every due mail, and returns what the SMTP server received.
func (w *world) deliver(t *testing.T) []received {
	t.Helper()
	w.notify(t)
	for {
		n, err := w.sender.SendDue(ctx)
		if err != nil {
			t.Fatalf("send: %v", err)
		}
		if n == 0 {
			break
		}
	}
	return w.smtp.Take()
}

// notify runs the notifier until it has read every event in the outbox.
// On PostgreSQL an event becomes readable only once every older
// transaction on the server has ended (other tests' too), so this polls,
// with a deadline.
func (w *world) notify(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		n, err := outbox.Deliver(ctx, w.d, w.notifier.Consumer(), w.clock.Now())
		if err != nil {
			t.Fatalf("deliver events: %v", err)
		}
		if n > 0 {
			continue
		}
		var pending int
		if err := w.d.Read.QueryRowContext(ctx, `SELECT count(*) FROM outbox o WHERE NOT EXISTS (
  SELECT 1 FROM outbox_cursors c WHERE c.consumer = $1 AND (o.txid < c.last_txid OR (o.txid = c.last_txid AND o.id <= c.last_id)))`,
			notify.ConsumerName).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d events still unread by the notifier", pending)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// to returns the single message addressed to email, failing otherwise.
func to(t *testing.T, msgs []received, email string) received {
	t.Helper()
	var out []received
	for _, m := range msgs {
		if slices.Contains(m.To, email) {
			out = append(out, m)
		}
	}
	if len(out) != 1 {
		t.Fatalf("%d messages to %s, want 1 (all: %v)", len(out), email, recipients(msgs))
	}
	return out[0]
}

func recipients(msgs []received) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.To...)
	}
	slices.Sort(out)
	return out
}

func msgID(m received) string { return strings.Trim(m.Header.Get("Message-ID"), "<>") }

func TestNotificationsFollowARecord(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		inc, _, err := w.inc.Create(ctx, w.requester, incident.NewIncident{Title: "VPN drops every hour", Description: "Since Monday."})
		if err != nil {
			t.Fatal(err)
		}
		subject := "[" + inc.Number + "] "

		// Created: the requester gets an acknowledgement, nobody else.
		got := w.deliver(t)
		if r := recipients(got); !slices.Equal(r, []string{"rita@example.com"}) {
			t.Fatalf("created: mail to %v, want only the requester", r)
		}
		created := got[0]
		if created.Subject != subject+"VPN drops every hour" {
			t.Errorf("created subject = %q", created.Subject)
		}
		if link := baseURL + "/portal/incidents/" + inc.Number; !strings.Contains(created.Text, link) || !strings.Contains(created.HTML, `href="`+link+`"`) {
			t.Errorf("created mail lacks the portal link %s:\n%s\n%s", link, created.Text, created.HTML)
		}
		if created.Header.Get("In-Reply-To") != "" || created.Header.Get("Auto-Submitted") != "auto-generated" {
			t.Errorf("created headers: In-Reply-To %q, Auto-Submitted %q", created.Header.Get("In-Reply-To"), created.Header.Get("Auto-Submitted"))
		}
		if !strings.HasSuffix(msgID(created), "@desk.example.com") {
			t.Errorf("Message-ID = %q", created.Header.Get("Message-ID"))
		}

		// Assigned by agent1 to agent2: agent2 hears, agent1 (the actor) does not.
		if err := w.inc.Watch(ctx, w.agent1, inc.Number, w.watcher.UserID); err != nil {
			t.Fatal(err)
		}
		inc = w.update(t, w.agent1, inc, incident.Patch{AssignmentGroupID: &w.group, AssigneeID: &w.agent2.UserID})
		got = w.deliver(t)
		if r := recipients(got); !slices.Equal(r, []string{"grace@example.com"}) {
			t.Fatalf("assigned: mail to %v, want only the new assignee", r)
		}
		if m := got[0]; !strings.HasPrefix(m.Subject, subject) || !strings.Contains(m.Text, baseURL+"/incidents/"+inc.Number) {
			t.Errorf("assigned mail: subject %q, text %q", m.Subject, m.Text)
		}

		// A public comment by agent2 goes to the requester and the watcher,
		// threaded under the earlier mail about the record.
		w.clock.Advance(time.Minute)
		if _, err := w.inc.Comment(ctx, w.agent2, inc.Number, false, "Please try the new VPN profile."); err != nil {
			t.Fatal(err)
		}
		got = w.deliver(t)
		if r := recipients(got); !slices.Equal(r, []string{"rita@example.com", "walt@example.com"}) {
			t.Fatalf("comment: mail to %v, want requester and watcher", r)
		}
		reply := to(t, got, "rita@example.com")
		if !strings.Contains(reply.Text, "Please try the new VPN profile.") {
			t.Errorf("comment mail lacks the comment: %s", reply.Text)
		}
		refs := reply.Header.Get("References")
		if !strings.Contains(refs, "<"+msgID(created)+">") || reply.Header.Get("In-Reply-To") == "" {
			t.Errorf("comment mail: In-Reply-To %q, References %q, want the created mail %s among them",
				reply.Header.Get("In-Reply-To"), refs, msgID(created))
		}
		w.checkRecorded(t, inc.ID, msgID(created), msgID(reply))

		// A work note mentioning agent1 by name, the manager by email and
		// its own author: the author is never told of their own note.
		if _, err := w.inc.Comment(ctx, w.agent2, inc.Number, true, "@Alan Agent can you check the logs? cc @maggie@example.com and @Grace Hopper"); err != nil {
			t.Fatal(err)
		}
		got = w.deliver(t)
		if r := recipients(got); !slices.Equal(r, []string{"alan@example.com", "maggie@example.com"}) {
			t.Fatalf("mention: mail to %v, want agent1 and the manager, never the author", r)
		}

		// The requester turns resolution mail off: only the watcher hears.
		if err := d.InTx(ctx, func(tx db.Querier) error {
			return notify.SetPreferences(ctx, tx, w.requester.UserID, []notify.Preference{{Kind: notify.Resolved, Enabled: false}}, w.clock.Now())
		}); err != nil {
			t.Fatal(err)
		}
		inc = w.update(t, w.agent2, inc, incident.Patch{State: ptr("resolved"), ResolutionCode: ptr("solved"), ResolutionNotes: ptr("New profile.")})
		got = w.deliver(t)
		if r := recipients(got); !slices.Equal(r, []string{"walt@example.com"}) {
			t.Fatalf("resolved: mail to %v, want only the watcher", r)
		}
		if !strings.HasPrefix(got[0].Subject, subject+"Resolved:") {
			t.Errorf("resolved subject = %q", got[0].Subject)
		}

		// The requester reopens: the assignee and the watcher hear, not the requester.
		if _, err := w.inc.Reopen(ctx, w.requester, inc.Number, w.version(t, inc.Number), "Still dropping."); err != nil {
			t.Fatal(err)
		}
		got = w.deliver(t)
		if r := recipients(got); !slices.Equal(r, []string{"grace@example.com", "walt@example.com"}) {
			t.Fatalf("reopened: mail to %v, want assignee and watcher", r)
		}

		// A major incident proposal waits for the manager.
		if _, err := w.inc.ProposeMajor(ctx, w.agent2, inc.Number, "Whole office offline"); err != nil {
			t.Fatal(err)
		}
		got = w.deliver(t)
		if r := recipients(got); !slices.Equal(r, []string{"maggie@example.com"}) {
			t.Fatalf("approval: mail to %v, want the manager", r)
		}
		if !strings.Contains(got[0].Text, "Whole office offline") {
			t.Errorf("approval mail lacks the reason: %s", got[0].Text)
		}

		// An SLA breach notifies whom the definition says.
		w.appendEvent(t, w.clock.Now(), "sla.breached", inc.ID, map[string]any{"target": "resolution", "due_at": w.clock.Now(),
			"actions": []map[string]string{{"kind": "notify", "notify": "assignee"}, {"kind": "notify", "notify": "manager"}, {"kind": "reassign"}}})
		got = w.deliver(t)
		if r := recipients(got); !slices.Equal(r, []string{"grace@example.com", "maggie@example.com"}) {
			t.Fatalf("sla breach: mail to %v, want assignee and manager", r)
		}
		if !strings.HasPrefix(got[0].Subject, subject+"SLA breached (resolution)") {
			t.Errorf("sla subject = %q", got[0].Subject)
		}

		// Old events (back-dated history) send nothing.
		w.appendEvent(t, w.clock.Now().Add(-3*time.Hour), "sla.warning", inc.ID, map[string]any{"target": "response",
			"actions": []map[string]string{{"kind": "notify", "notify": "assignee"}}})
		if got = w.deliver(t); len(got) != 0 {
			t.Fatalf("an event three hours old sent mail to %v", recipients(got))
		}
	})
}

func (w *world) version(t *testing.T, number string) int64 {
	t.Helper()
	cur, err := w.inc.Get(ctx, auth.System, number)
	if err != nil {
		t.Fatal(err)
	}
	return cur.Version
}

func ptr[T any](v T) *T { return &v }

func (w *world) update(t *testing.T, actor auth.Principal, inc incident.Incident, p incident.Patch) incident.Incident {
	t.Helper()
	cur, err := w.inc.Get(ctx, actor, inc.Number)
	if err != nil {
		t.Fatal(err)
	}
	out, err := w.inc.Update(ctx, actor, inc.Number, cur.Version, p)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	return out
}

func (w *world) appendEvent(t *testing.T, at time.Time, topic string, recordID int64, payload any) {
	t.Helper()
	if err := w.d.InTx(ctx, func(tx db.Querier) error { return outbox.Append(ctx, tx, at, topic, recordID, payload) }); err != nil {
		t.Fatal(err)
	}
}

// checkRecorded checks that each Message-ID is in mail_message_ids as 'out'
// for the record, where the inbound side looks replies up.
func (w *world) checkRecorded(t *testing.T, recordID int64, ids ...string) {
	t.Helper()
	for _, id := range ids {
		var rid int64
		var dir string
		if err := w.d.Read.QueryRowContext(ctx, `SELECT record_id, direction FROM mail_message_ids WHERE message_id = $1`, id).Scan(&rid, &dir); err != nil {
			t.Fatalf("mail_message_ids %s: %v", id, err)
		}
		if rid != recordID || dir != "out" {
			t.Errorf("mail_message_ids %s = record %d %s, want %d out", id, rid, dir, recordID)
		}
	}
}

// Work given to a group without an assignee is announced to the group's
// members, except the one who gave it.
func TestAssignmentToAGroupTellsItsMembers(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		inc, _, err := w.inc.Create(ctx, w.requester, incident.NewIncident{Title: "Shared drive is full"})
		if err != nil {
			t.Fatal(err)
		}
		w.deliver(t)
		w.update(t, w.agent1, inc, incident.Patch{AssignmentGroupID: &w.group})
		got := w.deliver(t)
		if r := recipients(got); !slices.Equal(r, []string{"grace@example.com"}) {
			t.Fatalf("group assignment: mail to %v, want the other member only", r)
		}
		if m := got[0]; !strings.Contains(m.Text, "was assigned to Service Desk by Alan Agent") {
			t.Errorf("group assignment text: %s", m.Text)
		}
	})
}

// Two nodes running the notifier at once queue each notification once.
func TestConcurrentNotifiersQueueOnce(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		const n = 30
		for i := range n {
			if _, _, err := w.inc.Create(ctx, w.requester, incident.NewIncident{Title: "Badge reader " + string(rune('A'+i%26))}); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		for range 2 {
			other := *w.notifier
			wg.Go(func() {
				for {
					k, err := outbox.Deliver(ctx, d, outbox.Consumer{Name: notify.ConsumerName, Batch: 4, Handle: other.Consumer().Handle}, w.clock.Now())
					if err != nil {
						t.Error(err)
						return
					}
					if k == 0 {
						return
					}
				}
			})
		}
		wg.Wait()
		w.notify(t)
		var queued, distinct int
		if err := d.Read.QueryRowContext(ctx, `SELECT count(*), count(DISTINCT record_id) FROM mail_queue`).Scan(&queued, &distinct); err != nil {
			t.Fatal(err)
		}
		if queued != n || distinct != n {
			t.Errorf("%d mails for %d records queued, want %d for %d", queued, distinct, n, n)
		}
	})
}

// Each assignment event tells whom the record went to then, even when the
// notifier reads a burst of them after the record moved on.
func TestBurstOfReassignments(t *testing.T) {
	t.Parallel()
	w := newWorld(t, dbtest.New(t, db.SQLite))
	inc, _, err := w.inc.Create(ctx, w.requester, incident.NewIncident{Title: "Phone has no dial tone"})
	if err != nil {
		t.Fatal(err)
	}
	w.deliver(t)
	w.update(t, w.manager, inc, incident.Patch{AssignmentGroupID: &w.group, AssigneeID: &w.agent2.UserID})
	w.update(t, w.manager, inc, incident.Patch{AssigneeID: &w.agent1.UserID})
	got := w.deliver(t)
	if r := recipients(got); !slices.Equal(r, []string{"alan@example.com", "grace@example.com"}) {
		t.Fatalf("two reassignments: mail to %v, want each assignee once", r)
	}
}
