package sla

import (
	"testing"
	"time"
)

func at(hhmm string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", "2026-11-23 "+hhmm)
	if err != nil {
		panic(err)
	}
	return t
}

func TestTimerLifecycleOnAlwaysOpen(t *testing.T) {
	t.Parallel()
	h := AlwaysOpen{}
	warn := []int{50, 75}
	tm := &Timer{TargetTime: 4 * time.Hour, State: Running, StartedAt: at("08:00"), RunningSince: at("08:00")}
	tm.schedule(h, warn)
	if !tm.DueAt.Equal(at("12:00")) || !tm.NextFireAt.Equal(at("10:00")) {
		t.Fatalf("due %v next %v", tm.DueAt, tm.NextFireAt)
	}
	// Nothing fires early.
	if f := tm.fire(h, at("09:59"), warn); len(f) != 0 {
		t.Fatalf("fired early: %+v", f)
	}
	// On hold 09:00..10:00 moves everything an hour on.
	tm.pause(h, at("09:00"))
	if tm.State != Paused || !tm.NextFireAt.IsZero() || tm.Consumed != time.Hour {
		t.Fatalf("paused: %+v", tm)
	}
	tm.resume(h, at("10:00"), warn)
	if !tm.DueAt.Equal(at("13:00")) || !tm.NextFireAt.Equal(at("11:00")) {
		t.Fatalf("after pause: due %v next %v", tm.DueAt, tm.NextFireAt)
	}
	// A late sweep fires both warnings and the breach once, in order.
	f := tm.fire(h, at("13:30"), warn)
	if len(f) != 3 || f[0].Warning != 50 || f[1].Warning != 75 || !f[2].Breach || !f[2].At.Equal(at("13:00")) {
		t.Fatalf("fired %+v", f)
	}
	if again := tm.fire(h, at("14:00"), warn); len(again) != 0 || !tm.NextFireAt.IsZero() {
		t.Fatalf("fired twice: %+v, next %v", again, tm.NextFireAt)
	}
	tm.stop(h, at("14:00"))
	if tm.State != Missed || tm.Consumed != 5*time.Hour || tm.Pauses[0].End != at("10:00") {
		t.Fatalf("stopped: %+v", tm)
	}
	if got := tm.Percent(h, at("15:00")); got != 125 {
		t.Fatalf("percent %v", got)
	}
}

func TestTimerMetWithinTarget(t *testing.T) {
	t.Parallel()
	h := AlwaysOpen{}
	tm := &Timer{TargetTime: time.Hour, State: Running, RunningSince: at("08:00")}
	tm.schedule(h, nil)
	tm.stop(h, at("08:45"))
	if tm.State != Met || tm.Breached || tm.Remaining(h, at("09:00")) != 15*time.Minute {
		t.Fatalf("%+v", tm)
	}
}

func TestExplainAddsUpToElapsed(t *testing.T) {
	t.Parallel()
	h := AlwaysOpen{}
	tm := &Timer{TargetTime: 4 * time.Hour, State: Running, StartedAt: at("08:00"), RunningSince: at("08:00")}
	tm.pause(h, at("09:00"))
	tm.resume(h, at("10:30"), nil)
	tm.pause(h, at("11:00"))
	now := at("12:00")
	ivs := tm.Explain(h, now)
	var counted time.Duration
	for i, iv := range ivs {
		if i > 0 && !iv.Start.Equal(ivs[i-1].End) {
			t.Fatalf("gap or overlap before interval %d: %+v", i, ivs)
		}
		if iv.Counted {
			counted += iv.End.Sub(iv.Start)
		}
	}
	if counted != tm.ElapsedAt(h, now) || counted != 90*time.Minute || len(ivs) != 4 {
		t.Fatalf("counted %v, elapsed %v: %+v", counted, tm.ElapsedAt(h, now), ivs)
	}
}
