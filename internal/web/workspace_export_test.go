package web

import "time"

// SetEventTimings lets tests shorten the live-update stream's poll interval
// and lifetime; it returns a function that restores them.
func SetEventTimings(poll, lifetime time.Duration) (restore func()) {
	p, l := eventPoll, eventLifetime
	eventPoll, eventLifetime = poll, lifetime
	return func() { eventPoll, eventLifetime = p, l }
}

// DueBadge exposes the countdown badge for its table test.
func DueBadge(due, now time.Time) (text, class string) {
	b := dueBadge(due, now)
	return b.Text, b.Class
}
