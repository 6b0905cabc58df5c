// Package calendar does business-time arithmetic: when an SLA target falls
// due, and how much business time lies between two instants, counted in a
// calendar of working hours, holidays and exceptions in one IANA time zone.
//
// Business time is a set of instants. Each local date contributes intervals
// of wall-clock time [start, end); an interval whose end is not after its
// start crosses midnight and belongs to the date it starts on, so a holiday
// on Saturday does not shorten Friday's 22:00-06:00 night shift. Each
// wall-clock boundary becomes an instant through the calendar's zone, with an
// explicit rule where the clocks change (time.Date leaves it open):
//
//   - a wall time that never happens (the hour skipped when clocks go forward)
//     becomes the instant the clocks jump: on a day jumping 02:00 -> 03:00,
//     01:00-05:00 lasts 3h, 02:30-04:00 lasts 1h, 02:15-02:45 is empty;
//   - a wall time that happens twice (clocks go back) becomes its first
//     occurrence: on a day repeating 01:00-02:00, 00:00-05:00 lasts 6h (the
//     repeated hour counts twice), 02:00-05:00 lasts 3h, 00:00-01:30 lasts 1h30.
//
// Where intervals of two dates overlap (an exception's night shift running
// into the next morning's hours), the overlap counts once.
//
// Everything here is pure: no clock, no I/O, and a Calendar is immutable and
// safe for concurrent use. Durations are time.Duration, so spans must be
// shorter than about 292 years. Zones are loaded with time.LoadLocation; the
// steward binary embeds time/tzdata so every zone exists on every host.
package calendar

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// Calendar says which instants are business time. Build one with New or
// Always; the zero value is not usable.
type Calendar struct {
	loc *time.Location
	// week holds the working intervals by time.Weekday, sorted and
	// non-overlapping, also across midnight into the next weekday.
	week [7][]span
	// weekLen is the business time of a week without holidays, exceptions
	// or clock changes, and weekEnd the latest end per weekday: with them a
	// walk steps over such a week at once instead of day by day.
	weekLen time.Duration
	weekEnd [7]int32

	holidays         map[int64]string // one-off, by day number
	yearlyHolidays   map[int]string   // by monthDay
	exceptions       map[int64]exception
	yearlyExceptions map[int]exception

	// oneOffDays (sorted) and yearlyDays index the dates above, so that a
	// walk can tell quickly that a week holds none of them.
	oneOffDays []int64
	yearlyDays [13 * 32]bool

	special bool // some holiday or exception exists: dates must be looked up
	always  bool // 24x7 and nothing special: plain clock arithmetic
}

// span is a working interval in minutes from local midnight; end may pass
// 1440 (up to 2880) when the interval crosses midnight.
type span struct{ start, end int32 }

// exception is a named date with its own intervals (none: closed).
type exception struct {
	name  string
	spans []span
}

// kind is what decides a date's hours.
type kind uint8

const (
	regular kind = iota
	holiday
	excepted
)

// Interval is one piece of an explanation: a stretch of time that was
// counted as business time or left out, and why.
type Interval struct {
	Start, End time.Time
	Counted    bool
	// Reason is "working hours", "outside working hours", "weekend" (a
	// weekday with no working hours), "holiday: <name>" or
	// "exception: <name>".
	Reason string
}

// Span is a stretch of time [Start, End), such as a pause while a record is
// On Hold.
type Span struct {
	Start, End time.Time
}

const (
	reasonWorking = "working hours"
	reasonOutside = "outside working hours"
	reasonWeekend = "weekend"
	minutesPerDay = 24 * 60
)

// Always returns the 24x7 calendar: every instant is business time.
func Always() *Calendar {
	c := &Calendar{loc: time.UTC}
	for wd := range c.week {
		c.week[wd] = []span{{0, minutesPerDay}}
	}
	c.finish()
	return c
}

// Location returns the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Add returns the earliest instant at which d of business time has elapsed
// counting from start: if start lies outside working hours, counting begins
// at the next opening. Add(start, 0) is start itself when start is within
// working hours, else the next opening; a negative d counts as 0. The result
// is in start's location. For d > 0, Elapsed(start, Add(start, d)) == d.
func (c *Calendar) Add(start time.Time, d time.Duration) time.Time {
	d = max(d, 0)
	if c.always {
		return start.Add(d)
	}
	w := c.walk(start)
	first := ceilSecond(start)
	for {
		if week, ok := w.skipWeek(first, math.MaxInt64, d); ok {
			d -= week
			continue
		}
		iv, _ := w.next(math.MaxInt64) // New guarantees the calendar opens again
		s, e := time.Unix(iv.start, 0), time.Unix(iv.end, 0)
		if s.Before(start) {
			s = start
		}
		if !e.After(s) {
			continue
		}
		if avail := e.Sub(s); d <= avail {
			return s.Add(d).In(start.Location())
		}
		d -= e.Sub(s)
	}
}

// Elapsed returns the business time in [from, to); 0 if to is not after from.
func (c *Calendar) Elapsed(from, to time.Time) time.Duration {
	if !from.Before(to) {
		return 0
	}
	if c.always {
		return to.Sub(from)
	}
	w := c.walk(from)
	first, last := ceilSecond(from), to.Unix()
	var total time.Duration
	for {
		if week, ok := w.skipWeek(first, last, math.MaxInt64); ok {
			total += week
			continue
		}
		iv, ok := w.next(last + 1)
		if !ok {
			return total
		}
		total += overlap(iv, from, to)
	}
}

// ElapsedExcluding returns the business time in [from, to) outside the
// pauses, which may overlap, be unsorted or reach outside [from, to).
// Pausing during non-working time changes nothing.
func (c *Calendar) ElapsedExcluding(from, to time.Time, pauses []Span) time.Duration {
	if !from.Before(to) {
		return 0
	}
	ps := make([]Span, 0, len(pauses))
	for _, p := range pauses {
		p.Start, p.End = laterOf(p.Start, from), earlierOf(p.End, to)
		if p.Start.Before(p.End) {
			ps = append(ps, p)
		}
	}
	slices.SortFunc(ps, func(a, b Span) int { return a.Start.Compare(b.Start) })
	var total time.Duration
	cur := from
	for _, p := range ps {
		total += c.Elapsed(cur, p.Start)
		cur = laterOf(cur, p.End)
	}
	return total + c.Elapsed(cur, to)
}

// Explain lists the stretches of [from, to) in order, counted or not, with
// the reason for each, so that anyone can check a figure: they tile
// [from, to) without gap or overlap and the counted ones sum to Elapsed.
// Left-out time is split at local midnights so each day shows its reason;
// times are in the calendar's zone.
func (c *Calendar) Explain(from, to time.Time) []Interval {
	if !from.Before(to) {
		return nil
	}
	from, to = from.In(c.loc), to.In(c.loc)
	if c.always {
		return []Interval{{Start: from, End: to, Counted: true, Reason: reasonWorking}}
	}
	var out []Interval
	cur := from
	w := c.walk(from)
	for {
		iv, ok := w.next(to.Unix() + 1)
		if !ok {
			break
		}
		s, e := laterOf(time.Unix(iv.start, 0), from), earlierOf(time.Unix(iv.end, 0), to)
		if !e.After(s) {
			continue
		}
		out = c.excluded(out, cur, s)
		out = append(out, Interval{Start: s.In(c.loc), End: e.In(c.loc), Counted: true, Reason: iv.reason()})
		cur = e
	}
	return c.excluded(out, cur, to)
}

// excluded appends the left-out stretch [a, b), one piece per local date,
// merging a piece into the previous one when the reason is the same (a
// weekend is one piece, not two).
func (c *Calendar) excluded(out []Interval, a, b time.Time) []Interval {
	z := newZone(c.loc)
	day := localDay(a, c.loc)
	for a.Before(b) {
		midnight := time.Unix(z.instant((day+1)*secondsPerDay), 0)
		end := earlierOf(midnight, b)
		if end.After(a) {
			reason := c.closedReason(day)
			if n := len(out); n > 0 && !out[n-1].Counted && out[n-1].Reason == reason && out[n-1].End.Equal(a) {
				out[n-1].End = end.In(c.loc)
			} else {
				out = append(out, Interval{Start: a.In(c.loc), End: end.In(c.loc), Reason: reason})
			}
			a = end
		}
		day++
	}
	return out
}

// plan returns the working intervals of a date and what decided them. The
// most specific wins: a one-off exception, a yearly exception, a one-off
// holiday, a yearly holiday, then the weekday.
func (c *Calendar) plan(day int64) ([]span, kind, string) {
	if !c.special {
		return c.week[weekday(day)], regular, ""
	}
	if e, ok := c.exceptions[day]; ok {
		return e.spans, excepted, e.name
	}
	md := monthDayOf(day)
	if e, ok := c.yearlyExceptions[md]; ok {
		return e.spans, excepted, e.name
	}
	if name, ok := c.holidays[day]; ok {
		return nil, holiday, name
	}
	if name, ok := c.yearlyHolidays[md]; ok {
		return nil, holiday, name
	}
	return c.week[weekday(day)], regular, ""
}

// regularDays reports whether the n dates from day all follow the weekly
// hours, with no holiday or exception among them.
func (c *Calendar) regularDays(day int64, n int64) bool {
	if !c.special {
		return true
	}
	if i, _ := slices.BinarySearch(c.oneOffDays, day); i < len(c.oneOffDays) && c.oneOffDays[i] < day+n {
		return false
	}
	if len(c.yearlyHolidays)+len(c.yearlyExceptions) > 0 {
		for d := day; d < day+n; d++ {
			if c.yearlyDays[monthDayOf(d)] {
				return false
			}
		}
	}
	return true
}

// closedReason says why time on a date outside its intervals is left out.
func (c *Calendar) closedReason(day int64) string {
	spans, k, name := c.plan(day)
	switch {
	case k == holiday:
		return label("holiday", name)
	case k == excepted:
		return label("exception", name)
	case len(spans) == 0:
		return reasonWeekend
	}
	return reasonOutside
}

func label(kind, name string) string {
	if name == "" {
		return kind
	}
	return kind + ": " + name
}

// finish derives what the walk needs from the weekly hours and the special
// dates.
func (c *Calendar) finish() {
	c.weekLen = 0
	for wd, spans := range c.week {
		c.weekEnd[wd] = 0
		for _, s := range spans {
			c.weekLen += time.Duration(s.end-s.start) * time.Minute
			c.weekEnd[wd] = max(c.weekEnd[wd], s.end)
		}
	}
	c.special = len(c.holidays)+len(c.yearlyHolidays)+len(c.exceptions)+len(c.yearlyExceptions) > 0
	c.oneOffDays = c.oneOffDays[:0]
	for day := range c.holidays {
		c.oneOffDays = append(c.oneOffDays, day)
	}
	for day := range c.exceptions {
		if _, dup := c.holidays[day]; !dup {
			c.oneOffDays = append(c.oneOffDays, day)
		}
	}
	slices.Sort(c.oneOffDays)
	c.yearlyDays = [13 * 32]bool{}
	for md := range c.yearlyHolidays {
		c.yearlyDays[md] = true
	}
	for md := range c.yearlyExceptions {
		c.yearlyDays[md] = true
	}
	full := []span{{0, minutesPerDay}}
	c.always = !c.special
	for _, spans := range c.week {
		c.always = c.always && slices.Equal(spans, full)
	}
}

// overlap is the part of a working interval inside [from, to).
func overlap(iv work, from, to time.Time) time.Duration {
	s, e := laterOf(time.Unix(iv.start, 0), from), earlierOf(time.Unix(iv.end, 0), to)
	if !e.After(s) {
		return 0
	}
	return e.Sub(s)
}

// ceilSecond is the first whole Unix second at or after t.
func ceilSecond(t time.Time) int64 {
	if t.Nanosecond() > 0 {
		return t.Unix() + 1
	}
	return t.Unix()
}

func laterOf(a, b time.Time) time.Time {
	if a.Compare(b) >= 0 {
		return a
	}
	return b
}

func earlierOf(a, b time.Time) time.Time {
	if a.Compare(b) <= 0 {
		return a
	}
	return b
}

func sortSpans(spans []span) {
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.start, b.start) })
}
