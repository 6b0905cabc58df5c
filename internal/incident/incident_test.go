package incident_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"steward/internal/auth"
	"steward/internal/incident"
	"steward/internal/platform/cursor"
	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
	"steward/internal/platform/fault"
	"steward/internal/record"
)

var ctx = context.Background()

// clock is a controllable Service.Now, safe for concurrent use.
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

// world is a small organisation: two assignment groups, an agent in each,
// and two requesters.
type world struct {
	d         *db.DB
	svc       *incident.Service
	clock     *clock
	agent     auth.Principal // member of group
	agent2    auth.Principal // member of group2 only
	requester auth.Principal
	other     auth.Principal // a second requester
	group     int64          // "Service Desk"
	group2    int64          // "Network"
}

func newWorld(t *testing.T, d *db.DB) *world {
	t.Helper()
	as := auth.NewService(d)
	w := &world{d: d, clock: &clock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}}
	w.svc = incident.NewService(d, cursor.NewSigner([]byte("test-key")))
	w.svc.Now = w.clock.Now
	w.group = newGroup(t, as, "Service Desk")
	w.group2 = newGroup(t, as, "Network")
	w.agent = newPrincipal(t, as, "alice@example.com", auth.Agent, w.group)
	w.agent2 = newPrincipal(t, as, "nick@example.com", auth.Agent, w.group2)
	w.requester = newPrincipal(t, as, "rita@example.com", auth.Requester)
	w.other = newPrincipal(t, as, "oscar@example.com", auth.Requester)
	return w
}

func newGroup(t *testing.T, as *auth.Service, name string) int64 {
	t.Helper()
	g, err := as.CreateGroup(ctx, auth.System, auth.GroupInput{Name: name})
	if err != nil {
		t.Fatalf("CreateGroup(%s): %v", name, err)
	}
	return g.ID
}

// newPrincipal creates an account (no password: no hashing cost) in groups
// and returns it as a signed-in principal.
func newPrincipal(t *testing.T, as *auth.Service, email string, role auth.Role, groups ...int64) auth.Principal {
	t.Helper()
	name, _, _ := strings.Cut(email, "@")
	u, err := as.CreateUser(ctx, auth.System, auth.NewUser{Email: email, Name: name, Role: role})
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	for _, g := range groups {
		if err := as.SetMember(ctx, auth.System, g, u.ID, true); err != nil {
			t.Fatalf("SetMember: %v", err)
		}
	}
	p, err := as.PrincipalFor(ctx, u.ID)
	if err != nil {
		t.Fatalf("PrincipalFor: %v", err)
	}
	return p
}

// create reports an incident as actor; opts adjust the input.
func (w *world) create(t *testing.T, actor auth.Principal, opts ...func(*incident.NewIncident)) incident.Incident {
	t.Helper()
	in := incident.NewIncident{Title: "Laptop will not start", Description: "Black screen after the update."}
	for _, o := range opts {
		o(&in)
	}
	inc, created, err := w.svc.Create(ctx, actor, in)
	if err != nil || !created {
		t.Fatalf("Create(%+v) = %v, created %v", in, err, created)
	}
	return inc
}

func title(s string) func(*incident.NewIncident) {
	return func(in *incident.NewIncident) { in.Title = s }
}

func forRequester(id int64) func(*incident.NewIncident) {
	return func(in *incident.NewIncident) { in.RequesterID = id }
}

func assigned(group, assignee int64) func(*incident.NewIncident) {
	return func(in *incident.NewIncident) { in.AssignmentGroupID, in.AssigneeID = group, assignee }
}

func levels(impact, urgency record.Level) func(*incident.NewIncident) {
	return func(in *incident.NewIncident) { in.Impact, in.Urgency = impact, urgency }
}

// get reads an incident as the agent.
func (w *world) get(t *testing.T, number string) incident.Incident {
	t.Helper()
	inc, err := w.svc.Get(ctx, w.agent, number)
	if err != nil {
		t.Fatalf("Get(%s): %v", number, err)
	}
	return inc
}

// patch updates number as actor at its current version.
func (w *world) patch(t *testing.T, actor auth.Principal, number string, p incident.Patch) (incident.Incident, error) {
	t.Helper()
	return w.svc.Update(ctx, actor, number, w.get(t, number).Version, p)
}

// mustPatch is patch that fails the test on error.
func (w *world) mustPatch(t *testing.T, number string, p incident.Patch) incident.Incident {
	t.Helper()
	inc, err := w.patch(t, w.agent, number, p)
	if err != nil {
		t.Fatalf("Update(%s): %v", number, err)
	}
	return inc
}

func count(t *testing.T, d *db.DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := d.Read.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// rows counts the rows a write may add.
type rows struct{ Records, Incidents, Journal, Outbox, Counter int64 }

func (w *world) rows(t *testing.T) rows {
	t.Helper()
	return rows{
		Records:   count(t, w.d, `SELECT count(*) FROM records`),
		Incidents: count(t, w.d, `SELECT count(*) FROM incidents`),
		Journal:   count(t, w.d, `SELECT count(*) FROM journal`),
		Outbox:    count(t, w.d, `SELECT count(*) FROM outbox`),
		Counter:   count(t, w.d, `SELECT coalesce(max(next_value), 0) FROM counters`),
	}
}

// fieldsOf returns the fields of a *fault.ValidationError, failing otherwise.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	names, ok := fault.FieldNames(err)
	if !ok {
		t.Fatalf("error = %v, want a *fault.ValidationError", err)
	}
	return names
}

func numbers(incs []incident.Incident) []string {
	var out []string
	for _, in := range incs {
		out = append(out, in.Number)
	}
	return out
}

func TestCreateNumbersAreUniqueAndGapFreeUnderConcurrency(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		const workers, each = 32, 5
		var mu sync.Mutex
		var got []string
		var wg sync.WaitGroup
		for i := range workers {
			actor := w.requester
			if i%2 == 1 {
				actor = w.agent
			}
			wg.Go(func() {
				for j := range each {
					inc, _, err := w.svc.Create(ctx, actor, incident.NewIncident{Title: fmt.Sprintf("worker %d #%d", i, j)})
					if err != nil {
						t.Errorf("worker %d: Create: %v", i, err)
						return
					}
					mu.Lock()
					got = append(got, inc.Number)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		want := make([]string, workers*each)
		for i := range want {
			want[i] = fmt.Sprintf("INC%07d", i+1)
		}
		slices.Sort(got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("numbers (-want +got):\n%s", diff)
		}
		if n := count(t, d, `SELECT count(DISTINCT number) FROM records`); n != workers*each {
			t.Errorf("distinct stored numbers = %d, want %d", n, workers*each)
		}
		if n := count(t, d, `SELECT count(*) FROM outbox WHERE topic = 'record.created'`); n != workers*each {
			t.Errorf("record.created events = %d, want %d", n, workers*each)
		}
	})
}

func TestUpdateNeedsTheCurrentVersion(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		inc := w.create(t, w.requester)
		if inc.Version != 1 {
			t.Fatalf("new incident at version %d, want 1", inc.Version)
		}
		v2, err := w.svc.Update(ctx, w.agent, inc.Number, 1, incident.Patch{Title: new("Laptop boots to a black screen")})
		if err != nil || v2.Version != 2 || v2.Title != "Laptop boots to a black screen" {
			t.Fatalf("Update(version 1) = %+v, %v; want version 2", v2, err)
		}
		before := w.rows(t)
		_, err = w.svc.Update(ctx, w.agent, inc.Number, 1, incident.Patch{Title: new("lost update")})
		var stale *fault.StaleError
		if !errors.As(err, &stale) || stale.Current != 2 {
			t.Fatalf("Update(old version) = %v, want *fault.StaleError{Current: 2}", err)
		}
		if diff := cmp.Diff(v2, w.get(t, inc.Number)); diff != "" {
			t.Errorf("stale update changed the incident (-want +got):\n%s", diff)
		}
		if after := w.rows(t); after != before {
			t.Errorf("stale update wrote rows: %+v -> %+v", before, after)
		}
		if _, err := w.svc.Update(ctx, w.agent, inc.Number, 0, incident.Patch{Title: new("blind write")}); !errors.Is(err, fault.ErrPreconditionRequired) {
			t.Errorf("Update(version 0) = %v, want ErrPreconditionRequired", err)
		}

		for round := range 3 {
			version := w.get(t, inc.Number).Version
			errs := make([]error, 2)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range errs {
				wg.Go(func() {
					<-start
					_, errs[i] = w.svc.Update(ctx, w.agent, inc.Number, version, incident.Patch{Title: new(fmt.Sprintf("round %d writer %d", round, i))})
				})
			}
			close(start)
			wg.Wait()
			winners, stales := 0, 0
			for _, err := range errs {
				switch {
				case err == nil:
					winners++
				case errors.As(err, &stale) && stale.Current == version+1:
					stales++
				default:
					t.Errorf("round %d: unexpected error %v", round, err)
				}
			}
			if winners != 1 || stales != 1 {
				t.Errorf("round %d: %d winners and %d stale, want exactly one of each (%v)", round, winners, stales, errs)
			}
			if got := w.get(t, inc.Number).Version; got != version+1 {
				t.Errorf("round %d: version %d, want %d", round, got, version+1)
			}
		}
	})
}

// entry summarises a journal entry for comparisons.
func entry(e record.Entry) string {
	return fmt.Sprintf("%s %s [%s > %s] %q by %s", e.Kind, e.Field, e.OldValue, e.NewValue, e.Body, e.ActorName)
}

func (w *world) journal(t *testing.T, actor auth.Principal, number string) []string {
	t.Helper()
	es, err := w.svc.Journal(ctx, actor, number, 0, 0)
	if err != nil {
		t.Fatalf("Journal(%s): %v", number, err)
	}
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = entry(e)
	}
	return out
}

func TestJournalRecordsWhoChangedWhat(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		inc := w.create(t, w.agent, forRequester(w.requester.UserID), assigned(w.group, 0), title("VPN drops"))
		if !inc.FirstResponseAt.IsZero() {
			t.Errorf("FirstResponseAt set on create: %v", inc.FirstResponseAt)
		}
		w.clock.Advance(time.Minute)
		upd := w.mustPatch(t, inc.Number, incident.Patch{
			Title: new("VPN drops every hour"), AssignmentGroupID: new(w.group2), State: new(incident.InProgress)})
		if !upd.FirstResponseAt.Equal(w.clock.Now()) {
			t.Errorf("FirstResponseAt = %v, want the time work started %v", upd.FirstResponseAt, w.clock.Now())
		}
		if upd.ReassignmentCount != 1 {
			t.Errorf("ReassignmentCount = %d, want 1", upd.ReassignmentCount)
		}
		if _, err := w.svc.Comment(ctx, w.agent, inc.Number, true, "Concentrator logs show resets."); err != nil {
			t.Fatalf("work note: %v", err)
		}
		if _, err := w.svc.Comment(ctx, w.agent, inc.Number, false, "We are looking into it."); err != nil {
			t.Fatalf("comment: %v", err)
		}
		if _, err := w.svc.Comment(ctx, w.requester, inc.Number, false, "Thanks!"); err != nil {
			t.Fatalf("requester comment: %v", err)
		}
		titleChange := `field_change title [VPN drops > VPN drops every hour] "" by alice`
		stateChange := `field_change state [new > in_progress] "" by alice`
		groupChange := fmt.Sprintf(`field_change assignment_group_id [%d > %d] "" by alice`, w.group, w.group2)
		workNote := `work_note  [ > ] "Concentrator logs show resets." by alice`
		comment := `comment  [ > ] "We are looking into it." by alice`
		thanks := `comment  [ > ] "Thanks!" by rita`
		if diff := cmp.Diff([]string{titleChange, stateChange, groupChange, workNote, comment, thanks},
			w.journal(t, w.agent, inc.Number)); diff != "" {
			t.Errorf("agent's journal (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{titleChange, stateChange, comment, thanks},
			w.journal(t, w.requester, inc.Number)); diff != "" {
			t.Errorf("requester's journal (-want +got):\n%s", diff)
		}
		all, err := w.svc.Journal(ctx, w.agent, inc.Number, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range all {
			if e.ActorID == 0 || e.RecordID != inc.ID || e.At.IsZero() {
				t.Errorf("entry without actor, record or time: %+v", e)
			}
		}
		page, err := w.svc.Journal(ctx, w.agent, inc.Number, all[2].ID, 2)
		if err != nil || len(page) != 2 || page[0].ID != all[3].ID || page[1].ID != all[4].ID {
			t.Errorf("Journal(after entry 3, limit 2) = %+v, %v", page, err)
		}

		if _, err := d.Write.ExecContext(ctx, `UPDATE journal SET body = 'forged' WHERE record_id = $1`, inc.ID); err == nil {
			t.Error("UPDATE journal succeeded, want the append-only trigger to refuse it")
		}
		again, err := w.svc.Journal(ctx, w.agent, inc.Number, 0, 0)
		if err != nil || !cmp.Equal(all, again) {
			t.Errorf("journal changed by a refused UPDATE (%v):\n%s", err, cmp.Diff(all, again))
		}
	})
}

func TestAttachmentsRoundTripAndAreGuarded(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		mine := w.create(t, w.requester)
		theirs := w.create(t, w.other)
		data := make([]byte, 200<<10)
		rand.Read(data)
		data[0], data[len(data)-1] = 0, 0
		clear(data[1000:1100])

		a1, err := w.svc.Attach(ctx, w.requester, mine.Number, "../../etc/passwd", "", data)
		if err != nil {
			t.Fatalf("Attach: %v", err)
		}
		if a1.Name != "passwd" || a1.Size != int64(len(data)) || a1.ContentType != "application/octet-stream" {
			t.Errorf("attachment = %+v, want name passwd, size %d, sniffed octet-stream", a1, len(data))
		}
		a2, err := w.svc.Attach(ctx, w.agent, mine.Number, "dump.bin", "application/x-dump; charset=binary", data)
		if err != nil {
			t.Fatalf("Attach again: %v", err)
		}
		if a2.ContentType != "application/x-dump" || a2.SHA256 != a1.SHA256 || a2.ID == a1.ID {
			t.Errorf("second attachment = %+v", a2)
		}
		if n := count(t, d, `SELECT count(*) FROM blobs`); n != 1 {
			t.Errorf("blobs = %d, want 1 (same content stored once)", n)
		}
		if n := count(t, d, `SELECT count(*) FROM attachments WHERE record_id = $1`, mine.ID); n != 2 {
			t.Errorf("attachments = %d, want 2", n)
		}
		for _, id := range []int64{a1.ID, a2.ID} {
			for _, p := range []auth.Principal{w.requester, w.agent, w.agent2} {
				a, b, err := w.svc.Download(ctx, p, id)
				if err != nil || !bytes.Equal(b, data) || a.ID != id {
					t.Errorf("Download(%d) as %s = %d bytes, %v; want the %d bytes uploaded", id, p.Name, len(b), err, len(data))
				}
			}
			if a, b, err := w.svc.Download(ctx, w.other, id); !errors.Is(err, fault.ErrNotFound) || b != nil || a.Name != "" {
				t.Errorf("Download(%d) by another requester = %+v, %d bytes, %v; want ErrNotFound and nothing", id, a, len(b), err)
			}
		}
		// The same bytes on another's incident: access is per attachment row.
		a3, err := w.svc.Attach(ctx, w.other, theirs.Number, "copy.bin", "", data)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.svc.Download(ctx, w.requester, a3.ID); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("Download of another's attachment with the same content = %v, want ErrNotFound", err)
		}
		if _, err := w.svc.Attach(ctx, w.requester, theirs.Number, "x.txt", "", []byte("x")); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("Attach to another's incident = %v, want ErrNotFound", err)
		}
		if _, _, err := w.svc.Download(ctx, w.agent, 9999); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("Download(unknown) = %v, want ErrNotFound", err)
		}
		list, err := w.svc.Attachments(ctx, w.requester, mine.Number)
		if err != nil || len(list) != 2 || list[0].ID != a1.ID || list[1].ID != a2.ID {
			t.Errorf("Attachments = %+v, %v", list, err)
		}
		if got := w.journal(t, w.agent, mine.Number); len(got) != 2 || !strings.HasPrefix(got[0], "system attachment [ > passwd]") {
			t.Errorf("agent's journal = %q, want the two attachments", got)
		}
	})
}

func TestFirstResponseIsTheFirstPublicAgentAction(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		inc := w.create(t, w.requester)
		for _, c := range []struct {
			actor    auth.Principal
			internal bool
		}{{w.requester, false}, {w.agent, true}} {
			w.clock.Advance(time.Minute)
			if _, err := w.svc.Comment(ctx, c.actor, inc.Number, c.internal, "note"); err != nil {
				t.Fatal(err)
			}
		}
		if got := w.get(t, inc.Number); !got.FirstResponseAt.IsZero() || got.Version != 3 {
			t.Errorf("after the requester's comment and a work note: first response %v, version %d; want none, 3",
				got.FirstResponseAt, got.Version)
		}
		w.clock.Advance(time.Minute)
		answered := w.clock.Now()
		if _, err := w.svc.Comment(ctx, w.agent, inc.Number, false, "On it."); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(time.Minute)
		if _, err := w.svc.Comment(ctx, w.agent2, inc.Number, false, "Me too."); err != nil {
			t.Fatal(err)
		}
		if got := w.get(t, inc.Number); !got.FirstResponseAt.Equal(answered) || !got.UpdatedAt.Equal(w.clock.Now()) {
			t.Errorf("first response %v, updated %v; want %v, %v", got.FirstResponseAt, got.UpdatedAt, answered, w.clock.Now())
		}
	})
}

func TestAttachmentNames(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		inc := w.create(t, w.requester)
		tests := []struct{ in, want string }{ // want "": refused
			{"../../etc/passwd", "passwd"},
			{`C:\Users\rita\report.pdf`, "report.pdf"},
			{"in\x00voice\r\n.pdf", "invoice.pdf"},
			{`say "hi".txt`, "say hi.txt"},
			{"résumé.pdf", "résumé.pdf"},
			{"<script>alert(1)</script>.html", "script>.html"},
			{"", ""},
			{"/", ""},
			{".", ""},
			{"..", ""},
			{"../..", ""},
			{"a/b/../..", ""},
			{"\x01\x02", ""},
			{strings.Repeat("a", incident.MaxAttachmentName+1), ""},
			{"bad\xff.txt", "bad\uFFFD.txt"}, // invalid UTF-8 is replaced
		}
		for _, tt := range tests {
			a, err := w.svc.Attach(ctx, w.requester, inc.Number, tt.in, "text/plain", []byte("x"))
			if tt.want == "" {
				if err == nil || !slices.Equal(fieldsOf(t, err), []string{"name"}) {
					t.Errorf("Attach(name %q) = %q, %v; want a validation error on name", tt.in, a.Name, err)
				}
				continue
			}
			if err != nil || a.Name != tt.want {
				t.Errorf("Attach(name %q) = %q, %v; want %q", tt.in, a.Name, err, tt.want)
			}
		}
		if _, err := w.svc.Attach(ctx, w.requester, inc.Number, "empty.txt", "", nil); !slices.Equal(fieldsOf(t, err), []string{"file"}) {
			t.Errorf("Attach(empty) = %v, want a validation error on file", err)
		}
	})
}

// reach moves a fresh incident to state along the usual path.
func (w *world) reach(t *testing.T, state string) incident.Incident {
	t.Helper()
	inc := w.create(t, w.requester)
	paths := map[string][]incident.Patch{
		incident.New:        nil,
		incident.InProgress: {{State: new(incident.InProgress)}},
		incident.OnHold:     {{State: new(incident.OnHold), OnHoldReason: new("awaiting_vendor")}},
		incident.Resolved:   {resolve},
		incident.Closed:     {resolve, {State: new(incident.Closed)}},
		incident.Canceled:   {{State: new(incident.Canceled), CancelReason: new("reported twice")}},
	}
	for _, p := range paths[state] {
		inc = w.mustPatch(t, inc.Number, p)
	}
	if inc.State != state {
		t.Fatalf("reached %s, want %s", inc.State, state)
	}
	return inc
}

var resolve = incident.Patch{State: new(incident.Resolved), ResolutionCode: new("solved"), ResolutionNotes: new("Replaced the toner.")}

func TestLifecycleTransitions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from  string
		patch incident.Patch
		want  []string // fields of the validation error; nil: allowed
	}{
		{incident.New, incident.Patch{State: new(incident.InProgress)}, nil},
		{incident.New, incident.Patch{State: new(incident.OnHold), OnHoldReason: new("awaiting_requester")}, nil},
		{incident.New, resolve, nil},
		{incident.New, incident.Patch{State: new(incident.Canceled), CancelReason: new("not an incident")}, nil},
		{incident.InProgress, incident.Patch{State: new(incident.OnHold), OnHoldReason: new("awaiting_change")}, nil},
		{incident.InProgress, resolve, nil},
		{incident.InProgress, incident.Patch{State: new(incident.Canceled), CancelReason: new("duplicate")}, nil},
		{incident.OnHold, incident.Patch{State: new(incident.InProgress)}, nil},
		{incident.OnHold, resolve, nil},
		{incident.OnHold, incident.Patch{State: new(incident.Canceled), CancelReason: new("gone away")}, nil},
		{incident.Resolved, incident.Patch{State: new(incident.InProgress)}, nil},
		{incident.Resolved, incident.Patch{State: new(incident.Closed)}, nil},
		{incident.InProgress, incident.Patch{State: new(incident.InProgress)}, nil}, // no move

		{incident.New, incident.Patch{State: new(incident.Closed)}, []string{"state"}},
		{incident.InProgress, incident.Patch{State: new(incident.New)}, []string{"state"}},
		{incident.OnHold, incident.Patch{State: new(incident.Closed)}, []string{"state"}},
		{incident.Resolved, incident.Patch{State: new(incident.OnHold), OnHoldReason: new("awaiting_vendor")}, []string{"state"}},
		{incident.Resolved, incident.Patch{State: new(incident.Canceled), CancelReason: new("x")}, []string{"state"}},
		{incident.Closed, incident.Patch{State: new(incident.InProgress)}, []string{"state"}},
		{incident.Canceled, incident.Patch{State: new(incident.InProgress)}, []string{"state"}},
		{incident.New, incident.Patch{State: new("open")}, []string{"state"}},
		{incident.New, incident.Patch{State: new(incident.Resolved)}, []string{"resolution_code", "resolution_notes"}},
		{incident.InProgress, incident.Patch{State: new(incident.Resolved), ResolutionCode: new("solved"), ResolutionNotes: new("  ")}, []string{"resolution_notes"}},
		{incident.InProgress, incident.Patch{State: new(incident.Resolved), ResolutionCode: new("magic"), ResolutionNotes: new("n")}, []string{"resolution_code"}},
		{incident.InProgress, incident.Patch{State: new(incident.OnHold)}, []string{"on_hold_reason"}},
		{incident.InProgress, incident.Patch{State: new(incident.OnHold), OnHoldReason: new("lunch")}, []string{"on_hold_reason"}},
		{incident.New, incident.Patch{State: new(incident.Canceled)}, []string{"cancel_reason"}},
	}
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		for _, tt := range tests {
			inc := w.reach(t, tt.from)
			to := *tt.patch.State
			w.clock.Advance(time.Minute)
			got, err := w.patch(t, w.agent, inc.Number, tt.patch)
			if tt.want != nil {
				if diff := cmp.Diff(tt.want, fieldsOf(t, err)); diff != "" {
					t.Errorf("%s -> %s: fields (-want +got):\n%s", tt.from, to, diff)
				}
				if diff := cmp.Diff(inc, w.get(t, inc.Number)); diff != "" {
					t.Errorf("%s -> %s: refused move changed the incident (-want +got):\n%s", tt.from, to, diff)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s -> %s: %v", tt.from, to, err)
				continue
			}
			if got.State != to {
				t.Errorf("%s -> %s: state %s", tt.from, to, got.State)
			}
			now := w.clock.Now()
			st, _ := incident.Lifecycle.State(to)
			switch {
			case to == tt.from:
			case st.Resolved && !got.ResolvedAt.Equal(now):
				t.Errorf("%s -> %s: resolved_at = %v, want %v", tt.from, to, got.ResolvedAt, now)
			case st.Final && !got.ClosedAt.Equal(now):
				t.Errorf("%s -> %s: closed_at = %v, want %v", tt.from, to, got.ClosedAt, now)
			case st.Open && (!got.ClosedAt.IsZero() || !got.ResolvedAt.IsZero()):
				t.Errorf("%s -> %s: open incident with resolved_at %v, closed_at %v", tt.from, to, got.ResolvedAt, got.ClosedAt)
			}
			if (to == incident.OnHold) != (got.OnHoldReason != "") {
				t.Errorf("%s -> %s: on_hold_reason %q", tt.from, to, got.OnHoldReason)
			}
		}
	})
}

func TestReopenClearsTheResolution(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		inc := w.reach(t, incident.Resolved)
		if inc.ResolutionCode != "solved" || inc.ResolutionNotes == "" || inc.ResolvedAt.IsZero() {
			t.Fatalf("resolved incident = %+v", inc)
		}
		got := w.mustPatch(t, inc.Number, incident.Patch{State: new(incident.InProgress)})
		if got.ResolutionCode != "" || got.ResolutionNotes != "" || !got.ResolvedAt.IsZero() || got.State != incident.InProgress {
			t.Errorf("reopened incident keeps its resolution: %+v", got)
		}
		j := w.journal(t, w.requester, inc.Number)
		want := []string{
			`field_change state [resolved > in_progress] "" by alice`,
			`field_change resolution_code [solved > ] "" by alice`,
			`field_change resolution_notes [Replaced the toner. > ] "" by alice`,
		}
		if diff := cmp.Diff(want, j[len(j)-3:]); diff != "" {
			t.Errorf("requester's journal after reopening (-want +got):\n%s", diff)
		}
	})
}

func TestPriorityMatrixAndOverride(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		H, M, L := record.High, record.Medium, record.Low
		for _, tt := range []struct {
			impact, urgency record.Level
			want            int
		}{
			{H, H, 1}, {H, M, 2}, {H, L, 3},
			{M, H, 2}, {M, M, 3}, {M, L, 4},
			{L, H, 3}, {L, M, 4}, {L, L, 5},
		} {
			inc := w.create(t, w.requester, levels(tt.impact, tt.urgency))
			if inc.Priority != tt.want || inc.PriorityOverridden {
				t.Errorf("impact %s, urgency %s: P%d (overridden %v), want P%d", tt.impact, tt.urgency, inc.Priority, inc.PriorityOverridden, tt.want)
			}
			if p, err := w.svc.MatrixPriority(ctx, tt.impact, tt.urgency); err != nil || p != tt.want {
				t.Errorf("MatrixPriority(%s, %s) = %d, %v", tt.impact, tt.urgency, p, err)
			}
		}
		if _, err := w.svc.MatrixPriority(ctx, 0, H); err == nil {
			t.Error("MatrixPriority(0, high) succeeded")
		}

		inc := w.create(t, w.requester) // medium, medium: P3
		for _, tt := range []struct {
			p    incident.Patch
			want []string
		}{
			{incident.Patch{Priority: new(1)}, []string{"priority_reason"}},
			{incident.Patch{Priority: new(1), PriorityReason: new("   ")}, []string{"priority_reason"}},
			{incident.Patch{Priority: new(0), PriorityReason: new("why not")}, []string{"priority"}},
			{incident.Patch{Priority: new(6), PriorityReason: new("why not")}, []string{"priority"}},
		} {
			_, err := w.patch(t, w.agent, inc.Number, tt.p)
			if diff := cmp.Diff(tt.want, fieldsOf(t, err)); diff != "" {
				t.Errorf("override %d: fields (-want +got):\n%s", *tt.p.Priority, diff)
			}
		}
		if got := w.get(t, inc.Number); got.Priority != 3 || got.Version != 1 {
			t.Errorf("refused overrides changed the incident: P%d version %d", got.Priority, got.Version)
		}
		if _, err := w.patch(t, w.requester, inc.Number, incident.Patch{Priority: new(1), PriorityReason: new("urgent!")}); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("requester override = %v, want ErrForbidden", err)
		}
		if _, _, err := w.svc.Create(ctx, w.requester, incident.NewIncident{Title: "x", Priority: 1, PriorityReason: "urgent!"}); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("requester create with priority = %v, want ErrForbidden", err)
		}

		got := w.mustPatch(t, inc.Number, incident.Patch{Priority: new(1), PriorityReason: new("Board demo at ten")})
		if got.Priority != 1 || !got.PriorityOverridden {
			t.Errorf("after override: P%d overridden %v, want P1 overridden", got.Priority, got.PriorityOverridden)
		}
		override := `field_change priority [3 > 1] "Board demo at ten" by alice`
		if j := w.journal(t, w.agent, inc.Number); !slices.Contains(j, override) {
			t.Errorf("agent's journal %q lacks %q", j, override)
		}
		if j := w.journal(t, w.requester, inc.Number); len(j) != 0 {
			t.Errorf("requester's journal shows internal priority changes: %q", j)
		}

		got = w.mustPatch(t, inc.Number, incident.Patch{Impact: new(record.High)})
		if got.Priority != 2 || got.PriorityOverridden {
			t.Errorf("after impact change: P%d overridden %v, want P2 from the matrix", got.Priority, got.PriorityOverridden)
		}
		if j := w.journal(t, w.agent, inc.Number); !slices.Contains(j, `field_change priority [1 > 2] "" by alice`) {
			t.Errorf("agent's journal %q lacks the recomputed priority", j)
		}

		vip := w.create(t, w.agent, levels(L, L), func(in *incident.NewIncident) { in.Priority, in.PriorityReason = 2, "VIP" })
		if vip.Priority != 2 || !vip.PriorityOverridden {
			t.Errorf("created with override: P%d overridden %v", vip.Priority, vip.PriorityOverridden)
		}
		if diff := cmp.Diff([]string{`field_change priority [5 > 2] "VIP" by alice`}, w.journal(t, w.agent, vip.Number)); diff != "" {
			t.Errorf("journal of created override (-want +got):\n%s", diff)
		}
		if _, _, err := w.svc.Create(ctx, w.agent, incident.NewIncident{Title: "x", Priority: 1}); !slices.Equal(fieldsOf(t, err), []string{"priority_reason"}) {
			t.Errorf("create override without reason = %v", err)
		}

		if err := record.SaveMatrix(ctx, d.Write, record.Matrix{{5, 5, 5}, {5, 5, 5}, {5, 5, 5}}); err != nil {
			t.Fatal(err)
		}
		if got := w.create(t, w.requester, levels(H, H)); got.Priority != 5 {
			t.Errorf("with a stored matrix of 5s: P%d", got.Priority)
		}
	})
}

func TestRequestersSeeOnlyTheirOwn(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		a1 := w.create(t, w.requester, title("A1"))
		a2 := w.create(t, w.requester, title("A2"))
		b := w.create(t, w.other, title("B"))
		forA := w.create(t, w.agent, title("for A"), forRequester(w.requester.UserID), assigned(w.group, w.agent.UserID))
		list := func(p auth.Principal, f record.Filter) []string {
			t.Helper()
			incs, next, err := w.svc.List(ctx, p, incident.ListInput{Filter: f, Sort: "number"})
			if err != nil || next != "" {
				t.Fatalf("List as %s = %v, next %q", p.Name, err, next)
			}
			return numbers(incs)
		}
		if diff := cmp.Diff([]string{a1.Number, a2.Number, forA.Number}, list(w.requester, record.Filter{})); diff != "" {
			t.Errorf("requester's list (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{b.Number}, list(w.other, record.Filter{})); diff != "" {
			t.Errorf("other requester's list (-want +got):\n%s", diff)
		}
		if got := list(w.requester, record.Filter{RequesterID: w.other.UserID}); len(got) != 0 {
			t.Errorf("requester filtering on another's records sees %v", got)
		}
		if got := list(w.agent, record.Filter{}); len(got) != 4 {
			t.Errorf("agent's list = %v, want all 4", got)
		}
		if _, err := w.svc.Get(ctx, w.requester, strings.ToLower(a1.Number)); err != nil {
			t.Errorf("Get(own, lower case) = %v", err)
		}
		for _, n := range []string{b.Number, "INC9999999", "../etc", ""} {
			if _, err := w.svc.Get(ctx, w.requester, n); !errors.Is(err, fault.ErrNotFound) {
				t.Errorf("Get(%q) by requester = %v, want ErrNotFound", n, err)
			}
		}
		if _, err := w.svc.Journal(ctx, w.requester, b.Number, 0, 0); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("Journal(another's) = %v, want ErrNotFound", err)
		}
		if _, err := w.svc.Comment(ctx, w.requester, b.Number, false, "hello?"); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("Comment(another's) = %v, want ErrNotFound", err)
		}

		if err := w.svc.Watch(ctx, w.requester, b.Number, w.requester.UserID); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("requester watching another's incident = %v, want ErrNotFound", err)
		}
		if err := w.svc.Watch(ctx, w.requester, a1.Number, w.other.UserID); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("requester adding a watcher = %v, want ErrForbidden", err)
		}
		if err := w.svc.Watch(ctx, w.agent, b.Number, w.requester.UserID); err != nil {
			t.Fatalf("Watch: %v", err)
		}
		got, err := w.svc.Get(ctx, w.requester, b.Number)
		if err != nil || len(got.Watchers) != 1 || got.Watchers[0].UserID != w.requester.UserID {
			t.Errorf("Get(watched) = %+v, %v", got.Watchers, err)
		}
		if !slices.Contains(list(w.requester, record.Filter{}), b.Number) {
			t.Error("watched incident missing from the watcher's list")
		}
		if _, err := w.svc.Comment(ctx, w.requester, b.Number, false, "Same here."); err != nil {
			t.Errorf("watcher's comment = %v", err)
		}
		if err := w.svc.Unwatch(ctx, w.agent, b.Number, w.requester.UserID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Get(ctx, w.requester, b.Number); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("Get after Unwatch = %v, want ErrNotFound", err)
		}

		before := w.rows(t)
		if _, err := w.patch(t, w.requester, a1.Number, incident.Patch{Title: new("mine now")}); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("requester Update = %v, want ErrForbidden", err)
		}
		if _, err := w.svc.Comment(ctx, w.requester, a1.Number, true, "secret"); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("requester work note = %v, want ErrForbidden", err)
		}
		for _, in := range []incident.NewIncident{
			{Title: "x", RequesterID: w.other.UserID},
			{Title: "x", AssignmentGroupID: w.group},
			{Title: "x", AssigneeID: w.agent.UserID},
		} {
			if _, _, err := w.svc.Create(ctx, w.requester, in); !errors.Is(err, fault.ErrForbidden) {
				t.Errorf("requester Create(%+v) = %v, want ErrForbidden", in, err)
			}
		}
		if links, err := w.svc.Links(ctx, w.requester, a1.Number); err != nil || links != nil {
			t.Errorf("requester Links = %v, %v; want none", links, err)
		}
		if _, err := w.svc.Link(ctx, w.requester, a1.Number, "related_to", a2.Number); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("requester Link = %v, want ErrForbidden", err)
		}
		if after := w.rows(t); after != before {
			t.Errorf("refused calls wrote rows: %+v -> %+v", before, after)
		}

		var nobody auth.Principal
		attachment, err := w.svc.Attach(ctx, w.requester, a1.Number, "a.txt", "", []byte("a"))
		if err != nil {
			t.Fatal(err)
		}
		for name, call := range map[string]func() error{
			"Get":    func() error { _, err := w.svc.Get(ctx, nobody, a1.Number); return err },
			"List":   func() error { _, _, err := w.svc.List(ctx, nobody, incident.ListInput{}); return err },
			"Create": func() error { _, _, err := w.svc.Create(ctx, nobody, incident.NewIncident{Title: "x"}); return err },
			"Update": func() error {
				_, err := w.svc.Update(ctx, nobody, a1.Number, 1, incident.Patch{Title: new("x")})
				return err
			},
			"Comment":  func() error { _, err := w.svc.Comment(ctx, nobody, a1.Number, false, "x"); return err },
			"Journal":  func() error { _, err := w.svc.Journal(ctx, nobody, a1.Number, 0, 0); return err },
			"Attach":   func() error { _, err := w.svc.Attach(ctx, nobody, a1.Number, "x", "", []byte("x")); return err },
			"Watch":    func() error { return w.svc.Watch(ctx, nobody, a1.Number, w.other.UserID) },
			"Links":    func() error { _, err := w.svc.Links(ctx, nobody, a1.Number); return err },
			"Unwatch":  func() error { return w.svc.Unwatch(ctx, nobody, a1.Number, w.other.UserID) },
			"Download": func() error { _, _, err := w.svc.Download(ctx, nobody, attachment.ID); return err },
		} {
			if err := call(); !errors.Is(err, fault.ErrUnauthenticated) {
				t.Errorf("%s without a principal = %v, want ErrUnauthenticated", name, err)
			}
		}
	})
}

func TestLinks(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		parent, child := w.create(t, w.requester), w.create(t, w.requester)
		l, err := w.svc.Link(ctx, w.agent, child.Number, "child_of", strings.ToLower(parent.Number))
		if err != nil || l.OtherNumber != parent.Number || l.Kind != "child_of" {
			t.Fatalf("Link = %+v, %v", l, err)
		}
		if links, err := w.svc.Links(ctx, w.agent, parent.Number); err != nil || len(links) != 1 || links[0].Kind != "parent_of" || links[0].OtherNumber != child.Number {
			t.Errorf("Links(parent) = %+v, %v", links, err)
		}
		if _, err := w.svc.Link(ctx, w.agent, parent.Number, "parent_of", child.Number); !errors.Is(err, fault.ErrConflict) {
			t.Errorf("duplicate link = %v, want ErrConflict", err)
		}
		for _, target := range []string{"INC9999999", "nonsense"} {
			if _, err := w.svc.Link(ctx, w.agent, child.Number, "related_to", target); !slices.Equal(fieldsOf(t, err), []string{"target"}) {
				t.Errorf("Link to %q = %v, want a validation error on target", target, err)
			}
		}
		if err := w.svc.Unlink(ctx, w.agent, parent.Number, l.ID); err != nil {
			t.Fatalf("Unlink: %v", err)
		}
		if err := w.svc.Unlink(ctx, w.agent, parent.Number, l.ID); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("Unlink again = %v, want ErrNotFound", err)
		}
		if n := count(t, d, `SELECT count(*) FROM outbox WHERE topic IN ('link.added', 'link.removed')`); n != 2 {
			t.Errorf("link events = %d, want 2", n)
		}
	})
}

// listAll pages through a list with limit and returns every incident.
func (w *world) listAll(t *testing.T, actor auth.Principal, in incident.ListInput) ([]incident.Incident, []int) {
	t.Helper()
	var all []incident.Incident
	var sizes []int
	for {
		page, next, err := w.svc.List(ctx, actor, in)
		if err != nil {
			t.Fatalf("List(%+v): %v", in, err)
		}
		all = append(all, page...)
		sizes = append(sizes, len(page))
		if next == "" {
			return all, sizes
		}
		if len(sizes) > 100 {
			t.Fatal("List does not end")
		}
		in.Cursor = next
	}
}

func TestListPagesFiltersAndSearches(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		lv := []record.Level{record.High, record.Medium, record.Low}
		var made []incident.Incident
		for i := range 25 {
			if i%4 == 0 {
				w.clock.Advance(time.Minute) // groups of four share opened_at
			}
			opts := []func(*incident.NewIncident){levels(lv[i%3], lv[(i/3)%3]), title(fmt.Sprintf("Issue %d", i))}
			switch i % 5 {
			case 0:
				opts = append(opts, assigned(w.group, w.agent.UserID))
			case 1:
				opts = append(opts, assigned(w.group2, 0))
			case 2:
				opts = append(opts, assigned(w.group, 0))
			}
			switch i {
			case 7:
				opts = append(opts, title("Printer on floor 3 jams"))
			case 12:
				opts = append(opts, func(in *incident.NewIncident) { in.Description = "The office printer prints blank pages." })
			}
			inc := w.create(t, w.agent, opts...)
			if i%4 == 1 {
				inc = w.mustPatch(t, inc.Number, incident.Patch{State: new(incident.InProgress)})
			}
			made = append(made, inc)
		}

		want := slices.Clone(made)
		slices.SortFunc(want, func(a, b incident.Incident) int {
			if a.Priority != b.Priority {
				return b.Priority - a.Priority
			}
			if c := a.OpenedAt.Compare(b.OpenedAt); c != 0 {
				return c
			}
			return int(a.ID - b.ID)
		})
		got, sizes := w.listAll(t, w.agent, incident.ListInput{Sort: "-priority,opened_at", Limit: 10})
		if diff := cmp.Diff(numbers(want), numbers(got)); diff != "" {
			t.Errorf("pages of -priority,opened_at (-want +got):\n%s", diff)
		}
		if !slices.Equal(sizes, []int{10, 10, 5}) {
			t.Errorf("page sizes = %v, want [10 10 5]", sizes)
		}
		for _, sort := range []string{"number", "-number", "updated_at,-priority", "-opened_at,number"} {
			got, _ := w.listAll(t, w.agent, incident.ListInput{Sort: sort, Limit: 7})
			if n := len(slices.Compact(slices.Sorted(slices.Values(numbers(got))))); len(got) != 25 || n != 25 {
				t.Errorf("sort %s: %d incidents, %d distinct; want 25 once each", sort, len(got), n)
			}
		}

		where := func(keep func(incident.Incident) bool) []string {
			var out []string
			for _, in := range made {
				if keep(in) {
					out = append(out, in.Number)
				}
			}
			return out
		}
		filters := []struct {
			name string
			f    record.Filter
			want []string
		}{
			{"state", record.Filter{States: []string{incident.InProgress}}, where(func(in incident.Incident) bool { return in.State == incident.InProgress })},
			{"assignee", record.Filter{AssigneeID: w.agent.UserID}, where(func(in incident.Incident) bool { return in.AssigneeID == w.agent.UserID })},
			{"no assignee", record.Filter{AssigneeID: record.Unassigned}, where(func(in incident.Incident) bool { return in.AssigneeID == 0 })},
			{"group", record.Filter{AssignmentGroupID: w.group}, where(func(in incident.Incident) bool { return in.AssignmentGroupID == w.group })},
			{"no group", record.Filter{AssignmentGroupID: record.Unassigned}, where(func(in incident.Incident) bool { return in.AssignmentGroupID == 0 })},
			{"priority", record.Filter{Priorities: []int{1, 2}}, where(func(in incident.Incident) bool { return in.Priority <= 2 })},
			{"new in group2", record.Filter{States: []string{incident.New}, AssignmentGroupID: w.group2},
				where(func(in incident.Incident) bool { return in.State == incident.New && in.AssignmentGroupID == w.group2 })},
			{"printer", record.Filter{Query: "printer"}, []string{made[7].Number, made[12].Number}},
			{"PRINTER!!", record.Filter{Query: "PRINTER!!"}, []string{made[7].Number, made[12].Number}},
			{"floor printer", record.Filter{Query: "floor printer"}, []string{made[7].Number}},
			{"scanner", record.Filter{Query: "scanner"}, nil},
		}
		for _, tt := range filters {
			if len(tt.want) == 0 && tt.name != "scanner" {
				t.Fatalf("%s: the test data matches nothing", tt.name)
			}
			got, _ := w.listAll(t, w.agent, incident.ListInput{Filter: tt.f, Sort: "number", Limit: 4})
			if diff := cmp.Diff(tt.want, numbers(got)); diff != "" {
				t.Errorf("filter %s (-want +got):\n%s", tt.name, diff)
			}
		}

		// Without a sort, search results come newest first.
		if got, _ := w.listAll(t, w.agent, incident.ListInput{Filter: record.Filter{Query: "printer"}, Limit: 1}); !slices.Equal(numbers(got), []string{made[12].Number, made[7].Number}) {
			t.Errorf("search without a sort = %v, want newest first", numbers(got))
		}

		_, next, err := w.svc.List(ctx, w.agent, incident.ListInput{Sort: "-priority,opened_at", Limit: 10})
		if err != nil || next == "" {
			t.Fatalf("first page: next %q, %v", next, err)
		}
		i := len(next) / 2
		flip := "A"
		if next[i] == 'A' {
			flip = "B"
		}
		for name, in := range map[string]incident.ListInput{
			"tampered":   {Sort: "-priority,opened_at", Cursor: next[:i] + flip + next[i+1:]},
			"other sort": {Sort: "number", Cursor: next},
			"garbage":    {Sort: "-priority,opened_at", Cursor: "not-a-cursor"},
		} {
			if _, _, err := w.svc.List(ctx, w.agent, in); !slices.Equal(fieldsOf(t, err), []string{"cursor"}) {
				t.Errorf("%s cursor: %v, want a validation error on cursor", name, err)
			}
		}
		if _, _, err := w.svc.List(ctx, w.agent, incident.ListInput{Sort: "-severity"}); !slices.Equal(fieldsOf(t, err), []string{"sort"}) {
			t.Errorf("unknown sort: %v, want a validation error on sort", err)
		}
		if _, _, err := w.svc.List(ctx, w.agent, incident.ListInput{Filter: record.Filter{States: []string{"open"}}}); !slices.Equal(fieldsOf(t, err), []string{"state"}) {
			t.Errorf("unknown state filter: %v, want a validation error on state", err)
		}
		if all, next, err := w.svc.List(ctx, w.agent, incident.ListInput{}); err != nil || len(all) != 25 || next != "" {
			t.Errorf("default list = %d incidents, next %q, %v", len(all), next, err)
		}

		w.mustPatch(t, made[7].Number, incident.Patch{Title: new("Scanner on floor 3 jams")})
		for q, want := range map[string][]string{"scanner": {made[7].Number}, "printer": {made[12].Number}} {
			got, _ := w.listAll(t, w.agent, incident.ListInput{Filter: record.Filter{Query: q}, Sort: "number"})
			if diff := cmp.Diff(want, numbers(got)); diff != "" {
				t.Errorf("search %q after a title change (-want +got):\n%s", q, diff)
			}
		}
	})
}

func TestBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		base := w.create(t, w.agent, assigned(w.group, w.agent.UserID))
		var missing int64 = 999
		create := func(in incident.NewIncident) func() error {
			return func() error { _, _, err := w.svc.Create(ctx, w.agent, in); return err }
		}
		update := func(p incident.Patch) func() error {
			return func() error { _, err := w.svc.Update(ctx, w.agent, base.Number, base.Version, p); return err }
		}
		tests := []struct {
			name string
			call func() error
			want []string
		}{
			{"create: empty title", create(incident.NewIncident{}), []string{"title"}},
			{"create: blank title", create(incident.NewIncident{Title: " \t\n"}), []string{"title"}},
			{"create: long title", create(incident.NewIncident{Title: strings.Repeat("x", incident.MaxTitle+1)}), []string{"title"}},
			{"create: invalid UTF-8 title", create(incident.NewIncident{Title: "bad \xff\xfe title"}), []string{"title"}},
			{"create: invalid UTF-8 description", create(incident.NewIncident{Title: "x", Description: "\xc3\x28"}), []string{"description"}},
			{"create: long description", create(incident.NewIncident{Title: "x", Description: strings.Repeat("x", incident.MaxDescription+1)}), []string{"description"}},
			{"create: bad impact and title", create(incident.NewIncident{Impact: 7}), []string{"title", "impact"}},
			{"create: unknown category", create(incident.NewIncident{Title: "x", CategoryID: missing}), []string{"category_id"}},
			{"create: unknown service", create(incident.NewIncident{Title: "x", ServiceID: missing}), []string{"service_id"}},
			{"create: unknown group", create(incident.NewIncident{Title: "x", AssignmentGroupID: missing}), []string{"assignment_group_id"}},
			{"create: unknown requester", create(incident.NewIncident{Title: "x", RequesterID: missing}), []string{"requester_id"}},
			{"create: assignee is a requester", create(incident.NewIncident{Title: "x", AssigneeID: w.other.UserID}), []string{"assignee_id"}},
			{"create: assignee not in group", create(incident.NewIncident{Title: "x", AssignmentGroupID: w.group, AssigneeID: w.agent2.UserID}), []string{"assignee_id"}},
			{"update: empty title", update(incident.Patch{Title: new("  ")}), []string{"title"}},
			{"update: invalid UTF-8", update(incident.Patch{Description: new("\xff")}), []string{"description"}},
			{"update: unknown category", update(incident.Patch{CategoryID: &missing}), []string{"category_id"}},
			{"update: assignee is a requester", update(incident.Patch{AssigneeID: new(w.requester.UserID)}), []string{"assignee_id"}},
			{"update: assignee not in group", update(incident.Patch{AssigneeID: new(w.agent2.UserID)}), []string{"assignee_id"}},
			{"update: group without the assignee", update(incident.Patch{AssignmentGroupID: new(w.group2)}), []string{"assignee_id"}},
			{"update: no requester", update(incident.Patch{RequesterID: new(int64(0))}), []string{"requester_id"}},
			{"update: unknown requester", update(incident.Patch{RequesterID: &missing}), []string{"requester_id"}},
			{"update: bad urgency", update(incident.Patch{Urgency: new(record.Level(0))}), []string{"urgency"}},
			{"update: bad on-hold reason", update(incident.Patch{OnHoldReason: new("lunch")}), []string{"on_hold_reason"}},
			{"comment: empty", func() error { _, err := w.svc.Comment(ctx, w.agent, base.Number, false, " "); return err }, []string{"body"}},
			{"comment: invalid UTF-8", func() error { _, err := w.svc.Comment(ctx, w.agent, base.Number, true, "\xff"); return err }, []string{"body"}},
		}
		for _, tt := range tests {
			before := w.rows(t)
			if diff := cmp.Diff(tt.want, fieldsOf(t, tt.call())); diff != "" {
				t.Errorf("%s: fields (-want +got):\n%s", tt.name, diff)
			}
			if after := w.rows(t); after != before {
				t.Errorf("%s: rows changed %+v -> %+v", tt.name, before, after)
			}
		}
		if diff := cmp.Diff(base, w.get(t, base.Number)); diff != "" {
			t.Errorf("incident changed by refused updates (-want +got):\n%s", diff)
		}
		if next := w.create(t, w.requester); next.Number != "INC0000002" {
			t.Errorf("next number after refused creates = %s, want INC0000002", next.Number)
		}
	})
}

func TestTextIsStoredVerbatim(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		sqlText, html := "'; DROP TABLE records; --", "<script>alert(1)</script>"
		inc := w.create(t, w.requester, title(sqlText), func(in *incident.NewIncident) { in.Description = html + "\n" + `\x00 %s $1 "quoted"` })
		got, err := w.svc.Get(ctx, w.requester, inc.Number)
		if err != nil || got.Title != sqlText || got.Description != html+"\n"+`\x00 %s $1 "quoted"` {
			t.Errorf("Get = %q / %q, %v; want the text as typed", got.Title, got.Description, err)
		}
		if _, err := w.svc.Comment(ctx, w.requester, inc.Number, false, html+sqlText); err != nil {
			t.Fatal(err)
		}
		if j := w.journal(t, w.requester, inc.Number); len(j) != 1 || !strings.Contains(j[0], html+sqlText) {
			t.Errorf("journal = %q, want the comment as typed", j)
		}
		if n := count(t, d, `SELECT count(*) FROM records`); n != 1 {
			t.Errorf("records = %d, want 1 (and the table still there)", n)
		}
		for _, q := range []string{sqlText, html, `printer" OR 1=1 --`, "a & b | !c", "*", `"`, "NEAR(", "ü–ü", "ﬁle", "'", `\`, ":*", "the"} {
			if _, _, err := w.svc.List(ctx, w.requester, incident.ListInput{Filter: record.Filter{Query: q}}); err != nil {
				t.Errorf("search %q: %v", q, err)
			}
		}
		found, _, err := w.svc.List(ctx, w.requester, incident.ListInput{Filter: record.Filter{Query: "drop table"}})
		if err != nil || len(found) != 1 {
			t.Errorf("search for words of the SQL = %d, %v; want the incident", len(found), err)
		}
	})
}

type event struct {
	Topic   string
	Payload map[string]any
}

func (w *world) events(t *testing.T, recordID int64) []event {
	t.Helper()
	rs, err := w.d.Read.QueryContext(ctx, `SELECT topic, payload FROM outbox WHERE record_id = $1 ORDER BY id`, recordID)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var out []event
	for rs.Next() {
		var e event
		var payload string
		if err := rs.Scan(&e.Topic, &payload); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(payload), &e.Payload); err != nil {
			t.Fatalf("payload %q: %v", payload, err)
		}
		out = append(out, e)
	}
	return out
}

func topics(es []event) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Topic)
	}
	return out
}

func TestEveryWriteLeavesAnEvent(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		inc := w.create(t, w.requester)
		want := []string{"record.created"}
		check := func(step string) {
			t.Helper()
			if diff := cmp.Diff(want, topics(w.events(t, inc.ID))); diff != "" {
				t.Errorf("after %s (-want +got):\n%s", step, diff)
			}
		}
		check("create")
		upd := w.mustPatch(t, inc.Number, incident.Patch{Title: new("Laptop still black"), State: new(incident.InProgress)})
		want = append(want, "record.updated")
		check("update")
		last := w.events(t, inc.ID)[1].Payload
		if last["number"] != inc.Number || last["state"] != incident.InProgress || !cmp.Equal(last["fields"], []any{"title", "state"}) {
			t.Errorf("record.updated payload = %v", last)
		}
		if _, err := w.svc.Update(ctx, w.agent, inc.Number, inc.Version, incident.Patch{Title: new("stale")}); err == nil {
			t.Fatal("stale update succeeded")
		}
		check("stale update")
		if _, err := w.patch(t, w.agent, inc.Number, incident.Patch{State: new(incident.Closed)}); err == nil {
			t.Fatal("in_progress -> closed succeeded")
		}
		check("refused move")
		same := w.mustPatch(t, inc.Number, incident.Patch{Title: new(upd.Title)})
		if same.Version != upd.Version {
			t.Errorf("update without changes moved the version %d -> %d", upd.Version, same.Version)
		}
		check("update without changes")
		if _, err := w.svc.Comment(ctx, w.requester, inc.Number, false, "any news?"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Comment(ctx, w.agent, inc.Number, true, "vendor called"); err != nil {
			t.Fatal(err)
		}
		want = append(want, "comment.added", "comment.added")
		check("comments")
		if _, err := w.svc.Attach(ctx, w.requester, inc.Number, "screen.png", "image/png", []byte("png")); err != nil {
			t.Fatal(err)
		}
		want = append(want, "attachment.added")
		check("attachment")

		// Make the outbox refuse rows: the write it belongs to must vanish too.
		failOutbox := map[db.Dialect][]string{
			db.SQLite: {`CREATE TRIGGER outbox_refuse BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'refused'); END`},
			db.Postgres: {
				`CREATE FUNCTION outbox_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END; $$`,
				`CREATE TRIGGER outbox_refuse BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION outbox_refuse()`,
			},
		}
		for _, q := range failOutbox[d.Dialect] {
			if _, err := d.Write.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		before, cur := w.rows(t), w.get(t, inc.Number)
		if _, _, err := w.svc.Create(ctx, w.requester, incident.NewIncident{Title: "lost"}); err == nil {
			t.Error("Create succeeded without its event")
		}
		if _, err := w.patch(t, w.agent, inc.Number, incident.Patch{Title: new("lost")}); err == nil {
			t.Error("Update succeeded without its event")
		}
		if _, err := w.svc.Comment(ctx, w.agent, inc.Number, false, "lost"); err == nil {
			t.Error("Comment succeeded without its event")
		}
		if after := w.rows(t); after != before {
			t.Errorf("writes without their events left rows: %+v -> %+v", before, after)
		}
		if diff := cmp.Diff(cur, w.get(t, inc.Number)); diff != "" {
			t.Errorf("incident changed by writes without their events (-want +got):\n%s", diff)
		}
	})
}

func TestCreateIsIdempotentPerUser(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		in := incident.NewIncident{Title: "Printer offline", IdempotencyKey: "form-123"}
		first, created, err := w.svc.Create(ctx, w.requester, in)
		if err != nil || !created {
			t.Fatalf("first Create = %v, created %v", err, created)
		}
		in.Title = "Printer offline (resent)"
		again, created, err := w.svc.Create(ctx, w.requester, in)
		if err != nil || created || again.Number != first.Number || again.Title != "Printer offline" {
			t.Errorf("repeated Create = %s %q created %v, %v; want %s unchanged, created false", again.Number, again.Title, created, err, first.Number)
		}
		theirs, created, err := w.svc.Create(ctx, w.other, in)
		if err != nil || !created || theirs.Number == first.Number {
			t.Errorf("another user's Create with the same key = %s created %v, %v; want a new incident", theirs.Number, created, err)
		}
		if n := count(t, d, `SELECT count(*) FROM records`); n != 2 {
			t.Errorf("records = %d, want 2", n)
		}

		const racers = 8
		results := make([]incident.Incident, racers)
		made := make([]bool, racers)
		var wg sync.WaitGroup
		for i := range racers {
			wg.Go(func() {
				var err error
				results[i], made[i], err = w.svc.Create(ctx, w.agent, incident.NewIncident{Title: "double click", IdempotencyKey: "race"})
				if err != nil {
					t.Errorf("racer %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		winners := 0
		for i := range racers {
			if made[i] {
				winners++
			}
			if results[i].Number != results[0].Number {
				t.Errorf("racer %d got %s, racer 0 %s", i, results[i].Number, results[0].Number)
			}
		}
		if winners != 1 {
			t.Errorf("%d racers created an incident, want 1", winners)
		}
		if next := w.create(t, w.requester); next.Number != "INC0000004" {
			t.Errorf("number after the race = %s, want INC0000004 (no gaps)", next.Number)
		}
	})
}
