package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"steward/internal/incident"
	"steward/internal/platform/db"
	"steward/internal/record"
)

var rowNumber = regexp.MustCompile(`name="pick" value="(INC\d+)@\d+"`)

// rows lists the incident numbers a list page shows, in order.
func rows(page response) []string {
	var out []string
	for _, m := range rowNumber.FindAllSubmatch(page.Body, -1) {
		out = append(out, string(m[1]))
	}
	return out
}

var nextLink = regexp.MustCompile(`href="([^"]+)" rel="next"`)

func TestWorkspaceQueues(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind)
		vpn := f.create(t, f.ReqA, incident.NewIncident{Title: "VPN drops every few minutes"})
		hostile := f.create(t, f.ReqA, incident.NewIncident{Title: `<script>alert(1)</script> printer on fire`})
		mine := f.create(t, f.Agent1, incident.NewIncident{Title: "Mail queue stuck", RequesterID: f.ReqB.ID, AssignmentGroupID: f.Group, AssigneeID: f.Agent1.ID})
		graces := f.create(t, f.Agent1, incident.NewIncident{Title: "Grace's disk is full", RequesterID: f.ReqB.ID, AssignmentGroupID: f.Group, AssigneeID: f.Agent2.ID})
		w := f.signIn(t, f.Agent1)

		home := w.get(t, "/")
		if home.Status != http.StatusSeeOther || home.Header.Get("Location") != "/queues/my-work" {
			t.Errorf("agent home = %d to %q, want 303 to /queues/my-work", home.Status, home.Header.Get("Location"))
		}
		my := w.page(t, "/queues/my-work", 200)
		wantHTML(t, my, 200, []string{"My open work", "Mail queue stuck", `aria-current="page"`, `<span class="count">1</span>`, "Sign out"}, []string{"Grace&#39;s disk", "VPN drops"})
		if got := rows(my); !slices.Equal(got, []string{mine.Number}) {
			t.Errorf("my work lists %v, want %v", got, []string{mine.Number})
		}
		for h, want := range map[string]string{"Content-Security-Policy": "script-src 'self'", "Cache-Control": "no-store"} {
			if got := my.Header.Get(h); !strings.Contains(got, want) {
				t.Errorf("queue page %s = %q", h, got)
			}
		}
		if strings.Contains(my.String(), "<script>") || strings.Contains(my.String(), " style=") || strings.Contains(my.String(), "onclick") {
			t.Errorf("queue page has inline script or style")
		}

		un := w.page(t, "/queues/unassigned", 200)
		wantHTML(t, un, 200, []string{"VPN drops every few minutes", "&lt;script&gt;alert(1)&lt;/script&gt; printer on fire"}, []string{"<script>alert(1)", "Mail queue stuck"})
		if got := rows(un); len(got) != 2 || !slices.Contains(got, vpn.Number) || !slices.Contains(got, hostile.Number) {
			t.Errorf("unassigned lists %v", got)
		}
		open := w.page(t, "/queues/open?sort=opened_at", 200)
		if got := rows(open); !slices.Equal(got, []string{vpn.Number, hostile.Number, mine.Number, graces.Number}) {
			t.Errorf("all open by age lists %v", got)
		}
		newest := w.page(t, "/queues/open?sort=-opened_at", 200)
		if got := rows(newest); !slices.Equal(got, []string{graces.Number, mine.Number, hostile.Number, vpn.Number}) {
			t.Errorf("all open, newest first, lists %v", got)
		}
		wantHTML(t, w.get(t, "/queues/recent"), 200, []string{"Recently updated", vpn.Number}, nil)
		wantHTML(t, w.get(t, "/queues/major"), 200, []string{"No major incidents"}, nil)
		wantHTML(t, w.get(t, "/queues/nope"), 404, []string{"There is no such queue."}, nil)
		wantHTML(t, w.get(t, "/queues/open?sort=title"), 422, []string{"Sort: Is not a sort order this list offers."}, nil)
		wantHTML(t, w.get(t, "/queues/open?after=forged"), 422, []string{"Cursor: Is not a cursor", vpn.Number}, nil)

		// A refined list: filters from the URL, and chosen columns.
		filtered := w.page(t, "/queues/open?f=1&state=open&assignee=none&col=number&col=title&col=requester", 200)
		if got := rows(filtered); len(got) != 2 {
			t.Errorf("filtered to unassigned lists %v", got)
		}
		wantHTML(t, filtered, 200, []string{`class="c-requester"`, "Rita Requester"}, []string{`class="c-priority"`})

		// Search: a number jumps to the record, words search.
		jump := w.get(t, "/search?q="+strings.ToLower(mine.Number))
		if jump.Status != http.StatusSeeOther || jump.Header.Get("Location") != "/incidents/"+mine.Number {
			t.Errorf("search for a number = %d to %q", jump.Status, jump.Header.Get("Location"))
		}
		short := w.get(t, "/search?q=3")
		if short.Header.Get("Location") != "/incidents/"+mine.Number {
			t.Errorf("search for 3 = %d to %q", short.Status, short.Header.Get("Location"))
		}
		found := w.page(t, "/search?q=vpn", 200)
		if got := rows(found); !slices.Equal(got, []string{vpn.Number}) {
			t.Errorf("search vpn lists %v", got)
		}
		wantHTML(t, found, 200, []string{`value="vpn"`}, nil)
		wantHTML(t, w.get(t, "/search?q=INC0009999"), 200, []string{"Nothing matches"}, nil)
	})
}

// TestWorkspaceQueuePagesMergeGroups pages through the unassigned queue,
// which merges the agent's group with incidents in no group: every row
// once, in order.
func TestWorkspaceQueuePagesMergeGroups(t *testing.T) {
	t.Parallel()
	f := newFixture(t, db.SQLite)
	want := map[string]bool{}
	for i := range 64 {
		in := incident.NewIncident{Title: "Printer " + strings.Repeat("x", i%5), RequesterID: f.ReqA.ID, Impact: record.Level(1 + i%3)}
		if i%2 == 0 {
			in.AssignmentGroupID = f.Group
		}
		want[f.create(t, f.Agent1, in).Number] = true
	}
	f.create(t, f.Agent1, incident.NewIncident{Title: "Taken", RequesterID: f.ReqA.ID, AssignmentGroupID: f.Group, AssigneeID: f.Agent2.ID})
	w := f.signIn(t, f.Agent1)
	var seen []string
	var priorities []string
	path := "/queues/unassigned"
	for pages := 0; path != ""; pages++ {
		if pages > 3 {
			t.Fatal("too many pages")
		}
		page := w.page(t, path, 200)
		seen = append(seen, rows(page)...)
		for _, m := range regexp.MustCompile(`title="Priority (\d)"`).FindAllSubmatch(page.Body, -1) {
			priorities = append(priorities, string(m[1]))
		}
		path = ""
		if m := nextLink.FindSubmatch(page.Body); m != nil {
			path = strings.ReplaceAll(string(m[1]), "&amp;", "&")
		}
	}
	if len(seen) != len(want) {
		t.Fatalf("paged through %d rows, want %d: %v", len(seen), len(want), seen)
	}
	for _, n := range seen {
		if !want[n] {
			t.Errorf("%s listed twice or should not be there", n)
		}
		delete(want, n)
	}
	if !slices.IsSorted(priorities) {
		t.Errorf("pages are not in priority order: %v", priorities)
	}
	wantHTML(t, w.page(t, "/queues/my-work", 200), 200, []string{`<span class="label">Unassigned</span><span class="count">64</span>`}, nil)
}

func TestWorkspaceIsForAgentsOnly(t *testing.T) {
	t.Parallel()
	f := newFixture(t, db.SQLite)
	inc := f.create(t, f.ReqA, incident.NewIncident{Title: "Mine"})
	anon := newWebClient(t, f)
	if r := anon.get(t, "/queues/my-work"); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login?next=%2Fqueues%2Fmy-work" {
		t.Errorf("anonymous queue = %d to %q", r.Status, r.Header.Get("Location"))
	}
	rita := f.signIn(t, f.ReqA)
	for _, path := range []string{"/", "/queues/my-work", "/queues/unassigned", "/incidents/" + inc.Number, "/incidents/new", "/search?q=x", "/views/1"} {
		r := rita.get(t, path)
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/portal" {
			t.Errorf("requester GET %s = %d to %q, want 303 to /portal", path, r.Status, r.Header.Get("Location"))
		}
	}
	before := f.counts(t)
	for _, path := range []string{"/incidents/" + inc.Number + "/comments", "/incidents/" + inc.Number, "/incidents/" + inc.Number + "/state",
		"/queues/bulk", "/views", "/incidents/new", "/incidents/" + inc.Number + "/assign-me"} {
		r := rita.post(t, path, url.Values{"body": {"sneaky work note"}, "kind": {"work_note"}, "title": {"x"}, "pick": {inc.Number + "@1"}})
		if r.Status != http.StatusForbidden {
			t.Errorf("requester POST %s = %d, want 403", path, r.Status)
		}
	}
	if r := rita.get(t, "/incidents/"+inc.Number+"/events"); r.Status != http.StatusForbidden {
		t.Errorf("requester events = %d, want 403", r.Status)
	}
	f.unchanged(t, before)
}
