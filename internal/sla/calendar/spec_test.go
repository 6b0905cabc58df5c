package calendar

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"steward/internal/platform/fault"
)

func TestNewRejects(t *testing.T) {
	t.Parallel()
	office := weekdays("09:00-17:00")
	hours := func(day string, intervals ...string) map[string][]string {
		return map[string][]string{day: intervals}
	}
	var allYear []Holiday
	for m := 1; m <= 12; m++ {
		for d := 1; d <= daysIn(m); d++ {
			allYear = append(allYear, Holiday{Date: fmt.Sprintf("--%02d-%02d", m, d)})
		}
	}
	tests := []struct {
		name       string
		spec       Spec
		wantFields []string
		wantIn     string // part of the message of the first field
	}{
		{"unknown zone", Spec{Zone: "Mars/Olympus", Hours: office}, []string{"zone"}, "Mars/Olympus"},
		{"no zone", Spec{Hours: office}, []string{"zone"}, "required"},
		{"host zone", Spec{Zone: "Local", Hours: office}, []string{"zone"}, "host"},
		{"overlapping intervals", Spec{Zone: "UTC", Hours: hours("monday", "09:00-12:00", "11:00-13:00")}, []string{"hours.monday[1]"}, "overlaps 09:00-12:00 (hours.monday[0])"},
		{"overlap reported against the furthest reach", Spec{Zone: "UTC", Hours: hours("monday", "08:00-18:00", "09:00-10:00", "12:00-13:00")}, []string{"hours.monday[1]", "hours.monday[2]"}, "overlaps 08:00-18:00"},
		{"overlap with a night interval", Spec{Zone: "UTC", Hours: hours("monday", "22:00-06:00", "23:00-23:30")}, []string{"hours.monday[1]"}, "overlaps 22:00-06:00"},
		{"hours out of range", Spec{Zone: "UTC", Hours: hours("tuesday", "25:00-26:00")}, []string{"hours.tuesday[0]"}, "not a time of day"},
		{"minutes out of range", Spec{Zone: "UTC", Hours: hours("tuesday", "09:60-10:00")}, []string{"hours.tuesday[0]"}, "not a time of day"},
		{"24:00 as a start", Spec{Zone: "UTC", Hours: hours("tuesday", "24:00-01:00")}, []string{"hours.tuesday[0]"}, "23:59"},
		{"24:30 as an end", Spec{Zone: "UTC", Hours: hours("tuesday", "09:00-24:30")}, []string{"hours.tuesday[0]"}, "24:00"},
		{"zero length", Spec{Zone: "UTC", Hours: hours("wednesday", "09:00-09:00")}, []string{"hours.wednesday[0]"}, "zero length"},
		{"not HH:MM", Spec{Zone: "UTC", Hours: hours("thursday", "9-17")}, []string{"hours.thursday[0]"}, "HH:MM"},
		{"no dash", Spec{Zone: "UTC", Hours: hours("thursday", "09:00")}, []string{"hours.thursday[0]"}, "HH:MM-HH:MM"},
		{"unknown weekday", Spec{Zone: "UTC", Hours: map[string][]string{"funday": {"09:00-17:00"}, "monday": {"09:00-17:00"}}}, []string{"hours.funday"}, "unknown weekday"},
		{"capitalised weekday", Spec{Zone: "UTC", Hours: map[string][]string{"Monday": {"09:00-17:00"}, "monday": {"09:00-17:00"}}}, []string{"hours.Monday"}, "lower case"},
		{"night shift runs into next day's hours", Spec{Zone: "UTC", Hours: map[string][]string{"friday": {"22:00-06:00"}, "saturday": {"05:00-07:00"}}}, []string{"hours.saturday[0]"}, "hours.friday[0]"},
		{"Sunday night runs into Monday", Spec{Zone: "UTC", Hours: map[string][]string{"sunday": {"23:00-02:00"}, "monday": {"01:00-09:00"}}}, []string{"hours.monday[0]"}, "runs past midnight"},
		{"no working hours", Spec{Zone: "UTC"}, []string{"hours"}, "no working hours"},
		{"every date a holiday", Spec{Zone: "UTC", Hours: office, Holidays: allYear}, []string{"holidays"}, "never opens"},
		{"bad holiday dates", Spec{Zone: "UTC", Hours: office, Holidays: []Holiday{
			{Date: "2026-12-25", Name: "fine"}, {Date: "--02-29", Name: "fine"},
			{Date: "2026-02-30"}, {Date: "--13-01"}, {Date: "12-25"}, {Date: "--02-30"}, {Date: "2026-1-5"}, {Date: ""},
		}}, []string{"holidays[2].date", "holidays[3].date", "holidays[4].date", "holidays[5].date", "holidays[6].date", "holidays[7].date"}, "2026-02-30"},
		{"bad exceptions", Spec{Zone: "UTC", Hours: office, Exceptions: []Exception{
			{Date: "2026-12-24", Intervals: []string{"09:00-13:00", "12:00-14:00"}},
			{Date: "2026-12-24", Name: "again"},
			{Date: "2026-13-24", Name: "bad date", Intervals: []string{"9:00-13:00"}},
		}}, []string{"exceptions[0].name", "exceptions[0].intervals[1]", "exceptions[1].date", "exceptions[2].intervals[0]", "exceptions[2].date"}, "required"},
		{"every problem at once", Spec{Zone: "Mars/Olympus", Hours: map[string][]string{"monday": {"09:00-09:00"}}, Holidays: []Holiday{{Date: "tomorrow"}}},
			[]string{"zone", "hours.monday[0]", "holidays[0].date"}, "Mars/Olympus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := New(tt.spec)
			var ve *fault.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("New = %v, %v; want a *fault.ValidationError", c, err)
			}
			if c != nil {
				t.Errorf("New returned a calendar with its error")
			}
			var fields []string
			for _, f := range ve.Fields {
				fields = append(fields, f.Field)
			}
			if !slices.Equal(fields, tt.wantFields) {
				t.Errorf("fields = %q, want %q (%v)", fields, tt.wantFields, err)
			}
			if !strings.Contains(ve.Fields[0].Message, tt.wantIn) {
				t.Errorf("message %q does not mention %q", ve.Fields[0].Message, tt.wantIn)
			}
		})
	}
}

func TestNewAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		spec Spec
		// a week from Monday 2026-01-05 00:00 in the zone
		wantWeek time.Duration
	}{
		{"touching intervals", Spec{Zone: "UTC", Hours: map[string][]string{"monday": {"09:00-12:00", "12:00-17:00"}}}, 8 * time.Hour},
		{"end at 24:00", Spec{Zone: "UTC", Hours: map[string][]string{"monday": {"22:00-24:00"}}}, 2 * time.Hour},
		{"whole day", Spec{Zone: "UTC", Hours: map[string][]string{"monday": {"00:00-24:00"}}}, 24 * time.Hour},
		{"spaces around the dash", Spec{Zone: "UTC", Hours: map[string][]string{"monday": {"09:00 - 10:00"}}}, time.Hour},
		{"night shift touching next morning", Spec{Zone: "UTC", Hours: map[string][]string{"monday": {"22:00-06:00"}, "tuesday": {"06:00-10:00"}}}, 12 * time.Hour},
		{"23:59 to midnight and on", Spec{Zone: "UTC", Hours: map[string][]string{"sunday": {"23:59-00:01"}}}, 2 * time.Minute},
		{"29 February yearly", Spec{Zone: "UTC", Hours: weekdays("09:00-17:00"), Holidays: []Holiday{{Date: "--02-29", Name: "Leap day"}}}, 40 * time.Hour},
		{"duplicate holidays", Spec{Zone: "UTC", Hours: weekdays("09:00-17:00"), Holidays: []Holiday{{Date: "2026-01-05", Name: "a"}, {Date: "2026-01-05", Name: "b"}}}, 32 * time.Hour},
		{"one-off exception beats yearly", Spec{Zone: "UTC", Hours: weekdays("09:00-17:00"), Exceptions: []Exception{
			{Date: "--01-05", Name: "closed every year"}, {Date: "2026-01-05", Name: "open this year", Intervals: []string{"10:00-11:00"}},
		}}, 33 * time.Hour},
		{"exception opens a holiday", Spec{Zone: "UTC", Hours: weekdays("09:00-17:00"),
			Holidays:   []Holiday{{Date: "2026-01-05", Name: "a"}},
			Exceptions: []Exception{{Date: "2026-01-05", Name: "open", Intervals: []string{"09:00-10:00"}}}}, 33 * time.Hour},
		{"exception's night runs into next day's hours, counted once", Spec{Zone: "UTC", Hours: weekdays("09:00-17:00"),
			Exceptions: []Exception{{Date: "2026-01-05", Name: "late", Intervals: []string{"20:00-10:00"}}}}, 14*time.Hour + 7*time.Hour + 24*time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := mustNew(t, tt.spec)
			from := time.Date(2026, 1, 5, 0, 0, 0, 0, c.loc)
			if got := c.Elapsed(from, from.AddDate(0, 0, 7)); got != tt.wantWeek {
				t.Errorf("a week = %s, want %s", got, tt.wantWeek)
			}
		})
	}
}

func TestExplainNamesDuplicateHolidayByFirst(t *testing.T) {
	t.Parallel()
	c := mustNew(t, Spec{Zone: "UTC", Hours: weekdays("09:00-17:00"), Holidays: []Holiday{{Date: "2026-01-05", Name: "a"}, {Date: "2026-01-05", Name: "b"}, {Date: "--01-06"}}})
	got := c.Explain(at("2026-01-05T00:00:00Z"), at("2026-01-07T00:00:00Z"))
	if len(got) != 2 || got[0].Reason != "holiday: a" || got[1].Reason != "holiday" {
		t.Errorf("Explain = %v, want holiday: a, then an unnamed holiday", got)
	}
}
