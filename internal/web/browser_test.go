package web_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"net/http/httptest"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"steward/internal/app"
	"steward/internal/auth"
	"steward/internal/incident"
)

const chromiumPath = "/usr/bin/chromium"

// browser starts headless Chromium for a test, or skips (fails under
// STEWARD_TEST_REQUIRE_ALL) when it is not installed.
func browser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("STEWARD_TEST_REQUIRE_ALL") != "" {
			t.Fatalf("%s is missing and STEWARD_TEST_REQUIRE_ALL forbids skipping browser tests", chromiumPath)
		}
		t.Skipf("browser tests skipped: %s not installed (apt-get install chromium)", chromiumPath)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 800),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	// A guard against a hung browser, generous for a loaded 2-core machine.
	ctx, cancelTimeout := context.WithTimeout(bctx, 150*time.Second)
	// chromedp's query helpers run injected functions that the pages' strict
	// Content-Security-Policy would block; the policy itself is checked by
	// the HTTP tests.
	if _, err := chromedp.Call(ctx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true}); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			screenshot(t, ctx, "failure")
		}
		cancelTimeout()
		cancelBrowser()
		cancelAlloc()
	})
	return ctx
}

// screenshot saves the page as PNG in STEWARD_SCREENSHOTS (or the test's
// temporary directory) and logs where.
func screenshot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("STEWARD_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(dir, strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())+"-"+name+".png")
	if err := os.WriteFile(path, png, 0o644); err == nil {
		t.Logf("screenshot: %s", path)
	}
}

func TestBrowserSignInShowsMyOpenIncidents(t *testing.T) {
	t.Parallel()
	ctx := browser(t)
	a, err := app.Open(context.Background(), app.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), MaxAttachment: 1 << 20, Role: "all"},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	bg := context.Background()
	u, err := a.Auth.CreateUser(bg, auth.System, auth.NewUser{Email: "rita@example.com", Name: "Rita Requester", Role: auth.Requester, Password: "rita's long password"})
	if err != nil {
		t.Fatal(err)
	}
	rita := auth.Principal{UserID: u.ID, Name: u.Name, Role: u.Role}
	const hostile = `<img src=x onerror="document.title='pwned'">Laptop will not boot`
	for _, title := range []string{"VPN drops every few minutes", hostile} {
		if _, _, err := a.Incidents.Create(bg, rita, incident.NewIncident{Title: title}); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()

	// A wrong password keeps the email and says what went wrong.
	err = chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "rita@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), "not it"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".alert")),
	)
	if err != nil {
		t.Fatal(err)
	}
	alert, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".alert")))
	email, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#email').value`))
	if !strings.Contains(alert, "Wrong email or password") || email != "rita@example.com" {
		t.Fatalf("after a wrong password: alert %q, email field %q", alert, email)
	}
	screenshot(t, ctx, "login-error")

	// A requester lands in the portal; their list shows their incidents.
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#password"), "rita's long password"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitNotPresent(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS("main h1")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, "/portal") {
		t.Errorf("a requester signed in to %s, want /portal", loc)
	}
	err = chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/portal/incidents"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if err != nil {
		t.Fatal(err)
	}
	table, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	title, _ := chromedp.Run(ctx, chromedp.Title())
	screenshot(t, ctx, "home")
	if !strings.Contains(table, "VPN drops every few minutes") {
		t.Errorf("the portal does not list the open incidents: %q", table)
	}
	// Markup in a title is shown as text and never runs.
	if !strings.Contains(table, `<img src=x onerror=`) || title == "pwned" {
		t.Errorf("hostile title was not shown as text (title %q, table %q)", title, table)
	}
	n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('main img').length`))
	if n != 0 {
		t.Errorf("an <img> from a title reached the page")
	}

	// Signing out ends the session: the home page sends us back to sign in.
	err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS("header details summary")), chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#email")))
	if err != nil {
		t.Fatal(err)
	}
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, "/login") {
		t.Errorf("after sign-out at %s, want /login", loc)
	}
}
