package notify

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"strings"
	texttemplate "text/template"
	"time"

	"steward/internal/platform/db"
	"steward/internal/platform/fault"
)

// Template is the subject, text and HTML of one kind of notification. The
// subject and text are text/template; the HTML is html/template, so every
// value is escaped for its context. The subject is rendered to one line and
// always prefixed with the record number in brackets.
type Template struct {
	Kind      Kind
	Subject   string
	Text      string
	HTML      string
	Custom    bool // an admin's edit, not the built-in default
	UpdatedAt time.Time
}

// Data is what a template can show.
type Data struct {
	Kind        Kind
	Number      string // INC0000042
	Title       string
	Description string
	State       string
	Priority    int
	Requester   string
	Assignee    string
	Group       string
	Link        string // the record in the agent workspace or the portal
	Recipient   string // the name of the person the mail is for
	Actor       string // who did what the mail is about; empty for Steward itself
	Body        string // the comment or work note
	Target      string // the SLA target (response, resolution)
	DueAt       time.Time
	Reason      string // why a major incident was proposed
}

// Limits on what admins may save.
const (
	MaxSubject  = 500
	MaxTemplate = 50_000
)

var intros = map[Kind]struct{ subject, line string }{
	Created:     {"{{.Title}}", "We have received your report and opened {{.Number}}. We will keep you informed here."},
	Assigned:    {"Assigned: {{.Title}}", "{{.Number}} was assigned to {{if .Assignee}}{{.Assignee}}{{else}}{{.Group}}{{end}}{{if .Actor}} by {{.Actor}}{{end}}."},
	Commented:   {"Re: {{.Title}}", "{{if .Actor}}{{.Actor}}{{else}}Steward{{end}} commented on {{.Number}}:"},
	Mentioned:   {"You were mentioned: {{.Title}}", "{{.Actor}} mentioned you in a work note on {{.Number}}:"},
	Resolved:    {"Resolved: {{.Title}}", "{{.Number}} was resolved{{if .Actor}} by {{.Actor}}{{end}}. If the problem is still there, reply to this mail and we will reopen it."},
	Reopened:    {"Reopened: {{.Title}}", "{{.Number}} was reopened{{if .Actor}} by {{.Actor}}{{end}}."},
	Approval:    {"Approval needed: {{.Title}}", "{{.Actor}} proposed {{.Number}} as a major incident and it waits for a manager's approval. Reason: {{.Reason}}"},
	SLAWarning:  {"SLA warning ({{.Target}}): {{.Title}}", "The {{.Target}} target of {{.Number}} is due {{.DueAt.Format \"2006-01-02 15:04 MST\"}}."},
	SLABreached: {"SLA breached ({{.Target}}): {{.Title}}", "The {{.Target}} target of {{.Number}} was missed (due {{.DueAt.Format \"2006-01-02 15:04 MST\"}})."},
}

// Default returns the built-in template of kind k.
func Default(k Kind) Template {
	if k == Refused {
		return Template{Kind: k, Subject: "Re: {{.Title}}",
			Text: "Hello,\n\nThank you for your message \"{{.Title}}\". We could not accept it: {{.Reason}}\n\n" +
				"If you need help, please ask your organisation's IT contact to give you access to the service desk.\n\n-- \nThis is an automatic answer; replies to it are not read.\n",
			HTML: "<p>Hello,</p>\n<p>Thank you for your message “{{.Title}}”. We could not accept it: {{.Reason}}</p>\n" +
				"<p>If you need help, please ask your organisation's IT contact to give you access to the service desk.</p>\n" +
				"<p style=\"color:#666\">This is an automatic answer; replies to it are not read.</p>\n"}
	}
	in := intros[k]
	text := "Hello {{.Recipient}},\n\n" + in.line + "\n" +
		"{{if .Body}}\n{{.Body}}\n{{end}}" +
		"\n{{.Number}}: {{.Title}}\nState: {{.State}} · Priority: P{{.Priority}}\n\n" +
		"Open it: {{.Link}}\n\n-- \nReply to this mail to add a comment to {{.Number}}.\n"
	html := "<p>Hello {{.Recipient}},</p>\n<p>" + in.line + "</p>\n" +
		"{{if .Body}}<blockquote style=\"white-space:pre-wrap\">{{.Body}}</blockquote>\n{{end}}" +
		"<p><strong>{{.Number}}</strong>: {{.Title}}<br>State: {{.State}} · Priority: P{{.Priority}}</p>\n" +
		"<p><a href=\"{{.Link}}\">Open {{.Number}}</a></p>\n" +
		"<p style=\"color:#666\">Reply to this mail to add a comment to {{.Number}}.</p>\n"
	return Template{Kind: k, Subject: in.subject, Text: text, HTML: html}
}

// Sample is the record a preview shows.
func Sample(k Kind, baseURL string) Data {
	return Data{Kind: k, Number: "INC0000042", Title: "Printer on floor 3 jams <every> time", Description: "Paper jam & error E13.",
		State: "in_progress", Priority: 2, Requester: "Rita Requester", Assignee: "Alan Agent", Group: "Service Desk",
		Link: strings.TrimRight(baseURL, "/") + "/incidents/INC0000042", Recipient: "Rita Requester", Actor: "Alan Agent",
		Body: "I have ordered a new fuser unit; it arrives tomorrow.", Target: "resolution",
		DueAt: time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC), Reason: "Printing is down for the whole floor."}
}

// Rendered is a notification ready to queue.
type Rendered struct {
	Subject string
	Text    string
	HTML    string
}

type compiled struct {
	subject *texttemplate.Template
	text    *texttemplate.Template
	html    *htmltemplate.Template
}

// compile parses t, naming each part that does not parse; the parts that
// do are returned.
func compile(t Template) (compiled, *fault.ValidationError) {
	var c compiled
	v := &fault.ValidationError{}
	var err error
	if c.subject, err = texttemplate.New("subject").Parse(t.Subject); err != nil {
		c.subject = nil
		v.Add("subject", "%s", cleanErr(err))
	}
	if c.text, err = texttemplate.New("text").Parse(t.Text); err != nil {
		c.text = nil
		v.Add("text", "%s", cleanErr(err))
	}
	if c.html, err = htmltemplate.New("html").Parse(t.HTML); err != nil {
		c.html = nil
		v.Add("html", "%s", cleanErr(err))
	}
	return c, v
}

func cleanErr(err error) string {
	return strings.TrimPrefix(err.Error(), "template: ")
}

type executor interface {
	Execute(w io.Writer, data any) error
}

// render executes the parts of c that parsed with d, adding to v each part
// that fails.
func (c compiled) render(d Data, v *fault.ValidationError) Rendered {
	var r Rendered
	run := func(field string, t executor, isNil bool) string {
		if isNil {
			return ""
		}
		var b bytes.Buffer
		if err := t.Execute(&b, d); err != nil {
			v.Add(field, "%s", cleanErr(err))
		}
		return b.String()
	}
	r.Subject = subjectLine(d.Number, run("subject", c.subject, c.subject == nil))
	r.Text = run("text", c.text, c.text == nil)
	r.HTML = run("html", c.html, c.html == nil)
	return r
}

// subjectLine makes a one-line subject with the number in brackets in
// front. Control characters (CR, LF, ...) become spaces, so that nothing in
// a record title can add a mail header.
func subjectLine(number, s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 900 {
		s = s[:900]
	}
	return "[" + number + "] " + s
}

// exec renders d with every part of c.
func (c compiled) exec(d Data) (Rendered, error) {
	v := &fault.ValidationError{}
	r := c.render(d, v)
	return r, v.Err()
}

// Render renders t with d, naming each part that does not parse or fails.
func Render(t Template, d Data) (Rendered, error) {
	c, v := compile(t)
	r := c.render(d, v)
	if err := v.Err(); err != nil {
		return Rendered{}, err
	}
	return r, nil
}

// Validate checks that t parses and renders the sample record, naming each
// bad part (subject, text, html).
func Validate(t Template) error {
	v := &fault.ValidationError{}
	if strings.TrimSpace(t.Subject) == "" {
		v.Add("subject", "is required")
	} else if len(t.Subject) > MaxSubject {
		v.Add("subject", "must be at most %d bytes", MaxSubject)
	}
	if strings.TrimSpace(t.Text) == "" {
		v.Add("text", "is required")
	} else if len(t.Text) > MaxTemplate {
		v.Add("text", "must be at most %d bytes", MaxTemplate)
	}
	if strings.TrimSpace(t.HTML) == "" {
		v.Add("html", "is required")
	} else if len(t.HTML) > MaxTemplate {
		v.Add("html", "must be at most %d bytes", MaxTemplate)
	}
	if err := v.Err(); err != nil {
		return err
	}
	_, err := Render(t, Sample(t.Kind, "https://steward.example"))
	return err
}

// TemplateOf returns the template in force for kind k: the admins' edit or
// the default.
func TemplateOf(ctx context.Context, q db.Querier, k Kind) (Template, error) {
	if !k.Valid() {
		return Template{}, fmt.Errorf("notify: template %q: %w", k, fault.ErrNotFound)
	}
	t := Template{Kind: k, Custom: true}
	var at int64
	err := q.QueryRowContext(ctx, `SELECT subject, text_body, html_body, updated_at FROM notification_templates WHERE kind = $1`, string(k)).
		Scan(&t.Subject, &t.Text, &t.HTML, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return Default(k), nil
	}
	if err != nil {
		return Template{}, fmt.Errorf("notify: template %s: %w", k, err)
	}
	t.UpdatedAt = time.UnixMilli(at).UTC()
	return t, nil
}

// SaveTemplate validates t and stores it as the template of its kind.
// Nothing is saved when any part is invalid.
func SaveTemplate(ctx context.Context, tx db.Querier, t Template, actorID int64, now time.Time) error {
	if !t.Kind.Valid() {
		return fmt.Errorf("notify: template %q: %w", t.Kind, fault.ErrNotFound)
	}
	if err := Validate(t); err != nil {
		return err
	}
	var by any
	if actorID != 0 {
		by = actorID
	}
	_, err := tx.ExecContext(ctx, `
INSERT INTO notification_templates (kind, subject, text_body, html_body, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (kind) DO UPDATE SET subject = excluded.subject, text_body = excluded.text_body, html_body = excluded.html_body,
  updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		string(t.Kind), t.Subject, t.Text, t.HTML, by, now.UnixMilli())
	if err != nil {
		return fmt.Errorf("notify: save template %s: %w", t.Kind, err)
	}
	return nil
}
