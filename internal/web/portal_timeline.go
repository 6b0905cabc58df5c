package web

import (
	"time"

	"steward/internal/auth"
	"steward/internal/incident"
	"steward/internal/record"
)

// portalItem is one entry of a record's public conversation.
type portalItem struct {
	Kind     string // message, event, resolution, update
	Last     bool   // the newest item, where a reply lands
	Mine     bool   // written by the viewer
	Author   string
	Initials string
	Body     string // message text, resolution notes, update text
	Text     string // an event's one line; a resolution's plain-words code
	When     portalTime
}

// timeline turns the public journal into a conversation. The journal the
// service returns to a requester holds no work notes and no internal field
// changes; this keeps only what reads well to a requester on top of that,
// so an agent viewing their own request sees the same.
func portalTimeline(in incident.Incident, me auth.Principal, entries []record.Entry, now time.Time) []portalItem {
	items := []portalItem{}
	if in.Description != "" {
		items = append(items, portalMessage(in.RequesterID, in.Names.Requester, in.Description, in.OpenedAt, me, now))
	}
	// A resolution is one item: its code and notes, without the state line
	// written at the same moment.
	codes, notes := map[int64]string{}, map[int64]bool{}
	for _, e := range entries {
		switch {
		case e.Kind != record.FieldChange || e.NewValue == "":
		case e.Field == "resolution_code":
			codes[e.At.UnixMilli()] = portalResolutionWords[e.NewValue]
		case e.Field == "resolution_notes":
			notes[e.At.UnixMilli()] = true
		}
	}
	for _, e := range entries {
		switch {
		case e.Kind == record.Comment:
			items = append(items, portalMessage(e.ActorID, e.ActorName, e.Body, e.At, me, now))
		case e.Kind == record.Communication:
			items = append(items, portalItem{Kind: "update", Author: e.ActorName, Initials: portalInitials(e.ActorName), Body: e.Body, When: portalTimeOf(e.At, now)})
		case e.Kind != record.FieldChange:
			continue
		case e.Field == "resolution_notes" && e.NewValue != "":
			items = append(items, portalItem{Kind: "resolution", Author: e.ActorName, Initials: portalInitials(e.ActorName),
				Body: e.NewValue, Text: codes[e.At.UnixMilli()], When: portalTimeOf(e.At, now)})
		case e.Field == "state" && e.NewValue == incident.Resolved && notes[e.At.UnixMilli()]:
			continue
		case e.Field == "state":
			items = append(items, portalEvent(portalStateLine(e, me), e.At, now))
		case e.Field == "title":
			items = append(items, portalEvent("Title changed to “"+e.NewValue+"”", e.At, now))
		case e.Field == "description":
			items = append(items, portalEvent("Description updated", e.At, now))
		}
	}
	return items
}

func portalMessage(actorID int64, name, body string, at time.Time, me auth.Principal, now time.Time) portalItem {
	mine := actorID == me.UserID
	author := name
	if mine {
		author = "You"
	}
	return portalItem{Kind: "message", Mine: mine, Author: author, Initials: portalInitials(name), Body: body, When: portalTimeOf(at, now)}
}

func portalEvent(text string, at, now time.Time) portalItem {
	return portalItem{Kind: "event", Text: text, When: portalTimeOf(at, now)}
}

// stateLine says who moved the record where, in plain words.
func portalStateLine(e record.Entry, me auth.Principal) string {
	who := e.ActorName
	if e.ActorID == me.UserID {
		who = "you"
	}
	switch {
	case e.OldValue == incident.Resolved && e.NewValue == incident.InProgress:
		return "Reopened by " + who
	case e.NewValue == incident.Resolved:
		return "Marked as resolved by " + who
	case e.NewValue == incident.Closed:
		return "Closed by " + who
	case e.NewValue == incident.Canceled:
		return "Canceled by " + who
	}
	words, ok := portalStateWords[e.NewValue]
	if !ok {
		words = e.NewValue
	}
	return "Status changed to " + words
}
