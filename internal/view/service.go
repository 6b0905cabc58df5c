package view

import (
	"context"
	"fmt"
	"time"

	"steward/internal/auth"
	"steward/internal/platform/db"
	"steward/internal/platform/fault"
)

// Service runs the saved-view use cases.
type Service struct {
	DB  *db.DB
	Now func() time.Time
}

// NewService returns a Service on d using the wall clock.
func NewService(d *db.DB) *Service {
	return &Service{DB: d, Now: func() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }}
}

// Saved views belong to the workspace, so they need what working a queue
// needs.
const useViews = auth.UpdateRecord

// Create saves a new view owned by the actor.
func (s *Service) Create(ctx context.Context, actor auth.Principal, in Input) (View, error) {
	if err := auth.Require(actor, useViews); err != nil {
		return View{}, err
	}
	if err := check(actor, &in); err != nil {
		return View{}, err
	}
	now := s.Now()
	v := View{OwnerID: actor.UserID, GroupID: in.GroupID, Name: in.Name, Filter: in.Filter, Sort: in.Sort,
		Columns: in.Columns, CreatedAt: now, UpdatedAt: now}
	err := s.DB.InTx(ctx, func(tx db.Querier) error { return insert(ctx, tx, &v) })
	if err != nil {
		return View{}, fmt.Errorf("view: create: %w", err)
	}
	return s.Get(ctx, actor, v.ID)
}

// Update changes a view; only its owner may.
func (s *Service) Update(ctx context.Context, actor auth.Principal, id int64, in Input) (View, error) {
	if err := auth.Require(actor, useViews); err != nil {
		return View{}, err
	}
	if err := check(actor, &in); err != nil {
		return View{}, err
	}
	err := s.DB.InTx(ctx, func(tx db.Querier) error {
		if err := s.owned(ctx, tx, actor, id); err != nil {
			return err
		}
		return update(ctx, tx, id, in, s.Now())
	})
	if err != nil {
		return View{}, fmt.Errorf("view: update %d: %w", id, err)
	}
	return s.Get(ctx, actor, id)
}

// Delete removes a view; only its owner may.
func (s *Service) Delete(ctx context.Context, actor auth.Principal, id int64) error {
	if err := auth.Require(actor, useViews); err != nil {
		return err
	}
	err := s.DB.InTx(ctx, func(tx db.Querier) error {
		if err := s.owned(ctx, tx, actor, id); err != nil {
			return err
		}
		return remove(ctx, tx, id)
	})
	if err != nil {
		return fmt.Errorf("view: delete %d: %w", id, err)
	}
	return nil
}

// Get returns a view the actor owns or that is shared with one of their
// groups; any other is not found, so that nobody learns it exists.
func (s *Service) Get(ctx context.Context, actor auth.Principal, id int64) (View, error) {
	if err := auth.Require(actor, useViews); err != nil {
		return View{}, err
	}
	v, err := byID(ctx, s.DB.Read, id)
	if err != nil {
		return View{}, err
	}
	if !visible(actor, v) {
		return View{}, fmt.Errorf("view %d: %w", id, fault.ErrNotFound)
	}
	return v, nil
}

// List returns the actor's own views and those shared with their groups,
// by name.
func (s *Service) List(ctx context.Context, actor auth.Principal) ([]View, error) {
	if err := auth.Require(actor, useViews); err != nil {
		return nil, err
	}
	return list(ctx, s.DB.Read, actor.UserID, actor.Groups, MaxViews)
}

func visible(actor auth.Principal, v View) bool {
	return v.OwnerID == actor.UserID || v.GroupID != 0 && actor.InGroup(v.GroupID)
}

// owned checks that view id exists, is visible to the actor and is theirs.
func (s *Service) owned(ctx context.Context, tx db.Querier, actor auth.Principal, id int64) error {
	v, err := byID(ctx, tx, id)
	if err != nil {
		return err
	}
	if !visible(actor, v) {
		return fmt.Errorf("view %d: %w", id, fault.ErrNotFound)
	}
	if v.OwnerID != actor.UserID {
		return fmt.Errorf("%w: only %s may change the view %q", fault.ErrForbidden, v.OwnerName, v.Name)
	}
	return nil
}

// check validates in and that a shared view goes to one of the actor's
// own groups.
func check(actor auth.Principal, in *Input) error {
	v := &fault.ValidationError{}
	in.validate(v)
	if in.GroupID != 0 && !actor.InGroup(in.GroupID) {
		v.Add("group_id", "you can share a view only with a group you belong to")
	}
	return v.Err()
}
