package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"steward/internal/auth"
	"steward/internal/incident"
	"steward/internal/platform/fault"
	"steward/internal/record"
)

// Ref is a reference to another entity, as read.
type Ref struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

func ref(id int64, name string) *Ref {
	if id == 0 {
		return nil
	}
	return &Ref{ID: id, Name: name}
}

// TransitionOut is a state the record may move to next.
type TransitionOut struct {
	To       string   `json:"to"`
	Label    string   `json:"label"`
	Requires []string `json:"requires,omitempty"`
}

// IncidentOut is an incident as the API shows it. Agent-only fields are
// absent for requesters.
type IncidentOut struct {
	Number             string          `json:"number" example:"INC0000042"`
	Title              string          `json:"title"`
	Description        string          `json:"description"`
	State              string          `json:"state" enum:"new,in_progress,on_hold,resolved,closed,canceled"`
	Impact             string          `json:"impact" enum:"high,medium,low"`
	Urgency            string          `json:"urgency" enum:"high,medium,low"`
	Priority           int             `json:"priority" minimum:"1" maximum:"5" doc:"1 critical .. 5 planning"`
	PriorityOverridden *bool           `json:"priority_overridden,omitempty" doc:"Agents only: set against the matrix"`
	Category           *Ref            `json:"category"`
	Service            *Ref            `json:"service"`
	CIRef              string          `json:"ci_ref"`
	Requester          *Ref            `json:"requester"`
	Organisation       *Ref            `json:"organisation"`
	AssignmentGroup    *Ref            `json:"assignment_group"`
	Assignee           *Ref            `json:"assignee"`
	OnHoldReason       string          `json:"on_hold_reason"`
	ResolutionCode     string          `json:"resolution_code"`
	ResolutionNotes    string          `json:"resolution_notes"`
	CancelReason       string          `json:"cancel_reason"`
	Major              bool            `json:"major" doc:"An approved major incident"`
	MajorStatus        string          `json:"major_status,omitempty" enum:"proposed,approved,rejected" doc:"Agents only"`
	MajorReason        string          `json:"major_reason,omitempty" doc:"Agents only"`
	FirstContact       *bool           `json:"first_contact_resolution,omitempty" doc:"Agents only: resolved by the first assignee, never reassigned nor reopened"`
	ResolutionSeconds  *int64          `json:"resolution_seconds,omitempty" doc:"Agents only: opened to resolved"`
	ReopenCount        *int64          `json:"reopen_count,omitempty" doc:"Agents only"`
	ReassignmentCount  *int64          `json:"reassignment_count,omitempty" doc:"Agents only"`
	FirstResponseAt    *time.Time      `json:"first_response_at,omitempty" doc:"Agents only"`
	OpenedAt           time.Time       `json:"opened_at"`
	UpdatedAt          time.Time       `json:"updated_at"`
	ResolvedAt         *time.Time      `json:"resolved_at"`
	ClosedAt           *time.Time      `json:"closed_at"`
	Version            int64           `json:"version"`
	Watchers           []Ref           `json:"watchers,omitempty" doc:"Agents only; in single reads"`
	Transitions        []TransitionOut `json:"transitions,omitempty" doc:"Agents only; the states it may move to next"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func incidentOut(p auth.Principal, in incident.Incident) IncidentOut {
	o := IncidentOut{
		Number: in.Number, Title: in.Title, Description: in.Description, State: in.State,
		Impact: in.Impact.String(), Urgency: in.Urgency.String(), Priority: in.Priority,
		Category: ref(in.CategoryID, in.Names.Category), Service: ref(in.ServiceID, in.Names.Service), CIRef: in.CIRef,
		Requester: ref(in.RequesterID, in.Names.Requester), Organisation: ref(in.OrganisationID, in.Names.Organisation),
		AssignmentGroup: ref(in.AssignmentGroupID, in.Names.AssignmentGroup), Assignee: ref(in.AssigneeID, in.Names.Assignee),
		OnHoldReason: in.OnHoldReason, ResolutionCode: in.ResolutionCode, ResolutionNotes: in.ResolutionNotes,
		CancelReason: in.CancelReason, Major: in.Major, OpenedAt: in.OpenedAt, UpdatedAt: in.UpdatedAt,
		ResolvedAt: timePtr(in.ResolvedAt), ClosedAt: timePtr(in.ClosedAt), Version: in.Version,
	}
	if auth.Can(p, auth.ReadWorkNotes) {
		o.PriorityOverridden = &in.PriorityOverridden
		o.ReassignmentCount = &in.ReassignmentCount
		o.MajorStatus, o.MajorReason = in.MajorStatus, in.MajorReason
		o.ReopenCount = &in.ReopenCount
		if !in.ResolvedAt.IsZero() {
			secs := int64(in.ResolutionTime.Seconds())
			o.FirstContact, o.ResolutionSeconds = &in.FirstContactResolution, &secs
		}
		o.FirstResponseAt = timePtr(in.FirstResponseAt)
		for _, w := range in.Watchers {
			o.Watchers = append(o.Watchers, Ref{ID: w.UserID, Name: w.Name})
		}
		for _, t := range incident.Lifecycle.Next(in.State) {
			o.Transitions = append(o.Transitions, TransitionOut{To: t.To, Label: t.Label, Requires: t.Requires})
		}
	}
	return o
}

// IncidentCreate is the body of POST /api/v1/incidents.
type IncidentCreate struct {
	Title             string `json:"title" minLength:"1" maxLength:"200"`
	Description       string `json:"description,omitempty" maxLength:"32000"`
	Impact            string `json:"impact,omitempty" enum:"high,medium,low" doc:"Default medium"`
	Urgency           string `json:"urgency,omitempty" enum:"high,medium,low" doc:"Default medium"`
	Priority          int    `json:"priority,omitempty" minimum:"1" maximum:"5" doc:"Agents: override the matrix (needs priority_reason)"`
	PriorityReason    string `json:"priority_reason,omitempty" maxLength:"2000"`
	CategoryID        int64  `json:"category_id,omitempty" minimum:"1"`
	ServiceID         int64  `json:"service_id,omitempty" minimum:"1"`
	CIRef             string `json:"ci_ref,omitempty" maxLength:"200" doc:"Affected configuration item (free text until the CMDB)"`
	RequesterID       int64  `json:"requester_id,omitempty" minimum:"1" doc:"Agents: report for someone else. Default: the caller"`
	OrganisationID    int64  `json:"organisation_id,omitempty" minimum:"1"`
	AssignmentGroupID int64  `json:"assignment_group_id,omitempty" minimum:"1"`
	AssigneeID        int64  `json:"assignee_id,omitempty" minimum:"1"`
}

// IncidentPatch is the body of PATCH /api/v1/incidents/{number}: only the
// fields to change. A reference set to 0 is cleared.
type IncidentPatch struct {
	Title             *string `json:"title,omitempty" minLength:"1" maxLength:"200"`
	Description       *string `json:"description,omitempty" maxLength:"32000"`
	State             *string `json:"state,omitempty" enum:"new,in_progress,on_hold,resolved,closed,canceled"`
	Impact            *string `json:"impact,omitempty" enum:"high,medium,low"`
	Urgency           *string `json:"urgency,omitempty" enum:"high,medium,low"`
	Priority          *int    `json:"priority,omitempty" minimum:"1" maximum:"5" doc:"Override the matrix (needs priority_reason)"`
	PriorityReason    *string `json:"priority_reason,omitempty" maxLength:"2000"`
	CategoryID        *int64  `json:"category_id,omitempty" minimum:"0"`
	ServiceID         *int64  `json:"service_id,omitempty" minimum:"0"`
	CIRef             *string `json:"ci_ref,omitempty" maxLength:"200"`
	RequesterID       *int64  `json:"requester_id,omitempty" minimum:"1"`
	OrganisationID    *int64  `json:"organisation_id,omitempty" minimum:"0"`
	AssignmentGroupID *int64  `json:"assignment_group_id,omitempty" minimum:"0"`
	AssigneeID        *int64  `json:"assignee_id,omitempty" minimum:"0"`
	OnHoldReason      *string `json:"on_hold_reason,omitempty" enum:"awaiting_requester,awaiting_change,awaiting_vendor,awaiting_problem"`
	ResolutionCode    *string `json:"resolution_code,omitempty" enum:"solved,workaround,not_reproducible,duplicate,user_error,no_action_needed"`
	ResolutionNotes   *string `json:"resolution_notes,omitempty" maxLength:"32000"`
	CancelReason      *string `json:"cancel_reason,omitempty" maxLength:"2000"`
}

func levelPtr(s *string) *record.Level {
	if s == nil {
		return nil
	}
	l, _ := record.ParseLevel(*s)
	return &l
}

func (b IncidentPatch) patch() incident.Patch {
	return incident.Patch{
		Title: b.Title, Description: b.Description, State: b.State, Impact: levelPtr(b.Impact), Urgency: levelPtr(b.Urgency),
		Priority: b.Priority, PriorityReason: b.PriorityReason, CategoryID: b.CategoryID, ServiceID: b.ServiceID,
		CIRef: b.CIRef, RequesterID: b.RequesterID, OrganisationID: b.OrganisationID,
		AssignmentGroupID: b.AssignmentGroupID, AssigneeID: b.AssigneeID, OnHoldReason: b.OnHoldReason,
		ResolutionCode: b.ResolutionCode, ResolutionNotes: b.ResolutionNotes, CancelReason: b.CancelReason,
	}
}

type NumberPath struct {
	Number string `path:"number" example:"INC0000042" maxLength:"20"`
}

type incidentResponse struct {
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Body     IncidentOut
}

type incidentList struct {
	Body struct {
		Items      []IncidentOut `json:"items"`
		NextCursor string        `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last page"`
	}
}

type listIncidentsInput struct {
	State           []string `query:"state" doc:"Comma-separated states; 'open' for every open state"`
	AssignmentGroup string   `query:"assignment_group" doc:"Group id, or 'none' for unassigned"`
	Assignee        string   `query:"assignee" doc:"User id, 'me', or 'none' for unassigned"`
	Requester       string   `query:"requester" doc:"User id or 'me'"`
	Priority        []int    `query:"priority" doc:"Comma-separated priorities 1..5"`
	Q               string   `query:"q" maxLength:"200" doc:"Full-text search in title and description: every word must match, whole (stemmed: printers finds printer); end a word with * to match its beginning (print*)"`
	Major           string   `query:"major" enum:"true,false," doc:"true: only major incidents (approved or proposed); false: none"`
	Sort            string   `query:"sort" maxLength:"100" doc:"Fields number, priority, opened_at, updated_at, due; '-' for descending; default -updated_at, or -number (newest first) with q" example:"-priority,opened_at"`
	Cursor          string   `query:"cursor" maxLength:"512"`
	Limit           int      `query:"limit" minimum:"1" maximum:"200" default:"50"`
}

// refParam reads a reference filter: an id, "none" or "me".
func refParam(field, v string, me int64) (int64, error) {
	switch v {
	case "":
		return 0, nil
	case "none":
		return record.Unassigned, nil
	case "me":
		return me, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, fault.Invalid(field, "must be an id, 'me' or 'none'")
	}
	return id, nil
}

func (in *listIncidentsInput) filter(p auth.Principal) (record.Filter, error) {
	var f record.Filter
	v := &fault.ValidationError{}
	if len(in.State) == 1 && in.State[0] == "open" {
		f.Active = true // the same rows as the open states, read in index order
	} else {
		for _, st := range in.State {
			if st == "open" {
				f.States = append(f.States, incident.Lifecycle.OpenStates()...)
				continue
			}
			f.States = append(f.States, st)
		}
	}
	for _, pr := range in.Priority {
		if pr < 1 || pr > 5 {
			v.Add("priority", "must be from 1 to 5")
		}
	}
	f.Priorities = in.Priority
	var err error
	if f.AssignmentGroupID, err = refParam("assignment_group", in.AssignmentGroup, 0); err != nil || f.AssignmentGroupID == 0 && in.AssignmentGroup == "me" {
		v.Add("assignment_group", "must be a group id or 'none'")
	}
	if f.AssigneeID, err = refParam("assignee", in.Assignee, p.UserID); err != nil {
		v.Add("assignee", "must be a user id, 'me' or 'none'")
	}
	if f.RequesterID, err = refParam("requester", in.Requester, p.UserID); err != nil || f.RequesterID == record.Unassigned {
		v.Add("requester", "must be a user id or 'me'")
	}
	f.Query = in.Q
	return f, v.Err()
}

func (s *Server) registerIncidents(api huma.API) {
	tags := []string{"Incidents"}
	huma.Register(api, huma.Operation{
		OperationID: "create-incident", Method: http.MethodPost, Path: "/api/v1/incidents", Tags: tags,
		Summary: "Report an incident", DefaultStatus: http.StatusCreated, MaxBodyBytes: 256 << 10,
		Description: "Priority is derived from impact and urgency through the priority matrix. " +
			"Send Idempotency-Key to make a retried create return the first result.",
	}, func(ctx context.Context, in *struct {
		IdempotencyKey string `header:"Idempotency-Key" maxLength:"200"`
		Body           IncidentCreate
	}) (*incidentResponse, error) {
		p := principal(ctx)
		b := in.Body
		imp, _ := record.ParseLevel(b.Impact)
		urg, _ := record.ParseLevel(b.Urgency)
		inc, _, err := s.Incidents.Create(ctx, p, incident.NewIncident{
			Title: b.Title, Description: b.Description, Impact: imp, Urgency: urg, Priority: b.Priority,
			PriorityReason: b.PriorityReason, CategoryID: b.CategoryID, ServiceID: b.ServiceID, CIRef: b.CIRef,
			RequesterID: b.RequesterID, OrganisationID: b.OrganisationID, AssignmentGroupID: b.AssignmentGroupID,
			AssigneeID: b.AssigneeID, IdempotencyKey: in.IdempotencyKey,
		})
		if err != nil {
			return nil, apiError(ctx, s.Log, err)
		}
		return &incidentResponse{ETag: etag(inc.Version), Location: "/api/v1/incidents/" + inc.Number, Body: incidentOut(p, inc)}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-incident", Method: http.MethodGet, Path: "/api/v1/incidents/{number}", Tags: tags,
		Summary: "Read an incident",
	}, func(ctx context.Context, in *NumberPath) (*incidentResponse, error) {
		p := principal(ctx)
		inc, err := s.Incidents.Get(ctx, p, in.Number)
		if err != nil {
			return nil, apiError(ctx, s.Log, err)
		}
		return &incidentResponse{ETag: etag(inc.Version), Body: incidentOut(p, inc)}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "update-incident", Method: http.MethodPatch, Path: "/api/v1/incidents/{number}", Tags: tags,
		Summary: "Change an incident", MaxBodyBytes: 256 << 10,
		Description: "Send only the fields to change, with If-Match set to the version (ETag) you read. " +
			"A stale version is refused with 412 and the current version; a missing If-Match with 428. " +
			"State moves follow the incident lifecycle and ask for their required fields.",
	}, func(ctx context.Context, in *struct {
		NumberPath
		IfMatch string `header:"If-Match" doc:"The version you read, e.g. \"3\""`
		Body    IncidentPatch
	}) (*incidentResponse, error) {
		p := principal(ctx)
		version, err := parseIfMatch(in.IfMatch)
		if err != nil {
			return nil, apiError(ctx, s.Log, err)
		}
		inc, err := s.Incidents.Update(ctx, p, in.Number, version, in.Body.patch())
		if err != nil {
			return nil, apiError(ctx, s.Log, err)
		}
		return &incidentResponse{ETag: etag(inc.Version), Body: incidentOut(p, inc)}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-incidents", Method: http.MethodGet, Path: "/api/v1/incidents", Tags: tags,
		Summary: "List incidents", Description: "Keyset-paginated: follow next_cursor. Requesters see only their own and watched records.",
	}, func(ctx context.Context, in *listIncidentsInput) (*incidentList, error) {
		p := principal(ctx)
		f, err := in.filter(p)
		if err != nil {
			return nil, apiError(ctx, s.Log, err)
		}
		var major *bool
		if in.Major != "" {
			m := in.Major == "true"
			major = &m
		}
		items, next, err := s.Incidents.List(ctx, p, incident.ListInput{Filter: f, Sort: in.Sort, Cursor: in.Cursor, Limit: in.Limit, Major: major})
		if err != nil {
			return nil, apiError(ctx, s.Log, err)
		}
		out := &incidentList{}
		out.Body.Items = make([]IncidentOut, len(items))
		for i, inc := range items {
			out.Body.Items[i] = incidentOut(p, inc)
		}
		out.Body.NextCursor = next
		return out, nil
	})
}

func normaliseNumber(n string) string { return strings.ToUpper(strings.TrimSpace(n)) }
