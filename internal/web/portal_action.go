package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"steward/internal/platform/fault"
)

// portalAction is one of the requester's actions on a record (confirm,
// reopen, cancel): where its text goes on the page if it is refused.
type portalAction struct {
	field  string // the form field of its text, and the panel it is in: "reopen", "cancel" or none
	domain string // the service's name for that field
	text   string // what the user typed
}

// actionForm reads an action's form: the version it was shown, checked
// against the form token. A false return means the answer is sent.
func (p *portal) actionForm(w http.ResponseWriter, r *http.Request) (int64, bool) {
	if err := p.parseForm(w, r); err != nil {
		p.formFailed(w, r, err)
		return 0, false
	}
	if !p.s.checkCSRF(r) {
		p.fail(w, r, http.StatusForbidden)
		return 0, false
	}
	v, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	return v, true
}

// refused shows the record again after the service refused an action: a
// stale version, a rule of the lifecycle or a missing text, keeping what
// the user typed.
func (p *portal) refused(w http.ResponseWriter, r *http.Request, a portalAction, err error) {
	var stale *fault.StaleError
	keep := func(v *portalShowView) {
		v.Expand = a.field
		switch a.field {
		case "reopen":
			v.ReopenText = a.text
		case "cancel":
			v.CancelText = a.text
		}
	}
	switch {
	case errors.As(err, &stale), errors.Is(err, fault.ErrPreconditionRequired):
		p.showAgain(w, r, http.StatusConflict, func(v *portalShowView) {
			keep(v)
			v.Error = "This request was updated while you had it open, so we didn't change anything. " +
				"Here is the latest version: check it and try again if you still need to."
		})
	case errors.Is(err, fault.ErrForbidden):
		p.showAgain(w, r, http.StatusForbidden, func(v *portalShowView) {
			v.Error = "Only the person who reported this request can do that."
		})
	default:
		fields, ok := portalFields(err, map[string]string{a.domain: a.field})
		if !ok {
			p.failErr(w, r, err)
			return
		}
		p.showAgain(w, r, http.StatusUnprocessableEntity, func(v *portalShowView) {
			keep(v)
			v.Fields = map[string]string{}
			if msg, ok := fields[a.field]; ok && a.field != "" {
				v.Fields[a.field] = msg
			}
			if _, ok := fields["state"]; ok {
				v.Error = "That is no longer possible: this request is now " + strings.ToLower(v.Status.Label) + "."
			}
			for _, msg := range fields {
				if len(v.Fields) == 0 && v.Error == "" {
					v.Error = msg
				}
			}
		})
	}
}
