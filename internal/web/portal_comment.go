package web

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"steward/internal/incident"
)

// commentSubmit adds the user's public reply and files to their record.
// A reply to a resolved record may reopen it (a rule of the service): the
// notice says so when it happens.
func (p *portal) commentSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	me := principal(ctx)
	if err := p.parseForm(w, r); err != nil {
		p.formFailed(w, r, err)
		return
	}
	if !p.s.checkCSRF(r) {
		p.fail(w, r, http.StatusForbidden)
		return
	}
	before, err := p.s.Incidents.Get(ctx, me, r.PathValue("number"))
	if err != nil {
		p.failErr(w, r, err)
		return
	}
	body := r.PostFormValue("body")
	files, msg := p.files(r)
	fields := map[string]string{}
	switch {
	case msg != "":
		fields["files"] = msg
	case strings.TrimSpace(body) == "" && len(files) == 0:
		fields["body"] = "Write a message or attach a file."
	case !utf8.ValidString(body) || len(body) > incident.MaxComment:
		fields["body"] = "Your message is too long; attach long logs as a file instead."
	}
	if len(fields) > 0 {
		p.showAgain(w, r, http.StatusUnprocessableEntity, func(v *portalShowView) { v.Comment, v.Fields = body, fields })
		return
	}
	if strings.TrimSpace(body) != "" {
		if _, err := p.s.Incidents.Comment(ctx, me, before.Number, false, body); err != nil {
			p.commentRefused(w, r, body, err)
			return
		}
	}
	p.notify(r, p.commentNotice(r, before, body, p.attach(ctx, before.Number, files)))
	http.Redirect(w, r, "/portal/incidents/"+before.Number+"#latest", http.StatusSeeOther)
}

func (p *portal) commentRefused(w http.ResponseWriter, r *http.Request, body string, err error) {
	fields, ok := portalFields(err, nil)
	if !ok {
		p.failErr(w, r, err)
		return
	}
	p.showAgain(w, r, http.StatusUnprocessableEntity, func(v *portalShowView) {
		v.Comment, v.Fields = body, fields
		if _, ok := fields["body"]; !ok {
			for _, msg := range fields {
				v.Error = msg
			}
		}
	})
}

// commentNotice says what happened to the reply.
func (p *portal) commentNotice(r *http.Request, before incident.Incident, body string, failed []string) string {
	ctx := r.Context()
	notice := "Your files were added."
	if strings.TrimSpace(body) != "" {
		notice = "Your message was sent to the service desk."
	}
	if before.State == incident.Resolved {
		if after, err := p.s.Incidents.Get(ctx, principal(ctx), before.Number); err == nil && after.State != incident.Resolved {
			notice = "Thanks for letting us know. We've reopened " + before.Number + " and the service desk will pick it up again."
		}
	}
	if len(failed) > 0 {
		notice += " We could not attach " + strings.Join(failed, ", ") + "."
	}
	return notice
}
