package calendar

import (
	"errors"
	"strings"
	"testing"
	"time"

	"steward/internal/platform/fault"
)

func FuzzParseSpan(f *testing.F) {
	for _, s := range []string{"09:00-17:00", "22:00-06:00", "00:00-24:00", "09:00-09:00", "24:00-01:00", "25:00-26:00", "9-17", "23:59-00:00", " 09:00 - 10:00 ", "09:00-", "-", "0a:00-10:00", "09:00-24:01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sp, err := parseSpan(s)
		if err != nil {
			return
		}
		if sp.start < 0 || sp.start >= minutesPerDay || sp.end <= sp.start || sp.end-sp.start > minutesPerDay {
			t.Fatalf("parseSpan(%q) = %+v out of range", s, sp)
		}
		again, err := parseSpan(formatSpan(sp))
		if err != nil || again != sp {
			t.Fatalf("parseSpan(%q) = %+v, but its text %q reads back as %+v, %v", s, sp, formatSpan(sp), again, err)
		}
	})
}

// FuzzNew feeds odd specs to New: it must either refuse them with field
// errors or build a calendar on which Add and Elapsed agree.
func FuzzNew(f *testing.F) {
	f.Add("Europe/London", "09:00-12:00,13:00-17:00", "22:00-06:00", "--12-25", "2026-12-24", "09:00-13:00", int64(0), int64(3600))
	f.Add("America/New_York", "01:00-05:00", "", "2026-03-08", "--11-01", "", int64(1772953200), int64(7200))
	f.Add("Mars/Olympus", "25:00-26:00", "09:00-09:00", "2026-02-30", "bad", "x", int64(-1), int64(-1))
	f.Add("UTC", "00:00-24:00", "00:00-24:00", "--02-29", "--02-29", "23:00-01:00", int64(1e9), int64(1e12))
	f.Add("Australia/Lord_Howe", "01:30-02:30", "02:00-01:00", "", "2026-04-05", "02:00-02:30", int64(1775310000), int64(5400))
	f.Fuzz(func(t *testing.T, zone, weekday, saturday, holiday, except, exceptHours string, startSec, d int64) {
		spec := Spec{
			Zone:       zone,
			Hours:      map[string][]string{"monday": split(weekday), "wednesday": split(weekday), "saturday": split(saturday)},
			Holidays:   []Holiday{{Date: holiday, Name: "h"}},
			Exceptions: []Exception{{Date: except, Name: "x", Intervals: split(exceptHours)}},
		}
		c, err := New(spec)
		if err != nil {
			var ve *fault.ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Fatalf("New error %v is not field errors", err)
			}
			return
		}
		// Keep instants and durations where the package promises to work.
		start := time.Unix(1262304000+mod(startSec, 20*365*secondsPerDay), 0)
		dur := time.Duration(mod(d, int64(2000*time.Hour)))
		due := c.Add(start, dur)
		if got := c.Elapsed(start, due); got != dur {
			t.Fatalf("Elapsed(start, Add(start, %s)) = %s", dur, got)
		}
	})
}

func FuzzParseICSHolidays(f *testing.F) {
	f.Add([]byte(ics("BEGIN:VCALENDAR", "BEGIN:VEVENT", "DTSTART;VALUE=DATE:20261225", "DTEND;VALUE=DATE:20261226", "SUMMARY:Christmas Day", "END:VEVENT", "END:VCALENDAR")))
	f.Add([]byte(ics("BEGIN:VCALENDAR", "BEGIN:VEVENT", "DTSTART;VALUE=DATE:20240229", "RRULE:FREQ=YEARLY;COUNT=3", "SUMMARY:Leap", "END:VEVENT", "END:VCALENDAR")))
	f.Add([]byte(ics("BEGIN:VCALENDAR", "BEGIN:VEVENT", "DTSTART:20260525T000000", "DURATION:P1W", "SUMMARY:Half\\, term", " folded", "END:VEVENT", "END:VCALENDAR")))
	f.Add([]byte(ics("BEGIN:VCALENDAR", "BEGIN:VEVENT", `DTSTART;X="a:b";VALUE=DATE:20261225`, "RRULE:FREQ=YEARLY;UNTIL=20301225", "BEGIN:VALARM", "END:VALARM", "END:VEVENT", "END:VCALENDAR")))
	f.Add([]byte("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:99991231\nRRULE:FREQ=YEARLY;COUNT=1000\nEND:VEVENT\nEND:VCALENDAR"))
	f.Add([]byte("BEGIN:VCALENDAR\r\nEND:VEVENT\r\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		hs, err := ParseICSHolidays(strings.NewReader(string(data)))
		if err != nil {
			var ve *fault.ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 || len(ve.Fields) > maxICSProblems+1 {
				t.Fatalf("error %v is not a short list of field errors", err)
			}
			return
		}
		for _, h := range hs {
			if _, err := parseDate(h.Date); err != nil {
				t.Fatalf("imported holiday %q that New would refuse: %v", h.Date, err)
			}
		}
	})
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func mod(a, b int64) int64 {
	if b <= 0 {
		return 0
	}
	return floorMod(a, b)
}
