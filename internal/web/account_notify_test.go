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

// Agents and requesters choose their notification kinds on a page of their
// own; a form without its token changes nothing.
func TestNotificationSettingsPages(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind)
		enabled := func(userID int64) map[notify.Kind]bool {
			prefs, err := notify.Preferences(context.Background(), f.a.DB.Read, userID)
			if err != nil {
				t.Fatal(err)
			}
			out := map[notify.Kind]bool{}
			for _, p := range prefs {
				out[p.Kind] = p.Enabled
			}
			return out
		}

		agent := f.signIn(t, f.Agent1)
		page := agent.page(t, "/account/notifications", 200)
		wantHTML(t, page, 200, []string{"Notifications", "Service level warning", "Mentioned in a work note", `value="sla_warning" checked`}, nil)
		form := url.Values{"csrf": {token(t, page)}}
		for _, k := range notify.Kinds {
			if k != notify.SLAWarning && k != notify.Mentioned {
				form.Add("on", string(k))
			}
		}
		agent.submit(t, page, "/account/notifications", form)
		got := enabled(f.Agent1.ID)
		if got[notify.SLAWarning] || got[notify.Mentioned] || !got[notify.Assigned] || !got[notify.SLABreached] {
			t.Errorf("agent settings after saving = %v", got)
		}
		wantHTML(t, agent.page(t, "/account/notifications", 200), 200, []string{`value="sla_warning">`, `value="assigned" checked`}, []string{`value="sla_warning" checked`})

		// A forged post (no token) is refused and changes nothing.
		forged := agent.post(t, "/account/notifications", url.Values{"on": {"sla_warning", "mentioned"}})
		if forged.Status != http.StatusForbidden || enabled(f.Agent1.ID)[notify.SLAWarning] {
			t.Errorf("forged post = %d, settings %v", forged.Status, enabled(f.Agent1.ID))
		}

		requester := f.signIn(t, f.ReqA)
		pp := requester.page(t, "/portal/notifications", 200)
		wantHTML(t, pp, 200, []string{"Email notifications", "New public comment", "Resolved"}, []string{"Service level", "approval", "work note"})
		requester.submit(t, pp, "/portal/notifications", url.Values{"csrf": {token(t, pp)}, "on": {"created", "resolved"}})
		got = enabled(f.ReqA.ID)
		if got[notify.Commented] || got[notify.Reopened] || !got[notify.Created] || !got[notify.Resolved] {
			t.Errorf("requester settings after saving = %v", got)
		}
		if back := requester.page(t, "/portal/notifications", 200); !strings.Contains(back.String(), "Your email settings are saved.") {
			t.Error("no notice after saving")
		}
		// A requester cannot reach the agents' page.
		if r := requester.get(t, "/account/notifications"); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/portal" {
			t.Errorf("requester on the agents' page = %d %s", r.Status, r.Header.Get("Location"))
		}
	})
}
