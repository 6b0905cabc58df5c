package web

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"steward/internal/incident"
	"steward/internal/platform/fault"
	"steward/internal/record"
)

type portalListView struct {
	portalPage
	Closed    bool // the Closed tab, else Open
	Rows      []portalRow
	Next      string // URL of the next page, if any
	FirstPage string // URL of the first page, when not on it
	Error     string
}

const portalListLimit = 20

// listPage lists my records, open or closed, newest update first, a page
// at a time (keyset: the cursor is the service's signed one).
func (p *portal) listPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	me := principal(ctx)
	q := r.URL.Query()
	closed := q.Get("show") == "closed"
	states := portalActiveStates()
	tab := "/portal/incidents"
	if closed {
		states = []string{incident.Closed, incident.Canceled}
		tab += "?show=closed"
	}
	view := portalListView{portalPage: p.page(r, "My requests", "list"), Closed: closed}
	cursor := q.Get("after")
	if cursor != "" {
		view.FirstPage = tab
	}
	status := http.StatusOK
	items, next, err := p.s.Incidents.List(ctx, me, incident.ListInput{
		Filter: record.Filter{RequesterID: me.UserID, States: states}, Sort: "-updated_at", Cursor: cursor, Limit: portalListLimit})
	var invalid *fault.ValidationError
	if errors.As(err, &invalid) { // a tampered or outdated page link
		view.Error, status = "That page link is out of date. Here is the first page instead.", http.StatusBadRequest
		view.FirstPage = ""
		items, next, err = p.s.Incidents.List(ctx, me, incident.ListInput{
			Filter: record.Filter{RequesterID: me.UserID, States: states}, Sort: "-updated_at", Limit: portalListLimit})
	}
	if err != nil {
		p.failErr(w, r, err)
		return
	}
	now := time.Now()
	for _, in := range items {
		view.Rows = append(view.Rows, portalRowOf(in, now))
	}
	if next != "" {
		v := url.Values{"after": {next}}
		if closed {
			v.Set("show", "closed")
		}
		view.Next = "/portal/incidents?" + v.Encode()
	}
	p.s.render(w, p.list, status, view)
}
