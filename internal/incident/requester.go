package incident

import (
	"context"
	"fmt"
	"strings"

	"steward/internal/auth"
	"steward/internal/platform/db"
	"steward/internal/platform/fault"
	"steward/internal/record"
)

// The actions a requester takes on their own incident (agents may take them
// too). Each states the version it read, so a stale action is refused.

// ownOrAgent checks actor may act for the incident's requester.
func ownOrAgent(actor auth.Principal, inc *Incident) error {
	if auth.Can(actor, auth.UpdateRecord) || actor.UserID == inc.RequesterID {
		return nil
	}
	return fmt.Errorf("%w: only the requester or an agent may do this", fault.ErrForbidden)
}

// act loads the incident for a requester action, checks the version and
// runs fn on a copy, then saves it; all in one transaction.
func (s *Service) act(ctx context.Context, actor auth.Principal, number string, expect int64, fn func(tx db.Querier, inc *Incident) error) (Incident, error) {
	if expect <= 0 {
		return Incident{}, fault.ErrPreconditionRequired
	}
	var out Incident
	err := s.inTx(ctx, func(tx db.Querier) error {
		old, err := s.visible(ctx, tx, actor, number)
		if err != nil {
			return err
		}
		if err := ownOrAgent(actor, &old); err != nil {
			return err
		}
		if old.Version != expect {
			return &fault.StaleError{Current: old.Version}
		}
		inc := old
		if err := fn(tx, &inc); err != nil {
			return err
		}
		inc.UpdatedAt = s.Now()
		out = inc
		return s.save(ctx, tx, actor, &old, &inc, nil)
	})
	if err != nil {
		return Incident{}, err
	}
	return s.Get(ctx, actor, out.Number)
}

// Confirm accepts the resolution: the incident closes.
func (s *Service) Confirm(ctx context.Context, actor auth.Principal, number string, expect int64) (Incident, error) {
	return s.act(ctx, actor, number, expect, func(tx db.Querier, inc *Incident) error {
		if inc.State != Resolved {
			return fault.Invalid("state", "only a resolved incident can be confirmed")
		}
		return s.move(actor, inc, inc.State, Closed)
	})
}

// Reopen says the resolution did not work: the incident goes back to work
// with the comment. Requesters may reopen within the reopen window.
func (s *Service) Reopen(ctx context.Context, actor auth.Principal, number string, expect int64, comment string) (Incident, error) {
	comment = strings.TrimSpace(comment)
	return s.act(ctx, actor, number, expect, func(tx db.Querier, inc *Incident) error {
		v := &fault.ValidationError{}
		checkText(v, "comment", comment, true, MaxComment)
		if inc.State != Resolved {
			v.Add("state", "only a resolved incident can be reopened")
		}
		if err := v.Err(); err != nil {
			return err
		}
		if !auth.Can(actor, auth.UpdateRecord) {
			p, err := loadPolicy(ctx, tx)
			if err != nil {
				return err
			}
			if s.Now().Sub(inc.ResolvedAt) > p.reopenWindow() {
				return fault.Invalid("comment", "this incident was resolved more than %d days ago; please report a new incident", p.ReopenWindowDays)
			}
		}
		if err := s.addComment(ctx, tx, actor, inc, record.Comment, comment); err != nil {
			return err
		}
		return s.move(actor, inc, inc.State, InProgress)
	})
}

// Cancel withdraws an open incident, with a reason.
func (s *Service) Cancel(ctx context.Context, actor auth.Principal, number string, expect int64, reason string) (Incident, error) {
	reason = strings.TrimSpace(reason)
	return s.act(ctx, actor, number, expect, func(tx db.Querier, inc *Incident) error {
		v := &fault.ValidationError{}
		checkText(v, "cancel_reason", reason, true, MaxReason)
		if st, _ := Lifecycle.State(inc.State); !st.Open {
			v.Add("state", "only an open incident can be canceled")
		}
		if err := v.Err(); err != nil {
			return err
		}
		inc.CancelReason = reason
		return s.move(actor, inc, inc.State, Canceled)
	})
}

// addComment journals a comment inside tx (no version check, no outbox:
// the caller's save writes the event).
func (s *Service) addComment(ctx context.Context, tx db.Querier, actor auth.Principal, inc *Incident, kind record.Kind, body string) error {
	e := record.Entry{RecordID: inc.ID, Kind: kind, ActorID: actor.UserID, At: s.Now(), Body: body}
	return record.Append(ctx, tx, &e)
}
