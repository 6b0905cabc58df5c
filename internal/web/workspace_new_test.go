package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"steward/internal/platform/db"
)

// TestWorkspaceNewIncident records an incident for a caller: bad input is
// shown with what was typed, and a double submit creates one incident.
func TestWorkspaceNewIncident(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind)
		w := f.signIn(t, f.Agent1)
		page := w.page(t, "/incidents/new", 200)
		wantHTML(t, page, 200, []string{"New incident", `<datalist id="people">`, `<option value="req.a@example.com">Rita Requester</option>`,
			`<option value="medium" selected>`}, nil)
		key := regexpValue(t, page, "key")
		before := f.counts(t)
		bad := url.Values{"key": {key}, "title": {"Printer <b>on fire</b>"}, "requester": {"nobody@example.com"}, "impact": {"high"}, "urgency": {"low"}}
		wantHTML(t, w.submit(t, page, "/incidents/new", bad), 422, []string{"No active account has this email address.",
			`value="Printer &lt;b&gt;on fire&lt;/b&gt;"`, `value="nobody@example.com"`, `<option value="high" selected>`, `<option value="low" selected>`}, nil)
		bad = url.Values{"key": {key}, "title": {" "}, "requester": {f.ReqA.Email}, "impact": {"high"}, "urgency": {"low"}, "assignee": {strconv.FormatInt(f.ReqB.ID, 10)}}
		wantHTML(t, w.submit(t, page, "/incidents/new", bad), 422, []string{"Give the incident a title."}, nil)
		bad.Set("title", "Printer on fire")
		wantHTML(t, w.submit(t, page, "/incidents/new", bad), 422, []string{`id="n-assignee-error"`, "Must be an agent."}, nil)
		wantHTML(t, w.post(t, "/incidents/new", bad), 403, nil, nil)
		f.unchanged(t, before)

		good := url.Values{"key": {key}, "title": {"Printer on fire"}, "description": {"Smoke from tray 2"}, "requester": {" " + strings.ToUpper(f.ReqA.Email)},
			"impact": {"high"}, "urgency": {"high"}, "group": {strconv.FormatInt(f.Group, 10)}, "assignee": {strconv.FormatInt(f.Agent2.ID, 10)}}
		r := w.submit(t, page, "/incidents/new", good)
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/incidents/INC") {
			t.Fatalf("create = %d to %q: %s", r.Status, r.Header.Get("Location"), r)
		}
		again := w.submit(t, page, "/incidents/new", good)
		if again.Header.Get("Location") != r.Header.Get("Location") {
			t.Errorf("a double submit made another incident: %q then %q", r.Header.Get("Location"), again.Header.Get("Location"))
		}
		inc := f.get(t, strings.TrimPrefix(r.Header.Get("Location"), "/incidents/"))
		if inc.RequesterID != f.ReqA.ID || inc.AssigneeID != f.Agent2.ID || inc.Priority != 1 || inc.Description != "Smoke from tray 2" {
			t.Errorf("created %+v", inc)
		}
		wantHTML(t, w.page(t, r.Header.Get("Location"), 200), 200, []string{inc.Number + " created.", "Printer on fire"}, nil)
	})
}

// regexpValue reads the value of the hidden input name in a page.
func regexpValue(t *testing.T, page response, name string) string {
	t.Helper()
	s := page.String()
	i := strings.Index(s, `name="`+name+`" value="`)
	if i < 0 {
		t.Fatalf("no %s field", name)
	}
	s = s[i+len(`name="`+name+`" value="`):]
	return s[:strings.IndexByte(s, '"')]
}
