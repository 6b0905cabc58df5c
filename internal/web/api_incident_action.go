package web

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"steward/internal/incident"
)

type versionedNumber struct {
	Number  string `path:"number" example:"INC0000042" maxLength:"20"`
	IfMatch string `header:"If-Match" doc:"The version you read, e.g. \"3\""`
}

// RoutingRuleOut is a routing rule.
type RoutingRuleOut struct {
	ID         int64     `json:"id"`
	Position   int64     `json:"position"`
	CategoryID int64     `json:"category_id,omitempty"`
	ServiceID  int64     `json:"service_id,omitempty"`
	GroupID    int64     `json:"group_id"`
	CreatedAt  time.Time `json:"created_at"`
}

// PolicyBody is the incident policy.
type PolicyBody struct {
	ReopenWindowDays int `json:"reopen_window_days" minimum:"0" maximum:"365" doc:"A requester's reply within this many days of resolution reopens the incident"`
	AutoCloseDays    int `json:"auto_close_days" minimum:"1" maximum:"365" doc:"A resolved incident closes itself after this many days"`
}

func (s *Server) incidentAction(ctx context.Context, in versionedNumber, act func(version int64) (incident.Incident, error)) (*incidentResponse, error) {
	version, err := parseIfMatch(in.IfMatch)
	if err != nil {
		return nil, apiError(ctx, s.Log, err)
	}
	inc, err := act(version)
	if err != nil {
		return nil, apiError(ctx, s.Log, err)
	}
	return &incidentResponse{ETag: etag(inc.Version), Body: incidentOut(principal(ctx), inc)}, nil
}

func (s *Server) registerIncidentActions(api huma.API) {
	tags := []string{"Incidents"}
	huma.Register(api, huma.Operation{OperationID: "confirm-incident", Method: http.MethodPost, Path: "/api/v1/incidents/{number}/confirm", Tags: tags,
		Summary: "Accept the resolution (closes the incident)", Description: "For the requester (or an agent), with If-Match."},
		func(ctx context.Context, in *versionedNumber) (*incidentResponse, error) {
			return s.incidentAction(ctx, *in, func(v int64) (incident.Incident, error) {
				return s.Incidents.Confirm(ctx, principal(ctx), in.Number, v)
			})
		})
	huma.Register(api, huma.Operation{OperationID: "reopen-incident", Method: http.MethodPost, Path: "/api/v1/incidents/{number}/reopen", Tags: tags,
		Summary: "Reopen a resolved incident", Description: "The comment says why; requesters may reopen within the reopen window."},
		func(ctx context.Context, in *struct {
			versionedNumber
			Body struct {
				Comment string `json:"comment" minLength:"1" maxLength:"32000"`
			}
		}) (*incidentResponse, error) {
			return s.incidentAction(ctx, in.versionedNumber, func(v int64) (incident.Incident, error) {
				return s.Incidents.Reopen(ctx, principal(ctx), in.Number, v, in.Body.Comment)
			})
		})
	huma.Register(api, huma.Operation{OperationID: "cancel-incident", Method: http.MethodPost, Path: "/api/v1/incidents/{number}/cancel", Tags: tags,
		Summary: "Cancel an open incident", Description: "For the requester (or an agent), with a reason and If-Match."},
		func(ctx context.Context, in *struct {
			versionedNumber
			Body struct {
				Reason string `json:"reason" minLength:"1" maxLength:"2000"`
			}
		}) (*incidentResponse, error) {
			return s.incidentAction(ctx, in.versionedNumber, func(v int64) (incident.Incident, error) {
				return s.Incidents.Cancel(ctx, principal(ctx), in.Number, v, in.Body.Reason)
			})
		})
	huma.Register(api, huma.Operation{OperationID: "major-incident", Method: http.MethodPost, Path: "/api/v1/incidents/{number}/major", Tags: tags,
		Summary:     "Propose, approve or reject a major incident",
		Description: "Agents propose (with a reason); managers approve or reject. A manager's proposal is approved at once."},
		func(ctx context.Context, in *struct {
			Number string `path:"number" maxLength:"20"`
			Body   struct {
				Action string `json:"action" enum:"propose,approve,reject"`
				Reason string `json:"reason,omitempty" maxLength:"2000" doc:"Why (required to propose)"`
			}
		}) (*incidentResponse, error) {
			p := principal(ctx)
			var inc incident.Incident
			var err error
			switch in.Body.Action {
			case "propose":
				inc, err = s.Incidents.ProposeMajor(ctx, p, in.Number, in.Body.Reason)
			default:
				inc, err = s.Incidents.DecideMajor(ctx, p, in.Number, in.Body.Action == "approve", in.Body.Reason)
			}
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &incidentResponse{ETag: etag(inc.Version), Body: incidentOut(p, inc)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "add-incident-communication", Method: http.MethodPost, Path: "/api/v1/incidents/{number}/communications", Tags: tags,
		Summary: "Add to a major incident's communications log", DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct {
			Number string `path:"number" maxLength:"20"`
			Body   struct {
				Body string `json:"body" minLength:"1" maxLength:"32000"`
			}
		}) (*entryResponse, error) {
			e, err := s.Incidents.Communicate(ctx, principal(ctx), in.Number, in.Body.Body)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &entryResponse{Body: entryOut(e)}, nil
		})
	s.registerRouting(api)
}

func (s *Server) registerRouting(api huma.API) {
	tags := []string{"Assignment"}
	huma.Register(api, huma.Operation{OperationID: "list-routing-rules", Method: http.MethodGet, Path: "/api/v1/routing-rules", Tags: tags,
		Summary: "List routing rules", Description: "New incidents without a group go to the group of the first rule (by position) matching their category and/or service."},
		func(ctx context.Context, _ *struct{}) (*list[RoutingRuleOut], error) {
			rules, err := s.Incidents.RoutingRules(ctx, principal(ctx))
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			out := &list[RoutingRuleOut]{}
			out.Body.Items = make([]RoutingRuleOut, len(rules))
			for i, r := range rules {
				out.Body.Items[i] = RoutingRuleOut{ID: r.ID, Position: r.Position, CategoryID: r.CategoryID, ServiceID: r.ServiceID, GroupID: r.GroupID, CreatedAt: r.CreatedAt}
			}
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "create-routing-rule", Method: http.MethodPost, Path: "/api/v1/routing-rules", Tags: tags,
		Summary: "Add a routing rule", DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct {
			Body struct {
				Position   int64 `json:"position,omitempty" doc:"Lower positions are tried first"`
				CategoryID int64 `json:"category_id,omitempty" minimum:"1"`
				ServiceID  int64 `json:"service_id,omitempty" minimum:"1"`
				GroupID    int64 `json:"group_id" minimum:"1"`
			}
		}) (*one[RoutingRuleOut], error) {
			b := in.Body
			r, err := s.Incidents.AddRoutingRule(ctx, principal(ctx), incident.RoutingRule{Position: b.Position, CategoryID: b.CategoryID, ServiceID: b.ServiceID, GroupID: b.GroupID})
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &one[RoutingRuleOut]{Body: RoutingRuleOut{ID: r.ID, Position: r.Position, CategoryID: r.CategoryID, ServiceID: r.ServiceID, GroupID: r.GroupID, CreatedAt: r.CreatedAt}}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "delete-routing-rule", Method: http.MethodDelete, Path: "/api/v1/routing-rules/{id}", Tags: tags,
		Summary: "Remove a routing rule", DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *IDPath) (*struct{}, error) {
			return nil, apiError(ctx, s.Log, s.Incidents.DeleteRoutingRule(ctx, principal(ctx), in.ID))
		})
	type modeBody struct {
		Mode string `json:"mode" enum:"manual,round_robin,least_open" doc:"How new work for the group reaches a member (available members only)"`
	}
	huma.Register(api, huma.Operation{OperationID: "get-group-assignment", Method: http.MethodGet, Path: "/api/v1/groups/{id}/assignment", Tags: tags,
		Summary: "Read a group's assignment mode"},
		func(ctx context.Context, in *IDPath) (*struct{ Body modeBody }, error) {
			if _, err := s.Auth.Group(ctx, principal(ctx), in.ID); err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			mode, err := s.Incidents.AssignmentMode(ctx, in.ID)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &struct{ Body modeBody }{Body: modeBody{Mode: mode}}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "set-group-assignment", Method: http.MethodPut, Path: "/api/v1/groups/{id}/assignment", Tags: tags,
		Summary: "Set a group's assignment mode"},
		func(ctx context.Context, in *struct {
			IDPath
			Body modeBody
		}) (*struct{ Body modeBody }, error) {
			if err := s.Incidents.SetAssignmentMode(ctx, principal(ctx), in.ID, in.Body.Mode); err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &struct{ Body modeBody }{Body: in.Body}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-incident-policy", Method: http.MethodGet, Path: "/api/v1/settings/incident-policy", Tags: []string{"Settings"},
		Summary: "Read the incident policy (reopen window, auto-close)"},
		func(ctx context.Context, _ *struct{}) (*struct{ Body PolicyBody }, error) {
			if !principal(ctx).Authenticated() {
				return nil, apiError(ctx, s.Log, errUnauthenticated)
			}
			p, err := s.Incidents.Policy(ctx)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &struct{ Body PolicyBody }{Body: PolicyBody(p)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "set-incident-policy", Method: http.MethodPut, Path: "/api/v1/settings/incident-policy", Tags: []string{"Settings"},
		Summary: "Change the incident policy"},
		func(ctx context.Context, in *struct{ Body PolicyBody }) (*struct{ Body PolicyBody }, error) {
			if err := s.Incidents.SetPolicy(ctx, principal(ctx), incident.Policy(in.Body)); err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &struct{ Body PolicyBody }{Body: in.Body}, nil
		})
}
