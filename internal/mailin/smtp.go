package mailin

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"steward/internal/record"
)

// SMTPConfig configures the SMTP listener a mail server relays to.
type SMTPConfig struct {
	Addr   string // host:port to listen on, e.g. ":2525"
	Domain string // the name in the greeting; "localhost" if empty
	// Recipients are the addresses mail is accepted for (any case); an
	// entry "@example.com" accepts a whole domain. Empty accepts any.
	Recipients []string
	// MaxMessageBytes is the protocol limit (the sender gets 552 above
	// it); 50 MiB if zero. The admin setting below it quarantines.
	MaxMessageBytes int64
	RecordType      record.Type   // what new mail opens; incident if empty
	TLS             *tls.Config   // offers STARTTLS when set
	Timeout         time.Duration // per command; 5 minutes if zero
}

// SMTPServer receives mail over SMTP and hands each message to Ingest.
type SMTPServer struct {
	svc *Service
	cfg SMTPConfig
	srv *smtp.Server
}

// NewSMTP returns a listener for svc configured by cfg.
func NewSMTP(svc *Service, cfg SMTPConfig) *SMTPServer {
	l := &SMTPServer{svc: svc, cfg: cfg}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{l: l}, nil
	}))
	srv.Addr = cfg.Addr
	srv.Domain = cmp(cfg.Domain, "localhost")
	srv.MaxMessageBytes = cfg.MaxMessageBytes
	if srv.MaxMessageBytes <= 0 {
		srv.MaxMessageBytes = 50 << 20
	}
	srv.MaxRecipients = 100
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	srv.ReadTimeout, srv.WriteTimeout = timeout, timeout
	srv.TLSConfig = cfg.TLS
	srv.EnableSMTPUTF8 = true
	l.srv = srv
	return l
}

func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Run listens on cfg.Addr until ctx ends, then lets open sessions finish.
func (l *SMTPServer) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", l.cfg.Addr)
	if err != nil {
		return fmt.Errorf("mailin: smtp listen: %w", err)
	}
	return l.Serve(ctx, ln)
}

// Serve accepts SMTP connections on ln until ctx ends.
func (l *SMTPServer) Serve(ctx context.Context, ln net.Listener) error {
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := l.srv.Shutdown(sctx); err != nil {
			l.srv.Close()
		}
	}()
	err := l.srv.Serve(ln)
	if ctx.Err() != nil {
		<-stopped
		return nil
	}
	return fmt.Errorf("mailin: smtp: %w", err)
}

// accepts reports whether mail for addr is taken.
func (l *SMTPServer) accepts(addr string) bool {
	if len(l.cfg.Recipients) == 0 {
		return true
	}
	addr = strings.ToLower(strings.Trim(strings.TrimSpace(addr), "<>"))
	for _, r := range l.cfg.Recipients {
		r = strings.ToLower(strings.TrimSpace(r))
		if r == addr || (strings.HasPrefix(r, "@") && strings.HasSuffix(addr, r)) {
			return true
		}
	}
	return false
}

// session is one SMTP conversation.
type session struct {
	l    *SMTPServer
	from string
	rcpt int
}

func (s *session) Reset()        { s.from, s.rcpt = "", 0 }
func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if !s.l.accepts(to) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox here"}
	}
	s.rcpt++
	return nil
}

// Data hands the message to Ingest. Quarantined mail is accepted too (it
// is kept); only a failure to store it answers 451, so the relay retries.
func (s *session) Data(r io.Reader) error {
	var buf bytes.Buffer
	// The envelope sender becomes Return-Path, as final delivery does:
	// a bounce (MAIL FROM:<>) is then recognised as one.
	fmt.Fprintf(&buf, "Return-Path: <%s>\r\n", strings.NewReplacer("\r", "", "\n", "", ">", "").Replace(s.from))
	if _, err := io.Copy(&buf, r); err != nil {
		if errors.Is(err, smtp.ErrDataTooLarge) {
			return smtp.ErrDataTooLarge
		}
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := s.l.svc.Ingest(ctx, buf.Bytes(), Source{Name: "smtp", RecordType: s.l.cfg.RecordType})
	if err != nil {
		s.l.svc.log().Error("mail in: smtp delivery failed, asking the relay to retry", "err", err)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure, please try again later"}
	}
	s.l.svc.log().Info("mail in: smtp", "outcome", res.Outcome, "number", res.Number, "duplicate", res.Duplicate)
	return nil
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}
