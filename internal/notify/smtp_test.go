package notify_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"steward/internal/notify"
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
	reject  map[string]bool // recipients refused with 550
	// user and password, when set, are required (AUTH PLAIN, after STARTTLS).
	user, password string
	authed         int
}

func startSMTP(t *testing.T) *mailServer {
	t.Helper()
	return startSMTPWith(t, notify.NoTLS, "", "")
}

// startSMTPWith starts a server with security mode (notify.NoTLS,
// StartTLS or TLS, with a self-signed certificate) that requires AUTH
// PLAIN as user when user is not empty.
func startSMTPWith(t *testing.T, mode, user, password string) *mailServer {
	t.Helper()
	ms := &mailServer{reject: map[string]bool{}, user: user, password: password}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{ms: ms}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = mode == notify.NoTLS
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if mode != notify.NoTLS {
		cfg := &tls.Config{Certificates: []tls.Certificate{*selfSigned(t)}}
		if mode == notify.StartTLS {
			srv.TLSConfig = cfg
		} else {
			ln = tls.NewListener(ln, cfg)
		}
	}
	addr := ln.Addr().(*net.TCPAddr)
	ms.Host, ms.Port = "127.0.0.1", addr.Port
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ms
}

// Reject makes the server refuse mail to addr with 550.
func (ms *mailServer) Reject(addr string) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.reject[addr] = true
}

// Authenticated counts successful logins.
func (ms *mailServer) Authenticated() int {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return ms.authed
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
	ms     *mailServer
	from   string
	to     []string
	authed bool
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, password string) error {
		if user != s.ms.user || password != s.ms.password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		s.ms.mu.Lock()
		s.ms.authed++
		s.ms.mu.Unlock()
		s.authed = true
		return nil
	}), nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.ms.user != "" && !s.authed {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}
	}
	s.from = from
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.ms.mu.Lock()
	rejected := s.ms.reject[to]
	s.ms.mu.Unlock()
	if rejected {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
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

// selfSigned makes a certificate for 127.0.0.1.
func selfSigned(t *testing.T) *tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
