package calendar

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"steward/internal/platform/fault"
)

// Spec is a calendar as an admin writes it and as it is stored: plain
// strings that New checks and compiles.
type Spec struct {
	// Zone is an IANA time zone name such as "Europe/London".
	Zone string `json:"zone"`
	// Hours maps a lower-case English weekday ("monday") to its working
	// intervals "HH:MM-HH:MM". An end before the start crosses midnight
	// ("22:00-06:00" belongs to the day it starts); "24:00" may end an
	// interval ("00:00-24:00" is a whole day). A missing day is closed.
	Hours map[string][]string `json:"hours"`
	// Holidays close whole dates.
	Holidays []Holiday `json:"holidays,omitempty"`
	// Exceptions give dates their own intervals, overriding weekday and
	// holiday.
	Exceptions []Exception `json:"exceptions,omitempty"`
}

// Holiday is a closed date.
type Holiday struct {
	// Date is "2026-12-25" for one date or "--12-25" for every year.
	// When two holidays share a date, the first name is shown.
	Date string `json:"date"`
	Name string `json:"name"`
}

// Exception is a named date with its own working intervals, such as a half
// day on Christmas Eve; with no intervals the date is closed.
type Exception struct {
	// Date is "2026-12-24" for one date or "--12-24" for every year; a
	// one-off exception wins over a yearly one on the same date.
	Date      string   `json:"date"`
	Name      string   `json:"name"`
	Intervals []string `json:"intervals,omitempty"`
}

// weekdayNames are the Hours keys by time.Weekday.
var weekdayNames = [7]string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// New checks a spec and compiles it. Every problem is reported in one
// *fault.ValidationError naming its field ("zone", "hours.monday[1]",
// "holidays[2].date", "exceptions[0].intervals[1]").
func New(spec Spec) (*Calendar, error) {
	v := &fault.ValidationError{}
	c := &Calendar{
		holidays:         map[int64]string{},
		yearlyHolidays:   map[int]string{},
		exceptions:       map[int64]exception{},
		yearlyExceptions: map[int]exception{},
	}
	c.loc = loadZone(v, spec.Zone)
	c.compileHours(v, spec.Hours)
	c.compileHolidays(v, spec.Holidays)
	c.compileExceptions(v, spec.Exceptions)
	if err := v.Err(); err != nil {
		return nil, err
	}
	c.finish()
	if err := c.checkOpens(); err != nil {
		return nil, err
	}
	return c, nil
}

func loadZone(v *fault.ValidationError, name string) *time.Location {
	switch name {
	case "":
		v.Add("zone", "required: an IANA time zone such as Europe/London")
		return nil
	case "Local":
		v.Add("zone", "Local depends on the host; name the zone, such as Europe/London")
		return nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		v.Add("zone", "unknown time zone %q", name)
	}
	return loc
}

func (c *Calendar) compileHours(v *fault.ValidationError, hours map[string][]string) {
	var unknown []string
	for name := range hours {
		if !slices.Contains(weekdayNames[:], name) {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	for _, name := range unknown {
		v.Add("hours."+name, "unknown weekday; use monday ... sunday in lower case")
	}
	var index [7][]int
	for i := range 7 {
		wd := (i + 1) % 7 // report Monday first
		c.week[wd], index[wd] = parseSpans(v, "hours."+weekdayNames[wd], hours[weekdayNames[wd]])
	}
	// An interval crossing midnight must not overlap the next weekday's.
	for wd, spans := range c.week {
		next := (wd + 1) % 7
		for i, s := range spans {
			for j, n := range c.week[next] {
				if s.end > minutesPerDay && n.start < s.end-minutesPerDay {
					v.Add(fmt.Sprintf("hours.%s[%d]", weekdayNames[next], index[next][j]),
						"overlaps %s on %s (hours.%s[%d]), which runs past midnight",
						formatSpan(s), weekdayNames[wd], weekdayNames[wd], index[wd][i])
				}
			}
		}
	}
}

func (c *Calendar) compileHolidays(v *fault.ValidationError, hs []Holiday) {
	for i, h := range hs {
		d, err := parseDate(h.Date)
		if err != nil {
			v.Add(fmt.Sprintf("holidays[%d].date", i), "%v", err)
			continue
		}
		name := strings.TrimSpace(h.Name)
		if d.yearly {
			if _, dup := c.yearlyHolidays[d.md]; !dup {
				c.yearlyHolidays[d.md] = name
			}
		} else if _, dup := c.holidays[d.day]; !dup {
			c.holidays[d.day] = name
		}
	}
}

func (c *Calendar) compileExceptions(v *fault.ValidationError, es []Exception) {
	seen := map[date]int{}
	for i, e := range es {
		field := fmt.Sprintf("exceptions[%d]", i)
		name := strings.TrimSpace(e.Name)
		if name == "" {
			v.Add(field+".name", "required")
		}
		spans, _ := parseSpans(v, field+".intervals", e.Intervals)
		d, err := parseDate(e.Date)
		if err != nil {
			v.Add(field+".date", "%v", err)
			continue
		}
		if j, dup := seen[d]; dup {
			v.Add(field+".date", "same date as exceptions[%d]", j)
			continue
		}
		seen[d] = i
		if d.yearly {
			c.yearlyExceptions[d.md] = exception{name, spans}
		} else {
			c.exceptions[d.day] = exception{name, spans}
		}
	}
}

// checkOpens refuses a calendar that might never open again, on which Add
// could not return: one needs working hours in the week and a date of the
// year that is not closed every year (every such date falls on every
// weekday within 28 years).
func (c *Calendar) checkOpens() error {
	if c.weekLen == 0 {
		return fault.Invalid("hours", "no working hours on any day of the week")
	}
	if len(c.yearlyHolidays)+len(c.yearlyExceptions) < 366 {
		return nil
	}
	for m := 1; m <= 12; m++ {
		for d := 1; d <= daysIn(m); d++ {
			e, special := c.yearlyExceptions[monthDay(m, d)]
			_, closed := c.yearlyHolidays[monthDay(m, d)]
			if special && len(e.spans) > 0 || !special && !closed {
				return nil
			}
		}
	}
	return fault.Invalid("holidays", "every date of the year is closed, so the calendar never opens")
}

// parseSpans parses a list of intervals, reporting each bad one and each
// overlap, and returns the good ones sorted with their indexes in the list.
func parseSpans(v *fault.ValidationError, field string, list []string) ([]span, []int) {
	type item struct {
		s span
		i int
	}
	var items []item
	for i, text := range list {
		s, err := parseSpan(text)
		if err != nil {
			v.Add(fmt.Sprintf("%s[%d]", field, i), "%v", err)
			continue
		}
		items = append(items, item{s, i})
	}
	slices.SortStableFunc(items, func(a, b item) int { return int(a.s.start - b.s.start) })
	spans, index := make([]span, len(items)), make([]int, len(items))
	for k, it := range items {
		spans[k], index[k] = it.s, it.i
	}
	reach := 0 // the item reaching furthest so far
	for k := 1; k < len(items); k++ {
		if items[k].s.start < items[reach].s.end {
			v.Add(fmt.Sprintf("%s[%d]", field, items[k].i), "overlaps %s (%s[%d])",
				formatSpan(items[reach].s), field, items[reach].i)
		}
		if items[k].s.end > items[reach].s.end {
			reach = k
		}
	}
	return spans, index
}

// parseSpan reads "HH:MM-HH:MM". An end before the start crosses midnight;
// an end equal to the start is an error rather than 24 hours, because
// "09:00-09:00" is far likelier a slip than a day-long shift.
func parseSpan(text string) (span, error) {
	a, b, ok := strings.Cut(text, "-")
	if !ok {
		return span{}, fmt.Errorf("%q is not HH:MM-HH:MM", text)
	}
	start, err := parseClock(strings.TrimSpace(a), false)
	if err != nil {
		return span{}, err
	}
	end, err := parseClock(strings.TrimSpace(b), true)
	if err != nil {
		return span{}, err
	}
	switch {
	case end == start:
		return span{}, fmt.Errorf("%q has zero length (use 00:00-24:00 for a whole day)", text)
	case end < start:
		end += minutesPerDay
	}
	return span{start, end}, nil
}

// parseClock reads "HH:MM" as minutes from midnight; "24:00" only as an end.
func parseClock(s string, end bool) (int32, error) {
	if len(s) != 5 || s[2] != ':' || !digits(s[:2]) || !digits(s[3:]) {
		return 0, fmt.Errorf("%q is not a time HH:MM", s)
	}
	h, _ := strconv.Atoi(s[:2])
	m, _ := strconv.Atoi(s[3:])
	if m > 59 || h > 24 || h == 24 && (m != 0 || !end) {
		if end {
			return 0, fmt.Errorf("%q is not a time of day (00:00 to 24:00)", s)
		}
		return 0, fmt.Errorf("%q is not a time of day (00:00 to 23:59)", s)
	}
	return int32(h*60 + m), nil
}

func digits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// formatSpan writes a span as it is written in a spec.
func formatSpan(s span) string {
	end := s.end
	if end > minutesPerDay {
		end -= minutesPerDay
	}
	return fmt.Sprintf("%02d:%02d-%02d:%02d", s.start/60, s.start%60, end/60, end%60)
}

// date is a holiday or exception date: one day, or a month and day every
// year.
type date struct {
	yearly bool
	day    int64 // day number, one-off
	md     int   // monthDay, yearly
}

// parseDate reads "2026-12-25" or, for every year, "--12-25".
func parseDate(s string) (date, error) {
	if rest, ok := strings.CutPrefix(s, "--"); ok {
		if len(rest) == 5 && rest[2] == '-' && digits(rest[:2]) && digits(rest[3:]) {
			m, _ := strconv.Atoi(rest[:2])
			d, _ := strconv.Atoi(rest[3:])
			if m >= 1 && m <= 12 && d >= 1 && d <= daysIn(m) {
				return date{yearly: true, md: monthDay(m, d)}, nil
			}
		}
		return date{}, fmt.Errorf("%q is not a yearly date --MM-DD", s)
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return date{}, fmt.Errorf("%q is not a date YYYY-MM-DD (or --MM-DD for every year)", s)
	}
	return date{day: daysFromCivil(int64(t.Year()), int(t.Month()), t.Day())}, nil
}

// daysIn is the longest month m can be (February: 29).
func daysIn(m int) int {
	return time.Date(2024, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
