package incident

import (
	"context"
	"strings"

	"steward/internal/auth"
	"steward/internal/platform/db"
	"steward/internal/platform/fault"
	"steward/internal/platform/outbox"
	"steward/internal/record"
)

// ProposeMajor flags an incident as a major incident. An agent's proposal
// waits for a manager; a manager's is approved at once.
func (s *Service) ProposeMajor(ctx context.Context, actor auth.Principal, number, reason string) (Incident, error) {
	reason = strings.TrimSpace(reason)
	return s.majorChange(ctx, actor, number, auth.UpdateRecord, func(inc *Incident) error {
		v := &fault.ValidationError{}
		checkText(v, "reason", reason, true, MaxReason)
		if inc.Major || inc.MajorStatus == MajorProposed {
			v.Add("major", "is already %s", map[bool]string{true: "a major incident", false: "proposed"}[inc.Major])
		}
		if st, _ := Lifecycle.State(inc.State); !st.Open {
			v.Add("state", "only an open incident can become a major incident")
		}
		if err := v.Err(); err != nil {
			return err
		}
		inc.MajorReason, inc.MajorStatus = reason, MajorProposed
		if auth.Can(actor, auth.ApproveMajor) {
			inc.MajorStatus, inc.Major = MajorApproved, true
		}
		return nil
	})
}

// DecideMajor approves or rejects a proposed major incident (managers).
func (s *Service) DecideMajor(ctx context.Context, actor auth.Principal, number string, approve bool, note string) (Incident, error) {
	return s.majorChange(ctx, actor, number, auth.ApproveMajor, func(inc *Incident) error {
		if inc.MajorStatus != MajorProposed {
			return fault.Invalid("major", "there is no pending major-incident proposal")
		}
		inc.MajorStatus, inc.Major = MajorRejected, false
		if approve {
			inc.MajorStatus, inc.Major = MajorApproved, true
		}
		if note = strings.TrimSpace(note); note != "" {
			inc.MajorReason = note
		}
		return nil
	})
}

func (s *Service) majorChange(ctx context.Context, actor auth.Principal, number string, action auth.Action, fn func(*Incident) error) (Incident, error) {
	var out Incident
	err := s.inTx(ctx, func(tx db.Querier) error {
		old, err := s.visible(ctx, tx, actor, number)
		if err != nil {
			return err
		}
		if err := auth.Require(actor, action); err != nil {
			return err
		}
		inc := old
		if err := fn(&inc); err != nil {
			return err
		}
		inc.UpdatedAt = s.Now()
		out = inc
		return s.save(ctx, tx, actor, &old, &inc, map[string]string{"major_status": inc.MajorReason})
	})
	if err != nil {
		return Incident{}, err
	}
	return s.Get(ctx, actor, out.Number)
}

// Communicate adds a stakeholder update to a major incident's
// communications log. Updates are public.
func (s *Service) Communicate(ctx context.Context, actor auth.Principal, number, body string) (record.Entry, error) {
	v := &fault.ValidationError{}
	checkText(v, "body", body, true, MaxComment)
	if err := v.Err(); err != nil {
		return record.Entry{}, err
	}
	var e record.Entry
	err := s.inTx(ctx, func(tx db.Querier) error {
		inc, err := s.visible(ctx, tx, actor, number)
		if err != nil {
			return err
		}
		if err := auth.Require(actor, auth.UpdateRecord); err != nil {
			return err
		}
		if !inc.Major {
			return fault.Invalid("major", "communications are for approved major incidents")
		}
		now := s.Now()
		e = record.Entry{RecordID: inc.ID, Kind: record.Communication, ActorID: actor.UserID, ActorName: actor.Name, At: now, Body: body}
		if err := record.Append(ctx, tx, &e); err != nil {
			return err
		}
		if _, err := record.Touch(ctx, tx, inc.ID, 0, now); err != nil {
			return err
		}
		return outbox.Append(ctx, tx, now, "comment.added", inc.ID, map[string]any{
			"type": inc.Type, "number": inc.Number, "actor_id": actor.UserID, "kind": record.Communication, "journal_id": e.ID})
	})
	return e, err
}

// resolveChildren resolves the open children of parent (links parent_of)
// with the parent's resolution, and tells each requester in a public
// comment. It runs in the parent's transaction.
func (s *Service) resolveChildren(ctx context.Context, tx db.Querier, actor auth.Principal, parent *Incident) error {
	links, err := record.Links(ctx, tx, parent.ID)
	if err != nil {
		return err
	}
	for _, l := range links {
		if l.Kind != "parent_of" || l.OtherType != record.TypeIncident {
			continue
		}
		old, err := byNumber(ctx, tx, l.OtherNumber)
		if err != nil {
			return err
		}
		if st, _ := Lifecycle.State(old.State); !st.Open {
			continue
		}
		child := old
		child.ResolutionCode, child.ResolutionNotes = parent.ResolutionCode, parent.ResolutionNotes
		if err := s.move(actor, &child, child.State, Resolved); err != nil {
			return err
		}
		child.UpdatedAt = s.Now()
		msg := "Resolved together with " + parent.Number + ": " + parent.ResolutionNotes
		if err := s.addComment(ctx, tx, actor, &child, record.Comment, msg); err != nil {
			return err
		}
		if err := s.save(ctx, tx, actor, &old, &child, nil); err != nil {
			return err
		}
	}
	return nil
}
