package view_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"steward/internal/auth"
	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
	"steward/internal/platform/fault"
	"steward/internal/view"
)

type people struct {
	ada, grace, otto, rita auth.Principal
	desk, network          int64
}

// setup makes two groups, two agents in the desk group, an agent in the
// network group and a requester.
func setup(t *testing.T, d *db.DB) people {
	t.Helper()
	ctx := context.Background()
	a := auth.NewService(d)
	group := func(name string) int64 {
		g, err := a.CreateGroup(ctx, auth.System, auth.GroupInput{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		return g.ID
	}
	var p people
	p.desk, p.network = group("Service Desk"), group("Network")
	user := func(email string, role auth.Role, groups ...int64) auth.Principal {
		u, err := a.CreateUser(ctx, auth.System, auth.NewUser{Email: email, Name: email, Role: role, Groups: groups})
		if err != nil {
			t.Fatal(err)
		}
		return auth.Principal{UserID: u.ID, Name: u.Name, Role: u.Role, Groups: u.Groups}
	}
	p.ada = user("ada@example.com", auth.Agent, p.desk)
	p.grace = user("grace@example.com", auth.Agent, p.desk)
	p.otto = user("otto@example.com", auth.Agent, p.network)
	p.rita = user("rita@example.com", auth.Requester)
	return p
}

func fields(err error) []string {
	names, _ := fault.FieldNames(err)
	return names
}

func names(vs []view.View) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Name)
	}
	return out
}

func TestSavedViewsAreOwnedAndShared(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		p := setup(t, d)
		s := view.NewService(d)

		mine, err := s.Create(ctx, p.ada, view.Input{Name: "  My P1s ", Filter: view.Filter{States: []string{"open"}, Priorities: []int{1}, Assignee: "me"},
			Sort: "-updated_at", Columns: []string{"number", "title", "updated"}})
		if err != nil {
			t.Fatal(err)
		}
		if mine.Name != "My P1s" || mine.OwnerID != p.ada.UserID || mine.GroupID != 0 || mine.Sort != "-updated_at" ||
			!slices.Equal(mine.Columns, []string{"number", "title", "updated"}) || mine.Filter.Assignee != "me" || mine.Filter.Priorities[0] != 1 {
			t.Fatalf("created %+v", mine)
		}
		shared, err := s.Create(ctx, p.ada, view.Input{Name: "Desk backlog", GroupID: p.desk, Filter: view.Filter{Group: "mine", Assignee: "none"}})
		if err != nil {
			t.Fatal(err)
		}
		if shared.GroupName != "Service Desk" || !slices.Equal(shared.Columns, view.DefaultColumns) {
			t.Fatalf("shared view %+v", shared)
		}

		// Ada sees both; Grace (same group) the shared one; Otto neither.
		for _, c := range []struct {
			who  auth.Principal
			want []string
		}{{p.ada, []string{"Desk backlog", "My P1s"}}, {p.grace, []string{"Desk backlog"}}, {p.otto, nil}} {
			got, err := s.List(ctx, c.who)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(names(got), c.want) {
				t.Errorf("%s lists %v, want %v", c.who.Name, names(got), c.want)
			}
		}
		if _, err := s.Get(ctx, p.otto, shared.ID); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("Otto reads a view of another group: %v", err)
		}
		if _, err := s.Get(ctx, p.grace, mine.ID); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("Grace reads Ada's private view: %v", err)
		}

		// Only the owner changes or deletes; a member may use, not edit.
		if _, err := s.Update(ctx, p.grace, shared.ID, view.Input{Name: "Mine now"}); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("Grace edits Ada's shared view: %v", err)
		}
		if err := s.Delete(ctx, p.otto, shared.ID); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("Otto deletes a view he cannot see: %v", err)
		}
		renamed, err := s.Update(ctx, p.ada, shared.ID, view.Input{Name: "Desk triage", Sort: "priority,opened_at"})
		if err != nil {
			t.Fatal(err)
		}
		if renamed.Name != "Desk triage" || renamed.GroupID != 0 || renamed.Sort != "priority,opened_at" {
			t.Errorf("after update %+v (unshared, resorted)", renamed)
		}
		if got, _ := s.List(ctx, p.grace); len(got) != 0 {
			t.Errorf("an unshared view still shows for Grace: %v", names(got))
		}
		if err := s.Delete(ctx, p.ada, mine.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, p.ada, mine.ID); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("deleted view still readable: %v", err)
		}

		// Requesters have no saved views.
		if _, err := s.List(ctx, p.rita); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("requester lists views: %v", err)
		}
		if _, err := s.Create(ctx, p.rita, view.Input{Name: "x"}); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("requester creates a view: %v", err)
		}
	})
}

func TestSavedViewInputIsChecked(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		p := setup(t, d)
		s := view.NewService(d)
		if _, err := s.Create(ctx, p.ada, view.Input{Name: "Queue"}); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name string
			in   view.Input
			want []string
		}{
			{"blank name", view.Input{Name: "  "}, []string{"name"}},
			{"duplicate name, other case", view.Input{Name: "QUEUE"}, []string{"name"}},
			{"unknown state", view.Input{Name: "a", Filter: view.Filter{States: []string{"bogus"}}}, []string{"states"}},
			{"priority out of range", view.Input{Name: "a", Filter: view.Filter{Priorities: []int{0}}}, []string{"priorities"}},
			{"bad group word", view.Input{Name: "a", Filter: view.Filter{Group: "theirs"}}, []string{"group"}},
			{"bad assignee", view.Input{Name: "a", Filter: view.Filter{Assignee: "-3"}}, []string{"assignee"}},
			{"bad sort", view.Input{Name: "a", Sort: "title"}, []string{"sort"}},
			{"unknown column", view.Input{Name: "a", Columns: []string{"number", "salary"}}, []string{"columns"}},
			{"another group", view.Input{Name: "a", GroupID: p.network}, []string{"group_id"}},
			{"everything at once", view.Input{Name: "", Sort: "x", GroupID: p.network}, []string{"name", "sort", "group_id"}},
		}
		for _, c := range cases {
			_, err := s.Create(ctx, p.ada, c.in)
			if got := fields(err); !slices.Equal(got, c.want) {
				t.Errorf("%s: error fields %v, want %v (%v)", c.name, got, c.want, err)
			}
		}
		// A name may repeat across owners.
		if _, err := s.Create(ctx, p.grace, view.Input{Name: "Queue"}); err != nil {
			t.Errorf("Grace cannot reuse a name Ada uses: %v", err)
		}
	})
}
