package web

import (
	"fmt"
	"strings"
	"time"

	"steward/internal/incident"
)

// portalStatus is a record's state in the requester's words.
type portalStatus struct {
	Label string
	Tone  string // info, work, wait, ok, done: the badge colour
	Hint  string // what happens next
}

var portalHoldWords = map[string]portalStatus{
	"awaiting_requester": {"Waiting for you", "wait", "The service desk needs something from you: please reply below."},
	"awaiting_vendor":    {"Waiting for a supplier", "wait", "We are waiting on an outside supplier and will update you."},
	"awaiting_change":    {"Waiting for a planned change", "wait", "A planned change will fix this; we will update you."},
	"awaiting_problem":   {"Waiting for a permanent fix", "wait", "We are working on the underlying cause and will update you."},
}

func portalStatusOf(in incident.Incident) portalStatus {
	switch in.State {
	case incident.New:
		return portalStatus{"Submitted", "info", "We have your request. Someone from the service desk will pick it up soon."}
	case incident.InProgress:
		hint := "Someone is working on it."
		if g := in.Names.AssignmentGroup; g != "" {
			hint = "Being handled by " + g + "."
		}
		return portalStatus{"In progress", "work", hint}
	case incident.OnHold:
		if st, ok := portalHoldWords[in.OnHoldReason]; ok {
			return st
		}
		return portalStatus{"On hold", "wait", "Work is paused for now; we will update you."}
	case incident.Resolved:
		return portalStatus{"Resolved", "ok", "We think this is fixed. Please let us know whether it is."}
	case incident.Closed:
		return portalStatus{"Closed", "done", "This request is finished."}
	case incident.Canceled:
		return portalStatus{"Canceled", "done", "This request was canceled."}
	}
	return portalStatus{Label: stateLabel(in.State), Tone: "info"}
}

// stateWords names a state in a journal line ("Status changed to ...").
var portalStateWords = map[string]string{
	incident.New: "Submitted", incident.InProgress: "In progress", incident.OnHold: "On hold",
	incident.Resolved: "Resolved", incident.Closed: "Closed", incident.Canceled: "Canceled",
}

// resolutionWords says how an incident was resolved, in plain words.
var portalResolutionWords = map[string]string{
	"solved": "Fixed", "workaround": "A workaround was provided", "not_reproducible": "We couldn't reproduce the problem",
	"duplicate": "Already reported and handled elsewhere", "user_error": "Resolved with guidance",
	"no_action_needed": "No action was needed",
}

// urgencyChoices are the urgency radios of the report form, in plain words.
var portalUrgencies = []struct{ Value, Label, Hint string }{
	{"high", "It stops my work", "I can't do my job until this is fixed."},
	{"medium", "It slows me down", "I can work around it, but it's getting in the way."},
	{"low", "Minor / no rush", "An annoyance; fix it when you can."},
}

func portalUrgencyWords(level string) string {
	for _, c := range portalUrgencies {
		if c.Value == level {
			return c.Label
		}
	}
	return level
}

// portalStep is one step of the status tracker.
type portalStep struct {
	Label, Note string
	Done        bool
	Current     bool
}

// trackerSteps places in on Submitted -> In progress -> Resolved -> Closed.
func portalSteps(in incident.Incident, st portalStatus) []portalStep {
	steps := []portalStep{{Label: "Submitted"}, {Label: "In progress"}, {Label: "Resolved"}, {Label: "Closed"}}
	at := map[string]int{incident.New: 0, incident.InProgress: 1, incident.OnHold: 1, incident.Resolved: 2, incident.Closed: 3}[in.State]
	if in.State == incident.OnHold {
		steps[1].Label = st.Label
	}
	for i := range steps {
		steps[i].Done = i < at || in.State == incident.Closed
		steps[i].Current = i == at && in.State != incident.Closed
	}
	steps[0].Note = portalDate(in.OpenedAt)
	if !in.ResolvedAt.IsZero() && at >= 2 {
		steps[2].Note = portalDate(in.ResolvedAt)
	}
	if !in.ClosedAt.IsZero() && in.State == incident.Closed {
		steps[3].Note = portalDate(in.ClosedAt)
	}
	return steps
}

// portalTime is a moment as a person reads it, with the exact time for
// machines and for the tooltip.
type portalTime struct {
	Text, ISO, Full string
}

func portalTimeOf(t, now time.Time) portalTime {
	return portalTime{Text: portalAgo(t, now), ISO: t.UTC().Format(time.RFC3339), Full: t.UTC().Format("Mon 2 Jan 2006, 15:04 MST")}
}

// ago says how long before now t was: "just now", "5 min ago", "yesterday".
func portalAgo(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	case d < 24*time.Hour:
		h := int(d / time.Hour)
		if h == 1 {
			return "1 hour ago"
		}
		return fmt.Sprintf("%d hours ago", h)
	case d < 48*time.Hour:
		return "yesterday"
	case d < 7*24*time.Hour:
		return fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
	}
	return portalDate(t)
}

func portalDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if t.Year() == time.Now().Year() {
		return t.UTC().Format("2 Jan")
	}
	return t.UTC().Format("2 Jan 2006")
}

// initials gives an avatar's letters: "Rita Requester" -> "RR".
func portalInitials(name string) string {
	var out []rune
	for _, w := range strings.Fields(name) {
		for _, r := range w {
			out = append(out, r)
			break
		}
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return strings.ToUpper(string(out))
}

// portalSize is a file size as people read it: "820 KB", "1.5 MB" (in
// units of 1024, as file managers show them).
func portalSize(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d bytes", n)
	case n < 1024*1024:
		return fmt.Sprintf("%d KB", (n+512)/1024)
	}
	s := fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
	return strings.Replace(s, ".0 MB", " MB", 1)
}
