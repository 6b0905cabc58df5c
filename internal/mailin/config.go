package mailin

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"steward/internal/record"
)

// ParseMailbox reads a mailbox from a URL, the form one flag or variable
// can carry:
//
//	imaps://user:password@host[:port]/Folder?move=Processed&every=1m&type=incident
//
// imaps is TLS from the start, imap+starttls upgrades, imap is plain text
// (for a server on localhost only). User and password are URL-escaped.
func ParseMailbox(s string) (Mailbox, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		// The parser's message would repeat the URL and its password.
		return Mailbox{}, fmt.Errorf("mailbox: not a URL such as imaps://user:password@host/INBOX")
	}
	var m Mailbox
	switch u.Scheme {
	case "imaps":
		m.TLS = "tls"
	case "imap+starttls":
		m.TLS = "starttls"
	case "imap":
		m.TLS = "none"
	default:
		return Mailbox{}, fmt.Errorf("mailbox: scheme must be imaps, imap+starttls or imap, not %q", u.Scheme)
	}
	m.Host = u.Hostname()
	if m.Host == "" {
		return Mailbox{}, fmt.Errorf("mailbox: no host in %s", u.Redacted())
	}
	if p := u.Port(); p != "" {
		if m.Port, err = strconv.Atoi(p); err != nil || m.Port < 1 || m.Port > 65535 {
			return Mailbox{}, fmt.Errorf("mailbox: bad port %q", p)
		}
	}
	if u.User == nil || u.User.Username() == "" {
		return Mailbox{}, fmt.Errorf("mailbox: no user in %s", u.Redacted())
	}
	m.User = u.User.Username()
	m.Password, _ = u.User.Password()
	m.Folder = strings.TrimPrefix(u.Path, "/")
	q := u.Query()
	m.MoveTo = q.Get("move")
	if e := q.Get("every"); e != "" {
		if m.PollInterval, err = time.ParseDuration(e); err != nil || m.PollInterval < time.Second {
			return Mailbox{}, fmt.Errorf("mailbox: every must be a duration of at least 1s, such as 1m")
		}
	}
	switch t := record.Type(q.Get("type")); t {
	case "", record.TypeIncident:
		m.RecordType = record.TypeIncident
	default:
		return Mailbox{}, fmt.Errorf("mailbox: type %q: mail can open incidents only so far", t)
	}
	return m, nil
}
