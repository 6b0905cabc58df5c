package auth

import (
	"context"
	"fmt"
	"strings"

	"steward/internal/platform/audit"
	"steward/internal/platform/db"
	"steward/internal/platform/fault"
)

// GroupInput is the input for creating or changing an assignment group.
type GroupInput struct {
	Name        string
	Description string
	Email       string
}

func (in *GroupInput) validate() error {
	v := &fault.ValidationError{}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len(in.Name) > 100 {
		v.Add("name", "must be 1 to 100 characters")
	}
	if len(in.Description) > 2000 {
		v.Add("description", "must be at most 2000 characters")
	}
	return v.Err()
}

// CreateGroup creates an assignment group.
func (s *Service) CreateGroup(ctx context.Context, actor Principal, in GroupInput) (Group, error) {
	if err := Require(actor, ManageDirectory); err != nil {
		return Group{}, err
	}
	if err := in.validate(); err != nil {
		return Group{}, err
	}
	now := s.Now()
	g := Group{Name: in.Name, Description: in.Description, Email: in.Email, CreatedAt: now, UpdatedAt: now}
	err := s.DB.InTx(ctx, func(tx db.Querier) error {
		err := tx.QueryRowContext(ctx,
			`INSERT INTO groups (name, description, email, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id`,
			g.Name, g.Description, g.Email, now.UnixMilli()).Scan(&g.ID)
		if db.IsUniqueViolation(err) {
			return fault.Invalid("name", "a group with this name already exists")
		}
		if err != nil {
			return fmt.Errorf("auth: create group: %w", err)
		}
		return audit.Write(ctx, tx, now, actor.UserID, "group.create", "group", g.ID, in)
	})
	return g, err
}

// UpdateGroup changes a group's name, description and email.
func (s *Service) UpdateGroup(ctx context.Context, actor Principal, id int64, in GroupInput) (Group, error) {
	if err := Require(actor, ManageDirectory); err != nil {
		return Group{}, err
	}
	if err := in.validate(); err != nil {
		return Group{}, err
	}
	now := s.Now()
	err := s.DB.InTx(ctx, func(tx db.Querier) error {
		res, err := tx.ExecContext(ctx, `UPDATE groups SET name = $2, description = $3, email = $4, updated_at = $5 WHERE id = $1`,
			id, in.Name, in.Description, in.Email, now.UnixMilli())
		if db.IsUniqueViolation(err) {
			return fault.Invalid("name", "a group with this name already exists")
		}
		if err != nil {
			return fmt.Errorf("auth: update group: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("auth: group %d: %w", id, fault.ErrNotFound)
		}
		return audit.Write(ctx, tx, now, actor.UserID, "group.update", "group", id, in)
	})
	if err != nil {
		return Group{}, err
	}
	return groupByID(ctx, s.DB.Read, id)
}

// SetMember adds a user to a group (or updates their availability).
func (s *Service) SetMember(ctx context.Context, actor Principal, groupID, userID int64, available bool) error {
	if err := Require(actor, ManageDirectory); err != nil {
		return err
	}
	now := s.Now()
	return s.DB.InTx(ctx, func(tx db.Querier) error {
		if _, err := groupByID(ctx, tx, groupID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `
INSERT INTO group_members (group_id, user_id, available) VALUES ($1, $2, $3)
ON CONFLICT (group_id, user_id) DO UPDATE SET available = excluded.available`, groupID, userID, available)
		if db.IsForeignKeyViolation(err) {
			return fault.Invalid("user_id", "no user with id %d", userID)
		}
		if err != nil {
			return fmt.Errorf("auth: add member: %w", err)
		}
		return audit.Write(ctx, tx, now, actor.UserID, "group.member_set", "group", groupID, map[string]any{"user_id": userID, "available": available})
	})
}

// RemoveMember takes a user out of a group.
func (s *Service) RemoveMember(ctx context.Context, actor Principal, groupID, userID int64) error {
	if err := Require(actor, ManageDirectory); err != nil {
		return err
	}
	now := s.Now()
	return s.DB.InTx(ctx, func(tx db.Querier) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM group_members WHERE group_id = $1 AND user_id = $2`, groupID, userID)
		if err != nil {
			return fmt.Errorf("auth: remove member: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("auth: member %d of group %d: %w", userID, groupID, fault.ErrNotFound)
		}
		return audit.Write(ctx, tx, now, actor.UserID, "group.member_remove", "group", groupID, map[string]any{"user_id": userID})
	})
}

// Group returns a group with its members.
func (s *Service) Group(ctx context.Context, actor Principal, id int64) (Group, error) {
	if err := Require(actor, ReadDirectory); err != nil {
		return Group{}, err
	}
	return groupByID(ctx, s.DB.Read, id)
}

// GroupByName finds a group by its name, case-insensitively.
func (s *Service) GroupByName(ctx context.Context, name string) (Group, error) {
	var id int64
	err := s.DB.Read.QueryRowContext(ctx, `SELECT id FROM groups WHERE lower(name) = lower($1)`, strings.TrimSpace(name)).Scan(&id)
	if err != nil {
		return Group{}, fmt.Errorf("auth: group %q: %w", name, fault.ErrNotFound)
	}
	return groupByID(ctx, s.DB.Read, id)
}

// Groups lists groups with id > after.
func (s *Service) Groups(ctx context.Context, actor Principal, after int64, limit int) ([]Group, error) {
	if err := Require(actor, ReadDirectory); err != nil {
		return nil, err
	}
	return listGroups(ctx, s.DB.Read, after, limit)
}
