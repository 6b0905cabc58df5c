package web

import (
	"net/http"
	"time"

	"steward/internal/incident"
	"steward/internal/record"
)

// portalRow is one of my records in a list.
type portalRow struct {
	Number, Title string
	Status        portalStatus
	Updated       portalTime
	Ask           string // what the requester is asked to do, if anything
}

type portalHomeView struct {
	portalPage
	FirstName string
	Attention []portalRow // resolved, or waiting for me
	Open      []portalRow
	More      bool
}

// activeStates are the states a requester still follows: the open ones and
// resolved (which waits for their confirmation).
func portalActiveStates() []string {
	return append(incident.Lifecycle.OpenStates(), incident.Resolved)
}

const portalHomeLimit = 8

func (p *portal) homePage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	me := principal(ctx)
	items, next, err := p.s.Incidents.List(ctx, me, incident.ListInput{
		Filter: record.Filter{RequesterID: me.UserID, States: portalActiveStates()}, Sort: "-updated_at", Limit: portalHomeLimit})
	if err != nil {
		p.failErr(w, r, err)
		return
	}
	view := portalHomeView{portalPage: p.page(r, "Help centre", "home"), FirstName: portalFirstName(me.Name), More: next != ""}
	now := time.Now()
	for _, in := range items {
		row := portalRowOf(in, now)
		switch {
		case in.State == incident.Resolved:
			row.Ask = "Is it fixed? Let us know."
		case in.State == incident.OnHold && in.OnHoldReason == "awaiting_requester":
			row.Ask = "The service desk is waiting for your reply."
		}
		if row.Ask != "" {
			view.Attention = append(view.Attention, row)
			continue
		}
		view.Open = append(view.Open, row)
	}
	p.s.render(w, p.home, http.StatusOK, view)
}

func portalRowOf(in incident.Incident, now time.Time) portalRow {
	return portalRow{Number: in.Number, Title: in.Title, Status: portalStatusOf(in), Updated: portalTimeOf(in.UpdatedAt, now)}
}

func portalFirstName(name string) string {
	for i, r := range name {
		if r == ' ' {
			return name[:i]
		}
	}
	return name
}
