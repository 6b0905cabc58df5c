package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"steward/internal/auth"
	"steward/internal/incident"
	"steward/internal/platform/fault"
	"steward/internal/record"
)

// fieldKeys are the field form's inputs.
var fieldKeys = []string{"title", "description", "impact", "urgency", "category", "service", "ci_ref", "group", "assignee"}

// text reads a text field as typed, with the browser's CRLF line ends made
// LF so that an untouched textarea does not count as a change.
func text(r *http.Request, key string) string {
	return strings.ReplaceAll(r.PostFormValue(key), "\r\n", "\n")
}

// fieldPatch turns the typed field form into a patch of every field, or
// the fields it cannot read.
func fieldPatch(typed map[string]string) (incident.Patch, map[string]string) {
	errs := map[string]string{}
	title, desc, ci := typed["title"], typed["description"], typed["ci_ref"]
	p := incident.Patch{Title: &title, Description: &desc, CIRef: &ci}
	for _, lv := range []struct {
		key string
		dst **record.Level
	}{{"impact", &p.Impact}, {"urgency", &p.Urgency}} {
		l, ok := record.ParseLevel(typed[lv.key])
		if !ok {
			errs[lv.key] = "Choose high, medium or low."
			continue
		}
		*lv.dst = &l
	}
	for _, ref := range []struct {
		key string
		dst **int64
	}{{"category", &p.CategoryID}, {"service", &p.ServiceID}, {"group", &p.AssignmentGroupID}, {"assignee", &p.AssigneeID}} {
		var id int64
		if v := typed[ref.key]; v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				errs[ref.key] = "Choose one from the list."
				continue
			}
			id = n
		}
		*ref.dst = &id
	}
	return p, errs
}

// incidentSave saves the field form if the record is still at the version
// the agent read; otherwise it shows what changed and keeps what they typed.
func (s *Server) incidentSave(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	number := normaliseNumber(r.PathValue("number"))
	typed := map[string]string{}
	for _, k := range fieldKeys {
		typed[k] = text(r, k)
	}
	patch, errs := fieldPatch(typed)
	if len(errs) > 0 {
		s.showIncident(w, r, p, http.StatusUnprocessableEntity, func(v *incidentView) { v.Form, v.Errors = typed, errs })
		return
	}
	_, err := s.Incidents.Update(r.Context(), p, number, postedInt64(r, "version"), patch)
	if err == nil {
		s.setFlash(r.Context(), flash{Kind: "ok", Message: "Saved."})
		http.Redirect(w, r, "/incidents/"+number, http.StatusSeeOther)
		return
	}
	s.refused(w, r, p, err, func(v *incidentView, errs map[string]string) { v.Form, v.Errors = typed, errs })
}

// refused shows the incident page again after err: a stale version gets
// the changes made since and the current values, a validation error its
// field messages (edit puts them and the typed values on the page).
func (s *Server) refused(w http.ResponseWriter, r *http.Request, p auth.Principal, err error, edit func(*incidentView, map[string]string)) {
	var stale *fault.StaleError
	if errors.As(err, &stale) || errors.Is(err, fault.ErrPreconditionRequired) {
		s.showIncident(w, r, p, http.StatusConflict, func(v *incidentView) {
			s.staleSince(r.Context(), p, v, postedInt64(r, "last_entry"))
			v.StaleError = "Not saved: this incident was changed by someone else since you opened it. " +
				"Your input is kept below next to the new values; check it and save again to apply it."
			edit(v, map[string]string{})
		})
		return
	}
	if errs, ok := fieldErrors(err); ok {
		s.showIncident(w, r, p, http.StatusUnprocessableEntity, func(v *incidentView) { edit(v, errs) })
		return
	}
	s.wsError(w, r, p, err)
}
