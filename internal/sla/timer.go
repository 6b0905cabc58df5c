package sla

import (
	"time"
)

// Hours is a business calendar: it adds and measures working time.
// calendar.Calendar implements it; AlwaysOpen is 24x7.
type Hours interface {
	Add(start time.Time, d time.Duration) time.Time
	Elapsed(from, to time.Time) time.Duration
}

// AlwaysOpen counts every instant: the 24x7 calendar.
type AlwaysOpen struct{}

// Add returns start + d.
func (AlwaysOpen) Add(start time.Time, d time.Duration) time.Time { return start.Add(d) }

// Elapsed returns to - from, or 0 if to is not after from.
func (AlwaysOpen) Elapsed(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	return to.Sub(from)
}

// The pure arithmetic of a timer: everything here depends only on the
// timer, its warnings and its calendar, so it is tested without a database.

// ElapsedAt returns the business time the timer has counted by now.
func (t *Timer) ElapsedAt(h Hours, now time.Time) time.Duration {
	if t.RunningSince.IsZero() {
		return t.Consumed
	}
	return t.Consumed + h.Elapsed(t.RunningSince, now)
}

// Remaining returns the business time left before the target (negative
// once breached).
func (t *Timer) Remaining(h Hours, now time.Time) time.Duration {
	return t.TargetTime - t.ElapsedAt(h, now)
}

// Percent returns how much of the target has been used, 0..100+.
func (t *Timer) Percent(h Hours, now time.Time) float64 {
	if t.TargetTime <= 0 {
		return 100
	}
	return 100 * float64(t.ElapsedAt(h, now)) / float64(t.TargetTime)
}

// when returns the instant the running timer reaches used business time.
func (t *Timer) when(h Hours, used time.Duration) time.Time {
	left := used - t.Consumed
	if left <= 0 {
		return t.RunningSince
	}
	return h.Add(t.RunningSince, left)
}

// schedule sets DueAt and NextFireAt of a running timer from its state:
// the next unsent warning, else the breach, else nothing.
func (t *Timer) schedule(h Hours, warnings []int) {
	t.DueAt, t.NextFireAt = time.Time{}, time.Time{}
	if t.RunningSince.IsZero() {
		return
	}
	t.DueAt = t.when(h, t.TargetTime)
	if t.WarningsSent < len(warnings) {
		pct := warnings[t.WarningsSent]
		t.NextFireAt = t.when(h, t.TargetTime*time.Duration(pct)/100)
		return
	}
	if !t.Breached {
		t.NextFireAt = t.DueAt
	}
}

// pause stops counting at now.
func (t *Timer) pause(h Hours, now time.Time) {
	if t.RunningSince.IsZero() {
		return
	}
	t.Consumed = t.ElapsedAt(h, now)
	t.RunningSince = time.Time{}
	t.State = Paused
	t.Pauses = append(t.Pauses, Span{Start: now})
	t.schedule(h, nil)
}

// resume counts again from now.
func (t *Timer) resume(h Hours, now time.Time, warnings []int) {
	if !t.RunningSince.IsZero() {
		return
	}
	if n := len(t.Pauses); n > 0 && t.Pauses[n-1].End.IsZero() {
		t.Pauses[n-1].End = now
	}
	t.RunningSince, t.State = now, Running
	t.schedule(h, warnings)
}

// stop ends the timer at now: met if within target, else missed.
func (t *Timer) stop(h Hours, now time.Time) {
	if n := len(t.Pauses); n > 0 && t.Pauses[n-1].End.IsZero() {
		t.Pauses[n-1].End = now
	}
	t.Consumed = t.ElapsedAt(h, now)
	t.RunningSince, t.StoppedAt = time.Time{}, now
	if t.Consumed > t.TargetTime {
		t.Breached = true
		if t.BreachedAt.IsZero() {
			t.BreachedAt = now
		}
	}
	t.State = Met
	if t.Breached {
		t.State = Missed
	}
	t.DueAt, t.NextFireAt = time.Time{}, time.Time{}
}

// Fired is one warning or breach a timer reached.
type Fired struct {
	Warning int  // the percentage, for a warning
	Breach  bool // the target was missed
	At      time.Time
}

// fire records every warning and the breach due by now and reschedules;
// it returns what fired, in order.
func (t *Timer) fire(h Hours, now time.Time, warnings []int) []Fired {
	var out []Fired
	if t.RunningSince.IsZero() {
		return nil
	}
	for t.WarningsSent < len(warnings) {
		pct := warnings[t.WarningsSent]
		at := t.when(h, t.TargetTime*time.Duration(pct)/100)
		if at.After(now) {
			break
		}
		out = append(out, Fired{Warning: pct, At: at})
		t.WarningsSent++
	}
	if due := t.when(h, t.TargetTime); !t.Breached && !due.After(now) {
		t.Breached, t.BreachedAt = true, due
		out = append(out, Fired{Breach: true, At: due})
	}
	t.schedule(h, warnings)
	return out
}
