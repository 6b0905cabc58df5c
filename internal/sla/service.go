package sla

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"steward/internal/auth"
	"steward/internal/platform/audit"
	"steward/internal/platform/db"
	"steward/internal/platform/fault"
)

// Service runs the service level use cases.
type Service struct {
	DB  *db.DB
	Now func() time.Time

	mu        sync.Mutex
	calendars map[int64]cachedCalendar
}

// NewService returns a Service on d using the wall clock.
func NewService(d *db.DB) *Service {
	return &Service{DB: d, Now: func() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }}
}

// DefinitionInput creates or changes a definition.
type DefinitionInput struct {
	Name     string
	Position int64
	Active   bool
	Spec     Spec
}

// CreateDefinition stores a new definition as its version 1.
func (s *Service) CreateDefinition(ctx context.Context, actor auth.Principal, in DefinitionInput) (Definition, error) {
	if err := auth.Require(actor, auth.ManageSLAs); err != nil {
		return Definition{}, err
	}
	in.Name = strings.TrimSpace(in.Name)
	now := s.Now()
	var id int64
	err := s.DB.InTx(ctx, func(tx db.Querier) error {
		if _, err := validate(ctx, tx, in.Name, in.Spec); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `
INSERT INTO sla_definitions (name, position, active, current_version, created_at, updated_at)
VALUES ($1, $2, $3, 0, $4, $4) RETURNING id`, in.Name, in.Position, in.Active, now.UnixMilli()).Scan(&id)
		if db.IsUniqueViolation(err) {
			return fault.Invalid("name", "a service level with this name already exists")
		}
		if err != nil {
			return fmt.Errorf("sla: create definition: %w", err)
		}
		if _, err := insertVersion(ctx, tx, id, 1, in.Spec, actor.UserID, now); err != nil {
			return err
		}
		return audit.Write(ctx, tx, now, actor.UserID, "sla.create", "sla_definition", id, in)
	})
	if err != nil {
		return Definition{}, err
	}
	return definitionByID(ctx, s.DB.Read, id)
}

// UpdateDefinition stores in as the definition's next version. Running
// timers keep the version they started with; history is never rewritten.
func (s *Service) UpdateDefinition(ctx context.Context, actor auth.Principal, id int64, in DefinitionInput) (Definition, error) {
	if err := auth.Require(actor, auth.ManageSLAs); err != nil {
		return Definition{}, err
	}
	in.Name = strings.TrimSpace(in.Name)
	now := s.Now()
	err := s.DB.InTx(ctx, func(tx db.Querier) error {
		cur, err := definitionByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := validate(ctx, tx, in.Name, in.Spec); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE sla_definitions SET name = $2, position = $3, active = $4 WHERE id = $1`,
			id, in.Name, in.Position, in.Active)
		if db.IsUniqueViolation(err) {
			return fault.Invalid("name", "a service level with this name already exists")
		}
		if err != nil {
			return fmt.Errorf("sla: update definition: %w", err)
		}
		if _, err := insertVersion(ctx, tx, id, cur.Version+1, in.Spec, actor.UserID, now); err != nil {
			return err
		}
		return audit.Write(ctx, tx, now, actor.UserID, "sla.update", "sla_definition", id, in)
	})
	if err != nil {
		return Definition{}, err
	}
	return definitionByID(ctx, s.DB.Read, id)
}

// Definition returns a definition at its current version.
func (s *Service) Definition(ctx context.Context, actor auth.Principal, id int64) (Definition, error) {
	if err := auth.Require(actor, auth.ReadDirectory); err != nil {
		return Definition{}, err
	}
	return definitionByID(ctx, s.DB.Read, id)
}

// Versions returns a definition's history, newest first.
func (s *Service) Versions(ctx context.Context, actor auth.Principal, id int64) ([]Version, error) {
	if err := auth.Require(actor, auth.ReadDirectory); err != nil {
		return nil, err
	}
	if _, err := definitionByID(ctx, s.DB.Read, id); err != nil {
		return nil, err
	}
	return versionsOf(ctx, s.DB.Read, id)
}

// Definitions lists every definition in the order they are tried.
func (s *Service) Definitions(ctx context.Context, actor auth.Principal) ([]Definition, error) {
	if err := auth.Require(actor, auth.ReadDirectory); err != nil {
		return nil, err
	}
	return listDefinitions(ctx, s.DB.Read, "")
}
