package incident

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"steward/internal/auth"
	"steward/internal/platform/audit"
	"steward/internal/platform/db"
	"steward/internal/platform/fault"
	"steward/internal/record"
)

// Assignment modes: how work given to a group reaches one of its members.
const (
	AssignManual     = "manual"      // stays with the group until someone takes it
	AssignRoundRobin = "round_robin" // the next available member in turn
	AssignLeastOpen  = "least_open"  // the available member with the least open work
)

// AssignModes lists every mode.
var AssignModes = []string{AssignManual, AssignRoundRobin, AssignLeastOpen}

// RoutingRule sends new incidents of a category and/or service to a group.
type RoutingRule struct {
	ID         int64
	Position   int64
	CategoryID int64
	ServiceID  int64
	GroupID    int64
	CreatedAt  time.Time
}

// MemberSource lists a group's members (the auth practice owns groups).
type MemberSource func(ctx context.Context, groupID int64) ([]auth.Member, error)

// route picks the assignment group of a new incident from the first
// matching rule, when the reporter did not choose one.
func route(ctx context.Context, q db.Querier, r *record.Record) error {
	if r.AssignmentGroupID != 0 || (r.CategoryID == 0 && r.ServiceID == 0) {
		return nil
	}
	err := q.QueryRowContext(ctx, `
SELECT group_id FROM routing_rules
WHERE (category_id IS NULL OR category_id = $1) AND (service_id IS NULL OR service_id = $2)
  AND (category_id IS NOT NULL OR service_id IS NOT NULL)
ORDER BY position, id LIMIT 1`, r.CategoryID, r.ServiceID).Scan(&r.AssignmentGroupID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("incident: route: %w", err)
	}
	return nil
}

// autoAssign picks a member of r's group by the group's assignment mode.
// Only members marked available take new work.
func (s *Service) autoAssign(ctx context.Context, tx db.Querier, r *record.Record) error {
	if r.AssignmentGroupID == 0 || r.AssigneeID != 0 || s.Members == nil {
		return nil
	}
	var mode string
	var last sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT mode, last_user_id FROM group_assignment WHERE group_id = $1`, r.AssignmentGroupID).Scan(&mode, &last)
	if errors.Is(err, sql.ErrNoRows) || mode == AssignManual {
		return nil
	}
	if err != nil {
		return fmt.Errorf("incident: assignment mode: %w", err)
	}
	members, err := s.Members(ctx, r.AssignmentGroupID)
	if err != nil {
		return err
	}
	var ids []int64
	for _, m := range members {
		if m.Available {
			ids = append(ids, m.UserID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	var pick int64
	switch mode {
	case AssignRoundRobin:
		pick = ids[0]
		for _, id := range ids {
			if id > last.Int64 {
				pick = id
				break
			}
		}
	case AssignLeastOpen:
		if pick, err = leastOpen(ctx, tx, ids); err != nil {
			return err
		}
	}
	r.AssigneeID = pick
	_, err = tx.ExecContext(ctx, `UPDATE group_assignment SET last_user_id = $2 WHERE group_id = $1`, r.AssignmentGroupID, pick)
	return err
}

// leastOpen returns the member with the fewest open incidents (lowest id on
// a tie), in one grouped query.
func leastOpen(ctx context.Context, q db.Querier, ids []int64) (int64, error) {
	args := []any{string(record.TypeIncident)}
	var ph []string
	for _, id := range ids {
		args = append(args, id)
		ph = append(ph, fmt.Sprintf("$%d", len(args)))
	}
	var states []string
	for _, st := range Lifecycle.OpenStates() {
		args = append(args, st)
		states = append(states, fmt.Sprintf("$%d", len(args)))
	}
	rows, err := q.QueryContext(ctx, `SELECT assignee_id, count(*) FROM records WHERE type = $1 AND assignee_id IN (`+
		strings.Join(ph, ",")+`) AND state IN (`+strings.Join(states, ",")+`) GROUP BY assignee_id`, args...)
	if err != nil {
		return 0, fmt.Errorf("incident: open work: %w", err)
	}
	defer rows.Close()
	load := map[int64]int64{}
	for rows.Next() {
		var id, n int64
		if err := rows.Scan(&id, &n); err != nil {
			return 0, err
		}
		load[id] = n
	}
	best := ids[0]
	for _, id := range ids[1:] {
		if load[id] < load[best] {
			best = id
		}
	}
	return best, rows.Err()
}

// SetAssignmentMode sets how a group's new work is assigned.
func (s *Service) SetAssignmentMode(ctx context.Context, actor auth.Principal, groupID int64, mode string) error {
	if err := auth.Require(actor, auth.ManageDirectory); err != nil {
		return err
	}
	if !slices.Contains(AssignModes, mode) {
		return fault.Invalid("mode", "must be one of %s", strings.Join(AssignModes, ", "))
	}
	now := s.Now()
	return s.DB.InTx(ctx, func(tx db.Querier) error {
		if ok, err := exists(ctx, tx, "groups", groupID); err != nil || !ok {
			return errors.Join(err, fmt.Errorf("group %d: %w", groupID, fault.ErrNotFound))
		}
		if _, err := tx.ExecContext(ctx, `
INSERT INTO group_assignment (group_id, mode, updated_at) VALUES ($1, $2, $3)
ON CONFLICT (group_id) DO UPDATE SET mode = excluded.mode, updated_at = excluded.updated_at`, groupID, mode, now.UnixMilli()); err != nil {
			return fmt.Errorf("incident: set assignment mode: %w", err)
		}
		return audit.Write(ctx, tx, now, actor.UserID, "group.assignment_mode", "group", groupID, map[string]string{"mode": mode})
	})
}

// AssignmentMode reports a group's assignment mode.
func (s *Service) AssignmentMode(ctx context.Context, groupID int64) (string, error) {
	var mode string
	err := s.DB.Read.QueryRowContext(ctx, `SELECT mode FROM group_assignment WHERE group_id = $1`, groupID).Scan(&mode)
	if errors.Is(err, sql.ErrNoRows) {
		return AssignManual, nil
	}
	return mode, err
}

// RoutingRules lists the rules in the order they are tried.
func (s *Service) RoutingRules(ctx context.Context, actor auth.Principal) ([]RoutingRule, error) {
	if err := auth.Require(actor, auth.ReadDirectory); err != nil {
		return nil, err
	}
	rows, err := s.DB.Read.QueryContext(ctx, `
SELECT id, position, coalesce(category_id, 0), coalesce(service_id, 0), group_id, created_at
FROM routing_rules ORDER BY position, id LIMIT 1000`)
	if err != nil {
		return nil, fmt.Errorf("incident: routing rules: %w", err)
	}
	defer rows.Close()
	var out []RoutingRule
	for rows.Next() {
		var r RoutingRule
		var at int64
		if err := rows.Scan(&r.ID, &r.Position, &r.CategoryID, &r.ServiceID, &r.GroupID, &at); err != nil {
			return nil, err
		}
		r.CreatedAt = time.UnixMilli(at).UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// AddRoutingRule adds a rule; at least a category or a service is needed.
func (s *Service) AddRoutingRule(ctx context.Context, actor auth.Principal, r RoutingRule) (RoutingRule, error) {
	if err := auth.Require(actor, auth.ManageDirectory); err != nil {
		return RoutingRule{}, err
	}
	v := &fault.ValidationError{}
	if r.CategoryID == 0 && r.ServiceID == 0 {
		v.Add("category_id", "a rule needs a category, a service or both")
	}
	if r.GroupID == 0 {
		v.Add("group_id", "is required")
	}
	if err := v.Err(); err != nil {
		return RoutingRule{}, err
	}
	now := s.Now()
	r.CreatedAt = now
	err := s.DB.InTx(ctx, func(tx db.Querier) error {
		for _, ref := range []struct {
			field, table string
			id           int64
		}{{"category_id", "categories", r.CategoryID}, {"service_id", "services", r.ServiceID}, {"group_id", "groups", r.GroupID}} {
			if ref.id == 0 {
				continue
			}
			if ok, err := exists(ctx, tx, ref.table, ref.id); err != nil {
				return err
			} else if !ok {
				v.Add(ref.field, "no such %s: %d", strings.TrimSuffix(ref.field, "_id"), ref.id)
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `
INSERT INTO routing_rules (position, category_id, service_id, group_id, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			r.Position, nullID(r.CategoryID), nullID(r.ServiceID), r.GroupID, now.UnixMilli()).Scan(&r.ID); err != nil {
			return fmt.Errorf("incident: add routing rule: %w", err)
		}
		return audit.Write(ctx, tx, now, actor.UserID, "routing_rule.create", "routing_rule", r.ID, r)
	})
	return r, err
}

// DeleteRoutingRule removes a rule.
func (s *Service) DeleteRoutingRule(ctx context.Context, actor auth.Principal, id int64) error {
	if err := auth.Require(actor, auth.ManageDirectory); err != nil {
		return err
	}
	now := s.Now()
	return s.DB.InTx(ctx, func(tx db.Querier) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM routing_rules WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("incident: delete routing rule: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("routing rule %d: %w", id, fault.ErrNotFound)
		}
		return audit.Write(ctx, tx, now, actor.UserID, "routing_rule.delete", "routing_rule", id, nil)
	})
}
