package web

import (
	"context"
	"strconv"
	"strings"
	"time"

	"steward/internal/auth"
	"steward/internal/record"
)

// timelineItem is one entry of an incident's timeline: a comment, a work
// note, a communication, or a compact line of field changes made together.
type timelineItem struct {
	ID      int64
	Kind    string // comment, work_note, communication, change, system
	Actor   string
	ActorID int64
	At      time.Time
	Body    string
	Changes []change
}

// change is one field change as a phrase: "changed state from New to In
// progress", "set assignee to Grace", "attached log.txt".
type change struct {
	Verb, Field, Object, From, To, Note string
}

var fieldLabels = map[string]string{
	"assignment_group_id": "group", "assignee_id": "assignee", "category_id": "category", "service_id": "service",
	"requester_id": "requester", "organisation_id": "organisation", "ci_ref": "configuration item",
	"on_hold_reason": "on-hold reason", "resolution_code": "resolution code", "resolution_notes": "resolution notes",
	"cancel_reason": "cancel reason", "major_status": "major incident status",
}

// namer turns the ids and codes a journal stores into what people read.
type namer struct {
	ctx    context.Context
	s      *Server
	p      auth.Principal
	names  map[string]map[string]string // field -> id -> name
	looked map[string]string            // users looked up one by one
}

func (s *Server) namer(ctx context.Context, p auth.Principal, c directoryOptions) *namer {
	index := func(opts []option) map[string]string {
		m := make(map[string]string, len(opts))
		for _, o := range opts {
			m[o.Value] = o.Label
		}
		return m
	}
	return &namer{ctx: ctx, s: s, p: p, looked: map[string]string{}, names: map[string]map[string]string{
		"assignment_group_id": c.groupNames, "assignee_id": c.agentNames,
		"category_id": index(c.Categories), "service_id": index(c.Services),
	}}
}

func (n *namer) value(field, v string) string {
	if v == "" {
		return ""
	}
	switch field {
	case "state":
		return stateLabel(v)
	case "priority":
		return "P" + v
	case "impact", "urgency", "on_hold_reason", "resolution_code", "major_status":
		return codeLabel(v)
	}
	if m, ok := n.names[field]; ok {
		if name, ok := m[v]; ok {
			return name
		}
	}
	if field == "requester_id" || field == "assignee_id" {
		return n.user(v)
	}
	if strings.HasSuffix(field, "_id") {
		return "#" + v
	}
	return v
}

func (n *namer) user(v string) string {
	if name, ok := n.looked[v]; ok {
		return name
	}
	name := "#" + v
	if id, err := strconv.ParseInt(v, 10, 64); err == nil {
		if u, err := n.s.Auth.User(n.ctx, n.p, id); err == nil {
			name = u.Name
		}
	}
	n.looked[v] = name
	return name
}

func (n *namer) phrase(e record.Entry) change {
	label := fieldLabels[e.Field]
	if label == "" {
		label = strings.ReplaceAll(e.Field, "_", " ")
	}
	c := change{Field: label, Note: e.Body}
	switch e.Field {
	case "description", "resolution_notes", "cancel_reason":
		c.Verb = "updated the"
		if e.NewValue == "" {
			c.Verb = "cleared the"
		}
		return c
	case "major":
		c.Verb, c.Field = "is no longer a major incident", ""
		if e.NewValue == "true" {
			c.Verb = "made this a major incident"
		}
		return c
	}
	c.From, c.To = n.value(e.Field, e.OldValue), n.value(e.Field, e.NewValue)
	switch {
	case c.From == "":
		c.Verb = "set"
	case c.To == "":
		c.Verb = "cleared"
	default:
		c.Verb = "changed"
	}
	return c
}

// systemPhrase describes a system entry: links, attachments, watchers.
func (n *namer) systemPhrase(e record.Entry) change {
	switch e.Field {
	case "link":
		if e.NewValue != "" {
			kind, number, _ := strings.Cut(e.NewValue, " ")
			return change{Verb: "linked", Object: number, Note: codeLabel(kind)}
		}
		kind, number, _ := strings.Cut(e.OldValue, " ")
		return change{Verb: "removed the link to", Object: number, Note: codeLabel(kind)}
	case "attachment":
		return change{Verb: "attached", Object: e.NewValue}
	case "watchers":
		if e.NewValue != "" {
			return change{Verb: "added watcher", Object: n.user(e.NewValue)}
		}
		return change{Verb: "removed watcher", Object: n.user(e.OldValue)}
	}
	if e.Body != "" {
		return change{Verb: e.Body}
	}
	return n.phrase(e)
}

// timeline turns journal entries (oldest first) into items, newest first,
// merging the field changes one person made at one moment into one item.
func (n *namer) timeline(entries []record.Entry) []timelineItem {
	var out []timelineItem
	for _, e := range entries {
		it := timelineItem{ID: e.ID, Kind: string(e.Kind), Actor: e.ActorName, ActorID: e.ActorID, At: e.At, Body: e.Body}
		switch e.Kind {
		case record.FieldChange, record.System:
			c := n.phrase(e)
			if e.Kind == record.System {
				c = n.systemPhrase(e)
			}
			if last := len(out) - 1; last >= 0 && out[last].Kind == "change" && out[last].ActorID == e.ActorID &&
				out[last].At.Equal(e.At) {
				out[last].Changes = append(out[last].Changes, c)
				out[last].ID = e.ID
				continue
			}
			it.Kind, it.Body, it.Changes = "change", "", []change{c}
		}
		out = append(out, it)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}
