package web

import (
	"net/http"
	"strings"
	"time"

	"steward/internal/incident"
)

// portalFact is one line of a record's details.
type portalFact struct{ Label, Value string }

// portalFile is an attachment with its download link.
type portalFile struct {
	URL, Name, Size string
	When            portalTime
}

type portalShowView struct {
	portalPage
	Number, Subject string
	Status          portalStatus
	Steps           []portalStep
	Version         int64
	Resolved        bool // waiting for the requester to confirm
	Own             bool // the viewer reported it (or is an agent): may confirm, reopen, cancel
	Active          bool // open: may be canceled
	Final           bool // closed or canceled: no more replies
	Canceled        bool
	Resolution      string // plain-words resolution code
	ResolutionNotes string
	CancelReason    string
	CanReopen       bool   // within the reopen window (agents: always)
	ReopenDays      int    // the window, in days
	ClosesOn        string // when a resolved record closes by itself
	Facts           []portalFact
	Items           []portalItem
	Files           []portalFile
	UploadHint      string

	// After a refused action: what the user typed, and why.
	Comment, ReopenText, CancelText string
	Fields                          map[string]string
	Error                           string
	Expand                          string // "reopen" or "cancel": the panel to show open
}

func (p *portal) showPage(w http.ResponseWriter, r *http.Request) {
	p.showAgain(w, r, http.StatusOK, nil)
}

// showAgain renders the record page with status; fix, if given, adds what
// a refused action needs to say and keep.
func (p *portal) showAgain(w http.ResponseWriter, r *http.Request, status int, fix func(*portalShowView)) {
	view, err := p.showView(r, r.PathValue("number"))
	if err != nil {
		p.failErr(w, r, err)
		return
	}
	if fix != nil {
		fix(&view)
	}
	p.s.render(w, p.show, status, view)
}

func (p *portal) showView(r *http.Request, number string) (portalShowView, error) {
	ctx := r.Context()
	me := principal(ctx)
	number = strings.ToUpper(number)
	in, err := p.s.Incidents.Get(ctx, me, number)
	if err != nil {
		return portalShowView{}, err
	}
	entries, err := p.s.Incidents.Journal(ctx, me, number, 0, 500)
	if err != nil {
		return portalShowView{}, err
	}
	files, err := p.s.Incidents.Attachments(ctx, me, number)
	if err != nil {
		return portalShowView{}, err
	}
	now := time.Now()
	st := portalStatusOf(in)
	view := portalShowView{portalPage: p.page(r, in.Number+" "+in.Title, "list"), Number: in.Number, Subject: in.Title,
		Status: st, Steps: portalSteps(in, st), Version: in.Version, UploadHint: p.uploadHint(),
		Canceled: in.State == incident.Canceled, Final: in.State == incident.Closed || in.State == incident.Canceled,
		Resolution: portalResolutionWords[in.ResolutionCode], ResolutionNotes: in.ResolutionNotes, CancelReason: in.CancelReason,
		Items: portalTimeline(in, me, entries, now)}
	view.Own = in.RequesterID == me.UserID || view.Agent
	view.Resolved = in.State == incident.Resolved && view.Own
	view.Active = !view.Final && in.State != incident.Resolved && view.Own
	if n := len(view.Items); n > 0 {
		view.Items[n-1].Last = true
	}
	if view.Resolved {
		pol, err := p.s.Incidents.Policy(ctx)
		if err != nil {
			return portalShowView{}, err
		}
		view.ReopenDays = pol.ReopenWindowDays
		view.CanReopen = view.Agent || now.Sub(in.ResolvedAt) <= time.Duration(pol.ReopenWindowDays)*24*time.Hour
		view.ClosesOn = in.ResolvedAt.AddDate(0, 0, pol.AutoCloseDays).UTC().Format("Monday 2 January")
	}
	view.Facts = portalFacts(in, now)
	for _, a := range files {
		view.Files = append(view.Files, portalFile{URL: "/api/v1/attachments/" + itoa64(a.ID), Name: a.Name,
			Size: portalSize(a.Size), When: portalTimeOf(a.CreatedAt, now)})
	}
	return view, nil
}

// portalFacts are the details a requester may read: never priority reasons,
// reassignments, assignees or links; the handling group's name only.
func portalFacts(in incident.Incident, now time.Time) []portalFact {
	out := []portalFact{
		{"Reference", in.Number},
		{"Reported", in.OpenedAt.UTC().Format("2 Jan 2006, 15:04")},
		{"Last update", portalAgo(in.UpdatedAt, now)},
		{"How much it affects you", portalUrgencyWords(in.Urgency.String())},
	}
	if in.Names.Category != "" {
		out = append(out, portalFact{"Category", in.Names.Category})
	}
	if in.Names.Service != "" {
		out = append(out, portalFact{"Service", in.Names.Service})
	}
	if in.Names.AssignmentGroup != "" {
		out = append(out, portalFact{"Handled by", in.Names.AssignmentGroup})
	}
	return out
}
