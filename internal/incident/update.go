package incident

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"steward/internal/auth"
	"steward/internal/platform/db"
	"steward/internal/platform/fault"
	"steward/internal/platform/outbox"
	"steward/internal/record"
)

// Update applies p to incident number if it is still at version expect.
// State moves go through Lifecycle; every changed field is journaled.
func (s *Service) Update(ctx context.Context, actor auth.Principal, number string, expect int64, p Patch) (Incident, error) {
	if expect <= 0 {
		return Incident{}, fault.ErrPreconditionRequired
	}
	var out Incident
	err := s.inTx(ctx, func(tx db.Querier) error {
		old, err := s.visible(ctx, tx, actor, number)
		if err != nil {
			return err
		}
		if err := auth.Require(actor, auth.UpdateRecord); err != nil {
			return err
		}
		if old.Version != expect {
			return &fault.StaleError{Current: old.Version}
		}
		inc := old
		reasons, err := s.apply(ctx, tx, actor, &inc, p)
		if err != nil {
			return err
		}
		out = inc
		if err := s.save(ctx, tx, actor, &old, &inc, reasons); err != nil {
			return err
		}
		if inc.State == Resolved && old.State != Resolved {
			return s.resolveChildren(ctx, tx, actor, &inc)
		}
		return nil
	})
	if err != nil {
		return Incident{}, err
	}
	return s.Get(ctx, actor, out.Number)
}

// save writes inc over old (if anything changed): the record at old's
// version, its incident fields, a journal entry per change and one outbox
// event, all in tx.
func (s *Service) save(ctx context.Context, tx db.Querier, actor auth.Principal, old, inc *Incident, reasons map[string]string) error {
	changes := record.Changes(&old.Record, &inc.Record)
	changes = append(changes, extChanges(old, inc)...)
	if len(changes) == 0 {
		return nil
	}
	if err := record.Update(ctx, tx, &inc.Record, old.Version); err != nil {
		return err
	}
	if err := updateExt(ctx, tx, inc); err != nil {
		return err
	}
	if err := record.AppendChanges(ctx, tx, inc.ID, actor.UserID, inc.UpdatedAt, changes, reasons); err != nil {
		return err
	}
	fields := make([]string, len(changes))
	for i, c := range changes {
		fields[i] = c.Field
	}
	return outbox.Append(ctx, tx, inc.UpdatedAt, "record.updated", inc.ID, map[string]any{
		"type": inc.Type, "number": inc.Number, "actor_id": actor.UserID, "fields": fields, "state": inc.State,
		"old_state": old.State, "major_status": inc.MajorStatus, "facts": facts(inc)})
}

// apply validates p and applies it to inc, returning reasons to journal.
func (s *Service) apply(ctx context.Context, tx db.Querier, actor auth.Principal, inc *Incident, p Patch) (map[string]string, error) {
	old := *inc
	v := &fault.ValidationError{}
	set := func(dst *string, src *string, field string, required bool, max int) {
		if src != nil {
			checkText(v, field, *src, required, max)
			*dst = *src
		}
	}
	if p.Title != nil {
		t := strings.TrimSpace(*p.Title)
		p.Title = &t
	}
	set(&inc.Title, p.Title, "title", true, MaxTitle)
	set(&inc.Description, p.Description, "description", false, MaxDescription)
	set(&inc.CIRef, p.CIRef, "ci_ref", false, MaxCIRef)
	set(&inc.OnHoldReason, p.OnHoldReason, "on_hold_reason", false, 100)
	set(&inc.ResolutionCode, p.ResolutionCode, "resolution_code", false, 100)
	set(&inc.ResolutionNotes, p.ResolutionNotes, "resolution_notes", false, MaxDescription)
	set(&inc.CancelReason, p.CancelReason, "cancel_reason", false, MaxReason)
	checkEnum(v, "on_hold_reason", inc.OnHoldReason, OnHoldReasons)
	checkEnum(v, "resolution_code", inc.ResolutionCode, ResolutionCodes)
	for _, ref := range []struct {
		dst *int64
		src *int64
	}{{&inc.CategoryID, p.CategoryID}, {&inc.ServiceID, p.ServiceID}, {&inc.RequesterID, p.RequesterID},
		{&inc.OrganisationID, p.OrganisationID}, {&inc.AssignmentGroupID, p.AssignmentGroupID}, {&inc.AssigneeID, p.AssigneeID}} {
		if ref.src != nil {
			*ref.dst = *ref.src
		}
	}
	if p.RequesterID != nil && *p.RequesterID == 0 {
		v.Add("requester_id", "is required")
	}
	if p.Impact != nil {
		inc.Impact = *p.Impact
	}
	if p.Urgency != nil {
		inc.Urgency = *p.Urgency
	}
	if !inc.Impact.Valid() {
		v.Add("impact", "must be high, medium or low")
	}
	if !inc.Urgency.Valid() {
		v.Add("urgency", "must be high, medium or low")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := checkRefs(ctx, tx, &inc.Record, &old.Record); err != nil {
		return nil, err
	}
	reasons, err := s.applyPriority(ctx, tx, actor, inc, p)
	if err != nil {
		return nil, err
	}
	if p.AssignmentGroupID != nil && p.AssigneeID == nil && inc.AssignmentGroupID != old.AssignmentGroupID {
		// A new group: its assignment mode may pick a member.
		inc.AssigneeID = 0
		if err := s.autoAssign(ctx, tx, &inc.Record); err != nil {
			return nil, err
		}
	}
	inc.UpdatedAt = s.Now()
	if old.AssignmentGroupID != 0 && inc.AssignmentGroupID != old.AssignmentGroupID {
		inc.ReassignmentCount++
	}
	if inc.FirstAssigneeID == 0 && inc.AssigneeID != 0 {
		inc.FirstAssigneeID = inc.AssigneeID
	}
	// The move comes after the bookkeeping above: a resolution reads the
	// reassignment count and first assignee as they stand with this change.
	if p.State != nil {
		if err := s.move(actor, inc, old.State, *p.State); err != nil {
			return nil, err
		}
	}
	if inc.State != New && old.State == New && inc.FirstResponseAt.IsZero() {
		inc.FirstResponseAt = inc.UpdatedAt
	}
	return reasons, nil
}

// applyPriority recomputes priority from the matrix, or applies an agent's
// override, which needs a reason that goes into the journal.
func (s *Service) applyPriority(ctx context.Context, tx db.Querier, actor auth.Principal, inc *Incident, p Patch) (map[string]string, error) {
	m, err := record.LoadMatrix(ctx, tx)
	if err != nil {
		return nil, err
	}
	derived := m.Priority(inc.Impact, inc.Urgency)
	if p.Priority == nil {
		if p.Impact != nil || p.Urgency != nil {
			inc.Priority, inc.PriorityOverridden = derived, false
		}
		return nil, nil
	}
	if err := auth.Require(actor, auth.OverridePriority); err != nil {
		return nil, err
	}
	v := &fault.ValidationError{}
	if *p.Priority < 1 || *p.Priority > 5 {
		v.Add("priority", "must be from 1 to 5")
	}
	reason := ""
	if p.PriorityReason != nil {
		reason = strings.TrimSpace(*p.PriorityReason)
	}
	if *p.Priority != derived && *p.Priority != inc.Priority {
		checkText(v, "priority_reason", reason, true, MaxReason)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	inc.Priority, inc.PriorityOverridden = *p.Priority, *p.Priority != derived
	return map[string]string{"priority": reason}, nil
}

// move changes inc's state from -> to as Lifecycle allows, stamping times.
func (s *Service) move(actor auth.Principal, inc *Incident, from, to string) error {
	values := map[string]string{
		"on_hold_reason": inc.OnHoldReason, "resolution_code": inc.ResolutionCode,
		"resolution_notes": strings.TrimSpace(inc.ResolutionNotes), "cancel_reason": strings.TrimSpace(inc.CancelReason),
	}
	if err := Lifecycle.Check(from, to, values); err != nil {
		return err
	}
	if from == to {
		return nil
	}
	now := s.Now()
	inc.State = to
	st, _ := Lifecycle.State(to)
	switch {
	case st.Resolved:
		inc.ResolvedAt = now
		inc.ResolutionTime = now.Sub(inc.OpenedAt)
		inc.FirstContactResolution = inc.ReassignmentCount == 0 && inc.ReopenCount == 0 &&
			(inc.FirstAssigneeID == 0 || inc.FirstAssigneeID == inc.AssigneeID || inc.AssigneeID == 0)
	case st.Final:
		inc.ClosedAt = now
	case st.Open:
		if from == Resolved { // reopened: the old resolution no longer holds
			inc.ResolvedAt, inc.ResolutionCode, inc.ResolutionNotes = zeroTime, "", ""
			inc.ResolutionTime, inc.FirstContactResolution = 0, false
			inc.ReopenCount++
		}
	}
	if to != OnHold {
		inc.OnHoldReason = ""
	}
	return nil
}

func extChanges(a, b *Incident) []record.Change {
	var out []record.Change
	add := func(field, old, new string) {
		if old != new {
			out = append(out, record.Change{Field: field, Old: old, New: new})
		}
	}
	add("on_hold_reason", a.OnHoldReason, b.OnHoldReason)
	add("resolution_code", a.ResolutionCode, b.ResolutionCode)
	add("resolution_notes", a.ResolutionNotes, b.ResolutionNotes)
	add("cancel_reason", a.CancelReason, b.CancelReason)
	add("major", strconv.FormatBool(a.Major), strconv.FormatBool(b.Major))
	add("major_status", a.MajorStatus, b.MajorStatus)
	return out
}

// Comment adds a public comment or an internal work note. Requesters may
// only comment publicly, on records they may read.
func (s *Service) Comment(ctx context.Context, actor auth.Principal, number string, internal bool, body string) (record.Entry, error) {
	var e record.Entry
	err := s.inTx(ctx, func(tx db.Querier) error {
		var err error
		e, err = s.CommentIn(ctx, tx, actor, number, internal, body)
		return err
	})
	return e, err
}

// CommentIn is Comment inside the caller's transaction tx, for channels
// (such as mail) that write more in the same transaction. The caller
// commits; Committed is not called.
func (s *Service) CommentIn(ctx context.Context, tx db.Querier, actor auth.Principal, number string, internal bool, body string) (record.Entry, error) {
	action := auth.AddComment
	if internal {
		action = auth.AddWorkNote
	}
	if !actor.Authenticated() {
		return record.Entry{}, fault.ErrUnauthenticated
	}
	v := &fault.ValidationError{}
	checkText(v, "body", body, true, MaxComment)
	if err := v.Err(); err != nil {
		return record.Entry{}, err
	}
	inc, err := s.visible(ctx, tx, actor, number)
	if err != nil {
		return record.Entry{}, err
	}
	if err := auth.Require(actor, action); err != nil {
		return record.Entry{}, err
	}
	now := s.Now()
	kind := record.Comment
	if internal {
		kind = record.WorkNote
	}
	e := record.Entry{RecordID: inc.ID, Kind: kind, ActorID: actor.UserID, ActorName: actor.Name, At: now, Body: body}
	if err := record.Append(ctx, tx, &e); err != nil {
		return record.Entry{}, err
	}
	if !internal && inc.FirstResponseAt.IsZero() && actor.UserID != inc.RequesterID && auth.Can(actor, auth.UpdateRecord) {
		inc.FirstResponseAt = now
		if err := updateExt(ctx, tx, &inc); err != nil {
			return record.Entry{}, err
		}
	}
	if err := s.reopenOnReply(ctx, tx, actor, &inc, internal); err != nil {
		return record.Entry{}, err
	}
	if _, err := record.Touch(ctx, tx, inc.ID, 0, now); err != nil {
		return record.Entry{}, err
	}
	return e, outbox.Append(ctx, tx, now, "comment.added", inc.ID, map[string]any{
		"type": inc.Type, "number": inc.Number, "actor_id": actor.UserID, "kind": kind, "journal_id": e.ID, "facts": facts(&inc)})
}

// reopenOnReply reopens a resolved incident when its requester (or a
// watcher who is not an agent) replies within the reopen window: the reply
// says the resolution did not hold.
func (s *Service) reopenOnReply(ctx context.Context, tx db.Querier, actor auth.Principal, inc *Incident, internal bool) error {
	if internal || inc.State != Resolved || auth.Can(actor, auth.UpdateRecord) {
		return nil
	}
	p, err := loadPolicy(ctx, tx)
	if err != nil {
		return err
	}
	if s.Now().Sub(inc.ResolvedAt) > p.reopenWindow() {
		return nil
	}
	old := *inc
	if err := s.move(actor, inc, Resolved, InProgress); err != nil {
		return err
	}
	inc.UpdatedAt = s.Now()
	if err := s.save(ctx, tx, actor, &old, inc, map[string]string{"state": "reopened by the requester's reply"}); err != nil {
		return err
	}
	// save moved the version on; Touch below must start from it.
	return nil
}

// Journal returns the incident's journal as the actor may see it.
func (s *Service) Journal(ctx context.Context, actor auth.Principal, number string, afterID int64, limit int) ([]record.Entry, error) {
	inc, err := s.visible(ctx, s.DB.Read, actor, number)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	return record.Journal(ctx, s.DB.Read, inc.ID, auth.Can(actor, auth.ReadWorkNotes), afterID, limit)
}

// MatrixPriority reports the priority the configured matrix gives.
func (s *Service) MatrixPriority(ctx context.Context, impact, urgency record.Level) (int, error) {
	m, err := record.LoadMatrix(ctx, s.DB.Read)
	if err != nil {
		return 0, err
	}
	if !impact.Valid() || !urgency.Valid() {
		return 0, fmt.Errorf("incident: %w", fault.Invalid("impact", "must be high, medium or low"))
	}
	return m.Priority(impact, urgency), nil
}

var zeroTime time.Time
