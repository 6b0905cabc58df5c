package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"steward/internal/app"
	"steward/internal/auth"
	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
)

// eachDB runs fn as a parallel subtest on SQLite and on PostgreSQL (skipped,
// with the reason, when STEWARD_TEST_POSTGRES is unset).
func eachDB(t *testing.T, fn func(t *testing.T, kind db.Dialect)) {
	t.Helper()
	for _, kind := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			fn(t, kind)
		})
	}
}

// user is an account of the fixture and its API token.
type user struct {
	ID    int64
	Email string
	Name  string
	Token string
}

// anonymous sends no credentials.
var anonymous = user{}

// loginPassword is the password of the one fixture account that signs in
// through the web form (argon2 is slow, so the others have none).
const loginPassword = "requester-a password"

// fixture is a running Steward with an admin, two agents in a group, a
// manager and two requesters, each with an API token.
type fixture struct {
	a                              *app.App
	srv                            *httptest.Server
	Admin, Agent1, Agent2, Manager user
	ReqA, ReqB                     user
	Group                          int64
}

type option func(*app.Config)

func maxAttachment(n int64) option { return func(c *app.Config) { c.MaxAttachment = n } }

func newFixture(t *testing.T, kind db.Dialect, opts ...option) *fixture {
	t.Helper()
	cfg := app.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), MaxAttachment: 1 << 20, Role: "web"}
	for _, o := range opts {
		o(&cfg)
	}
	if kind == db.Postgres {
		cfg.DB = dbtest.PostgresDSN(t)
	}
	ctx := context.Background()
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	f := &fixture{a: a}
	g, err := a.Auth.CreateGroup(ctx, auth.System, auth.GroupInput{Name: "Service Desk"})
	if err != nil {
		t.Fatal(err)
	}
	f.Group = g.ID
	mk := func(email, name string, role auth.Role, password string, groups ...int64) user {
		t.Helper()
		u, err := a.Auth.CreateUser(ctx, auth.System, auth.NewUser{Email: email, Name: name, Role: role, Password: password, Groups: groups})
		if err != nil {
			t.Fatalf("create %s: %v", email, err)
		}
		secret, _, err := a.Auth.CreateToken(ctx, auth.System, email, "test")
		if err != nil {
			t.Fatalf("token for %s: %v", email, err)
		}
		return user{ID: u.ID, Email: email, Name: name, Token: secret}
	}
	f.Admin = mk("admin@example.com", "Ada Admin", auth.Admin, "")
	f.Agent1 = mk("agent1@example.com", "Alan Agent", auth.Agent, "", g.ID)
	f.Agent2 = mk("agent2@example.com", "Grace Agent", auth.Agent, "", g.ID)
	f.Manager = mk("manager@example.com", "Maggie Manager", auth.Manager, "")
	f.ReqA = mk("req.a@example.com", "Rita Requester", auth.Requester, loginPassword)
	f.ReqB = mk("req.b@example.com", "Bob Requester", auth.Requester, "")
	f.srv = httptest.NewServer(a.Handler())
	t.Cleanup(f.srv.Close)
	return f
}

// response is what a request got back.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) String() string { return string(r.Body) }

// decode unmarshals the body into v, failing the test when it is not JSON.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("response is not JSON (%v): %s", err, r.Body)
	}
}

// object returns the body as a JSON object.
func (r response) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	r.decode(t, &m)
	return m
}

// encodeBody turns a scenario body into bytes: strings and byte slices are
// sent as they are, anything else as JSON.
func encodeBody(t *testing.T, body any) io.Reader {
	t.Helper()
	switch b := body.(type) {
	case nil:
		return nil
	case string:
		return strings.NewReader(b)
	case []byte:
		return bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		return bytes.NewReader(raw)
	}
}

// do sends one request as u (by bearer token) and reads the whole answer.
func (f *fixture) do(t *testing.T, u user, method, url string, body any, headers map[string]string) response {
	t.Helper()
	return send(t, f.srv.Client(), f.srv.URL, u, method, url, body, headers)
}

func send(t *testing.T, c *http.Client, base string, u user, method, url string, body any, headers map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(method, base+url, encodeBody(t, body))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if u.Token != "" {
		req.Header.Set("Authorization", "Bearer "+u.Token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// must sends a request that has to answer want and returns the answer.
func (f *fixture) must(t *testing.T, want int, u user, method, url string, body any, headers map[string]string) response {
	t.Helper()
	r := f.do(t, u, method, url, body, headers)
	if r.Status != want {
		t.Fatalf("%s %s = %d, want %d: %s", method, url, r.Status, want, r.Body)
	}
	return r
}

// incident reports an incident as u and returns its JSON.
func (f *fixture) incident(t *testing.T, u user, body map[string]any) map[string]any {
	t.Helper()
	return f.must(t, http.StatusCreated, u, "POST", "/api/v1/incidents", body, nil).object(t)
}

// comment adds a comment (or work note) as u.
func (f *fixture) comment(t *testing.T, u user, number, kind, text string) {
	t.Helper()
	f.must(t, http.StatusCreated, u, "POST", "/api/v1/incidents/"+number+"/comments", map[string]any{"kind": kind, "body": text}, nil)
}

// scenario is one HTTP request and what its answer must hold.
type scenario struct {
	Name            string
	Principal       user
	Method          string
	URL             string
	Body            any // string or []byte sent raw; anything else as JSON
	Headers         map[string]string
	WantStatus      int
	WantContains    []string
	WantNotContains []string
	WantHeaders     map[string]string // header -> substring its value must hold
	WantFields      []string          // problem+json errors[].field that must be present
}

// run runs each scenario as a subtest, in order.
func (f *fixture) run(t *testing.T, scenarios []scenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			t.Helper()
			sc.check(t, f.do(t, sc.Principal, sc.Method, sc.URL, sc.Body, sc.Headers))
		})
	}
}

func (sc scenario) check(t *testing.T, r response) {
	t.Helper()
	if r.Status != sc.WantStatus {
		t.Errorf("%s %s = %d, want %d: %s", sc.Method, sc.URL, r.Status, sc.WantStatus, r.Body)
	}
	for _, s := range sc.WantContains {
		if !bytes.Contains(r.Body, []byte(s)) {
			t.Errorf("%s %s: body lacks %q: %s", sc.Method, sc.URL, s, r.Body)
		}
	}
	for _, s := range sc.WantNotContains {
		if bytes.Contains(r.Body, []byte(s)) {
			t.Errorf("%s %s: body holds %q: %s", sc.Method, sc.URL, s, r.Body)
		}
	}
	for h, want := range sc.WantHeaders {
		if got := r.Header.Get(h); !strings.Contains(got, want) {
			t.Errorf("%s %s: header %s = %q, want it to hold %q", sc.Method, sc.URL, h, got, want)
		}
	}
	if sc.WantStatus >= 400 {
		checkProblem(t, r, sc.WantStatus, sc.WantFields...)
	}
}

// problem is an RFC 9457 problem document as a client reads it.
type problem struct {
	Type           string `json:"type"`
	Title          string `json:"title"`
	Status         int    `json:"status"`
	Detail         string `json:"detail"`
	CurrentVersion int64  `json:"current_version"`
	Errors         []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

// checkProblem asserts r is a problem+json document of status with an
// error entry, with a message, for each of fields.
func checkProblem(t *testing.T, r response, status int, fields ...string) problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q, want application/problem+json: %s", ct, r.Body)
	}
	var p problem
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("problem is not JSON (%v): %s", err, r.Body)
	}
	if p.Status != status || p.Title == "" || p.Detail == "" {
		t.Errorf("problem status %d title %q detail %q, want status %d and a title and detail", p.Status, p.Title, p.Detail, status)
	}
	for _, field := range fields {
		found := false
		for _, e := range p.Errors {
			if e.Field == field && e.Message != "" {
				found = true
			}
		}
		if !found {
			t.Errorf("problem has no error for field %q: %s", field, r.Body)
		}
	}
	return p
}

// counts is how many rows the tables a write touches hold.
type counts map[string]int

var countedTables = []string{"records", "incidents", "journal", "outbox", "attachments", "blobs", "watchers", "links", "audit", "settings",
	"calendars", "sla_definitions", "sla_versions", "sla_timers", "mail_queue", "notification_prefs", "notification_templates",
	"mail_ingested", "mail_quarantine", "mail_rate"}

func (f *fixture) counts(t *testing.T) counts {
	t.Helper()
	c := counts{}
	for _, table := range countedTables {
		var n int
		if err := f.a.DB.Read.QueryRowContext(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		c[table] = n
	}
	return c
}

// unchanged fails when the counted tables differ from before.
func (f *fixture) unchanged(t *testing.T, before counts) {
	t.Helper()
	after := f.counts(t)
	for _, table := range countedTables {
		if before[table] != after[table] {
			t.Errorf("%s rows: %d before, %d after", table, before[table], after[table])
		}
	}
}

// str reads a string at a path of keys in decoded JSON.
func str(v any, keys ...string) string {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[k]
	}
	s, _ := v.(string)
	return s
}

// num reads a number at a path of keys in decoded JSON.
func num(v any, keys ...string) int64 {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return 0
		}
		v = m[k]
	}
	n, _ := v.(float64)
	return int64(n)
}

// items returns a list response's items.
func items(t *testing.T, r response) []map[string]any {
	t.Helper()
	var l struct {
		Items      []map[string]any `json:"items"`
		NextCursor string           `json:"next_cursor"`
	}
	r.decode(t, &l)
	if l.Items == nil {
		t.Fatalf("list without items array: %s", r.Body)
	}
	return l.Items
}

func numbers(list []map[string]any) []string {
	var out []string
	for _, it := range list {
		out = append(out, str(it, "number"))
	}
	return out
}
