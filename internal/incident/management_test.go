package incident_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"steward/internal/auth"
	"steward/internal/directory"
	"steward/internal/incident"
	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
	"steward/internal/platform/fault"
	"steward/internal/record"
)

// The management rules of incidents: routing, automatic assignment, the
// requester's own actions, the reopen and auto-close policy, major
// incidents, parent and child incidents, and the measures taken at
// resolution.

// catalogue holds categories and services for routing.
type catalogue struct{ hardware, network, mail, vpn, printing int64 }

func newCatalogue(t *testing.T, d *db.DB) catalogue {
	t.Helper()
	dir := directory.New(d)
	category := func(name string) int64 {
		c, err := dir.CreateCategory(ctx, auth.System, directory.CategoryInput{Name: name})
		if err != nil {
			t.Fatalf("CreateCategory(%s): %v", name, err)
		}
		return c.ID
	}
	service := func(name string) int64 {
		s, err := dir.CreateService(ctx, auth.System, directory.ServiceInput{Name: name})
		if err != nil {
			t.Fatalf("CreateService(%s): %v", name, err)
		}
		return s.ID
	}
	return catalogue{hardware: category("Hardware"), network: category("Network"),
		mail: service("Mail"), vpn: service("VPN"), printing: service("Printing")}
}

func (w *world) admin(t *testing.T) auth.Principal {
	t.Helper()
	return newPrincipal(t, auth.NewService(w.d), "ada@example.com", auth.Admin)
}

func (w *world) addRule(t *testing.T, r incident.RoutingRule) incident.RoutingRule {
	t.Helper()
	got, err := w.svc.AddRoutingRule(ctx, auth.System, r)
	if err != nil {
		t.Fatalf("AddRoutingRule(%+v): %v", r, err)
	}
	return got
}

func classified(category, service int64) func(*incident.NewIncident) {
	return func(in *incident.NewIncident) { in.CategoryID, in.ServiceID = category, service }
}

func TestRoutingRulesPickTheGroupOfANewIncident(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		c := newCatalogue(t, d)
		group3 := newGroup(t, auth.NewService(d), "Hardware Support")
		hardware := w.addRule(t, incident.RoutingRule{Position: 10, CategoryID: c.hardware, GroupID: group3})
		w.addRule(t, incident.RoutingRule{Position: 20, ServiceID: c.mail, GroupID: w.group2})
		w.addRule(t, incident.RoutingRule{Position: 5, CategoryID: c.network, ServiceID: c.vpn, GroupID: w.group2})
		w.addRule(t, incident.RoutingRule{Position: 30, CategoryID: c.network, GroupID: w.group})
		w.addRule(t, incident.RoutingRule{Position: 2, ServiceID: c.printing, GroupID: w.group2})
		w.addRule(t, incident.RoutingRule{Position: 1, ServiceID: c.printing, GroupID: group3}) // added later, tried first

		tests := []struct {
			name              string
			actor             auth.Principal
			category, service int64
			chosen            int64 // the reporter's group
			want              int64
		}{
			{"by category", w.requester, c.hardware, 0, 0, group3},
			{"by service", w.requester, 0, c.mail, 0, w.group2},
			{"by category and service", w.requester, c.network, c.vpn, 0, w.group2},
			{"category of a both-rule alone falls to the next rule", w.requester, c.network, 0, 0, w.group},
			{"service of a both-rule alone matches nothing", w.requester, 0, c.vpn, 0, 0},
			{"lower position wins over a category rule", w.requester, c.network, c.mail, 0, w.group2},
			{"lower position wins over a service rule", w.requester, c.hardware, c.mail, 0, group3},
			{"position, not creation order", w.requester, 0, c.printing, 0, group3},
			{"nothing to route on", w.requester, 0, 0, 0, 0},
			{"reporter's group is kept", w.agent, c.hardware, c.mail, w.group, w.group},
		}
		for _, tt := range tests {
			inc := w.create(t, tt.actor, classified(tt.category, tt.service), func(in *incident.NewIncident) {
				in.AssignmentGroupID = tt.chosen
			})
			if inc.AssignmentGroupID != tt.want {
				t.Errorf("%s: assignment group %d, want %d", tt.name, inc.AssignmentGroupID, tt.want)
			}
		}

		rules, err := w.svc.RoutingRules(ctx, w.agent)
		if err != nil {
			t.Fatalf("RoutingRules: %v", err)
		}
		var positions []int64
		for _, r := range rules {
			positions = append(positions, r.Position)
		}
		if diff := cmp.Diff([]int64{1, 2, 5, 10, 20, 30}, positions); diff != "" {
			t.Errorf("rule positions (-want +got):\n%s", diff)
		}

		if err := w.svc.DeleteRoutingRule(ctx, w.agent, hardware.ID); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("agent's DeleteRoutingRule = %v, want ErrForbidden", err)
		}
		if err := w.svc.DeleteRoutingRule(ctx, w.admin(t), hardware.ID); err != nil {
			t.Fatalf("DeleteRoutingRule: %v", err)
		}
		if inc := w.create(t, w.requester, classified(c.hardware, 0)); inc.AssignmentGroupID != 0 {
			t.Errorf("after deleting its rule, hardware goes to group %d, want none", inc.AssignmentGroupID)
		}
		if err := w.svc.DeleteRoutingRule(ctx, auth.System, hardware.ID); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("DeleteRoutingRule again = %v, want ErrNotFound", err)
		}
	})
}

func TestAddRoutingRuleValidates(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		c := newCatalogue(t, d)
		admin := w.admin(t)
		tests := []struct {
			name string
			rule incident.RoutingRule
			want []string
		}{
			{"neither category nor service", incident.RoutingRule{GroupID: w.group}, []string{"category_id"}},
			{"no group", incident.RoutingRule{CategoryID: c.hardware}, []string{"group_id"}},
			{"nothing at all", incident.RoutingRule{}, []string{"category_id", "group_id"}},
			{"unknown group", incident.RoutingRule{CategoryID: c.hardware, GroupID: 9999}, []string{"group_id"}},
			{"unknown category and service", incident.RoutingRule{CategoryID: 9998, ServiceID: 9999, GroupID: w.group}, []string{"category_id", "service_id"}},
		}
		for _, tt := range tests {
			_, err := w.svc.AddRoutingRule(ctx, admin, tt.rule)
			if diff := cmp.Diff(tt.want, fieldsOf(t, err)); diff != "" {
				t.Errorf("%s: fields (-want +got):\n%s", tt.name, diff)
			}
		}
		if _, err := w.svc.AddRoutingRule(ctx, w.agent, incident.RoutingRule{CategoryID: c.hardware, GroupID: w.group}); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("agent's AddRoutingRule = %v, want ErrForbidden", err)
		}
		if n := count(t, d, `SELECT count(*) FROM routing_rules`); n != 0 {
			t.Errorf("refused rules stored: %d rows", n)
		}
		r, err := w.svc.AddRoutingRule(ctx, admin, incident.RoutingRule{Position: 3, ServiceID: c.vpn, GroupID: w.group2})
		if err != nil || r.ID == 0 || r.Position != 3 || r.ServiceID != c.vpn || r.GroupID != w.group2 || !r.CreatedAt.Equal(w.clock.Now()) {
			t.Fatalf("AddRoutingRule = %+v, %v", r, err)
		}
		rules, err := w.svc.RoutingRules(ctx, w.agent)
		if err != nil || !slices.EqualFunc(rules, []incident.RoutingRule{r}, func(a, b incident.RoutingRule) bool {
			return a.ID == b.ID && a.ServiceID == b.ServiceID && a.CategoryID == 0 && a.GroupID == b.GroupID && a.CreatedAt.Equal(b.CreatedAt)
		}) {
			t.Errorf("RoutingRules = %+v, %v; want [%+v]", rules, err, r)
		}
	})
}

// pool is a group whose members take work automatically; members lists
// them in id order, named so that name order is the reverse.
type pool struct {
	id      int64
	members []auth.Principal
}

func (w *world) newPool(t *testing.T, name, mode string, emails ...string) pool {
	t.Helper()
	as := auth.NewService(w.d)
	p := pool{id: newGroup(t, as, name)}
	for _, e := range emails {
		p.members = append(p.members, newPrincipal(t, as, e, auth.Agent, p.id))
	}
	if w.svc.Members == nil {
		w.svc.Members = func(ctx context.Context, id int64) ([]auth.Member, error) {
			g, err := as.Group(ctx, auth.System, id)
			return g.Members, err
		}
	}
	if err := w.svc.SetAssignmentMode(ctx, auth.System, p.id, mode); err != nil {
		t.Fatalf("SetAssignmentMode(%s, %s): %v", name, mode, err)
	}
	return p
}

func (p pool) ids(idx ...int) []int64 {
	out := make([]int64, len(idx))
	for i, x := range idx {
		out[i] = p.members[x].UserID
	}
	return out
}

func (w *world) setAvailable(t *testing.T, group, user int64, available bool) {
	t.Helper()
	if err := auth.NewService(w.d).SetMember(ctx, auth.System, group, user, available); err != nil {
		t.Fatalf("SetMember(available %v): %v", available, err)
	}
}

// assignees creates n incidents for group as the agent and returns who got each.
func (w *world) assignees(t *testing.T, group int64, n int) []int64 {
	t.Helper()
	var out []int64
	for range n {
		out = append(out, w.create(t, w.agent, forRequester(w.requester.UserID), assigned(group, 0)).AssigneeID)
	}
	return out
}

func TestAssignRoundRobinCyclesAvailableMembersInIDOrder(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		p := w.newPool(t, "Desk Pool", incident.AssignRoundRobin, "zoe@example.com", "yan@example.com", "xia@example.com")
		if diff := cmp.Diff(p.ids(0, 1, 2, 0), w.assignees(t, p.id, 4)); diff != "" {
			t.Errorf("round robin (-want +got):\n%s", diff)
		}
		w.setAvailable(t, p.id, p.members[1].UserID, false)
		if diff := cmp.Diff(p.ids(2, 0, 2), w.assignees(t, p.id, 3)); diff != "" {
			t.Errorf("round robin without an unavailable member (-want +got):\n%s", diff)
		}
		w.setAvailable(t, p.id, p.members[1].UserID, true)
		if diff := cmp.Diff(p.ids(0, 1), w.assignees(t, p.id, 2)); diff != "" {
			t.Errorf("round robin with the member back (-want +got):\n%s", diff)
		}
		for _, m := range p.members {
			w.setAvailable(t, p.id, m.UserID, false)
		}
		if diff := cmp.Diff([]int64{0}, w.assignees(t, p.id, 1)); diff != "" {
			t.Errorf("nobody available (-want +got):\n%s", diff)
		}
		inc := w.create(t, w.agent, assigned(p.id, p.members[0].UserID))
		if inc.AssigneeID != p.members[0].UserID || inc.FirstAssigneeID != p.members[0].UserID {
			t.Errorf("a chosen assignee was replaced: %+v", inc)
		}
	})
}

func TestAssignLeastOpenPicksTheMemberWithTheLeastOpenWork(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		p := w.newPool(t, "Field Pool", incident.AssignManual, "zoe@example.com", "yan@example.com", "xia@example.com")
		give := func(member, n int, state string) {
			for range n {
				inc := w.create(t, w.agent, forRequester(w.requester.UserID), assigned(p.id, p.members[member].UserID))
				if state == incident.Canceled {
					w.mustPatch(t, inc.Number, incident.Patch{State: new(incident.Canceled), CancelReason: new("duplicate")})
				}
			}
		}
		give(0, 3, incident.New)
		give(1, 1, incident.New)
		give(1, 4, incident.Canceled) // closed work does not count
		give(2, 2, incident.New)
		if err := w.svc.SetAssignmentMode(ctx, auth.System, p.id, incident.AssignLeastOpen); err != nil {
			t.Fatalf("SetAssignmentMode: %v", err)
		}
		// open work 3, 1, 2 -> member 1; then 3, 2, 2 -> member 1 (lowest id
		// on a tie); then 3, 3, 2 -> member 2; then 3, 3, 3 -> member 0.
		if diff := cmp.Diff(p.ids(1, 1, 2, 0), w.assignees(t, p.id, 4)); diff != "" {
			t.Errorf("least open (-want +got):\n%s", diff)
		}
		w.setAvailable(t, p.id, p.members[0].UserID, false)
		w.setAvailable(t, p.id, p.members[1].UserID, false)
		if diff := cmp.Diff(p.ids(2, 2), w.assignees(t, p.id, 2)); diff != "" {
			t.Errorf("least open with only member 2 available (-want +got):\n%s", diff)
		}
	})
}

func TestAssignmentModes(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		p := w.newPool(t, "Desk Pool", incident.AssignRoundRobin, "zoe@example.com", "yan@example.com")
		admin := w.admin(t)

		if got := w.assignees(t, w.group, 1); got[0] != 0 {
			t.Errorf("a group without a mode assigned %d, want nobody", got[0])
		}
		if err := w.svc.SetAssignmentMode(ctx, admin, w.group, incident.AssignManual); err != nil {
			t.Fatalf("SetAssignmentMode(manual): %v", err)
		}
		if mode, err := w.svc.AssignmentMode(ctx, w.group); err != nil || mode != incident.AssignManual {
			t.Errorf("AssignmentMode = %q, %v; want manual", mode, err)
		}
		if got := w.assignees(t, w.group, 2); !slices.Equal(got, []int64{0, 0}) {
			t.Errorf("manual group assigned %v, want nobody", got)
		}

		// Moving an unassigned incident to a round-robin group assigns it.
		inc := w.create(t, w.agent, forRequester(w.requester.UserID), assigned(w.group, 0))
		got := w.mustPatch(t, inc.Number, incident.Patch{AssignmentGroupID: new(p.id)})
		if got.AssignmentGroupID != p.id || got.AssigneeID != p.members[0].UserID || got.FirstAssigneeID != p.members[0].UserID {
			t.Errorf("after moving to the pool: group %d, assignee %d, first assignee %d; want %d, %d, %d",
				got.AssignmentGroupID, got.AssigneeID, got.FirstAssigneeID, p.id, p.members[0].UserID, p.members[0].UserID)
		}
		// Other changes leave the assignee alone.
		if got := w.mustPatch(t, inc.Number, incident.Patch{Title: new("Printer jams")}); got.AssigneeID != p.members[0].UserID {
			t.Errorf("a title change moved the assignee to %d", got.AssigneeID)
		}

		for _, mode := range []string{"", "random", "Round_Robin"} {
			if err := w.svc.SetAssignmentMode(ctx, admin, w.group, mode); !slices.Equal(fieldsOf(t, err), []string{"mode"}) {
				t.Errorf("SetAssignmentMode(%q) = %v, want a validation error on mode", mode, err)
			}
		}
		if mode, _ := w.svc.AssignmentMode(ctx, w.group); mode != incident.AssignManual {
			t.Errorf("refused modes changed the mode to %q", mode)
		}
		if err := w.svc.SetAssignmentMode(ctx, w.agent, w.group, incident.AssignRoundRobin); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("agent's SetAssignmentMode = %v, want ErrForbidden", err)
		}
		if err := w.svc.SetAssignmentMode(ctx, admin, 9999, incident.AssignRoundRobin); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("SetAssignmentMode(unknown group) = %v, want ErrNotFound", err)
		}
	})
}

func TestKPIsAreTakenAtResolution(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		bea := newPrincipal(t, auth.NewService(d), "bea@example.com", auth.Agent, w.group)
		toGroup := func(g, a int64) incident.Patch { return incident.Patch{AssignmentGroupID: new(g), AssigneeID: new(a)} }
		reopen := incident.Patch{State: new(incident.InProgress)}
		tests := []struct {
			name     string
			start    func(*incident.NewIncident)
			steps    []incident.Patch // the last one resolves
			wantFCR  bool
			reassign int64
			reopens  int64
		}{
			{"resolved by the first assignee", assigned(w.group, w.agent.UserID), []incident.Patch{resolve}, true, 0, 0},
			{"taken from the queue, then resolved", assigned(w.group, 0), []incident.Patch{{AssigneeID: new(w.agent.UserID)}, resolve}, true, 0, 0},
			{"first group is not a reassignment", nil, []incident.Patch{toGroup(w.group, w.agent.UserID), resolve}, true, 0, 0},
			{"handed to a colleague", assigned(w.group, w.agent.UserID), []incident.Patch{{AssigneeID: new(bea.UserID)}, resolve}, false, 0, 0},
			{"moved to another group", assigned(w.group, w.agent.UserID), []incident.Patch{toGroup(w.group2, w.agent2.UserID), resolve}, false, 1, 0},
			{"moved there and back", assigned(w.group, w.agent.UserID), []incident.Patch{toGroup(w.group2, w.agent2.UserID), toGroup(w.group, w.agent.UserID), resolve}, false, 2, 0},
			{"reopened", assigned(w.group, w.agent.UserID), []incident.Patch{resolve, reopen, resolve}, false, 0, 1},
			{"moved in the resolving change", assigned(w.group, 0), []incident.Patch{{AssignmentGroupID: new(w.group2), State: resolve.State,
				ResolutionCode: resolve.ResolutionCode, ResolutionNotes: resolve.ResolutionNotes}}, false, 1, 0},
		}
		for _, tt := range tests {
			var opts []func(*incident.NewIncident)
			if tt.start != nil {
				opts = append(opts, tt.start, forRequester(w.requester.UserID))
			}
			inc := w.create(t, w.agent, opts...)
			var got incident.Incident
			for _, p := range tt.steps {
				w.clock.Advance(7 * time.Minute)
				got = w.mustPatch(t, inc.Number, p)
			}
			elapsed := time.Duration(len(tt.steps)) * 7 * time.Minute
			if got.State != incident.Resolved || got.FirstContactResolution != tt.wantFCR || got.ReassignmentCount != tt.reassign ||
				got.ReopenCount != tt.reopens || got.ResolutionTime != elapsed || !got.ResolvedAt.Equal(inc.OpenedAt.Add(elapsed)) {
				t.Errorf("%s: state %s, first contact %v, reassignments %d, reopens %d, resolution time %v;"+
					" want resolved, %v, %d, %d, %v", tt.name, got.State, got.FirstContactResolution, got.ReassignmentCount,
					got.ReopenCount, got.ResolutionTime, tt.wantFCR, tt.reassign, tt.reopens, elapsed)
			}
		}
	})
}

func TestConfirmClosesAResolvedIncident(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		inc := w.reach(t, incident.Resolved)
		w.clock.Advance(time.Hour)
		var stale *fault.StaleError
		if _, err := w.svc.Confirm(ctx, w.requester, inc.Number, inc.Version-1); !errors.As(err, &stale) || stale.Current != inc.Version {
			t.Errorf("Confirm(stale version) = %v, want *fault.StaleError{Current: %d}", err, inc.Version)
		}
		if _, err := w.svc.Confirm(ctx, w.requester, inc.Number, 0); !errors.Is(err, fault.ErrPreconditionRequired) {
			t.Errorf("Confirm(no version) = %v, want ErrPreconditionRequired", err)
		}
		if _, err := w.svc.Confirm(ctx, w.other, inc.Number, inc.Version); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("another requester's Confirm = %v, want ErrNotFound", err)
		}
		if got := w.get(t, inc.Number); got.State != incident.Resolved || got.Version != inc.Version {
			t.Fatalf("refused confirmations changed the incident: %s at version %d", got.State, got.Version)
		}
		got, err := w.svc.Confirm(ctx, w.requester, inc.Number, inc.Version)
		if err != nil || got.State != incident.Closed || !got.ClosedAt.Equal(w.clock.Now()) || got.Version != inc.Version+1 {
			t.Fatalf("Confirm = %s closed at %v version %d, %v; want closed at %v", got.State, got.ClosedAt, got.Version, err, w.clock.Now())
		}
		if _, err := w.svc.Confirm(ctx, w.requester, inc.Number, got.Version); !slices.Equal(fieldsOf(t, err), []string{"state"}) {
			t.Errorf("Confirm(closed) = %v, want a validation error on state", err)
		}
		open := w.reach(t, incident.InProgress)
		if _, err := w.svc.Confirm(ctx, w.requester, open.Number, open.Version); !slices.Equal(fieldsOf(t, err), []string{"state"}) {
			t.Errorf("Confirm(in progress) = %v, want a validation error on state", err)
		}
	})
}

func TestReopenSendsTheIncidentBackToWork(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	tests := []struct {
		name  string
		after time.Duration // since the resolution
		agent bool
		want  []string // fields of the validation error; nil: reopened
	}{
		{"requester at once", time.Minute, false, nil},
		{"requester at the end of the window", 7 * day, false, nil},
		{"requester after the window", 7*day + time.Millisecond, false, []string{"comment"}},
		{"agent after the window", 30 * day, true, nil},
	}
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		for _, tt := range tests {
			inc := w.reach(t, incident.Resolved)
			w.clock.Advance(tt.after)
			actor := w.requester
			if tt.agent {
				actor = w.agent
			}
			got, err := w.svc.Reopen(ctx, actor, inc.Number, inc.Version, "  Still broken after the restart.  ")
			if tt.want != nil {
				if diff := cmp.Diff(tt.want, fieldsOf(t, err)); diff != "" {
					t.Errorf("%s: fields (-want +got):\n%s", tt.name, diff)
				}
				if diff := cmp.Diff(inc, w.get(t, inc.Number)); diff != "" {
					t.Errorf("%s: refused reopen changed the incident (-want +got):\n%s", tt.name, diff)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s: Reopen: %v", tt.name, err)
				continue
			}
			if got.State != incident.InProgress || got.ResolutionCode != "" || got.ResolutionNotes != "" || !got.ResolvedAt.IsZero() ||
				got.ReopenCount != 1 || got.FirstContactResolution || got.ResolutionTime != 0 {
				t.Errorf("%s: reopened incident = %+v", tt.name, got)
			}
			j := w.journal(t, w.requester, inc.Number)
			wantComment := fmt.Sprintf(`comment  [ > ] "Still broken after the restart." by %s`, actor.Name)
			if !slices.Contains(j, wantComment) || !slices.Contains(j, fmt.Sprintf(`field_change state [resolved > in_progress] "" by %s`, actor.Name)) {
				t.Errorf("%s: journal %q lacks the comment and the state change", tt.name, j)
			}
		}

		inc := w.reach(t, incident.Resolved)
		for _, comment := range []string{"", " \n "} {
			if _, err := w.svc.Reopen(ctx, w.requester, inc.Number, inc.Version, comment); !slices.Equal(fieldsOf(t, err), []string{"comment"}) {
				t.Errorf("Reopen(comment %q) = %v, want a validation error on comment", comment, err)
			}
		}
		if _, err := w.svc.Reopen(ctx, w.other, inc.Number, inc.Version, "not mine"); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("another requester's Reopen = %v, want ErrNotFound", err)
		}
		open := w.reach(t, incident.InProgress)
		if _, err := w.svc.Reopen(ctx, w.requester, open.Number, open.Version, "again"); !slices.Equal(fieldsOf(t, err), []string{"state"}) {
			t.Errorf("Reopen(in progress) = %v, want a validation error on state", err)
		}
	})
}

func TestCancelWithdrawsAnOpenIncident(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		from   string
		agent  bool
		reason string
		want   []string // fields of the validation error; nil: canceled
	}{
		{"requester, new", incident.New, false, "  Found the power switch.  ", nil},
		{"agent, in progress", incident.InProgress, true, "Reported twice.", nil},
		{"requester, on hold", incident.OnHold, false, "No longer needed.", nil},
		{"no reason", incident.New, false, "   ", []string{"cancel_reason"}},
		{"resolved", incident.Resolved, false, "Too late.", []string{"state"}},
		{"closed", incident.Closed, true, "Too late.", []string{"state"}},
		{"canceled", incident.Canceled, false, "Twice.", []string{"state"}},
	}
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		for _, tt := range tests {
			inc := w.reach(t, tt.from)
			w.clock.Advance(time.Minute)
			actor := w.requester
			if tt.agent {
				actor = w.agent
			}
			got, err := w.svc.Cancel(ctx, actor, inc.Number, inc.Version, tt.reason)
			if tt.want != nil {
				if diff := cmp.Diff(tt.want, fieldsOf(t, err)); diff != "" {
					t.Errorf("%s: fields (-want +got):\n%s", tt.name, diff)
				}
				if diff := cmp.Diff(inc, w.get(t, inc.Number)); diff != "" {
					t.Errorf("%s: refused cancel changed the incident (-want +got):\n%s", tt.name, diff)
				}
				continue
			}
			if err != nil || got.State != incident.Canceled || !got.ClosedAt.Equal(w.clock.Now()) || got.CancelReason != strings.TrimSpace(tt.reason) || got.OnHoldReason != "" {
				t.Errorf("%s: Cancel = %s closed at %v, reason %q, on hold %q, %v", tt.name, got.State, got.ClosedAt, got.CancelReason, got.OnHoldReason, err)
			}
		}
		inc := w.reach(t, incident.New)
		if _, err := w.svc.Cancel(ctx, w.other, inc.Number, inc.Version, "not mine"); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("another requester's Cancel = %v, want ErrNotFound", err)
		}
	})
}

func TestCommentOnAResolvedIncidentReopensOnlyForTheRequester(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	tests := []struct {
		name     string
		agent    bool
		internal bool
		after    time.Duration // since the resolution
		want     string        // state afterwards
	}{
		{"requester's reply", false, false, time.Hour, incident.InProgress},
		{"requester's reply at the end of the window", false, false, 7 * day, incident.InProgress},
		{"requester's reply after the window", false, false, 7*day + time.Millisecond, incident.Resolved},
		{"agent's comment", true, false, time.Hour, incident.Resolved},
		{"agent's work note", true, true, time.Hour, incident.Resolved},
	}
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		for _, tt := range tests {
			inc := w.reach(t, incident.Resolved)
			w.clock.Advance(tt.after)
			actor := w.requester
			if tt.agent {
				actor = w.agent
			}
			e, err := w.svc.Comment(ctx, actor, inc.Number, tt.internal, "It happened again this morning.")
			if err != nil || e.ID == 0 {
				t.Errorf("%s: Comment = %+v, %v", tt.name, e, err)
				continue
			}
			got := w.get(t, inc.Number)
			if got.State != tt.want || got.Version <= inc.Version {
				t.Errorf("%s: state %s at version %d, want %s after version %d", tt.name, got.State, got.Version, tt.want, inc.Version)
			}
			reopened := tt.want == incident.InProgress
			if reopened != (got.ReopenCount == 1) || reopened != (got.ResolutionCode == "") || reopened != got.ResolvedAt.IsZero() {
				t.Errorf("%s: reopen count %d, resolution %q, resolved at %v", tt.name, got.ReopenCount, got.ResolutionCode, got.ResolvedAt)
			}
			if n := count(t, d, `SELECT count(*) FROM journal WHERE record_id = $1 AND field = 'state' AND body = $2`,
				inc.ID, "reopened by the requester's reply"); (n == 1) != reopened {
				t.Errorf("%s: %d journal entries say the reply reopened it", tt.name, n)
			}
		}

		if _, err := w.svc.Comment(ctx, w.requester, w.reach(t, incident.Resolved).Number, true, "secret"); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("requester's work note = %v, want ErrForbidden", err)
		}
		if err := w.svc.SetPolicy(ctx, auth.System, incident.Policy{ReopenWindowDays: 0, AutoCloseDays: 7}); err != nil {
			t.Fatalf("SetPolicy: %v", err)
		}
		inc := w.reach(t, incident.Resolved)
		w.clock.Advance(time.Minute)
		if _, err := w.svc.Comment(ctx, w.requester, inc.Number, false, "Thanks!"); err != nil {
			t.Fatalf("Comment: %v", err)
		}
		if got := w.get(t, inc.Number); got.State != incident.Resolved {
			t.Errorf("with no reopen window a reply left the incident %s, want resolved", got.State)
		}
	})
}

func TestCloseResolvedClosesAfterTheAutoCloseDays(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		day := 24 * time.Hour
		old := w.reach(t, incident.Resolved) // resolved on day 0
		w.clock.Advance(day)
		edge := w.reach(t, incident.Resolved) // day 1
		w.clock.Advance(6 * day)
		recent := w.reach(t, incident.Resolved) // day 7
		working := w.reach(t, incident.InProgress)
		closed := w.reach(t, incident.Closed)
		w.clock.Advance(day) // day 8: old is 8 days resolved, edge exactly 7

		n, err := w.svc.CloseResolved(ctx, 100)
		if err != nil || n != 1 {
			t.Fatalf("CloseResolved = %d, %v; want 1", n, err)
		}
		states := func() []string {
			var out []string
			for _, inc := range []incident.Incident{old, edge, recent, working, closed} {
				out = append(out, w.get(t, inc.Number).State)
			}
			return out
		}
		want := []string{incident.Closed, incident.Resolved, incident.Resolved, incident.InProgress, incident.Closed}
		if diff := cmp.Diff(want, states()); diff != "" {
			t.Errorf("states after CloseResolved (-want +got):\n%s", diff)
		}
		got := w.get(t, old.Number)
		if !got.ClosedAt.Equal(w.clock.Now()) {
			t.Errorf("closed at %v, want %v", got.ClosedAt, w.clock.Now())
		}
		j := w.journal(t, w.agent, old.Number)
		if last := j[len(j)-1]; last != `field_change state [resolved > closed] "closed automatically 7 days after resolution" by Steward` {
			t.Errorf("last journal entry = %s", last)
		}

		before := w.rows(t)
		if n, err := w.svc.CloseResolved(ctx, 100); err != nil || n != 0 {
			t.Errorf("CloseResolved again = %d, %v; want 0", n, err)
		}
		if after := w.rows(t); after != before {
			t.Errorf("a second CloseResolved wrote rows: %+v -> %+v", before, after)
		}

		w.clock.Advance(time.Millisecond)
		if n, err := w.svc.CloseResolved(ctx, 100); err != nil || n != 1 || w.get(t, edge.Number).State != incident.Closed {
			t.Errorf("CloseResolved a moment later = %d, %v; want edge closed", n, err)
		}
		if err := w.svc.SetPolicy(ctx, auth.System, incident.Policy{ReopenWindowDays: 7, AutoCloseDays: 1}); err != nil {
			t.Fatalf("SetPolicy: %v", err)
		}
		if n, err := w.svc.CloseResolved(ctx, 100); err != nil || n != 1 || w.get(t, recent.Number).State != incident.Closed {
			t.Errorf("CloseResolved with one auto-close day = %d, %v; want recent closed", n, err)
		}
		j = w.journal(t, w.agent, recent.Number)
		if last := j[len(j)-1]; !strings.Contains(last, `"closed automatically 1 days after resolution"`) {
			t.Errorf("last journal entry = %s", last)
		}
	})
}

func TestSetPolicyValidates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		policy incident.Policy
		want   []string
	}{
		{incident.Policy{ReopenWindowDays: 7, AutoCloseDays: 0}, []string{"auto_close_days"}},
		{incident.Policy{ReopenWindowDays: 7, AutoCloseDays: 366}, []string{"auto_close_days"}},
		{incident.Policy{ReopenWindowDays: -1, AutoCloseDays: 7}, []string{"reopen_window_days"}},
		{incident.Policy{ReopenWindowDays: 366, AutoCloseDays: -3}, []string{"reopen_window_days", "auto_close_days"}},
		{incident.Policy{ReopenWindowDays: 0, AutoCloseDays: 1}, nil},
		{incident.Policy{ReopenWindowDays: 365, AutoCloseDays: 365}, nil},
	}
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		admin := w.admin(t)
		if p, err := w.svc.Policy(ctx); err != nil || p != incident.DefaultPolicy {
			t.Errorf("Policy of a new instance = %+v, %v; want %+v", p, err, incident.DefaultPolicy)
		}
		stored := incident.DefaultPolicy
		for _, tt := range tests {
			err := w.svc.SetPolicy(ctx, admin, tt.policy)
			if tt.want == nil {
				if err != nil {
					t.Errorf("SetPolicy(%+v): %v", tt.policy, err)
				}
				stored = tt.policy
			} else if diff := cmp.Diff(tt.want, fieldsOf(t, err)); diff != "" {
				t.Errorf("SetPolicy(%+v): fields (-want +got):\n%s", tt.policy, diff)
			}
			if p, err := w.svc.Policy(ctx); err != nil || p != stored {
				t.Errorf("after SetPolicy(%+v): Policy = %+v, %v; want %+v", tt.policy, p, err, stored)
			}
		}
		if err := w.svc.SetPolicy(ctx, w.agent, incident.DefaultPolicy); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("agent's SetPolicy = %v, want ErrForbidden", err)
		}
	})
}

func TestMajorIncidentsAreProposedAndDecided(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		manager := newPrincipal(t, auth.NewService(d), "mia@example.com", auth.Manager)
		approved, rejected, pending, direct, plain := w.reach(t, incident.InProgress), w.reach(t, incident.New),
			w.reach(t, incident.New), w.reach(t, incident.InProgress), w.reach(t, incident.New)

		for _, reason := range []string{"", "   "} {
			if _, err := w.svc.ProposeMajor(ctx, w.agent, approved.Number, reason); !slices.Equal(fieldsOf(t, err), []string{"reason"}) {
				t.Errorf("ProposeMajor(reason %q) = %v, want a validation error on reason", reason, err)
			}
		}
		if _, err := w.svc.ProposeMajor(ctx, w.requester, approved.Number, "Everyone is affected"); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("requester's ProposeMajor = %v, want ErrForbidden", err)
		}
		if _, err := w.svc.ProposeMajor(ctx, w.agent, w.reach(t, incident.Resolved).Number, "Too late"); !slices.Equal(fieldsOf(t, err), []string{"state"}) {
			t.Errorf("ProposeMajor(resolved) = %v, want a validation error on state", err)
		}
		for _, inc := range []incident.Incident{approved, rejected, pending} {
			got, err := w.svc.ProposeMajor(ctx, w.agent, inc.Number, "  The whole second floor is offline.  ")
			if err != nil || got.MajorStatus != incident.MajorProposed || got.Major || got.MajorReason != "The whole second floor is offline." {
				t.Fatalf("agent's ProposeMajor = %s major %v reason %q, %v; want proposed", got.MajorStatus, got.Major, got.MajorReason, err)
			}
		}
		if _, err := w.svc.ProposeMajor(ctx, w.agent, pending.Number, "again"); !slices.Equal(fieldsOf(t, err), []string{"major"}) {
			t.Errorf("ProposeMajor twice = %v, want a validation error on major", err)
		}
		if _, err := w.svc.DecideMajor(ctx, w.agent, approved.Number, true, ""); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("agent's DecideMajor = %v, want ErrForbidden", err)
		}
		got, err := w.svc.DecideMajor(ctx, manager, approved.Number, true, "Bridge call at 10:00.")
		if err != nil || got.MajorStatus != incident.MajorApproved || !got.Major || got.MajorReason != "Bridge call at 10:00." {
			t.Errorf("DecideMajor(approve) = %s major %v reason %q, %v", got.MajorStatus, got.Major, got.MajorReason, err)
		}
		got, err = w.svc.DecideMajor(ctx, manager, rejected.Number, false, "")
		if err != nil || got.MajorStatus != incident.MajorRejected || got.Major || got.MajorReason != "The whole second floor is offline." {
			t.Errorf("DecideMajor(reject) = %s major %v reason %q, %v", got.MajorStatus, got.Major, got.MajorReason, err)
		}
		for _, inc := range []incident.Incident{approved, rejected, plain} {
			if _, err := w.svc.DecideMajor(ctx, manager, inc.Number, true, ""); !slices.Equal(fieldsOf(t, err), []string{"major"}) {
				t.Errorf("DecideMajor(%s, nothing pending) = %v, want a validation error on major", inc.Number, err)
			}
		}
		got, err = w.svc.ProposeMajor(ctx, manager, direct.Number, "Payments are down.")
		if err != nil || got.MajorStatus != incident.MajorApproved || !got.Major {
			t.Errorf("manager's ProposeMajor = %s major %v, %v; want approved at once", got.MajorStatus, got.Major, err)
		}

		yes, no := true, false
		majors, _ := w.listAll(t, w.agent, incident.ListInput{Major: &yes, Sort: "number"})
		if diff := cmp.Diff([]string{approved.Number, pending.Number, direct.Number}, numbers(majors)); diff != "" {
			t.Errorf("List(major) (-want +got):\n%s", diff)
		}
		others, _ := w.listAll(t, w.agent, incident.ListInput{Major: &no, Sort: "number"})
		if slices.Contains(numbers(others), approved.Number) || !slices.Contains(numbers(others), rejected.Number) || !slices.Contains(numbers(others), plain.Number) {
			t.Errorf("List(not major) = %v", numbers(others))
		}
		if n, err := w.svc.Count(ctx, w.agent, record.Filter{}, &yes); err != nil || n != 3 {
			t.Errorf("Count(major) = %d, %v; want 3", n, err)
		}
		if n, err := w.svc.Count(ctx, w.agent, record.Filter{}, &no); err != nil || n != int64(len(others)) {
			t.Errorf("Count(not major) = %d, %v; want %d", n, err, len(others))
		}
		if n, err := w.svc.Count(ctx, w.requester, record.Filter{}, &yes); err != nil || n != 3 {
			t.Errorf("requester's Count(major) = %d, %v; want 3 (all theirs)", n, err)
		}
		if n, err := w.svc.Count(ctx, w.other, record.Filter{}, &yes); err != nil || n != 0 {
			t.Errorf("other requester's Count(major) = %d, %v; want 0", n, err)
		}
	})
}

func TestCommunicationsOfAMajorIncident(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		manager := newPrincipal(t, auth.NewService(d), "mia@example.com", auth.Manager)
		major, proposed := w.reach(t, incident.InProgress), w.reach(t, incident.InProgress)
		if _, err := w.svc.ProposeMajor(ctx, manager, major.Number, "Payments are down."); err != nil {
			t.Fatalf("ProposeMajor: %v", err)
		}
		if _, err := w.svc.ProposeMajor(ctx, w.agent, proposed.Number, "Printers are down."); err != nil {
			t.Fatalf("ProposeMajor: %v", err)
		}
		for _, inc := range []incident.Incident{proposed, w.reach(t, incident.New)} {
			if _, err := w.svc.Communicate(ctx, w.agent, inc.Number, "Update"); !slices.Equal(fieldsOf(t, err), []string{"major"}) {
				t.Errorf("Communicate(not an approved major) = %v, want a validation error on major", err)
			}
		}
		if _, err := w.svc.Communicate(ctx, w.agent, major.Number, " "); !slices.Equal(fieldsOf(t, err), []string{"body"}) {
			t.Errorf("Communicate(blank) = %v, want a validation error on body", err)
		}
		if _, err := w.svc.Communicate(ctx, w.requester, major.Number, "Me too"); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("requester's Communicate = %v, want ErrForbidden", err)
		}
		before := w.get(t, major.Number)
		w.clock.Advance(time.Minute)
		e, err := w.svc.Communicate(ctx, w.agent, major.Number, "Engineers are on site; next update at 11:00.")
		if err != nil || e.ID == 0 || e.Kind != record.Communication || !e.At.Equal(w.clock.Now()) {
			t.Fatalf("Communicate = %+v, %v", e, err)
		}
		if _, err := w.svc.Comment(ctx, w.agent, major.Number, true, "Root cause: expired certificate."); err != nil {
			t.Fatalf("work note: %v", err)
		}
		if got := w.get(t, major.Number); got.Version != before.Version+2 || !got.UpdatedAt.Equal(w.clock.Now()) {
			t.Errorf("after a communication and a note: version %d updated %v; want %d, %v", got.Version, got.UpdatedAt, before.Version+2, w.clock.Now())
		}
		j := w.journal(t, w.requester, major.Number)
		if !slices.Contains(j, `communication  [ > ] "Engineers are on site; next update at 11:00." by alice`) {
			t.Errorf("requester's journal lacks the communication: %q", j)
		}
		for _, line := range j {
			if strings.Contains(line, "certificate") || strings.HasPrefix(line, "work_note") {
				t.Errorf("requester's journal shows a work note: %s", line)
			}
		}
		if n := count(t, d, `SELECT count(*) FROM outbox WHERE topic = 'comment.added' AND record_id = $1`, major.ID); n != 2 {
			t.Errorf("comment.added events = %d, want 2", n)
		}
	})
}

func TestResolvingAParentResolvesItsOpenChildren(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		parent := w.reach(t, incident.InProgress)
		fresh, working, waiting := w.reach(t, incident.New), w.reach(t, incident.InProgress), w.reach(t, incident.OnHold)
		closed, canceled, related := w.reach(t, incident.Closed), w.reach(t, incident.Canceled), w.reach(t, incident.InProgress)
		link := func(from string, kind record.LinkKind, to string) {
			if _, err := w.svc.Link(ctx, w.agent, from, kind, to); err != nil {
				t.Fatalf("Link(%s %s %s): %v", from, kind, to, err)
			}
		}
		for _, child := range []incident.Incident{fresh, working, closed, canceled} {
			link(child.Number, "child_of", parent.Number)
		}
		link(parent.Number, "parent_of", waiting.Number) // the same link, made from the parent
		link(parent.Number, "related_to", related.Number)
		untouched := map[string]incident.Incident{}
		for _, inc := range []incident.Incident{closed, canceled, related} {
			untouched[inc.Number] = w.get(t, inc.Number)
		}

		w.clock.Advance(time.Hour)
		res := incident.Patch{State: new(incident.Resolved), ResolutionCode: new("workaround"), ResolutionNotes: new("Restarted the core switch.")}
		if got := w.mustPatch(t, parent.Number, res); got.State != incident.Resolved {
			t.Fatalf("parent is %s", got.State)
		}
		for _, child := range []incident.Incident{fresh, working, waiting} {
			got := w.get(t, child.Number)
			if got.State != incident.Resolved || got.ResolutionCode != "workaround" || got.ResolutionNotes != "Restarted the core switch." ||
				!got.ResolvedAt.Equal(w.clock.Now()) || got.OnHoldReason != "" || got.Version != child.Version+1 {
				t.Errorf("child %s (was %s) = %s, code %q, notes %q, resolved at %v, version %d", child.Number, child.State,
					got.State, got.ResolutionCode, got.ResolutionNotes, got.ResolvedAt, got.Version)
			}
			want := fmt.Sprintf(`comment  [ > ] "Resolved together with %s: Restarted the core switch." by alice`, parent.Number)
			if j := w.journal(t, w.requester, child.Number); !slices.Contains(j, want) {
				t.Errorf("child %s: requester's journal %q lacks %s", child.Number, j, want)
			}
		}
		for number, before := range untouched {
			if diff := cmp.Diff(before, w.get(t, number)); diff != "" {
				t.Errorf("%s (%s) changed (-before +after):\n%s", number, before.State, diff)
			}
		}
		if n := count(t, d, `SELECT count(*) FROM outbox WHERE topic = 'record.updated' AND record_id IN ($1, $2, $3) AND at = $4`,
			fresh.ID, working.ID, waiting.ID, w.clock.Now().UnixMilli()); n != 3 {
			t.Errorf("record.updated events for the children = %d, want 3", n)
		}
	})
}

// The records table's active column counts every state but the terminal
// ones as open work; the incident lifecycle must agree, or a queue of open
// incidents would show the wrong ones.
func TestOpenStatesAreTheActiveOnes(t *testing.T) {
	t.Parallel()
	var active []string
	for _, st := range incident.Lifecycle.States {
		if !slices.Contains(record.TerminalStates, st.Name) {
			active = append(active, st.Name)
		}
	}
	if open := incident.Lifecycle.OpenStates(); !slices.Equal(open, active) {
		t.Errorf("open states %v, but the active column counts %v", open, active)
	}
}
