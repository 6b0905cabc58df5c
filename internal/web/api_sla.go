package web

import (
	"bytes"
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"steward/internal/auth"
	"steward/internal/sla"
	"steward/internal/sla/calendar"
)

// SLADefinitionOut is a service level definition at its current version.
type SLADefinitionOut struct {
	ID        int64     `json:"id"`
	Version   int64     `json:"version"`
	Name      string    `json:"name"`
	Position  int64     `json:"position"`
	Active    bool      `json:"active"`
	Spec      sla.Spec  `json:"spec"`
	CreatedAt time.Time `json:"created_at" doc:"When this version was made"`
}

func slaDefinitionOut(d sla.Definition) SLADefinitionOut {
	return SLADefinitionOut{ID: d.ID, Version: d.Version, Name: d.Name, Position: d.Position, Active: d.Active, Spec: d.Spec, CreatedAt: d.CreatedAt}
}

// SLADefinitionWrite creates a definition or makes its next version.
type SLADefinitionWrite struct {
	Name     string   `json:"name" minLength:"1" maxLength:"100"`
	Position int64    `json:"position,omitempty" doc:"Lower is tried first; the first definition matching a record applies"`
	Active   bool     `json:"active"`
	Spec     sla.Spec `json:"spec"`
}

// TimerOut is one SLA timer of a record, with its figures and explanation.
type TimerOut struct {
	ID               int64          `json:"id"`
	Definition       string         `json:"definition"`
	DefinitionID     int64          `json:"definition_id"`
	Version          int64          `json:"version_id"`
	Target           string         `json:"target"`
	TargetSeconds    int64          `json:"target_seconds"`
	State            string         `json:"state" enum:"running,paused,met,missed,dropped"`
	StartedAt        time.Time      `json:"started_at"`
	DueAt            *time.Time     `json:"due_at" doc:"While running"`
	ElapsedSeconds   int64          `json:"elapsed_seconds" doc:"Business time counted"`
	RemainingSeconds int64          `json:"remaining_seconds" doc:"Negative once breached"`
	Percent          float64        `json:"percent"`
	Breached         bool           `json:"breached"`
	BreachedAt       *time.Time     `json:"breached_at"`
	StoppedAt        *time.Time     `json:"stopped_at"`
	Explanation      []sla.Interval `json:"explanation" doc:"Intervals counted and excluded, with the reason; counted ones add up to elapsed_seconds"`
}

func (s *Server) registerSLA(api huma.API) {
	tags := []string{"Service levels"}
	huma.Register(api, huma.Operation{OperationID: "list-sla-definitions", Method: http.MethodGet, Path: "/api/v1/sla/definitions", Tags: tags,
		Summary: "List service level definitions"},
		func(ctx context.Context, _ *struct{}) (*list[SLADefinitionOut], error) {
			defs, err := s.SLA.Definitions(ctx, principal(ctx))
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			out := &list[SLADefinitionOut]{}
			out.Body.Items = make([]SLADefinitionOut, len(defs))
			for i, d := range defs {
				out.Body.Items[i] = slaDefinitionOut(d)
			}
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "create-sla-definition", Method: http.MethodPost, Path: "/api/v1/sla/definitions", Tags: tags,
		Summary: "Create a service level definition", DefaultStatus: http.StatusCreated,
		Description: "Conditions (start, pause, stop) are expressions over the record's facts, e.g. `State == \"on_hold\" && OnHoldReason == \"awaiting_requester\"`; an unknown field is refused."},
		func(ctx context.Context, in *struct{ Body SLADefinitionWrite }) (*one[SLADefinitionOut], error) {
			d, err := s.SLA.CreateDefinition(ctx, principal(ctx), sla.DefinitionInput{Name: in.Body.Name, Position: in.Body.Position, Active: in.Body.Active, Spec: in.Body.Spec})
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &one[SLADefinitionOut]{Location: "/api/v1/sla/definitions/" + itoa64(d.ID), Body: slaDefinitionOut(d)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-sla-definition", Method: http.MethodGet, Path: "/api/v1/sla/definitions/{id}", Tags: tags,
		Summary: "Read a service level definition"},
		func(ctx context.Context, in *IDPath) (*one[SLADefinitionOut], error) {
			d, err := s.SLA.Definition(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &one[SLADefinitionOut]{Body: slaDefinitionOut(d)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "update-sla-definition", Method: http.MethodPut, Path: "/api/v1/sla/definitions/{id}", Tags: tags,
		Summary: "Change a service level definition (makes a new version)", Description: "Running timers keep the version they started with."},
		func(ctx context.Context, in *struct {
			IDPath
			Body SLADefinitionWrite
		}) (*one[SLADefinitionOut], error) {
			d, err := s.SLA.UpdateDefinition(ctx, principal(ctx), in.ID, sla.DefinitionInput{Name: in.Body.Name, Position: in.Body.Position, Active: in.Body.Active, Spec: in.Body.Spec})
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &one[SLADefinitionOut]{Body: slaDefinitionOut(d)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-incident-sla", Method: http.MethodGet, Path: "/api/v1/incidents/{number}/sla", Tags: []string{"Incidents", "Service levels"},
		Summary: "An incident's SLA timers with their explanation"},
		func(ctx context.Context, in *NumberPath) (*list[TimerOut], error) {
			p := principal(ctx)
			inc, err := s.Incidents.Get(ctx, p, in.Number)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			readings, err := s.timerReadings(ctx, p, inc.ID, time.Now().UTC())
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			out := &list[TimerOut]{}
			out.Body.Items = []TimerOut{}
			for _, t := range readings {
				out.Body.Items = append(out.Body.Items, TimerOut{
					ID: t.ID, Definition: t.Name, DefinitionID: t.DefinitionID, Version: t.VersionID, Target: t.Target,
					TargetSeconds: int64(t.TargetTime.Seconds()), State: t.State, StartedAt: t.StartedAt, DueAt: timePtr(t.DueAt),
					ElapsedSeconds: int64(t.Elapsed.Seconds()), RemainingSeconds: int64(t.Remaining.Seconds()),
					Percent: t.Percent, Breached: t.Breached, BreachedAt: timePtr(t.BreachedAt), StoppedAt: timePtr(t.StoppedAt),
					Explanation: t.Explanation,
				})
			}
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-sla-policy", Method: http.MethodGet, Path: "/api/v1/settings/sla-policy", Tags: []string{"Settings", "Service levels"},
		Summary: "Read the SLA policy (which definitions apply, how a replacement timer counts)"},
		func(ctx context.Context, _ *struct{}) (*struct{ Body SLAPolicyBody }, error) {
			if err := auth.Require(principal(ctx), auth.CreateRecord); err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			p, err := s.SLA.Policy(ctx)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &struct{ Body SLAPolicyBody }{Body: SLAPolicyBody(p)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "set-sla-policy", Method: http.MethodPut, Path: "/api/v1/settings/sla-policy", Tags: []string{"Settings", "Service levels"},
		Summary: "Change the SLA policy", Description: "Applies to record changes from now on; running timers are left as they are."},
		func(ctx context.Context, in *struct{ Body SLAPolicyBody }) (*struct{ Body SLAPolicyBody }, error) {
			if err := s.SLA.SetPolicy(ctx, principal(ctx), sla.Policy(in.Body)); err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &struct{ Body SLAPolicyBody }{Body: in.Body}, nil
		})
}

// CalendarSpec is calendar.Spec under a name of its own in the OpenAPI
// document, where sla.Spec is already "Spec".
type CalendarSpec calendar.Spec

// CalendarOut is a stored business calendar.
type CalendarOut struct {
	ID        int64        `json:"id"`
	Name      string       `json:"name"`
	Spec      CalendarSpec `json:"spec"`
	UpdatedAt time.Time    `json:"updated_at"`
}

// CalendarWrite creates or replaces a calendar.
type CalendarWrite struct {
	Name string       `json:"name" minLength:"1" maxLength:"100"`
	Spec CalendarSpec `json:"spec"`
}

func calendarOut(c sla.StoredCalendar) CalendarOut {
	return CalendarOut{ID: c.ID, Name: c.Name, Spec: CalendarSpec(c.Spec), UpdatedAt: c.UpdatedAt}
}

func (s *Server) registerCalendars(api huma.API) {
	tags := []string{"Service levels"}
	huma.Register(api, huma.Operation{OperationID: "list-calendars", Method: http.MethodGet, Path: "/api/v1/calendars", Tags: tags,
		Summary: "List business calendars", Description: "Calendar id 0 in a service level is 24x7 and is not stored."},
		func(ctx context.Context, _ *struct{}) (*list[CalendarOut], error) {
			cals, err := s.SLA.Calendars(ctx, principal(ctx))
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			out := &list[CalendarOut]{}
			out.Body.Items = make([]CalendarOut, len(cals))
			for i, c := range cals {
				out.Body.Items[i] = calendarOut(c)
			}
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "create-calendar", Method: http.MethodPost, Path: "/api/v1/calendars", Tags: tags,
		Summary: "Create a business calendar", DefaultStatus: http.StatusCreated,
		Description: "Hours map a lower-case weekday to intervals like `09:00-17:30`; an end before the start crosses midnight. " +
			"Holidays and exceptions take a date `2026-12-25` or a yearly `--12-25`."},
		func(ctx context.Context, in *struct{ Body CalendarWrite }) (*one[CalendarOut], error) {
			c, err := s.SLA.SaveCalendar(ctx, principal(ctx), 0, in.Body.Name, calendar.Spec(in.Body.Spec))
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &one[CalendarOut]{Location: "/api/v1/calendars/" + itoa64(c.ID), Body: calendarOut(c)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-calendar", Method: http.MethodGet, Path: "/api/v1/calendars/{id}", Tags: tags,
		Summary: "Read a business calendar"},
		func(ctx context.Context, in *IDPath) (*one[CalendarOut], error) {
			c, err := s.SLA.Calendar(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &one[CalendarOut]{Body: calendarOut(c)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "update-calendar", Method: http.MethodPut, Path: "/api/v1/calendars/{id}", Tags: tags,
		Summary: "Replace a business calendar", Description: "Running timers count in the new hours from now on; time already counted is kept."},
		func(ctx context.Context, in *struct {
			IDPath
			Body CalendarWrite
		}) (*one[CalendarOut], error) {
			c, err := s.SLA.SaveCalendar(ctx, principal(ctx), in.ID, in.Body.Name, calendar.Spec(in.Body.Spec))
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &one[CalendarOut]{Body: calendarOut(c)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "import-calendar-holidays", Method: http.MethodPost, Path: "/api/v1/calendars/{id}/holidays", Tags: tags,
		Summary: "Import holidays from an iCalendar file", MaxBodyBytes: 4<<20 + 1, SkipValidateBody: true,
		Description: "All-day events become holidays (a yearly RRULE gives a yearly holiday); dates the calendar already has are skipped."},
		func(ctx context.Context, in *struct {
			IDPath
			RawBody []byte `contentType:"text/calendar"`
		}) (*holidayImportOut, error) {
			c, added, err := s.SLA.ImportHolidays(ctx, principal(ctx), in.ID, bytes.NewReader(in.RawBody))
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			out := &holidayImportOut{}
			out.Body.Added, out.Body.Calendar = added, calendarOut(c)
			return out, nil
		})
}

// SLAPolicyBody is the SLA policy.
type SLAPolicyBody struct {
	Match     string `json:"match" doc:"first: the first definition that applies, in order; all: every definition that applies"`
	Recompute string `json:"recompute" doc:"when a record moves to another definition, from_start keeps the time counted since the record started; from_change counts afresh"`
}

type holidayImportOut struct {
	Body struct {
		Added    int         `json:"added" doc:"Holidays added; dates already present are skipped"`
		Calendar CalendarOut `json:"calendar"`
	}
}
