package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"steward/internal/auth"
	"steward/internal/incident"
	"steward/internal/platform/db"
)

// TestWorkspaceIncidentPage works one incident through the record page:
// fields, a stale save, comments and work notes, state actions, assign to
// me, attachments and links; bad input keeps what was typed.
func TestWorkspaceIncidentPage(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind)
		ctx := context.Background()
		inc := f.create(t, f.ReqA, incident.NewIncident{Title: `Laptop <img src=x onerror=alert(1)> will not boot`, Description: "Black screen\nafter update"})
		other := f.create(t, f.ReqB, incident.NewIncident{Title: "Other trouble"})
		path := "/incidents/" + inc.Number
		w := f.signIn(t, f.Agent1)

		page := w.page(t, path, 200)
		wantHTML(t, page, 200, []string{
			inc.Number, "Laptop &lt;img src=x onerror=alert(1)&gt; will not boot", "Black screen\nafter update",
			"Rita Requester", "Assign to me", ">Start work</button>", "<summary class=\"button secondary\">Resolve</summary>",
			`name="resolution_code"`, `name="version" value="1"`, `data-number="` + inc.Number + `"`, `<script src="/static/app.js" defer></script>`,
		}, []string{"<img src=x", `name="to" value="closed"`, ">Reopen</button>"})
		if r := w.get(t, "/incidents/"+strings.ToLower(inc.Number)); r.Status != http.StatusMovedPermanently {
			t.Errorf("lower-case number = %d, want 301", r.Status)
		}
		wantHTML(t, w.get(t, "/incidents/INC0009999"), 404, []string{"There is nothing here"}, nil)

		// A forged form (no token, or a wrong one) changes nothing.
		before := f.counts(t)
		version, last := formState(t, page)
		form := fieldForm(inc, version, last)
		form.Set("title", "Forged")
		wantHTML(t, w.post(t, path, form), 403, []string{"did not come from Steward"}, nil)
		form.Set("csrf", "forged")
		wantHTML(t, w.post(t, path, form), 403, nil, nil)
		wantHTML(t, w.post(t, path+"/comments", url.Values{"body": {"forged"}}), 403, nil, nil)
		f.unchanged(t, before)

		// Bad input: field messages, and what was typed is kept.
		bad := fieldForm(inc, version, last)
		bad.Set("title", "  ")
		bad.Set("description", "My new <b>description</b>")
		r := w.submit(t, page, path, bad)
		wantHTML(t, r, 422, []string{`id="f-title-error"`, "Is required.", "My new &lt;b&gt;description&lt;/b&gt;"}, nil)
		bad = fieldForm(inc, version, last)
		bad.Set("group", "99999")
		bad.Set("impact", "extreme")
		wantHTML(t, w.submit(t, page, path, bad), 422, []string{`id="f-impact-error"`}, nil)
		bad.Set("impact", "high")
		wantHTML(t, w.submit(t, page, path, bad), 422, []string{`id="f-group-error"`, "No such group: 99999."}, nil)
		f.unchanged(t, before)

		// Someone else changes the record; a save based on the old version
		// is refused, shows the new values and keeps ours.
		grace := f.principal(t, f.Agent2)
		newTitle := "Laptop boots only in safe mode"
		g := f.Group
		if _, err := f.a.Incidents.Update(ctx, grace, inc.Number, inc.Version, incident.Patch{Title: &newTitle, AssignmentGroupID: &g}); err != nil {
			t.Fatal(err)
		}
		mine := fieldForm(inc, version, last)
		mine.Set("title", "My better title")
		mine.Set("ci_ref", "laptop-4711")
		stale := w.submit(t, page, path, mine)
		wantHTML(t, stale, 409, []string{"Not saved", "Grace Agent", "Laptop boots only in safe mode", `value="My better title"`, `value="laptop-4711"`,
			`id="f-title-now"`, "Service Desk", `name="version" value="2"`}, nil)
		if got := f.get(t, inc.Number); got.Title != newTitle || got.CIRef != "" {
			t.Fatalf("a stale save changed the record: %+v", got)
		}
		// Saving again, having seen the new values, applies ours.
		version2, last2 := formState(t, stale)
		mine.Set("version", version2)
		mine.Set("last_entry", last2)
		mine.Set("group", strconv.FormatInt(f.Group, 10))
		if r := w.submit(t, stale, path, mine); r.Status != http.StatusSeeOther {
			t.Fatalf("save after a refusal = %d: %s", r.Status, r)
		}
		saved := f.get(t, inc.Number)
		if saved.Title != "My better title" || saved.CIRef != "laptop-4711" || saved.AssignmentGroupID != f.Group {
			t.Errorf("after saving: %+v", saved)
		}
		page = w.page(t, path, 200)
		wantHTML(t, page, 200, []string{"Saved.", "changed title from", "Alan Agent"}, nil)

		// Work note and public comment, both shown as text.
		if r := w.submit(t, page, path+"/comments", url.Values{"kind": {"work_note"}, "body": {"Checked <b>BIOS</b>; looks like the SSD."}}); r.Status != http.StatusSeeOther {
			t.Fatalf("work note = %d: %s", r.Status, r)
		}
		if r := w.submit(t, page, path+"/comments", url.Values{"kind": {"comment"}, "body": {"We are on it, <script>x()</script>"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("comment = %d: %s", r.Status, r)
		}
		empty := w.submit(t, page, path+"/comments", url.Values{"kind": {"comment"}, "body": {"   "}})
		wantHTML(t, empty, 422, []string{`id="comment-error"`, `value="comment" checked`}, nil)
		page = w.page(t, path, 200)
		wantHTML(t, page, 200, []string{`class="tl-entry tl-work_note"`, "Work note · internal", "Checked &lt;b&gt;BIOS&lt;/b&gt;; looks like the SSD.",
			`class="tl-entry tl-comment"`, "We are on it, &lt;script&gt;x()&lt;/script&gt;"}, []string{"<script>x()"})
		journal := f.must(t, http.StatusOK, f.ReqA, "GET", "/api/v1/incidents/"+inc.Number+"/journal", nil, nil).String()
		if strings.Contains(journal, "BIOS") || !strings.Contains(journal, "We are on it") {
			t.Errorf("the requester's journal: %s", journal)
		}

		// Assign to me.
		version, last = formState(t, page)
		if r := w.submit(t, page, path+"/assign-me", url.Values{"version": {version}, "last_entry": {last}}); r.Status != http.StatusSeeOther {
			t.Fatalf("assign to me = %d: %s", r.Status, r)
		}
		if got := f.get(t, inc.Number); got.AssigneeID != f.Agent1.ID {
			t.Errorf("assignee %d after assign to me", got.AssigneeID)
		}
		// A stale action is refused too.
		wantHTML(t, w.submit(t, page, path+"/state", url.Values{"version": {version}, "last_entry": {last}, "to": {"in_progress"}}), 409,
			[]string{"Not saved", "set assignee"}, nil)

		// Resolve: the required fields are asked for, and typed notes kept.
		page = w.page(t, path, 200)
		version, last = formState(t, page)
		noCode := w.submit(t, page, path+"/state", url.Values{"version": {version}, "last_entry": {last}, "to": {"resolved"}, "resolution_notes": {"Replaced the SSD"}})
		wantHTML(t, noCode, 422, []string{`<details class="drop action" open>`, `id="resolved-resolution_code-error"`, "Replaced the SSD"}, nil)
		done := w.submit(t, page, path+"/state", url.Values{"version": {version}, "last_entry": {last}, "to": {"resolved"},
			"resolution_code": {"solved"}, "resolution_notes": {"Replaced the SSD"}})
		if done.Status != http.StatusSeeOther {
			t.Fatalf("resolve = %d: %s", done.Status, done)
		}
		page = w.page(t, path, 200)
		wantHTML(t, page, 200, []string{"Moved to Resolved.", "Resolved: Solved", "Replaced the SSD", ">Reopen</button>", `name="to" value="closed"`,
			"changed state from <em>New</em> to <em>Resolved</em>"}, []string{"Assign to me"})

		// Attachments: upload, list, download with the session.
		up := w.upload(t, path+"/attachments", token(t, page), "boot log.txt", []byte("kernel panic at 00:01"))
		if up.Status != http.StatusSeeOther {
			t.Fatalf("upload = %d: %s", up.Status, up)
		}
		page = w.page(t, path, 200)
		m := regexp.MustCompile(`href="(/api/v1/attachments/\d+)" download="boot log.txt"`).FindSubmatch(page.Body)
		if m == nil {
			t.Fatalf("attachment not listed: %s", page)
		}
		dl := w.get(t, string(m[1]))
		if dl.Status != 200 || string(dl.Body) != "kernel panic at 00:01" || !strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("download = %d %q %q", dl.Status, dl.Body, dl.Header.Get("Content-Disposition"))
		}
		wantHTML(t, w.upload(t, path+"/attachments", token(t, page), "empty.txt", nil), 422, []string{`id="upload-error"`}, nil)
		wantHTML(t, w.upload(t, path+"/attachments", "forged", "x.txt", []byte("x")), 403, nil, nil)

		// Related records: add, refuse a bad one with the typed number, remove.
		if r := w.submit(t, page, path+"/links", url.Values{"kind": {"related_to"}, "target": {strings.ToLower(other.Number)}}); r.Status != http.StatusSeeOther {
			t.Fatalf("link = %d: %s", r.Status, r)
		}
		wantHTML(t, w.submit(t, page, path+"/links", url.Values{"kind": {"related_to"}, "target": {"INC0004242"}}), 422,
			[]string{`value="INC0004242"`, `id="link-error"`}, nil)
		page = w.page(t, path, 200)
		wantHTML(t, page, 200, []string{`<a href="/incidents/` + other.Number + `">`, "Other trouble", "linked <em>" + other.Number + "</em>"}, nil)
		lm := regexp.MustCompile(`action="(/incidents/INC\d+/links/\d+/delete)"`).FindSubmatch(page.Body)
		if lm == nil {
			t.Fatal("no remove button for the link")
		}
		if r := w.submit(t, page, string(lm[1]), nil); r.Status != http.StatusSeeOther {
			t.Fatalf("unlink = %d: %s", r.Status, r)
		}
		if links, _ := f.a.Incidents.Links(ctx, auth.System, inc.Number); len(links) != 0 {
			t.Errorf("links after removing: %v", links)
		}
	})
}

// TestWorkspaceMajorIncident proposes a major incident as an agent, has a
// manager approve it, and posts to its communications log.
func TestWorkspaceMajorIncident(t *testing.T) {
	t.Parallel()
	f := newFixture(t, db.SQLite)
	inc := f.create(t, f.ReqA, incident.NewIncident{Title: "Mail is down for everyone"})
	path := "/incidents/" + inc.Number
	alan := f.signIn(t, f.Agent1)
	page := alan.page(t, path, 200)
	wantHTML(t, alan.submit(t, page, path+"/major", url.Values{"reason": {" "}}), 422, []string{`id="major-error"`, "The reason is required."}, nil)
	if r := alan.submit(t, page, path+"/major", url.Values{"reason": {"Whole company affected"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("propose = %d: %s", r.Status, r)
	}
	wantHTML(t, alan.page(t, path, 200), 200, []string{"Proposed as a major incident", "a manager decides"}, []string{"Communications log"})
	wantHTML(t, alan.page(t, "/queues/major", 200), 200, []string{inc.Number, "Major?"}, nil)
	if r := alan.submit(t, page, path+"/major/decision", url.Values{"decision": {"approve"}}); r.Status != http.StatusForbidden {
		t.Errorf("an agent decides = %d, want 403", r.Status)
	}

	maggie := f.signIn(t, f.Manager)
	page = maggie.page(t, path, 200)
	wantHTML(t, page, 200, []string{`name="decision" value="approve"`}, nil)
	if r := maggie.submit(t, page, path+"/major/decision", url.Values{"decision": {"approve"}, "note": {"Confirmed"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("approve = %d: %s", r.Status, r)
	}
	page = maggie.page(t, path, 200)
	wantHTML(t, page, 200, []string{`class="banner major"`, "Communications log"}, nil)
	if r := maggie.submit(t, page, path+"/communications", url.Values{"body": {"Mail restored for EMEA; <i>US</i> next."}}); r.Status != http.StatusSeeOther {
		t.Fatalf("communicate = %d: %s", r.Status, r)
	}
	wantHTML(t, maggie.page(t, path, 200), 200, []string{`class="tl-entry tl-communication"`, "Mail restored for EMEA; &lt;i&gt;US&lt;/i&gt; next."}, nil)
}
