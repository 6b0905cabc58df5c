package sla

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"steward/internal/auth"
	"steward/internal/platform/audit"
	"steward/internal/platform/db"
	"steward/internal/platform/fault"
	"steward/internal/sla/calendar"
)

// CalendarSpec, Holiday and Exception are a business calendar's parts as
// callers outside this practice write them (see sla/calendar).
type (
	CalendarSpec = calendar.Spec
	Holiday      = calendar.Holiday
	Exception    = calendar.Exception
)

// StoredCalendar is a business calendar as admins keep it.
type StoredCalendar struct {
	ID        int64
	Name      string
	Spec      calendar.Spec
	CreatedAt time.Time
	UpdatedAt time.Time
}

// calendarTTL bounds how long a node counts in a calendar another node has
// since changed. A change on this node is seen at once.
const calendarTTL = 30 * time.Second

type cachedCalendar struct {
	hours  Hours
	loaded time.Time
}

// SaveCalendar creates a calendar (id 0) or replaces one. The spec is
// checked by calendar.New; nothing is saved unless it compiles.
func (s *Service) SaveCalendar(ctx context.Context, actor auth.Principal, id int64, name string, spec calendar.Spec) (StoredCalendar, error) {
	if err := auth.Require(actor, auth.ManageSLAs); err != nil {
		return StoredCalendar{}, err
	}
	name = strings.TrimSpace(name)
	v := &fault.ValidationError{}
	switch {
	case name == "":
		v.Add("name", "required")
	case len(name) > 100:
		v.Add("name", "at most 100 characters")
	}
	if _, err := calendar.New(spec); err != nil {
		var ve *fault.ValidationError
		if !errors.As(err, &ve) {
			return StoredCalendar{}, err
		}
		for _, f := range ve.Fields {
			v.Add("spec."+f.Field, "%s", f.Message)
		}
	}
	if err := v.Err(); err != nil {
		return StoredCalendar{}, err
	}
	body, err := json.Marshal(spec)
	if err != nil {
		return StoredCalendar{}, fmt.Errorf("sla: encode calendar: %w", err)
	}
	now := s.Now()
	err = s.DB.InTx(ctx, func(tx db.Querier) error {
		action := "calendar.update"
		if id == 0 {
			action = "calendar.create"
			err := tx.QueryRowContext(ctx, `INSERT INTO calendars (name, spec, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id`,
				name, string(body), now.UnixMilli()).Scan(&id)
			if db.IsUniqueViolation(err) {
				return fault.Invalid("name", "a calendar with this name already exists")
			}
			if err != nil {
				return fmt.Errorf("sla: create calendar: %w", err)
			}
		} else {
			res, err := tx.ExecContext(ctx, `UPDATE calendars SET name = $2, spec = $3, updated_at = $4 WHERE id = $1`,
				id, name, string(body), now.UnixMilli())
			if db.IsUniqueViolation(err) {
				return fault.Invalid("name", "a calendar with this name already exists")
			}
			if err != nil {
				return fmt.Errorf("sla: update calendar: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return fmt.Errorf("sla: calendar %d: %w", id, fault.ErrNotFound)
			}
		}
		return audit.Write(ctx, tx, now, actor.UserID, action, "calendar", id, map[string]any{"name": name, "spec": spec})
	})
	if err != nil {
		return StoredCalendar{}, err
	}
	s.mu.Lock()
	delete(s.calendars, id)
	s.mu.Unlock()
	return calendarByID(ctx, s.DB.Read, id)
}

// ImportHolidays adds the all-day events of an iCalendar file to a
// calendar's holidays, skipping dates it already has, and returns the
// calendar and how many holidays were added.
func (s *Service) ImportHolidays(ctx context.Context, actor auth.Principal, id int64, ics io.Reader) (StoredCalendar, int, error) {
	if err := auth.Require(actor, auth.ManageSLAs); err != nil {
		return StoredCalendar{}, 0, err
	}
	cal, err := calendarByID(ctx, s.DB.Read, id)
	if err != nil {
		return StoredCalendar{}, 0, err
	}
	hs, err := calendar.ParseICSHolidays(ics)
	if err != nil {
		return StoredCalendar{}, 0, err
	}
	have := map[string]bool{}
	for _, h := range cal.Spec.Holidays {
		have[h.Date] = true
	}
	added := 0
	for _, h := range hs {
		if !have[h.Date] {
			have[h.Date] = true
			cal.Spec.Holidays = append(cal.Spec.Holidays, h)
			added++
		}
	}
	if added == 0 {
		return cal, 0, nil
	}
	cal, err = s.SaveCalendar(ctx, actor, id, cal.Name, cal.Spec)
	return cal, added, err
}

// Calendar returns one stored calendar.
func (s *Service) Calendar(ctx context.Context, actor auth.Principal, id int64) (StoredCalendar, error) {
	if err := auth.Require(actor, auth.ReadDirectory); err != nil {
		return StoredCalendar{}, err
	}
	return calendarByID(ctx, s.DB.Read, id)
}

// Calendars lists the stored calendars by name. There are a handful, so
// the list is not paged.
func (s *Service) Calendars(ctx context.Context, actor auth.Principal) ([]StoredCalendar, error) {
	if err := auth.Require(actor, auth.ReadDirectory); err != nil {
		return nil, err
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT id, name, spec, created_at, updated_at FROM calendars ORDER BY lower(name), id`)
	if err != nil {
		return nil, fmt.Errorf("sla: list calendars: %w", err)
	}
	defer rows.Close()
	var out []StoredCalendar
	for rows.Next() {
		c, err := scanCalendar(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Hours returns the business hours of calendar id; 0 is 24x7. Compiled
// calendars are cached for calendarTTL.
func (s *Service) Hours(ctx context.Context, id int64) (Hours, error) {
	if id == 0 {
		return AlwaysOpen{}, nil
	}
	now := time.Now()
	s.mu.Lock()
	c, ok := s.calendars[id]
	s.mu.Unlock()
	if ok && now.Sub(c.loaded) < calendarTTL {
		return c.hours, nil
	}
	stored, err := calendarByID(ctx, s.DB.Read, id)
	if err != nil {
		return nil, err
	}
	compiled, err := calendar.New(stored.Spec)
	if err != nil {
		return nil, fmt.Errorf("sla: calendar %d no longer compiles: %w", id, err)
	}
	h := businessHours{compiled}
	s.mu.Lock()
	if s.calendars == nil {
		s.calendars = map[int64]cachedCalendar{}
	}
	s.calendars[id] = cachedCalendar{hours: h, loaded: now}
	s.mu.Unlock()
	return h, nil
}

// businessHours adapts a compiled calendar to Hours and Explainer.
type businessHours struct{ *calendar.Calendar }

func (b businessHours) Explain(from, to time.Time) []Interval {
	ivs := b.Calendar.Explain(from, to)
	out := make([]Interval, len(ivs))
	for i, iv := range ivs {
		out[i] = Interval{Start: iv.Start, End: iv.End, Counted: iv.Counted, Reason: iv.Reason}
	}
	return out
}

func calendarByID(ctx context.Context, q db.Querier, id int64) (StoredCalendar, error) {
	c, err := scanCalendar(q.QueryRowContext(ctx, `SELECT id, name, spec, created_at, updated_at FROM calendars WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return StoredCalendar{}, fmt.Errorf("sla: calendar %d: %w", id, fault.ErrNotFound)
	}
	return c, err
}

func scanCalendar(row interface{ Scan(...any) error }) (StoredCalendar, error) {
	var c StoredCalendar
	var spec string
	var created, updated int64
	if err := row.Scan(&c.ID, &c.Name, &spec, &created, &updated); err != nil {
		return StoredCalendar{}, err
	}
	if err := json.Unmarshal([]byte(spec), &c.Spec); err != nil {
		return StoredCalendar{}, fmt.Errorf("sla: calendar %d: decode spec: %w", c.ID, err)
	}
	c.CreatedAt, c.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return c, nil
}
