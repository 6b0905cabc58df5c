package web

import (
	"html/template"
	"net/http"
	"slices"
	"time"

	"steward/internal/auth"
	"steward/internal/notify"
	"steward/internal/platform/db"
	"steward/internal/web/ui"
)

// Each person's notification settings: which kinds of mail they get. Agents
// reach the page from the workspace's account menu, requesters from the
// portal's; both post the same form.

// requesterKinds are the notifications a requester can get; agents see all.
var requesterKinds = []notify.Kind{notify.Created, notify.Commented, notify.Resolved, notify.Reopened}

// notifyChoice is one checkbox of the form.
type notifyChoice struct {
	Kind, Label, Hint string
	On                bool
}

var kindLabels = map[notify.Kind]string{
	notify.Created: "Record opened", notify.Assigned: "Assigned to me or my group", notify.Commented: "New public comment",
	notify.Mentioned: "Mentioned in a work note", notify.Resolved: "Resolved", notify.Reopened: "Reopened",
	notify.Approval: "Major incident approval", notify.SLAWarning: "Service level warning", notify.SLABreached: "Service level missed",
}

type notifyPageView struct {
	shell
	Choices []notifyChoice
}

type portalNotifyView struct {
	portalPage
	Choices []notifyChoice
}

func (s *Server) registerNotifyPages(mux routeMux) {
	ws := template.Must(template.New("ws_notifications.html").Funcs(wsFuncs).ParseFS(ui.Templates,
		"templates/layout.html", "templates/ws_shell.html", "templates/ws_notifications.html"))
	pt := template.Must(template.New("portal_notifications.html").ParseFS(ui.Templates,
		"templates/portal_layout.html", "templates/portal_notifications.html"))
	mux.HandleFunc("GET /account/notifications", s.agentPage(func(w http.ResponseWriter, r *http.Request, p auth.Principal) {
		choices, err := s.notifyChoices(r, p)
		if err != nil {
			s.wsError(w, r, p, err)
			return
		}
		v := notifyPageView{shell: s.shell(r, p, "Notifications", "/account/notifications"), Choices: choices}
		v.Page = "account"
		s.render(w, ws, http.StatusOK, v)
	}))
	mux.HandleFunc("POST /account/notifications", s.agentAction(func(w http.ResponseWriter, r *http.Request, p auth.Principal) {
		if err := s.saveNotifyChoices(r, p); err != nil {
			s.wsError(w, r, p, err)
			return
		}
		s.setFlash(r.Context(), flash{Kind: "ok", Message: "Your notification settings are saved."})
		http.Redirect(w, r, "/account/notifications", http.StatusSeeOther)
	}))
	ptl := &portal{s: s, failed: template.Must(template.New("portal_error.html").ParseFS(ui.Templates, "templates/portal_layout.html", "templates/portal_error.html"))}
	mux.HandleFunc("GET /portal/notifications", ptl.signedIn(func(w http.ResponseWriter, r *http.Request) {
		p := principal(r.Context())
		choices, err := s.notifyChoices(r, p)
		if err != nil {
			ptl.failErr(w, r, err)
			return
		}
		s.render(w, pt, http.StatusOK, portalNotifyView{portalPage: ptl.page(r, "Email notifications", "notifications"), Choices: choices})
	}))
	mux.HandleFunc("POST /portal/notifications", ptl.signedIn(func(w http.ResponseWriter, r *http.Request) {
		if err := ptl.parseForm(w, r); err != nil {
			ptl.formFailed(w, r, err)
			return
		}
		if !s.checkCSRF(r) {
			ptl.fail(w, r, http.StatusForbidden)
			return
		}
		if err := s.saveNotifyChoices(r, principal(r.Context())); err != nil {
			ptl.failErr(w, r, err)
			return
		}
		ptl.notify(r, "Your email settings are saved.")
		http.Redirect(w, r, "/portal/notifications", http.StatusSeeOther)
	}))
}

// kindsFor lists the kinds p can choose from.
func kindsFor(p auth.Principal) []notify.Kind {
	if isAgent(p) {
		return notify.Kinds
	}
	return requesterKinds
}

func (s *Server) notifyChoices(r *http.Request, p auth.Principal) ([]notifyChoice, error) {
	if err := auth.Require(p, auth.OwnNotifications); err != nil {
		return nil, err
	}
	prefs, err := notify.Preferences(r.Context(), s.DB.Read, p.UserID)
	if err != nil {
		return nil, err
	}
	kinds := kindsFor(p)
	var out []notifyChoice
	for _, pr := range prefs {
		if slices.Contains(kinds, pr.Kind) {
			out = append(out, notifyChoice{Kind: string(pr.Kind), Label: kindLabels[pr.Kind], Hint: pr.Kind.Describe(), On: pr.Enabled})
		}
	}
	return out, nil
}

// saveNotifyChoices stores the form: every kind offered, on when ticked.
func (s *Server) saveNotifyChoices(r *http.Request, p auth.Principal) error {
	if err := auth.Require(p, auth.OwnNotifications); err != nil {
		return err
	}
	on := r.PostForm["on"]
	var prefs []notify.Preference
	for _, k := range kindsFor(p) {
		prefs = append(prefs, notify.Preference{Kind: k, Enabled: slices.Contains(on, string(k))})
	}
	return s.DB.InTx(r.Context(), func(tx db.Querier) error {
		return notify.SetPreferences(r.Context(), tx, p.UserID, prefs, time.Now())
	})
}
