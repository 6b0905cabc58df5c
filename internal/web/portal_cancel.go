package web

import (
	"net/http"
	"strings"
)

// cancelSubmit withdraws an open request the user no longer needs.
func (p *portal) cancelSubmit(w http.ResponseWriter, r *http.Request) {
	version, ok := p.actionForm(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	a := portalAction{field: "cancel", domain: "cancel_reason", text: r.PostFormValue("reason")}
	if strings.TrimSpace(a.text) == "" {
		p.showAgain(w, r, http.StatusUnprocessableEntity, func(v *portalShowView) {
			v.Expand, v.Fields = a.field, map[string]string{a.field: "Tell us briefly why you no longer need this."}
		})
		return
	}
	in, err := p.s.Incidents.Cancel(ctx, principal(ctx), r.PathValue("number"), version, a.text)
	if err != nil {
		p.refused(w, r, a, err)
		return
	}
	p.notify(r, "Your request "+in.Number+" has been canceled.")
	http.Redirect(w, r, "/portal/incidents/"+in.Number, http.StatusSeeOther)
}
