package mail

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// crlf turns a readable message into wire form.
func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

func TestParseDecodesBodiesAndHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		raw      string
		wantText string
		wantSubj string
		wantHTML string // substring
		fromHTML bool
	}{
		{
			name: "quoted-printable iso-8859-1",
			raw: "From: =?iso-8859-1?q?Andr=E9?= <andre@example.com>\nSubject: =?iso-8859-1?q?Caf=E9_cass=E9?=\nMessage-ID: <a@x>\n" +
				"Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nLe caf=E9 est cass=E9.=\n Vraiment.\n",
			wantText: "Le café est cassé. Vraiment.", wantSubj: "Café cassé",
		},
		{
			name: "base64 utf-8",
			raw: "From: a@example.com\nSubject: =?utf-8?b?0J/RgNC40L3RgtC10YA=?=\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n" +
				"0J/RgNC40L3RgtC10YAg0L3QtSDQv9C10YfQsNGC0LDQtdGC\n",
			wantText: "Принтер не печатает", wantSubj: "Принтер",
		},
		{
			name:     "8bit windows-1252",
			raw:      "From: a@example.com\nSubject: euro\nContent-Type: text/plain; charset=windows-1252\nContent-Transfer-Encoding: 8bit\n\nPrice \x80 5\n",
			wantText: "Price € 5", wantSubj: "euro",
		},
		{
			name: "html only becomes text, html is sanitised",
			raw: "From: a@example.com\nSubject: html\nContent-Type: text/html; charset=utf-8\n\n" +
				"<html><head><style>p{}</style><script>alert(1)</script></head><body><p>Hello <b>desk</b>,</p><ul><li>one</li><li>two</li></ul>" +
				"<p>See <a href=\"https://example.com/x\">the page</a>.</p></body></html>",
			wantText: "Hello desk,\n\n- one\n- two\n\nSee the page <https://example.com/x>.", wantSubj: "html",
			wantHTML: "<b>desk</b>", fromHTML: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := Parse(crlf(tt.raw))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantText, m.Text); diff != "" {
				t.Errorf("text (-want +got):\n%s", diff)
			}
			if m.Subject != tt.wantSubj {
				t.Errorf("subject %q, want %q", m.Subject, tt.wantSubj)
			}
			if m.TextFromHTML != tt.fromHTML {
				t.Errorf("TextFromHTML %v, want %v", m.TextFromHTML, tt.fromHTML)
			}
			if !strings.Contains(m.HTML, tt.wantHTML) || strings.Contains(m.HTML, "<script") {
				t.Errorf("html %q, want it to hold %q and no script", m.HTML, tt.wantHTML)
			}
		})
	}
}

func TestParseThreadingAndParts(t *testing.T) {
	t.Parallel()
	raw := `From: "Ada Lovelace" <Ada@Example.com>
To: desk@steward.test, Other <o@example.com>
Subject: Re: [INC0000042] Printer
Message-ID: <reply-1@example.com>
In-Reply-To: <out-1@steward.test>
References: <out-0@steward.test>
 <out-1@steward.test>
Date: Tue, 1 Dec 2026 10:00:00 +0100
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

Still broken.
--b1
Content-Type: application/pdf; name="=?utf-8?q?r=C3=A9sum=C3=A9.pdf?="
Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--b1
Content-Type: image/png
Content-Disposition: inline
Content-ID: <img1@x>
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--b1--
`
	m, err := Parse(crlf(raw))
	if err != nil {
		t.Fatal(err)
	}
	want := struct {
		ID, Subject string
		IRT, Refs   []string
		From        Address
		To          []Address
		Date        time.Time
	}{"reply-1@example.com", "Re: [INC0000042] Printer", []string{"out-1@steward.test"}, []string{"out-0@steward.test", "out-1@steward.test"},
		Address{"Ada Lovelace", "ada@example.com"}, []Address{{"", "desk@steward.test"}, {"Other", "o@example.com"}},
		time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	got := struct {
		ID, Subject string
		IRT, Refs   []string
		From        Address
		To          []Address
		Date        time.Time
	}{m.MessageID, m.Subject, m.InReplyTo, m.References, m.From, m.To, m.Date}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	var names []string
	for _, p := range m.Parts {
		names = append(names, p.Name+" "+p.ContentType+" "+p.ContentID)
	}
	if diff := cmp.Diff([]string{"résumé.pdf application/pdf ", "part-2.png image/png img1@x"}, names); diff != "" {
		t.Errorf("parts (-want +got):\n%s", diff)
	}
	if string(m.Parts[0].Data) != "%PDF-1.4\n" {
		t.Errorf("attachment bytes %q", m.Parts[0].Data)
	}
}

func TestParseRefusesNothingUsable(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"", "   \r\n"} {
		if _, err := Parse([]byte(raw)); err == nil {
			t.Errorf("Parse(%q) succeeded", raw)
		}
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	own := []string{"desk@steward.test"}
	tests := []struct {
		name    string
		headers string
		want    Kind
	}{
		{"personal", "From: ada@example.com\nSubject: help", Personal},
		{"auto-submitted", "From: ada@example.com\nAuto-Submitted: auto-replied\nSubject: away", AutoReply},
		{"auto-submitted no", "From: ada@example.com\nAuto-Submitted: no\nSubject: hi", Personal},
		{"x-autoreply", "From: ada@example.com\nX-Autoreply: yes\nSubject: hi", AutoReply},
		{"x-autorespond", "From: ada@example.com\nX-Autorespond: yes\nSubject: hi", AutoReply},
		{"out of office subject", "From: ada@example.com\nSubject: Automatic reply: printer", AutoReply},
		{"precedence bulk", "From: news@example.com\nPrecedence: bulk\nSubject: news", List},
		{"precedence junk", "From: news@example.com\nPrecedence: junk\nSubject: news", List},
		{"precedence list", "From: news@example.com\nPrecedence: list\nSubject: news", List},
		{"list-id", "From: a@example.com\nList-Id: <dev.lists.example.com>\nSubject: x", List},
		{"list-unsubscribe", "From: a@example.com\nList-Unsubscribe: <mailto:u@example.com>\nSubject: x", List},
		{"null return path", "Return-Path: <>\nFrom: a@example.com\nSubject: x", Bounce},
		{"mailer-daemon", "From: MAILER-DAEMON@example.com\nSubject: failure", Bounce},
		{"dsn", "From: a@example.com\nSubject: x\nContent-Type: multipart/report; report-type=delivery-status; boundary=z", Bounce},
		{"own address", "From: Desk <DESK@steward.test>\nSubject: [INC0000001] created", Loop},
		{"x-loop", "From: a@example.com\nX-Loop: desk@steward.test\nSubject: x", Loop},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := Parse(crlf(tt.headers + "\n\nbody\n"))
			if err != nil {
				t.Fatal(err)
			}
			v := Classify(m, own)
			if v.Kind != tt.want {
				t.Errorf("kind %s (%s), want %s", v.Kind, v.Reason, tt.want)
			}
			if v.Kind != Personal && v.Reason == "" {
				t.Error("no reason given")
			}
		})
	}
}

func TestSplitReply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text, reply, quoted string
	}{
		{"no history", "Still broken.\nThanks", "Still broken.\nThanks", ""},
		{"gmail attribution", "Works now.\n\nOn Tue, 1 Dec 2026 at 10:00, Desk <desk@x> wrote:\n> Try again", "Works now.", "On Tue, 1 Dec 2026 at 10:00, Desk <desk@x> wrote:\n> Try again"},
		{"wrapped attribution", "Works now.\n\nOn Tue, 1 Dec 2026 at 10:00, Steward Service Desk\n<desk@x> wrote:\n> Try", "Works now.", "On Tue, 1 Dec 2026 at 10:00, Steward Service Desk\n<desk@x> wrote:\n> Try"},
		{"quote only", "Yes.\n> did it work?", "Yes.", "> did it work?"},
		{"signature", "Thanks!\n-- \nAda\nPhone 1", "Thanks!", "-- \nAda\nPhone 1"},
		{"outlook original", "OK\n-----Original Message-----\nFrom: Desk\nSent: today", "OK", "-----Original Message-----\nFrom: Desk\nSent: today"},
		{"outlook header block", "OK\n\nFrom: Desk <desk@x>\nSent: Tuesday\nTo: Ada\nSubject: x\n\nold", "OK", "From: Desk <desk@x>\nSent: Tuesday\nTo: Ada\nSubject: x\n\nold"},
		{"german", "Geht.\nAm 01.12.2026 um 10:00 schrieb Desk <d@x>:\n> alt", "Geht.", "Am 01.12.2026 um 10:00 schrieb Desk <d@x>:\n> alt"},
		{"bottom posting keeps all", "> question\nanswer", "> question\nanswer", ""},
		{"from inside a sentence is not a header", "From: my laptop\nit fails", "From: my laptop\nit fails", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := SplitReply(tt.text)
			if diff := cmp.Diff(Split{tt.reply, tt.quoted}, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSubjectNumbers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		subject string
		want    []string
	}{
		{"Re: [INC0000042] Printer", []string{"INC0000042"}},
		{"RE: AW: [ inc0000007 ] x [REQ0000001]", []string{"INC0000007", "REQ0000001"}},
		{"INC0000042 without brackets", nil},
		{"[INC42] too short", nil},
		{"Printer broken again", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, SubjectNumbers(tt.subject)); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tt.subject, diff)
		}
	}
}

// FuzzParse feeds arbitrary bytes to the parser and the functions run on
// its output: none may panic, and the text they return is valid UTF-8.
// Seeds live in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add([]byte("From: a@b\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/html\r\n\r\n<p>hi"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(raw)
		if err != nil {
			return
		}
		for _, s := range []string{m.Text, m.Subject, m.From.Address, m.MessageID} {
			if !isUTF8(s) {
				t.Fatalf("invalid UTF-8 %q", s)
			}
		}
		_ = Classify(m, []string{"desk@steward.test"})
		_ = SplitReply(m.Text)
		_ = SubjectNumbers(m.Subject)
		_ = HTMLText(string(raw))
	})
}

func isUTF8(s string) bool { return strings.ToValidUTF8(s, "") == s }
