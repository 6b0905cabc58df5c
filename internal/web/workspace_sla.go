package web

import (
	"context"
	"fmt"
	"time"

	"steward/internal/auth"
	"steward/internal/sla"
)

// timerReading is a timer's figures at one instant, as the API and the
// record page show them.
type timerReading struct {
	sla.Timer
	Elapsed, Remaining time.Duration
	Percent            float64
	Breached           bool
	Explanation        []sla.Interval
}

// timerReadings reads a record's timers at now. Replaced timers are only
// for those who may see the record's internal history.
func (s *Server) timerReadings(ctx context.Context, p auth.Principal, recordID int64, now time.Time) ([]timerReading, error) {
	timers, err := s.SLAEngine.Timers(ctx, recordID)
	if err != nil {
		return nil, err
	}
	out := make([]timerReading, 0, len(timers))
	for _, t := range timers {
		if t.State == sla.Dropped && !auth.Can(p, auth.ReadWorkNotes) {
			continue
		}
		h, err := s.SLAEngine.HoursOf(ctx, t)
		if err != nil {
			return nil, err
		}
		out = append(out, timerReading{Timer: t, Elapsed: t.ElapsedAt(h, now), Remaining: t.Remaining(h, now),
			Percent: t.Percent(h, now), Breached: t.Breached || (t.State == sla.Running && !now.Before(t.DueAt)),
			Explanation: t.Explain(h, now)})
	}
	return out, nil
}

// slaBadge is a countdown to a due time: what it says, how urgent it looks,
// and the due time for the page's script to keep it current.
type slaBadge struct {
	Text, Class, ISO, Full string
}

// soonWindow is how close a due time is when a badge turns to a warning.
const soonWindow = time.Hour

// dueBadge makes the countdown to due at now; none when due is zero.
func dueBadge(due, now time.Time) slaBadge {
	if due.IsZero() {
		return slaBadge{}
	}
	b := slaBadge{ISO: due.UTC().Format(time.RFC3339), Full: "Due " + due.UTC().Format(fullTime)}
	left := due.Sub(now)
	switch {
	case left <= 0:
		b.Class, b.Text = "due-over", "Overdue "+shortDuration(-left)
	case left < soonWindow:
		b.Class, b.Text = "due-soon", shortDuration(left)+" left"
	default:
		b.Class, b.Text = "due-ok", shortDuration(left)+" left"
	}
	return b
}

// shortDuration is a countdown's figure: 3 d 4 h, 2 h 5 m, 12 m.
func shortDuration(d time.Duration) string {
	m := int(d.Round(time.Minute).Minutes())
	switch {
	case m >= 24*60:
		return fmt.Sprintf("%d d %d h", m/(24*60), m%(24*60)/60)
	case m >= 60:
		return fmt.Sprintf("%d h %d m", m/60, m%60)
	case m < 1:
		return "<1 m"
	}
	return fmt.Sprintf("%d m", m)
}

// timerView is one SLA timer on the record page.
type timerView struct {
	Name, Target, State, StateClass string
	Percent                         int // 0..100, for the bar
	Badge                           slaBadge
	Elapsed, Goal, Remaining        string
	Started, Stopped                time.Time
	Intervals                       []intervalView
}

// intervalView is a line of a timer's explanation.
type intervalView struct {
	From, To, Length, Reason string
	Counted                  bool
}

// maxIntervals is how many of a timer's latest intervals the page lists.
const maxIntervals = 120

func timerViews(rs []timerReading, now time.Time) []timerView {
	out := make([]timerView, 0, len(rs))
	for _, r := range rs {
		v := timerView{Name: r.Name, Target: codeLabel(r.Target), Elapsed: duration(r.Elapsed), Goal: duration(r.TargetTime),
			Percent: min(100, max(0, int(r.Percent))), Started: r.StartedAt, Stopped: r.StoppedAt}
		switch {
		case r.State == sla.Running && r.Breached:
			v.State, v.StateClass = "Breached, still running", "over"
		case r.State == sla.Running:
			v.State, v.StateClass = "Running", "running"
			v.Badge = dueBadge(r.DueAt, now)
		case r.State == sla.Paused:
			v.State, v.StateClass = "Paused", "paused"
		case r.Breached:
			v.State, v.StateClass = codeLabel(r.State)+", breached", "over"
		default:
			v.State, v.StateClass = codeLabel(r.State), r.State
		}
		if r.State == sla.Running || r.State == sla.Paused {
			if r.Remaining > 0 {
				v.Remaining = duration(r.Remaining) + " left"
			} else {
				v.Remaining = duration(-r.Remaining) + " over"
			}
		}
		ivs := r.Explanation
		if len(ivs) > maxIntervals { // the API has them all
			ivs = ivs[len(ivs)-maxIntervals:]
		}
		for _, iv := range ivs {
			v.Intervals = append(v.Intervals, intervalView{From: iv.Start.UTC().Format("Mon 2 Jan 15:04"), To: iv.End.UTC().Format("Mon 2 Jan 15:04"),
				Length: duration(iv.End.Sub(iv.Start)), Reason: iv.Reason, Counted: iv.Counted})
		}
		out = append(out, v)
	}
	return out
}
