package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"steward/internal/auth"
	"steward/internal/incident"
	"steward/internal/platform/fault"
)

// bulkResult is what happened to one record of a bulk update.
type bulkResult struct {
	Number  string `json:"n"`
	OK      bool   `json:"ok"`
	Message string `json:"m"`
}

// bulkForm is the bulk-update form as the agent filled it in.
type bulkForm struct {
	Group, Assignee, State, OnHoldReason, ResolutionCode, ResolutionNotes, CancelReason, Note string
	Picks                                                                                     []string
	Errors                                                                                    map[string]string
}

// bulkTargets are the states a bulk update may move records to.
func bulkTargets() []option {
	var out []option
	for _, st := range incident.Lifecycle.States {
		if st.Name != incident.Lifecycle.Initial {
			out = append(out, option{st.Name, st.Label})
		}
	}
	return out
}

func readBulkForm(r *http.Request) bulkForm {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	return bulkForm{Group: v("group"), Assignee: v("assignee"), State: v("state"), OnHoldReason: v("on_hold_reason"),
		ResolutionCode: v("resolution_code"), ResolutionNotes: r.PostFormValue("resolution_notes"),
		CancelReason: v("cancel_reason"), Note: r.PostFormValue("note"), Picks: r.PostForm["pick"], Errors: map[string]string{}}
}

// patch builds the change the form asks for, checking it as a whole first:
// a missing required field is the agent's to fix before any record is
// touched.
func (b *bulkForm) patch(p auth.Principal) (incident.Patch, bool) {
	var patch incident.Patch
	changed := false
	if b.Group != "" {
		id, err := refValue(b.Group, "", 0)
		if err != nil {
			b.Errors["group"] = "Choose a group from the list."
		}
		if id == -1 {
			id = 0
		}
		patch.AssignmentGroupID, changed = &id, true
		if b.Assignee == "" {
			zero := int64(0) // a new group starts unassigned unless an assignee is picked
			patch.AssigneeID = &zero
		}
	}
	if b.Assignee != "" {
		id, err := refValue(b.Assignee, "me", p.UserID)
		if err != nil {
			b.Errors["assignee"] = "Choose an agent from the list."
		}
		if id == -1 {
			id = 0
		}
		patch.AssigneeID, changed = &id, true
	}
	if b.State != "" {
		b.checkState()
		patch.State, changed = &b.State, true
		set := func(dst **string, v string) {
			if v != "" {
				*dst = &v
			}
		}
		set(&patch.OnHoldReason, b.OnHoldReason)
		set(&patch.ResolutionCode, b.ResolutionCode)
		set(&patch.ResolutionNotes, strings.TrimSpace(b.ResolutionNotes))
		set(&patch.CancelReason, b.CancelReason)
	}
	if len(b.Picks) == 0 {
		b.Errors["pick"] = "Select at least one incident."
	}
	if !changed && strings.TrimSpace(b.Note) == "" {
		b.Errors["change"] = "Choose what to change, or write a work note."
	}
	return patch, changed
}

// checkState asks for the fields the target state requires.
func (b *bulkForm) checkState() {
	st, ok := incident.Lifecycle.State(b.State)
	if !ok || st.Name == incident.Lifecycle.Initial {
		b.Errors["state"] = "Choose a state from the list."
		return
	}
	values := map[string]string{"on_hold_reason": b.OnHoldReason, "resolution_code": b.ResolutionCode,
		"resolution_notes": strings.TrimSpace(b.ResolutionNotes), "cancel_reason": b.CancelReason}
	for _, t := range incident.Lifecycle.Transitions {
		if t.To != b.State {
			continue
		}
		for _, f := range t.Requires {
			if values[f] == "" {
				b.Errors[f] = "Required to move to " + st.Label + "."
			}
		}
	}
}

// bulkUpdate applies one change to every picked record, each on its own:
// a stale or invalid record is reported and does not stop the others.
func (s *Server) bulkUpdate(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	ctx := r.Context()
	back := backTo(r, "/queues/my-work")
	form := readBulkForm(r)
	patch, changed := form.patch(p)
	if len(form.Errors) > 0 {
		s.rerenderList(w, r, p, back, &form)
		return
	}
	var results []bulkResult
	ok := 0
	for _, pick := range form.Picks {
		res := s.bulkOne(ctx, p, pick, patch, changed, form.Note)
		if res.OK {
			ok++
		}
		results = append(results, res)
	}
	f := flash{Kind: "ok", Message: plural(ok, "incident") + " updated.", Results: results}
	if ok < len(results) {
		f.Kind = "error"
		f.Message = plural(ok, "incident") + " updated, " + strconv.Itoa(len(results)-ok) + " not: see below."
	}
	s.setFlash(ctx, f)
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (s *Server) bulkOne(ctx context.Context, p auth.Principal, pick string, patch incident.Patch, changed bool, note string) bulkResult {
	number, ver, _ := strings.Cut(pick, "@")
	res := bulkResult{Number: normaliseNumber(number)}
	version, err := strconv.ParseInt(ver, 10, 64)
	if err != nil || version <= 0 {
		res.Message = "Not a record from this list."
		return res
	}
	if changed {
		if _, err := s.Incidents.Update(ctx, p, res.Number, version, patch); err != nil {
			res.Message = s.recordError(ctx, err)
			return res
		}
	}
	if strings.TrimSpace(note) != "" {
		if _, err := s.Incidents.Comment(ctx, p, res.Number, true, note); err != nil {
			res.Message = s.recordError(ctx, err)
			if changed {
				res.Message = "Updated, but the work note was not added: " + res.Message
			}
			return res
		}
	}
	res.OK, res.Message = true, "Updated."
	return res
}

// recordError says in a sentence why a change to one record failed.
func (s *Server) recordError(ctx context.Context, err error) string {
	var v *fault.ValidationError
	var stale *fault.StaleError
	switch {
	case errors.As(err, &stale):
		return "Changed by someone else since you loaded the list; not updated. Reload and try again."
	case errors.As(err, &v):
		var parts []string
		for _, f := range v.Fields {
			parts = append(parts, codeLabel(strings.TrimSuffix(f.Field, "_id"))+" "+strings.TrimSuffix(f.Message, "."))
		}
		return strings.Join(parts, "; ") + "."
	case errors.Is(err, fault.ErrNotFound):
		return "Not found, or you may not see it."
	case errors.Is(err, fault.ErrForbidden):
		return "You are not allowed to do this."
	}
	s.Log.ErrorContext(ctx, "bulk update", "err", err)
	return "Something went wrong on our side; it has been logged."
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// rerenderList shows the list the form came from again, with the bulk
// form's errors and what the agent typed.
func (s *Server) rerenderList(w http.ResponseWriter, r *http.Request, p auth.Principal, back string, form *bulkForm) {
	u, err := url.Parse(back)
	if err != nil {
		u, _ = url.Parse("/queues/my-work")
	}
	get := r.Clone(r.Context())
	get.Method, get.URL, get.RequestURI = http.MethodGet, u, u.RequestURI()
	get = get.WithContext(context.WithValue(r.Context(), bulkKey{}, form))
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	switch {
	case len(parts) == 2 && parts[0] == "queues":
		get.SetPathValue("queue", parts[1])
		s.queuePage(w, get, p)
	case len(parts) == 2 && parts[0] == "views":
		get.SetPathValue("id", parts[1])
		s.viewPage(w, get, p)
	case len(parts) == 1 && parts[0] == "search":
		s.searchPage(w, get, p)
	default:
		get.SetPathValue("queue", "my-work")
		get.URL.Path = "/queues/my-work"
		s.queuePage(w, get, p)
	}
}

type bulkKey struct{}

// bulkFrom returns the bulk form being shown again, if any.
func bulkFrom(ctx context.Context) *bulkForm {
	f, _ := ctx.Value(bulkKey{}).(*bulkForm)
	return f
}
