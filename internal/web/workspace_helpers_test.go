package web_test

import (
	"bytes"
	"context"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"steward/internal/auth"
	"steward/internal/incident"
)

// agentPassword is what signIn gives a fixture account that has none.
const agentPassword = "a long agent password"

// signIn gives u a password and signs in through the form, returning a
// client holding the session.
func (f *fixture) signIn(t *testing.T, u user) *webClient {
	t.Helper()
	password := loginPassword
	if u.ID != f.ReqA.ID {
		password = agentPassword
		if _, err := f.a.Auth.UpdateUser(context.Background(), auth.System, u.ID, auth.UserPatch{Password: &password}); err != nil {
			t.Fatal(err)
		}
	}
	w := newWebClient(t, f)
	token := csrf(t, w.get(t, "/login"))
	r := w.post(t, "/login", url.Values{"email": {u.Email}, "password": {password}, "csrf": {token}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("sign in %s = %d: %s", u.Email, r.Status, r)
	}
	return w
}

// principal is u as the services know them.
func (f *fixture) principal(t *testing.T, u user) auth.Principal {
	t.Helper()
	p, err := f.a.Auth.PrincipalFor(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// create reports an incident through the service as u.
func (f *fixture) create(t *testing.T, u user, in incident.NewIncident) incident.Incident {
	t.Helper()
	inc, _, err := f.a.Incidents.Create(context.Background(), f.principal(t, u), in)
	if err != nil {
		t.Fatalf("create %q: %v", in.Title, err)
	}
	return inc
}

// token returns the form token in a page, unescaped.
func token(t *testing.T, page response) string {
	t.Helper()
	return html.UnescapeString(csrf(t, page))
}

// page gets path and fails unless it answers want.
func (w *webClient) page(t *testing.T, path string, want int) response {
	t.Helper()
	r := w.get(t, path)
	if r.Status != want {
		t.Fatalf("GET %s = %d, want %d: %s", path, r.Status, want, r)
	}
	return r
}

// submit posts form to path with the page's token added.
func (w *webClient) submit(t *testing.T, from response, path string, form url.Values) response {
	t.Helper()
	values := url.Values{}
	for k, v := range form {
		values[k] = v
	}
	values.Set("csrf", token(t, from))
	return w.post(t, path, values)
}

// upload posts a multipart form with one file.
func (w *webClient) upload(t *testing.T, path, csrfToken, name string, data []byte) response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", csrfToken)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return send(t, w.c, w.base, anonymous, "POST", path, body.Bytes(), map[string]string{
		"Content-Type": mw.FormDataContentType(), "Origin": w.base, "Sec-Fetch-Site": "same-origin"})
}

var hiddenVersion = regexp.MustCompile(`name="version" value="(\d+)"`)
var hiddenLastEntry = regexp.MustCompile(`name="last_entry" value="(\d+)"`)

// formState returns the version and last journal entry a record page shows.
func formState(t *testing.T, page response) (string, string) {
	t.Helper()
	v := hiddenVersion.FindSubmatch(page.Body)
	l := hiddenLastEntry.FindSubmatch(page.Body)
	if v == nil || l == nil {
		t.Fatalf("record page without version or last entry: %s", page)
	}
	return string(v[1]), string(l[1])
}

// fieldForm is the record page's field form filled from an incident.
func fieldForm(in incident.Incident, version, last string) url.Values {
	id := func(n int64) string {
		if n == 0 {
			return ""
		}
		return strconv.FormatInt(n, 10)
	}
	return url.Values{
		"version": {version}, "last_entry": {last}, "title": {in.Title}, "description": {in.Description},
		"impact": {in.Impact.String()}, "urgency": {in.Urgency.String()}, "category": {id(in.CategoryID)},
		"service": {id(in.ServiceID)}, "ci_ref": {in.CIRef}, "group": {id(in.AssignmentGroupID)}, "assignee": {id(in.AssigneeID)},
	}
}

// get reads an incident as the system.
func (f *fixture) get(t *testing.T, number string) incident.Incident {
	t.Helper()
	inc, err := f.a.Incidents.Get(context.Background(), auth.System, number)
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

// wantHTML is wantPage for workspace pages: on failure it shows the main
// content only, which is where the answer is.
func wantHTML(t *testing.T, r response, status int, contains []string, notContains []string) {
	t.Helper()
	body := r.String()
	excerpt := body
	if i := strings.Index(body, `<main id="content"`); i >= 0 {
		excerpt = body[i:]
	}
	if len(excerpt) > 3000 {
		excerpt = excerpt[:3000] + "…"
	}
	if r.Status != status {
		t.Errorf("status %d, want %d: %s", r.Status, status, excerpt)
		return
	}
	failed := false
	for _, s := range contains {
		if !strings.Contains(body, s) {
			t.Errorf("page lacks %q", s)
			failed = true
		}
	}
	for _, s := range notContains {
		if strings.Contains(body, s) {
			t.Errorf("page holds %q", s)
			failed = true
		}
	}
	if failed {
		t.Logf("page: %s", excerpt)
	}
}
