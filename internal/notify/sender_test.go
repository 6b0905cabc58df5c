package notify_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"steward/internal/incident"
	"steward/internal/notify"
	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
)

// queue opens n incidents as the requester and runs the notifier, so that
// n acknowledgements wait in the mail queue.
func (w *world) queue(t *testing.T, n int) {
	t.Helper()
	for i := range n {
		if _, _, err := w.inc.Create(ctx, w.requester, incident.NewIncident{Title: fmt.Sprintf("Printer %d is jammed", i)}); err != nil {
			t.Fatal(err)
		}
	}
	w.notify(t)
}

func (w *world) outbox(t *testing.T) []notify.Mail {
	t.Helper()
	mails, err := notify.Outbox(ctx, w.d.Read, "", 0, 200)
	if err != nil {
		t.Fatal(err)
	}
	return mails
}

func (w *world) sendDue(t *testing.T) int {
	t.Helper()
	n, err := w.sender.SendDue(ctx)
	if err != nil {
		t.Fatalf("SendDue: %v", err)
	}
	return n
}

func TestTemporaryFailureIsRetriedWithBackoffAndSentOnce(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.queue(t, 1)
		w.smtp.Refuse(2)
		steps := []struct {
			advance      time.Duration
			wantClaimed  int
			wantStatus   notify.Status
			wantAttempts int
			wantNextIn   time.Duration // after the step's time, for queued mail
		}{
			{0, 1, notify.Queued, 1, time.Minute},                     // 451: retry in 1 min
			{30 * time.Second, 0, notify.Queued, 1, 30 * time.Second}, // not due yet
			{30 * time.Second, 1, notify.Queued, 2, 2 * time.Minute},  // 451 again: backoff doubles
			{time.Minute, 0, notify.Queued, 2, time.Minute},
			{time.Minute, 1, notify.Sent, 3, 0}, // accepted
			{time.Hour, 0, notify.Sent, 3, 0},   // and never sent again
		}
		for i, s := range steps {
			w.clock.Advance(s.advance)
			if n := w.sendDue(t); n != s.wantClaimed {
				t.Fatalf("step %d: claimed %d, want %d", i, n, s.wantClaimed)
			}
			m := w.outbox(t)[0]
			if m.Status != s.wantStatus || m.Attempts != s.wantAttempts {
				t.Fatalf("step %d: status %s attempts %d, want %s %d (last error %q)", i, m.Status, m.Attempts, s.wantStatus, s.wantAttempts, m.LastError)
			}
			if s.wantStatus == notify.Queued {
				if got := m.NextAttemptAt.Sub(w.clock.Now()); got != s.wantNextIn {
					t.Errorf("step %d: next attempt in %v, want %v", i, got, s.wantNextIn)
				}
				if !strings.Contains(m.LastError, "451") {
					t.Errorf("step %d: last error %q, want the 451 reply", i, m.LastError)
				}
			}
		}
		if got, refused := len(w.smtp.Messages()), w.smtp.Refused(); got != 1 || refused != 2 {
			t.Errorf("server received %d and refused %d, want 1 and 2", got, refused)
		}
	})
}

func TestTooManyFailuresGiveUp(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.sender.MaxAttempts = 2
		w.queue(t, 1)
		w.smtp.Refuse(10)
		for range 5 {
			w.sendDue(t)
			w.clock.Advance(time.Hour)
		}
		m := w.outbox(t)[0]
		if m.Status != notify.Failed || m.Attempts != 2 || w.smtp.Refused() != 2 {
			t.Fatalf("status %s after %d attempts (%d refused), want failed after 2", m.Status, m.Attempts, w.smtp.Refused())
		}

		// An admin retries it once the server is fixed.
		w.smtp.Refuse(0)
		if err := d.InTx(ctx, func(tx db.Querier) error { _, err := notify.Retry(ctx, tx, m.ID, w.clock.Now()); return err }); err != nil {
			t.Fatal(err)
		}
		if n := w.sendDue(t); n != 1 || len(w.smtp.Messages()) != 1 {
			t.Fatalf("after retry: claimed %d, received %d", n, len(w.smtp.Messages()))
		}
		err := d.InTx(ctx, func(tx db.Querier) error { _, err := notify.Retry(ctx, tx, m.ID, w.clock.Now()); return err })
		if !slices.Equal(fields(err), []string{"status"}) {
			t.Errorf("retrying sent mail: %v, want a status field error", err)
		}
	})
}

func TestUnreachableServerIsRetried(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.queue(t, 2)
		good := w.sender.SMTP
		w.sender.SMTP.Port = 1 // nothing listens there
		if n := w.sendDue(t); n != 2 {
			t.Fatalf("claimed %d, want 2", n)
		}
		for _, m := range w.outbox(t) {
			if m.Status != notify.Queued || m.Attempts != 1 || m.LastError == "" {
				t.Errorf("mail %d: status %s attempts %d error %q, want queued for a retry", m.ID, m.Status, m.Attempts, m.LastError)
			}
		}
		w.sender.SMTP = good
		w.clock.Advance(time.Minute)
		if n := w.sendDue(t); n != 2 || len(w.smtp.Messages()) != 2 {
			t.Errorf("after the server came back: claimed %d, received %d, want 2 and 2", n, len(w.smtp.Messages()))
		}
	})
}

// Two nodes sending from one queue at once deliver each mail exactly once.
func TestTwoSendersDeliverEachMailOnce(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		const n = 40
		w.queue(t, n)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, node := range []string{"node-a", "node-b"} {
			s := *w.sender
			s.Node, s.Batch = node, 3
			wg.Go(func() {
				for {
					k, err := s.SendDue(ctx)
					if err != nil || k == 0 {
						errs[i] = err
						return
					}
				}
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		seen := map[string]int{}
		for _, m := range w.smtp.Messages() {
			seen[msgID(m)]++
		}
		mails := w.outbox(t)
		if len(mails) != n || len(seen) != n {
			t.Fatalf("%d mails queued, %d distinct received, want %d", len(mails), len(seen), n)
		}
		for _, m := range mails {
			if m.Status != notify.Sent || m.Attempts != 1 || seen[m.MessageID] != 1 {
				t.Errorf("mail %d: status %s, attempts %d, received %d times; want sent once", m.ID, m.Status, m.Attempts, seen[m.MessageID])
			}
		}
	})
}

func TestSecurityModesAndLogin(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{notify.NoTLS, notify.StartTLS, notify.TLS} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, dbtest.New(t, db.SQLite))
			user := "desk"
			if mode == notify.NoTLS {
				user = "" // no password in the clear: go-mail offers no PLAIN login without TLS
			}
			srv := startSMTPWith(t, mode, user, "s3cret")
			w.sender.SMTP = notify.SMTP{Host: srv.Host, Port: srv.Port, Security: mode, Username: user, Password: "wrong",
				From: "desk@example.com", InsecureSkipVerify: true, Timeout: 10 * time.Second}
			w.queue(t, 1)

			// A refused login is the server's settings, not the mail's: retried.
			if user != "" {
				w.sendDue(t)
				if m := w.outbox(t)[0]; m.Status != notify.Queued || m.LastError == "" {
					t.Fatalf("after a refused login: status %s, error %q; want queued with the error", m.Status, m.LastError)
				}
			}
			w.sender.SMTP.Password = "s3cret"
			w.clock.Advance(time.Minute)
			w.sendDue(t)
			logins := map[bool]int{true: 1, false: 0}[user != ""]
			if m := w.outbox(t)[0]; m.Status != notify.Sent || len(srv.Messages()) != 1 || srv.Authenticated() != logins {
				t.Fatalf("status %s, %d received, %d logins; want sent, 1, %d (last error %q)", m.Status, len(srv.Messages()), srv.Authenticated(), logins, m.LastError)
			}
		})
	}
}

func TestRefusedRecipientFailsAtOnce(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.smtp.Reject("rita@example.com")
		w.queue(t, 1)
		w.sendDue(t)
		m := w.outbox(t)[0]
		if m.Status != notify.Failed || m.Attempts != 1 || !strings.Contains(m.LastError, "550") {
			t.Errorf("status %s after %d attempts, error %q; want failed at once with the 550", m.Status, m.Attempts, m.LastError)
		}
	})
}

// A node that claimed mail and died leaves it to the others once its
// claim expires.
func TestClaimOfADeadNodeExpires(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.sender.Lease = 5 * time.Minute
		w.queue(t, 1)
		if _, err := d.Write.ExecContext(ctx, `UPDATE mail_queue SET claimed_by = 'dead-node', claimed_until = $1, attempts = 1`,
			w.clock.Now().Add(5*time.Minute).UnixMilli()); err != nil {
			t.Fatal(err)
		}
		if n := w.sendDue(t); n != 0 {
			t.Fatalf("claimed %d mails another node holds", n)
		}
		w.clock.Advance(5*time.Minute + time.Second)
		if n := w.sendDue(t); n != 1 || len(w.smtp.Messages()) != 1 {
			t.Fatalf("after the claim expired: claimed %d, received %d; want 1 and 1", n, len(w.smtp.Messages()))
		}
		if m := w.outbox(t)[0]; m.Status != notify.Sent || m.Attempts != 2 {
			t.Errorf("status %s attempts %d, want sent after 2", m.Status, m.Attempts)
		}
	})
}

func TestSMTPSettingsAreValidated(t *testing.T) {
	t.Parallel()
	ok := notify.SMTP{Host: "mail.example.com", Port: 587, Security: notify.StartTLS, Username: "desk", Password: "x", From: "desk@example.com"}
	tests := []struct {
		name string
		edit func(*notify.SMTP)
		want []string // setting names the error must hold
	}{
		{"valid", func(*notify.SMTP) {}, nil},
		{"defaults are fine", func(c *notify.SMTP) { c.Port, c.Security = 0, "" }, nil},
		{"nothing set", func(c *notify.SMTP) { *c = notify.SMTP{} }, []string{"smtp-host", "smtp-from"}},
		{"bad port and mode", func(c *notify.SMTP) { c.Port, c.Security = 70000, "ssl" }, []string{"smtp-port", "smtp-security"}},
		{"login in the clear", func(c *notify.SMTP) { c.Security = notify.NoTLS }, []string{"smtp-username"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.edit(&c)
			err := c.Validate()
			if (err != nil) != (len(tt.want) > 0) {
				t.Fatalf("Validate() = %v, want errors naming %v", err, tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w+":") {
					t.Errorf("error %q does not name %s", err, w)
				}
			}
		})
	}
}

// A refused message does not spoil the connection for the rest of the batch.
func TestOneRefusalInABatch(t *testing.T) {
	t.Parallel()
	w := newWorld(t, dbtest.New(t, db.SQLite))
	w.queue(t, 3)
	w.smtp.Refuse(1)
	if n := w.sendDue(t); n != 3 {
		t.Fatalf("claimed %d, want 3", n)
	}
	count := map[notify.Status]int{}
	for _, m := range w.outbox(t) {
		count[m.Status]++
	}
	if count[notify.Sent] != 2 || count[notify.Queued] != 1 || len(w.smtp.Messages()) != 2 {
		t.Errorf("statuses %v, %d received; want 2 sent, 1 queued for a retry", count, len(w.smtp.Messages()))
	}
}
