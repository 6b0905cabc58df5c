package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"steward/internal/auth"
	"steward/internal/incident"
	"steward/internal/record"
)

// portalSignIn signs the fixture's requester A in through the login form
// and returns the browser stand-in holding the session.
func portalSignIn(t *testing.T, f *fixture) *webClient {
	t.Helper()
	w := newWebClient(t, f)
	login := w.get(t, "/login")
	r := w.post(t, "/login", url.Values{"email": {f.ReqA.Email}, "password": {loginPassword}, "csrf": {csrf(t, login)}, "next": {"/portal"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/portal" {
		t.Fatalf("sign-in = %d to %q: %s", r.Status, r.Header.Get("Location"), r)
	}
	return w
}

// portalUpload is a file a form sends.
type portalUpload struct {
	Name, Type string
	Data       []byte
}

// portalMultipart sends a multipart form, as a browser does for a form with
// a file input, from the same origin.
func (w *webClient) portalMultipart(t *testing.T, path string, form url.Values, files ...portalUpload) response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		h := make(map[string][]string)
		h["Content-Disposition"] = []string{`form-data; name="files"; filename="` + f.Name + `"`}
		h["Content-Type"] = []string{f.Type}
		part, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = part.Write(f.Data)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return send(t, w.c, w.base, anonymous, "POST", path, buf.Bytes(), map[string]string{
		"Content-Type": mw.FormDataContentType(), "Origin": w.base, "Sec-Fetch-Site": "same-origin",
	})
}

// portalPost sends an action form with the page's csrf token added.
func (w *webClient) portalPost(t *testing.T, page response, path string, form url.Values) response {
	t.Helper()
	form.Set("csrf", csrf(t, page))
	return w.post(t, path, form)
}

// portalFollow fails unless r is a 303 to want and returns the page there.
func (w *webClient) portalFollow(t *testing.T, r response, want string) response {
	t.Helper()
	loc := r.Header.Get("Location")
	if r.Status != http.StatusSeeOther || strings.Split(loc, "#")[0] != want {
		t.Fatalf("answer %d to %q, want 303 to %s: %s", r.Status, loc, want, r)
	}
	return w.get(t, want)
}

var portalVersionField = regexp.MustCompile(`name="version" value="(\d+)"`)

// portalVersion reads the record version a page's action forms carry.
func portalVersion(t *testing.T, page response) int64 {
	t.Helper()
	m := portalVersionField.FindSubmatch(page.Body)
	if m == nil {
		t.Fatalf("page has no version field: %s", page)
	}
	v, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return v
}

// portalAs returns the principal of a fixture account, as the services see it.
func (f *fixture) portalAs(t *testing.T, u user) auth.Principal {
	t.Helper()
	p, err := f.a.Auth.PrincipalFor(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// portalReport creates an incident for u through the service.
func (f *fixture) portalReport(t *testing.T, u user, title, description string) incident.Incident {
	t.Helper()
	in, _, err := f.a.Incidents.Create(context.Background(), f.portalAs(t, u), incident.NewIncident{Title: title, Description: description})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// portalResolve has agent 1 resolve the incident with notes.
func (f *fixture) portalResolve(t *testing.T, number, notes string) incident.Incident {
	t.Helper()
	ctx := context.Background()
	agent := f.portalAs(t, f.Agent1)
	in, err := f.a.Incidents.Get(ctx, agent, number)
	if err != nil {
		t.Fatal(err)
	}
	state, code := incident.Resolved, "solved"
	in, err = f.a.Incidents.Update(ctx, agent, number, in.Version, incident.Patch{State: &state, ResolutionCode: &code, ResolutionNotes: &notes})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// portalState reads an incident's state through the service.
func (f *fixture) portalState(t *testing.T, number string) string {
	t.Helper()
	in, err := f.a.Incidents.Get(context.Background(), auth.System, number)
	if err != nil {
		t.Fatal(err)
	}
	return in.State
}

// portalJournal is the journal as requester A's service call returns it.
func (f *fixture) portalJournal(t *testing.T, number string) []record.Entry {
	t.Helper()
	entries, err := f.a.Incidents.Journal(context.Background(), f.portalAs(t, f.ReqA), number, 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}
