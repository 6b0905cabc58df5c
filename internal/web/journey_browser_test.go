package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"steward/internal/incident"
	"steward/internal/platform/db"
)

// TestBrowserServiceDeskJourney is the service desk end to end, each person
// in a browser of their own: Rita reports an incident in the portal; Alan
// finds it in his groups' unassigned queue, takes it, writes a work note and
// a public comment and resolves it; Rita sees the comment and the
// resolution, never the work note, and reopens it; Alan sees it back in
// progress with her reason.
func TestBrowserServiceDeskJourney(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind)
		rita := browser(t)
		alan, cancel := chromedp.NewContext(rita, chromedp.WithNewBrowserContext())
		defer cancel()

		portalRun(t, rita, "Rita signs in to the portal",
			chromedp.Navigate(f.srv.URL+"/portal"),
			chromedp.WaitVisible(chromedp.CSS("#email")),
			chromedp.SendKeys(chromedp.CSS("#email"), f.ReqA.Email),
			chromedp.SendKeys(chromedp.CSS("#password"), loginPassword),
			chromedp.Click(chromedp.CSS("button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS(".pt-hero")))
		portalRun(t, rita, "Rita reports an issue",
			chromedp.Click(chromedp.CSS(".pt-hero .pt-btn")),
			chromedp.WaitVisible(chromedp.CSS("#title")),
			chromedp.SendKeys(chromedp.CSS("#title"), "Laptop will not charge"),
			chromedp.SendKeys(chromedp.CSS("#description"), "The light on the charger stays off since this morning."),
			chromedp.Click(chromedp.CSS(`label[for="urgency-medium"]`)),
			chromedp.Click(chromedp.CSS(".pt-form button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS(".pt-notice")))
		portalWantText(t, rita, ".pt-notice", "INC0000001")

		f.signInBrowser(t, alan, f.Agent1)
		step(t, alan, "Alan opens his groups' unassigned queue",
			chromedp.Click(chromedp.CSS(`nav.side a[href="/queues/unassigned"]`)),
			chromedp.WaitVisible(chromedp.CSS("table.list")))
		if got := textOf(t, alan, "table.list"); !strings.Contains(got, "Laptop will not charge") {
			t.Fatalf("the unassigned queue lacks Rita's incident: %q", got)
		}
		step(t, alan, "Alan opens it",
			chromedp.Click(chromedp.CSS(`td.c-title a[href="/incidents/INC0000001"]`)),
			chromedp.WaitVisible(chromedp.CSS(".record-head h1")))
		step(t, alan, "Alan assigns it to himself",
			chromedp.Click(chromedp.CSS("form[data-shortcut-a] button")),
			chromedp.WaitVisible(chromedp.CSS(".flash.ok")))
		step(t, alan, "Alan writes a work note",
			chromedp.SendKeys(chromedp.CSS("#comment-body"), "Charger PSU-7 is on the recall list."),
			chromedp.Click(chromedp.CSS("#composer button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS(".tl-work_note")))
		step(t, alan, "Alan replies to Rita",
			chromedp.Click(chromedp.CSS(".kind-comment")),
			chromedp.SendKeys(chromedp.CSS("#comment-body"), "A new charger is on its way to your desk."),
			chromedp.Click(chromedp.CSS("#composer button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS(".tl-comment")))
		resolve := `details.action:has(input[name=to][value=resolved])`
		step(t, alan, "Alan resolves it",
			chromedp.Click(chromedp.CSS(resolve+" summary")),
			chromedp.WaitVisible(chromedp.CSS("#resolved-resolution_code")),
			chromedp.SetValue(chromedp.CSS("#resolved-resolution_code"), "solved"),
			chromedp.SendKeys(chromedp.CSS("#resolved-resolution_notes"), "Replaced the charger."),
			chromedp.Click(chromedp.CSS(resolve+" button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS(".resolution")))
		top(t, alan)
		screenshot(t, alan, "agent-resolved")

		portalRun(t, rita, "Rita opens her incident",
			chromedp.Navigate(f.srv.URL+"/portal/incidents/INC0000001"),
			chromedp.WaitVisible(chromedp.CSS(".pt-resolve")))
		portalWantText(t, rita, ".pt-timeline", "A new charger is on its way to your desk.")
		portalWantText(t, rita, ".pt-resolve", "Replaced the charger.")
		if body := textOf(t, rita, "body"); strings.Contains(body, "PSU-7") || strings.Contains(body, "recall") {
			t.Errorf("Rita sees the work note: %s", body)
		}
		screenshot(t, rita, "requester-resolved")
		portalRun(t, rita, "Rita reopens it",
			chromedp.Click(chromedp.CSS(".pt-resolve summary")),
			chromedp.WaitVisible(chromedp.CSS("#reopen")),
			chromedp.SendKeys(chromedp.CSS("#reopen"), "The new charger does not work either."),
			chromedp.Click(chromedp.CSS(".pt-resolve .pt-disclose button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS(".pt-notice")))
		portalWantText(t, rita, ".pt-status-line", "In progress")

		step(t, alan, "Alan sees it back",
			chromedp.Navigate(f.srv.URL+"/incidents/INC0000001"),
			chromedp.WaitVisible(chromedp.CSS(".record-head h1")))
		if got := textOf(t, alan, ".record-meta"); !strings.Contains(got, "In progress") {
			t.Errorf("Alan sees state %q", got)
		}
		if got := textOf(t, alan, ".timeline"); !strings.Contains(got, "The new charger does not work either.") {
			t.Errorf("Alan does not see Rita's reason: %q", got)
		}
		got := f.get(t, "INC0000001")
		if got.State != incident.InProgress || got.AssigneeID != f.Agent1.ID || got.ReopenCount != 1 {
			t.Errorf("stored: state %s, assignee %d, reopened %d times", got.State, got.AssigneeID, got.ReopenCount)
		}
	})
}
