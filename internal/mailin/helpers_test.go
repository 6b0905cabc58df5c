package mailin_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"steward/internal/auth"
	"steward/internal/incident"
	"steward/internal/mailin"
	"steward/internal/platform/cursor"
	"steward/internal/platform/db"
	"steward/internal/record"
)

// env is a mail-in service on a fresh database with a clock the test moves.
type env struct {
	d     *db.DB
	svc   *mailin.Service
	inc   *incident.Service
	auth  *auth.Service
	now   time.Time
	agent auth.Principal
	admin auth.Principal
}

const desk = "desk@steward.test"

func newEnv(t *testing.T, d *db.DB) *env {
	t.Helper()
	e := &env{d: d, now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return e.now }
	e.inc = incident.NewService(d, cursor.NewSigner([]byte("test-key")))
	e.inc.Now = clock
	e.auth = auth.NewService(d)
	e.auth.Now = clock
	e.svc = mailin.New(d, e.inc, mailin.Config{OwnAddresses: []string{desk}})
	e.svc.Now = clock
	e.svc.Log = slog.New(slog.DiscardHandler)
	e.agent = e.user(t, "agent@steward.test", auth.Agent)
	e.admin = e.user(t, "admin@steward.test", auth.Admin)
	return e
}

func (e *env) user(t *testing.T, email string, role auth.Role) auth.Principal {
	t.Helper()
	u, err := e.auth.CreateUser(context.Background(), auth.System, auth.NewUser{Email: email, Name: strings.Split(email, "@")[0], Role: role})
	if err != nil {
		t.Fatal(err)
	}
	return auth.PrincipalOf(u)
}

// ingest takes raw in and fails the test on an error.
func (e *env) ingest(t *testing.T, raw []byte) mailin.Result {
	t.Helper()
	res, err := e.svc.Ingest(context.Background(), raw, mailin.Source{Name: "test"})
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	return res
}

// count runs a count query.
func (e *env) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := e.d.Read.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// sent records that outbound mail about rec went out as id, as the
// notification side does.
func (e *env) sent(t *testing.T, id string, recordID int64) {
	t.Helper()
	_, err := e.d.Write.ExecContext(context.Background(),
		`INSERT INTO mail_message_ids (message_id, record_id, direction, created_at) VALUES ($1, $2, 'out', $3)`, id, recordID, e.now.UnixMilli())
	if err != nil {
		t.Fatal(err)
	}
}

func (e *env) incident(t *testing.T, number string) incident.Incident {
	t.Helper()
	inc, err := e.inc.Get(context.Background(), auth.System, number)
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

func (e *env) journal(t *testing.T, number string) []record.Entry {
	t.Helper()
	j, err := e.inc.Journal(context.Background(), auth.System, number, 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// msg builds a message: headers one per line ("Name: value"), then body.
func msg(headers string, body string) []byte {
	h := strings.TrimSpace(headers)
	if !strings.Contains(strings.ToLower(h), "content-type:") {
		h += "\nContent-Type: text/plain; charset=utf-8"
	}
	if !strings.Contains(strings.ToLower(h), "to:") {
		h += "\nTo: " + desk
	}
	return []byte(strings.ReplaceAll(h+"\n\n"+body, "\n", "\r\n"))
}

// simple is a message from sender with a Message-ID and subject.
func simple(sender, id, subject, body string) []byte {
	return msg(fmt.Sprintf("From: %s\nMessage-ID: <%s>\nSubject: %s", sender, id, subject), body)
}
