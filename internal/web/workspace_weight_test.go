package web_test

import (
	"fmt"
	"net/url"
	"testing"

	"steward/internal/incident"
	"steward/internal/platform/db"
)

// TestWorkspacePagesAreLight checks what a browser downloads for a full
// queue page and a busy incident page, with the stylesheet and script:
// under 150 KB each.
func TestWorkspacePagesAreLight(t *testing.T) {
	t.Parallel()
	f := newFixture(t, db.SQLite)
	ctx := t.Context()
	var last incident.Incident
	for i := range 60 {
		last = f.create(t, f.ReqA, incident.NewIncident{Title: fmt.Sprintf("Laptop %d keeps losing its Wi-Fi connection in the east wing", i),
			Description: "Since Monday the laptop drops off the network every few minutes."})
	}
	grace := f.principal(t, f.Agent2)
	for i := range 60 {
		if _, err := f.a.Incidents.Comment(ctx, grace, last.Number, i%2 == 0, fmt.Sprintf("Update %d: tried another access point, same result; will check the driver next.", i)); err != nil {
			t.Fatal(err)
		}
	}
	w := f.signIn(t, f.Agent1)
	css := w.page(t, "/static/app.css", 200)
	js := w.page(t, "/static/app.js", 200)
	for _, path := range []string{"/queues/open", "/queues/open?f=1&col=" + url.QueryEscape("number") + "&col=title&col=priority&col=state&col=group&col=assignee&col=requester&col=updated&col=opened&col=category&col=service", "/incidents/" + last.Number, "/incidents/new"} {
		page := w.page(t, path, 200)
		total := len(page.Body) + len(css.Body) + len(js.Body)
		t.Logf("%s: %d bytes HTML + %d CSS + %d JS = %d", path, len(page.Body), len(css.Body), len(js.Body), total)
		if total > 150<<10 {
			t.Errorf("%s sends %d bytes with its CSS and JS, more than 150 KB", path, total)
		}
	}
}
