package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"steward/internal/platform/db"
)

// TestDirectoryAPI manages users, groups, organisations, categories and
// services through the API.
func TestDirectoryAPI(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind)

		// Organisations.
		org := f.must(t, http.StatusCreated, f.Admin, "POST", "/api/v1/organisations", map[string]any{"name": "Acme Ltd", "domain": "Acme.example"}, nil)
		orgID := num(org.object(t), "id")
		if org.Header.Get("Location") != fmt.Sprintf("/api/v1/organisations/%d", orgID) || str(org.object(t), "domain") != "acme.example" {
			t.Errorf("organisation: %s %v", org, org.Header)
		}
		orgURL := fmt.Sprintf("/api/v1/organisations/%d", orgID)

		// Users.
		created := f.must(t, http.StatusCreated, f.Admin, "POST", "/api/v1/users",
			map[string]any{"email": "linus@example.com", "name": "Linus Newhire", "role": "requester", "organisation_id": orgID}, nil)
		newUser := created.object(t)
		uid := num(newUser, "id")
		userURL := fmt.Sprintf("/api/v1/users/%d", uid)
		if created.Header.Get("Location") != userURL || str(newUser, "role") != "requester" || num(newUser, "organisation_id") != orgID {
			t.Errorf("created user: %s", created)
		}

		// Groups.
		grp := f.must(t, http.StatusCreated, f.Admin, "POST", "/api/v1/groups", map[string]any{"name": "Network", "email": "net@example.com"}, nil).object(t)
		gid := num(grp, "id")
		groupURL := fmt.Sprintf("/api/v1/groups/%d", gid)
		f.must(t, http.StatusNoContent, f.Admin, "PUT", fmt.Sprintf("%s/members/%d", groupURL, f.Agent1.ID), map[string]any{}, nil)
		f.must(t, http.StatusNoContent, f.Admin, "PUT", fmt.Sprintf("%s/members/%d", groupURL, f.Agent2.ID), map[string]any{"available": false}, nil)

		// Categories and services.
		hw := f.must(t, http.StatusCreated, f.Admin, "POST", "/api/v1/categories", map[string]any{"name": "Hardware"}, nil).object(t)
		laptop := f.must(t, http.StatusCreated, f.Admin, "POST", "/api/v1/categories", map[string]any{"name": "Laptop", "parent_id": num(hw, "id")}, nil).object(t)
		if str(laptop, "path") != "Hardware / Laptop" || num(laptop, "parent_id") != num(hw, "id") || laptop["active"] != true {
			t.Errorf("subcategory: %v", laptop)
		}
		svc := f.must(t, http.StatusCreated, f.Admin, "POST", "/api/v1/services", map[string]any{"name": "E-mail", "description": "Mail for all", "owner_group_id": gid}, nil).object(t)
		if num(svc, "owner_group", "id") != gid || str(svc, "owner_group", "name") != "Network" {
			t.Errorf("service: %v", svc)
		}
		svcURL := fmt.Sprintf("/api/v1/services/%d", num(svc, "id"))

		f.run(t, []scenario{
			{Name: "duplicate email", Principal: f.Admin, Method: "POST", URL: "/api/v1/users",
				Body: map[string]any{"email": "linus@example.com", "name": "Other Linus", "role": "agent"}, WantStatus: 422, WantFields: []string{"email"}},
			{Name: "bad email", Principal: f.Admin, Method: "POST", URL: "/api/v1/users",
				Body: map[string]any{"email": "Linus <linus@example.com>", "name": "L", "role": "agent"}, WantStatus: 422, WantFields: []string{"email"}},
			{Name: "unknown role", Principal: f.Admin, Method: "POST", URL: "/api/v1/users",
				Body: map[string]any{"email": "x@example.com", "name": "X", "role": "god"}, WantStatus: 422, WantFields: []string{"role"}},
			{Name: "short password", Principal: f.Admin, Method: "POST", URL: "/api/v1/users",
				Body: map[string]any{"email": "x@example.com", "name": "X", "role": "agent", "password": "short"}, WantStatus: 422, WantFields: []string{"password"}},
			{Name: "no such group", Principal: f.Admin, Method: "POST", URL: "/api/v1/users",
				Body: map[string]any{"email": "x@example.com", "name": "X", "role": "agent", "groups": []int64{9999}}, WantStatus: 422, WantFields: []string{"groups"}},
			{Name: "list users with q", Principal: f.Agent1, Method: "GET", URL: "/api/v1/users?q=newhire", WantStatus: 200,
				WantContains: []string{`"email":"linus@example.com"`}, WantNotContains: []string{"agent1@example.com", "password"}},
			{Name: "list users by role", Principal: f.Agent1, Method: "GET", URL: "/api/v1/users?role=manager", WantStatus: 200,
				WantContains: []string{"manager@example.com"}, WantNotContains: []string{"agent1@example.com", "linus@example.com"}},
			{Name: "get user", Principal: f.Agent1, Method: "GET", URL: userURL, WantStatus: 200, WantContains: []string{`"name":"Linus Newhire"`, `"last_login_at":null`}},
			{Name: "get missing user", Principal: f.Agent1, Method: "GET", URL: "/api/v1/users/99999", WantStatus: 404},
			{Name: "promote user", Principal: f.Admin, Method: "PATCH", URL: userURL, Body: map[string]any{"role": "agent", "groups": []int64{gid}}, WantStatus: 200,
				WantContains: []string{`"role":"agent"`, fmt.Sprintf(`"groups":[%d]`, gid)}},
			{Name: "patch unknown role", Principal: f.Admin, Method: "PATCH", URL: userURL, Body: map[string]any{"role": "king"}, WantStatus: 422, WantFields: []string{"role"}},
			{Name: "patch missing user", Principal: f.Admin, Method: "PATCH", URL: "/api/v1/users/99999", Body: map[string]any{"name": "Ghost"}, WantStatus: 404},

			{Name: "group shows members", Principal: f.Agent1, Method: "GET", URL: groupURL, WantStatus: 200,
				WantContains: []string{`"name":"Network"`, fmt.Sprintf(`{"user_id":%d,"name":"Alan Agent","email":"agent1@example.com","available":true}`, f.Agent1.ID),
					fmt.Sprintf(`{"user_id":%d,"name":"Grace Agent","email":"agent2@example.com","available":false}`, f.Agent2.ID), fmt.Sprintf(`"user_id":%d`, uid)}},
			{Name: "duplicate group", Principal: f.Admin, Method: "POST", URL: "/api/v1/groups", Body: map[string]any{"name": "Network"}, WantStatus: 422, WantFields: []string{"name"}},
			{Name: "member who does not exist", Principal: f.Admin, Method: "PUT", URL: groupURL + "/members/99999", Body: map[string]any{}, WantStatus: 422, WantFields: []string{"user_id"}},
			{Name: "remove member", Principal: f.Admin, Method: "DELETE", URL: fmt.Sprintf("%s/members/%d", groupURL, f.Agent2.ID), WantStatus: 204},
			{Name: "remove member again", Principal: f.Admin, Method: "DELETE", URL: fmt.Sprintf("%s/members/%d", groupURL, f.Agent2.ID), WantStatus: 404},
			{Name: "group without removed member", Principal: f.Agent1, Method: "GET", URL: groupURL, WantStatus: 200,
				WantContains: []string{"agent1@example.com"}, WantNotContains: []string{"agent2@example.com"}},
			{Name: "list groups", Principal: f.Agent1, Method: "GET", URL: "/api/v1/groups", WantStatus: 200, WantContains: []string{"Service Desk", "Network"}},
			{Name: "rename group", Principal: f.Admin, Method: "PATCH", URL: groupURL, Body: map[string]any{"name": "Networks"}, WantStatus: 200,
				WantContains: []string{`"name":"Networks"`, `"email":"net@example.com"`}},

			{Name: "list organisations", Principal: f.Agent1, Method: "GET", URL: "/api/v1/organisations", WantStatus: 200, WantContains: []string{"Acme Ltd"}},
			{Name: "get organisation", Principal: f.Agent1, Method: "GET", URL: orgURL, WantStatus: 200, WantContains: []string{`"domain":"acme.example"`}},
			{Name: "rename organisation", Principal: f.Admin, Method: "PATCH", URL: orgURL, Body: map[string]any{"name": "Acme plc"}, WantStatus: 200,
				WantContains: []string{`"name":"Acme plc"`, `"domain":"acme.example"`}},
			{Name: "bad domain", Principal: f.Admin, Method: "POST", URL: "/api/v1/organisations", Body: map[string]any{"name": "IP Inc", "domain": "10.0.0.1"}, WantStatus: 422, WantFields: []string{"domain"}},
			{Name: "duplicate organisation", Principal: f.Admin, Method: "POST", URL: "/api/v1/organisations", Body: map[string]any{"name": "Acme plc"}, WantStatus: 422, WantFields: []string{"name"}},

			{Name: "third level category", Principal: f.Admin, Method: "POST", URL: "/api/v1/categories", Body: map[string]any{"name": "Battery", "parent_id": num(laptop, "id")}, WantStatus: 422, WantFields: []string{"parent_id"}},
			{Name: "deactivate category", Principal: f.Admin, Method: "PATCH", URL: fmt.Sprintf("/api/v1/categories/%d", num(laptop, "id")), Body: map[string]any{"active": false}, WantStatus: 200,
				WantContains: []string{`"active":false`, `"path":"Hardware / Laptop"`}},
			{Name: "service of no group", Principal: f.Admin, Method: "POST", URL: "/api/v1/services", Body: map[string]any{"name": "VPN", "owner_group_id": 9999}, WantStatus: 422, WantFields: []string{"owner_group_id"}},
			{Name: "get service", Principal: f.ReqA, Method: "GET", URL: svcURL, WantStatus: 200, WantContains: []string{`"name":"E-mail"`}},
			{Name: "missing service", Principal: f.ReqA, Method: "GET", URL: "/api/v1/services/99999", WantStatus: 404},

			{Name: "requester lists categories", Principal: f.ReqA, Method: "GET", URL: "/api/v1/categories", WantStatus: 200, WantContains: []string{"Hardware / Laptop"}},
			{Name: "requester lists services", Principal: f.ReqA, Method: "GET", URL: "/api/v1/services", WantStatus: 200, WantContains: []string{"E-mail"}},
			{Name: "requester may not list users", Principal: f.ReqA, Method: "GET", URL: "/api/v1/users", WantStatus: 403, WantNotContains: []string{"example.com"}},
			{Name: "requester may not read a group", Principal: f.ReqA, Method: "GET", URL: groupURL, WantStatus: 403},
			{Name: "requester may not create a category", Principal: f.ReqA, Method: "POST", URL: "/api/v1/categories", Body: map[string]any{"name": "Mine"}, WantStatus: 403},
		})

		// Users page by id with a cursor: every account once.
		seen := map[string]bool{}
		next := "/api/v1/users?limit=2"
		for pages := 0; next != ""; pages++ {
			if pages > 10 {
				t.Fatal("user pages do not end")
			}
			var page struct {
				Items      []map[string]any `json:"items"`
				NextCursor string           `json:"next_cursor"`
			}
			f.must(t, http.StatusOK, f.Agent1, "GET", next, nil, nil).decode(t, &page)
			for _, u := range page.Items {
				if seen[str(u, "email")] {
					t.Errorf("%s listed twice", str(u, "email"))
				}
				seen[str(u, "email")] = true
			}
			next = ""
			if page.NextCursor != "" {
				next = "/api/v1/users?limit=2&cursor=" + url.QueryEscape(page.NextCursor)
			}
		}
		if len(seen) != 7 {
			t.Errorf("%d users listed, want 7: %v", len(seen), seen)
		}

		// Every change above is in the audit trail.
		audit := f.must(t, http.StatusOK, f.Admin, "GET", "/api/v1/audit?limit=200", nil, nil).String()
		for _, action := range []string{"user.create", "user.update", "group.create", "group.update"} {
			if !strings.Contains(audit, `"action":"`+action+`"`) {
				t.Errorf("audit lacks %s", action)
			}
		}
	})
}
