package incident

import (
	"context"
	"fmt"
	"time"

	"steward/internal/auth"
	"steward/internal/platform/db"
	"steward/internal/record"
)

// CloseResolved closes incidents resolved longer ago than the policy's
// auto-close days, up to limit of them, and returns how many it closed.
// Each is its own transaction with a system journal entry and an event;
// the caller runs this under a lease so that one node does it.
func (s *Service) CloseResolved(ctx context.Context, limit int) (int, error) {
	p, err := loadPolicy(ctx, s.DB.Read)
	if err != nil {
		return 0, err
	}
	cutoff := s.Now().Add(-time.Duration(p.AutoCloseDays) * 24 * time.Hour)
	rows, err := s.DB.Read.QueryContext(ctx, `
SELECT number FROM records WHERE type = $1 AND state = $2 AND resolved_at < $3 ORDER BY resolved_at `+db.Limit(limit),
		string(record.TypeIncident), Resolved, cutoff.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("incident: due for closing: %w", err)
	}
	var numbers []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return 0, err
		}
		numbers = append(numbers, n)
	}
	rows.Close()
	closed := 0
	for _, n := range numbers {
		err := s.inTx(ctx, func(tx db.Querier) error {
			old, err := byNumber(ctx, tx, n)
			if err != nil || old.State != Resolved || !old.ResolvedAt.Before(cutoff) {
				return err // changed meanwhile: leave it
			}
			inc := old
			if err := s.move(auth.System, &inc, Resolved, Closed); err != nil {
				return err
			}
			inc.UpdatedAt = s.Now()
			reason := fmt.Sprintf("closed automatically %d days after resolution", p.AutoCloseDays)
			if err := s.save(ctx, tx, auth.System, &old, &inc, map[string]string{"state": reason}); err != nil {
				return err
			}
			closed++
			return nil
		})
		if err != nil {
			return closed, err
		}
	}
	return closed, nil
}
