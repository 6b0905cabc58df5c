package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"steward/internal/incident"
	"steward/internal/platform/db"
)

// TestWorkspaceSavedViews saves a filtered list as a view shared with the
// group, uses it as another member, and edits and deletes it as its owner.
func TestWorkspaceSavedViews(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind)
		urgent := f.create(t, f.ReqA, incident.NewIncident{Title: "Core switch down", Impact: 1, Urgency: 1})
		f.create(t, f.ReqA, incident.NewIncident{Title: "Mouse squeaks", Impact: 3, Urgency: 3})
		alan := f.signIn(t, f.Agent1)
		filtered := "/queues/open?f=1&state=open&priority=1&priority=2&sort=-updated_at&col=number&col=title&col=priority"
		list := alan.page(t, filtered, 200)
		if got := rows(list); !slices.Equal(got, []string{urgent.Number}) {
			t.Fatalf("filtered list shows %v", got)
		}
		spec := "f=1&state=open&priority=1&priority=2&sort=-updated_at&cols=number,title,priority"
		group := strconv.FormatInt(f.Group, 10)

		// A blank name is refused on the list, keeping the choice.
		wantHTML(t, alan.submit(t, list, "/views", url.Values{"name": {" "}, "share": {group}, "spec": {spec}, "return_to": {filtered}}), 422,
			[]string{`id="view-name-error"`, `<details class="drop" open>`, `<option value="` + group + `" selected>`}, nil)
		r := alan.submit(t, list, "/views", url.Values{"name": {"Hot <stuff>"}, "share": {group}, "spec": {spec}, "return_to": {filtered}})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/views/") {
			t.Fatalf("save view = %d to %q: %s", r.Status, r.Header.Get("Location"), r)
		}
		path := r.Header.Get("Location")
		page := alan.page(t, path, 200)
		wantHTML(t, page, 200, []string{"Saved the view “Hot &lt;stuff&gt;”.", `<span class="label">Hot &lt;stuff&gt;`, "Edit view",
			`class="c-priority"`, `aria-current="true">Updated`}, []string{`class="c-assignee"`, "Mouse squeaks"})
		if got := rows(page); !slices.Equal(got, []string{urgent.Number}) {
			t.Errorf("view lists %v", got)
		}
		wantHTML(t, alan.submit(t, list, "/views", url.Values{"name": {"HOT <STUFF>"}, "spec": {spec}, "return_to": {filtered}}), 422,
			[]string{"You already have a view named", `value="HOT &lt;STUFF&gt;"`}, nil)

		// Grace, in the same group, sees and uses it but cannot change it.
		grace := f.signIn(t, f.Agent2)
		gpage := grace.page(t, path, 200)
		wantHTML(t, gpage, 200, []string{"Shared by Alan Agent with Service Desk.", urgent.Number}, []string{"Edit view"})
		wantHTML(t, grace.get(t, path+"/edit"), 403, []string{"Only Alan Agent can change this view."}, nil)
		wantHTML(t, grace.submit(t, gpage, path+"/delete", nil), 403, nil, nil)
		// Maggie is in no group: the view does not exist for her.
		maggie := f.signIn(t, f.Manager)
		wantHTML(t, maggie.get(t, path), 404, nil, nil)

		// Alan edits it: bad input is kept, then it is saved; then deleted.
		edit := alan.page(t, path+"/edit", 200)
		wantHTML(t, edit, 200, []string{`value="Hot &lt;stuff&gt;"`, `value="1" checked`, `<option value="-updated_at" selected>`}, nil)
		bad := url.Values{"f": {"1"}, "name": {"Renamed"}, "state": {"bogus"}, "sort": {"opened_at"}, "col": {"number", "title"}}
		wantHTML(t, alan.submit(t, edit, path, bad), 422, []string{`value="Renamed"`, "Unknown state"}, nil)
		good := url.Values{"f": {"1"}, "name": {"Low priority"}, "priority": {"4", "5"}, "sort": {"opened_at"}, "col": {"number", "title", "assignee"}}
		if r := alan.submit(t, edit, path, good); r.Status != http.StatusSeeOther {
			t.Fatalf("update view = %d: %s", r.Status, r)
		}
		page = alan.page(t, path, 200)
		wantHTML(t, page, 200, []string{"Low priority", "Mouse squeaks", `class="c-assignee"`}, []string{"Core switch down"})
		if r := grace.get(t, path); r.Status != http.StatusNotFound {
			t.Errorf("after unsharing, Grace reads the view: %d", r.Status)
		}
		if r := alan.submit(t, page, path+"/delete", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("delete view = %d: %s", r.Status, r)
		}
		wantHTML(t, alan.get(t, path), 404, nil, nil)
	})
}
