// Package mail reads inbound email: it parses a raw RFC 5322 message into
// the parts a service desk needs (threading headers, sender, decoded text,
// sanitised HTML, attachments), recognises mail that must never open a
// record (auto-replies, bounces, list traffic, loops), folds quoted history
// away from the reply and finds record numbers in subjects. It is pure: no
// database, no network.
package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jhillyerd/enmime"
	"github.com/microcosm-cc/bluemonday"
)

// Address is a mailbox: a display name and an address (lower case).
type Address struct {
	Name    string
	Address string
}

// Part is an attachment or an inline part (an image shown in the HTML body).
type Part struct {
	Name        string // file name, never empty
	ContentType string
	ContentID   string // for inline parts referenced as cid: in the HTML
	Inline      bool
	Data        []byte
}

// Message is a parsed inbound message.
type Message struct {
	MessageID  string   // without angle brackets; empty when the header is missing
	InReplyTo  []string // Message-IDs, without angle brackets
	References []string
	From       Address
	To         []Address
	Cc         []Address
	Subject    string
	Date       time.Time // zero when missing or unreadable
	// Text is the body as plain text: the text/plain part, or the HTML
	// converted to text when the message has no text/plain part.
	Text         string
	TextFromHTML bool
	// HTML is the HTML part, sanitised for display; empty for text mail.
	HTML        string
	Parts       []Part
	ContentType string // top-level media type, lower case
	// Header is the top-level header, for classification.
	Header textproto.MIMEHeader
	// Warnings are what the parser had to repair (bad charsets, broken
	// boundaries, malformed base64 ...).
	Warnings []string
}

// parser leaves HTML-to-text conversion to HTMLText.
var parser = enmime.NewParser(enmime.DisableTextConversion(true))

// policy sanitises mail HTML for display: user-generated-content rules,
// plus cid: links so that inline images keep their references.
var policy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("mailto", "http", "https", "cid")
	return p
}()

// SanitizeHTML returns html with everything unsafe for display removed.
func SanitizeHTML(html string) string { return policy.Sanitize(html) }

// Parse reads a raw message. It copes with the broken mail found in the
// wild (the repairs are listed in Warnings) and fails only when nothing
// usable is left; it never panics.
func Parse(raw []byte) (m *Message, err error) {
	defer func() {
		// The MIME library is third-party code run on hostile input: a
		// panic there must become a quarantined message, not a dead node.
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("mail: parser failed: %v", r)
		}
	}()
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, fmt.Errorf("mail: empty message")
	}
	if bytes.HasPrefix(raw, []byte("From ")) {
		// An mbox envelope line ("From sender date") is not a header.
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			raw = raw[i+1:]
		}
	}
	env, err := parser.ReadEnvelope(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("mail: parse: %w", err)
	}
	m = &Message{Header: env.Root.Header}
	m.MessageID = firstID(env.GetHeader("Message-Id"))
	m.InReplyTo = messageIDs(env.GetHeader("In-Reply-To"))
	m.References = messageIDs(strings.Join(env.GetHeaderValues("References"), " "))
	m.Subject = clean(env.GetHeader("Subject"))
	m.From = firstAddress(env, "From")
	if m.From.Address == "" {
		m.From = firstAddress(env, "Sender")
	}
	m.To = addresses(env, "To")
	m.Cc = addresses(env, "Cc")
	if d, err := env.Date(); err == nil {
		m.Date = d.UTC()
	}
	m.ContentType = strings.ToLower(env.Root.ContentType)
	if env.HTML != "" {
		m.HTML = SanitizeHTML(env.HTML)
	}
	m.Text = normalise(env.Text)
	if m.Text == "" && env.HTML != "" {
		m.TextFromHTML = true
		m.Text = HTMLText(env.HTML)
	}
	m.Parts = parts(env)
	for _, e := range env.Errors {
		m.Warnings = append(m.Warnings, e.String())
	}
	return m, nil
}

// normalise makes text safe to store and pleasant to read: valid UTF-8,
// LF line ends, no trailing blanks, at most one empty line in a row.
func normalise(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.ReplaceAll(s, "\x00", "")
	lines := strings.Split(s, "\n")
	out := lines[:0]
	blank := 0
	for _, l := range lines {
		l = strings.TrimRight(l, " \t\u00a0")
		if l == "" {
			blank++
			if blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// clean makes a header value one line of valid UTF-8.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == '\t' {
			return ' '
		}
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// messageIDs splits a header holding <id> tokens; ids are returned
// without brackets, each once, in order.
func messageIDs(v string) []string {
	var out []string
	seen := map[string]bool{}
	for {
		i := strings.IndexByte(v, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			break
		}
		id := clean(v[i+1 : i+j])
		v = v[i+j+1:]
		if id != "" && !strings.ContainsAny(id, " <") && !seen[id] && len(id) <= 998 {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// firstID is the Message-ID in v, also when a sender left out the brackets.
func firstID(v string) string {
	if ids := messageIDs(v); len(ids) > 0 {
		return ids[0]
	}
	v = clean(v)
	if v != "" && !strings.ContainsAny(v, " <>") && strings.Contains(v, "@") && len(v) <= 998 {
		return v
	}
	return ""
}

func addresses(env *enmime.Envelope, key string) []Address {
	list, err := env.AddressList(key)
	if err != nil && len(list) == 0 {
		// A header the strict parser refuses may still hold one address.
		if a, err := mail.ParseAddress(strings.TrimSpace(env.GetHeader(key))); err == nil {
			list = []*mail.Address{a}
		}
	}
	var out []Address
	for _, a := range list {
		if a == nil || !strings.Contains(a.Address, "@") {
			continue
		}
		out = append(out, Address{Name: clean(a.Name), Address: strings.ToLower(clean(a.Address))})
	}
	return out
}

func firstAddress(env *enmime.Envelope, key string) Address {
	if list := addresses(env, key); len(list) > 0 {
		return list[0]
	}
	return Address{}
}

// parts lists attachments and inline parts with a usable name each.
func parts(env *enmime.Envelope) []Part {
	var out []Part
	add := func(p *enmime.Part, inline bool) {
		if p == nil || len(p.Content) == 0 {
			return
		}
		ct := strings.ToLower(p.ContentType)
		if ct == "" {
			ct = "application/octet-stream"
		}
		out = append(out, Part{
			Name: fileName(p.FileName, ct, len(out)+1), ContentType: ct,
			ContentID: strings.Trim(p.ContentID, "<> "), Inline: inline, Data: p.Content,
		})
	}
	for _, p := range env.Attachments {
		add(p, false)
	}
	for _, p := range env.Inlines {
		add(p, true)
	}
	for _, p := range env.OtherParts {
		add(p, p.ContentID != "")
	}
	return out
}

// fileName cleans a sender's file name (no paths, no control characters)
// or makes one up from the part's position and type.
func fileName(name, contentType string, n int) string {
	name = clean(name)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Trim(name, ". ")
	if name != "" {
		for len(name) > 200 {
			_, size := utf8.DecodeLastRuneInString(name)
			name = name[:len(name)-size]
		}
		return name
	}
	ext := ".bin"
	if exts, _ := mime.ExtensionsByType(contentType); len(exts) > 0 {
		ext = exts[0]
	}
	switch contentType {
	case "image/jpeg":
		ext = ".jpg"
	case "message/rfc822":
		ext = ".eml"
	case "text/plain":
		ext = ".txt"
	}
	return "part-" + strconv.Itoa(n) + ext
}

// Fingerprint is a hash of what the message says: sender, subject, date,
// body and parts, but none of the transport headers a second delivery
// changes. Two deliveries of one message share it; two different messages
// that reuse a Message-ID (broken senders do) do not.
func (m *Message) Fingerprint() string {
	h := sha256.New()
	for _, s := range []string{m.From.Address, m.Subject, m.Date.Format(time.RFC3339), m.Text, m.HTML} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	for _, p := range m.Parts {
		sum := sha256.Sum256(p.Data)
		h.Write([]byte(p.Name))
		h.Write(sum[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}
