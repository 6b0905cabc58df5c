package calendar

import (
	"testing"
	"time"
	_ "time/tzdata" // the same zones on every host, as in the binary
)

// The reference cases below were worked out by hand from a wall calendar
// (2026-01-05, 2026-12-28, 2027-01-04 are Mondays; London changes clocks on
// 2026-03-29 01:00 GMT -> 02:00 BST and 2026-10-25 02:00 BST -> 01:00 GMT;
// New York on 2026-03-08 02:00 EST -> 03:00 EDT and 2026-11-01 02:00 EDT ->
// 01:00 EST) and written as literals; nothing here is computed by the code
// under test.

var (
	// uk: a London office, 09:00-17:00 on weekdays, with bank holidays.
	uk = Spec{
		Zone:  "Europe/London",
		Hours: weekdays("09:00-17:00"),
		Holidays: []Holiday{
			{Date: "--01-01", Name: "New Year's Day"},
			{Date: "--12-25", Name: "Christmas Day"},
			{Date: "--12-26", Name: "Boxing Day"},
			{Date: "2026-12-28", Name: "Boxing Day (substitute)"},
			{Date: "2026-04-03", Name: "Good Friday"},
			{Date: "2026-04-06", Name: "Easter Monday"},
		},
		Exceptions: []Exception{
			{Date: "2026-12-24", Name: "Christmas Eve", Intervals: []string{"09:00-13:00"}},
			{Date: "2026-06-19", Name: "Staff day"},
		},
	}
	// lunch: New York, 09:00-12:00 and 13:00-17:00 on weekdays.
	lunch = Spec{
		Zone:  "America/New_York",
		Hours: weekdays("09:00-12:00", "13:00-17:00"),
		Holidays: []Holiday{
			{Date: "--07-04", Name: "Independence Day"},
			{Date: "2026-07-03", Name: "Independence Day (observed)"},
		},
	}
	// night: London night shifts Monday to Friday, each ending next morning.
	night = Spec{Zone: "Europe/London", Hours: weekdays("22:00-06:00")}
)

func weekdays(intervals ...string) map[string][]string {
	h := map[string][]string{}
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday"} {
		h[d] = intervals
	}
	return h
}

func sundays(zone string, intervals ...string) Spec {
	return Spec{Zone: zone, Hours: map[string][]string{"sunday": intervals}}
}

func saturdays(zone string, intervals ...string) Spec {
	return Spec{Zone: zone, Hours: map[string][]string{"saturday": intervals}}
}

func allWeek(zone string, holidays ...Holiday) Spec {
	h := map[string][]string{}
	for _, d := range weekdayNames {
		h[d] = []string{"00:00-24:00"}
	}
	return Spec{Zone: zone, Hours: h, Holidays: holidays}
}

// farHoliday keeps a 24x7 calendar off its fast path, so the walk is tested.
var farHoliday = Holiday{Date: "2090-01-01", Name: "far away"}

func mustNew(t testing.TB, s Spec) *Calendar {
	t.Helper()
	c, err := New(s)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestAddReference(t *testing.T) {
	t.Parallel()
	const h, m = time.Hour, time.Minute
	tests := []struct {
		name  string
		spec  Spec
		start string
		d     time.Duration
		want  string
	}{
		{"within a day", uk, "2026-01-05T10:00:00Z", 3 * h, "2026-01-05T13:00:00Z"},
		{"into the next day", uk, "2026-01-05T15:00:00Z", 4 * h, "2026-01-06T11:00:00Z"},
		{"over the weekend", uk, "2026-01-09T16:00:00Z", 2 * h, "2026-01-12T10:00:00Z"},
		{"start before opening", uk, "2026-01-05T07:30:00Z", 1 * h, "2026-01-05T10:00:00Z"},
		{"start after closing", uk, "2026-01-05T18:00:00Z", 1 * h, "2026-01-06T10:00:00Z"},
		{"start on Saturday", uk, "2026-01-10T12:00:00Z", 30 * m, "2026-01-12T09:30:00Z"},
		{"zero outside hours is the next opening", uk, "2026-01-10T12:00:00Z", 0, "2026-01-12T09:00:00Z"},
		{"zero inside hours is start", uk, "2026-01-05T10:00:00.5Z", 0, "2026-01-05T10:00:00.5Z"},
		{"zero at closing is the next opening", uk, "2026-01-05T17:00:00Z", 0, "2026-01-06T09:00:00Z"},
		{"negative counts as zero", uk, "2026-01-05T10:00:00Z", -5 * h, "2026-01-05T10:00:00Z"},
		{"ends exactly at closing, not next opening", uk, "2026-01-05T09:00:00Z", 8 * h, "2026-01-05T17:00:00Z"},
		{"nanoseconds carried", uk, "2026-01-05T16:59:59.999999999Z", 2 * time.Nanosecond, "2026-01-06T09:00:00.000000001Z"},
		{"one-off holidays at Easter", uk, "2026-04-02T16:00:00+01:00", 2 * h, "2026-04-07T10:00:00+01:00"},
		{"yearly holidays in another year", uk, "2025-12-24T16:00:00Z", 2 * h, "2025-12-29T10:00:00Z"},
		{"closed exception", uk, "2026-06-18T16:00:00+01:00", 2 * h, "2026-06-22T10:00:00+01:00"},
		{"half-day exception", uk, "2026-12-24T12:00:00Z", 2 * h, "2026-12-29T10:00:00Z"},
		{"40 hours across the Christmas weeks", uk, "2026-12-23T09:00:00Z", 40 * h, "2027-01-04T13:00:00Z"},
		{"four weeks", uk, "2026-02-02T09:00:00Z", 160 * h, "2026-02-27T17:00:00Z"},
		{"office across spring forward", uk, "2026-03-27T16:00:00Z", 2 * h, "2026-03-30T10:00:00+01:00"},
		{"office in summer time", uk, "2026-07-06T09:00:00+01:00", 8 * h, "2026-07-06T17:00:00+01:00"},

		{"lunch break skipped", lunch, "2026-01-05T11:00:00-05:00", 2 * h, "2026-01-05T14:00:00-05:00"},
		{"start during lunch", lunch, "2026-01-05T12:30:00-05:00", 30 * m, "2026-01-05T13:30:00-05:00"},
		{"ends at lunch, not after it", lunch, "2026-01-05T11:00:00-05:00", 1 * h, "2026-01-05T12:00:00-05:00"},
		{"zero during lunch", lunch, "2026-01-05T12:15:00-05:00", 0, "2026-01-05T13:00:00-05:00"},
		{"weekend with lunch breaks", lunch, "2026-01-09T16:00:00-05:00", 8 * h, "2026-01-12T17:00:00-05:00"},
		{"two weeks with lunch breaks", lunch, "2026-01-05T09:00:00-05:00", 70 * h, "2026-01-16T17:00:00-05:00"},
		{"observed holiday", lunch, "2026-07-02T16:00:00-04:00", 2 * h, "2026-07-06T10:00:00-04:00"},
		{"office across spring forward in New York", lunch, "2026-03-06T16:00:00-05:00", 2 * h, "2026-03-09T10:00:00-04:00"},

		{"night shift past midnight", night, "2026-01-05T23:00:00Z", 2 * h, "2026-01-06T01:00:00Z"},
		{"morning belongs to last night's shift", night, "2026-01-06T05:00:00Z", 2 * h, "2026-01-06T23:00:00Z"},
		{"Saturday morning is Friday's shift", night, "2026-01-10T05:00:00Z", 2 * h, "2026-01-12T23:00:00Z"},
		{"Sunday waits for Monday night", night, "2026-01-11T12:00:00Z", 1 * h, "2026-01-12T23:00:00Z"},
		{"one whole shift", night, "2026-01-05T12:00:00Z", 8 * h, "2026-01-06T06:00:00Z"},

		// London, clocks forward 01:00 -> 02:00 on 2026-03-29, back 02:00 -> 01:00 on 2026-10-25.
		{"London 00:00-06:00 on spring day lasts 5h", sundays("Europe/London", "00:00-06:00"), "2026-03-29T00:00:00Z", 5 * h, "2026-03-29T06:00:00+01:00"},
		{"London the sixth hour is next Sunday", sundays("Europe/London", "00:00-06:00"), "2026-03-29T00:00:00Z", 6 * h, "2026-04-05T01:00:00+01:00"},
		{"London counting across the gap", sundays("Europe/London", "00:00-06:00"), "2026-03-29T00:30:00Z", 1 * h, "2026-03-29T02:30:00+01:00"},
		{"London 00:00-06:00 on autumn day lasts 7h", sundays("Europe/London", "00:00-06:00"), "2026-10-25T00:00:00+01:00", 7 * h, "2026-10-25T06:00:00Z"},
		{"London repeated hour counts twice", sundays("Europe/London", "00:00-06:00"), "2026-10-25T00:30:00+01:00", 2 * h, "2026-10-25T01:30:00Z"},
		{"London 09:00-17:00 on spring day", sundays("Europe/London", "09:00-17:00"), "2026-03-29T09:00:00+01:00", 8 * h, "2026-03-29T17:00:00+01:00"},
		{"London opening inside the gap is the jump", sundays("Europe/London", "01:30-03:00"), "2026-03-29T00:00:00Z", 0, "2026-03-29T02:00:00+01:00"},
		{"London ambiguous opening is its first showing", sundays("Europe/London", "01:30-03:00"), "2026-10-25T00:00:00+01:00", 0, "2026-10-25T01:30:00+01:00"},
		{"London night shift into spring forward", saturdays("Europe/London", "22:00-06:00"), "2026-03-28T22:00:00Z", 7 * h, "2026-03-29T06:00:00+01:00"},
		{"London night shift into fall back", saturdays("Europe/London", "22:00-06:00"), "2026-10-24T22:00:00+01:00", 9 * h, "2026-10-25T06:00:00Z"},

		// New York, clocks forward 02:00 -> 03:00 on 2026-03-08, back 02:00 -> 01:00 on 2026-11-01.
		{"New York 01:00-05:00 on spring day", sundays("America/New_York", "01:00-05:00"), "2026-03-08T01:00:00-05:00", 90 * m, "2026-03-08T03:30:00-04:00"},
		{"New York 01:00-05:00 spring day ends after 3h", sundays("America/New_York", "01:00-05:00"), "2026-03-08T01:00:00-05:00", 3 * h, "2026-03-08T05:00:00-04:00"},
		{"New York 01:00-05:00 repeated hour", sundays("America/New_York", "01:00-05:00"), "2026-11-01T01:00:00-04:00", 90 * m, "2026-11-01T01:30:00-05:00"},
		{"New York 01:00-05:00 autumn day ends after 5h", sundays("America/New_York", "01:00-05:00"), "2026-11-01T01:00:00-04:00", 5 * h, "2026-11-01T05:00:00-05:00"},
		{"New York opening inside the gap", sundays("America/New_York", "02:30-04:00"), "2026-03-08T00:00:00-05:00", 0, "2026-03-08T03:00:00-04:00"},
		{"New York interval wholly in the gap is empty", sundays("America/New_York", "02:15-02:45"), "2026-03-08T00:00:00-05:00", 30 * m, "2026-03-15T02:45:00-04:00"},
		{"New York 09:00-17:00 autumn day", sundays("America/New_York", "09:00-17:00"), "2026-11-01T09:00:00-05:00", 8 * h, "2026-11-01T17:00:00-05:00"},

		{"24x7", Spec{}, "2026-03-29T00:00:00Z", 24 * h, "2026-03-30T00:00:00Z"},
		{"24x7 spec across spring forward", allWeek("Europe/London", farHoliday), "2026-03-28T12:00:00Z", 48 * h, "2026-03-30T13:00:00+01:00"},
		{"24x7 spec across fall back", allWeek("America/New_York", farHoliday), "2026-10-31T12:00:00-04:00", 48 * h, "2026-11-02T11:00:00-05:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := Always()
			if tt.spec.Zone != "" {
				c = mustNew(t, tt.spec)
			}
			start, want := at(tt.start), at(tt.want)
			if got := c.Add(start, tt.d); !got.Equal(want) {
				t.Errorf("Add(%s, %s) = %s, want %s", tt.start, tt.d, got.In(c.loc), want.In(c.loc))
			}
			if got := c.Elapsed(start, want); tt.d > 0 && got != tt.d {
				t.Errorf("Elapsed(%s, %s) = %s, want %s", tt.start, tt.want, got, tt.d)
			}
		})
	}
}

func TestElapsedReference(t *testing.T) {
	t.Parallel()
	const h, m = time.Hour, time.Minute
	tests := []struct {
		name     string
		spec     Spec
		from, to string
		want     time.Duration
	}{
		{"a working week", uk, "2026-01-05T00:00:00Z", "2026-01-12T00:00:00Z", 40 * h},
		{"a weekend", uk, "2026-01-10T00:00:00Z", "2026-01-12T00:00:00Z", 0},
		{"across closing and opening", uk, "2026-01-05T16:30:00Z", "2026-01-06T09:15:00Z", 45 * m},
		{"to before from", uk, "2026-01-06T12:00:00Z", "2026-01-05T12:00:00Z", 0},
		{"four weeks", uk, "2026-02-02T00:00:00Z", "2026-03-02T00:00:00Z", 160 * h},
		// Mon-Wed 8h each, Thu 24th 4h, Fri 25th and Mon 28th closed,
		// Tue-Thu 8h each, Fri 1 January closed: 24+4+24.
		{"Christmas fortnight", uk, "2026-12-21T00:00:00Z", "2027-01-04T00:00:00Z", 52 * h},
		// 2026 has 261 weekdays; closed: 1 Jan, 3 Apr, 6 Apr, 19 Jun, 25 Dec,
		// 28 Dec; 24 Dec is 4h: 254 * 8h + 4h.
		{"the year 2026", uk, "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", 2036 * h},
		{"a week with lunch breaks", lunch, "2026-01-05T00:00:00-05:00", "2026-01-12T00:00:00-05:00", 35 * h},
		{"a day and a half with lunch", lunch, "2026-01-05T08:00:00-05:00", "2026-01-06T12:30:00-05:00", 10 * h},
		{"a week of night shifts", night, "2026-01-05T00:00:00Z", "2026-01-12T00:00:00Z", 40 * h},
		{"weekend holds Friday's shift end", night, "2026-01-10T00:00:00Z", "2026-01-12T00:00:00Z", 6 * h},

		{"London 00:00-06:00 normal Sunday", sundays("Europe/London", "00:00-06:00"), "2026-03-22T00:00:00Z", "2026-03-23T00:00:00Z", 6 * h},
		{"London 00:00-06:00 spring day", sundays("Europe/London", "00:00-06:00"), "2026-03-29T00:00:00Z", "2026-03-30T00:00:00+01:00", 5 * h},
		{"London 00:00-06:00 autumn day", sundays("Europe/London", "00:00-06:00"), "2026-10-25T00:00:00+01:00", "2026-10-26T00:00:00Z", 7 * h},
		{"London 03:00-09:00 spring day, gap excluded", sundays("Europe/London", "03:00-09:00"), "2026-03-29T00:00:00Z", "2026-03-30T00:00:00+01:00", 6 * h},
		{"London 03:00-09:00 autumn day, repeat excluded", sundays("Europe/London", "03:00-09:00"), "2026-10-25T00:00:00+01:00", "2026-10-26T00:00:00Z", 6 * h},
		{"London 09:00-17:00 spring day", sundays("Europe/London", "09:00-17:00"), "2026-03-29T00:00:00Z", "2026-03-30T00:00:00+01:00", 8 * h},
		{"London 09:00-17:00 autumn day", sundays("Europe/London", "09:00-17:00"), "2026-10-25T00:00:00+01:00", "2026-10-26T00:00:00Z", 8 * h},
		{"London 01:30-03:00 spring day", sundays("Europe/London", "01:30-03:00"), "2026-03-29T00:00:00Z", "2026-03-30T00:00:00+01:00", 1 * h},
		{"London 01:30-03:00 autumn day", sundays("Europe/London", "01:30-03:00"), "2026-10-25T00:00:00+01:00", "2026-10-26T00:00:00Z", 150 * m},
		{"London night shift into spring forward", saturdays("Europe/London", "22:00-06:00"), "2026-03-28T12:00:00Z", "2026-03-29T12:00:00+01:00", 7 * h},
		{"London night shift into fall back", saturdays("Europe/London", "22:00-06:00"), "2026-10-24T12:00:00+01:00", "2026-10-25T12:00:00Z", 9 * h},

		{"New York 01:00-05:00 spring day", sundays("America/New_York", "01:00-05:00"), "2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00", 3 * h},
		{"New York 01:00-05:00 autumn day", sundays("America/New_York", "01:00-05:00"), "2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00", 5 * h},
		{"New York 09:00-17:00 spring day", sundays("America/New_York", "09:00-17:00"), "2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00", 8 * h},
		{"New York 09:00-17:00 autumn day", sundays("America/New_York", "09:00-17:00"), "2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00", 8 * h},
		{"New York 02:30-04:00 spring day", sundays("America/New_York", "02:30-04:00"), "2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00", 1 * h},
		{"New York 02:30-04:00 autumn day", sundays("America/New_York", "02:30-04:00"), "2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00", 90 * m},
		{"New York 02:15-02:45 spring day is empty", sundays("America/New_York", "02:15-02:45"), "2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00", 0},
		{"New York 02:15-02:45 autumn day", sundays("America/New_York", "02:15-02:45"), "2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00", 30 * m},

		{"24x7", Spec{}, "2026-03-29T00:00:00Z", "2026-03-30T00:00:00+01:00", 23 * h},
		{"24x7 spec London spring day", allWeek("Europe/London", farHoliday), "2026-03-29T00:00:00Z", "2026-03-30T00:00:00+01:00", 23 * h},
		{"24x7 spec London autumn day", allWeek("Europe/London", farHoliday), "2026-10-25T00:00:00+01:00", "2026-10-26T00:00:00Z", 25 * h},
		{"24x7 spec New York a year", allWeek("America/New_York", farHoliday), "2026-01-01T00:00:00-05:00", "2027-01-01T00:00:00-05:00", 8760 * h},
		{"24x7 spec without holiday (fast path)", allWeek("America/New_York"), "2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00", 25 * h},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := Always()
			if tt.spec.Zone != "" {
				c = mustNew(t, tt.spec)
			}
			if got := c.Elapsed(at(tt.from), at(tt.to)); got != tt.want {
				t.Errorf("Elapsed(%s, %s) = %s, want %s", tt.from, tt.to, got, tt.want)
			}
		})
	}
}

func TestExplainReference(t *testing.T) {
	t.Parallel()
	type iv struct {
		start, end string
		counted    bool
		reason     string
	}
	tests := []struct {
		name     string
		spec     Spec
		from, to string
		want     []iv
	}{
		{"a weekend", uk, "2026-01-09T16:00:00Z", "2026-01-12T10:00:00Z", []iv{
			{"2026-01-09T16:00:00Z", "2026-01-09T17:00:00Z", true, "working hours"},
			{"2026-01-09T17:00:00Z", "2026-01-10T00:00:00Z", false, "outside working hours"},
			{"2026-01-10T00:00:00Z", "2026-01-12T00:00:00Z", false, "weekend"},
			{"2026-01-12T00:00:00Z", "2026-01-12T09:00:00Z", false, "outside working hours"},
			{"2026-01-12T09:00:00Z", "2026-01-12T10:00:00Z", true, "working hours"},
		}},
		{"Christmas", uk, "2026-12-24T12:00:00Z", "2026-12-29T10:00:00Z", []iv{
			{"2026-12-24T12:00:00Z", "2026-12-24T13:00:00Z", true, "exception: Christmas Eve"},
			{"2026-12-24T13:00:00Z", "2026-12-25T00:00:00Z", false, "exception: Christmas Eve"},
			{"2026-12-25T00:00:00Z", "2026-12-26T00:00:00Z", false, "holiday: Christmas Day"},
			{"2026-12-26T00:00:00Z", "2026-12-27T00:00:00Z", false, "holiday: Boxing Day"},
			{"2026-12-27T00:00:00Z", "2026-12-28T00:00:00Z", false, "weekend"},
			{"2026-12-28T00:00:00Z", "2026-12-29T00:00:00Z", false, "holiday: Boxing Day (substitute)"},
			{"2026-12-29T00:00:00Z", "2026-12-29T09:00:00Z", false, "outside working hours"},
			{"2026-12-29T09:00:00Z", "2026-12-29T10:00:00Z", true, "working hours"},
		}},
		{"Friday night shift", night, "2026-01-09T20:00:00Z", "2026-01-10T12:00:00Z", []iv{
			{"2026-01-09T20:00:00Z", "2026-01-09T22:00:00Z", false, "outside working hours"},
			{"2026-01-09T22:00:00Z", "2026-01-10T06:00:00Z", true, "working hours"},
			{"2026-01-10T06:00:00Z", "2026-01-10T12:00:00Z", false, "weekend"},
		}},
		{"lunch", lunch, "2026-01-05T11:00:00-05:00", "2026-01-05T14:00:00-05:00", []iv{
			{"2026-01-05T11:00:00-05:00", "2026-01-05T12:00:00-05:00", true, "working hours"},
			{"2026-01-05T12:00:00-05:00", "2026-01-05T13:00:00-05:00", false, "outside working hours"},
			{"2026-01-05T13:00:00-05:00", "2026-01-05T14:00:00-05:00", true, "working hours"},
		}},
		{"fall back", sundays("Europe/London", "00:00-06:00"), "2026-10-25T00:00:00+01:00", "2026-10-25T08:00:00Z", []iv{
			{"2026-10-25T00:00:00+01:00", "2026-10-25T06:00:00Z", true, "working hours"},
			{"2026-10-25T06:00:00Z", "2026-10-25T08:00:00Z", false, "outside working hours"},
		}},
		{"24x7", Spec{}, "2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z", []iv{
			{"2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z", true, "working hours"},
		}},
		{"empty", uk, "2026-01-06T00:00:00Z", "2026-01-06T00:00:00Z", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := Always()
			if tt.spec.Zone != "" {
				c = mustNew(t, tt.spec)
			}
			got := c.Explain(at(tt.from), at(tt.to))
			if len(got) != len(tt.want) {
				t.Fatalf("Explain gave %d intervals, want %d: %v", len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				g := got[i]
				if !g.Start.Equal(at(w.start)) || !g.End.Equal(at(w.end)) || g.Counted != w.counted || g.Reason != w.reason {
					t.Errorf("[%d] = %s..%s %v %q, want %s..%s %v %q", i,
						g.Start, g.End, g.Counted, g.Reason, w.start, w.end, w.counted, w.reason)
				}
				if g.Start.Location() != c.loc {
					t.Errorf("[%d] in %s, want the calendar's zone %s", i, g.Start.Location(), c.loc)
				}
			}
		})
	}
}

func TestElapsedExcludingReference(t *testing.T) {
	t.Parallel()
	c := mustNew(t, uk)
	span := func(a, b string) Span { return Span{at(a), at(b)} }
	tests := []struct {
		name   string
		pauses []Span
		want   time.Duration
	}{
		{"no pause", nil, 16 * time.Hour},
		{"pause overnight changes nothing", []Span{span("2026-01-05T17:00:00Z", "2026-01-06T09:00:00Z")}, 16 * time.Hour},
		{"pause over lunchtime hours", []Span{span("2026-01-05T12:00:00Z", "2026-01-05T14:00:00Z")}, 14 * time.Hour},
		{"overlapping, unsorted pauses count once", []Span{
			span("2026-01-06T10:00:00Z", "2026-01-06T12:00:00Z"),
			span("2026-01-05T16:00:00Z", "2026-01-06T11:00:00Z"),
		}, 12 * time.Hour},
		{"pause reaching outside the range", []Span{span("2026-01-04T00:00:00Z", "2026-01-05T10:00:00Z")}, 15 * time.Hour},
		{"empty and reversed pauses ignored", []Span{
			span("2026-01-05T12:00:00Z", "2026-01-05T12:00:00Z"),
			span("2026-01-05T14:00:00Z", "2026-01-05T12:00:00Z"),
		}, 16 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := c.ElapsedExcluding(at("2026-01-05T00:00:00Z"), at("2026-01-07T00:00:00Z"), tt.pauses)
			if got != tt.want {
				t.Errorf("ElapsedExcluding = %s, want %s", got, tt.want)
			}
		})
	}
}
