package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"steward/internal/platform/db"
)

// agentOnlyFields never appear in what a requester receives.
var agentOnlyFields = []string{`"reassignment_count"`, `"transitions"`, `"watchers"`, `"priority_overridden"`, `"first_response_at"`}

const secretNote = "SECRET-NOTE-7731 the vendor owes us"

// TestRecordPermissions checks, for every endpoint that returns records or
// journal entries, that a requester sees their own records only, never an
// internal note or field, and cannot tell another's record exists.
func TestRecordPermissions(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind)
		a := f.incident(t, f.ReqA, map[string]any{"title": "Laptop battery swollen", "description": "The lid does not close"})
		num := str(a, "number")
		f.comment(t, f.Agent1, num, "work_note", secretNote)
		f.comment(t, f.Agent1, num, "comment", "We will swap it today")
		etag := f.must(t, http.StatusOK, f.Agent1, "GET", "/api/v1/incidents/"+num, nil, nil).Header.Get("ETag")
		f.must(t, http.StatusOK, f.Agent1, "PATCH", "/api/v1/incidents/"+num,
			map[string]any{"assignment_group_id": f.Group, "assignee_id": f.Agent1.ID, "state": "in_progress"}, map[string]string{"If-Match": etag})
		att := f.must(t, http.StatusCreated, f.ReqA, "POST", "/api/v1/incidents/"+num+"/attachments?name=photo.jpg", "jpeg bytes",
			map[string]string{"Content-Type": "image/jpeg"}).object(t)
		attURL := str(att, "url")
		other := f.incident(t, f.Agent1, map[string]any{"title": "Agent's own incident"})
		f.must(t, http.StatusCreated, f.Agent1, "POST", "/api/v1/incidents/"+num+"/links", map[string]any{"kind": "related_to", "target": str(other, "number")}, nil)

		u := "/api/v1/incidents/" + num
		missing := f.must(t, http.StatusNotFound, f.Agent1, "GET", "/api/v1/incidents/INC0000999", nil, nil)
		before := f.counts(t)

		notFound := func(name, method, url string, body any) scenario {
			return scenario{Name: "B: " + name, Principal: f.ReqB, Method: method, URL: url, Body: body, WantStatus: 404,
				Headers:         map[string]string{"If-Match": "1"},
				WantNotContains: []string{"Laptop", "photo.jpg", secretNote}}
		}
		f.run(t, []scenario{
			// Requester B: A's incident does not exist for them.
			notFound("get", "GET", u, nil),
			notFound("journal", "GET", u+"/journal", nil),
			notFound("comment", "POST", u+"/comments", map[string]any{"body": "hello"}),
			notFound("work note", "POST", u+"/comments", map[string]any{"body": "hello", "kind": "work_note"}),
			notFound("links", "GET", u+"/links", nil),
			notFound("attachments", "GET", u+"/attachments", nil),
			notFound("download", "GET", attURL, nil),
			notFound("upload", "POST", u+"/attachments?name=x.txt", "data"),
			notFound("patch", "PATCH", u, map[string]any{"title": "mine now"}),
			notFound("watch", "POST", u+"/watchers", map[string]any{"user_id": f.ReqB.ID}),
			{Name: "B: list is empty", Principal: f.ReqB, Method: "GET", URL: "/api/v1/incidents", WantStatus: 200,
				WantContains: []string{`"items":[]`}, WantNotContains: []string{num, "next_cursor"}},
			{Name: "B: search finds nothing", Principal: f.ReqB, Method: "GET", URL: "/api/v1/incidents?q=battery", WantStatus: 200,
				WantContains: []string{`"items":[]`}},
			{Name: "B: filter by A finds nothing", Principal: f.ReqB, Method: "GET", URL: fmt.Sprintf("/api/v1/incidents?requester=%d", f.ReqA.ID), WantStatus: 200,
				WantContains: []string{`"items":[]`}},

			// Requester A: their own incident, public parts only.
			{Name: "A: get", Principal: f.ReqA, Method: "GET", URL: u, WantStatus: 200,
				WantContains: []string{`"title":"Laptop battery swollen"`, `"state":"in_progress"`}, WantNotContains: agentOnlyFields},
			{Name: "A: list", Principal: f.ReqA, Method: "GET", URL: "/api/v1/incidents", WantStatus: 200,
				WantContains: []string{num}, WantNotContains: append([]string{str(other, "number")}, agentOnlyFields...)},
			{Name: "A: journal", Principal: f.ReqA, Method: "GET", URL: u + "/journal", WantStatus: 200,
				WantContains:    []string{"We will swap it today", `"field":"state"`},
				WantNotContains: []string{secretNote, "SECRET-NOTE", `"work_note"`, `"assignee_id"`, `"assignment_group_id"`, `"field":"link"`, `"field":"attachment"`}},
			{Name: "A: links are agent-only", Principal: f.ReqA, Method: "GET", URL: u + "/links", WantStatus: 200,
				WantContains: []string{`"items":[]`}, WantNotContains: []string{str(other, "number")}},
			{Name: "A: attachments", Principal: f.ReqA, Method: "GET", URL: u + "/attachments", WantStatus: 200, WantContains: []string{"photo.jpg"}},
			{Name: "A: download", Principal: f.ReqA, Method: "GET", URL: attURL, WantStatus: 200, WantContains: []string{"jpeg bytes"}},
			{Name: "A: may not change", Principal: f.ReqA, Method: "PATCH", URL: u, Body: map[string]any{"title": "x"},
				Headers: map[string]string{"If-Match": "99"}, WantStatus: 403},
			{Name: "A: may not write a work note", Principal: f.ReqA, Method: "POST", URL: u + "/comments",
				Body: map[string]any{"body": "psst", "kind": "work_note"}, WantStatus: 403},
			{Name: "A: may not add watchers", Principal: f.ReqA, Method: "POST", URL: u + "/watchers",
				Body: map[string]any{"user_id": f.ReqB.ID}, WantStatus: 403},
			{Name: "A: may not override priority", Principal: f.ReqA, Method: "POST", URL: "/api/v1/incidents",
				Body: map[string]any{"title": "urgent!", "priority": 1, "priority_reason": "because"}, WantStatus: 403},
			{Name: "A: may not report for B", Principal: f.ReqA, Method: "POST", URL: "/api/v1/incidents",
				Body: map[string]any{"title": "for B", "requester_id": f.ReqB.ID}, WantStatus: 403},
		})
		f.unchanged(t, before)

		// No existence oracle: B's 404 for A's incident reads like a missing one.
		hidden := f.must(t, http.StatusNotFound, f.ReqB, "GET", u, nil, nil)
		if hidden.String() != missing.String() {
			t.Errorf("404 for a hidden incident %s differs from a missing one %s", hidden, missing)
		}

		// An agent adds B as a watcher: B may now read A's incident, still
		// without internal notes or fields, and comment on it.
		f.must(t, http.StatusNoContent, f.Agent2, "POST", u+"/watchers", map[string]any{"user_id": f.ReqB.ID}, nil)
		f.run(t, []scenario{
			{Name: "watcher B: get", Principal: f.ReqB, Method: "GET", URL: u, WantStatus: 200,
				WantContains: []string{`"title":"Laptop battery swollen"`}, WantNotContains: agentOnlyFields},
			{Name: "watcher B: list", Principal: f.ReqB, Method: "GET", URL: "/api/v1/incidents", WantStatus: 200,
				WantContains: []string{num}, WantNotContains: agentOnlyFields},
			{Name: "watcher B: journal", Principal: f.ReqB, Method: "GET", URL: u + "/journal", WantStatus: 200,
				WantContains: []string{"We will swap it today"}, WantNotContains: []string{secretNote, "SECRET-NOTE", `"work_note"`}},
			{Name: "watcher B: download", Principal: f.ReqB, Method: "GET", URL: attURL, WantStatus: 200, WantContains: []string{"jpeg bytes"}},
			{Name: "watcher B: comment", Principal: f.ReqB, Method: "POST", URL: u + "/comments", Body: map[string]any{"body": "Mine too"}, WantStatus: 201},
			{Name: "watcher B: no work note", Principal: f.ReqB, Method: "POST", URL: u + "/comments",
				Body: map[string]any{"body": "psst", "kind": "work_note"}, WantStatus: 403},
			{Name: "watcher B: may not change", Principal: f.ReqB, Method: "PATCH", URL: u, Body: map[string]any{"title": "x"},
				Headers: map[string]string{"If-Match": "99"}, WantStatus: 403},
			{Name: "agent sees the work note", Principal: f.Agent2, Method: "GET", URL: u + "/journal", WantStatus: 200,
				WantContains: []string{secretNote, `"work_note"`}},
		})
	})
}

// TestAuthenticationAndRoles checks credentials on every API route and the
// admin-only endpoints.
func TestAuthenticationAndRoles(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind)
		f.incident(t, f.ReqA, map[string]any{"title": "Mouse broken"})
		before := f.counts(t)

		// Every API route refuses a caller without credentials.
		for _, pattern := range f.a.Routes() {
			method, path, _ := strings.Cut(pattern, " ")
			if !strings.HasPrefix(path, "/api/v1/") || strings.HasPrefix(path, "/api/v1/openapi") {
				continue
			}
			path = strings.NewReplacer("{number}", "INC0000001", "{id}", "1", "{user_id}", "1").Replace(path)
			var body any
			switch method {
			case "POST", "PUT", "PATCH":
				body = validBody(path, method)
			}
			if strings.HasSuffix(path, "/attachments") && method == "POST" {
				path += "?name=a.txt"
			}
			for _, who := range []struct {
				name   string
				header string
			}{{"no token", ""}, {"unknown token", "Bearer stw_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
				{"not a token", "Bearer hunter2"}, {"basic auth", "Basic YWRtaW46YWRtaW4="}} {
				h := map[string]string{"If-Match": "1"}
				if who.header != "" {
					h["Authorization"] = who.header
				}
				r := f.do(t, anonymous, method, path, body, h)
				if r.Status != http.StatusUnauthorized {
					t.Errorf("%s %s with %s = %d, want 401: %s", method, path, who.name, r.Status, r)
					continue
				}
				if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("%s %s with %s: WWW-Authenticate = %q", method, path, who.name, r.Header.Get("WWW-Authenticate"))
				}
				checkProblem(t, r, 401)
			}
		}
		f.unchanged(t, before)

		adminOnly := []struct {
			name, method, url string
			body              any
		}{
			{"create user", "POST", "/api/v1/users", map[string]any{"email": "new@example.com", "name": "New", "role": "agent"}},
			{"change user", "PATCH", fmt.Sprintf("/api/v1/users/%d", f.Agent1.ID), map[string]any{"role": "admin"}},
			{"set matrix", "PUT", "/api/v1/settings/priority-matrix", map[string]any{"matrix": [][]int{{1, 1, 1}, {1, 1, 1}, {1, 1, 1}}}},
			{"audit", "GET", "/api/v1/audit", nil},
			{"create group", "POST", "/api/v1/groups", map[string]any{"name": "Rogue"}},
			{"add member", "PUT", fmt.Sprintf("/api/v1/groups/%d/members/%d", f.Group, f.Manager.ID), map[string]any{}},
			{"create category", "POST", "/api/v1/categories", map[string]any{"name": "Rogue"}},
			{"create service", "POST", "/api/v1/services", map[string]any{"name": "Rogue"}},
			{"create organisation", "POST", "/api/v1/organisations", map[string]any{"name": "Rogue"}},
		}
		var scenarios []scenario
		for _, who := range []struct {
			name string
			u    user
		}{{"agent", f.Agent1}, {"manager", f.Manager}, {"requester", f.ReqA}} {
			for _, e := range adminOnly {
				scenarios = append(scenarios, scenario{Name: who.name + " " + e.name, Principal: who.u, Method: e.method, URL: e.url, Body: e.body,
					WantStatus: 403, WantNotContains: []string{"stw_"}})
			}
		}
		scenarios = append(scenarios,
			scenario{Name: "requester lists users", Principal: f.ReqA, Method: "GET", URL: "/api/v1/users", WantStatus: 403},
			scenario{Name: "requester reads another user", Principal: f.ReqA, Method: "GET", URL: fmt.Sprintf("/api/v1/users/%d", f.Agent1.ID), WantStatus: 403},
			scenario{Name: "requester lists groups", Principal: f.ReqA, Method: "GET", URL: "/api/v1/groups", WantStatus: 403},
			scenario{Name: "requester lists organisations", Principal: f.ReqA, Method: "GET", URL: "/api/v1/organisations", WantStatus: 403},
			scenario{Name: "requester reads self", Principal: f.ReqA, Method: "GET", URL: fmt.Sprintf("/api/v1/users/%d", f.ReqA.ID), WantStatus: 200,
				WantContains: []string{f.ReqA.Email}, WantNotContains: []string{"password"}},
			scenario{Name: "me", Principal: f.Agent1, Method: "GET", URL: "/api/v1/me", WantStatus: 200,
				WantContains: []string{`"email":"agent1@example.com"`, `"role":"agent"`, fmt.Sprintf(`"groups":[%d]`, f.Group)}},
			scenario{Name: "admin reads audit", Principal: f.Admin, Method: "GET", URL: "/api/v1/audit", WantStatus: 200, WantContains: []string{"user.create"}},
		)
		f.run(t, scenarios)
		f.unchanged(t, before)
	})
}

// validBody is a well-formed body for a write route, so that a refusal is
// about credentials and not about the input.
func validBody(path, method string) any {
	switch {
	case strings.HasSuffix(path, "/comments"):
		return map[string]any{"body": "hello"}
	case strings.HasSuffix(path, "/links"):
		return map[string]any{"kind": "related_to", "target": "INC0000001"}
	case strings.HasSuffix(path, "/watchers"):
		return map[string]any{"user_id": 1}
	case strings.HasSuffix(path, "/attachments"):
		return "file contents"
	case strings.HasSuffix(path, "/priority-matrix"):
		return map[string]any{"matrix": [][]int{{1, 2, 3}, {2, 3, 4}, {3, 4, 5}}}
	case strings.HasSuffix(path, "/users") && method == "POST":
		return map[string]any{"email": "x@example.com", "name": "X", "role": "agent"}
	case strings.Contains(path, "/members/"):
		return map[string]any{}
	case strings.Contains(path, "/incidents"):
		return map[string]any{"title": "changed"}
	default: // users, groups, organisations, categories, services
		return map[string]any{"name": "changed"}
	}
}
