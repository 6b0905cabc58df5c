package web

import (
	"net/http"
	"strings"

	"steward/internal/auth"
	"steward/internal/incident"
)

// requiredKeys are the fields a state action may ask for.
var requiredKeys = []string{"on_hold_reason", "resolution_code", "resolution_notes", "cancel_reason"}

// incidentMove moves the incident to another state, with the fields the
// move requires.
func (s *Server) incidentMove(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	number := normaliseNumber(r.PathValue("number"))
	form := actionForm{To: r.PostFormValue("to"), Values: map[string]string{}}
	patch := incident.Patch{State: &form.To}
	for _, k := range requiredKeys {
		v := strings.TrimSpace(text(r, k))
		form.Values[k] = v
		if v == "" {
			continue
		}
		switch k {
		case "on_hold_reason":
			patch.OnHoldReason = &v
		case "resolution_code":
			patch.ResolutionCode = &v
		case "resolution_notes":
			patch.ResolutionNotes = &v
		case "cancel_reason":
			patch.CancelReason = &v
		}
	}
	in, err := s.Incidents.Update(r.Context(), p, number, postedInt64(r, "version"), patch)
	if err == nil {
		s.setFlash(r.Context(), flash{Kind: "ok", Message: "Moved to " + stateLabel(in.State) + "."})
		http.Redirect(w, r, "/incidents/"+number, http.StatusSeeOther)
		return
	}
	s.refused(w, r, p, err, func(v *incidentView, errs map[string]string) {
		form.Errors = errs
		v.Action = form
	})
}

// incidentAssignMe assigns the incident to the agent, in the record's group
// if they belong to it, else in their first group.
func (s *Server) incidentAssignMe(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	ctx := r.Context()
	number := normaliseNumber(r.PathValue("number"))
	in, err := s.Incidents.Get(ctx, p, number)
	if err != nil {
		s.wsError(w, r, p, err)
		return
	}
	group := in.AssignmentGroupID
	if group == 0 || !p.InGroup(group) {
		group = 0
		if len(p.Groups) > 0 {
			group = p.Groups[0]
		}
	}
	me := p.UserID
	_, err = s.Incidents.Update(ctx, p, number, postedInt64(r, "version"), incident.Patch{AssigneeID: &me, AssignmentGroupID: &group})
	if err == nil {
		s.setFlash(ctx, flash{Kind: "ok", Message: "Assigned to you."})
		http.Redirect(w, r, "/incidents/"+number, http.StatusSeeOther)
		return
	}
	s.refused(w, r, p, err, func(v *incidentView, errs map[string]string) { v.Errors = errs })
}

// incidentComment adds a public comment or an internal work note.
func (s *Server) incidentComment(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	ctx := r.Context()
	number := normaliseNumber(r.PathValue("number"))
	form := commentForm{Kind: r.PostFormValue("kind"), Body: text(r, "body")}
	if form.Kind != "comment" {
		form.Kind = "work_note"
	}
	_, err := s.Incidents.Comment(ctx, p, number, form.Kind == "work_note", form.Body)
	if err == nil {
		msg := "Work note added (agents only)."
		if form.Kind == "comment" {
			msg = "Comment added; the requester can read it."
		}
		s.setFlash(ctx, flash{Kind: "ok", Message: msg})
		http.Redirect(w, r, "/incidents/"+number+"#timeline", http.StatusSeeOther)
		return
	}
	s.refused(w, r, p, err, func(v *incidentView, errs map[string]string) {
		form.Error = errs["body"]
		if form.Error == "" {
			form.Error = "Write something first."
		}
		v.Comment = form
	})
}
