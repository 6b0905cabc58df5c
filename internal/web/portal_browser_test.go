package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"steward/internal/incident"
	"steward/internal/platform/db"
)

// TestBrowserPortalRequesterJourney walks a requester through the portal in
// headless Chromium: sign in, report an issue with a file (after a first
// try with mistakes), follow the agent's work (seeing the public reply and
// the resolution, never the work note), reopen it, and cancel another.
func TestBrowserPortalRequesterJourney(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		ctx := browser(t)
		f := newFixture(t, kind)
		bg := context.Background()
		file := filepath.Join(t.TempDir(), "vpn-error.txt")
		if err := os.WriteFile(file, []byte("error 809: the connection timed out"), 0o644); err != nil {
			t.Fatal(err)
		}
		const hostile = `<img src=x onerror="document.title='pwned'">Printer`
		if _, _, err := f.a.Incidents.Create(bg, f.portalAs(t, f.ReqA), incident.NewIncident{Title: hostile, Description: hostile}); err != nil {
			t.Fatal(err)
		}

		// Sign in: the portal sends us to the form and back.
		portalRun(t, ctx, "sign in",
			chromedp.Navigate(f.srv.URL+"/portal"),
			chromedp.WaitVisible(chromedp.CSS("#email")),
			chromedp.SendKeys(chromedp.CSS("#email"), f.ReqA.Email),
			chromedp.SendKeys(chromedp.CSS("#password"), loginPassword),
			chromedp.Click(chromedp.CSS("button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS(".pt-hero")),
		)
		portalWantText(t, ctx, ".pt-hero h1", "Hi Rita, how can we help?")

		// A first try with no title and no urgency: errors, input kept.
		portalRun(t, ctx, "report with mistakes",
			chromedp.Click(chromedp.CSS(".pt-hero .pt-btn")),
			chromedp.WaitVisible(chromedp.CSS("#title")),
			chromedp.SendKeys(chromedp.CSS("#description"), "The VPN drops every few minutes since Monday."),
			chromedp.Click(chromedp.CSS(".pt-form button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS(".pt-error-summary")),
		)
		portalWantText(t, ctx, ".pt-error-summary", "Tell us in a few words what is wrong.")
		portalWantText(t, ctx, ".pt-error-summary", "Choose how much this affects your work.")
		if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#description"))); v != "The VPN drops every few minutes since Monday." {
			t.Errorf("description after errors = %q", v)
		}
		screenshot(t, ctx, "new-errors-desktop")
		portalPhone(t, ctx, "new-errors-phone")

		// The corrected report, with a file.
		portalRun(t, ctx, "report",
			chromedp.SendKeys(chromedp.CSS("#title"), "VPN keeps dropping"),
			chromedp.Click(chromedp.CSS(`label[for="urgency-medium"]`)),
			chromedp.SetUploadFiles(chromedp.CSS("#files"), []string{file}),
			chromedp.Click(chromedp.CSS(".pt-form button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS(".pt-notice")),
		)
		portalWantText(t, ctx, ".pt-notice", "Thanks! We have your request INC0000002")
		portalWantText(t, ctx, ".pt-files", "vpn-error.txt")
		portalWantText(t, ctx, ".pt-track [aria-current=step]", "Submitted")
		portalRun(t, ctx, "home", chromedp.Click(chromedp.CSS(".pt-brand")), chromedp.WaitVisible(chromedp.CSS(".pt-list")))
		portalWantText(t, ctx, ".pt-list", "VPN keeps dropping")
		portalWantText(t, ctx, ".pt-list", "INC0000002")
		screenshot(t, ctx, "home-desktop")
		portalPhone(t, ctx, "home-phone")

		// Markup in a title and description is text, never run.
		portalRun(t, ctx, "hostile record", chromedp.Navigate(f.srv.URL+"/portal/incidents/INC0000001"), chromedp.WaitVisible(chromedp.CSS(".pt-record")))
		portalWantText(t, ctx, ".pt-record-head h1", `<img src=x onerror=`)
		title, _ := chromedp.Run(ctx, chromedp.Title())
		n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('main img').length`))
		if title == "pwned" || n != 0 {
			t.Errorf("markup in a title ran: title %q, %d <img> in main", title, n)
		}

		// The service desk works on it: a work note, a public reply, a resolution.
		agent := f.portalAs(t, f.Agent1)
		if _, err := f.a.Incidents.Comment(bg, agent, "INC0000002", true, "Internal: her laptop is on the old VPN client"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.a.Incidents.Comment(bg, agent, "INC0000002", false, "Could you try the new VPN profile I just sent you?"); err != nil {
			t.Fatal(err)
		}
		f.portalResolve(t, "INC0000002", "Moved you to the new VPN gateway.")
		portalRun(t, ctx, "home after the resolution", chromedp.Navigate(f.srv.URL+"/portal"), chromedp.WaitVisible(chromedp.CSS(".pt-list-attention")))
		portalWantText(t, ctx, ".pt-list-attention", "VPN keeps dropping")
		screenshot(t, ctx, "home-attention-desktop")
		portalRun(t, ctx, "resolved record", chromedp.Click(chromedp.CSS(".pt-list-attention a")), chromedp.WaitVisible(chromedp.CSS(".pt-resolve")))
		portalWantText(t, ctx, ".pt-timeline", "Could you try the new VPN profile I just sent you?")
		portalWantText(t, ctx, ".pt-timeline", "Moved you to the new VPN gateway.")
		portalWantText(t, ctx, ".pt-resolve", "Moved you to the new VPN gateway.")
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
		if strings.Contains(body, "old VPN client") || strings.Contains(body, "Internal:") {
			t.Errorf("the requester sees the work note: %s", body)
		}
		screenshot(t, ctx, "record-desktop")
		portalPhone(t, ctx, "record-phone")
		portalDark(t, ctx, "record-dark")

		// "No, it's still broken" with a comment reopens it.
		portalRun(t, ctx, "reopen",
			chromedp.Click(chromedp.CSS(".pt-resolve summary")),
			chromedp.WaitVisible(chromedp.CSS("#reopen")),
			chromedp.SendKeys(chromedp.CSS("#reopen"), "Still drops after the new profile."),
		)
		screenshot(t, ctx, "record-reopen-desktop")
		portalRun(t, ctx, "reopen",
			chromedp.Click(chromedp.CSS(".pt-resolve .pt-disclose button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS(".pt-notice")),
		)
		portalWantText(t, ctx, ".pt-notice", "reopened")
		portalWantText(t, ctx, ".pt-status-line", "In progress")
		portalWantText(t, ctx, ".pt-timeline", "Still drops after the new profile.")
		if s := f.portalState(t, "INC0000002"); s != incident.InProgress {
			t.Errorf("after reopening in the browser the state is %s", s)
		}

		// And cancel the other one, with a reason.
		portalRun(t, ctx, "cancel",
			chromedp.Navigate(f.srv.URL+"/portal/incidents/INC0000001"),
			chromedp.Click(chromedp.CSS(".pt-cancel summary")),
			chromedp.WaitVisible(chromedp.CSS("#cancel")),
			chromedp.SendKeys(chromedp.CSS("#cancel"), "The printer works again."),
			chromedp.Click(chromedp.CSS(".pt-cancel button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS(".pt-banner")),
		)
		portalWantText(t, ctx, ".pt-banner", "The printer works again.")
		if s := f.portalState(t, "INC0000001"); s != incident.Canceled {
			t.Errorf("after canceling in the browser the state is %s", s)
		}
		portalRun(t, ctx, "list", chromedp.Navigate(f.srv.URL+"/portal/incidents?show=closed"), chromedp.WaitVisible(chromedp.CSS(".pt-list")))
		portalWantText(t, ctx, ".pt-list", "Canceled")
		screenshot(t, ctx, "list-closed-desktop")
	})
}

func portalRun(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	step(t, ctx, what, actions...)
}

// portalWantText fails unless the element's text holds want.
func portalWantText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil || !strings.Contains(got, want) {
		t.Errorf("%s = %q (%v), want it to hold %q", sel, got, err, want)
	}
}

// portalPhone takes a screenshot at a phone's width, then goes back to a laptop's.
func portalPhone(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	portalRun(t, ctx, "phone size", chromedp.EmulateViewport(390, 844))
	screenshot(t, ctx, name)
	portalRun(t, ctx, "laptop size", chromedp.EmulateViewport(1280, 800))
}

// portalDark takes a screenshot in the dark colour scheme.
func portalDark(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	scheme := func(v string) {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: v}}})
		if err != nil {
			t.Fatalf("colour scheme: %v", err)
		}
	}
	scheme("dark")
	screenshot(t, ctx, name)
	scheme("light")
}
