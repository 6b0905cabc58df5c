package demo

import (
	"context"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"steward/internal/auth"
	"steward/internal/directory"
	"steward/internal/incident"
	"steward/internal/platform/cursor"
	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
	"steward/internal/record"
	"steward/internal/sla"
)

var ctx = context.Background()

// testNow is a Tuesday morning, so that the last days hold open work.
var testNow = time.Date(2026, 3, 3, 10, 30, 0, 0, time.UTC)

func services(d *db.DB) Services {
	return Services{DB: d, Auth: auth.NewService(d), Directory: directory.New(d),
		Incidents: incident.NewService(d, cursor.NewSigner([]byte("k"))), SLA: sla.NewService(d)}
}

func count(t *testing.T, d *db.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := d.Read.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

type counts struct {
	users, groups, members, orgs, categories, services, incidents, journal, outbox int
}

func snapshot(t *testing.T, d *db.DB) counts {
	return counts{
		users:      count(t, d, `SELECT count(*) FROM users`),
		groups:     count(t, d, `SELECT count(*) FROM groups`),
		members:    count(t, d, `SELECT count(*) FROM group_members`),
		orgs:       count(t, d, `SELECT count(*) FROM organisations`),
		categories: count(t, d, `SELECT count(*) FROM categories`),
		services:   count(t, d, `SELECT count(*) FROM services`),
		incidents:  count(t, d, `SELECT count(*) FROM records WHERE type = 'incident'`),
		journal:    count(t, d, `SELECT count(*) FROM journal`),
		outbox:     count(t, d, `SELECT count(*) FROM outbox`),
	}
}

func TestLoad(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := services(d)
		o := Options{Users: 40, Incidents: 60, Now: testNow}
		n, err := Load(ctx, s, o)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if n != 60 {
			t.Errorf("Load created %d incidents, want 60", n)
		}
		if s.Incidents.Now().Before(time.Now().Add(-time.Minute)) {
			t.Errorf("the incident service's clock was left changed")
		}
		if defs, cals := count(t, d, "SELECT count(*) FROM sla_definitions WHERE active"), count(t, d, "SELECT count(*) FROM calendars"); defs != 2 || cals != 1 {
			t.Errorf("service levels: %d definitions and %d calendars, want 2 and 1", defs, cals)
		}

		c := snapshot(t, d)
		want := counts{users: 42, groups: len(groupSpecs), orgs: len(orgSpecs), services: len(serviceSpecs), incidents: 60}
		for _, top := range categoryTree {
			want.categories += 1 + len(top.Children)
		}
		if c.users != want.users || c.groups != want.groups || c.orgs != want.orgs || c.categories != want.categories ||
			c.services != want.services || c.incidents != want.incidents {
			t.Errorf("counts = %+v, want %+v", c, want)
		}
		requesters := count(t, d, `SELECT count(*) FROM users WHERE role = 'requester'`)
		agents := count(t, d, `SELECT count(*) FROM users WHERE role = 'agent'`)
		managers := count(t, d, `SELECT count(*) FROM users WHERE role = 'manager'`)
		if requesters < 30 || agents < len(groupSpecs) || managers < 1 {
			t.Errorf("roles: %d requesters, %d agents, %d managers", requesters, agents, managers)
		}
		if n := count(t, d, `SELECT count(*) FROM users WHERE password_hash <> ''`); n != 2 {
			t.Errorf("%d accounts have a password, want only the 2 demo accounts", n)
		}
		if n := count(t, d, `SELECT count(*) FROM groups g WHERE NOT EXISTS (
			SELECT 1 FROM group_members m JOIN users u ON u.id = m.user_id WHERE m.group_id = g.id AND u.role = 'agent')`); n != 0 {
			t.Errorf("%d groups have no agent", n)
		}
		if n := count(t, d, `SELECT count(*) FROM services WHERE owner_group_id IS NULL`); n != 0 {
			t.Errorf("%d services have no owner", n)
		}
		if n := count(t, d, `SELECT count(*) FROM categories WHERE parent_id IS NOT NULL`); n < 15 {
			t.Errorf("%d subcategories", n)
		}

		// A realistic mix of states.
		states := map[string]int{}
		rows, err := d.Read.QueryContext(ctx, `SELECT state, count(*) FROM records WHERE type = 'incident' GROUP BY state`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var st string
			var n int
			if err := rows.Scan(&st, &n); err != nil {
				t.Fatal(err)
			}
			states[st] = n
		}
		rows.Close()
		t.Logf("states: %v", states)
		for _, st := range []string{incident.New, incident.InProgress, incident.Resolved, incident.Closed} {
			if states[st] == 0 {
				t.Errorf("no incident is %s: %v", st, states)
			}
		}
		if states[incident.Closed] < states[incident.New]+states[incident.InProgress]+states[incident.OnHold] {
			t.Errorf("expected mostly closed incidents: %v", states)
		}

		// Numbers are gap-free, in opening order.
		rows, err = d.Read.QueryContext(ctx, `SELECT seq, number, opened_at FROM records WHERE type = 'incident' ORDER BY seq`)
		if err != nil {
			t.Fatal(err)
		}
		var prev int64
		seen := map[string]bool{}
		for i := int64(1); rows.Next(); i++ {
			var seq, opened int64
			var number string
			if err := rows.Scan(&seq, &number, &opened); err != nil {
				t.Fatal(err)
			}
			if seq != i || number != record.FormatNumber(record.TypeIncident, i) || seen[number] {
				t.Errorf("incident %d has seq %d, number %s", i, seq, number)
			}
			seen[number] = true
			if opened < prev {
				t.Errorf("%s opened before the previous incident", number)
			}
			prev = opened
		}
		rows.Close()

		// The history lies between opening and now, with real people in it.
		end := testNow.UnixMilli()
		if n := count(t, d, `SELECT count(*) FROM records WHERE opened_at > $1 OR updated_at > $1 OR resolved_at > $1 OR closed_at > $1`, end); n != 0 {
			t.Errorf("%d incidents have times after Now", n)
		}
		if n := count(t, d, `SELECT count(*) FROM journal j JOIN records r ON r.id = j.record_id WHERE j.at > $1 OR j.at < r.opened_at`, end); n != 0 {
			t.Errorf("%d journal entries outside the incident's life", n)
		}
		if n := count(t, d, `SELECT count(*) FROM records WHERE opened_at < $1`, testNow.Add(-span-time.Hour).UnixMilli()); n != 0 {
			t.Errorf("%d incidents older than the span", n)
		}
		if n := count(t, d, `SELECT count(*) FROM journal WHERE actor_id IS NULL`); n != 0 {
			t.Errorf("%d journal entries by nobody", n)
		}
		comments := count(t, d, `SELECT count(*) FROM journal WHERE kind = 'comment'`)
		notes := count(t, d, `SELECT count(*) FROM journal WHERE kind = 'work_note'`)
		changes := count(t, d, `SELECT count(*) FROM journal WHERE kind = 'field_change'`)
		if comments < 20 || notes < 20 || changes < 100 {
			t.Errorf("journal: %d comments, %d work notes, %d field changes", comments, notes, changes)
		}
		if n := count(t, d, `SELECT count(*) FROM journal j JOIN records r ON r.id = j.record_id
			WHERE j.kind = 'comment' AND j.actor_id = r.requester_id`); n == 0 {
			t.Errorf("no requester commented")
		}
		if n := count(t, d, `SELECT count(*) FROM records r WHERE r.assignee_id IS NOT NULL AND NOT EXISTS (
			SELECT 1 FROM group_members m WHERE m.group_id = r.assignment_group_id AND m.user_id = r.assignee_id)`); n != 0 {
			t.Errorf("%d incidents assigned outside their group", n)
		}
		if n := count(t, d, `SELECT count(*) FROM records WHERE state IN ('in_progress', 'on_hold', 'resolved', 'closed') AND assignee_id IS NULL`); n != 0 {
			t.Errorf("%d worked incidents without an assignee", n)
		}
		if n := count(t, d, `SELECT count(*) FROM records r JOIN incidents i ON i.record_id = r.id
			WHERE r.state IN ('resolved', 'closed') AND (i.resolution_code = '' OR i.resolution_notes = '')`); n != 0 {
			t.Errorf("%d resolved incidents without a resolution", n)
		}
		if n := count(t, d, `SELECT count(*) FROM records WHERE requester_id = (SELECT id FROM users WHERE email = $1)`, RequesterEmail); n == 0 {
			t.Errorf("the demo requester has no incidents")
		}
		if n := count(t, d, `SELECT count(*) FROM records WHERE assignee_id = (SELECT id FROM users WHERE email = $1)`, AgentEmail); n == 0 {
			t.Errorf("the demo agent has no incidents")
		}
		if c.outbox < c.incidents {
			t.Errorf("%d outbox events for %d incidents", c.outbox, c.incidents)
		}

		// The demo accounts can sign in.
		p, err := s.Auth.Authenticate(ctx, AgentEmail, Password)
		if err != nil {
			t.Fatalf("Authenticate(%s): %v", AgentEmail, err)
		}
		if p.Role != auth.Agent || len(p.Groups) != 2 {
			t.Errorf("demo agent = %+v, want an agent in 2 groups", p)
		}
		if p, err := s.Auth.Authenticate(ctx, RequesterEmail, Password); err != nil || p.Role != auth.Requester {
			t.Errorf("Authenticate(%s) = %+v, %v", RequesterEmail, p, err)
		}
		list, _, err := s.Incidents.List(ctx, p, incident.ListInput{Limit: 5})
		if err != nil || len(list) == 0 {
			t.Errorf("the demo agent lists %d incidents, %v", len(list), err)
		}

		// Loading again does nothing.
		n, err = Load(ctx, s, o)
		if err != nil || n != 0 {
			t.Errorf("second Load = %d, %v; want 0, nil", n, err)
		}
		if again := snapshot(t, d); again != c {
			t.Errorf("second Load changed the data: %+v, was %+v", again, c)
		}
	})
}

// An interrupted load carries on where it stopped, without duplicating
// people or reference data.
func TestLoadResumes(t *testing.T) {
	d := dbtest.New(t, db.SQLite)
	s := services(d)
	o := Options{Users: 20, Incidents: 80, Now: testNow, Seed: 7}
	cctx, cancel := context.WithCancel(ctx)
	commits := 0
	s.Incidents.Committed = func() {
		if commits++; commits == 300 {
			cancel()
		}
	}
	n, err := Load(cctx, s, o)
	if err == nil {
		t.Fatalf("interrupted Load = %d, nil; want an error", n)
	}
	if n == 0 || n >= 80 {
		t.Fatalf("interrupted Load created %d incidents", n)
	}
	s.Incidents.Committed = nil
	m, err := Load(ctx, s, o)
	if err != nil {
		t.Fatalf("resumed Load: %v", err)
	}
	c := snapshot(t, d)
	if c.users != 22 || c.groups != len(groupSpecs) || c.orgs != len(orgSpecs) {
		t.Errorf("after resuming: %+v", c)
	}
	// Up to one checkpoint's worth may be repeated.
	if c.incidents < 80 || c.incidents > 80+25 || c.incidents != n+m {
		t.Errorf("after resuming: %d incidents (%d + %d)", c.incidents, n, m)
	}
}

func TestDeterministic(t *testing.T) {
	titles := func() []string {
		d := dbtest.New(t, db.SQLite)
		if _, err := Load(ctx, services(d), Options{Users: 15, Incidents: 20, Now: testNow, Seed: 3}); err != nil {
			t.Fatal(err)
		}
		rows, err := d.Read.QueryContext(ctx, `SELECT title || '|' || state || '|' || description FROM records ORDER BY seq`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			rows.Scan(&s)
			out = append(out, s)
		}
		return out
	}
	a, b := titles(), titles()
	if !slices.Equal(a, b) || len(a) != 20 {
		t.Errorf("two loads with one seed differ:\n%q\n%q", a, b)
	}
}

// Every template expands fully and every code it uses is one the incident
// service accepts.
func TestTexts(t *testing.T) {
	if len(Password) < auth.MinPasswordLength {
		t.Errorf("Password is shorter than %d", auth.MinPasswordLength)
	}
	r := rand.New(rand.NewPCG(1, 2))
	check := func(where, tpl string) {
		for range 5 {
			v := newVars(r, &orgSpecs[r.IntN(len(orgSpecs))], map[string]string{"first": "Ada", "agent": "Bo", "group": gNetwork})
			if s := v.expand(tpl); strings.ContainsAny(s, "{}") {
				t.Errorf("%s: %q expands to %q", where, tpl, s)
			}
		}
	}
	groups := map[string]bool{}
	for _, g := range groupSpecs {
		groups[g.Name] = true
	}
	services := map[string]bool{"": true}
	for _, s := range serviceSpecs {
		services[s.Name] = true
		if !groups[s.Owner] {
			t.Errorf("service %s: unknown owner %s", s.Name, s.Owner)
		}
	}
	cats := map[string]bool{}
	for _, top := range categoryTree {
		for _, sub := range top.Children {
			cats[top.Name+"/"+sub] = true
		}
	}
	for i, sc := range scenarios {
		if !groups[sc.Group] || !services[sc.Service] || !cats[sc.Top+"/"+sc.Sub] {
			t.Errorf("scenario %d: bad group, service or category: %+v", i, sc)
		}
		if sc.Hold != "" && !slices.Contains(incident.OnHoldReasons, sc.Hold) {
			t.Errorf("scenario %d: unknown hold reason %s", i, sc.Hold)
		}
		if len(sc.Titles) == 0 || len(sc.Details) == 0 || len(sc.Notes) == 0 || len(sc.Fixes) == 0 {
			t.Errorf("scenario %d has missing texts", i)
		}
		for _, list := range [][]string{sc.Titles, sc.Details, sc.Notes, sc.Fixes} {
			for _, s := range list {
				check(sc.Top+"/"+sc.Sub, s)
			}
		}
		for _, s := range sc.Titles {
			if len(s) > 150 {
				t.Errorf("title too long: %q", s)
			}
		}
	}
	lists := [][]string{greetings, sinceWhen, signOffs, phoneIntros, acks, asks, replies, reopenLines,
		genericNotes, holdBackReplies, triageNotes, reassignNotes, urgencyNotes, cancelReasons}
	for _, m := range []map[string][]string{holdComments, resumeNotes, otherResolutions} {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			lists = append(lists, m[k])
		}
	}
	for _, l := range urgencyLines {
		lists = append(lists, l)
	}
	for _, l := range lists {
		for _, s := range l {
			check("generic", s)
		}
	}
	for _, reason := range incident.OnHoldReasons {
		if len(holdComments[reason]) == 0 || len(resumeNotes[reason]) == 0 {
			t.Errorf("no texts for on-hold reason %s", reason)
		}
	}
	for _, w := range resolutionWeights {
		if !slices.Contains(incident.ResolutionCodes, w.code) {
			t.Errorf("resolution code %s is not in incident.ResolutionCodes", w.code)
		}
		if w.code != "solved" && len(otherResolutions[w.code]) == 0 {
			t.Errorf("no resolution notes for %s", w.code)
		}
	}
}

// TestLoadDefault times a full default load on SQLite. It is slow, so it
// runs only when STEWARD_DEMO_FULL is set.
func TestLoadDefault(t *testing.T) {
	if os.Getenv("STEWARD_DEMO_FULL") == "" {
		t.Skip("set STEWARD_DEMO_FULL=1 to time a full default load")
	}
	d := dbtest.New(t, db.SQLite)
	s := services(d)
	start := time.Now()
	n, err := Load(ctx, s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	c := snapshot(t, d)
	t.Logf("loaded %d incidents in %v; %+v", n, took.Round(time.Millisecond), c)
	states := map[string]int{}
	rows, _ := d.Read.QueryContext(ctx, `SELECT state, count(*) FROM records GROUP BY state`)
	for rows.Next() {
		var st string
		var k int
		rows.Scan(&st, &k)
		states[st] = k
	}
	rows.Close()
	t.Logf("states: %v", states)
	if n != defaultIncidents {
		t.Errorf("created %d incidents", n)
	}
}
