package mail

import (
	"mime"
	"strings"
)

// Kind says what sort of mail a message is. Only Personal mail may open a
// record or be answered; every other kind is machine traffic.
type Kind string

const (
	Personal  Kind = "personal"
	AutoReply Kind = "auto_reply" // out-of-office and other automatic answers
	Bounce    Kind = "bounce"     // delivery status notifications
	List      Kind = "list"       // mailing-list and bulk traffic
	Loop      Kind = "loop"       // mail from Steward's own addresses
)

// Verdict is a classification with the reason a person can read.
type Verdict struct {
	Kind   Kind
	Reason string
}

// Automatic reports whether the message was sent by a machine.
func (v Verdict) Automatic() bool { return v.Kind != Personal }

// bounceSenders are the local parts that only ever send bounces.
var bounceSenders = []string{"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"}

// autoReplySubjects start the subjects of common out-of-office answers.
var autoReplySubjects = []string{"auto:", "automatic reply:", "autoreply:", "auto-reply:", "out of office:", "out of office reply", "abwesenheitsnotiz:", "réponse automatique"}

// listHeaders mark mailing-list traffic (RFC 2369, RFC 2919).
var listHeaders = []string{"List-Id", "List-Unsubscribe", "List-Post", "List-Help", "List-Subscribe", "List-Owner", "List-Archive"}

// Classify decides whether m is personal mail or machine traffic. own lists
// Steward's own addresses (mailboxes and the notification sender): mail
// from them is a loop. The checks run from the most to the least certain.
func Classify(m *Message, own []string) Verdict {
	h := m.Header
	from := m.From.Address
	for _, a := range own {
		if from != "" && strings.EqualFold(from, strings.TrimSpace(a)) {
			return Verdict{Loop, "sent from Steward's own address " + from}
		}
	}
	for _, v := range h.Values("X-Loop") {
		for _, a := range own {
			if strings.Contains(strings.ToLower(v), strings.ToLower(strings.TrimSpace(a))) && a != "" {
				return Verdict{Loop, "X-Loop names Steward's own address"}
			}
		}
	}
	if mt, params, err := mime.ParseMediaType(h.Get("Content-Type")); err == nil && mt == "multipart/report" {
		return Verdict{Bounce, "delivery report (multipart/report; report-type=" + params["report-type"] + ")"}
	}
	if rp := strings.TrimSpace(h.Get("Return-Path")); rp == "<>" || (h.Get("Return-Path") != "" && rp == "") {
		return Verdict{Bounce, "empty Return-Path <> (a bounce or other automatic message)"}
	}
	if local, _, ok := strings.Cut(from, "@"); ok {
		for _, b := range bounceSenders {
			if local == b {
				return Verdict{Bounce, "sent by " + from}
			}
		}
	}
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" && v != "no" {
		return Verdict{AutoReply, "Auto-Submitted: " + v}
	}
	for _, k := range []string{"X-Autoreply", "X-Autorespond", "X-Autoresponder"} {
		if h.Get(k) != "" {
			return Verdict{AutoReply, k + " header"}
		}
	}
	switch p := strings.ToLower(strings.TrimSpace(h.Get("Precedence"))); p {
	case "bulk", "junk", "list":
		return Verdict{List, "Precedence: " + p}
	case "auto_reply":
		return Verdict{AutoReply, "Precedence: auto_reply"}
	}
	for _, k := range listHeaders {
		if h.Get(k) != "" {
			return Verdict{List, k + " header (mailing list)"}
		}
	}
	if hasAutoSubject(m.Subject) {
		return Verdict{AutoReply, "automatic reply subject"}
	}
	return Verdict{Kind: Personal}
}

func hasAutoSubject(subject string) bool {
	s := strings.ToLower(strings.TrimSpace(subject))
	for _, p := range autoReplySubjects {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
