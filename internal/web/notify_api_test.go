package web_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"steward/internal/notify"
	"steward/internal/platform/db"
	"steward/internal/platform/outbox"
)

// TestNotificationAPI covers preferences (any account, its own), templates
// and the mail outbox (admins): permissions, validation with field errors
// that save nothing, preview and pagination.
func TestNotificationAPI(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind)
		const me = "/api/v1/me/notifications"
		const tpl = "/api/v1/notification-templates/commented"
		off := map[string]any{"items": []map[string]any{{"kind": "commented", "enabled": false}}}
		f.run(t, []scenario{
			{Name: "anonymous preferences", Principal: anonymous, Method: "GET", URL: me, WantStatus: 401},
			{Name: "requester reads preferences", Principal: f.ReqA, Method: "GET", URL: me, WantStatus: 200,
				WantContains: []string{`"kind":"created"`, `"kind":"sla_breached"`, `"enabled":true`}, WantNotContains: []string{`"enabled":false`}},
			{Name: "requester turns comments off", Principal: f.ReqA, Method: "PUT", URL: me, Body: off, WantStatus: 200,
				WantContains: []string{`{"kind":"commented","description":"Someone commented on a record you reported or watch","enabled":false}`}},
			{Name: "only for themselves", Principal: f.ReqB, Method: "GET", URL: me, WantStatus: 200, WantNotContains: []string{`"enabled":false`}},
			{Name: "unknown kind", Principal: f.ReqA, Method: "PUT", URL: me, Body: `{"items":[{"kind":"spam","enabled":true}]}`,
				WantStatus: 422, WantFields: []string{"items[0].kind"}},

			{Name: "agent may not read templates", Principal: f.Agent1, Method: "GET", URL: tpl, WantStatus: 403},
			{Name: "manager may not change templates", Principal: f.Manager, Method: "PUT", URL: tpl,
				Body: map[string]any{"subject": "x", "text": "x", "html": "x"}, WantStatus: 403},
			{Name: "admin reads the default", Principal: f.Admin, Method: "GET", URL: tpl, WantStatus: 200,
				WantContains: []string{`"custom":false`, `"subject":"Re: {{.Title}}"`}},
			{Name: "unknown kind of template", Principal: f.Admin, Method: "GET", URL: "/api/v1/notification-templates/nope", WantStatus: 422, WantFields: []string{"kind"}},
			{Name: "template that does not parse", Principal: f.Admin, Method: "PUT", URL: tpl,
				Body: map[string]any{"subject": "{{.Title", "text": "ok", "html": "<p>{{.Nope}}</p>"}, WantStatus: 422, WantFields: []string{"subject", "html"}},
			{Name: "template missing a part", Principal: f.Admin, Method: "PUT", URL: tpl, Body: `{"subject": "x", "text": "y"}`, WantStatus: 422, WantFields: []string{"html"}},
			{Name: "refused edits saved nothing", Principal: f.Admin, Method: "GET", URL: tpl, WantStatus: 200, WantContains: []string{`"custom":false`}},
			{Name: "admin edits", Principal: f.Admin, Method: "PUT", URL: tpl,
				Body:       map[string]any{"subject": "New reply on {{.Title}}", "text": "{{.Actor}} wrote: {{.Body}} {{.Link}}", "html": "<p>{{.Actor}} wrote: {{.Body}}</p>"},
				WantStatus: 200, WantContains: []string{`"custom":true`, `"updated_at"`}},
			{Name: "preview the saved template", Principal: f.Admin, Method: "POST", URL: tpl + "/preview", WantStatus: 200,
				WantContains: []string{`"subject":"[INC0000042] New reply on Printer on floor 3 jams <every> time"`, `Alan Agent wrote: I have ordered`}},
			{Name: "preview a draft escapes HTML", Principal: f.Admin, Method: "POST", URL: "/api/v1/notification-templates/created/preview",
				Body: map[string]any{"html": "<b>{{.Title}}</b>"}, WantStatus: 200,
				WantContains: []string{`"html":"<b>Printer on floor 3 jams &lt;every&gt; time</b>"`}},
			{Name: "preview a broken draft", Principal: f.Admin, Method: "POST", URL: tpl + "/preview", Body: map[string]any{"text": "{{end}}"},
				WantStatus: 422, WantFields: []string{"text"}},
			{Name: "agent may not preview", Principal: f.Agent1, Method: "POST", URL: tpl + "/preview", WantStatus: 403},

			{Name: "agent may not see the outbox", Principal: f.Agent1, Method: "GET", URL: "/api/v1/mail/outbox", WantStatus: 403},
			{Name: "admin sees an empty outbox", Principal: f.Admin, Method: "GET", URL: "/api/v1/mail/outbox", WantStatus: 200, WantContains: []string{`"items":[]`}},
			{Name: "bad status filter", Principal: f.Admin, Method: "GET", URL: "/api/v1/mail/outbox?status=lost", WantStatus: 422, WantFields: []string{"status"}},
			{Name: "forged cursor", Principal: f.Admin, Method: "GET", URL: "/api/v1/mail/outbox?cursor=abc", WantStatus: 422, WantFields: []string{"cursor"}},
		})
	})
}

// TestNotificationOutboxPages queues mail through the real consumer and
// pages through the outbox.
func TestNotificationOutboxPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t, db.SQLite)
	for range 3 {
		f.incident(t, f.ReqA, map[string]any{"title": "Monitor flickers"})
	}
	if err := f.notifyAll(t); err != nil {
		t.Fatal(err)
	}
	type page struct {
		Items []struct {
			ID      int64  `json:"id"`
			Kind    string `json:"kind"`
			Record  string `json:"record"`
			To      string `json:"to"`
			Status  string `json:"status"`
			Subject string `json:"subject"`
		} `json:"items"`
		NextCursor string `json:"next_cursor"`
	}
	var seen []int64
	url := "/api/v1/mail/outbox?limit=2&status=queued"
	for range 3 {
		var page page
		f.must(t, http.StatusOK, f.Admin, "GET", url, nil, nil).decode(t, &page)
		for _, it := range page.Items {
			if it.Kind != "created" || it.To != f.ReqA.Email || it.Status != "queued" || !strings.HasPrefix(it.Subject, "["+it.Record+"] ") {
				t.Errorf("outbox item %+v", it)
			}
			seen = append(seen, it.ID)
		}
		if page.NextCursor == "" {
			break
		}
		url = "/api/v1/mail/outbox?limit=2&status=queued&cursor=" + page.NextCursor
	}
	if len(seen) != 3 || seen[0] <= seen[1] || seen[1] <= seen[2] {
		t.Errorf("outbox ids %v, want 3 newest first", seen)
	}

	if _, err := f.a.DB.Write.Exec(`UPDATE mail_queue SET status = 'failed', last_error = '550 no such mailbox' WHERE id = $1`, seen[0]); err != nil {
		t.Fatal(err)
	}
	retry := func(id int64) string { return "/api/v1/mail/outbox/" + strconv.FormatInt(id, 10) + "/retry" }
	f.run(t, []scenario{
		{Name: "agent may not retry", Principal: f.Agent1, Method: "POST", URL: retry(seen[0]), WantStatus: 403},
		{Name: "no such mail", Principal: f.Admin, Method: "POST", URL: retry(9999), WantStatus: 404},
		{Name: "queued mail is not retried", Principal: f.Admin, Method: "POST", URL: retry(seen[1]), WantStatus: 422, WantFields: []string{"status"}},
		{Name: "failed mail is queued again", Principal: f.Admin, Method: "POST", URL: retry(seen[0]), Body: map[string]any{"note": "mailbox restored"}, WantStatus: 200,
			WantContains: []string{`"status":"queued"`, `"attempts":0`, `"last_error":"550 no such mailbox"`}},
		{Name: "the retry is audited", Principal: f.Admin, Method: "GET", URL: "/api/v1/audit", WantStatus: 200, WantContains: []string{`"action":"notify.retry"`, `mailbox restored`}},
	})
}

// notifyAll runs the notification consumer over every event so far (the
// fixture's app does not run background workers).
func (f *fixture) notifyAll(t *testing.T) error {
	t.Helper()
	n := &notify.Notifier{BaseURL: "https://desk.example.com"}
	for {
		k, err := outbox.Deliver(context.Background(), f.a.DB, n.Consumer(), time.Now())
		if err != nil || k == 0 {
			return err
		}
	}
}
