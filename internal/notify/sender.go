package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	mail "github.com/wneessen/go-mail"

	"steward/internal/platform/db"
)

// SMTP is how the sender reaches the mail server.
type SMTP struct {
	Host     string
	Port     int    // 587 if zero (465 with TLS)
	Security string // starttls (default), tls, none
	Username string // empty: no authentication
	Password string
	From     string // the From address, e.g. "Service Desk <desk@example.com>"
	// InsecureSkipVerify accepts any server certificate (tests only).
	InsecureSkipVerify bool
	Timeout            time.Duration // per connection; 30 s if zero
}

// Security modes.
const (
	StartTLS = "starttls"
	TLS      = "tls"
	NoTLS    = "none"
)

// Validate names every bad setting.
func (c SMTP) Validate() error {
	var errs []error
	if c.Host == "" {
		errs = append(errs, errors.New("smtp-host: is required to send mail"))
	}
	if c.Port < 0 || c.Port > 65535 {
		errs = append(errs, fmt.Errorf("smtp-port: %d is not a port", c.Port))
	}
	switch c.Security {
	case "", StartTLS, TLS, NoTLS:
	default:
		errs = append(errs, fmt.Errorf("smtp-security: %q is not one of starttls, tls, none", c.Security))
	}
	if c.Security == NoTLS && c.Username != "" {
		errs = append(errs, errors.New("smtp-username: a login needs smtp-security starttls or tls (no password is sent in the clear)"))
	}
	if c.From == "" {
		errs = append(errs, errors.New("smtp-from: is required to send mail"))
	}
	return errors.Join(errs...)
}

func (c SMTP) client() (*mail.Client, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	opts := []mail.Option{mail.WithTimeout(timeout), mail.WithTLSConfig(&tls.Config{ServerName: c.Host, InsecureSkipVerify: c.InsecureSkipVerify, MinVersion: tls.VersionTLS12})}
	port := c.Port
	switch c.Security {
	case TLS:
		opts = append(opts, mail.WithSSL())
		if port == 0 {
			port = 465
		}
	case NoTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if port == 0 {
		port = 587
	}
	opts = append(opts, mail.WithPort(port))
	if c.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(c.Username), mail.WithPassword(c.Password))
	}
	return mail.NewClient(c.Host, opts...)
}

// Sender delivers queued mail. Several senders (nodes) may run on one
// database: each claims rows before sending them.
type Sender struct {
	DB   *db.DB
	SMTP SMTP
	// Node names this sender in claims; it must differ between nodes.
	Node string
	Log  *slog.Logger
	Now  func() time.Time
	// Batch is how many mails one claim takes (20 if zero).
	Batch int
	// Lease is how long a claim holds (5 min if zero); a sender that dies
	// mid-batch leaves its mails to others after that.
	Lease time.Duration
	// Backoff is the wait after the first failure, doubled after each
	// further one up to MaxBackoff (1 min and 6 h if zero).
	Backoff, MaxBackoff time.Duration
	// MaxAttempts: a mail still failing after this many attempts is given
	// up (10 if zero).
	MaxAttempts int
	// Interval between looks at the queue when idle (5 s if zero).
	Interval time.Duration
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// backoff is the wait after the attempt-th failed attempt.
func (s *Sender) backoff(attempt int) time.Duration {
	base, most := s.Backoff, s.MaxBackoff
	if base <= 0 {
		base = time.Minute
	}
	if most <= 0 {
		most = 6 * time.Hour
	}
	d := base
	for i := 1; i < attempt && d < most; i++ {
		d *= 2
	}
	return min(d, most)
}

// Run sends due mail until ctx ends.
func (s *Sender) Run(ctx context.Context) {
	interval := s.Interval
	if interval <= 0 {
		interval = 5 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		for {
			n, err := s.SendDue(ctx)
			if err != nil && ctx.Err() == nil && s.Log != nil {
				s.Log.Error("mail: send", "err", err)
			}
			if err != nil || n == 0 {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// SendDue claims one batch of due mail and tries to deliver it, returning
// how many mails it claimed. A mail the server accepts is marked sent; a
// temporary failure is tried again after a backoff; a permanent failure (a
// 5xx reply) or too many attempts marks it failed.
func (s *Sender) SendDue(ctx context.Context) (int, error) {
	batch, lease := s.Batch, s.Lease
	if batch <= 0 {
		batch = 20
	}
	if lease <= 0 {
		lease = 5 * time.Minute
	}
	mails, err := claim(ctx, s.DB, s.Node, s.now(), lease, batch)
	if err != nil || len(mails) == 0 {
		return 0, err
	}
	c, err := s.SMTP.client()
	if err == nil {
		err = c.DialWithContext(ctx)
	}
	if err != nil {
		// Not the mails' fault (server down, TLS or login refused): retry.
		err = temporary{err}
		for _, m := range mails {
			if ferr := s.failed(ctx, m, err); ferr != nil {
				return len(mails), ferr
			}
		}
		return len(mails), nil
	}
	defer c.Close()
	for _, m := range mails {
		msg, err := s.message(m)
		if err == nil {
			err = c.Send(msg)
		}
		if err != nil {
			if ferr := s.failed(ctx, m, err); ferr != nil {
				return len(mails), ferr
			}
			continue
		}
		if err := markSent(ctx, s.DB, m.ID, s.Node, s.now()); err != nil {
			return len(mails), err
		}
	}
	return len(mails), nil
}

func (s *Sender) failed(ctx context.Context, m Mail, err error) error {
	next := s.now().Add(s.backoff(m.Attempts))
	maxAttempts := s.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = 10
	}
	var se *mail.SendError
	var tmp temporary
	permanent := !errors.As(err, &tmp) && errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500
	if permanent || m.Attempts >= maxAttempts {
		next = time.Time{}
	}
	if s.Log != nil {
		s.Log.Warn("mail: delivery failed", "mail", m.ID, "to", m.To, "attempt", m.Attempts, "retry_at", next, "err", err)
	}
	return markFailed(ctx, s.DB, m.ID, s.Node, next, err.Error())
}

// temporary marks a failure that is retried whatever the server said.
type temporary struct{ error }

func (t temporary) Unwrap() error { return t.error }

// message builds the MIME message of m: text and HTML alternatives,
// Message-ID, In-Reply-To and References for threading, and Auto-Submitted
// so that well-behaved mail systems (and Steward's own inbound side) send
// no automatic replies.
func (s *Sender) message(m Mail) (*mail.Msg, error) {
	msg := mail.NewMsg()
	if err := msg.From(s.SMTP.From); err != nil {
		return nil, fmt.Errorf("from %q: %w", s.SMTP.From, err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("to %q: %w", m.To, err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	if m.InReplyTo != "" {
		msg.SetGenHeader(mail.HeaderInReplyTo, "<"+m.InReplyTo+">")
	}
	if len(m.References) > 0 {
		msg.SetGenHeader(mail.HeaderReferences, "<"+strings.Join(m.References, "> <")+">")
	}
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	if m.RecordNumber != "" {
		msg.SetGenHeader("X-Steward-Record", m.RecordNumber)
	}
	msg.SetDate()
	msg.SetBodyString(mail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(mail.TypeTextHTML, m.HTML)
	return msg, nil
}
