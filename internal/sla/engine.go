package sla

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"steward/internal/platform/db"
	"steward/internal/platform/outbox"
	"steward/internal/record"
)

// Engine keeps timers in step with records and fires warnings and
// breaches. Record facts come from the practices through Facts; business
// calendars through Hours.
type Engine struct {
	DB  *db.DB
	Now func() time.Time
	// Calendar returns the business hours of a calendar id (0: 24x7).
	Calendar func(ctx context.Context, id int64) (Hours, error)

	mu       sync.Mutex
	versions map[int64]versionInfo // versions never change, so they are cached for good
}

type versionInfo struct {
	spec    Spec
	targets map[string]compiled
}

// version returns a definition version's spec with compiled conditions.
func (e *Engine) version(ctx context.Context, q db.Querier, id int64) (versionInfo, error) {
	e.mu.Lock()
	v, ok := e.versions[id]
	e.mu.Unlock()
	if ok {
		return v, nil
	}
	var raw string
	if err := q.QueryRowContext(ctx, `SELECT spec FROM sla_versions WHERE id = $1`, id).Scan(&raw); err != nil {
		return v, fmt.Errorf("sla: version %d: %w", id, err)
	}
	if err := json.Unmarshal([]byte(raw), &v.spec); err != nil {
		return v, err
	}
	v.targets = map[string]compiled{}
	for _, t := range v.spec.Targets {
		c := compiled{Target: t}
		var err error
		if c.start, err = Compile(t.Start); err == nil {
			if c.pause, err = Compile(t.Pause); err == nil {
				c.stop, err = Compile(t.Stop)
			}
		}
		if err != nil {
			return v, fmt.Errorf("sla: version %d target %s: %w", id, t.Name, err)
		}
		v.targets[t.Name] = c
	}
	e.mu.Lock()
	if e.versions == nil {
		e.versions = map[int64]versionInfo{}
	}
	e.versions[id] = v
	e.mu.Unlock()
	return v, nil
}

func (e *Engine) hours(ctx context.Context, id int64) (Hours, error) {
	if id == 0 || e.Calendar == nil {
		return AlwaysOpen{}, nil
	}
	return e.Calendar(ctx, id)
}

// applies reports whether m selects a record with facts f.
func (m Match) applies(f Facts) bool {
	return (len(m.Types) == 0 || slices.Contains(m.Types, f.Type)) &&
		(len(m.Priorities) == 0 || slices.Contains(m.Priorities, f.Priority)) &&
		(len(m.ServiceIDs) == 0 || slices.Contains(m.ServiceIDs, f.ServiceID)) &&
		(len(m.CategoryIDs) == 0 || slices.Contains(m.CategoryIDs, f.CategoryID)) &&
		(len(m.Organisations) == 0 || slices.Contains(m.Organisations, f.OrganisationID))
}

// Observe brings a record's timers in step with its facts at instant at:
// starts the timers of the definitions that apply (the first in order, or
// all of them, as the policy says), pauses, resumes and stops them as their
// conditions say, and when a definition stops applying (say the priority
// moved) replaces its timers. A replacement keeps the time already counted
// or counts afresh from the change, as the policy says. Last it stores the
// record's earliest due time for the queues.
func (e *Engine) Observe(ctx context.Context, tx db.Querier, recordID int64, at time.Time, f Facts) error {
	r, err := loadRules(ctx, tx)
	if err != nil {
		return err
	}
	return e.observe(ctx, tx, r, recordID, at, f)
}

// rules are the policy and the active definitions, read once for a batch
// of events in the transaction that handles them.
type rules struct {
	policy Policy
	defs   []Definition
}

func loadRules(ctx context.Context, tx db.Querier) (rules, error) {
	policy, err := loadPolicy(ctx, tx)
	if err != nil {
		return rules{}, err
	}
	defs, err := activeDefinitions(ctx, tx)
	return rules{policy: policy, defs: defs}, err
}

func (e *Engine) observe(ctx context.Context, tx db.Querier, r rules, recordID int64, at time.Time, f Facts) error {
	policy, defs := r.policy, r.defs
	var applying []*Definition
	for i := range defs {
		if defs[i].Spec.AppliesTo.applies(f) {
			applying = append(applying, &defs[i])
			if policy.Match == MatchFirst {
				break
			}
		}
	}
	timers, err := timersOf(ctx, tx, recordID)
	if err != nil {
		return err
	}
	carried := map[string]*Timer{}
	seen := map[int64]map[string]bool{}
	for _, d := range applying {
		seen[d.ID] = map[string]bool{}
	}
	for i := range timers {
		t := &timers[i]
		live := t.State == Running || t.State == Paused
		if targets, ok := seen[t.DefinitionID]; ok {
			targets[t.Target] = true
			if live {
				if err := e.step(ctx, tx, t, at, f); err != nil {
					return err
				}
			}
			continue
		}
		if live { // its definition no longer applies: replace it
			h, err := e.hours(ctx, t.CalendarID)
			if err != nil {
				return err
			}
			t.Consumed, t.RunningSince = t.ElapsedAt(h, at), time.Time{}
			t.State, t.StoppedAt, t.DueAt, t.NextFireAt = Dropped, at, time.Time{}, time.Time{}
			if _, err := saveTimer(ctx, tx, t, at, time.Time{}); err != nil {
				return err
			}
			if policy.Recompute == RecomputeFromStart {
				carried[t.Target] = t
			}
		}
	}
	if len(timers) == 0 && len(applying) == 0 {
		return nil // no service level: the record has no due time to keep
	}
	for _, d := range applying {
		if err := e.start(ctx, tx, d, recordID, at, f, seen[d.ID], carried); err != nil {
			return err
		}
	}
	return e.storeDue(ctx, tx, recordID)
}

// storeDue writes the earliest due time of the record's running timers
// onto the record, for the queues' "due" order and "breaching soon".
func (e *Engine) storeDue(ctx context.Context, tx db.Querier, recordID int64) error {
	var due sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT min(due_at) FROM sla_timers WHERE record_id = $1 AND state = $2`, recordID, Running).Scan(&due)
	if err != nil {
		return fmt.Errorf("sla: due time: %w", err)
	}
	var at time.Time
	if due.Valid {
		at = fromMS(due.Int64)
	}
	return record.SetSLADue(ctx, tx, recordID, at)
}

// start begins the timers of def's targets that have none yet and whose
// start condition holds.
func (e *Engine) start(ctx context.Context, tx db.Querier, def *Definition, recordID int64, at time.Time, f Facts, seen map[string]bool, carried map[string]*Timer) error {
	v, err := e.version(ctx, tx, def.VersionID)
	if err != nil {
		return err
	}
	h, err := e.hours(ctx, v.spec.CalendarID)
	if err != nil {
		return err
	}
	for _, tg := range v.spec.Targets {
		c := v.targets[tg.Name]
		if seen[tg.Name] || (tg.Start != "" && !c.start.True(f)) || c.stop.True(f) {
			continue
		}
		t := &Timer{RecordID: recordID, DefinitionID: def.ID, VersionID: def.VersionID, Target: tg.Name,
			TargetTime: time.Duration(tg.Minutes) * time.Minute, CalendarID: v.spec.CalendarID,
			State: Running, StartedAt: at, RunningSince: at}
		if old := carried[tg.Name]; old != nil {
			t.StartedAt, t.Consumed = old.StartedAt, old.Consumed
		}
		t.schedule(h, v.spec.Warnings)
		if c.pause.True(f) {
			t.pause(h, at)
		}
		if err := insertTimer(ctx, tx, t, at); err != nil {
			return err
		}
	}
	return nil
}

// step applies a live timer's stop, pause and resume conditions.
func (e *Engine) step(ctx context.Context, tx db.Querier, t *Timer, at time.Time, f Facts) error {
	v, err := e.version(ctx, tx, t.VersionID)
	if err != nil {
		return err
	}
	c, ok := v.targets[t.Target]
	if !ok {
		return nil
	}
	h, err := e.hours(ctx, t.CalendarID)
	if err != nil {
		return err
	}
	before := *t
	switch {
	case c.stop.True(f):
		t.stop(h, at)
	case c.pause.True(f):
		t.pause(h, at)
	default:
		t.resume(h, at, v.spec.Warnings)
	}
	if t.State == before.State && t.RunningSince.Equal(before.RunningSince) {
		return nil
	}
	_, err = saveTimer(ctx, tx, t, at, time.Time{})
	return err
}

// Sweep fires the warnings and breaches due by now, for up to limit
// timers, in one transaction, and returns how many timers fired. Each timer
// is claimed by its next_fire_at (and on PostgreSQL locked, skipping rows
// another sweep holds), so a warning or breach is written once even when
// several nodes sweep at the same moment. The batch is written with one
// statement for the timers and one for the events on PostgreSQL, and with
// one prepared statement each on SQLite.
func (e *Engine) Sweep(ctx context.Context, now time.Time, limit int) (int, error) {
	fired := 0
	err := e.DB.InTx(ctx, func(tx db.Querier) error {
		due, err := dueTimers(ctx, tx, e.DB.Dialect, now, limit)
		if err != nil || len(due) == 0 {
			return err
		}
		hours := map[int64]Hours{}
		claims := make([]time.Time, len(due))
		events := make([][]timerEvent, len(due))
		for i := range due {
			claims[i] = due[i].NextFireAt
			if events[i], err = e.fireOne(ctx, tx, &due[i], now, hours); err != nil {
				return err
			}
		}
		written, err := saveFired(ctx, tx, e.DB.Dialect, due, claims, now)
		if err != nil {
			return err
		}
		var out []timerEvent
		for i := range due {
			if written[i] {
				fired++
				out = append(out, events[i]...)
			}
		}
		return appendEvents(ctx, tx, e.DB.Dialect, now, out)
	})
	return fired, err
}

// SweepBatch is how many timers the worker fires per transaction.
const SweepBatch = 1000

// fireOne moves a due timer past every warning and breach due by now and
// returns the events to write if its claim holds. hours caches the
// calendars for the sweep.
func (e *Engine) fireOne(ctx context.Context, tx db.Querier, t *Timer, now time.Time, hours map[int64]Hours) ([]timerEvent, error) {
	v, err := e.version(ctx, tx, t.VersionID)
	if err != nil {
		return nil, err
	}
	h, ok := hours[t.CalendarID]
	if !ok {
		if h, err = e.hours(ctx, t.CalendarID); err != nil {
			return nil, err
		}
		hours[t.CalendarID] = h
	}
	var out []timerEvent
	for _, ev := range t.fire(h, now, v.spec.Warnings) {
		topic, actions := "sla.warning", v.spec.OnWarning
		if ev.Breach {
			topic, actions = "sla.breached", v.spec.OnBreach
		}
		if !v.targets[t.Target].Escalate {
			actions = nil
		}
		payload, err := json.Marshal(map[string]any{"timer_id": t.ID, "definition": t.Name, "target": t.Target, "due_at": t.DueAt,
			"at": ev.At, "warning_percent": ev.Warning, "actions": actions})
		if err != nil {
			return nil, fmt.Errorf("sla: encode %s: %w", topic, err)
		}
		out = append(out, timerEvent{topic: topic, recordID: t.RecordID, payload: payload})
	}
	return out, nil
}

// Timers returns a record's timers.
func (e *Engine) Timers(ctx context.Context, recordID int64) ([]Timer, error) {
	return timersOf(ctx, e.DB.Read, recordID)
}

// Warnings returns the warning percentages of a timer's definition version.
func (e *Engine) Warnings(ctx context.Context, versionID int64) ([]int, error) {
	v, err := e.version(ctx, e.DB.Read, versionID)
	return v.spec.Warnings, err
}

// HoursOf returns the business hours a timer counts in.
func (e *Engine) HoursOf(ctx context.Context, t Timer) (Hours, error) {
	return e.hours(ctx, t.CalendarID)
}

// Consumer is the outbox consumer that keeps timers in step with records.
// It reads the facts each record event carries, in event order, inside the
// transaction that advances its cursor: timers change exactly once per event.
func (e *Engine) Consumer() outbox.Consumer {
	return outbox.Consumer{Name: "sla", Batch: 200, Handle: func(ctx context.Context, tx db.Querier, events []outbox.Event) error {
		var r *rules
		for _, ev := range events {
			switch ev.Topic {
			case "record.created", "record.updated", "comment.added":
			default:
				continue
			}
			var p struct {
				Facts *Facts `json:"facts"`
			}
			if err := json.Unmarshal(ev.Payload, &p); err != nil || p.Facts == nil || ev.RecordID == 0 {
				continue // not a record change with facts
			}
			if r == nil {
				loaded, err := loadRules(ctx, tx)
				if err != nil {
					return err
				}
				r = &loaded
			}
			if err := e.observe(ctx, tx, *r, ev.RecordID, ev.At, *p.Facts); err != nil {
				return err
			}
		}
		return nil
	}}
}
