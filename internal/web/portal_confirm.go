package web

import "net/http"

// confirmSubmit accepts the resolution: "Yes, it's fixed" closes the record.
func (p *portal) confirmSubmit(w http.ResponseWriter, r *http.Request) {
	version, ok := p.actionForm(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	in, err := p.s.Incidents.Confirm(ctx, principal(ctx), r.PathValue("number"), version)
	if err != nil {
		p.refused(w, r, portalAction{}, err)
		return
	}
	p.notify(r, "Great, glad it's fixed! We've closed "+in.Number+".")
	http.Redirect(w, r, "/portal/incidents/"+in.Number, http.StatusSeeOther)
}
