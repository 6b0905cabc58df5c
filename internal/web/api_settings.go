package web

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"steward/internal/auth"
	"steward/internal/platform/audit"
	"steward/internal/platform/db"
	"steward/internal/platform/fault"
	"steward/internal/record"
)

var errUnauthenticated = fault.ErrUnauthenticated

// MatrixBody is the priority matrix: rows are impact high, medium, low;
// columns urgency high, medium, low; cells priorities 1..5.
type MatrixBody struct {
	Matrix [3][3]int `json:"matrix" doc:"matrix[impact][urgency], each 1 (critical) .. 5 (planning)"`
}

// AuditOut is one entry of the admin audit trail.
type AuditOut struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	ActorID  int64     `json:"actor_id,omitempty"`
	Action   string    `json:"action"`
	Entity   string    `json:"entity"`
	EntityID int64     `json:"entity_id,omitempty"`
	Detail   string    `json:"detail" doc:"JSON of what changed"`
}

func (s *Server) registerSettings(api huma.API) {
	tags := []string{"Settings"}
	huma.Register(api, huma.Operation{OperationID: "get-priority-matrix", Method: http.MethodGet, Path: "/api/v1/settings/priority-matrix", Tags: tags,
		Summary: "Read the priority matrix"},
		func(ctx context.Context, _ *struct{}) (*struct{ Body MatrixBody }, error) {
			if err := auth.Require(principal(ctx), auth.CreateRecord); err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			m, err := record.LoadMatrix(ctx, s.DB.Read)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &struct{ Body MatrixBody }{Body: MatrixBody{Matrix: m}}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "set-priority-matrix", Method: http.MethodPut, Path: "/api/v1/settings/priority-matrix", Tags: tags,
		Summary: "Change the priority matrix", Description: "Applies to priorities computed from now on; existing records keep theirs until their impact or urgency changes."},
		func(ctx context.Context, in *struct{ Body MatrixBody }) (*struct{ Body MatrixBody }, error) {
			p := principal(ctx)
			if err := auth.Require(p, auth.ManageSettings); err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			m := record.Matrix(in.Body.Matrix)
			err := s.DB.InTx(ctx, func(tx db.Querier) error {
				if err := record.SaveMatrix(ctx, tx, m); err != nil {
					return err
				}
				return audit.Write(ctx, tx, time.Now(), p.UserID, "settings.priority_matrix", "settings", 0, m)
			})
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &struct{ Body MatrixBody }{Body: MatrixBody{Matrix: m}}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "list-audit", Method: http.MethodGet, Path: "/api/v1/audit", Tags: tags,
		Summary: "Read the admin audit trail", Description: "Newest first. The trail is append-only."},
		func(ctx context.Context, in *struct {
			Before int64 `query:"before" minimum:"0" doc:"Entries older than this id"`
			Limit  int   `query:"limit" minimum:"1" maximum:"200" default:"50"`
		}) (*struct {
			Body struct {
				Items []AuditOut `json:"items"`
			}
		}, error) {
			if err := auth.Require(principal(ctx), auth.ManageSettings); err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			entries, err := audit.List(ctx, s.DB.Read, in.Before, in.Limit)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			out := &struct {
				Body struct {
					Items []AuditOut `json:"items"`
				}
			}{}
			out.Body.Items = make([]AuditOut, len(entries))
			for i, e := range entries {
				out.Body.Items[i] = AuditOut{ID: e.ID, At: e.At, ActorID: e.ActorID, Action: e.Action, Entity: e.Entity, EntityID: e.EntityID, Detail: e.Detail}
			}
			return out, nil
		})
}
