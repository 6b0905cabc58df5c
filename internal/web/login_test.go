package web_test

import (
	"context"
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"steward/internal/auth"
	"steward/internal/platform/db"
)

// webClient is a browser stand-in: it keeps cookies and does not follow
// redirects, so that each answer can be checked.
type webClient struct {
	c    *http.Client
	base string
}

func newWebClient(t *testing.T, f *fixture) *webClient {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &webClient{base: f.srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (w *webClient) get(t *testing.T, path string) response {
	t.Helper()
	return send(t, w.c, w.base, anonymous, "GET", path, nil, nil)
}

// post sends form values as a same-origin browser form would.
func (w *webClient) post(t *testing.T, path string, form url.Values) response {
	t.Helper()
	return send(t, w.c, w.base, anonymous, "POST", path, form.Encode(), map[string]string{
		"Content-Type": "application/x-www-form-urlencoded", "Origin": w.base, "Sec-Fetch-Site": "same-origin",
	})
}

// api sends a JSON request authenticated by the session cookie only.
func (w *webClient) api(t *testing.T, method, path string, body any, headers map[string]string) response {
	t.Helper()
	return send(t, w.c, w.base, anonymous, method, path, body, headers)
}

func (w *webClient) session(t *testing.T) *http.Cookie {
	t.Helper()
	u, _ := url.Parse(w.base)
	for _, c := range w.c.Jar.Cookies(u) {
		if c.Name == "steward_session" {
			return c
		}
	}
	return nil
}

var csrfField = regexp.MustCompile(`<input type="hidden" name="csrf" value="([^"]+)">`)

// csrf returns the form token in a page.
func csrf(t *testing.T, page response) string {
	t.Helper()
	m := csrfField.FindSubmatch(page.Body)
	if m == nil {
		t.Fatalf("page has no csrf field: %s", page)
	}
	return string(m[1])
}

func wantPage(t *testing.T, r response, status int, contains []string, notContains []string) {
	t.Helper()
	if r.Status != status {
		t.Errorf("status %d, want %d: %s", r.Status, status, r)
	}
	for _, s := range contains {
		if !strings.Contains(r.String(), s) {
			t.Errorf("page lacks %q: %s", s, r)
		}
	}
	for _, s := range notContains {
		if strings.Contains(r.String(), s) {
			t.Errorf("page holds %q: %s", s, r)
		}
	}
}

// TestWebLogin signs in through the form and checks the session: its
// cookie, CSRF and cross-origin protection, sign-out, revocation on a
// password change, and escaping on the home page.
func TestWebLogin(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind)
		f.incident(t, f.ReqA, map[string]any{"title": "VPN drops every few minutes"})
		f.incident(t, f.ReqA, map[string]any{"title": "<script>alert(1)</script>"})
		f.incident(t, f.ReqB, map[string]any{"title": "Bob's private trouble"})
		done := f.incident(t, f.ReqA, map[string]any{"title": "Old resolved thing"})
		f.must(t, http.StatusOK, f.Agent1, "PATCH", "/api/v1/incidents/"+str(done, "number"),
			map[string]any{"state": "resolved", "resolution_code": "solved", "resolution_notes": "ok"}, map[string]string{"If-Match": "1"})
		w := newWebClient(t, f)

		// The sign-in form.
		login := w.get(t, "/login")
		wantPage(t, login, 200, []string{`<form method="post" action="/login"`, `name="email"`, `name="password"`}, nil)
		token := csrf(t, login)
		var cookie *http.Cookie
		for _, c := range (&http.Response{Header: login.Header}).Cookies() {
			if c.Name == "steward_session" {
				cookie = c
			}
		}
		if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" {
			t.Fatalf("session cookie %+v, want HttpOnly, SameSite=Lax, Path=/", cookie)
		}
		for h, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"} {
			if got := login.Header.Get(h); got != want {
				t.Errorf("login page %s = %q, want %q", h, got, want)
			}
		}
		if csp := login.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("login page CSP = %q", csp)
		}
		anonToken := w.session(t).Value

		// Without the form token: refused, and no session.
		noCSRF := w.post(t, "/login", url.Values{"email": {f.ReqA.Email}, "password": {loginPassword}})
		wantPage(t, noCSRF, 403, []string{"Your session expired"}, nil)
		wantPage(t, w.post(t, "/login", url.Values{"email": {f.ReqA.Email}, "password": {loginPassword}, "csrf": {"forged"}}), 403, nil, nil)
		if me := w.api(t, "GET", "/api/v1/me", nil, nil); me.Status != 401 {
			t.Errorf("after a sign-in without csrf, /api/v1/me = %d: %s", me.Status, me)
		}

		// Wrong password: 401, a message, and the email kept.
		wrong := w.post(t, "/login", url.Values{"email": {f.ReqA.Email}, "password": {"not the password"}, "csrf": {token}})
		wantPage(t, wrong, 401, []string{"Wrong email or password.", `value="` + f.ReqA.Email + `"`}, []string{"not the password"})
		missing := w.post(t, "/login", url.Values{"email": {f.ReqA.Email}, "csrf": {token}})
		wantPage(t, missing, 422, []string{"Enter your password.", `aria-invalid="true"`}, nil)

		// Right password: a new session (no fixation), and a local redirect only.
		ok := w.post(t, "/login", url.Values{"email": {f.ReqA.Email}, "password": {loginPassword}, "csrf": {token}, "next": {"//evil.example/x"}})
		if ok.Status != http.StatusSeeOther || ok.Header.Get("Location") != "/" {
			t.Fatalf("sign-in = %d to %q, want 303 to /: %s", ok.Status, ok.Header.Get("Location"), ok)
		}
		if s := w.session(t); s == nil || s.Value == anonToken {
			t.Errorf("session token not renewed at sign-in")
		}

		if r := w.get(t, "/"); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/portal" {
			t.Errorf("a requester's / = %d to %q, want 303 to /portal", r.Status, r.Header.Get("Location"))
		}
		home := w.get(t, "/portal/incidents")
		wantPage(t, home, 200,
			[]string{"VPN drops every few minutes", "&lt;script&gt;alert(1)&lt;/script&gt;"},
			[]string{"<script>alert", "Bob&#39;s private trouble", "Bob's private trouble"})
		if w.get(t, "/login").Status != http.StatusSeeOther {
			t.Errorf("signed-in /login does not redirect home")
		}

		// The session authenticates the API, from the same origin only.
		me := w.api(t, "GET", "/api/v1/me", nil, nil)
		if me.Status != 200 || str(me.object(t), "email") != f.ReqA.Email {
			t.Fatalf("/api/v1/me with the session = %d: %s", me.Status, me)
		}
		before := f.counts(t)
		cross := w.api(t, "POST", "/api/v1/incidents", map[string]any{"title": "Forged"}, map[string]string{
			"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"})
		if cross.Status != http.StatusForbidden {
			t.Errorf("cross-site POST = %d, want 403: %s", cross.Status, cross)
		}
		crossOrigin := w.api(t, "POST", "/api/v1/incidents", map[string]any{"title": "Forged"}, map[string]string{"Origin": "http://evil.example"})
		if crossOrigin.Status != http.StatusForbidden {
			t.Errorf("POST from another Origin = %d, want 403: %s", crossOrigin.Status, crossOrigin)
		}
		f.unchanged(t, before)
		same := w.api(t, "POST", "/api/v1/incidents", map[string]any{"title": "From the page"}, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": w.base})
		if same.Status != http.StatusCreated || num(same.object(t), "requester", "id") != f.ReqA.ID {
			t.Errorf("same-origin POST with the session = %d: %s", same.Status, same)
		}

		// Sign-out needs the form token, then ends the session.
		if r := w.post(t, "/logout", url.Values{}); r.Status != http.StatusSeeOther {
			t.Errorf("logout without csrf = %d", r.Status)
		}
		if me := w.api(t, "GET", "/api/v1/me", nil, nil); me.Status != 200 {
			t.Errorf("a sign-out without csrf ended the session: %d", me.Status)
		}
		out := w.post(t, "/logout", url.Values{"csrf": {html.UnescapeString(csrf(t, home))}})
		if out.Status != http.StatusSeeOther || out.Header.Get("Location") != "/login" {
			t.Errorf("logout = %d to %q", out.Status, out.Header.Get("Location"))
		}
		if me := w.api(t, "GET", "/api/v1/me", nil, nil); me.Status != 401 || !strings.HasPrefix(me.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("after sign-out /api/v1/me = %d", me.Status)
		}
		if r := w.get(t, "/"); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
			t.Errorf("after sign-out / = %d to %q", r.Status, r.Header.Get("Location"))
		}

		// Sign in again; a password change ends that session.
		token = csrf(t, w.get(t, "/login"))
		again := w.post(t, "/login", url.Values{"email": {strings.ToUpper(f.ReqA.Email)}, "password": {loginPassword}, "csrf": {token}, "next": {"/api/v1/me"}})
		if again.Status != http.StatusSeeOther || again.Header.Get("Location") != "/api/v1/me" {
			t.Fatalf("second sign-in = %d to %q", again.Status, again.Header.Get("Location"))
		}
		if me := w.api(t, "GET", "/api/v1/me", nil, nil); me.Status != 200 {
			t.Fatalf("second session: /api/v1/me = %d", me.Status)
		}
		pw := "a brand new password"
		if _, err := f.a.Auth.UpdateUser(context.Background(), auth.System, f.ReqA.ID, auth.UserPatch{Password: &pw}); err != nil {
			t.Fatal(err)
		}
		if me := w.api(t, "GET", "/api/v1/me", nil, nil); me.Status != 401 {
			t.Errorf("after a password change the old session still works: %d %s", me.Status, me)
		}
		if r := w.get(t, "/"); r.Status != http.StatusSeeOther {
			t.Errorf("after a password change / = %d", r.Status)
		}
	})
}

// TestLoginRateLimit refuses the eleventh quick sign-in from one address.
func TestLoginRateLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t, db.SQLite)
	w := newWebClient(t, f)
	token := csrf(t, w.get(t, "/login"))
	for i := range 10 {
		r := w.post(t, "/login", url.Values{"email": {"nobody@example.com"}, "password": {"guess number " + string(rune('a'+i))}, "csrf": {token}})
		if r.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d = %d, want 401", i+1, r.Status)
		}
	}
	limited := w.post(t, "/login", url.Values{"email": {"nobody@example.com"}, "password": {"one more"}, "csrf": {token}})
	wantPage(t, limited, 429, []string{"Too many sign-in attempts"}, nil)
	// Even the right password waits: the limit comes before the check.
	right := w.post(t, "/login", url.Values{"email": {f.ReqA.Email}, "password": {loginPassword}, "csrf": {token}})
	wantPage(t, right, 429, nil, nil)
	if me := w.api(t, "GET", "/api/v1/me", nil, nil); me.Status != 401 {
		t.Errorf("rate-limited sign-in made a session: %d", me.Status)
	}
}
