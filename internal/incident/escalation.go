package incident

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"steward/internal/auth"
	"steward/internal/platform/db"
	"steward/internal/platform/outbox"
	"steward/internal/record"
)

// escalation is what an SLA warning or breach event says (see
// sla.Engine.Sweep): the timer's target and the actions its definition
// asks for at that point.
type escalation struct {
	Definition     string `json:"definition"`
	Target         string `json:"target"`
	WarningPercent int    `json:"warning_percent"`
	Actions        []struct {
		Kind    string `json:"kind"`
		GroupID int64  `json:"group_id"`
		Note    string `json:"note"`
	} `json:"actions"`
}

// why says in a journal entry which service level asked for a change.
func (e escalation) why(topic string) string {
	if topic == "sla.breached" {
		return fmt.Sprintf("Service level %q missed its %s target", e.Definition, e.Target)
	}
	return fmt.Sprintf("Service level %q reached %d %% of its %s target", e.Definition, e.WarningPercent, e.Target)
}

// Escalations is the outbox consumer that carries out the escalation
// actions of SLA warnings and breaches on open incidents: reassign to a
// group, raise the priority one step, add a work note. It runs in the
// transaction that advances its cursor, so each action happens once; the
// notifications the same events ask for are the mail channel's.
func (s *Service) Escalations() outbox.Consumer {
	return outbox.Consumer{Name: "incident_escalation", Batch: 100, Handle: func(ctx context.Context, tx db.Querier, events []outbox.Event) error {
		for _, ev := range events {
			if (ev.Topic != "sla.warning" && ev.Topic != "sla.breached") || ev.RecordID == 0 {
				continue
			}
			var e escalation
			if err := json.Unmarshal(ev.Payload, &e); err != nil || len(e.Actions) == 0 {
				continue
			}
			if err := s.escalate(ctx, tx, ev.RecordID, ev.Topic, e); err != nil {
				return fmt.Errorf("incident: escalate record %d: %w", ev.RecordID, err)
			}
		}
		return nil
	}}
}

func (s *Service) escalate(ctx context.Context, tx db.Querier, recordID int64, topic string, e escalation) error {
	r, err := record.ByID(ctx, tx, recordID)
	if err != nil || r.Type != record.TypeIncident {
		return nil // gone, or not an incident
	}
	old, err := byNumber(ctx, tx, r.Number)
	if err != nil {
		return err
	}
	if st, _ := Lifecycle.State(old.State); !st.Open || old.State == Resolved {
		return nil // settled since the timer fired
	}
	actor := auth.System
	why := e.why(topic)
	var p Patch
	var notes []string
	for _, a := range e.Actions {
		switch a.Kind {
		case "reassign":
			if a.GroupID != 0 && a.GroupID != old.AssignmentGroupID {
				g, none := a.GroupID, int64(0)
				p.AssignmentGroupID, p.AssigneeID = &g, &none
			}
		case "raise_priority":
			if old.Priority > 1 {
				up := old.Priority - 1
				p.Priority, p.PriorityReason = &up, &why
			}
		case "work_note":
			if note := strings.TrimSpace(a.Note); note != "" {
				notes = append(notes, note)
			}
		}
	}
	inc := old
	reasons, err := s.apply(ctx, tx, actor, &inc, p)
	if err != nil {
		return err
	}
	for k := range reasons {
		if reasons[k] == "" {
			reasons[k] = why
		}
	}
	if p.AssignmentGroupID != nil {
		if reasons == nil {
			reasons = map[string]string{}
		}
		reasons["assignment_group_id"], reasons["assignee_id"] = why, why
	}
	if err := s.save(ctx, tx, actor, &old, &inc, reasons); err != nil {
		return err
	}
	if len(notes) == 0 {
		return nil
	}
	_, err = s.CommentIn(ctx, tx, actor, inc.Number, true, why+".\n\n"+strings.Join(notes, "\n\n"))
	return err
}
