package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"steward/internal/incident"
	"steward/internal/platform/db"
	"steward/internal/record"
)

// TestPortalShowsOnlyWhatARequesterMayRead: a requester's portal never
// shows another person's record (and cannot tell whether it exists), work
// notes, or agent-only fields, while the public conversation is all there.
func TestPortalShowsOnlyWhatARequesterMayRead(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind)
		ctx := context.Background()
		mine := f.portalReport(t, f.ReqA, "Printer on floor 3 jams", "Every second page.")
		bobs := f.portalReport(t, f.ReqB, "Bob's private salary question", "")
		other := f.portalReport(t, f.ReqB, "Unrelated outage", "")

		// Agents work on it: internal notes, a reassignment, a priority
		// override with its reason, a link, an assignee; and a public reply.
		agent := f.portalAs(t, f.Agent1)
		const note = "WORK NOTE: requester is on the watch list"
		if _, err := f.a.Incidents.Comment(ctx, agent, mine.Number, true, note); err != nil {
			t.Fatal(err)
		}
		prio, reason, group, assignee := 1, "OVERRIDE REASON: CEO's printer", f.Group, f.Agent2.ID
		state := incident.InProgress
		cur, err := f.a.Incidents.Get(ctx, agent, mine.Number)
		if err != nil {
			t.Fatal(err)
		}
		in, err := f.a.Incidents.Update(ctx, agent, mine.Number, cur.Version, incident.Patch{
			Priority: &prio, PriorityReason: &reason, AssignmentGroupID: &group, AssigneeID: &assignee, State: &state})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.a.Incidents.Link(ctx, agent, in.Number, "related_to", other.Number); err != nil {
			t.Fatal(err)
		}
		if _, err := f.a.Incidents.Comment(ctx, agent, mine.Number, false, "We've ordered a new fuser unit."); err != nil {
			t.Fatal(err)
		}

		// The service keeps work notes and internal changes from requesters.
		for _, e := range f.portalJournal(t, mine.Number) {
			if e.Kind == record.WorkNote || strings.Contains(e.Body, note) || strings.Contains(e.Body, reason) || e.Field == "priority" || e.Field == "assignee_id" {
				t.Errorf("requester's journal holds an internal entry: %+v", e)
			}
		}

		w := portalSignIn(t, f)
		page := w.get(t, "/portal/incidents/"+mine.Number)
		wantPage(t, page, 200,
			[]string{"Printer on floor 3 jams", "Every second page.", "We&#39;ve ordered a new fuser unit.", "Alan Agent", "In progress",
				"Handled by", "Service Desk", `aria-current="step"`},
			[]string{note, "WORK NOTE", reason, "OVERRIDE", other.Number, "Unrelated outage", "Grace Agent", "Priority", "P1",
				"reassign", "Reassign", "related_to", "priority"})
		lower := strings.ToLower(page.String())
		for _, s := range []string{"work note", "reassignment"} {
			if strings.Contains(lower, s) {
				t.Errorf("page mentions %q", s)
			}
		}

		// Someone else's record is not found, exactly like a number that
		// does not exist; and nothing can be done to it.
		theirs := w.get(t, "/portal/incidents/"+bobs.Number)
		missing := w.get(t, "/portal/incidents/INC0999999")
		wantPage(t, theirs, http.StatusNotFound, []string{"We couldn&#39;t find that request"}, []string{"salary"})
		if strings.ReplaceAll(theirs.String(), csrf(t, theirs), "") != strings.ReplaceAll(missing.String(), csrf(t, missing), "") {
			t.Errorf("another person's record and a missing one answer differently:\n%s\n---\n%s", theirs, missing)
		}
		wantPage(t, w.get(t, "/portal/incidents/not-a-number"), http.StatusNotFound, nil, nil)
		before := f.counts(t)
		token := csrf(t, page)
		for _, action := range []struct{ path, field string }{
			{"/comments", "body"}, {"/cancel", "reason"}, {"/reopen", "comment"}, {"/confirm", "x"},
		} {
			r := w.post(t, "/portal/incidents/"+bobs.Number+action.path, url.Values{"csrf": {token}, action.field: {"hello"}, "version": {"1"}})
			wantPage(t, r, http.StatusNotFound, nil, []string{"salary"})
		}
		r := w.portalMultipart(t, "/portal/incidents/"+bobs.Number+"/comments", url.Values{"csrf": {token}},
			portalUpload{"x.txt", "text/plain", []byte("x")})
		wantPage(t, r, http.StatusNotFound, nil, nil)
		f.unchanged(t, before)

		// Lists hold only my own records.
		for _, path := range []string{"/portal", "/portal/incidents"} {
			wantPage(t, w.get(t, path), 200, []string{mine.Number}, []string{bobs.Number, "salary", other.Number})
		}

		// A watcher follows the conversation but may not answer for the requester.
		if err := f.a.Incidents.Watch(ctx, agent, mine.Number, f.ReqB.ID); err != nil {
			t.Fatal(err)
		}
		watched := f.must(t, 200, f.ReqB, "GET", "/portal/incidents/"+mine.Number, nil, nil)
		wantPage(t, watched, 200, []string{"We&#39;ve ordered a new fuser unit.", `action="/portal/incidents/` + mine.Number + `/comments"`},
			[]string{note, "Cancel this request", "/cancel", "/confirm"})

		// Agents may use the portal too: it lists their own requests.
		agentMine := f.portalReport(t, f.Agent1, "My own laptop battery", "")
		home := f.must(t, 200, f.Agent1, "GET", "/portal", nil, nil)
		wantPage(t, home, 200, []string{agentMine.Number, "Agent workspace"}, []string{mine.Number})
	})
}

// TestPortalListsPages pages through my records, open and closed, and
// survives a tampered page link.
func TestPortalListsPages(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind)
		ctx := context.Background()
		var numbers []string
		for i := range 23 {
			in := f.portalReport(t, f.ReqA, "Issue number "+portalID(int64(i)), "")
			numbers = append(numbers, in.Number)
		}
		done := f.portalReport(t, f.ReqA, "Long gone", "")
		if _, err := f.a.Incidents.Cancel(ctx, f.portalAs(t, f.ReqA), done.Number, done.Version, "not needed"); err != nil {
			t.Fatal(err)
		}
		w := portalSignIn(t, f)
		first := w.get(t, "/portal/incidents")
		wantPage(t, first, 200, []string{numbers[22], numbers[3], `rel="next"`, `aria-current="page">Open`}, []string{numbers[2], done.Number})
		next := portalNextLink(t, first)
		second := w.get(t, next)
		wantPage(t, second, 200, []string{numbers[2], numbers[0], "Most recent"}, []string{numbers[3], `rel="next"`})
		closed := w.get(t, "/portal/incidents?show=closed")
		wantPage(t, closed, 200, []string{done.Number, "Long gone", "Canceled", `aria-current="page">Closed`}, []string{numbers[0]})

		tampered := w.get(t, strings.Replace(next, "after=", "after=x", 1))
		wantPage(t, tampered, http.StatusBadRequest, []string{"That page link is out of date", numbers[22]}, nil)
		home := w.get(t, "/portal")
		wantPage(t, home, 200, []string{"Your open requests", numbers[22], "View all open"}, []string{numbers[0]})
	})
}

func portalNextLink(t *testing.T, page response) string {
	t.Helper()
	s := page.String()
	i := strings.Index(s, `rel="next"`)
	if i < 0 {
		t.Fatalf("no next link: %s", s)
	}
	start := strings.LastIndex(s[:i], `href="`) + len(`href="`)
	end := strings.Index(s[start:], `"`)
	return strings.ReplaceAll(s[start:start+end], "&amp;", "&")
}

// TestPortalReplyWithFiles: a reply may carry files, or be files alone;
// an empty reply or an oversized file is refused, keeping the text.
func TestPortalReplyWithFiles(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind, maxAttachment(1000))
		in := f.portalReport(t, f.ReqA, "Excel macro error", "")
		path := "/portal/incidents/" + in.Number
		w := portalSignIn(t, f)
		page := w.get(t, path)
		token := csrf(t, page)

		before := f.counts(t)
		wantPage(t, w.portalMultipart(t, path+"/comments", url.Values{"csrf": {token}, "body": {" "}}),
			http.StatusUnprocessableEntity, []string{"Write a message or attach a file.", `id="body-error"`}, nil)
		wantPage(t, w.portalMultipart(t, path+"/comments", url.Values{"csrf": {token}, "body": {"see the log"}},
			portalUpload{"huge.log", "text/plain", make([]byte, 1001)}),
			http.StatusUnprocessableEntity, []string{"huge.log is larger than the 1000 bytes limit", ">see the log</textarea>"}, nil)
		wantPage(t, w.portalMultipart(t, path+"/comments", url.Values{"body": {"no token"}}), http.StatusForbidden, nil, nil)
		f.unchanged(t, before)

		r := w.portalMultipart(t, path+"/comments", url.Values{"csrf": {token}, "body": {"Here is the macro."}},
			portalUpload{"macro.xlsm", "application/octet-stream", []byte("PK\x03\x04 macro")})
		page = w.portalFollow(t, r, path)
		wantPage(t, page, 200, []string{"Your message was sent", "Here is the macro.", "macro.xlsm", `id="latest"`}, nil)
		r = w.portalMultipart(t, path+"/comments", url.Values{"csrf": {token}}, portalUpload{"screen.png", "image/png", []byte("\x89PNG\r\n\x1a\n")})
		wantPage(t, w.portalFollow(t, r, path), 200, []string{"Your files were added.", "screen.png", "macro.xlsm"}, nil)
		files, err := f.a.Incidents.Attachments(context.Background(), f.portalAs(t, f.ReqA), in.Number)
		if err != nil || len(files) != 2 || files[0].ContentType != "application/zip" {
			t.Errorf("attachments %+v, %v (want 2, the first sniffed as zip)", files, err)
		}
	})
}
