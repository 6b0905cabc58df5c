package web

import (
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"steward/internal/auth"
	"steward/internal/mailin"
	"steward/internal/notify"
	"steward/internal/web/ui"
)

// The admins' mail pages besides the quarantine: notification templates
// with a preview, the deliveries (what was sent, what failed, send again),
// and the rules for mail in. Every change goes through the same service
// calls as the API.

type mailAdminView struct {
	shell
	Section string // templates, template, outbox, settings

	Kinds    []templateChoice
	Kind     string
	KindName string
	Form     map[string]string // a template's parts, as stored or as typed
	Errors   map[string]string
	Preview  *notify.Rendered
	Fields   string

	Mails   []mailRow
	Status  string
	Tabs    []option
	NextURL string

	Settings mailSettingsForm
}

type templateChoice struct {
	Kind, Label, Hint string
	Custom            bool
}

type mailRow struct {
	ID                        int64
	To, Subject, Kind, Number string
	Status, Error             string
	Attempts                  int
	Queued, Sent, Next        time.Time
}

type mailSettingsForm struct {
	Domains, RateLimit, MaxBytes string
	RefuseUnknown                bool
}

var outboxTabs = []option{{"", "All"}, {"queued", "Queued"}, {"sent", "Sent"}, {"failed", "Failed"}}

func (s *Server) registerMailAdminPages(mux routeMux) {
	page := template.Must(template.New("ws_mailadmin.html").Funcs(wsFuncs).ParseFS(ui.Templates,
		"templates/layout.html", "templates/ws_shell.html", "templates/ws_mailadmin.html"))
	view := func(r *http.Request, p auth.Principal, title, path, section string) mailAdminView {
		v := mailAdminView{shell: s.shell(r, p, title, path), Section: section, Errors: map[string]string{}}
		v.Page = "mail-" + section
		return v
	}
	admin := func(h agentHandler) agentHandler {
		return func(w http.ResponseWriter, r *http.Request, p auth.Principal) {
			if err := auth.Require(p, auth.ManageMail); err != nil {
				s.wsError(w, r, p, err)
				return
			}
			h(w, r, p)
		}
	}

	mux.HandleFunc("GET /admin/mail/templates", s.agentPage(admin(func(w http.ResponseWriter, r *http.Request, p auth.Principal) {
		v := view(r, p, "Notification templates", "/admin/mail/templates", "templates")
		for _, k := range append(slices.Clone(notify.Kinds), notify.Refused) {
			t, err := notify.TemplateOf(r.Context(), s.DB.Read, k)
			if err != nil {
				s.wsError(w, r, p, err)
				return
			}
			v.Kinds = append(v.Kinds, templateChoice{Kind: string(k), Label: kindName(k), Hint: k.Describe(), Custom: t.Custom})
		}
		s.render(w, page, http.StatusOK, v)
	})))
	templatePage := func(w http.ResponseWriter, r *http.Request, p auth.Principal, status int, edit func(*mailAdminView)) {
		k := notify.Kind(r.PathValue("kind"))
		t, err := notify.TemplateOf(r.Context(), s.DB.Read, k)
		if err != nil {
			s.wsError(w, r, p, err)
			return
		}
		v := view(r, p, kindName(k)+" template", "/admin/mail/templates", "template")
		v.Kind, v.KindName, v.Fields = string(k), kindName(k), strings.ReplaceAll(kindFields, "`", "")
		v.Form = map[string]string{"subject": t.Subject, "text": t.Text, "html": t.HTML}
		if edit != nil {
			edit(&v)
		}
		s.render(w, page, status, v)
	}
	mux.HandleFunc("GET /admin/mail/templates/{kind}", s.agentPage(admin(func(w http.ResponseWriter, r *http.Request, p auth.Principal) {
		templatePage(w, r, p, http.StatusOK, nil)
	})))
	mux.HandleFunc("POST /admin/mail/templates/{kind}", s.agentAction(admin(func(w http.ResponseWriter, r *http.Request, p auth.Principal) {
		k := notify.Kind(r.PathValue("kind"))
		draft := notify.Template{Kind: k, Subject: r.PostFormValue("subject"), Text: r.PostFormValue("text"), HTML: r.PostFormValue("html")}
		typed := func(v *mailAdminView) {
			v.Form = map[string]string{"subject": draft.Subject, "text": draft.Text, "html": draft.HTML}
		}
		if r.PostFormValue("do") == "save" {
			if _, err := s.saveTemplate(r.Context(), p, draft); err != nil {
				if errs, ok := fieldErrors(err); ok {
					templatePage(w, r, p, http.StatusUnprocessableEntity, func(v *mailAdminView) { typed(v); v.Errors = errs })
					return
				}
				s.wsError(w, r, p, err)
				return
			}
			s.setFlash(r.Context(), flash{Kind: "ok", Message: "The " + strings.ToLower(kindName(k)) + " template is saved; mail from now on uses it."})
			http.Redirect(w, r, "/admin/mail/templates/"+string(k), http.StatusSeeOther)
			return
		}
		rendered, err := s.previewTemplate(r.Context(), p, k, draft)
		if errs, ok := fieldErrors(err); ok {
			templatePage(w, r, p, http.StatusUnprocessableEntity, func(v *mailAdminView) { typed(v); v.Errors = errs })
			return
		}
		if err != nil {
			s.wsError(w, r, p, err)
			return
		}
		templatePage(w, r, p, http.StatusOK, func(v *mailAdminView) { typed(v); v.Preview = &rendered })
	})))

	mux.HandleFunc("GET /admin/mail/outbox", s.agentPage(admin(func(w http.ResponseWriter, r *http.Request, p auth.Principal) {
		q := r.URL.Query()
		v := view(r, p, "Mail deliveries", "/admin/mail/outbox", "outbox")
		v.Status, v.Tabs = q.Get("status"), outboxTabs
		if !slices.ContainsFunc(outboxTabs, func(o option) bool { return o.Value == v.Status }) {
			v.Status = ""
		}
		before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
		mails, err := notify.Outbox(r.Context(), s.DB.Read, notify.Status(v.Status), before, pageSize+1)
		if err != nil {
			s.wsError(w, r, p, err)
			return
		}
		if len(mails) > pageSize {
			mails = mails[:pageSize]
			v.NextURL = "/admin/mail/outbox?status=" + v.Status + "&before=" + strconv.FormatInt(mails[pageSize-1].ID, 10)
		}
		for _, m := range mails {
			v.Mails = append(v.Mails, mailRow{ID: m.ID, To: m.To, Subject: m.Subject, Kind: kindName(m.Kind), Number: m.RecordNumber,
				Status: string(m.Status), Error: m.LastError, Attempts: m.Attempts, Queued: m.CreatedAt, Sent: m.SentAt, Next: m.NextAttemptAt})
		}
		s.render(w, page, http.StatusOK, v)
	})))
	mux.HandleFunc("POST /admin/mail/outbox/{id}/retry", s.agentAction(admin(func(w http.ResponseWriter, r *http.Request, p auth.Principal) {
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		m, err := s.retryMail(r.Context(), p, id, "from the deliveries page")
		if err != nil {
			s.wsError(w, r, p, err)
			return
		}
		s.setFlash(r.Context(), flash{Kind: "ok", Message: "The mail to " + m.To + " is queued again."})
		http.Redirect(w, r, "/admin/mail/outbox?status=failed", http.StatusSeeOther)
	})))

	settingsPage := func(w http.ResponseWriter, r *http.Request, p auth.Principal, status int, form *mailSettingsForm, errs map[string]string) {
		v := view(r, p, "Mail settings", "/admin/mail/settings", "settings")
		if form == nil {
			set, err := s.mail().Settings(r.Context(), p)
			if err != nil {
				s.wsError(w, r, p, err)
				return
			}
			form = &mailSettingsForm{Domains: strings.Join(set.AllowedDomains, "\n"), RefuseUnknown: set.RefuseUnknown,
				RateLimit: strconv.Itoa(set.RateLimitPerHour), MaxBytes: strconv.FormatInt(set.MaxMessageBytes, 10)}
		}
		v.Settings = *form
		if errs != nil {
			v.Errors = errs
		}
		s.render(w, page, status, v)
	}
	mux.HandleFunc("GET /admin/mail/settings", s.agentPage(admin(func(w http.ResponseWriter, r *http.Request, p auth.Principal) {
		settingsPage(w, r, p, http.StatusOK, nil, nil)
	})))
	mux.HandleFunc("POST /admin/mail/settings", s.agentAction(admin(func(w http.ResponseWriter, r *http.Request, p auth.Principal) {
		form := mailSettingsForm{Domains: r.PostFormValue("allowed_domains"), RefuseUnknown: r.PostFormValue("refuse_unknown") == "1",
			RateLimit: r.PostFormValue("rate_limit_per_hour"), MaxBytes: r.PostFormValue("max_message_bytes")}
		errs := map[string]string{}
		set := mailin.Settings{AllowedDomains: strings.Fields(strings.ReplaceAll(form.Domains, ",", " ")), RefuseUnknown: form.RefuseUnknown}
		var err error
		if set.RateLimitPerHour, err = strconv.Atoi(strings.TrimSpace(form.RateLimit)); err != nil {
			errs["rate_limit_per_hour"] = "Must be a whole number."
		}
		if set.MaxMessageBytes, err = strconv.ParseInt(strings.TrimSpace(form.MaxBytes), 10, 64); err != nil {
			errs["max_message_bytes"] = "Must be a whole number of bytes."
		}
		if len(errs) == 0 {
			if _, err := s.mail().SetSettings(r.Context(), p, set); err != nil {
				fe, ok := fieldErrors(err)
				if !ok {
					s.wsError(w, r, p, err)
					return
				}
				for k, msg := range fe {
					if strings.HasPrefix(k, "allowed_domains") {
						k = "allowed_domains"
					}
					errs[k] = msg
				}
			}
		}
		if len(errs) > 0 {
			settingsPage(w, r, p, http.StatusUnprocessableEntity, &form, errs)
			return
		}
		s.setFlash(r.Context(), flash{Kind: "ok", Message: "Mail settings saved."})
		http.Redirect(w, r, "/admin/mail/settings", http.StatusSeeOther)
	})))
}

// kindName is a notification kind as the admin pages name it.
func kindName(k notify.Kind) string {
	if k == notify.Refused {
		return "Refused sender"
	}
	if l, ok := kindLabels[k]; ok {
		return l
	}
	return codeLabel(string(k))
}
