package web

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"steward/internal/auth"
	"steward/internal/notify"
	"steward/internal/platform/audit"
	"steward/internal/platform/db"
	"steward/internal/platform/fault"
)

// NotificationPref is whether the caller gets one kind of notification.
type NotificationPref struct {
	Kind        string `json:"kind" enum:"created,assigned,commented,mentioned,resolved,reopened,approval,sla_warning,sla_breached"`
	Description string `json:"description,omitempty" readOnly:"true" doc:"When this kind is sent"`
	Enabled     bool   `json:"enabled"`
}

// NotificationPrefsBody lists the caller's choices.
type NotificationPrefsBody struct {
	Items []NotificationPref `json:"items" maxItems:"20" doc:"On write, only the kinds listed change"`
}

// NotificationTemplateOut is the template of one kind in force.
type NotificationTemplateOut struct {
	Kind      string     `json:"kind"`
	Subject   string     `json:"subject" doc:"text/template; the record number in brackets is put in front"`
	Text      string     `json:"text" doc:"text/template of the plain-text part"`
	HTML      string     `json:"html" doc:"html/template of the HTML part; values are escaped for their context"`
	Custom    bool       `json:"custom" doc:"false: the built-in default"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// NotificationTemplateWrite replaces the template of one kind.
type NotificationTemplateWrite struct {
	Subject string `json:"subject" maxLength:"500"`
	Text    string `json:"text" maxLength:"50000"`
	HTML    string `json:"html" maxLength:"50000"`
}

// NotificationPreviewIn is an unsaved draft to preview; empty parts use the
// template in force.
type NotificationPreviewIn struct {
	Subject string `json:"subject,omitempty" required:"false" maxLength:"500"`
	Text    string `json:"text,omitempty" required:"false" maxLength:"50000"`
	HTML    string `json:"html,omitempty" required:"false" maxLength:"50000"`
}

// NotificationPreviewOut is a template rendered with a sample record.
type NotificationPreviewOut struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html"`
}

// MailOut is one queued, sent or failed mail.
type MailOut struct {
	ID            int64      `json:"id"`
	Kind          string     `json:"kind"`
	Record        string     `json:"record,omitempty" doc:"The record's number"`
	To            string     `json:"to"`
	Subject       string     `json:"subject"`
	Status        string     `json:"status" enum:"queued,sent,failed"`
	Attempts      int        `json:"attempts"`
	LastError     string     `json:"last_error,omitempty"`
	MessageID     string     `json:"message_id"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty" doc:"While queued"`
	CreatedAt     time.Time  `json:"created_at"`
	SentAt        *time.Time `json:"sent_at,omitempty"`
}

// MailRetryIn says why a failed mail is sent again (kept in the audit trail).
type MailRetryIn struct {
	Note string `json:"note,omitempty" required:"false" maxLength:"500"`
}

type KindPath struct {
	Kind string `path:"kind" enum:"created,assigned,commented,mentioned,resolved,reopened,approval,sla_warning,sla_breached"`
}

func prefsBody(prefs []notify.Preference) NotificationPrefsBody {
	b := NotificationPrefsBody{Items: make([]NotificationPref, len(prefs))}
	for i, p := range prefs {
		b.Items[i] = NotificationPref{Kind: string(p.Kind), Description: p.Kind.Describe(), Enabled: p.Enabled}
	}
	return b
}

func templateOut(t notify.Template) NotificationTemplateOut {
	out := NotificationTemplateOut{Kind: string(t.Kind), Subject: t.Subject, Text: t.Text, HTML: t.HTML, Custom: t.Custom}
	if !t.UpdatedAt.IsZero() {
		out.UpdatedAt = &t.UpdatedAt
	}
	return out
}

func mailOut(m notify.Mail) MailOut {
	out := MailOut{ID: m.ID, Kind: string(m.Kind), Record: m.RecordNumber, To: m.To, Subject: m.Subject, Status: string(m.Status),
		Attempts: m.Attempts, LastError: m.LastError, MessageID: m.MessageID, CreatedAt: m.CreatedAt}
	if m.Status == notify.Queued {
		out.NextAttemptAt = &m.NextAttemptAt
	}
	if !m.SentAt.IsZero() {
		out.SentAt = &m.SentAt
	}
	return out
}

func (s *Server) registerNotify(api huma.API) {
	s.registerNotifyPrefs(api)
	s.registerNotifyTemplates(api)
	s.registerMailRetry(api)
	huma.Register(api, huma.Operation{OperationID: "list-mail-outbox", Method: http.MethodGet, Path: "/api/v1/mail/outbox", Tags: []string{"Notifications"},
		Summary: "List outgoing mail", Description: "Newest first, keyset-paginated: follow next_cursor. Shows each mail's delivery status, attempts and last error."},
		func(ctx context.Context, in *struct {
			PageInput
			Status string `query:"status" enum:"queued,sent,failed," doc:"Only mail in this status"`
		}) (*list[MailOut], error) {
			if err := auth.Require(principal(ctx), auth.ManageMail); err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			var before int64
			if in.Cursor != "" {
				v, err := s.Cursor.Decode(in.Cursor, "mail:-id", 1)
				if err != nil {
					return nil, apiError(ctx, s.Log, fault.Invalid("cursor", "is not a cursor from this list"))
				}
				before = v[0]
			}
			mails, err := notify.Outbox(ctx, s.DB.Read, notify.Status(in.Status), before, in.Limit)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			out := &list[MailOut]{}
			out.Body.Items = make([]MailOut, len(mails))
			for i, m := range mails {
				out.Body.Items[i] = mailOut(m)
			}
			if len(mails) == in.Limit {
				out.Body.NextCursor = s.Cursor.Encode("mail:-id", []int64{mails[len(mails)-1].ID})
			}
			return out, nil
		})
}

func (s *Server) registerMailRetry(api huma.API) {
	huma.Register(api, huma.Operation{OperationID: "retry-mail", Method: http.MethodPost, Path: "/api/v1/mail/outbox/{id}/retry", Tags: []string{"Notifications"},
		Summary: "Send a failed mail again", Description: "Puts a failed mail back in the queue for a fresh round of attempts."},
		func(ctx context.Context, in *struct {
			IDPath
			Body *MailRetryIn `required:"false"`
		}) (*struct{ Body MailOut }, error) {
			note := ""
			if in.Body != nil {
				note = in.Body.Note
			}
			m, err := s.retryMail(ctx, principal(ctx), in.ID, note)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &struct{ Body MailOut }{Body: mailOut(m)}, nil
		})
}

func (s *Server) registerNotifyPrefs(api huma.API) {
	tags := []string{"Notifications"}
	huma.Register(api, huma.Operation{OperationID: "get-my-notifications", Method: http.MethodGet, Path: "/api/v1/me/notifications", Tags: tags,
		Summary: "Which notifications I receive", Description: "Every kind, on unless turned off. Nobody gets mail about their own actions."},
		func(ctx context.Context, _ *struct{}) (*struct{ Body NotificationPrefsBody }, error) {
			p := principal(ctx)
			if err := auth.Require(p, auth.OwnNotifications); err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			prefs, err := notify.Preferences(ctx, s.DB.Read, p.UserID)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &struct{ Body NotificationPrefsBody }{Body: prefsBody(prefs)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "set-my-notifications", Method: http.MethodPut, Path: "/api/v1/me/notifications", Tags: tags,
		Summary: "Turn notification kinds on or off for myself", Description: "Kinds not listed keep their setting."},
		func(ctx context.Context, in *struct{ Body NotificationPrefsBody }) (*struct{ Body NotificationPrefsBody }, error) {
			p := principal(ctx)
			if err := auth.Require(p, auth.OwnNotifications); err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			if p.UserID == 0 {
				return nil, apiError(ctx, s.Log, fault.Invalid("items", "only an account has notification preferences"))
			}
			prefs := make([]notify.Preference, len(in.Body.Items))
			for i, it := range in.Body.Items {
				prefs[i] = notify.Preference{Kind: notify.Kind(it.Kind), Enabled: it.Enabled}
			}
			var saved []notify.Preference
			err := s.DB.InTx(ctx, func(tx db.Querier) error {
				if err := notify.SetPreferences(ctx, tx, p.UserID, prefs, time.Now()); err != nil {
					return err
				}
				var err error
				saved, err = notify.Preferences(ctx, tx, p.UserID)
				return err
			})
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &struct{ Body NotificationPrefsBody }{Body: prefsBody(saved)}, nil
		})
}

func (s *Server) registerNotifyTemplates(api huma.API) {
	tags := []string{"Notifications"}
	huma.Register(api, huma.Operation{OperationID: "get-notification-template", Method: http.MethodGet, Path: "/api/v1/notification-templates/{kind}", Tags: tags,
		Summary: "Read a notification template", Description: "The admins' edit, or the built-in default."},
		func(ctx context.Context, in *KindPath) (*struct{ Body NotificationTemplateOut }, error) {
			if err := auth.Require(principal(ctx), auth.ManageMail); err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			t, err := notify.TemplateOf(ctx, s.DB.Read, notify.Kind(in.Kind))
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &struct{ Body NotificationTemplateOut }{Body: templateOut(t)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "set-notification-template", Method: http.MethodPut, Path: "/api/v1/notification-templates/{kind}", Tags: tags,
		Summary: "Change a notification template",
		Description: "Each part must parse and render the sample record; otherwise nothing is saved and the bad parts are named. " +
			"Fields: " + kindFields},
		func(ctx context.Context, in *struct {
			KindPath
			Body NotificationTemplateWrite
		}) (*struct{ Body NotificationTemplateOut }, error) {
			t := notify.Template{Kind: notify.Kind(in.Kind), Subject: in.Body.Subject, Text: in.Body.Text, HTML: in.Body.HTML}
			saved, err := s.saveTemplate(ctx, principal(ctx), t)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &struct{ Body NotificationTemplateOut }{Body: templateOut(saved)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "preview-notification-template", Method: http.MethodPost, Path: "/api/v1/notification-templates/{kind}/preview", Tags: tags,
		Summary: "Preview a notification template with a sample record", Description: "Renders the draft parts sent (or the template in force) without saving anything."},
		func(ctx context.Context, in *struct {
			KindPath
			Body *NotificationPreviewIn `required:"false"`
		}) (*struct{ Body NotificationPreviewOut }, error) {
			var draft notify.Template
			if b := in.Body; b != nil {
				draft = notify.Template{Subject: b.Subject, Text: b.Text, HTML: b.HTML}
			}
			r, err := s.previewTemplate(ctx, principal(ctx), notify.Kind(in.Kind), draft)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &struct{ Body NotificationPreviewOut }{Body: NotificationPreviewOut{Subject: r.Subject, Text: r.Text, HTML: r.HTML}}, nil
		})
}

// kindFields documents what templates can show.
const kindFields = "`.Kind`, `.Number`, `.Title`, `.Description`, `.State`, `.Priority`, `.Requester`, `.Assignee`, `.Group`, " +
	"`.Link`, `.Recipient`, `.Actor`, `.Body` (comment or note), `.Target` and `.DueAt` (SLA), `.Reason` (major incident)."

func orElse(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// saveTemplate stores t as its kind's template, audited (admins).
func (s *Server) saveTemplate(ctx context.Context, p auth.Principal, t notify.Template) (notify.Template, error) {
	if err := auth.Require(p, auth.ManageMail); err != nil {
		return notify.Template{}, err
	}
	var saved notify.Template
	err := s.DB.InTx(ctx, func(tx db.Querier) error {
		now := time.Now()
		if err := notify.SaveTemplate(ctx, tx, t, p.UserID, now); err != nil {
			return err
		}
		if err := audit.Write(ctx, tx, now, p.UserID, "notify.template", "notification_template", 0, t); err != nil {
			return err
		}
		var err error
		saved, err = notify.TemplateOf(ctx, tx, t.Kind)
		return err
	})
	return saved, err
}

// previewTemplate renders kind k's template with the sample record, each
// part of draft that is set replacing the one in force (admins).
func (s *Server) previewTemplate(ctx context.Context, p auth.Principal, k notify.Kind, draft notify.Template) (notify.Rendered, error) {
	if err := auth.Require(p, auth.ManageMail); err != nil {
		return notify.Rendered{}, err
	}
	t, err := notify.TemplateOf(ctx, s.DB.Read, k)
	if err != nil {
		return notify.Rendered{}, err
	}
	t.Subject, t.Text, t.HTML = orElse(draft.Subject, t.Subject), orElse(draft.Text, t.Text), orElse(draft.HTML, t.HTML)
	if err := notify.Validate(t); err != nil {
		return notify.Rendered{}, err
	}
	return notify.Render(t, notify.Sample(k, s.Config.BaseURL))
}

// retryMail puts a failed mail back in the queue, audited with note (admins).
func (s *Server) retryMail(ctx context.Context, p auth.Principal, id int64, note string) (notify.Mail, error) {
	if err := auth.Require(p, auth.ManageMail); err != nil {
		return notify.Mail{}, err
	}
	var m notify.Mail
	err := s.DB.InTx(ctx, func(tx db.Querier) error {
		now := time.Now()
		var err error
		if m, err = notify.Retry(ctx, tx, id, now); err != nil {
			return err
		}
		return audit.Write(ctx, tx, now, p.UserID, "notify.retry", "mail", m.ID, map[string]any{"to": m.To, "last_error": m.LastError, "note": note})
	})
	return m, err
}
