package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"time"

	"steward/internal/auth"
	"steward/internal/incident"
	"steward/internal/record"
)

// incidentView is the incident page: header, the field form, state
// actions, the timeline, attachments and related records. Each form's
// typed values and errors are kept when it is shown again.
type incidentView struct {
	shell
	Inc       incident.Incident
	StateName string
	Open      bool
	Resolved  bool
	Version   int64
	LastEntry int64

	Form   map[string]string // the field form, as stored or as typed
	Errors map[string]string
	// Stale is set when a save or action was refused because the record had
	// changed: what others did since, and per field the value now.
	Stale      []timelineItem
	StaleNow   map[string]string // field -> its value now
	StaleBy    map[string]string // field -> who changed it
	StaleError string

	Transitions []transitionView
	Action      actionForm

	Timeline     []timelineItem
	Comms        []timelineItem
	Attachments  []record.Attachment
	Links        []record.Link
	LinkKinds    []option
	Link         map[string]string
	LinkErrors   map[string]string
	Comment      commentForm
	UploadError  string
	MaxUpload    int64
	Major        majorForm
	CanDecide    bool
	Choices      directoryOptions
	Sel          formSelects
	Levels       []option
	OnHold       []option
	Resolutions  []option
	AssignedToMe bool
	SLA          []timerView
	Due          slaBadge // the countdown to the earliest running timer
}

// transitionView is a state action: a button, and the fields it needs.
type transitionView struct {
	To, Label string
	Requires  []string
	Primary   bool
}

// actionForm is a state action as the agent filled it in.
type actionForm struct {
	To     string
	Values map[string]string
	Errors map[string]string
}

type commentForm struct {
	Kind, Body, Error string
}

type majorForm struct {
	Reason, Note, Error, Body, CommError string
}

var levelOptions = []option{{"high", "High"}, {"medium", "Medium"}, {"low", "Low"}}

// linkKinds are the relations an agent may add, read from this record.
var linkKinds = []option{
	{"related_to", "Related to"}, {"parent_of", "Parent of"}, {"child_of", "Child of"},
	{"caused_by", "Caused by"}, {"causes", "Causes"}, {"duplicate_of", "Duplicate of"},
	{"duplicated_by", "Duplicated by"}, {"fixed_by", "Fixed by"}, {"fixes", "Fixes"},
}

// maxTimeline bounds the entries the page shows (the newest).
const maxTimeline = 200

func idString(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// formOf is the field form filled from the stored incident.
func formOf(in incident.Incident) map[string]string {
	return map[string]string{
		"title": in.Title, "description": in.Description, "impact": in.Impact.String(), "urgency": in.Urgency.String(),
		"category": idString(in.CategoryID), "service": idString(in.ServiceID), "ci_ref": in.CIRef,
		"group": idString(in.AssignmentGroupID), "assignee": idString(in.AssigneeID),
	}
}

// loadIncident builds the page for number as p sees it now.
func (s *Server) loadIncident(r *http.Request, p auth.Principal, number string) (incidentView, error) {
	ctx := r.Context()
	in, err := s.Incidents.Get(ctx, p, number)
	if err != nil {
		return incidentView{}, err
	}
	v := incidentView{Inc: in, StateName: stateLabel(in.State), Version: in.Version, Form: formOf(in),
		Errors: map[string]string{}, Levels: levelOptions, LinkKinds: linkKinds, MaxUpload: s.Config.MaxAttachment,
		OnHold: codeOptions(incident.OnHoldReasons), Resolutions: codeOptions(incident.ResolutionCodes),
		Comment: commentForm{Kind: "work_note"}, AssignedToMe: in.AssigneeID == p.UserID,
		CanDecide: auth.Can(p, auth.ApproveMajor)}
	st, _ := incident.Lifecycle.State(in.State)
	v.Open, v.Resolved = st.Open, st.Resolved
	for i, t := range incident.Lifecycle.Next(in.State) {
		v.Transitions = append(v.Transitions, transitionView{To: t.To, Label: t.Label, Requires: t.Requires, Primary: i == 0})
	}
	if v.Choices, err = s.directoryChoices(ctx, p, true); err != nil {
		return v, err
	}
	if err := s.loadParts(ctx, p, &v); err != nil {
		return v, err
	}
	now := time.Now().UTC()
	readings, err := s.timerReadings(ctx, p, in.ID, now)
	if err != nil {
		return v, err
	}
	v.SLA, v.Due = timerViews(readings, now), dueBadge(in.SLADueAt, now)
	v.shell = s.shell(r, p, in.Number+" "+in.Title, "")
	v.Page = "incident"
	return v, nil
}

// loadParts reads the journal, attachments and links.
func (s *Server) loadParts(ctx context.Context, p auth.Principal, v *incidentView) error {
	entries, err := s.journalTail(ctx, p, v.Inc.Number)
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		v.LastEntry = entries[len(entries)-1].ID
	}
	items := s.namer(ctx, p, v.Choices).timeline(entries)
	for _, it := range items {
		if it.Kind == string(record.Communication) {
			v.Comms = append(v.Comms, it)
		}
	}
	if len(items) > maxTimeline {
		items = items[:maxTimeline]
	}
	v.Timeline = items
	if v.Attachments, err = s.Incidents.Attachments(ctx, p, v.Inc.Number); err != nil {
		return err
	}
	v.Links, err = s.Incidents.Links(ctx, p, v.Inc.Number)
	return err
}

// journalTail reads the incident's journal and keeps its newest entries
// (a long-lived major incident may have thousands).
func (s *Server) journalTail(ctx context.Context, p auth.Principal, number string) ([]record.Entry, error) {
	const chunk = 500
	var tail []record.Entry
	var after int64
	for {
		entries, err := s.Incidents.Journal(ctx, p, number, after, chunk)
		if err != nil {
			return nil, err
		}
		tail = append(tail, entries...)
		if len(tail) > 2*maxTimeline {
			tail = slices.Clone(tail[len(tail)-2*maxTimeline:])
		}
		if len(entries) < chunk {
			return tail, nil
		}
		after = entries[len(entries)-1].ID
	}
}

func (s *Server) incidentPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	number := normaliseNumber(r.PathValue("number"))
	if number != r.PathValue("number") {
		http.Redirect(w, r, "/incidents/"+number, http.StatusMovedPermanently)
		return
	}
	v, err := s.loadIncident(r, p, number)
	if err != nil {
		s.wsError(w, r, p, err)
		return
	}
	v.Sel = selectsFor(v.Form, v.Choices)
	s.render(w, s.ws.incident, http.StatusOK, v)
}

// showIncident renders the page again after a refused form, with status.
func (s *Server) showIncident(w http.ResponseWriter, r *http.Request, p auth.Principal, status int, edit func(*incidentView)) {
	v, err := s.loadIncident(r, p, normaliseNumber(r.PathValue("number")))
	if err != nil {
		s.wsError(w, r, p, err)
		return
	}
	edit(&v)
	v.Sel = selectsFor(v.Form, v.Choices)
	s.render(w, s.ws.incident, status, v)
}

// staleSince fills the page's stale notice: what changed after entry
// lastEntry (the newest the agent had seen), and the current value of each
// field that changed.
func (s *Server) staleSince(ctx context.Context, p auth.Principal, v *incidentView, lastEntry int64) {
	entries, err := s.Incidents.Journal(ctx, p, v.Inc.Number, lastEntry, 100)
	if err != nil {
		s.Log.ErrorContext(ctx, "stale journal", "err", err)
	}
	v.Stale = s.namer(ctx, p, v.Choices).timeline(entries)
	now := formOf(v.Inc)
	v.StaleNow, v.StaleBy = map[string]string{}, map[string]string{}
	n := s.namer(ctx, p, v.Choices)
	for _, e := range entries {
		if key, ok := formField[e.Field]; ok && e.Kind == record.FieldChange {
			v.StaleBy[key] = e.ActorName
			v.StaleNow[key] = n.value(e.Field, now[key])
			if v.StaleNow[key] == "" {
				v.StaleNow[key] = "(empty)"
			}
		}
	}
}

// formField maps journal field names to the field form's names.
var formField = map[string]string{
	"title": "title", "description": "description", "impact": "impact", "urgency": "urgency",
	"category_id": "category", "service_id": "service", "ci_ref": "ci_ref",
	"assignment_group_id": "group", "assignee_id": "assignee",
}

// postedInt64 reads a positive integer form field (0 when absent).
func postedInt64(r *http.Request, key string) int64 {
	n, err := strconv.ParseInt(r.PostFormValue(key), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// fieldCtx is one input of the field form, for the templates.
type fieldCtx struct {
	Key, Label, Error, Now, By string
}

func fieldOf(v incidentView, key, label string) fieldCtx {
	return fieldCtx{Key: key, Label: label, Error: v.Errors[key], Now: v.StaleNow[key], By: v.StaleBy[key]}
}

// formSelects are an incident form's selects with the current choice.
type formSelects struct {
	Impact, Urgency, Category, Service, Group, Assignee []choice
}

func selectsFor(form map[string]string, d directoryOptions) formSelects {
	return formSelects{
		Impact: choices(levelOptions, form["impact"]), Urgency: choices(levelOptions, form["urgency"]),
		Category: choices(d.Categories, form["category"]), Service: choices(d.Services, form["service"]),
		Group: choices(d.Groups, form["group"]), Assignee: choices(d.Agents, form["assignee"]),
	}
}
