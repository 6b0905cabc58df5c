package web

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"

	"steward/internal/auth"
	"steward/internal/platform/fault"
	"steward/internal/web/ui"
)

// portal is the requesters' self-service portal: report an issue, follow
// one's own records and answer them. It has its own simpler layout and one
// small file per page or action (portal_*.go).
type portal struct {
	s                                *Server
	home, list, report, show, failed *template.Template
}

// portalNoticeKey holds a one-shot message for the next portal page.
const portalNoticeKey = "portal_notice"

func (s *Server) registerPortal(mux routeMux) {
	parse := func(name string) *template.Template {
		return template.Must(template.New(name).ParseFS(ui.Templates, "templates/portal_layout.html", "templates/"+name))
	}
	p := &portal{s: s, home: parse("portal_home.html"), list: parse("portal_list.html"),
		report: parse("portal_new.html"), show: parse("portal_show.html"), failed: parse("portal_error.html")}
	mux.HandleFunc("GET /portal", p.signedIn(p.homePage))
	mux.HandleFunc("GET /portal/{$}", p.signedIn(p.homePage))
	mux.HandleFunc("GET /portal/incidents", p.signedIn(p.listPage))
	mux.HandleFunc("GET /portal/new", p.signedIn(p.newPage))
	mux.HandleFunc("POST /portal/new", p.signedIn(p.newSubmit))
	mux.HandleFunc("GET /portal/incidents/{number}", p.signedIn(p.showPage))
	mux.HandleFunc("POST /portal/incidents/{number}/comments", p.signedIn(p.commentSubmit))
	mux.HandleFunc("POST /portal/incidents/{number}/confirm", p.signedIn(p.confirmSubmit))
	mux.HandleFunc("POST /portal/incidents/{number}/reopen", p.signedIn(p.reopenSubmit))
	mux.HandleFunc("POST /portal/incidents/{number}/cancel", p.signedIn(p.cancelSubmit))
}

// signedIn sends anonymous visitors to sign in first, and back afterwards.
func (p *portal) signedIn(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !principal(r.Context()).Authenticated() {
			dest := "/portal"
			if r.Method == http.MethodGet {
				dest = r.URL.RequestURI()
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(dest), http.StatusSeeOther)
			return
		}
		next(w, r)
	}
}

// portalPage is what every portal page shows around its content.
type portalPage struct {
	Title    string
	CSRF     string
	User     auth.Principal
	Initials string
	Agent    bool   // may also use the agent workspace
	Nav      string // "home", "list" or "new": the current header link
	Notice   string // a one-shot success message
}

func (p *portal) page(r *http.Request, title, nav string) portalPage {
	ctx := r.Context()
	pr := principal(ctx)
	return portalPage{Title: title, CSRF: p.s.csrfToken(ctx), User: pr, Initials: portalInitials(pr.Name), Agent: auth.Can(pr, auth.UpdateRecord), Nav: nav,
		Notice: p.s.Sessions.PopString(ctx, portalNoticeKey)}
}

// notify keeps msg for the page the browser is redirected to.
func (p *portal) notify(r *http.Request, msg string) {
	p.s.Sessions.Put(r.Context(), portalNoticeKey, msg)
}

// portalErrorView is the page for a request that cannot be served.
type portalErrorView struct {
	portalPage
	Heading, Message string
}

// fail shows an error page. Not found and forbidden look the same whether
// or not the record exists, so that the page is no existence oracle.
func (p *portal) fail(w http.ResponseWriter, r *http.Request, status int) {
	view := portalErrorView{portalPage: p.page(r, "", "")}
	switch status {
	case http.StatusNotFound:
		view.Title, view.Heading = "Not found", "We couldn't find that request"
		view.Message = "It may have been mistyped, or it belongs to someone else. Your own requests are all listed under My requests."
	case http.StatusForbidden:
		view.Title, view.Heading = "Please try again", "Your form expired"
		view.Message = "For your security we couldn't accept that form. Go back, reload the page and send it again."
	case http.StatusBadRequest:
		view.Title, view.Heading = "Please try again", "We couldn't read that form"
		view.Message = "Something in it was garbled on the way. Go back, reload the page and send it again."
	case http.StatusRequestEntityTooLarge:
		view.Title, view.Heading = "Too large", "That upload was too large"
		view.Message = "Attach fewer or smaller files and try again."
	default:
		view.Title, view.Heading = "Something went wrong", "Something went wrong on our side"
		view.Message = "It has been logged. Please try again in a moment."
	}
	p.s.render(w, p.failed, status, view)
}

// formFailed answers a form whose body could not be read.
func (p *portal) formFailed(w http.ResponseWriter, r *http.Request, err error) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		p.fail(w, r, http.StatusRequestEntityTooLarge)
		return
	}
	p.fail(w, r, http.StatusBadRequest)
}

// failErr shows the error page that err calls for, logging unexpected ones.
func (p *portal) failErr(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, fault.ErrNotFound), errors.Is(err, fault.ErrForbidden):
		p.fail(w, r, http.StatusNotFound)
	default:
		p.s.Log.ErrorContext(r.Context(), "portal", "path", r.URL.Path, "err", err)
		p.fail(w, r, http.StatusInternalServerError)
	}
}

// fieldErrors turns a validation error into field -> message, renaming the
// domain's field names to the form's with rename (nil keeps them).
func portalFields(err error, rename map[string]string) (map[string]string, bool) {
	var v *fault.ValidationError
	if !errors.As(err, &v) {
		return nil, false
	}
	out := map[string]string{}
	for _, f := range v.Fields {
		name := f.Field
		if to, ok := rename[name]; ok {
			name = to
		}
		if _, dup := out[name]; !dup {
			out[name] = portalSentence(f.Message)
		}
	}
	return out, true
}

// sentence makes a domain message ("is required") read as a sentence.
func portalSentence(msg string) string {
	if msg == "" {
		return msg
	}
	b := []byte(msg)
	if b[0] >= 'a' && b[0] <= 'z' {
		b[0] -= 'a' - 'A'
	}
	if last := b[len(b)-1]; last != '.' && last != '!' && last != '?' {
		b = append(b, '.')
	}
	return string(b)
}
