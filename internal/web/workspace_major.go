package web

import (
	"net/http"

	"steward/internal/auth"
)

// incidentProposeMajor flags the incident as a major incident: a proposal
// for a manager to decide, or approved at once when a manager flags it.
func (s *Server) incidentProposeMajor(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	ctx := r.Context()
	number := normaliseNumber(r.PathValue("number"))
	reason := text(r, "reason")
	in, err := s.Incidents.ProposeMajor(ctx, p, number, reason)
	if err == nil {
		msg := "Proposed as a major incident; a manager will decide."
		if in.Major {
			msg = "This is now a major incident."
		}
		s.setFlash(ctx, flash{Kind: "ok", Message: msg})
		http.Redirect(w, r, "/incidents/"+number, http.StatusSeeOther)
		return
	}
	s.majorRefused(w, r, p, err, func(v *incidentView, msg string) { v.Major.Reason, v.Major.Error = reason, msg })
}

// incidentDecideMajor approves or rejects a proposal (managers).
func (s *Server) incidentDecideMajor(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	ctx := r.Context()
	number := normaliseNumber(r.PathValue("number"))
	approve := r.PostFormValue("decision") == "approve"
	note := text(r, "note")
	_, err := s.Incidents.DecideMajor(ctx, p, number, approve, note)
	if err == nil {
		msg := "Major incident approved."
		if !approve {
			msg = "Major incident proposal rejected."
		}
		s.setFlash(ctx, flash{Kind: "ok", Message: msg})
		http.Redirect(w, r, "/incidents/"+number, http.StatusSeeOther)
		return
	}
	s.majorRefused(w, r, p, err, func(v *incidentView, msg string) { v.Major.Note, v.Major.Error = note, msg })
}

// incidentCommunicate posts a stakeholder update to a major incident's
// communications log.
func (s *Server) incidentCommunicate(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	ctx := r.Context()
	number := normaliseNumber(r.PathValue("number"))
	body := text(r, "body")
	if _, err := s.Incidents.Communicate(ctx, p, number, body); err != nil {
		s.majorRefused(w, r, p, err, func(v *incidentView, msg string) { v.Major.Body, v.Major.CommError = body, msg })
		return
	}
	s.setFlash(ctx, flash{Kind: "ok", Message: "Communication posted."})
	http.Redirect(w, r, "/incidents/"+number+"#comms", http.StatusSeeOther)
}

func (s *Server) majorRefused(w http.ResponseWriter, r *http.Request, p auth.Principal, err error, edit func(*incidentView, string)) {
	errs, ok := fieldErrors(err)
	if !ok {
		s.wsError(w, r, p, err)
		return
	}
	msg := ""
	for _, k := range []string{"reason", "body", "major", "state"} {
		if errs[k] != "" {
			msg = errs[k]
			if subject := map[string]string{"reason": "The reason", "body": "The message"}[k]; subject != "" {
				msg = subject + " " + lowerFirst(errs[k])
			}
			break
		}
	}
	s.showIncident(w, r, p, http.StatusUnprocessableEntity, func(v *incidentView) { edit(v, msg) })
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]|0x20) + s[1:]
}
