package demo

import (
	"context"
	"fmt"

	"steward/internal/auth"
	"steward/internal/sla"
)

// officeHours is the desk's working week for the standard service levels.
var officeHours = sla.CalendarSpec{
	Zone: "Europe/London",
	Hours: map[string][]string{
		"monday": {"08:00-18:00"}, "tuesday": {"08:00-18:00"}, "wednesday": {"08:00-18:00"},
		"thursday": {"08:00-18:00"}, "friday": {"08:00-17:00"},
	},
	Holidays: []sla.Holiday{
		{Date: "--01-01", Name: "New Year's Day"}, {Date: "--12-25", Name: "Christmas Day"}, {Date: "--12-26", Name: "Boxing Day"},
	},
	Exceptions: []sla.Exception{{Date: "--12-24", Name: "Christmas Eve", Intervals: []string{"08:00-12:00"}}},
}

const (
	stopResolved   = `State in ["resolved", "closed", "canceled"]`
	pauseRequester = `State == "on_hold" && OnHoldReason == "awaiting_requester"`
	stopResponded  = `Responded || State != "new"`
)

// setupServiceLevels creates the office calendar and two service levels:
// round the clock for critical and high priorities, office hours for the
// rest. Run before the incidents, so the SLA engine times them as it reads
// their history.
func (l *loader) setupServiceLevels(ctx context.Context) error {
	s := l.s.SLA
	if s == nil {
		return nil
	}
	defs, err := s.Definitions(ctx, auth.System)
	if err != nil {
		return err
	}
	if len(defs) > 0 {
		return nil // already set up (or an admin made their own)
	}
	cal, err := s.SaveCalendar(ctx, auth.System, 0, "Office hours (London)", officeHours)
	if err != nil {
		return fmt.Errorf("calendar: %w", err)
	}
	for i, in := range []sla.DefinitionInput{
		{Name: "Critical and high", Spec: sla.Spec{
			AppliesTo: sla.Match{Types: []string{"incident"}, Priorities: []int{1, 2}},
			Targets: []sla.Target{
				{Name: "response", Minutes: 30, Stop: stopResponded},
				{Name: "resolution", Minutes: 8 * 60, Pause: pauseRequester, Stop: stopResolved, Escalate: true},
			},
			Warnings:  []int{50, 75, 90},
			OnWarning: []sla.Action{{Kind: sla.ActNotify, Notify: "assignee"}},
			OnBreach:  []sla.Action{{Kind: sla.ActNotify, Notify: "manager"}, {Kind: sla.ActWorkNote, Note: "Resolution target missed: the duty manager has been told."}},
		}},
		{Name: "Standard", Spec: sla.Spec{
			AppliesTo:  sla.Match{Types: []string{"incident"}},
			CalendarID: cal.ID,
			Targets: []sla.Target{
				{Name: "response", Minutes: 4 * 60, Stop: stopResponded},
				{Name: "resolution", Minutes: 3 * 10 * 60, Pause: pauseRequester, Stop: stopResolved, Escalate: true},
			},
			Warnings: []int{75},
			OnBreach: []sla.Action{{Kind: sla.ActNotify, Notify: "group"}},
		}},
	} {
		in.Position, in.Active = int64(i+1), true
		if _, err := s.CreateDefinition(ctx, auth.System, in); err != nil {
			return fmt.Errorf("service level %s: %w", in.Name, err)
		}
	}
	return nil
}
