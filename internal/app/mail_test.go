package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"steward/internal/app"
	"steward/internal/auth"
	"steward/internal/mailin"
	"steward/internal/notify"
	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
	"steward/internal/record"
)

// mailbox is a requester's mail server: a real SMTP server on 127.0.0.1
// that keeps every message it accepts.
type mailbox struct {
	mu   sync.Mutex
	msgs []*netmail.Message
	raw  [][]byte
}

type mailboxSession struct{ mb *mailbox }

func (s *mailboxSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *mailboxSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *mailboxSession) Reset()                               {}
func (s *mailboxSession) Logout() error                        { return nil }
func (s *mailboxSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := netmail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		return err
	}
	s.mb.mu.Lock()
	defer s.mb.mu.Unlock()
	s.mb.msgs, s.mb.raw = append(s.mb.msgs, m), append(s.mb.raw, b)
	return nil
}

func startMailbox(t *testing.T) (*mailbox, int) {
	t.Helper()
	mb := &mailbox{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &mailboxSession{mb: mb}, nil }))
	srv.Domain, srv.AllowInsecureAuth = "localhost", true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return mb, ln.Addr().(*net.TCPAddr).Port
}

// find waits for a message whose raw text contains want.
func (mb *mailbox) find(t *testing.T, want string) (*netmail.Message, string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		mb.mu.Lock()
		for i, raw := range mb.raw {
			if strings.Contains(string(raw), want) {
				m := mb.msgs[i]
				mb.mu.Unlock()
				return m, string(raw)
			}
		}
		mb.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no mail containing %q arrived", want)
	return nil, ""
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// sendMail hands raw to Steward's SMTP listener, retrying while it starts.
func sendMail(t *testing.T, addr, from, to, raw string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := smtp.Dial(addr) // a relay on the same network: no TLS
		if err == nil {
			err = c.SendMail(from, []string{to}, strings.NewReader(strings.ReplaceAll(raw, "\n", "\r\n")))
			c.Close()
		}
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("send to %s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A requester mails the desk, an agent answers in Steward, the answer
// reaches the requester's mailbox, and the requester's reply, made from it
// as a mail client would, lands on the same incident.
func TestMailRoundTripThroughTheApp(t *testing.T) {
	t.Parallel()
	for _, kind := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			mailRoundTrip(t, kind)
		})
	}
}

func mailRoundTrip(t *testing.T, kind db.Dialect) {
	{
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		mb, port := startMailbox(t)
		listen := freeAddr(t)
		cfg := app.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), MaxAttachment: 1 << 20, Role: "all",
			AdminEmail: "admin@example.com", AdminPassword: "correct horse battery", BaseURL: "http://desk.example.com",
			SMTP:     notify.SMTP{Host: "127.0.0.1", Port: port, Security: notify.NoTLS, From: "Service Desk <desk@steward.test>"},
			SMTPAddr: listen, SMTPDomain: "desk.example.com", MailAddresses: []string{"desk@steward.test"}}
		if kind == db.Postgres {
			cfg.DB = dbtest.PostgresDSN(t)
		}
		a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		a.Mail.Interval = 100 * time.Millisecond
		agentUser, err := a.Auth.CreateUser(ctx, auth.System, auth.NewUser{Email: "alan@steward.test", Name: "Alan Agent", Role: auth.Agent})
		if err != nil {
			t.Fatal(err)
		}
		agent := auth.Principal{UserID: agentUser.ID, Name: agentUser.Name, Role: agentUser.Role}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		served := make(chan error, 1)
		go func() { served <- a.Serve(ctx, ln) }()
		defer func() { cancel(); <-served }()

		sendMail(t, listen, "ada@example.com", "desk@steward.test", "From: Ada Lovelace <ada@example.com>\nTo: desk@steward.test\n"+
			"Message-ID: <first@example.com>\nSubject: Printer on floor 2 prints blank pages\nDate: Tue, 01 Dec 2026 09:00:00 +0000\n\n"+
			"Since this morning every page comes out blank.\n")
		var number string
		deadline := time.Now().Add(15 * time.Second)
		for number == "" {
			r := a.DB.Read.QueryRowContext(ctx, `SELECT number FROM records WHERE title = 'Printer on floor 2 prints blank pages'`)
			if err := r.Scan(&number); err != nil && time.Now().After(deadline) {
				t.Fatalf("the mail made no incident: %v", err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if _, err := a.Incidents.Comment(ctx, agent, number, false, "Please check the toner cartridge is seated."); err != nil {
			t.Fatal(err)
		}
		note, raw := mb.find(t, "toner cartridge is seated")
		subject := note.Header.Get("Subject")
		if !strings.Contains(subject, "["+number+"]") || !strings.Contains(raw, "http://desk.example.com/portal/incidents/"+number) {
			t.Fatalf("notification subject %q lacks the number, or the body the link:\n%s", subject, raw)
		}
		if to := note.Header.Get("To"); !strings.Contains(to, "ada@example.com") {
			t.Fatalf("notification to %q", to)
		}
		id := note.Header.Get("Message-Id")
		refs := strings.TrimSpace(note.Header.Get("References") + " " + id)
		sendMail(t, listen, "ada@example.com", "desk@steward.test", fmt.Sprintf("From: Ada Lovelace <ada@example.com>\nTo: Service Desk <desk@steward.test>\n"+
			"Message-ID: <second@example.com>\nIn-Reply-To: %s\nReferences: %s\nSubject: Re: %s\nDate: Tue, 01 Dec 2026 10:00:00 +0000\n\n"+
			"Reseated it and now it prints fine. Thanks!\n\nOn Tue, 1 Dec 2026, Service Desk wrote:\n> Please check the toner cartridge is seated.\n", id, refs, subject))
		deadline = time.Now().Add(15 * time.Second)
		for {
			entries, err := a.Incidents.Journal(ctx, agent, number, 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			last := entries[len(entries)-1]
			if last.Kind == record.Comment && last.Body == "Reseated it and now it prints fine. Thanks!" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the reply did not land on %s; last entry %+v", number, last)
			}
			time.Sleep(20 * time.Millisecond)
		}
		var incidents int
		if err := a.DB.Read.QueryRowContext(ctx, `SELECT count(*) FROM records`).Scan(&incidents); err != nil || incidents != 1 {
			t.Errorf("%d records, want 1 (the reply must not open another): %v", incidents, err)
		}

		// With unknown senders refused, a stranger gets a polite answer,
		// threaded on their message, and no record.
		if _, err := a.MailIn.SetSettings(ctx, auth.System, mailin.Settings{AllowedDomains: []string{}, RefuseUnknown: true,
			RateLimitPerHour: 30, MaxMessageBytes: 1 << 20}); err != nil {
			t.Fatal(err)
		}
		sendMail(t, listen, "zed@elsewhere.example", "desk@steward.test", "From: Zed <zed@elsewhere.example>\nTo: desk@steward.test\n"+
			"Message-ID: <stranger@elsewhere.example>\nSubject: Cheap printer toner\nDate: Tue, 01 Dec 2026 11:00:00 +0000\n\nBuy now.\n")
		answer, raw := mb.find(t, "Cheap printer toner")
		if answer.Header.Get("In-Reply-To") != "<stranger@elsewhere.example>" || !strings.Contains(answer.Header.Get("To"), "zed@elsewhere.example") ||
			!strings.Contains(raw, "could not accept") {
			t.Errorf("refusal: In-Reply-To %q, To %q:\n%s", answer.Header.Get("In-Reply-To"), answer.Header.Get("To"), raw)
		}
		if err := a.DB.Read.QueryRowContext(ctx, `SELECT count(*) FROM records`).Scan(&incidents); err != nil || incidents != 1 {
			t.Errorf("%d records after the stranger's mail, want 1: %v", incidents, err)
		}
	}
}
