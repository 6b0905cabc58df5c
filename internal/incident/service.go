package incident

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"steward/internal/auth"
	"steward/internal/platform/cursor"
	"steward/internal/platform/db"
	"steward/internal/platform/fault"
	"steward/internal/platform/outbox"
	"steward/internal/record"
)

// Service runs the incident use cases. Each opens one transaction, checks
// permission, validates, writes the record, its journal and its outbox
// events, and commits.
type Service struct {
	DB     *db.DB
	Cursor *cursor.Signer
	Now    func() time.Time
	// Committed, if set, is called after each successful write (to wake the
	// outbox relay on this node).
	Committed func()
	// Members, if set, lets groups assign new work to a member
	// automatically (round robin, least open work).
	Members MemberSource
}

// NewService returns a Service using the wall clock.
func NewService(d *db.DB, signer *cursor.Signer) *Service {
	return &Service{DB: d, Cursor: signer, Now: func() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }}
}

func (s *Service) inTx(ctx context.Context, fn func(tx db.Querier) error) error {
	if err := s.DB.InTx(ctx, fn); err != nil {
		return err
	}
	if s.Committed != nil {
		s.Committed()
	}
	return nil
}

func checkText(v *fault.ValidationError, field, value string, required bool, max int) {
	switch {
	case required && strings.TrimSpace(value) == "":
		v.Add(field, "is required")
	case !utf8.ValidString(value):
		v.Add(field, "must be valid UTF-8 text")
	case len(value) > max:
		v.Add(field, "must be at most %d bytes", max)
	}
}

func checkEnum(v *fault.ValidationError, field, value string, allowed []string) {
	if value != "" && !slices.Contains(allowed, value) {
		v.Add(field, "must be one of %s", strings.Join(allowed, ", "))
	}
}

// Create reports a new incident. It returns the incident and whether it was
// created now (false when an Idempotency-Key repeated an earlier create).
func (s *Service) Create(ctx context.Context, actor auth.Principal, in NewIncident) (Incident, bool, error) {
	if err := auth.Require(actor, auth.CreateRecord); err != nil {
		return Incident{}, false, err
	}
	if in.IdempotencyKey != "" {
		if id, err := idempotent(ctx, s.DB.Read, actor.UserID, in.IdempotencyKey); err != nil || id != 0 {
			inc, gerr := s.byID(ctx, id)
			return inc, false, errors.Join(err, gerr)
		}
	}
	inc, err := s.prepare(actor, &in)
	if err != nil {
		return Incident{}, false, err
	}
	computed, err := s.resolve(ctx, s.DB.Read, &inc, in)
	if err != nil {
		return Incident{}, false, err
	}
	err = s.inTx(ctx, func(tx db.Querier) error {
		if err := s.insert(ctx, tx, actor, &inc, in, computed); err != nil {
			return err
		}
		if in.IdempotencyKey != "" {
			if _, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys (user_id, key, record_id, created_at) VALUES ($1, $2, $3, $4)`,
				actor.UserID, in.IdempotencyKey, inc.ID, inc.OpenedAt.UnixMilli()); err != nil {
				return fmt.Errorf("incident: idempotency key: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		if in.IdempotencyKey != "" && db.IsUniqueViolation(err) {
			// A concurrent retry with the same key won: return its result.
			id, ierr := idempotent(ctx, s.DB.Read, actor.UserID, in.IdempotencyKey)
			if ierr == nil && id != 0 {
				inc, gerr := s.byID(ctx, id)
				return inc, false, gerr
			}
		}
		return Incident{}, false, fmt.Errorf("incident: create: %w", err)
	}
	inc, err = byNumber(ctx, s.DB.Read, inc.Number)
	return inc, true, err
}

// CreateIn reports a new incident inside the caller's transaction tx, for
// channels (such as mail) that write more in the same transaction. The
// caller commits; Committed is not called.
func (s *Service) CreateIn(ctx context.Context, tx db.Querier, actor auth.Principal, in NewIncident) (Incident, error) {
	if err := auth.Require(actor, auth.CreateRecord); err != nil {
		return Incident{}, err
	}
	inc, err := s.prepare(actor, &in)
	if err != nil {
		return Incident{}, err
	}
	computed, err := s.resolve(ctx, tx, &inc, in)
	if err != nil {
		return Incident{}, err
	}
	if err := s.insert(ctx, tx, actor, &inc, in, computed); err != nil {
		return Incident{}, fmt.Errorf("incident: create: %w", err)
	}
	return inc, nil
}

// prepare validates in and returns the incident it describes.
func (s *Service) prepare(actor auth.Principal, in *NewIncident) (Incident, error) {
	if in.RequesterID == 0 {
		in.RequesterID = actor.UserID
	}
	v := &fault.ValidationError{}
	in.Title = strings.TrimSpace(in.Title)
	checkText(v, "title", in.Title, true, MaxTitle)
	checkText(v, "description", in.Description, false, MaxDescription)
	checkText(v, "ci_ref", in.CIRef, false, MaxCIRef)
	if in.Impact == 0 {
		in.Impact = record.Medium
	}
	if in.Urgency == 0 {
		in.Urgency = record.Medium
	}
	if !in.Impact.Valid() {
		v.Add("impact", "must be high, medium or low")
	}
	if !in.Urgency.Valid() {
		v.Add("urgency", "must be high, medium or low")
	}
	agentOnly := in.RequesterID != actor.UserID || in.AssignmentGroupID != 0 || in.AssigneeID != 0 || in.Priority != 0 || in.OrganisationID != 0
	if agentOnly && !auth.Can(actor, auth.CreateForOthers) {
		return Incident{}, auth.Require(actor, auth.CreateForOthers)
	}
	if in.Priority != 0 {
		if in.Priority < 1 || in.Priority > 5 {
			v.Add("priority", "must be from 1 to 5")
		}
		checkText(v, "priority_reason", in.PriorityReason, true, MaxReason)
	}
	if err := v.Err(); err != nil {
		return Incident{}, err
	}
	now := s.Now()
	inc := Incident{Record: record.Record{
		Type: record.TypeIncident, Title: in.Title, Description: in.Description, State: Lifecycle.Initial,
		Impact: in.Impact, Urgency: in.Urgency, CategoryID: in.CategoryID, ServiceID: in.ServiceID, CIRef: in.CIRef,
		RequesterID: in.RequesterID, OrganisationID: in.OrganisationID, AssignmentGroupID: in.AssignmentGroupID,
		AssigneeID: in.AssigneeID, OpenedAt: now, UpdatedAt: now,
	}}
	return inc, nil
}

// resolve checks a prepared incident's references and works out what
// follows from them: its group by the routing rules, its priority by the
// matrix, its organisation by the requester's. It only reads, so Create
// runs it on the read pool before its write transaction, keeping the one
// SQLite writer for writes; the foreign keys still refuse a reference
// removed in between.
func (s *Service) resolve(ctx context.Context, q db.Querier, inc *Incident, in NewIncident) (computed int, err error) {
	if err := checkRefs(ctx, q, &inc.Record, nil); err != nil {
		return 0, err
	}
	if err := route(ctx, q, &inc.Record); err != nil {
		return 0, err
	}
	m, err := record.LoadMatrix(ctx, q)
	if err != nil {
		return 0, err
	}
	computed = m.Priority(inc.Impact, inc.Urgency)
	inc.Priority = computed
	if in.Priority != 0 && in.Priority != computed {
		inc.Priority, inc.PriorityOverridden = in.Priority, true
	}
	if inc.OrganisationID == 0 {
		if inc.OrganisationID, err = requesterOrganisation(ctx, q, inc.RequesterID); err != nil {
			return 0, err
		}
	}
	return computed, nil
}

// insert writes a resolved incident, its journal and its event in tx;
// computed is the matrix's priority, kept in the journal when in overrode
// it. Automatic assignment happens here: it takes turns, and the turn is
// written in tx.
func (s *Service) insert(ctx context.Context, tx db.Querier, actor auth.Principal, inc *Incident, in NewIncident, computed int) error {
	now := inc.OpenedAt
	if err := s.autoAssign(ctx, tx, &inc.Record); err != nil {
		return err
	}
	inc.FirstAssigneeID = inc.AssigneeID
	if err := record.Insert(ctx, tx, &inc.Record); err != nil {
		return err
	}
	if err := insertExt(ctx, tx, inc); err != nil {
		return err
	}
	if inc.PriorityOverridden {
		e := record.Entry{RecordID: inc.ID, Kind: record.FieldChange, ActorID: actor.UserID, At: now,
			Field: "priority", OldValue: fmt.Sprint(computed), NewValue: fmt.Sprint(inc.Priority), Body: in.PriorityReason}
		if err := record.Append(ctx, tx, &e); err != nil {
			return err
		}
	}
	return outbox.Append(ctx, tx, now, "record.created", inc.ID, map[string]any{
		"type": inc.Type, "number": inc.Number, "actor_id": actor.UserID, "priority": inc.Priority, "facts": facts(inc)})
}

func (s *Service) byID(ctx context.Context, id int64) (Incident, error) {
	r, err := record.ByID(ctx, s.DB.Read, id)
	if err != nil {
		return Incident{}, err
	}
	return byNumber(ctx, s.DB.Read, r.Number)
}

func requesterOrganisation(ctx context.Context, q db.Querier, userID int64) (int64, error) {
	var org int64
	err := q.QueryRowContext(ctx, `SELECT coalesce(organisation_id, 0) FROM users WHERE id = $1`, userID).Scan(&org)
	if err != nil {
		return 0, fault.Invalid("requester_id", "no user with id %d", userID)
	}
	return org, nil
}

// checkRefs checks every reference r holds that differs from old (nil: all),
// so that each bad one gets its own field message.
func checkRefs(ctx context.Context, q db.Querier, r *record.Record, old *record.Record) error {
	v := &fault.ValidationError{}
	changed := func(a, b int64) bool { return a != 0 && (old == nil || a != b) }
	refs := []struct {
		field, table, noun string
		id, was            int64
	}{
		{"category_id", "categories", "category", r.CategoryID, oldOr(old).CategoryID},
		{"service_id", "services", "service", r.ServiceID, oldOr(old).ServiceID},
		{"organisation_id", "organisations", "organisation", r.OrganisationID, oldOr(old).OrganisationID},
		{"assignment_group_id", "groups", "group", r.AssignmentGroupID, oldOr(old).AssignmentGroupID},
	}
	for _, ref := range refs {
		if !changed(ref.id, ref.was) {
			continue
		}
		if ok, err := exists(ctx, q, ref.table, ref.id); err != nil {
			return err
		} else if !ok {
			v.Add(ref.field, "no such %s: %d", ref.noun, ref.id)
		}
	}
	if changed(r.RequesterID, oldOr(old).RequesterID) {
		if _, active, err := userRole(ctx, q, r.RequesterID); err != nil {
			return err
		} else if !active {
			v.Add("requester_id", "no active user with id %d", r.RequesterID)
		}
	}
	if r.AssigneeID != 0 && (old == nil || r.AssigneeID != old.AssigneeID || r.AssignmentGroupID != old.AssignmentGroupID) {
		role, active, err := userRole(ctx, q, r.AssigneeID)
		if err != nil {
			return err
		}
		switch {
		case !active:
			v.Add("assignee_id", "no active user with id %d", r.AssigneeID)
		case !auth.Role(role).AtLeast(auth.Agent):
			v.Add("assignee_id", "must be an agent")
		case r.AssignmentGroupID != 0:
			if ok, err := isMember(ctx, q, r.AssignmentGroupID, r.AssigneeID); err != nil {
				return err
			} else if !ok {
				v.Add("assignee_id", "is not a member of the assignment group")
			}
		}
	}
	return v.Err()
}

func oldOr(r *record.Record) *record.Record {
	if r == nil {
		return &record.Record{}
	}
	return r
}

// visible loads an incident the actor may read; one they may not read is
// reported as not found, so that nobody learns it exists.
func (s *Service) visible(ctx context.Context, q db.Querier, actor auth.Principal, number string) (Incident, error) {
	if !actor.Authenticated() {
		return Incident{}, fault.ErrUnauthenticated
	}
	if _, ok := record.ParseNumber(number); !ok {
		return Incident{}, fmt.Errorf("incident %q: %w", number, fault.ErrNotFound)
	}
	inc, err := byNumber(ctx, q, number)
	if err != nil {
		return Incident{}, err
	}
	access := auth.RecordAccess{RequesterID: inc.RequesterID}
	if !auth.CanReadRecord(actor, access) {
		if access.Watcher, err = record.IsWatcher(ctx, q, inc.ID, actor.UserID); err != nil {
			return Incident{}, err
		}
		if !auth.CanReadRecord(actor, access) {
			return Incident{}, fmt.Errorf("incident %s: %w", number, fault.ErrNotFound)
		}
	}
	return inc, nil
}

// Get returns one incident with its watchers.
func (s *Service) Get(ctx context.Context, actor auth.Principal, number string) (Incident, error) {
	inc, err := s.visible(ctx, s.DB.Read, actor, number)
	if err != nil {
		return Incident{}, err
	}
	inc.Watchers, err = record.Watchers(ctx, s.DB.Read, inc.ID)
	return inc, err
}

// List returns a page of incidents the actor may see.
func (s *Service) List(ctx context.Context, actor auth.Principal, in ListInput) ([]Incident, string, error) {
	if !actor.Authenticated() {
		return nil, "", fault.ErrUnauthenticated
	}
	if in.Sort == "" && strings.TrimSpace(in.Filter.Query) != "" {
		in.Sort = "-number" // search results newest first: the search index's own order
	}
	keys, err := record.ParseSort(in.Sort)
	if err != nil {
		return nil, "", err
	}
	f := in.Filter
	f.Type = record.TypeIncident
	f.VisibleTo = auth.RecordScope(actor).VisibleTo
	for _, st := range f.States {
		if _, ok := Lifecycle.State(st); !ok {
			return nil, "", fault.Invalid("state", "unknown state %q", st)
		}
	}
	if in.Limit <= 0 {
		in.Limit = 50
	}
	if in.Major != nil {
		f.Extra = majorCondition(*in.Major)
	}
	page, err := record.List(ctx, s.DB, s.Cursor, f, keys, in.Cursor, min(in.Limit, 200))
	if err != nil {
		return nil, "", err
	}
	incs, err := withExt(ctx, s.DB.Read, page.Records)
	return incs, page.NextCursor, err
}

func majorCondition(major bool) string {
	if major {
		return "r.id IN (SELECT record_id FROM incidents WHERE major_status IN ('approved', 'proposed'))"
	}
	return "r.id NOT IN (SELECT record_id FROM incidents WHERE major_status IN ('approved', 'proposed'))"
}

// Count returns how many incidents the actor may see match f (queue
// counts). major, if set, keeps only (or leaves out) major incidents,
// approved or proposed.
func (s *Service) Count(ctx context.Context, actor auth.Principal, f record.Filter, major *bool) (int64, error) {
	if !actor.Authenticated() {
		return 0, fault.ErrUnauthenticated
	}
	f.Type = record.TypeIncident
	f.VisibleTo = auth.RecordScope(actor).VisibleTo
	if major != nil {
		f.Extra = majorCondition(*major)
	}
	return record.Count(ctx, s.DB, f)
}

// ByID returns one incident by record id (for consumers of events, which
// carry record ids).
func (s *Service) ByID(ctx context.Context, actor auth.Principal, id int64) (Incident, error) {
	r, err := record.ByID(ctx, s.DB.Read, id)
	if err != nil {
		return Incident{}, err
	}
	return s.Get(ctx, actor, r.Number)
}

// facts is the snapshot of an incident that record events carry for their
// consumers (service level timers read it as sla.Facts).
func facts(inc *Incident) map[string]any {
	st, _ := Lifecycle.State(inc.State)
	return map[string]any{
		"type": inc.Type, "state": inc.State, "priority": inc.Priority, "impact": inc.Impact.String(),
		"urgency": inc.Urgency.String(), "on_hold_reason": inc.OnHoldReason, "category_id": inc.CategoryID,
		"service_id": inc.ServiceID, "organisation_id": inc.OrganisationID, "assignment_group_id": inc.AssignmentGroupID,
		"assignee_id": inc.AssigneeID, "major": inc.Major, "responded": !inc.FirstResponseAt.IsZero(), "open": st.Open,
	}
}
