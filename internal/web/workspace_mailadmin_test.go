package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"steward/internal/notify"
	"steward/internal/platform/db"
)

// Admins edit a notification template with a preview (a broken one is
// refused with the typed text kept), see deliveries, and set the rules for
// mail in; agents reach none of it.
func TestMailAdminPages(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind)
		ctx := context.Background()
		for _, path := range []string{"/admin/mail/templates", "/admin/mail/templates/resolved", "/admin/mail/outbox", "/admin/mail/settings"} {
			if r := f.signIn(t, f.Agent1).get(t, path); r.Status != http.StatusForbidden {
				t.Errorf("agent GET %s = %d, want 403", path, r.Status)
			}
		}
		admin := f.signIn(t, f.Admin)
		wantHTML(t, admin.page(t, "/admin/mail/templates", 200), 200, []string{"Notification templates", "Refused sender", "Built in"}, nil)
		edit := admin.page(t, "/admin/mail/templates/resolved", 200)
		wantHTML(t, edit, 200, []string{"Resolved", `name="subject"`, "{{.Number}} was resolved"}, nil)

		// Preview a draft: rendered with the sample record, nothing saved.
		draft := url.Values{"do": {"preview"}, "subject": {"Done: {{.Title}}"}, "text": {"All fixed, {{.Recipient}}."}, "html": {"<p>All fixed, {{.Recipient}}.</p>"}}
		wantHTML(t, admin.submit(t, edit, "/admin/mail/templates/resolved", draft), 200,
			[]string{"Preview with a sample record", "All fixed, Rita Requester.", `value="Done: {{.Title}}"`}, nil)
		if tpl, _ := notify.TemplateOf(ctx, f.a.DB.Read, notify.Resolved); tpl.Custom {
			t.Error("a preview saved the template")
		}
		// A broken part is refused by name, the typed text kept.
		broken := url.Values{"do": {"save"}, "subject": {"Done: {{.Title"}, "text": {"All fixed."}, "html": {"<p>All fixed.</p>"}}
		wantHTML(t, admin.submit(t, edit, "/admin/mail/templates/resolved", broken), 422, []string{"This template was not saved", "Subject:", `value="Done: {{.Title"`}, nil)
		draft.Set("do", "save")
		if r := admin.submit(t, edit, "/admin/mail/templates/resolved", draft); r.Status != http.StatusSeeOther {
			t.Fatalf("save = %d", r.Status)
		}
		if tpl, _ := notify.TemplateOf(ctx, f.a.DB.Read, notify.Resolved); !tpl.Custom || tpl.Subject != "Done: {{.Title}}" {
			t.Errorf("saved template = %+v", tpl)
		}
		wantHTML(t, admin.page(t, "/admin/mail/outbox", 200), 200, []string{"Mail deliveries", "No mail here"}, nil)

		// Mail settings: bad input is named and kept; good input is saved.
		settings := admin.page(t, "/admin/mail/settings", 200)
		bad := url.Values{"allowed_domains": {"example.com\nnot a domain"}, "rate_limit_per_hour": {"lots"}, "max_message_bytes": {"1000000"}}
		wantHTML(t, admin.submit(t, settings, "/admin/mail/settings", bad), 422, []string{"The settings were not saved", "Rate limit per hour", "not a domain"}, nil)
		good := url.Values{"allowed_domains": {"example.com\nExample.org"}, "refuse_unknown": {"1"}, "rate_limit_per_hour": {"12"}, "max_message_bytes": {"1000000"}}
		admin.submit(t, settings, "/admin/mail/settings", good)
		set, err := f.a.MailIn.Settings(ctx, f.principal(t, f.Admin))
		if err != nil {
			t.Fatal(err)
		}
		if !set.RefuseUnknown || set.RateLimitPerHour != 12 || strings.Join(set.AllowedDomains, ",") != "example.com,example.org" {
			t.Errorf("saved settings = %+v", set)
		}
	})
}
