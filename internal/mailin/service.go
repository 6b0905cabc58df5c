package mailin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"steward/internal/auth"
	"steward/internal/incident"
	"steward/internal/mail"
	"steward/internal/platform/audit"
	"steward/internal/platform/db"
	"steward/internal/platform/fault"
	"steward/internal/platform/outbox"
	"steward/internal/record"
)

// Service takes mail in.
type Service struct {
	DB        *db.DB
	Incidents *incident.Service
	Config    Config
	Now       func() time.Time
	Log       *slog.Logger
}

// New returns a Service using the wall clock.
func New(d *db.DB, incidents *incident.Service, cfg Config) *Service {
	return &Service{DB: d, Incidents: incidents, Config: cfg, Log: slog.Default(),
		Now: func() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }}
}

// delivery is one message on its way in.
type delivery struct {
	raw   []byte
	msg   *mail.Message // nil when unparseable or too large
	perr  error
	key   string // Message-ID or content hash, settled by settleKey
	base  string // the key before settling
	fp    string // the message's fingerprint
	src   Source
	retry int64 // the quarantine entry being retried, or zero
	by    int64 // the admin retrying it
	now   time.Time
	set   Settings
}

// Ingest takes one raw message in. A message that cannot become a record
// or a comment is quarantined, and that is a result, not an error; an
// error means nothing was stored (the database failed) and the caller
// should have the message delivered again later.
func (s *Service) Ingest(ctx context.Context, raw []byte, src Source) (Result, error) {
	return s.ingest(ctx, raw, src, 0, 0)
}

func (s *Service) ingest(ctx context.Context, raw []byte, src Source, retry, by int64) (Result, error) {
	set, err := loadSettings(ctx, s.DB.Read)
	if err != nil {
		return Result{}, err
	}
	d := &delivery{raw: raw, src: src, retry: retry, by: by, now: s.Now(), set: set}
	if src.RecordType == "" {
		d.src.RecordType = record.TypeIncident
	}
	if int64(len(raw)) <= set.MaxMessageBytes {
		d.msg, d.perr = mail.Parse(raw)
	}
	d.base = messageKey(d.msg, raw)
	d.key, d.fp = d.base, d.base
	if d.msg != nil {
		d.fp = d.msg.Fingerprint()
	}
	var res Result
	err = s.DB.InTx(ctx, func(tx db.Querier) error {
		var err error
		res, err = s.take(ctx, tx, d)
		return err
	})
	var ref *refusal
	switch {
	case err == nil:
		s.committed()
		return res, nil
	case db.IsUniqueViolation(err):
		// The same message came in at the same time on another connection.
		if prev, ok, lerr := settleKey(ctx, s.DB.Read, d); lerr == nil && ok {
			prev.Duplicate = true
			return prev, nil
		}
		return Result{}, fmt.Errorf("mailin: ingest: %w", err)
	case errors.As(err, &ref):
	case isRoutingError(err):
		kind := KindUnroutable
		var v *fault.ValidationError
		if errors.As(err, &v) {
			kind = KindInvalid
		}
		ref = &refusal{kind: kind, reason: err.Error()}
	default:
		return Result{}, fmt.Errorf("mailin: ingest: %w", err)
	}
	return s.quarantine(ctx, d, ref)
}

// isRoutingError reports whether err says the message cannot land where it
// points (not the database failing).
func isRoutingError(err error) bool {
	var v *fault.ValidationError
	return errors.As(err, &v) || errors.Is(err, fault.ErrNotFound) || errors.Is(err, fault.ErrForbidden) ||
		errors.Is(err, fault.ErrUnauthenticated)
}

func (s *Service) committed() {
	if s.Incidents != nil && s.Incidents.Committed != nil {
		s.Incidents.Committed()
	}
}

// messageKey identifies a message for idempotency: its Message-ID, or the
// hash of its bytes when it has none (or cannot be read).
func messageKey(m *mail.Message, raw []byte) string {
	if m != nil && m.MessageID != "" {
		return "id:" + m.MessageID
	}
	sum := sha256.Sum256(raw)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// settleKey looks the message up by its key. A Message-ID already taken by
// a message with a different fingerprint (a sender reusing IDs) gets a key
// of its own, so that the second message is not lost as a "repeat".
func settleKey(ctx context.Context, q db.Querier, d *delivery) (Result, bool, error) {
	d.key = d.base
	prev, fp, ok, err := ingestedByKey(ctx, q, d.key)
	if err != nil || !ok || fp == "" || fp == d.fp {
		return prev, ok, err
	}
	d.key = d.base + "#" + d.fp[:16]
	prev, _, ok, err = ingestedByKey(ctx, q, d.key)
	return prev, ok, err
}

// take does the work of Ingest inside tx. A *refusal or a routing error
// rolls everything back; the caller then quarantines the message.
func (s *Service) take(ctx context.Context, tx db.Querier, d *delivery) (Result, error) {
	if prev, ok, err := settleKey(ctx, tx, d); err != nil || (ok && d.retry == 0) {
		prev.Duplicate = ok
		return prev, err
	}
	if d.retry != 0 {
		if err := forgetIngested(ctx, tx, d.key); err != nil {
			return Result{}, err
		}
	}
	if err := s.check(ctx, tx, d); err != nil {
		return Result{}, err
	}
	m := d.msg
	user, err := s.sender(ctx, tx, d)
	if err != nil {
		return Result{}, err
	}
	actor := auth.PrincipalOf(user)
	target, err := findRecord(ctx, tx, m)
	if err != nil {
		return Result{}, err
	}
	var res Result
	quoted := ""
	if target.ID != 0 {
		res, quoted, err = s.reply(ctx, tx, d, actor, target)
	} else {
		res, err = s.open(ctx, tx, d, actor)
	}
	if err != nil {
		return Result{}, err
	}
	if err := attach(ctx, tx, m, res.RecordID, user.ID, d.now); err != nil {
		return Result{}, err
	}
	if m.MessageID != "" {
		if err := rememberMessageID(ctx, tx, m.MessageID, res.RecordID, d.now); err != nil {
			return Result{}, err
		}
	}
	if err := insertIngested(ctx, tx, d, res, m.From.Address, quoted); err != nil {
		return Result{}, err
	}
	if d.retry != 0 {
		return res, s.retried(ctx, tx, d, res)
	}
	return res, nil
}

// retried drops the quarantine entry of a message that now came in.
func (s *Service) retried(ctx context.Context, tx db.Querier, d *delivery, res Result) error {
	if _, err := deleteQuarantine(ctx, tx, d.retry); err != nil {
		return err
	}
	return audit.Write(ctx, tx, d.now, d.by, "mail.quarantine.retry", "mail_quarantine", d.retry,
		map[string]any{"outcome": res.Outcome, "number": res.Number})
}

// check refuses what must never become a record: unreadable, too large
// and machine mail, and senders over their hourly limit.
func (s *Service) check(ctx context.Context, tx db.Querier, d *delivery) error {
	if int64(len(d.raw)) > d.set.MaxMessageBytes {
		return refuse(KindTooLarge, "the message is %d bytes, more than the limit of %d", len(d.raw), d.set.MaxMessageBytes)
	}
	if d.perr != nil {
		return refuse(KindUnparseable, "%v", d.perr)
	}
	if v := mail.Classify(d.msg, s.Config.OwnAddresses); v.Automatic() {
		return refuse(KindAutomatic, "%s: %s", v.Kind, v.Reason)
	}
	if d.msg.From.Address == "" {
		return refuse(KindUnroutable, "the message has no sender address")
	}
	if d.src.RecordType != record.TypeIncident {
		return refuse(KindUnroutable, "mailbox opens %s records, which mail cannot create yet", d.src.RecordType)
	}
	if d.retry == 0 {
		n, err := countMessage(ctx, tx, d.msg.From.Address, d.now)
		if err != nil {
			return err
		}
		if n > int64(d.set.RateLimitPerHour) {
			return refuse(KindRateLimited, "%s sent %d messages this hour, more than the limit of %d", d.msg.From.Address, n, d.set.RateLimitPerHour)
		}
	}
	return nil
}

// sender finds the sender's account, or creates a requester for them when
// the settings allow it.
func (s *Service) sender(ctx context.Context, tx db.Querier, d *delivery) (auth.User, error) {
	from := d.msg.From
	u, err := auth.UserByEmailIn(ctx, tx, from.Address)
	if err == nil {
		if !u.Active {
			return auth.User{}, refuse(KindRefused, "the account of %s is deactivated", from.Address)
		}
		return u, nil
	}
	if !auth.IsNotFound(err) {
		return auth.User{}, err
	}
	_, domain, _ := strings.Cut(from.Address, "@")
	switch {
	case d.set.RefuseUnknown:
		return auth.User{}, &refusal{kind: KindRefused, reason: "unknown sender " + from.Address + " (only known senders may write in)", reply: true}
	case len(d.set.AllowedDomains) > 0 && !contains(d.set.AllowedDomains, domain):
		return auth.User{}, &refusal{kind: KindRefused, reason: "unknown sender " + from.Address + ": domain " + domain + " is not allowed", reply: true}
	}
	u, _, err = auth.EnsureRequester(ctx, tx, auth.System, from.Address, from.Name, d.now)
	var v *fault.ValidationError
	if errors.As(err, &v) {
		return auth.User{}, refuse(KindRefused, "the sender %q cannot have an account: %v", from.Address, err)
	}
	return u, err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// open makes a new record from the message.
func (s *Service) open(ctx context.Context, tx db.Querier, d *delivery, actor auth.Principal) (Result, error) {
	m := d.msg
	title := strings.TrimSpace(m.Subject)
	if title == "" {
		title = "(no subject)"
	}
	keepWhole(m, m.Text, incident.MaxDescription)
	inc, err := s.Incidents.CreateIn(ctx, tx, actor, incident.NewIncident{
		Title:       truncate(title, incident.MaxTitle, "…"),
		Description: truncate(m.Text, incident.MaxDescription, "\n\n[… shortened: the whole text is attached as message.txt]"),
	})
	if err != nil {
		return Result{}, err
	}
	return Result{Outcome: Created, RecordID: inc.ID, Number: inc.Number}, nil
}

// reply adds the message as a public comment on the record it answers; the
// incident rules decide whether it reopens a resolved incident.
func (s *Service) reply(ctx context.Context, tx db.Querier, d *delivery, actor auth.Principal, target record.Record) (Result, string, error) {
	if target.Type != record.TypeIncident {
		return Result{}, "", refuse(KindUnroutable, "replies to %s records are not supported yet (%s)", target.Type, target.Number)
	}
	split := mail.SplitReply(d.msg.Text)
	body := split.Reply
	if body == "" {
		if len(d.msg.Parts) == 0 {
			return Result{}, "", refuse(KindUnroutable, "the reply to %s is empty", target.Number)
		}
		body = "(attachments only)"
	}
	keepWhole(d.msg, body, incident.MaxComment)
	e, err := s.Incidents.CommentIn(ctx, tx, actor, target.Number, false, truncate(body, incident.MaxComment, "\n\n[… shortened: the whole text is attached as message.txt]"))
	if err != nil {
		if errors.Is(err, fault.ErrNotFound) {
			return Result{}, "", refuse(KindUnroutable, "%s may not comment on %s (neither its requester nor a watcher)", actor.Email, target.Number)
		}
		return Result{}, "", fmt.Errorf("reply to %s by %s: %w", target.Number, actor.Email, err)
	}
	return Result{Outcome: Commented, RecordID: target.ID, Number: target.Number, JournalID: e.ID}, split.Quoted, nil
}

// keepWhole attaches text as message.txt when it is longer than the
// record can hold, so that shortening it loses nothing.
func keepWhole(m *mail.Message, text string, max int) {
	if len(text) > max {
		m.Parts = append(m.Parts, mail.Part{Name: "message.txt", ContentType: "text/plain; charset=utf-8", Data: []byte(text)})
	}
}

// attach stores the message's attachments and inline images on the record.
func attach(ctx context.Context, tx db.Querier, m *mail.Message, recordID, userID int64, now time.Time) error {
	for _, p := range m.Parts {
		a := record.Attachment{RecordID: recordID, Name: p.Name, ContentType: p.ContentType, CreatedBy: userID, CreatedAt: now}
		if err := record.Attach(ctx, tx, &a, p.Data); err != nil {
			return err
		}
	}
	return nil
}

// quarantine keeps a message that was not imported, with the reason, and
// asks for a polite answer to a refused person.
func (s *Service) quarantine(ctx context.Context, d *delivery, ref *refusal) (Result, error) {
	res := Result{Outcome: Quarantined, Kind: ref.kind, Reason: ref.reason}
	sender, subject := "", ""
	if d.msg != nil {
		sender, subject = d.msg.From.Address, d.msg.Subject
	}
	err := s.DB.InTx(ctx, func(tx db.Querier) error {
		if d.retry != 0 {
			res.QuarantineID = d.retry
			return updateQuarantine(ctx, tx, d.retry, ref, d.now)
		}
		if prev, ok, err := settleKey(ctx, tx, d); err != nil || ok {
			prev.Duplicate = ok
			res = prev
			return err
		}
		if sender != "" {
			if _, err := countMessage(ctx, tx, sender, d.now); err != nil {
				return err
			}
		}
		id, err := insertQuarantine(ctx, tx, d, ref, sender, subject)
		if err != nil {
			return err
		}
		res.QuarantineID = id
		if err := insertIngested(ctx, tx, d, res, sender, ""); err != nil {
			return err
		}
		if !ref.reply {
			return nil
		}
		return outbox.Append(ctx, tx, d.now, "mail.refused", 0, map[string]any{
			"to": sender, "subject": subject, "in_reply_to": d.msg.MessageID, "reason": ref.reason, "quarantine_id": id})
	})
	if err != nil {
		return Result{}, fmt.Errorf("mailin: quarantine: %w", err)
	}
	if !res.Duplicate {
		s.log().Info("mail quarantined", "kind", ref.kind, "reason", ref.reason, "source", d.src.Name, "id", res.QuarantineID)
	}
	return res, nil
}

// truncate shortens s to at most max bytes of valid UTF-8, ending in mark.
func truncate(s string, max int, mark string) string {
	if len(s) <= max {
		return s
	}
	s = s[:max-len(mark)]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + mark
}
