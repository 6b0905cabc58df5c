package calendar

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// Zones with the awkward cases: DST both ways, half-hour and 45-minute
// offsets, a 30-minute DST (Lord Howe), DST changing at midnight (Santiago,
// Sao Paulo until 2019), negative DST (Dublin), Ramadan clock changes
// (Casablanca) and a skipped day (Apia, 2011-12-30).
var propertyZones = []string{
	"UTC", "Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata",
	"Asia/Kathmandu", "America/St_Johns", "America/Santiago", "America/Sao_Paulo",
	"Europe/Dublin", "Africa/Casablanca", "Pacific/Apia",
}

// randomCalendar builds a valid random calendar; specs New rejects (night
// intervals overlapping the next day) are drawn again.
func randomCalendar(t testing.TB, r *rand.Rand) (*Calendar, Spec) {
	t.Helper()
	for range 1000 {
		spec := randomSpec(r)
		if c, err := New(spec); err == nil {
			return c, spec
		}
	}
	t.Fatal("no valid random calendar in 1000 draws")
	return nil, Spec{}
}

func randomSpec(r *rand.Rand) Spec {
	spec := Spec{Zone: propertyZones[r.IntN(len(propertyZones))], Hours: map[string][]string{}}
	for _, day := range weekdayNames {
		if r.IntN(4) > 0 {
			spec.Hours[day] = randomIntervals(r)
		}
	}
	for range r.IntN(8) {
		d := randomDay(r)
		spec.Holidays = append(spec.Holidays, Holiday{Date: d, Name: "h" + d})
	}
	for range r.IntN(5) {
		var iv []string
		if r.IntN(3) > 0 {
			iv = randomIntervals(r)
		}
		spec.Exceptions = append(spec.Exceptions, Exception{Date: randomDay(r), Name: "x", Intervals: iv})
	}
	return spec
}

// randomDay is a date in 2009..2030, sometimes yearly.
func randomDay(r *rand.Rand) string {
	y, m := 2009+r.IntN(22), 1+r.IntN(12)
	d := 1 + r.IntN(daysIn(m))
	if r.IntN(3) == 0 {
		return fmt.Sprintf("--%02d-%02d", m, d)
	}
	if m == 2 && d == 29 {
		d = 28
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d)
}

// randomIntervals draws 1 to 3 sorted, disjoint intervals, the last one
// sometimes running past midnight.
func randomIntervals(r *rand.Rand) []string {
	step := []int{1, 15, 30, 60}[r.IntN(4)]
	k := 1 + r.IntN(3)
	var points []int
	for len(points) < 2*k {
		p := step * r.IntN(minutesPerDay/step+1)
		if !slices.Contains(points, p) {
			points = append(points, p)
		}
	}
	slices.Sort(points)
	clock := func(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }
	var out []string
	for i := 0; i < len(points); i += 2 {
		a, b := points[i], points[i+1]
		if i == len(points)-2 && points[0] > 0 && a < minutesPerDay && r.IntN(4) == 0 {
			b = r.IntN(points[0]) // crosses midnight, ends before the day's first start
			if b == a {
				continue
			}
		}
		out = append(out, clock(a)+"-"+clock(b))
	}
	return out
}

// randomInstant is between 2010 and 2030, sometimes on a whole minute.
func randomInstant(r *rand.Rand) time.Time {
	lo := time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	sec := lo + r.Int64N(hi-lo)
	switch r.IntN(3) {
	case 0:
		return time.Unix(sec-sec%60, 0)
	case 1:
		return time.Unix(sec, 0)
	}
	return time.Unix(sec, r.Int64N(1e9))
}

func randomDuration(r *rand.Rand) time.Duration {
	switch r.IntN(4) {
	case 0:
		return 0
	case 1:
		return time.Duration(r.Int64N(int64(time.Hour)))
	}
	return time.Duration(r.Int64N(int64(400 * time.Hour)))
}

// naiveElapsed is an independent oracle: list every date's intervals
// around [from, to) with resolve alone (no offset cache, no week skipping,
// no clipping), merge their union and measure it.
func naiveElapsed(c *Calendar, from, to time.Time) time.Duration {
	if !from.Before(to) {
		return 0
	}
	var ivs [][2]int64
	for d := localDay(from, c.loc) - 2; d <= localDay(to, c.loc)+1; d++ {
		spans, _, _ := c.plan(d)
		for _, s := range spans {
			a := resolve(c.loc, d*secondsPerDay+int64(s.start)*60)
			b := resolve(c.loc, d*secondsPerDay+int64(s.end)*60)
			if a < b {
				ivs = append(ivs, [2]int64{a, b})
			}
		}
	}
	slices.SortFunc(ivs, func(x, y [2]int64) int { return int(x[0] - y[0]) })
	var total time.Duration
	var cur [2]int64
	flush := func() {
		if cur[0] < cur[1] {
			total += overlap(work{start: cur[0], end: cur[1]}, from, to)
		}
	}
	for _, iv := range ivs {
		if iv[0] > cur[1] {
			flush()
			cur = iv
		} else {
			cur[1] = max(cur[1], iv[1])
		}
	}
	flush()
	return total
}

func TestProperties(t *testing.T) {
	t.Parallel()
	for seed := range uint64(8) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(seed, 0x5eed))
			for range 60 {
				c, spec := randomCalendar(t, r)
				for range 15 {
					checkProperties(t, r, c, spec)
				}
			}
		})
	}
}

func checkProperties(t *testing.T, r *rand.Rand, c *Calendar, spec Spec) {
	t.Helper()
	start, d := randomInstant(r), randomDuration(r)
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("calendar %+v, start %s, d %s: %s", spec, start.UTC().Format(time.RFC3339Nano), d, fmt.Sprintf(format, args...))
	}

	// Add and Elapsed agree, and Add gives the earliest such instant.
	due := c.Add(start, d)
	if due.Before(start) {
		fail("Add went back to %s", due)
	}
	if got := c.Elapsed(start, due); got != d {
		fail("Elapsed(start, Add(start, d)=%s) = %s", due.UTC(), got)
	}
	if d > 0 && c.Elapsed(start, due.Add(-1)) >= d {
		fail("Add = %s is not the earliest instant", due.UTC())
	}
	// Add(s, 0) is s exactly when s is working time.
	working := c.Elapsed(start, start.Add(1)) == 1
	if zero := c.Add(start, 0); zero.Equal(start) != working {
		fail("Add(start, 0) = %s but working = %v", zero.UTC(), working)
	}

	// Additivity, monotonicity and the oracle, over up to ~60 days.
	a := start
	b := a.Add(time.Duration(r.Int64N(int64(30 * 24 * time.Hour))))
	cc := b.Add(time.Duration(r.Int64N(int64(30 * 24 * time.Hour))))
	ab, bc, ac := c.Elapsed(a, b), c.Elapsed(b, cc), c.Elapsed(a, cc)
	if ab+bc != ac {
		fail("Elapsed(a,b)=%s + Elapsed(b,c)=%s != Elapsed(a,c)=%s", ab, bc, ac)
	}
	if ab > ac || ab < 0 || bc < 0 {
		fail("not monotonic: Elapsed(a,b)=%s, Elapsed(a,c)=%s", ab, ac)
	}
	if ab > b.Sub(a) {
		fail("Elapsed(a,b)=%s exceeds the wall time %s", ab, b.Sub(a))
	}
	if want := naiveElapsed(c, a, cc); ac != want {
		fail("Elapsed(%s, %s) = %s, oracle says %s", a.UTC(), cc.UTC(), ac, want)
	}

	// Explain tiles [a, c) and its counted pieces sum to Elapsed.
	ex := c.Explain(a, cc)
	var counted time.Duration
	cur := a
	for i, iv := range ex {
		if !iv.Start.Equal(cur) || !iv.End.After(iv.Start) {
			fail("Explain[%d] = %s..%s does not follow %s", i, iv.Start.UTC(), iv.End.UTC(), cur.UTC())
		}
		inside := c.Elapsed(iv.Start, iv.End)
		if iv.Counted && inside != iv.End.Sub(iv.Start) || !iv.Counted && inside != 0 {
			fail("Explain[%d] = %+v but Elapsed over it is %s", i, iv, inside)
		}
		if iv.Counted {
			counted += iv.End.Sub(iv.Start)
		}
		cur = iv.End
	}
	if a.Before(cc) && !cur.Equal(cc) {
		fail("Explain ends at %s, not %s", cur.UTC(), cc.UTC())
	}
	if counted != ac {
		fail("Explain counts %s, Elapsed %s", counted, ac)
	}

	// The oracle again at the edges where walks turn: interval ends and
	// local midnights, and a hair either side of them.
	for range 4 {
		if len(ex) == 0 {
			break
		}
		edge := ex[r.IntN(len(ex))].End.Add(time.Duration(r.IntN(3)-1) * time.Duration(r.Int64N(int64(time.Hour))+1))
		if got, want := c.Elapsed(a, edge), naiveElapsed(c, a, edge); got != want {
			fail("Elapsed(%s, %s) = %s, oracle says %s", a.UTC(), edge.UTC(), got, want)
		}
	}

	// Pausing outside working hours changes nothing; pausing inside takes
	// off exactly the business time paused.
	var gaps []Span
	for _, iv := range ex {
		if !iv.Counted {
			gaps = append(gaps, Span{iv.Start, iv.End})
		}
	}
	if got := c.ElapsedExcluding(a, cc, gaps); got != ac {
		fail("pausing over every left-out piece gave %s, want %s", got, ac)
	}
	if got := c.ElapsedExcluding(a, cc, []Span{{b, cc}, {b, b.Add(time.Hour)}}); got != ab {
		fail("pausing over [b, c) gave %s, want %s", got, ab)
	}
}

func TestAlwaysMatchesContinuousTime(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 7))
	for _, zone := range propertyZones {
		c := mustNew(t, allWeek(zone, farHoliday))
		for range 200 {
			a := randomInstant(r)
			b := a.Add(time.Duration(r.Int64N(int64(90 * 24 * time.Hour))))
			if got := c.Elapsed(a, b); got != b.Sub(a) {
				t.Fatalf("%s: Elapsed(%s, %s) = %s, want %s", zone, a.UTC(), b.UTC(), got, b.Sub(a))
			}
			if got := c.Add(a, b.Sub(a)); !got.Equal(b) {
				t.Fatalf("%s: Add(%s, %s) = %s, want %s", zone, a.UTC(), b.Sub(a), got.UTC(), b.UTC())
			}
		}
	}
}

// TestResolve checks the clock-change rule against the zone itself: a wall
// time that exists resolves to an instant showing it with no earlier
// instant showing it; one that does not resolves to the instant the clocks
// jump over it.
func TestResolve(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 3))
	wallOf := func(loc *time.Location, u int64) int64 {
		_, off := time.Unix(u, 0).In(loc).Zone()
		return u + int64(off)
	}
	for _, zone := range propertyZones {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		for range 300 {
			w := randomInstant(r).Unix()
			if r.IntN(2) == 0 { // near a clock change, where it matters
				_, end := time.Unix(w, 0).In(loc).ZoneBounds()
				if !end.IsZero() {
					w = end.Unix() + r.Int64N(4*3600) - 2*3600
				}
			}
			u := resolve(loc, w)
			if wallOf(loc, u) == w {
				for e := u - 27*3600; e < u; e += 60 {
					if wallOf(loc, e) == w {
						t.Fatalf("%s: resolve(%d) = %d, but %d shows the same wall time earlier", zone, w, u, e)
					}
				}
				continue
			}
			if before, after := wallOf(loc, u-1), wallOf(loc, u); !(before < w && after > w) {
				t.Fatalf("%s: resolve(%d) = %d is neither showing it nor a jump over it (%d, %d)", zone, w, u, before, after)
			}
		}
	}
}

// TestZoneCache checks that the remembered offset period never changes an
// answer, whatever order wall times come in.
func TestZoneCache(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 5))
	for _, name := range propertyZones {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		z := newZone(loc)
		base := randomInstant(r).Unix()
		for range 3000 {
			if r.IntN(50) == 0 {
				base = randomInstant(r).Unix()
			}
			_, end := time.Unix(base, 0).In(loc).ZoneBounds()
			w := base + r.Int64N(10*secondsPerDay) - 5*secondsPerDay
			if !end.IsZero() && r.IntN(2) == 0 {
				w = end.Unix() + r.Int64N(6*secondsPerDay) - 3*secondsPerDay
			}
			w -= w % 60
			if got, want := z.instant(w), resolve(loc, w); got != want {
				t.Fatalf("%s: cached instant(%d) = %d, resolve = %d", name, w, got, want)
			}
		}
	}
}

func TestCivilDays(t *testing.T) {
	t.Parallel()
	for day := int64(-800000); day < 800000; day += 997 {
		y, m, d := civilFromDays(day)
		if got := daysFromCivil(y, m, d); got != day {
			t.Fatalf("day %d -> %d-%d-%d -> %d", day, y, m, d, got)
		}
		want := time.Unix(day*secondsPerDay, 0).UTC()
		if int(y) != want.Year() || time.Month(m) != want.Month() || d != want.Day() || weekday(day) != want.Weekday() {
			t.Fatalf("day %d = %d-%d-%d %s, time says %s", day, y, m, d, weekday(day), want)
		}
	}
}
