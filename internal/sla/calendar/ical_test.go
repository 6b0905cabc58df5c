package calendar

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"steward/internal/platform/fault"
)

// ics joins lines with CRLF as RFC 5545 wants.
func ics(lines ...string) string { return strings.Join(lines, "\r\n") + "\r\n" }

func TestParseICSHolidays(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []Holiday
	}{
		{"typical feed", ics(
			"BEGIN:VCALENDAR",
			"VERSION:2.0",
			"PRODID:-//gov.uk//bank holidays//EN",
			"BEGIN:VEVENT",
			"DTSTART;VALUE=DATE:20261225",
			"DTEND;VALUE=DATE:20261226",
			"SUMMARY:Christmas Day",
			"UID:1@example",
			"END:VEVENT",
			"BEGIN:VEVENT",
			"DTSTART;VALUE=DATE:20261228",
			"SUMMARY:Boxing Day\\, substitute",
			"END:VEVENT",
			"END:VCALENDAR",
		), []Holiday{{"2026-12-25", "Christmas Day"}, {"2026-12-28", "Boxing Day, substitute"}}},
		{"yearly rule", ics(
			"BEGIN:VCALENDAR",
			"BEGIN:VEVENT",
			"DTSTART;VALUE=DATE:20200101",
			"RRULE:FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1",
			"SUMMARY:New Year's Day",
			"END:VEVENT",
			"END:VCALENDAR",
		), []Holiday{{"--01-01", "New Year's Day"}}},
		{"folded lines, LF only, lower-case names", strings.Join([]string{
			"BEGIN:VCALENDAR",
			"begin:vevent",
			"dtstart;value=date:20260501",
			"SUMMARY:Early May",
			"  bank holiday",
			"\tat last",
			"end:vevent",
			"END:VCALENDAR",
		}, "\n"), []Holiday{{"2026-05-01", "Early May bank holidayat last"}}},
		{"several days", ics(
			"BEGIN:VCALENDAR",
			"BEGIN:VEVENT",
			"DTSTART;VALUE=DATE:20261231",
			"DTEND;VALUE=DATE:20270102",
			"SUMMARY:Year end",
			"END:VEVENT",
			"BEGIN:VEVENT",
			"DTSTART;VALUE=DATE:20260801",
			"DURATION:P2D",
			"SUMMARY:Summer",
			"END:VEVENT",
			"END:VCALENDAR",
		), []Holiday{{"2026-12-31", "Year end"}, {"2027-01-01", "Year end"}, {"2026-08-01", "Summer"}, {"2026-08-02", "Summer"}}},
		{"date-times at midnight count, timed events and cancelled ones do not", ics(
			"BEGIN:VCALENDAR",
			"BEGIN:VEVENT",
			"DTSTART;TZID=Europe/London:20260525T000000",
			"DTEND;TZID=Europe/London:20260526T000000",
			"SUMMARY:Spring bank holiday",
			"END:VEVENT",
			"BEGIN:VEVENT",
			"DTSTART:20260526T140000Z",
			"DTEND:20260526T150000Z",
			"SUMMARY:Meeting",
			"END:VEVENT",
			"BEGIN:VEVENT",
			"DTSTART;VALUE=DATE:20260527",
			"STATUS:CANCELLED",
			"SUMMARY:Called off",
			"END:VEVENT",
			"END:VCALENDAR",
		), []Holiday{{"2026-05-25", "Spring bank holiday"}}},
		{"nested alarm and quoted parameters", ics(
			"BEGIN:VCALENDAR",
			"BEGIN:VTIMEZONE",
			"TZID:Europe/London",
			"END:VTIMEZONE",
			"BEGIN:VEVENT",
			`DTSTART;X-NOTE="a;b:c";VALUE=DATE:20260831`,
			`SUMMARY;LANGUAGE=en:Summer bank holiday`,
			"BEGIN:VALARM",
			"DTSTART:20200101T090000Z",
			"SUMMARY:not me",
			"END:VALARM",
			"END:VEVENT",
			"END:VCALENDAR",
		), []Holiday{{"2026-08-31", "Summer bank holiday"}}},
		{"COUNT and UNTIL give one-off dates, 29 February only in leap years", ics(
			"BEGIN:VCALENDAR",
			"BEGIN:VEVENT",
			"DTSTART;VALUE=DATE:20240229",
			"RRULE:FREQ=YEARLY;COUNT=2",
			"SUMMARY:Leap",
			"END:VEVENT",
			"BEGIN:VEVENT",
			"DTSTART;VALUE=DATE:20250704",
			"RRULE:FREQ=YEARLY;UNTIL=20270704T000000Z",
			"SUMMARY:Fourth",
			"END:VEVENT",
			"END:VCALENDAR",
		), []Holiday{{"2024-02-29", "Leap"}, {"2028-02-29", "Leap"}, {"2025-07-04", "Fourth"}, {"2026-07-04", "Fourth"}, {"2027-07-04", "Fourth"}}},
		{"no events", "\ufeffBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseICSHolidays(strings.NewReader(tt.in))
			if err != nil {
				t.Fatalf("ParseICSHolidays: %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestParseICSHolidaysRejects(t *testing.T) {
	t.Parallel()
	event := func(props ...string) string {
		return ics(append(append([]string{"BEGIN:VCALENDAR", "BEGIN:VEVENT"}, props...), "END:VEVENT", "END:VCALENDAR")...)
	}
	tests := []struct {
		name, in, wantIn string
	}{
		{"not iCalendar", "%PDF-1.7\n", "line 1: not an iCalendar file"},
		{"empty", "", "empty file"},
		{"unterminated", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261225\r\n", "ends inside BEGIN:VEVENT"},
		{"mismatched END", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\n", "line 3: END:VCALENDAR does not close"},
		{"monthly rule", event("DTSTART;VALUE=DATE:20261225", "RRULE:FREQ=MONTHLY", "SUMMARY:x"), "FREQ=MONTHLY is not supported"},
		{"nth weekday rule", event("DTSTART;VALUE=DATE:20261126", "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=4TH", "SUMMARY:Thanksgiving"), `"Thanksgiving": RRULE: BYDAY=4TH is not supported`},
		{"rule on another month", event("DTSTART;VALUE=DATE:20261225", "RRULE:FREQ=YEARLY;BYMONTH=1"), "BYMONTH=1 is not supported"},
		{"interval 2", event("DTSTART;VALUE=DATE:20261225", "RRULE:FREQ=YEARLY;INTERVAL=2"), "INTERVAL=2"},
		{"rule without FREQ", event("DTSTART;VALUE=DATE:20261225", "RRULE:COUNT=2"), "no FREQ=YEARLY"},
		{"EXDATE", event("DTSTART;VALUE=DATE:20261225", "RRULE:FREQ=YEARLY", "EXDATE;VALUE=DATE:20271225"), "EXDATE is not supported"},
		{"bad date", event("DTSTART;VALUE=DATE:20261325"), "line 3: event \"\": DTSTART: \"20261325\" is not a valid date"},
		{"bad date-time", event("DTSTART:2026-12-25"), "not a DATE-TIME"},
		{"end before start", event("DTSTART;VALUE=DATE:20261225", "DTEND;VALUE=DATE:20261224"), "covers -1 days"},
		{"too long", event("DTSTART;VALUE=DATE:20260101", "DTEND;VALUE=DATE:20280101"), "covers 730 days"},
		{"no DTSTART", event("SUMMARY:x"), "has no DTSTART"},
		{"DTSTART twice", event("DTSTART;VALUE=DATE:20261225", "DTSTART;VALUE=DATE:20261226"), "line 4: DTSTART given twice"},
		{"odd duration", event("DTSTART;VALUE=DATE:20261225", "DURATION:PT24H"), "DURATION \"PT24H\" is not supported"},
		{"beyond 9999", event("DTSTART;VALUE=DATE:99991231", "DURATION:P2D"), "date out of range"},
		{"not a content line", ics("BEGIN:VCALENDAR", "garbage", "END:VCALENDAR"), "line 2: not a content line"},
		{"too big", "BEGIN:VCALENDAR\r\n" + strings.Repeat("X-PAD:"+strings.Repeat("a", 1000)+"\r\n", maxICSSize/1000), "larger than 4 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseICSHolidays(strings.NewReader(tt.in))
			var ve *fault.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("got %q, %v; want a *fault.ValidationError", got, err)
			}
			if ve.Fields[0].Field != "ics" || !strings.Contains(ve.Fields[0].Message, tt.wantIn) {
				t.Errorf("error %v does not mention %q", err, tt.wantIn)
			}
		})
	}
}

func TestICSHolidaysCloseTheCalendar(t *testing.T) {
	t.Parallel()
	hs, err := ParseICSHolidays(strings.NewReader(ics(
		"BEGIN:VCALENDAR",
		"BEGIN:VEVENT", "DTSTART;VALUE=DATE:20201225", "RRULE:FREQ=YEARLY", "SUMMARY:Christmas Day", "END:VEVENT",
		"BEGIN:VEVENT", "DTSTART;VALUE=DATE:20261228", "SUMMARY:Boxing Day (substitute)", "END:VEVENT",
		"END:VCALENDAR",
	)))
	if err != nil {
		t.Fatal(err)
	}
	c := mustNew(t, Spec{Zone: "Europe/London", Hours: weekdays("09:00-17:00"), Holidays: hs})
	// Thu 24 8h, Fri 25 closed, weekend, Mon 28 closed, Tue 29 8h.
	if got := c.Elapsed(at("2026-12-24T00:00:00Z"), at("2026-12-30T00:00:00Z")); got != 16*time.Hour {
		t.Errorf("Elapsed over Christmas = %s, want 16h", got)
	}
}
