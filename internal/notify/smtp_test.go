package notify_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
)

// received is one message the test SMTP server accepted.
type received struct {
	From    string
	To      []string
	Header  netmail.Header
	Subject string // decoded
	Text    string // the decoded text/plain part
	HTML    string // the decoded text/html part
}

// mailServer is a real SMTP server on 127.0.0.1 that keeps what it
// receives. It can be told to refuse the next n messages with 451.
type mailServer struct {
	Host string
	Port int

	mu      sync.Mutex
	msgs    []received
	refuse  int // DATA replies 451 while positive
	refused int
}

func startSMTP(t *testing.T) *mailServer {
	t.Helper()
	ms := &mailServer{}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{ms: ms}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	ms.Host, ms.Port = "127.0.0.1", addr.Port
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ms
}

// Refuse makes the next n messages fail with a temporary error.
func (ms *mailServer) Refuse(n int) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.refuse = n
}

// Messages returns what was received so far.
func (ms *mailServer) Messages() []received {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return append([]received(nil), ms.msgs...)
}

// Take returns what was received since the last Take and forgets it.
func (ms *mailServer) Take() []received {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	out := ms.msgs
	ms.msgs = nil
	return out
}

// Refused counts the messages refused with 451.
func (ms *mailServer) Refused() int {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return ms.refused
}

type session struct {
	ms   *mailServer
	from string
	to   []string
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.ms.mu.Lock()
	defer s.ms.mu.Unlock()
	if s.ms.refuse > 0 {
		s.ms.refuse--
		s.ms.refused++
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	m, err := parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: err.Error()}
	}
	m.From, m.To = s.from, s.to
	s.ms.msgs = append(s.ms.msgs, m)
	return nil
}

// parse reads a message as a mail client would: decoded subject, and the
// decoded text and HTML alternatives.
func parse(raw []byte) (received, error) {
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return received{}, err
	}
	m := received{Header: msg.Header}
	dec := new(mime.WordDecoder)
	if m.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return m, err
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return m, err
	}
	if !strings.HasPrefix(mt, "multipart/") {
		body, err := decodePart(msg.Body, msg.Header.Get("Content-Transfer-Encoding"))
		m.Text = body
		return m, err
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return m, nil
		}
		if err != nil {
			return m, err
		}
		body, err := decodePart(p, p.Header.Get("Content-Transfer-Encoding"))
		if err != nil {
			return m, err
		}
		switch ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct {
		case "text/plain":
			m.Text = body
		case "text/html":
			m.HTML = body
		}
	}
}

func decodePart(r io.Reader, cte string) (string, error) {
	switch strings.ToLower(cte) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	}
	b, err := io.ReadAll(r)
	return string(b), err
}

func (ms *mailServer) addr() string { return net.JoinHostPort(ms.Host, strconv.Itoa(ms.Port)) }
