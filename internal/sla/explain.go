package sla

import (
	"sort"
	"time"
)

// Interval is a stretch of a timer's life, counted or not, with why.
type Interval struct {
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	Counted bool      `json:"counted"`
	Reason  string    `json:"reason"`
}

// Explainer is a calendar that can say which parts of a span are working
// time and why the others are not.
type Explainer interface {
	Explain(from, to time.Time) []Interval
}

// Explain lists the intervals a timer counted and excluded from its start to
// its stop (or now), so that anyone can check its figure: the counted ones
// add up to the elapsed business time.
func (t *Timer) Explain(h Hours, now time.Time) []Interval {
	end := now
	if !t.StoppedAt.IsZero() {
		end = t.StoppedAt
	}
	if !end.After(t.StartedAt) {
		return nil
	}
	var base []Interval
	if e, ok := h.(Explainer); ok {
		base = e.Explain(t.StartedAt, end)
	} else {
		base = []Interval{{Start: t.StartedAt, End: end, Counted: true, Reason: "24x7"}}
	}
	return excludePauses(base, t.Pauses, end)
}

// excludePauses marks the parts of counted intervals that fall inside a
// pause as not counted.
func excludePauses(in []Interval, pauses []Span, end time.Time) []Interval {
	spans := make([]Span, 0, len(pauses))
	for _, p := range pauses {
		if p.End.IsZero() {
			p.End = end
		}
		if p.End.After(p.Start) {
			spans = append(spans, p)
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].Start.Before(spans[j].Start) })
	var out []Interval
	for _, iv := range in {
		if !iv.Counted {
			out = append(out, iv)
			continue
		}
		cur := iv.Start
		for _, p := range spans {
			if !p.End.After(cur) || !p.Start.Before(iv.End) {
				continue
			}
			if p.Start.After(cur) {
				out = append(out, Interval{Start: cur, End: p.Start, Counted: true, Reason: iv.Reason})
			}
			stop := minTime(p.End, iv.End)
			out = append(out, Interval{Start: maxTime(cur, p.Start), End: stop, Counted: false, Reason: "paused"})
			cur = stop
		}
		if cur.Before(iv.End) {
			out = append(out, Interval{Start: cur, End: iv.End, Counted: true, Reason: iv.Reason})
		}
	}
	return out
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
