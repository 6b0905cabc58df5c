package calendar

import (
	"math"
	"time"
)

const secondsPerDay = 24 * 60 * 60

// work is one working interval as Unix seconds, with what decided it.
type work struct {
	start, end int64
	kind       kind
	name       string
}

func (w work) reason() string {
	if w.kind == excepted {
		return label("exception", w.name)
	}
	return reasonWorking
}

// walker gives out a calendar's working intervals in time order, one local
// date after another. Dates are day numbers (days since 1970-01-01) and wall
// times are seconds since 1970-01-01 00:00 on the local clock, so stepping
// needs no time.Date call; only turning a wall time into an instant does.
type walker struct {
	c    *Calendar
	z    zone
	day  int64 // the next date to expand
	last int64 // end of the latest interval given out: nothing counts twice
	// the date being given out
	spans []span
	idx   int
	base  int64
	kind  kind
	name  string
}

// walk starts the day before from's local date: that day's intervals may
// cross midnight into it, and none from earlier can reach past from.
func (c *Calendar) walk(from time.Time) walker {
	return walker{c: c, z: newZone(c.loc), day: localDay(from, c.loc) - 1, last: math.MinInt64}
}

// next returns the next working interval, or false once the intervals
// start at or after limit.
func (w *walker) next(limit int64) (work, bool) {
	for {
		for w.idx < len(w.spans) {
			s := w.spans[w.idx]
			w.idx++
			a := max(w.z.instant(w.base+int64(s.start)*60), w.last)
			b := w.z.instant(w.base + int64(s.end)*60)
			if a >= limit {
				return work{}, false
			}
			if b <= a {
				continue // inside a clock gap, or covered by the previous date
			}
			w.last = b
			return work{start: a, end: b, kind: w.kind, name: w.name}, true
		}
		base := w.day * secondsPerDay
		if w.z.instant(base) >= limit {
			return work{}, false
		}
		w.spans, w.kind, w.name = w.c.plan(w.day)
		w.idx, w.base = 0, base
		w.day++
	}
}

// skipWeek steps over the next seven dates at once when nothing makes them
// differ from the weekly pattern: no holiday or exception, one UTC offset
// throughout, no interval clipped by an earlier date. It does so only when
// all their intervals lie within [notBefore, notAfter] and the week is
// shorter than below, and returns the week's business time.
func (w *walker) skipWeek(notBefore, notAfter int64, below time.Duration) (time.Duration, bool) {
	c := w.c
	if w.idx < len(w.spans) || c.weekLen >= below {
		return 0, false
	}
	base := w.day * secondsPerDay
	first := w.z.instant(base)
	reach := base + 8*secondsPerDay // the last date's intervals end by then
	if first < notBefore || base < w.z.lo || reach >= w.z.hi || reach-w.z.off > notAfter {
		return 0, false
	}
	// The previous date's night may run into this week, up to its first
	// opening but not past it (New checks that for the weekly hours).
	opening, last := int64(math.MaxInt64), w.last
	for k := range int64(7) {
		if spans := c.week[weekday(w.day+k)]; len(spans) > 0 {
			day := base + k*secondsPerDay - w.z.off
			opening = min(opening, day+int64(spans[0].start)*60)
			last = max(last, day+int64(c.weekEnd[weekday(w.day+k)])*60)
		}
	}
	if w.last > opening || !c.regularDays(w.day, 7) {
		return 0, false
	}
	w.last = last
	w.day += 7
	return c.weekLen, true
}

// zone turns wall times into instants, remembering one period of constant
// UTC offset so that most conversions are a subtraction.
type zone struct {
	loc    *time.Location
	lo, hi int64 // wall times in [lo, hi) are instant + off
	off    int64
}

func newZone(loc *time.Location) zone { return zone{loc: loc, lo: 1, hi: 0} }

func (z *zone) instant(wall int64) int64 {
	if wall >= z.lo && wall < z.hi {
		return wall - z.off
	}
	u := resolve(z.loc, wall)
	z.load(u)
	return u
}

// load remembers the offset period around instant u. Its first two days are
// left out: a wall time there may also have been shown before the clocks went
// back (offsets differ by at most 26h), and resolve picks that first showing.
func (z *zone) load(u int64) {
	t := time.Unix(u, 0).In(z.loc)
	_, off := t.Zone()
	start, end := t.ZoneBounds()
	z.off = int64(off)
	z.lo, z.hi = math.MinInt64, math.MaxInt64
	if !start.IsZero() {
		z.lo = start.Unix() + z.off + 2*secondsPerDay
	}
	if !end.IsZero() {
		z.hi = end.Unix() + z.off
	}
}

// resolve returns the instant (Unix seconds) at which clocks in loc show the
// wall time w. time.Date leaves the choice open for a wall time shown twice
// or never, and its pick depends on the sign of the offset, so the package's
// rule is applied here: shown twice, the first time; never shown, the instant
// the clocks jump over it.
func resolve(loc *time.Location, w int64) int64 {
	c := time.Unix(w, 0).UTC()
	t := time.Date(c.Year(), c.Month(), c.Day(), c.Hour(), c.Minute(), c.Second(), 0, loc)
	_, off := t.Zone()
	u := t.Unix()
	start, end := t.ZoneBounds()
	switch shown := u + int64(off); {
	case shown > w && !start.IsZero(): // t lies after the gap that swallowed w
		return start.Unix()
	case shown < w && !end.IsZero(): // t lies before it
		return end.Unix()
	case shown != w || start.IsZero():
		return u
	}
	// Shown at t; when the clocks went back it was shown in the period before
	// too, and that showing came first.
	_, prev := start.Add(-time.Second).Zone()
	if e := w - int64(prev); e < start.Unix() {
		if _, o := time.Unix(e, 0).In(loc).Zone(); e+int64(o) == w {
			return e
		}
	}
	return u
}

// localDay is the day number of t's date in loc.
func localDay(t time.Time, loc *time.Location) int64 {
	y, m, d := t.In(loc).Date()
	return daysFromCivil(int64(y), int(m), d)
}

// weekday of a day number; 1970-01-01 was a Thursday.
func weekday(day int64) time.Weekday {
	return time.Weekday(floorMod(day+4, 7))
}

// monthDayOf is the key of a date's month and day in the yearly maps.
func monthDayOf(day int64) int {
	_, m, d := civilFromDays(day)
	return monthDay(m, d)
}

func monthDay(m, d int) int { return m*32 + d }

// daysFromCivil and civilFromDays convert between proleptic Gregorian dates
// and day numbers (Howard Hinnant's algorithms).
func daysFromCivil(y int64, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := int64((m + 9) % 12)
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func civilFromDays(z int64) (y int64, m, d int) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	m = int(mp + 3)
	if m > 12 {
		m -= 12
	}
	y = yoe + era*400
	if m <= 2 {
		y++
	}
	return y, m, d
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }
