package web

import (
	"context"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"

	"steward/internal/mailin"
)

// QuarantineOut is a quarantined inbound message, without its bytes.
type QuarantineOut struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind" doc:"unparseable, too_large, automatic, rate_limited, refused, unroutable or invalid"`
	Reason    string    `json:"reason"`
	Sender    string    `json:"sender"`
	Subject   string    `json:"subject"`
	Source    string    `json:"source" doc:"smtp, or imap:user@host/folder"`
	Size      int64     `json:"size" doc:"bytes"`
	Attempts  int64     `json:"attempts"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// QuarantineDetailOut is a quarantined message with its raw text.
type QuarantineDetailOut struct {
	QuarantineOut
	Raw          string `json:"raw" doc:"The message as received; bytes that are not UTF-8 are shown as U+FFFD"`
	RawTruncated bool   `json:"raw_truncated,omitempty" doc:"Only the first 1 MiB of raw is shown"`
}

// MailResultOut is what a retried message became.
type MailResultOut struct {
	Outcome      string `json:"outcome" enum:"created,commented,quarantined"`
	Number       string `json:"number,omitempty" doc:"The record it opened or commented on"`
	QuarantineID int64  `json:"quarantine_id,omitempty"`
	Kind         string `json:"kind,omitempty"`
	Reason       string `json:"reason,omitempty"`
}

// MailSettingsBody holds the inbound mail rules.
type MailSettingsBody struct {
	AllowedDomains   []string `json:"allowed_domains" maxItems:"500" doc:"Unknown senders from these domains become requesters; empty allows any domain"`
	RefuseUnknown    bool     `json:"refuse_unknown" doc:"Only senders with an account may write in; others get a polite refusal"`
	RateLimitPerHour int      `json:"rate_limit_per_hour" doc:"Messages one sender may send per hour; more are quarantined (stops mail loops)"`
	MaxMessageBytes  int64    `json:"max_message_bytes" doc:"Larger messages are quarantined"`
}

// MailMessageOut is an inbound message as it landed on a record.
type MailMessageOut struct {
	ID         int64     `json:"id"`
	Sender     string    `json:"sender"`
	Source     string    `json:"source"`
	Outcome    string    `json:"outcome" enum:"created,commented"`
	JournalID  int64     `json:"journal_id,omitempty" doc:"The comment it became; absent for the message that opened the record"`
	Quoted     string    `json:"quoted" doc:"Quoted history and signature folded away from the comment"`
	HTML       string    `json:"html" doc:"The HTML body, sanitised; empty for plain-text mail"`
	ReceivedAt time.Time `json:"received_at"`
}

// maxRawShown bounds the raw text an API answer carries.
const maxRawShown = 1 << 20

func quarantineOut(e mailin.Entry) QuarantineOut {
	return QuarantineOut{ID: e.ID, Kind: e.Kind, Reason: e.Reason, Sender: e.Sender, Subject: e.Subject, Source: e.Source,
		Size: e.Size, Attempts: e.Attempts, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
}

// mail is the inbound mail service over the server's database and
// incident service.
func (s *Server) mail() *mailin.Service {
	if s.MailIn != nil {
		return s.MailIn
	}
	m := mailin.New(s.DB, s.Incidents, mailin.Config{})
	m.Log = s.Log
	return m
}

func (s *Server) registerMail(api huma.API) {
	tags := []string{"Mail"}
	huma.Register(api, huma.Operation{OperationID: "list-mail-quarantine", Method: http.MethodGet, Path: "/api/v1/mail/quarantine", Tags: tags,
		Summary: "List quarantined inbound mail", Description: "Newest first, keyset-paginated: follow next_cursor. Admins only."},
		func(ctx context.Context, in *struct {
			Cursor string `query:"cursor" maxLength:"40"`
			Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
		}) (*list[QuarantineOut], error) {
			items, next, err := s.mail().Quarantine(ctx, principal(ctx), in.Cursor, in.Limit)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			out := &list[QuarantineOut]{}
			out.Body.Items = make([]QuarantineOut, len(items))
			for i, e := range items {
				out.Body.Items[i] = quarantineOut(e)
			}
			out.Body.NextCursor = next
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-mail-quarantine", Method: http.MethodGet, Path: "/api/v1/mail/quarantine/{id}", Tags: tags,
		Summary: "Read a quarantined message", Description: "With the reason and the raw message as text."},
		func(ctx context.Context, in *IDPath) (*one[QuarantineDetailOut], error) {
			e, err := s.mail().Quarantined(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			out := QuarantineDetailOut{QuarantineOut: quarantineOut(e)}
			raw := e.Raw
			if len(raw) > maxRawShown {
				raw, out.RawTruncated = raw[:maxRawShown], true
			}
			out.Raw = strings.ToValidUTF8(string(raw), string(utf8.RuneError))
			return &one[QuarantineDetailOut]{Body: out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "retry-mail-quarantine", Method: http.MethodPost, Path: "/api/v1/mail/quarantine/{id}/retry", Tags: tags,
		Summary: "Retry a quarantined message",
		Description: "Runs the message through intake again (without the sender's rate limit). If it now becomes a record or a comment the entry goes; " +
			"otherwise it stays with the new reason."},
		func(ctx context.Context, in *IDPath) (*one[MailResultOut], error) {
			res, err := s.mail().Retry(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &one[MailResultOut]{Body: MailResultOut{Outcome: string(res.Outcome), Number: res.Number,
				QuarantineID: res.QuarantineID, Kind: res.Kind, Reason: res.Reason}}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "delete-mail-quarantine", Method: http.MethodDelete, Path: "/api/v1/mail/quarantine/{id}", Tags: tags,
		Summary: "Delete a quarantined message", Description: "For good. A new delivery of the same message is ignored as a repeat.", DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *IDPath) (*struct{}, error) {
			return nil, apiError(ctx, s.Log, s.mail().DeleteQuarantined(ctx, principal(ctx), in.ID))
		})
	huma.Register(api, huma.Operation{OperationID: "list-incident-mail", Method: http.MethodGet, Path: "/api/v1/incidents/{number}/mail", Tags: tags,
		Summary: "List the mail that came in on an incident", Description: "Oldest first, with the folded quoted history and the sanitised HTML of each message."},
		func(ctx context.Context, in *NumberPath) (*list[MailMessageOut], error) {
			msgs, err := s.mail().Messages(ctx, principal(ctx), in.Number)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			out := &list[MailMessageOut]{}
			out.Body.Items = make([]MailMessageOut, len(msgs))
			for i, m := range msgs {
				out.Body.Items[i] = MailMessageOut{ID: m.ID, Sender: m.Sender, Source: m.Source, Outcome: string(m.Outcome), JournalID: m.JournalID,
					Quoted: m.Quoted, HTML: m.HTML, ReceivedAt: m.ReceivedAt}
			}
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-mail-settings", Method: http.MethodGet, Path: "/api/v1/settings/mail", Tags: tags,
		Summary: "Read the inbound mail settings"},
		func(ctx context.Context, _ *struct{}) (*one[MailSettingsBody], error) {
			set, err := s.mail().Settings(ctx, principal(ctx))
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &one[MailSettingsBody]{Body: MailSettingsBody(set)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "set-mail-settings", Method: http.MethodPut, Path: "/api/v1/settings/mail", Tags: tags,
		Summary: "Change the inbound mail settings"},
		func(ctx context.Context, in *struct{ Body MailSettingsBody }) (*one[MailSettingsBody], error) {
			set, err := s.mail().SetSettings(ctx, principal(ctx), mailin.Settings(in.Body))
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &one[MailSettingsBody]{Body: MailSettingsBody(set)}, nil
		})
}
