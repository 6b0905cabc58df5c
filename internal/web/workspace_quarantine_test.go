package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"steward/internal/mailin"
	"steward/internal/platform/db"
)

// Admins see what mail in could not import, with the reason and the raw
// message shown as text, and retry or delete it; agents cannot.
func TestMailQuarantinePages(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind)
		raw := "From: Ada <ada@example.com>\r\nTo: desk@example.com\r\nMessage-ID: <ooo-1@example.com>\r\nAuto-Submitted: auto-replied\r\n" +
			"Subject: Out of office <script>alert(1)</script>\r\n\r\nI am away until Monday. <script>alert(2)</script>\r\n"
		res, err := f.a.MailIn.Ingest(context.Background(), []byte(raw), mailin.Source{Name: "smtp"})
		if err != nil || res.Outcome != mailin.Quarantined {
			t.Fatalf("Ingest = %+v, %v; want quarantined", res, err)
		}
		id := strconv.FormatInt(res.QuarantineID, 10)

		if r := f.signIn(t, f.Agent1).get(t, "/admin/mail/quarantine"); r.Status != http.StatusForbidden {
			t.Errorf("an agent opened the quarantine: %d", r.Status)
		}
		admin := f.signIn(t, f.Admin)
		list := admin.page(t, "/admin/mail/quarantine", 200)
		wantHTML(t, list, 200, []string{"Mail quarantine", "ada@example.com", "Out of office &lt;script&gt;", `href="/admin/mail/quarantine/` + id + `"`}, []string{"<script>alert"})
		entry := admin.page(t, "/admin/mail/quarantine/"+id, 200)
		wantHTML(t, entry, 200, []string{"Why it was not imported", "I am away until Monday. &lt;script&gt;alert(2)&lt;/script&gt;", "Try again"}, []string{"<script>alert"})

		// Retrying an auto-reply changes nothing: it stays, with its reason.
		retried := admin.submit(t, entry, "/admin/mail/quarantine/"+id+"/retry", url.Values{})
		if retried.Status != http.StatusSeeOther || !strings.HasSuffix(retried.Header.Get("Location"), "/admin/mail/quarantine/"+id) {
			t.Errorf("retry = %d to %q", retried.Status, retried.Header.Get("Location"))
		}
		wantHTML(t, admin.page(t, "/admin/mail/quarantine/"+id, 200), 200, []string{"Still not imported"}, nil)

		// A forged delete (no token) is refused; a real one removes it.
		if r := admin.post(t, "/admin/mail/quarantine/"+id+"/delete", url.Values{}); r.Status != http.StatusForbidden {
			t.Errorf("forged delete = %d", r.Status)
		}
		entry = admin.page(t, "/admin/mail/quarantine/"+id, 200)
		admin.submit(t, entry, "/admin/mail/quarantine/"+id+"/delete", url.Values{})
		if r := admin.get(t, "/admin/mail/quarantine/"+id); r.Status != http.StatusNotFound {
			t.Errorf("deleted entry = %d, want 404", r.Status)
		}
		wantHTML(t, admin.page(t, "/admin/mail/quarantine", 200), 200, []string{"Nothing is waiting"}, nil)
	})
}
