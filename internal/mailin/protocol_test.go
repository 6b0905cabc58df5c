package mailin_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-smtp"

	"steward/internal/mailin"
	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
)

// startSMTP runs the listener on a free 127.0.0.1 port until the test ends.
func startSMTP(t *testing.T, svc *mailin.Service) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	l := mailin.NewSMTP(svc, mailin.SMTPConfig{Domain: "steward.test", Recipients: []string{desk, "@help.steward.test"}, MaxMessageBytes: 64 << 10})
	done := make(chan error, 1)
	go func() { done <- l.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("smtp serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// send speaks SMTP to addr and returns the server's answer to the last
// step (nil when the message was accepted).
func send(t *testing.T, addr, from string, to []string, raw []byte) error {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.SendMail(from, to, bytes.NewReader(raw))
}

func smtpCode(err error) int {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

func TestSMTPListenerIngestsRelayedMail(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		addr := startSMTP(t, e.svc)
		raw := simple("ada@example.com", "smtp-1@example.com", "Wi-Fi drops", "Every ten minutes.")
		if err := send(t, addr, "ada@example.com", []string{desk}, raw); err != nil {
			t.Fatalf("send: %v", err)
		}
		var number string
		if err := d.Read.QueryRow(`SELECT r.number FROM mail_ingested m JOIN records r ON r.id = m.record_id WHERE m.message_key = 'id:smtp-1@example.com' AND m.source = 'smtp'`).Scan(&number); err != nil {
			t.Fatalf("no record from SMTP: %v", err)
		}
		if inc := e.incident(t, number); inc.Title != "Wi-Fi drops" {
			t.Errorf("title %q", inc.Title)
		}
		// Sent again (a relay retrying after a lost answer): one record.
		if err := send(t, addr, "ada@example.com", []string{"Desk@Steward.test"}, raw); err != nil {
			t.Fatal(err)
		}
		if n := e.count(t, "SELECT count(*) FROM records"); n != 1 {
			t.Errorf("%d records after a repeated delivery", n)
		}
		// A whole domain is accepted; other addresses are not.
		if err := send(t, addr, "bob@example.com", []string{"it@help.steward.test"}, simple("bob@example.com", "smtp-2@x", "Mouse", "Gone.")); err != nil {
			t.Errorf("domain recipient: %v", err)
		}
		if err := send(t, addr, "bob@example.com", []string{"someone@else.test"}, simple("bob@example.com", "smtp-3@x", "x", "y")); smtpCode(err) != 550 {
			t.Errorf("unknown recipient answered %v, want 550", err)
		}
		// A bounce has the null envelope sender: kept, never a record.
		if err := send(t, addr, "", []string{desk}, simple("someone@example.com", "smtp-4@x", "Delivery failure", "failed")); err != nil {
			t.Fatal(err)
		}
		var kind string
		if err := d.Read.QueryRow(`SELECT kind FROM mail_quarantine WHERE message_key = 'id:smtp-4@x'`).Scan(&kind); err != nil || kind != mailin.KindAutomatic {
			t.Errorf("null-sender mail: kind %q, %v", kind, err)
		}
		// Over the protocol limit: refused with 552, so the sender knows.
		big := simple("ada@example.com", "smtp-5@x", "Big", strings.Repeat(strings.Repeat("x", 70)+"\n", 1100))
		if err := send(t, addr, "ada@example.com", []string{desk}, big); smtpCode(err) != 552 {
			t.Errorf("oversized message answered %v, want 552", err)
		}
	})
}

func TestSMTPAnswers451WhenTheMessageCannotBeStored(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		addr := startSMTP(t, e.svc)
		d.Close() // the database goes away
		err := send(t, addr, "ada@example.com", []string{desk}, simple("ada@example.com", "down@x", "Printer", "Jammed."))
		if smtpCode(err) != 451 {
			t.Errorf("answer %v, want 451 so that the relay retries", err)
		}
	})
}

// startIMAP runs the IMAP library's in-memory server with one user whose
// INBOX holds msgs, until the test ends.
func startIMAP(t *testing.T, msgs ...[]byte) (mailin.Mailbox, *imapmemserver.User) {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser("desk", "secret")
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	if err := user.Create("Processed", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}, imap.CapMove: {}},
		InsecureAuth: true,
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	p, _ := strconv.Atoi(port)
	box := mailin.Mailbox{Host: host, Port: p, TLS: "none", User: "desk", Password: "secret"}
	c := imapLogin(t, box)
	defer c.Close()
	for _, m := range msgs {
		cmd := c.Append("INBOX", int64(len(m)), nil)
		if _, err := cmd.Write(m); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	return box, user
}

func imapLogin(t *testing.T, box mailin.Mailbox) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(net.JoinHostPort(box.Host, strconv.Itoa(box.Port)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login(box.User, box.Password).Wait(); err != nil {
		t.Fatal(err)
	}
	return c
}

// unseen counts the unseen and all messages in folder.
func unseen(t *testing.T, box mailin.Mailbox, folder string) (int, int) {
	t.Helper()
	c := imapLogin(t, box)
	defer c.Close()
	st, err := c.Status(folder, &imap.StatusOptions{NumMessages: true, NumUnseen: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	return int(*st.NumUnseen), int(*st.NumMessages)
}

func TestIMAPPollerMarksOnlyCommittedMail(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		box, _ := startIMAP(t,
			simple("ada@example.com", "imap-1@x", "Keyboard", "Sticky keys."),
			simple("bob@example.com", "imap-2@x", "Monitor", "Flickers."),
			msg("From: MAILER-DAEMON@example.com\nMessage-ID: <imap-3@x>\nSubject: failure", "bounce"))
		n, err := mailin.NewPoller(e.svc, box, "node-a").Poll(ctx)
		if err != nil || n != 3 {
			t.Fatalf("poll: %d, %v", n, err)
		}
		if u, all := unseen(t, box, "INBOX"); u != 0 || all != 3 {
			t.Errorf("INBOX: %d unseen of %d, want 0 of 3", u, all)
		}
		if r, q := e.count(t, "SELECT count(*) FROM records"), e.count(t, "SELECT count(*) FROM mail_quarantine"); r != 2 || q != 1 {
			t.Errorf("%d records and %d quarantined, want 2 and 1", r, q)
		}
		if n, err := mailin.NewPoller(e.svc, box, "node-a").Poll(ctx); err != nil || n != 0 {
			t.Errorf("second poll: %d, %v; want nothing new", n, err)
		}
	})
}

func TestIMAPPollerMovesMailAndLeavesFailuresUnseen(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		box, _ := startIMAP(t, simple("ada@example.com", "mv-1@x", "Phone", "No signal."))
		box.MoveTo = "Processed"
		if n, err := mailin.NewPoller(e.svc, box, "node-a").Poll(ctx); err != nil || n != 1 {
			t.Fatalf("poll: %d %v", n, err)
		}
		if _, all := unseen(t, box, "INBOX"); all != 0 {
			t.Errorf("INBOX still holds %d", all)
		}
		if _, all := unseen(t, box, "Processed"); all != 1 {
			t.Errorf("Processed holds %d, want 1", all)
		}

		// With the database gone nothing commits: the message stays unseen.
		box2, _ := startIMAP(t, simple("bob@example.com", "fail-1@x", "Laptop", "Dead."))
		d.Close()
		if _, err := mailin.NewPoller(e.svc, box2, "node-a").Poll(ctx); err == nil {
			t.Error("poll succeeded without a database")
		}
		if u, all := unseen(t, box2, "INBOX"); u != 1 || all != 1 {
			t.Errorf("after a failed ingest: %d unseen of %d, want 1 of 1", u, all)
		}
	})
}

func TestOnlyTheLeaseHolderPollsAMailbox(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		box, _ := startIMAP(t, simple("ada@example.com", "lease-1@x", "Desk phone", "Dead."))
		a, b := mailin.NewPoller(e.svc, box, "node-a"), mailin.NewPoller(e.svc, box, "node-b")
		if held, n, err := a.Turn(ctx, time.Hour); !held || n != 1 || err != nil {
			t.Fatalf("node a: held %v, %d messages, %v", held, n, err)
		}
		if held, n, err := b.Turn(ctx, time.Hour); held || n != 0 || err != nil {
			t.Errorf("node b polled while node a holds the lease: held %v, %d, %v", held, n, err)
		}
		if held, _, err := a.Turn(ctx, time.Hour); !held || err != nil {
			t.Errorf("node a lost its own lease: %v %v", held, err)
		}
	})
}

// A requester mails in over SMTP, an agent answers on the record, the
// notification goes out (as the outbound side records it), and the
// requester's reply, built from that notification as a mail client would,
// comes back through the IMAP mailbox onto the same record.
func TestMailRoundTrip(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		addr := startSMTP(t, e.svc)
		if err := send(t, addr, "ada@example.com", []string{desk}, simple("Ada <ada@example.com>", "rt-1@example.com", "VPN keeps dropping", "Since Monday.")); err != nil {
			t.Fatal(err)
		}
		var number string
		if err := d.Read.QueryRow(`SELECT r.number FROM mail_ingested m JOIN records r ON r.id = m.record_id WHERE m.message_key = 'id:rt-1@example.com'`).Scan(&number); err != nil {
			t.Fatal(err)
		}
		if _, err := e.inc.Comment(ctx, e.agent, number, false, "Please update the VPN client."); err != nil {
			t.Fatal(err)
		}
		inc := e.incident(t, number)
		notification := "notify-1." + number + "@steward.test"
		e.sent(t, notification, inc.ID)

		reply := msg("From: Ada <ada@example.com>\nMessage-ID: <rt-2@example.com>\nIn-Reply-To: <"+notification+">\n"+
			"References: <rt-1@example.com> <"+notification+">\nSubject: Re: ["+number+"] VPN keeps dropping",
			"Updated, works now. Thanks!\n\nOn Tue, 1 Dec 2026 at 10:00, Steward <desk@steward.test> wrote:\n> Please update the VPN client.\n")
		box, _ := startIMAP(t, reply)
		if n, err := mailin.NewPoller(e.svc, box, "node-a").Poll(ctx); err != nil || n != 1 {
			t.Fatalf("poll: %d %v", n, err)
		}
		j := e.journal(t, number)
		last := j[len(j)-1]
		if last.Body != "Updated, works now. Thanks!" || last.ActorID != inc.RequesterID {
			t.Errorf("last entry %+v, want the requester's reply without the quote", last)
		}
		if n := e.count(t, "SELECT count(*) FROM mail_message_ids WHERE record_id = $1", inc.ID); n != 3 {
			t.Errorf("%d Message-IDs on the record, want 3 (in, out, in)", n)
		}
	})
}
