package web

import (
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"steward/internal/auth"
	"steward/internal/platform/fault"
	"steward/internal/web/ui"
)

// The agent workspace: queues, saved views, search, the incident page and
// its actions, server-rendered with a little progressive JS (app.js).
// Requesters never reach it: pages send them to the portal, and anything
// else they try is refused.

type workspace struct {
	queue, incident, create, editView, problem *template.Template
}

func parseWorkspace() *workspace {
	parse := func(name string) *template.Template {
		return template.Must(template.New(name).Funcs(wsFuncs).ParseFS(ui.Templates,
			"templates/layout.html", "templates/ws_shell.html", "templates/"+name))
	}
	return &workspace{
		queue: parse("ws_queue.html"), incident: parse("ws_incident.html"), create: parse("ws_new.html"),
		editView: parse("ws_view.html"), problem: parse("ws_problem.html"),
	}
}

func (s *Server) registerWorkspace(mux routeMux) {
	s.ws = parseWorkspace()
	page := func(pattern string, h agentHandler) { mux.HandleFunc(pattern, s.agentPage(h)) }
	action := func(pattern string, h agentHandler) { mux.HandleFunc(pattern, s.agentAction(h)) }
	page("GET /queues/{queue}", s.queuePage)
	page("GET /views/{id}", s.viewPage)
	page("GET /views/{id}/edit", s.viewEditPage)
	page("GET /search", s.searchPage)
	page("GET /incidents/new", s.newIncidentPage)
	page("GET /incidents/{number}", s.incidentPage)
	mux.HandleFunc("GET /incidents/{number}/events", s.incidentEvents)
	action("POST /views", s.viewCreate)
	action("POST /views/{id}", s.viewUpdate)
	action("POST /views/{id}/delete", s.viewDelete)
	action("POST /queues/bulk", s.bulkUpdate)
	action("POST /incidents/new", s.newIncidentSubmit)
	action("POST /incidents/{number}", s.incidentSave)
	action("POST /incidents/{number}/state", s.incidentMove)
	action("POST /incidents/{number}/assign-me", s.incidentAssignMe)
	action("POST /incidents/{number}/comments", s.incidentComment)
	action("POST /incidents/{number}/attachments", s.incidentAttach)
	action("POST /incidents/{number}/links", s.incidentLink)
	action("POST /incidents/{number}/links/{id}/delete", s.incidentUnlink)
	action("POST /incidents/{number}/major", s.incidentProposeMajor)
	action("POST /incidents/{number}/major/decision", s.incidentDecideMajor)
	action("POST /incidents/{number}/communications", s.incidentCommunicate)
}

// agentHandler is a workspace handler, called with an agent principal.
type agentHandler func(w http.ResponseWriter, r *http.Request, p auth.Principal)

func isAgent(p auth.Principal) bool { return auth.Can(p, auth.UpdateRecord) }

// agentPage guards a GET page: anonymous visitors sign in first, and
// requesters go to the portal.
func (s *Server) agentPage(h agentHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := principal(r.Context())
		switch {
		case p.UserID == 0:
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		case !isAgent(p):
			http.Redirect(w, r, "/portal", http.StatusSeeOther)
		default:
			h(w, r, p)
		}
	}
}

// agentAction guards a state-changing POST: it needs an agent and the
// session's form token. Anything else is refused outright.
func (s *Server) agentAction(h agentHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := principal(r.Context())
		if p.UserID == 0 || !isAgent(p) {
			s.wsProblem(w, r, p, http.StatusForbidden, "You are not allowed to do this.")
			return
		}
		if !s.readForm(w, r, p) {
			return
		}
		if !s.checkCSRF(r) {
			s.wsProblem(w, r, p, http.StatusForbidden, "This form has expired or did not come from Steward. Go back, reload the page and try again.")
			return
		}
		// The agent changed something: their queue counts are recounted.
		defer s.counts.forget(p.UserID)
		h(w, r, p)
	}
}

// readForm reads a posted form within a size limit: an upload may be as
// large as an attachment, anything else 1 MiB.
func (s *Server) readForm(w http.ResponseWriter, r *http.Request, p auth.Principal) bool {
	multipart := strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data")
	limit := int64(1 << 20)
	if multipart {
		limit += s.Config.MaxAttachment
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	var err error
	if multipart {
		err = r.ParseMultipartForm(8 << 20)
	} else {
		err = r.ParseForm()
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		s.wsProblem(w, r, p, http.StatusRequestEntityTooLarge,
			"That was too much to send at once: files may be up to "+byteSize(s.Config.MaxAttachment)+".")
		return false
	case err != nil:
		s.wsProblem(w, r, p, http.StatusBadRequest, "The form could not be read. Go back and try again.")
		return false
	}
	return true
}

type problemPage struct {
	shell
	Status  int
	Message string
}

// wsProblem renders an error page inside the workspace (or a bare one for
// someone who may not see the workspace).
func (s *Server) wsProblem(w http.ResponseWriter, r *http.Request, p auth.Principal, status int, msg string) {
	page := problemPage{Status: status, Message: msg}
	page.Title = http.StatusText(status)
	if isAgent(p) {
		page.shell = s.shell(r, p, http.StatusText(status), "")
	}
	s.render(w, s.ws.problem, status, page)
}

// wsError renders the page for an unexpected service error.
func (s *Server) wsError(w http.ResponseWriter, r *http.Request, p auth.Principal, err error) {
	switch {
	case errors.Is(err, fault.ErrNotFound):
		s.wsProblem(w, r, p, http.StatusNotFound, "There is nothing here: the record does not exist, or you may not see it.")
	case errors.Is(err, fault.ErrForbidden):
		s.wsProblem(w, r, p, http.StatusForbidden, "You are not allowed to do this.")
	case errors.Is(err, context.Canceled):
	default:
		s.Log.ErrorContext(r.Context(), "workspace", "path", r.URL.Path, "err", err)
		s.wsProblem(w, r, p, http.StatusInternalServerError, "Something went wrong on our side; it has been logged. Please try again.")
	}
}

// fieldErrors turns a validation error into field -> message, with the
// service's field names (category_id) mapped to the form's (category).
func fieldErrors(err error) (map[string]string, bool) {
	var v *fault.ValidationError
	if !errors.As(err, &v) {
		return nil, false
	}
	out := map[string]string{}
	for _, f := range v.Fields {
		name := strings.TrimSuffix(f.Field, "_id")
		if name == "assignment_group" {
			name = "group"
		}
		if _, dup := out[name]; !dup {
			out[name] = sentence(f.Message)
		}
	}
	return out, true
}

// sentence capitalises a service message for display ("is required" ->
// "Is required.").
func sentence(msg string) string {
	if msg == "" {
		return ""
	}
	msg = strings.ToUpper(msg[:1]) + msg[1:]
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}

// Flash messages live in the session for one page view (post-redirect-get).
const sessionFlash = "ws_flash"

type flash struct {
	Kind    string       `json:"k"` // ok, error
	Message string       `json:"m"`
	Results []bulkResult `json:"r,omitempty"`
}

func (s *Server) setFlash(ctx context.Context, f flash) {
	b, _ := json.Marshal(f)
	s.Sessions.Put(ctx, sessionFlash, string(b))
}

func (s *Server) takeFlash(ctx context.Context) *flash {
	raw := s.Sessions.PopString(ctx, sessionFlash)
	if raw == "" {
		return nil
	}
	var f flash
	if json.Unmarshal([]byte(raw), &f) != nil {
		return nil
	}
	return &f
}

// backTo returns a local path from a form's return_to, or fallback.
func backTo(r *http.Request, fallback string) string {
	if v := r.PostFormValue("return_to"); v != "" {
		if next := safeNext(v); next != "/" {
			return next
		}
	}
	return fallback
}
