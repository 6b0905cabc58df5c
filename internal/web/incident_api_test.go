package web_test

import (
	"bytes"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"steward/internal/platform/db"
)

// TestIncidentLifecycleOverAPI follows one incident through the API: create,
// read, change with optimistic locking, comments, journal, links, watchers
// and attachments.
func TestIncidentLifecycleOverAPI(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind)

		created := f.must(t, http.StatusCreated, f.ReqA, "POST", "/api/v1/incidents",
			map[string]any{"title": "Printer on fire", "description": "Third floor printer smells of smoke", "impact": "high", "urgency": "medium"}, nil)
		inc := created.object(t)
		if got := str(inc, "number"); got != "INC0000001" {
			t.Fatalf("number = %q, want INC0000001", got)
		}
		if loc := created.Header.Get("Location"); loc != "/api/v1/incidents/INC0000001" {
			t.Errorf("Location = %q", loc)
		}
		if et := created.Header.Get("ETag"); et != `"1"` {
			t.Errorf("ETag = %q, want \"1\"", et)
		}
		if str(inc, "state") != "new" || num(inc, "priority") != 2 || num(inc, "requester", "id") != f.ReqA.ID {
			t.Errorf("created incident: %s", created)
		}

		const u = "/api/v1/incidents/INC0000001"
		f.run(t, []scenario{
			{Name: "agent reads it", Principal: f.Agent1, Method: "GET", URL: u, WantStatus: 200,
				WantContains: []string{`"title":"Printer on fire"`, `"reassignment_count":0`, `"transitions":`},
				WantHeaders:  map[string]string{"ETag": `"1"`}},
			{Name: "lower-case number", Principal: f.Agent1, Method: "GET", URL: "/api/v1/incidents/inc0000001", WantStatus: 200,
				WantContains: []string{`"number":"INC0000001"`}},
			{Name: "change without If-Match", Principal: f.Agent1, Method: "PATCH", URL: u, Body: map[string]any{"title": "x"},
				WantStatus: 428, WantFields: []string{"If-Match"}},
			{Name: "change with garbage If-Match", Principal: f.Agent1, Method: "PATCH", URL: u, Body: map[string]any{"title": "x"},
				Headers: map[string]string{"If-Match": "banana"}, WantStatus: 422, WantFields: []string{"If-Match"}},
		})

		// A change with the right version moves the ETag on.
		patched := f.must(t, http.StatusOK, f.Agent1, "PATCH", u, map[string]any{
			"state": "in_progress", "assignment_group_id": f.Group, "assignee_id": f.Agent1.ID, "title": "Printer on fire (3rd floor)",
		}, map[string]string{"If-Match": `"1"`})
		if et := patched.Header.Get("ETag"); et != `"2"` {
			t.Errorf("ETag after change = %q, want \"2\"", et)
		}
		p := patched.object(t)
		if str(p, "state") != "in_progress" || num(p, "assignee", "id") != f.Agent1.ID || str(p, "assignee", "name") != f.Agent1.Name || num(p, "version") != 2 {
			t.Errorf("changed incident: %s", patched)
		}

		// A change based on the old version is refused with the current one.
		stale := f.do(t, f.Agent2, "PATCH", u, map[string]any{"title": "Overwritten"}, map[string]string{"If-Match": `"1"`})
		if stale.Status != http.StatusPreconditionFailed {
			t.Fatalf("stale change = %d: %s", stale.Status, stale)
		}
		if pb := checkProblem(t, stale, 412); pb.CurrentVersion != 2 {
			t.Errorf("current_version = %d, want 2", pb.CurrentVersion)
		}
		if et := stale.Header.Get("ETag"); et != `"2"` {
			t.Errorf("412 ETag = %q, want \"2\"", et)
		}
		// W/"2" is accepted as the same version.
		f.must(t, http.StatusOK, f.Agent2, "PATCH", u, map[string]any{"description": "Smoke seen at 9:00"}, map[string]string{"If-Match": `W/"2"`})

		// Comments and work notes.
		c := f.must(t, http.StatusCreated, f.ReqA, "POST", u+"/comments", map[string]any{"body": "Still smoking"}, nil).object(t)
		if str(c, "kind") != "comment" || str(c, "body") != "Still smoking" || num(c, "actor", "id") != f.ReqA.ID {
			t.Errorf("comment: %v", c)
		}
		f.comment(t, f.Agent1, "INC0000001", "work_note", "Facilities called")

		journal := items(t, f.must(t, http.StatusOK, f.Agent1, "GET", u+"/journal", nil, nil))
		want := map[string][2]string{"state": {"new", "in_progress"}, "title": {"Printer on fire", "Printer on fire (3rd floor)"},
			"assignee_id": {"", strconv.FormatInt(f.Agent1.ID, 10)}, "assignment_group_id": {"", strconv.FormatInt(f.Group, 10)}}
		var kinds []string
		for _, e := range journal {
			kinds = append(kinds, str(e, "kind"))
			if str(e, "kind") != "field_change" {
				continue
			}
			if w, ok := want[str(e, "field")]; ok {
				if str(e, "old_value") != w[0] || str(e, "new_value") != w[1] || num(e, "actor", "id") != f.Agent1.ID || str(e, "actor", "name") != f.Agent1.Name {
					t.Errorf("journal %s: %v, want %v -> %v by %s", str(e, "field"), e, w[0], w[1], f.Agent1.Name)
				}
				delete(want, str(e, "field"))
			}
		}
		if len(want) > 0 {
			t.Errorf("journal lacks changes of %v: %v", want, journal)
		}
		for _, k := range []string{"comment", "work_note"} {
			if !slices.Contains(kinds, k) {
				t.Errorf("journal lacks a %s: %v", k, kinds)
			}
		}
		// The journal pages with after/next_after.
		var page struct {
			Items     []map[string]any `json:"items"`
			NextAfter int64            `json:"next_after"`
		}
		f.must(t, http.StatusOK, f.Agent1, "GET", u+"/journal?limit=2", nil, nil).decode(t, &page)
		if len(page.Items) != 2 || page.NextAfter != num(page.Items[1], "id") {
			t.Errorf("journal page: %+v", page)
		}

		testLinks(t, f)
		testWatchers(t, f)
		testAttachments(t, f)
	})
}

func testLinks(t *testing.T, f *fixture) {
	other := f.incident(t, f.Agent1, map[string]any{"title": "Second printer"})
	second := str(other, "number")
	link := f.must(t, http.StatusCreated, f.Agent1, "POST", "/api/v1/incidents/INC0000001/links", map[string]any{"kind": "child_of", "target": second}, nil).object(t)
	if str(link, "kind") != "child_of" || str(link, "record", "number") != second || str(link, "record", "type") != "incident" {
		t.Errorf("link: %v", link)
	}
	list := items(t, f.must(t, http.StatusOK, f.Agent1, "GET", "/api/v1/incidents/INC0000001/links", nil, nil))
	if len(list) != 1 || str(list[0], "kind") != "child_of" || str(list[0], "record", "number") != second {
		t.Errorf("links of INC0000001: %v", list)
	}
	back := items(t, f.must(t, http.StatusOK, f.Agent1, "GET", "/api/v1/incidents/"+second+"/links", nil, nil))
	if len(back) != 1 || str(back[0], "kind") != "parent_of" || str(back[0], "record", "number") != "INC0000001" {
		t.Errorf("links of %s: %v, want parent_of INC0000001", second, back)
	}
	f.run(t, []scenario{
		{Name: "link to a missing record", Principal: f.Agent1, Method: "POST", URL: "/api/v1/incidents/INC0000001/links",
			Body: map[string]any{"kind": "related_to", "target": "INC0000999"}, WantStatus: 422, WantFields: []string{"target"}},
		{Name: "link of unknown kind", Principal: f.Agent1, Method: "POST", URL: "/api/v1/incidents/INC0000001/links",
			Body: map[string]any{"kind": "befriends", "target": second}, WantStatus: 422, WantFields: []string{"kind"}},
		{Name: "requester may not link", Principal: f.ReqA, Method: "POST", URL: "/api/v1/incidents/INC0000001/links",
			Body: map[string]any{"kind": "related_to", "target": second}, WantStatus: 403},
	})
	f.must(t, http.StatusNoContent, f.Agent1, "DELETE", fmt.Sprintf("/api/v1/incidents/INC0000001/links/%d", num(link, "id")), nil, nil)
	if l := items(t, f.must(t, http.StatusOK, f.Agent1, "GET", "/api/v1/incidents/"+second+"/links", nil, nil)); len(l) != 0 {
		t.Errorf("links after delete: %v", l)
	}
	f.must(t, http.StatusNotFound, f.Agent1, "DELETE", fmt.Sprintf("/api/v1/incidents/INC0000001/links/%d", num(link, "id")), nil, nil)
}

func testWatchers(t *testing.T, f *fixture) {
	const u = "/api/v1/incidents/INC0000001"
	f.must(t, http.StatusNoContent, f.Agent1, "POST", u+"/watchers", map[string]any{"user_id": f.Manager.ID}, nil)
	inc := f.must(t, http.StatusOK, f.Agent1, "GET", u, nil, nil).object(t)
	ws, _ := inc["watchers"].([]any)
	if len(ws) != 1 || num(ws[0], "id") != f.Manager.ID || str(ws[0], "name") != f.Manager.Name {
		t.Errorf("watchers: %v", inc["watchers"])
	}
	f.must(t, http.StatusNoContent, f.Agent1, "DELETE", fmt.Sprintf("%s/watchers/%d", u, f.Manager.ID), nil, nil)
	if inc := f.must(t, http.StatusOK, f.Agent1, "GET", u, nil, nil).object(t); inc["watchers"] != nil {
		t.Errorf("watchers after removal: %v", inc["watchers"])
	}
	f.must(t, http.StatusNotFound, f.Agent1, "DELETE", fmt.Sprintf("%s/watchers/%d", u, f.Manager.ID), nil, nil)
}

func testAttachments(t *testing.T, f *fixture) {
	const u = "/api/v1/incidents/INC0000001"
	data := []byte("%PDF-1.4\x00\x01\x02 binary \xff\xfe bytes\r\n")
	up := f.must(t, http.StatusCreated, f.ReqA, "POST", u+"/attachments?name="+url.QueryEscape("smoke report.pdf"), data,
		map[string]string{"Content-Type": "application/pdf"})
	a := up.object(t)
	if str(a, "name") != "smoke report.pdf" || str(a, "content_type") != "application/pdf" || num(a, "size") != int64(len(data)) || len(str(a, "sha256")) != 64 {
		t.Errorf("attachment: %s", up)
	}
	if loc := up.Header.Get("Location"); loc == "" || loc != str(a, "url") {
		t.Errorf("Location %q, url %q", loc, str(a, "url"))
	}
	list := items(t, f.must(t, http.StatusOK, f.ReqA, "GET", u+"/attachments", nil, nil))
	if len(list) != 1 || num(list[0], "id") != num(a, "id") {
		t.Errorf("attachments: %v", list)
	}
	for _, who := range []user{f.ReqA, f.Agent2} {
		dl := f.must(t, http.StatusOK, who, "GET", str(a, "url"), nil, nil)
		if !bytes.Equal(dl.Body, data) {
			t.Errorf("downloaded %q, want %q", dl.Body, data)
		}
		for h, want := range map[string]string{
			"Content-Type": "application/pdf", "Content-Disposition": `attachment; filename="smoke report.pdf"`,
			"X-Content-Type-Options": "nosniff", "Content-Length": strconv.Itoa(len(data)),
		} {
			if got := dl.Header.Get(h); got != want {
				t.Errorf("download %s = %q, want %q", h, got, want)
			}
		}
	}
	// A name with a path keeps only its base; HTML stays a download.
	up = f.must(t, http.StatusCreated, f.Agent1, "POST", u+"/attachments?name="+url.QueryEscape(`..\..\evil.html`), "<script>alert(1)</script>",
		map[string]string{"Content-Type": "text/html"})
	dl := f.must(t, http.StatusOK, f.ReqA, "GET", str(up.object(t), "url"), nil, nil)
	if disp, params, err := mime.ParseMediaType(dl.Header.Get("Content-Disposition")); err != nil || disp != "attachment" || params["filename"] != "evil.html" {
		t.Errorf("Content-Disposition = %q, want an attachment named evil.html", dl.Header.Get("Content-Disposition"))
	}
	if csp := dl.Header.Get("Content-Security-Policy"); csp != "sandbox" {
		t.Errorf("download CSP = %q, want sandbox", csp)
	}
	f.run(t, []scenario{
		{Name: "upload without name", Principal: f.ReqA, Method: "POST", URL: u + "/attachments", Body: "x",
			Headers: map[string]string{"Content-Type": "text/plain"}, WantStatus: 422, WantFields: []string{"name"}},
		{Name: "empty upload", Principal: f.ReqA, Method: "POST", URL: u + "/attachments?name=a.txt", Body: "",
			Headers: map[string]string{"Content-Type": "text/plain"}, WantStatus: 400, WantContains: []string{"body is required"}},
		{Name: "missing attachment", Principal: f.Agent1, Method: "GET", URL: "/api/v1/attachments/999999", WantStatus: 404},
	})
}

// TestIncidentListFiltersAndPages checks each list filter and walks the
// keyset pages.
func TestIncidentListFiltersAndPages(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind)
		levels := []string{"high", "medium", "low"}
		for i := range 12 {
			body := map[string]any{
				"title":   fmt.Sprintf("Incident %02d", i+1),
				"impact":  levels[i%3],
				"urgency": levels[(i/3)%3],
			}
			if i == 4 {
				body["title"] = "Keyboard missing the letter q"
				body["description"] = "The zebrafish keyboard lost a key"
			}
			if i < 6 {
				body["requester_id"] = f.ReqA.ID
			}
			if i%4 == 0 {
				body["assignment_group_id"] = f.Group
				body["assignee_id"] = f.Agent1.ID
			}
			f.incident(t, f.Agent2, body)
		}
		// INC0000002 resolved, INC0000003 canceled: not open.
		f.must(t, http.StatusOK, f.Agent1, "PATCH", "/api/v1/incidents/INC0000002",
			map[string]any{"state": "resolved", "resolution_code": "solved", "resolution_notes": "Rebooted"}, map[string]string{"If-Match": "1"})
		f.must(t, http.StatusOK, f.Agent1, "PATCH", "/api/v1/incidents/INC0000003",
			map[string]any{"state": "canceled", "cancel_reason": "Duplicate"}, map[string]string{"If-Match": "1"})

		all := listAll(t, f, f.Agent1, "/api/v1/incidents?sort=number")
		if len(all) != 12 {
			t.Fatalf("%d incidents listed, want 12", len(all))
		}
		expect := func(pred func(map[string]any) bool) []string {
			var out []string
			for _, it := range all {
				if pred(it) {
					out = append(out, str(it, "number"))
				}
			}
			return out
		}
		cases := []struct {
			name, query string
			want        []string
		}{
			{"open", "state=open", expect(func(m map[string]any) bool { s := str(m, "state"); return s != "resolved" && s != "canceled" })},
			{"resolved", "state=resolved", []string{"INC0000002"}},
			{"two states", "state=resolved,canceled", []string{"INC0000002", "INC0000003"}},
			{"assigned to me", "assignee=me", expect(func(m map[string]any) bool { return num(m, "assignee", "id") == f.Agent1.ID })},
			{"unassigned", "assignee=none", expect(func(m map[string]any) bool { return m["assignee"] == nil })},
			{"no group", "assignment_group=none", expect(func(m map[string]any) bool { return m["assignment_group"] == nil })},
			{"group", "assignment_group=" + strconv.FormatInt(f.Group, 10), expect(func(m map[string]any) bool { return m["assignment_group"] != nil })},
			{"requester", "requester=" + strconv.FormatInt(f.ReqA.ID, 10), expect(func(m map[string]any) bool { return num(m, "requester", "id") == f.ReqA.ID })},
			{"priority 1 or 2", "priority=1,2", expect(func(m map[string]any) bool { return num(m, "priority") <= 2 })},
			{"full text", "q=zebrafish", []string{"INC0000005"}},
			{"full text title word", "q=keyboard", []string{"INC0000005"}},
			{"combined", "state=open&assignee=me&priority=1,2,3", expect(func(m map[string]any) bool {
				s := str(m, "state")
				return s != "resolved" && s != "canceled" && num(m, "assignee", "id") == f.Agent1.ID && num(m, "priority") <= 3
			})},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if len(c.want) == 0 || len(c.want) == 12 {
					t.Fatalf("filter %q does not discriminate in this fixture: %v", c.query, c.want)
				}
				got := numbers(listAll(t, f, f.Agent1, "/api/v1/incidents?sort=number&"+c.query))
				if !slices.Equal(got, c.want) {
					t.Errorf("%s: got %v, want %v", c.query, got, c.want)
				}
			})
		}

		// sort=-priority,opened_at: priority descending (5 first), then oldest first.
		sorted := listAll(t, f, f.Agent1, "/api/v1/incidents?sort=-priority,opened_at")
		if len(sorted) != 12 {
			t.Fatalf("sorted: %d items", len(sorted))
		}
		for i := 1; i < len(sorted); i++ {
			a, b := sorted[i-1], sorted[i]
			ta, tb := when(t, str(a, "opened_at")), when(t, str(b, "opened_at"))
			if num(a, "priority") < num(b, "priority") ||
				num(a, "priority") == num(b, "priority") && (ta.After(tb) || ta.Equal(tb) && str(a, "number") > str(b, "number")) {
				t.Errorf("out of order at %d: %s (P%d %s) before %s (P%d %s)", i, str(a, "number"), num(a, "priority"), str(a, "opened_at"),
					str(b, "number"), num(b, "priority"), str(b, "opened_at"))
			}
		}

		// Pages of 5 over the 12, for several sort orders: each seen once.
		for _, sort := range []string{"", "sort=number", "sort=-priority,opened_at", "sort=priority,-number"} {
			seen := map[string]int{}
			pages := 0
			next := "/api/v1/incidents?limit=5&" + sort
			for next != "" {
				var page struct {
					Items      []map[string]any `json:"items"`
					NextCursor string           `json:"next_cursor"`
				}
				f.must(t, http.StatusOK, f.Agent1, "GET", next, nil, nil).decode(t, &page)
				pages++
				for _, it := range page.Items {
					seen[str(it, "number")]++
				}
				if page.NextCursor == "" {
					next = ""
				} else {
					if len(page.Items) != 5 {
						t.Errorf("%s: page %d has %d items and a next cursor", sort, pages, len(page.Items))
					}
					next = "/api/v1/incidents?limit=5&" + sort + "&cursor=" + url.QueryEscape(page.NextCursor)
				}
				if pages > 5 {
					t.Fatalf("%s: pagination does not end", sort)
				}
			}
			if pages != 3 || len(seen) != 12 {
				t.Errorf("%s: %d pages, %d distinct incidents, want 3 and 12", sort, pages, len(seen))
			}
			for n, c := range seen {
				if c != 1 {
					t.Errorf("%s: %s seen %d times", sort, n, c)
				}
			}
		}
	})
}

func when(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return tm
}

// listAll follows next_cursor to the end and returns every item.
func listAll(t *testing.T, f *fixture, u user, path string) []map[string]any {
	t.Helper()
	var out []map[string]any
	next := path
	for range 50 {
		var page struct {
			Items      []map[string]any `json:"items"`
			NextCursor string           `json:"next_cursor"`
		}
		f.must(t, http.StatusOK, u, "GET", next, nil, nil).decode(t, &page)
		out = append(out, page.Items...)
		if page.NextCursor == "" {
			return out
		}
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		next = path + sep + "cursor=" + url.QueryEscape(page.NextCursor)
	}
	t.Fatalf("%s: pagination does not end", path)
	return nil
}

// TestIdempotencyKey makes a retried create return the first result, and
// keeps each caller's keys their own.
func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind)
		key := map[string]string{"Idempotency-Key": "retry-7f3a"}
		first := f.must(t, http.StatusCreated, f.ReqA, "POST", "/api/v1/incidents", map[string]any{"title": "Wi-Fi down"}, key).object(t)
		before := f.counts(t)
		retry := f.do(t, f.ReqA, "POST", "/api/v1/incidents", map[string]any{"title": "Wi-Fi down"}, key)
		if retry.Status >= 300 || str(retry.object(t), "number") != str(first, "number") {
			t.Errorf("retry = %d %s, want the first incident %s", retry.Status, retry, str(first, "number"))
		}
		f.unchanged(t, before)
		// Another user's identical key is theirs alone: a new incident, not A's.
		other := f.must(t, http.StatusCreated, f.ReqB, "POST", "/api/v1/incidents", map[string]any{"title": "Wi-Fi down"}, key).object(t)
		if str(other, "number") == str(first, "number") || num(other, "requester", "id") != f.ReqB.ID {
			t.Errorf("B's create with A's key returned %v", other)
		}
	})
}
