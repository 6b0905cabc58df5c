package web

import (
	"net/http"
	"strconv"
	"strings"

	"steward/internal/auth"
	"steward/internal/incident"
	"steward/internal/record"
)

// newIncidentView is the form an agent fills in for a caller.
type newIncidentView struct {
	shell
	Form    map[string]string
	Errors  map[string]string
	Choices directoryOptions
	Sel     formSelects
	Levels  []option
	People  []option // email -> name, suggestions for the requester field
}

var newKeys = []string{"title", "description", "requester", "impact", "urgency", "category", "service", "ci_ref", "group", "assignee", "key"}

func (s *Server) newIncidentPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	form := map[string]string{"impact": "medium", "urgency": "medium", "key": auth.RandomSecret(12)}
	if len(p.Groups) > 0 {
		form["group"] = strconv.FormatInt(p.Groups[0], 10)
	}
	s.renderNew(w, r, p, http.StatusOK, form, nil)
}

func (s *Server) renderNew(w http.ResponseWriter, r *http.Request, p auth.Principal, status int, form, errs map[string]string) {
	ctx := r.Context()
	v := newIncidentView{Form: form, Errors: errs, Levels: levelOptions}
	var err error
	if v.Choices, err = s.directoryChoices(ctx, p, true); err != nil {
		s.wsError(w, r, p, err)
		return
	}
	users, err := s.Auth.Users(ctx, p, 0, 200, "", "")
	if err != nil {
		s.wsError(w, r, p, err)
		return
	}
	for _, u := range users {
		if u.Active {
			v.People = append(v.People, option{u.Email, u.Name})
		}
	}
	v.Sel = selectsFor(form, v.Choices)
	v.shell = s.shell(r, p, "New incident", "/incidents/new")
	v.Page = "new"
	s.render(w, s.ws.create, status, v)
}

// newIncidentSubmit reports the incident for the requester the agent named
// by email, and opens it.
func (s *Server) newIncidentSubmit(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	ctx := r.Context()
	form := map[string]string{}
	for _, k := range newKeys {
		form[k] = text(r, k)
	}
	form["requester"] = strings.TrimSpace(form["requester"])
	errs := map[string]string{}
	in := incident.NewIncident{Title: form["title"], Description: form["description"], CIRef: form["ci_ref"], IdempotencyKey: form["key"]}
	if form["requester"] == "" {
		errs["requester"] = "Enter the requester's email address."
	} else if u, err := s.Auth.UserByEmail(ctx, form["requester"]); err != nil || !u.Active {
		errs["requester"] = "No active account has this email address."
	} else {
		in.RequesterID = u.ID
	}
	var ok bool
	if in.Impact, ok = record.ParseLevel(form["impact"]); !ok {
		errs["impact"] = "Choose high, medium or low."
	}
	if in.Urgency, ok = record.ParseLevel(form["urgency"]); !ok {
		errs["urgency"] = "Choose high, medium or low."
	}
	for key, dst := range map[string]*int64{"category": &in.CategoryID, "service": &in.ServiceID, "group": &in.AssignmentGroupID, "assignee": &in.AssigneeID} {
		if v := form[key]; v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				errs[key] = "Choose one from the list."
			}
			*dst = n
		}
	}
	if strings.TrimSpace(in.Title) == "" {
		errs["title"] = "Give the incident a title."
	}
	if len(errs) > 0 {
		s.renderNew(w, r, p, http.StatusUnprocessableEntity, form, errs)
		return
	}
	inc, _, err := s.Incidents.Create(ctx, p, in)
	if err != nil {
		if errs, ok := fieldErrors(err); ok {
			s.renderNew(w, r, p, http.StatusUnprocessableEntity, form, errs)
			return
		}
		s.wsError(w, r, p, err)
		return
	}
	s.setFlash(ctx, flash{Kind: "ok", Message: inc.Number + " created."})
	http.Redirect(w, r, "/incidents/"+inc.Number, http.StatusSeeOther)
}
