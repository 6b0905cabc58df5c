package web_test

import (
	"bytes"
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"steward/internal/auth"
	"steward/internal/directory"
	"steward/internal/platform/db"
)

// TestPortalReportIssue reports an issue through the portal form: bad
// input comes back with field messages and what was typed, a forged post
// is refused, and a good one creates the record with its files.
func TestPortalReportIssue(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind, maxAttachment(64<<10))
		ctx := context.Background()
		cat, err := f.a.Directory.CreateCategory(ctx, auth.System, directory.CategoryInput{Name: "Network"})
		if err != nil {
			t.Fatal(err)
		}
		svc, err := f.a.Directory.CreateService(ctx, auth.System, directory.ServiceInput{Name: "VPN"})
		if err != nil {
			t.Fatal(err)
		}

		anon := newWebClient(t, f)
		if r := anon.get(t, "/portal/new"); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login?next=%2Fportal%2Fnew" {
			t.Errorf("anonymous /portal/new = %d to %q, want the sign-in page", r.Status, r.Header.Get("Location"))
		}

		w := portalSignIn(t, f)
		form := w.get(t, "/portal/new")
		wantPage(t, form, 200, []string{
			`enctype="multipart/form-data"`, `<legend>How much does this affect your work?</legend>`,
			`value="high"`, "It stops my work", "It slows me down", "Minor / no rush",
			`<option value="` + portalID(cat.ID) + `">Network</option>`, `<option value="` + portalID(svc.ID) + `">VPN</option>`,
			`type="file" multiple`, "64 KB each",
		}, []string{"impact", "Impact"})
		good := func() url.Values {
			return url.Values{"csrf": {csrf(t, form)}, "key": {"k-" + t.Name()}, "title": {"VPN keeps dropping"},
				"description": {"Since Monday, every 5 minutes."}, "urgency": {"medium"}}
		}
		before := f.counts(t)

		bad := []struct {
			name, field, value, want string
			keep                     []string
		}{
			{"empty title", "title", "  ", "Tell us in a few words what is wrong.", []string{"Since Monday, every 5 minutes."}},
			{"long title", "title", strings.Repeat("x", 201), "Keep the summary under 200 characters", []string{`value="` + strings.Repeat("x", 201) + `"`}},
			{"bad urgency", "urgency", "urgent!", "Choose how much this affects your work.", []string{`value="VPN keeps dropping"`}},
			{"no urgency", "urgency", "", "Choose how much this affects your work.", []string{`value="VPN keeps dropping"`}},
			{"unknown category", "category", "999999", "Choose a category from the list", []string{`value="VPN keeps dropping"`}},
			{"unknown service", "service", "abc", "Choose a service from the list", nil},
		}
		for _, b := range bad {
			t.Run(b.name, func(t *testing.T) {
				v := good()
				v.Set(b.field, b.value)
				r := w.portalMultipart(t, "/portal/new", v, portalUpload{"log.txt", "text/plain", []byte("lost on error")})
				want := append([]string{b.want, `href="#` + b.field + `"`, `id="` + b.field + `-error"`, "Please choose your files again"}, b.keep...)
				wantPage(t, r, http.StatusUnprocessableEntity, want, nil)
				if b.field != "urgency" {
					wantPage(t, r, http.StatusUnprocessableEntity, []string{`value="medium" checked`}, nil)
				}
			})
		}
		t.Run("file too large", func(t *testing.T) {
			r := w.portalMultipart(t, "/portal/new", good(), portalUpload{"big.bin", "application/octet-stream", make([]byte, 64<<10+1)})
			wantPage(t, r, http.StatusUnprocessableEntity, []string{"big.bin is larger than the 64 KB limit for each file.", `value="VPN keeps dropping"`}, nil)
		})
		t.Run("too many files", func(t *testing.T) {
			var files []portalUpload
			for i := range 6 {
				files = append(files, portalUpload{"f" + portalID(int64(i)) + ".txt", "text/plain", []byte("x")})
			}
			wantPage(t, w.portalMultipart(t, "/portal/new", good(), files...), http.StatusUnprocessableEntity, []string{"Attach at most 5 files"}, nil)
		})
		t.Run("forged post without the form token", func(t *testing.T) {
			v := good()
			v.Del("csrf")
			wantPage(t, w.portalMultipart(t, "/portal/new", v), http.StatusForbidden, []string{"Your form expired"}, nil)
			v.Set("csrf", "forged")
			wantPage(t, w.post(t, "/portal/new", v), http.StatusForbidden, nil, nil)
			cross := send(t, w.c, w.base, anonymous, "POST", "/portal/new", good().Encode(), map[string]string{
				"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
			if cross.Status != http.StatusForbidden {
				t.Errorf("cross-site post = %d, want 403", cross.Status)
			}
		})
		f.unchanged(t, before)

		// A good report: the record, its files, a notice, and the page.
		v := good()
		v.Set("category", portalID(cat.ID))
		v.Set("service", portalID(svc.ID))
		png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 100)...)
		r := w.portalMultipart(t, "/portal/new", v, portalUpload{"screen.png", "image/png", png}, portalUpload{"notes.txt", "text/plain", []byte("ping log")})
		page := w.portalFollow(t, r, "/portal/incidents/INC0000001")
		wantPage(t, page, 200, []string{"Thanks! We have your request INC0000001", `role="status"`, "VPN keeps dropping",
			"Since Monday, every 5 minutes.", "It slows me down", "Network", "VPN", "screen.png", "notes.txt", "Submitted"}, nil)
		if again := w.get(t, "/portal/incidents/INC0000001"); strings.Contains(again.String(), "Thanks!") {
			t.Errorf("the notice shows twice")
		}
		in, err := f.a.Incidents.Get(ctx, f.portalAs(t, f.ReqA), "INC0000001")
		if err != nil {
			t.Fatal(err)
		}
		if in.RequesterID != f.ReqA.ID || in.Urgency.String() != "medium" || in.CategoryID != cat.ID || in.ServiceID != svc.ID {
			t.Errorf("created %+v", in.Record)
		}
		files, err := f.a.Incidents.Attachments(ctx, f.portalAs(t, f.ReqA), "INC0000001")
		if err != nil || len(files) != 2 {
			t.Fatalf("attachments %v, %v", files, err)
		}
		for _, a := range files {
			dl := w.get(t, "/api/v1/attachments/"+portalID(a.ID))
			want := map[string][]byte{"screen.png": png, "notes.txt": []byte("ping log")}[a.Name]
			if dl.Status != 200 || !bytes.Equal(dl.Body, want) || !strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment") {
				t.Errorf("download %s = %d %q %q", a.Name, dl.Status, dl.Header.Get("Content-Disposition"), dl.Body)
			}
			if !strings.Contains(page.String(), `href="/api/v1/attachments/`+portalID(a.ID)+`"`) {
				t.Errorf("page has no download link for %s", a.Name)
			}
		}

		// The same form sent twice (a double click) makes one record.
		n := f.counts(t)["records"]
		w.portalFollow(t, w.portalMultipart(t, "/portal/new", v), "/portal/incidents/INC0000001")
		if f.counts(t)["records"] != n {
			t.Errorf("a repeated form created another record")
		}
	})
}

// TestPortalShowsHostileTextAsText puts markup in every text a requester
// types and checks each page shows it escaped.
func TestPortalShowsHostileTextAsText(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind)
		w := portalSignIn(t, f)
		const title = `<script>alert("t")</script>`
		const desc = `<img src=x onerror=alert(1)>`
		const reply = `</textarea><b onmouseover=alert(2)>hi</b>`
		form := w.get(t, "/portal/new")
		r := w.portalMultipart(t, "/portal/new", url.Values{"csrf": {csrf(t, form)}, "title": {title}, "description": {desc}, "urgency": {"low"}})
		page := w.portalFollow(t, r, "/portal/incidents/INC0000001")
		r = w.portalMultipart(t, "/portal/incidents/INC0000001/comments", url.Values{"csrf": {csrf(t, page)}, "body": {reply}})
		page = w.portalFollow(t, r, "/portal/incidents/INC0000001")
		raw := []string{title, desc, reply, "<b onmouseover"}
		escaped := []string{html.EscapeString(title), html.EscapeString(desc), html.EscapeString(reply)}
		wantPage(t, page, 200, escaped, raw)
		for _, path := range []string{"/portal", "/portal/incidents"} {
			wantPage(t, w.get(t, path), 200, []string{html.EscapeString(title)}, []string{title})
		}
		// Typed input that comes back with an error is escaped too.
		again := w.post(t, "/portal/new", url.Values{"csrf": {csrf(t, form)}, "title": {`"><script>x()</script>`}, "description": {reply}})
		wantPage(t, again, http.StatusUnprocessableEntity, []string{"&#34;&gt;&lt;script&gt;"}, []string{`"><script>x()`, reply})
	})
}

func portalID(n int64) string { return strconv.FormatInt(n, 10) }
