package web

import (
	"net/http"
	"strings"
)

// reopenSubmit says the resolution did not work: "No, still broken" sends
// the record back to the service desk with the user's explanation.
func (p *portal) reopenSubmit(w http.ResponseWriter, r *http.Request) {
	version, ok := p.actionForm(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	a := portalAction{field: "reopen", domain: "comment", text: r.PostFormValue("comment")}
	if strings.TrimSpace(a.text) == "" {
		p.showAgain(w, r, http.StatusUnprocessableEntity, func(v *portalShowView) {
			v.Expand, v.Fields = a.field, map[string]string{a.field: "Tell us what is still wrong, so that we can pick it up again."}
		})
		return
	}
	in, err := p.s.Incidents.Reopen(ctx, principal(ctx), r.PathValue("number"), version, a.text)
	if err != nil {
		p.refused(w, r, a, err)
		return
	}
	p.notify(r, "Sorry it's still not right. We've reopened "+in.Number+" and let the service desk know.")
	http.Redirect(w, r, "/portal/incidents/"+in.Number, http.StatusSeeOther)
}
