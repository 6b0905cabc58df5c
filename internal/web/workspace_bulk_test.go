package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"steward/internal/incident"
	"steward/internal/platform/db"
	"steward/internal/record"
)

// TestWorkspaceBulkUpdate assigns several incidents at once: a record that
// changed since the list was loaded, and one the change does not fit, are
// reported without stopping the others.
func TestWorkspaceBulkUpdate(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind)
		ctx := context.Background()
		var incs []incident.Incident
		for _, title := range []string{"Printer jams", "Scanner offline", "Badge reader beeps", "Old one"} {
			incs = append(incs, f.create(t, f.ReqA, incident.NewIncident{Title: title}))
		}
		w := f.signIn(t, f.Agent1)
		list := w.page(t, "/queues/unassigned", 200)
		picks := url.Values{}
		for _, in := range incs {
			picks.Add("pick", in.Number+"@"+strconv.FormatInt(in.Version, 10))
		}
		// Meanwhile: one is changed by someone else, one is canceled.
		grace := f.principal(t, f.Agent2)
		title := "Scanner offline on floor 2"
		if _, err := f.a.Incidents.Update(ctx, grace, incs[1].Number, 1, incident.Patch{Title: &title}); err != nil {
			t.Fatal(err)
		}
		canceled, reason := incident.Canceled, "duplicate call"
		if _, err := f.a.Incidents.Update(ctx, grace, incs[3].Number, 1, incident.Patch{State: &canceled, CancelReason: &reason}); err != nil {
			t.Fatal(err)
		}

		// Bad forms are shown again with what was typed, touching nothing.
		before := f.counts(t)
		noPick := url.Values{"return_to": {"/queues/unassigned"}, "note": {"typed note"}, "assignee": {"me"}}
		wantHTML(t, w.submit(t, list, "/queues/bulk", noPick), 422, []string{"Select at least one incident.", "typed note", `<option value="me" selected>`}, nil)
		noChange := url.Values{"return_to": {"/queues/unassigned"}, "pick": picks["pick"]}
		wantHTML(t, w.submit(t, list, "/queues/bulk", noChange), 422, []string{"Choose what to change, or write a work note.",
			`value="` + incs[0].Number + `@1" aria-label="Select ` + incs[0].Number + `" checked`}, nil)
		resolve := url.Values{"return_to": {"/queues/unassigned"}, "pick": picks["pick"], "state": {"resolved"}, "resolution_notes": {"fixed the lot"}}
		wantHTML(t, w.submit(t, list, "/queues/bulk", resolve), 422, []string{"Required to move to Resolved.", "fixed the lot"}, nil)
		wantHTML(t, w.post(t, "/queues/bulk", url.Values{"pick": picks["pick"], "assignee": {"me"}}), 403, nil, nil)
		f.unchanged(t, before)

		form := url.Values{"return_to": {"/queues/unassigned"}, "pick": picks["pick"], "assignee": {"me"},
			"group": {strconv.FormatInt(f.Group, 10)}, "note": {"Taking these <b>now</b>"}}
		r := w.submit(t, list, "/queues/bulk", form)
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/queues/unassigned" {
			t.Fatalf("bulk = %d to %q: %s", r.Status, r.Header.Get("Location"), r)
		}
		after := w.page(t, "/queues/unassigned", 200)
		wantHTML(t, after, 200, []string{"2 incidents updated, 2 not: see below.",
			`<li class="ok"><a href="/incidents/` + incs[0].Number + `">`,
			`<li class="bad"><a href="/incidents/` + incs[1].Number + `">` + incs[1].Number + `</a> <span>Changed by someone else`,
			`<li class="bad"><a href="/incidents/` + incs[3].Number + `">`}, nil)
		for i, want := range []bool{true, false, true, false} {
			got := f.get(t, incs[i].Number)
			if (got.AssigneeID == f.Agent1.ID) != want {
				t.Errorf("%s assignee %d, want assigned: %v", got.Number, got.AssigneeID, want)
			}
		}
		notes, err := f.a.Incidents.Journal(ctx, grace, incs[0].Number, 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range notes {
			found = found || e.Kind == record.WorkNote && e.Body == "Taking these <b>now</b>"
		}
		if !found {
			t.Errorf("no work note on %s: %+v", incs[0].Number, notes)
		}
		// The flash is shown once.
		wantHTML(t, w.page(t, "/queues/unassigned", 200), 200, nil, []string{"see below"})
	})
}
