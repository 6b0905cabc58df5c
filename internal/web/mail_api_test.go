package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"steward/internal/mailin"
	"steward/internal/platform/db"
)

// quarantine puts a message from sender in the quarantine (unknown senders
// are refused while refuse_unknown is on) and returns its id.
func (f *fixture) quarantine(t *testing.T, svc *mailin.Service, sender, id string) int64 {
	t.Helper()
	raw := fmt.Sprintf("From: %s\r\nTo: desk@example.com\r\nMessage-ID: <%s>\r\nSubject: Help me\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nCaf\xe9 machine broken\r\n", sender, id)
	res, err := svc.Ingest(context.Background(), []byte(raw), mailin.Source{Name: "smtp"})
	if err != nil || res.Outcome != mailin.Quarantined {
		t.Fatalf("ingest: %+v %v", res, err)
	}
	return res.QuarantineID
}

// TestMailAPI administers the inbound mail quarantine and settings
// through the API: admins only, field-level validation, keyset pages,
// retry and delete.
func TestMailAPI(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind)
		svc := mailin.New(f.a.DB, f.a.Incidents, mailin.Config{})
		svc.Log = f.a.Log
		const settingsURL = "/api/v1/settings/mail"
		refuse := map[string]any{"allowed_domains": []string{}, "refuse_unknown": true, "rate_limit_per_hour": 30, "max_message_bytes": 1 << 20}
		f.must(t, http.StatusOK, f.Admin, "PUT", settingsURL, refuse, nil)
		var ids []int64
		for i := range 3 {
			ids = append(ids, f.quarantine(t, svc, fmt.Sprintf("stranger%d@outside.test", i), fmt.Sprintf("q%d@outside.test", i)))
		}
		q := func(id int64) string { return fmt.Sprintf("/api/v1/mail/quarantine/%d", id) }

		before := f.counts(t)
		f.run(t, []scenario{
			{Name: "agent may not list", Principal: f.Agent1, Method: "GET", URL: "/api/v1/mail/quarantine", WantStatus: http.StatusForbidden},
			{Name: "anonymous may not list", Method: "GET", URL: "/api/v1/mail/quarantine", WantStatus: http.StatusUnauthorized},
			{Name: "manager may not read settings", Principal: f.Manager, Method: "GET", URL: settingsURL, WantStatus: http.StatusForbidden},
			{Name: "agent may not retry", Principal: f.Agent1, Method: "POST", URL: q(ids[0]) + "/retry", WantStatus: http.StatusForbidden},
			{Name: "agent may not delete", Principal: f.Agent1, Method: "DELETE", URL: q(ids[0]), WantStatus: http.StatusForbidden},
			{Name: "bad cursor", Principal: f.Admin, Method: "GET", URL: "/api/v1/mail/quarantine?cursor=abc", WantStatus: http.StatusUnprocessableEntity, WantFields: []string{"cursor"}},
			{Name: "missing entry", Principal: f.Admin, Method: "GET", URL: q(999999), WantStatus: http.StatusNotFound},
			{Name: "bad settings", Principal: f.Admin, Method: "PUT", URL: settingsURL,
				Body:       map[string]any{"allowed_domains": []string{"ok.example", "not a domain"}, "refuse_unknown": false, "rate_limit_per_hour": 0, "max_message_bytes": 5},
				WantStatus: http.StatusUnprocessableEntity, WantFields: []string{"allowed_domains[1]", "rate_limit_per_hour", "max_message_bytes"}},
			{Name: "admin reads one with its raw text", Principal: f.Admin, Method: "GET", URL: q(ids[0]), WantStatus: http.StatusOK,
				WantContains: []string{`"kind":"refused"`, "stranger0@outside.test", `"raw":"From: stranger0@outside.test`, "Caf\uFFFD machine"}},
		})
		f.unchanged(t, before)

		// Two pages, newest first.
		var page struct {
			Items []struct {
				ID     int64  `json:"id"`
				Reason string `json:"reason"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		f.must(t, http.StatusOK, f.Admin, "GET", "/api/v1/mail/quarantine?limit=2", nil, nil).decode(t, &page)
		if len(page.Items) != 2 || page.Items[0].ID != ids[2] || page.NextCursor == "" || page.Items[0].Reason == "" {
			t.Fatalf("first page %+v", page)
		}
		next := page.NextCursor
		page.Items, page.NextCursor = nil, ""
		f.must(t, http.StatusOK, f.Admin, "GET", "/api/v1/mail/quarantine?limit=2&cursor="+next, nil, nil).decode(t, &page)
		if len(page.Items) != 1 || page.Items[0].ID != ids[0] || page.NextCursor != "" {
			t.Fatalf("second page %+v", page)
		}

		// Allow the domain, retry: the message becomes an incident.
		allow := map[string]any{"allowed_domains": []string{"Outside.test"}, "refuse_unknown": false, "rate_limit_per_hour": 30, "max_message_bytes": 1 << 20}
		got := f.must(t, http.StatusOK, f.Admin, "PUT", settingsURL, allow, nil).String()
		if !strings.Contains(got, `"allowed_domains":["outside.test"]`) {
			t.Errorf("settings answer %s", got)
		}
		res := f.must(t, http.StatusOK, f.Admin, "POST", q(ids[0])+"/retry", nil, nil).object(t)
		if str(res, "outcome") != "created" || !strings.HasPrefix(str(res, "number"), "INC") {
			t.Fatalf("retry: %v", res)
		}
		inc := f.must(t, http.StatusOK, f.Admin, "GET", "/api/v1/incidents/"+str(res, "number"), nil, nil).object(t)
		if str(inc, "description") != "Café machine broken" {
			t.Errorf("description %q", str(inc, "description"))
		}
		f.must(t, http.StatusNotFound, f.Admin, "GET", q(ids[0]), nil, nil)

		// The mail of a record, for those who may read it.
		mailURL := "/api/v1/incidents/" + str(res, "number") + "/mail"
		if got := f.must(t, http.StatusOK, f.Agent1, "GET", mailURL, nil, nil).String(); !strings.Contains(got, `"sender":"stranger0@outside.test"`) || !strings.Contains(got, `"outcome":"created"`) {
			t.Errorf("mail of the record: %s", got)
		}
		f.must(t, http.StatusNotFound, f.ReqB, "GET", mailURL, nil, nil)
		f.must(t, http.StatusNoContent, f.Admin, "DELETE", q(ids[1]), nil, nil)
		f.must(t, http.StatusNotFound, f.Admin, "DELETE", q(ids[1]), nil, nil)
	})
}
