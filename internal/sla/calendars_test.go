package sla_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"steward/internal/auth"
	"steward/internal/incident"
	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
	"steward/internal/platform/fault"
	"steward/internal/record"
	"steward/internal/sla"
	"steward/internal/sla/calendar"
)

var officeHours = calendar.Spec{
	Zone: "Europe/London",
	Hours: map[string][]string{
		"monday": {"09:00-12:30", "13:30-17:30"}, "tuesday": {"09:00-17:30"}, "wednesday": {"09:00-17:30"},
		"thursday": {"09:00-17:30"}, "friday": {"09:00-17:00"},
	},
	Holidays: []calendar.Holiday{{Date: "--12-25", Name: "Christmas Day"}},
}

func TestCalendarsAreStoredAndCounted(t *testing.T) {
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := sla.NewService(d)
		cal, err := s.SaveCalendar(ctx, manager, 0, "London office", officeHours)
		if err != nil {
			t.Fatal(err)
		}
		if cal.ID == 0 || cal.Spec.Zone != "Europe/London" || len(cal.Spec.Hours["monday"]) != 2 {
			t.Fatalf("saved %+v", cal)
		}
		h, err := s.Hours(ctx, cal.ID)
		if err != nil {
			t.Fatal(err)
		}
		// Friday 16:00 London plus 2 business hours: 1 h on Friday, the
		// weekend skipped, 1 h on Monday from 09:00.
		fri := time.Date(2026, 11, 27, 16, 0, 0, 0, time.UTC) // London is UTC in November
		if got, want := h.Add(fri, 2*time.Hour), time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC); !got.Equal(want) {
			t.Fatalf("Add = %v, want %v", got, want)
		}
		if _, ok := h.(sla.Explainer); !ok {
			t.Fatal("a stored calendar should explain its intervals")
		}

		// An iCalendar import adds dates it does not have, once.
		ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261228\r\nSUMMARY:Boxing Day (substitute)\r\nEND:VEVENT\r\n" +
			"BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261225\r\nRRULE:FREQ=YEARLY\r\nSUMMARY:Christmas\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		cal, added, err := s.ImportHolidays(ctx, manager, cal.ID, strings.NewReader(ics))
		if err != nil || added != 1 || len(cal.Spec.Holidays) != 2 {
			t.Fatalf("import: added %d, %+v, %v", added, cal.Spec.Holidays, err)
		}
		if _, again, err := s.ImportHolidays(ctx, manager, cal.ID, strings.NewReader(ics)); err != nil || again != 0 {
			t.Fatalf("second import added %d, %v", again, err)
		}
		// The change is seen at once on this node.
		h, _ = s.Hours(ctx, cal.ID)
		mon := time.Date(2026, 12, 28, 9, 0, 0, 0, time.UTC)
		if got := h.Elapsed(mon, mon.Add(8*time.Hour)); got != 0 {
			t.Fatalf("the imported holiday counted %v", got)
		}

		list, err := s.Calendars(ctx, manager)
		if err != nil || len(list) != 1 || list[0].Name != "London office" {
			t.Fatalf("list %+v, %v", list, err)
		}
		if _, err := s.SaveCalendar(ctx, auth.Principal{UserID: 9, Role: auth.Agent}, 0, "Mine", officeHours); !errors.Is(err, fault.ErrForbidden) {
			t.Fatalf("an agent saved a calendar: %v", err)
		}
	})
}

func TestBadCalendarsSaveNothing(t *testing.T) {
	overlap := officeHours
	overlap.Hours = map[string][]string{"monday": {"09:00-13:00", "12:00-17:00"}}
	zone := officeHours
	zone.Zone = "Mars/Olympus_Mons"
	never := calendar.Spec{Zone: "UTC"}
	cases := []struct {
		name, calName string
		spec          calendar.Spec
		field         string
	}{
		{"overlapping intervals", "Overlap", overlap, "spec.hours.monday[1]"},
		{"unknown time zone", "Mars", zone, "spec.zone"},
		{"never open", "Never", never, "spec.hours"},
		{"no name", "  ", officeHours, "name"},
	}
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := sla.NewService(d)
		for _, c := range cases {
			_, err := s.SaveCalendar(ctx, manager, 0, c.calName, c.spec)
			var v *fault.ValidationError
			if !errors.As(err, &v) {
				t.Fatalf("%s: %v, want a validation error", c.name, err)
			}
			found := false
			for _, f := range v.Fields {
				found = found || strings.HasPrefix(f.Field, c.field)
			}
			if !found {
				t.Errorf("%s: fields %+v, want %s", c.name, v.Fields, c.field)
			}
		}
		if n := count(t, d, "calendars"); n != 0 {
			t.Fatalf("%d calendars saved", n)
		}
		if _, err := s.Hours(ctx, 42); !errors.Is(err, fault.ErrNotFound) {
			t.Fatalf("unknown calendar: %v", err)
		}
	})
}

// A timer counting in office hours is due in business time and explains
// the night it left out.
func TestTimerCountsInItsCalendar(t *testing.T) {
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		s := sla.NewService(d)
		cal, err := s.SaveCalendar(ctx, manager, 0, "London office", officeHours)
		if err != nil {
			t.Fatal(err)
		}
		w.engine.Calendar = s.Hours
		spec := resolution(240)
		spec.CalendarID = cal.ID
		spec.AppliesTo.Priorities = []int{1}
		if _, err := s.CreateDefinition(ctx, manager, sla.DefinitionInput{Name: "P1 office hours", Position: 0, Active: true, Spec: spec}); err != nil {
			t.Fatal(err)
		}
		w.now = time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC) // Monday 16:00 in London
		inc, _, err := w.inc.Create(ctx, w.agent, incident.NewIncident{Title: "Warehouse scanners offline", Impact: record.High, Urgency: record.High})
		if err != nil {
			t.Fatal(err)
		}
		w.deliver(t)
		res, ok := w.timers(t, inc.Number)["P1 office hours/resolution/running"]
		// 1.5 h on Monday, 2.5 h on Tuesday from 09:00.
		if !ok || !res.DueAt.Equal(time.Date(2026, 11, 24, 11, 30, 0, 0, time.UTC)) {
			t.Fatalf("timer %+v", w.timers(t, inc.Number))
		}
		h, _ := w.engine.HoursOf(ctx, res)
		now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
		var counted time.Duration
		var sawNight bool
		for _, iv := range res.Explain(h, now) {
			if iv.Counted {
				counted += iv.End.Sub(iv.Start)
			} else if iv.Reason != "" {
				sawNight = true
			}
		}
		if counted != res.ElapsedAt(h, now) || counted != 2*time.Hour+30*time.Minute || !sawNight {
			t.Fatalf("explanation counts %v (elapsed %v), night shown %v", counted, res.ElapsedAt(h, now), sawNight)
		}
	})
}
