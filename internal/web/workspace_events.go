package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"steward/internal/auth"
	"steward/internal/record"
)

// How the incident page's live updates behave: the server polls the
// record's journal (so a change made on any node is seen), and ends the
// stream after a while so that the browser reconnects through the load
// balancer and with a fresh session check.
var (
	eventPoll      = time.Second
	eventHeartbeat = 15 * time.Second
	eventLifetime  = 10 * time.Minute
)

// changeEvent tells the incident page what changed since it was loaded.
type changeEvent struct {
	Last    int64  `json:"last"`    // the newest journal entry
	Summary string `json:"summary"` // "Grace Agent added a work note"
	Mine    bool   `json:"mine"`    // every change was the viewer's own (another tab)
}

// incidentEvents streams a change event (server-sent events) whenever the
// incident's journal grows past the entry the page showed.
func (s *Server) incidentEvents(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := principal(ctx)
	if !isAgent(p) {
		http.Error(w, "You are not allowed to do this.", http.StatusForbidden)
		return
	}
	number := normaliseNumber(r.PathValue("number"))
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	if id, err := strconv.ParseInt(r.Header.Get("Last-Event-ID"), 10, 64); err == nil && id > after {
		after = id
	}
	if _, err := s.Incidents.Journal(ctx, p, number, after, 1); err != nil {
		http.Error(w, "Not found.", http.StatusNotFound)
		return
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n\n")
	if rc.Flush() != nil {
		return
	}
	tick := time.NewTicker(eventPoll)
	defer tick.Stop()
	end := time.NewTimer(eventLifetime)
	defer end.Stop()
	quiet := time.Now()
	stop := s.streamsStopped()
	for {
		select {
		case <-ctx.Done():
			return
		case <-stop:
			return
		case <-end.C:
			return
		case <-tick.C:
		}
		entries, err := s.Incidents.Journal(ctx, p, number, after, 100)
		if err != nil {
			if ctx.Err() == nil {
				s.Log.WarnContext(ctx, "incident events", "number", number, "err", err)
			}
			return
		}
		switch {
		case len(entries) > 0:
			after = entries[len(entries)-1].ID
			ev := summarise(p, entries)
			b, _ := json.Marshal(ev)
			fmt.Fprintf(w, "id: %d\nevent: change\ndata: %s\n\n", after, b)
		case time.Since(quiet) >= eventHeartbeat:
			fmt.Fprint(w, ": ping\n\n")
		default:
			continue
		}
		quiet = time.Now()
		if rc.Flush() != nil {
			return
		}
	}
}

// summarise says in one sentence who did what in entries.
func summarise(p auth.Principal, entries []record.Entry) changeEvent {
	ev := changeEvent{Last: entries[len(entries)-1].ID, Mine: true}
	var actors, did []string
	add := func(list *[]string, v string) {
		if !slices.Contains(*list, v) {
			*list = append(*list, v)
		}
	}
	var fields []string
	for _, e := range entries {
		if e.ActorID != p.UserID {
			ev.Mine = false
		}
		add(&actors, e.ActorName)
		switch e.Kind {
		case record.Comment:
			add(&did, "added a comment")
		case record.WorkNote:
			add(&did, "added a work note")
		case record.Communication:
			add(&did, "posted a communication")
		case record.FieldChange:
			label := fieldLabels[e.Field]
			if label == "" {
				label = strings.ReplaceAll(e.Field, "_", " ")
			}
			add(&fields, label)
		case record.System:
			switch e.Field {
			case "attachment":
				add(&did, "attached a file")
			case "link":
				add(&did, "changed the related records")
			default:
				add(&did, "updated it")
			}
		}
	}
	if len(fields) > 0 {
		did = append([]string{"changed " + andList(fields)}, did...)
	}
	ev.Summary = andList(actors) + " " + andList(did)
	return ev
}

func andList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// StopStreams ends every live-update stream, so that a graceful shutdown
// need not wait for them (the browsers reconnect to another node).
func (s *Server) StopStreams() {
	stop := s.streamsStopped()
	s.streamMu.Lock()
	defer s.streamMu.Unlock()
	select {
	case <-stop:
	default:
		close(stop)
	}
}

func (s *Server) streamsStopped() chan struct{} {
	s.streamMu.Lock()
	defer s.streamMu.Unlock()
	if s.stopStreams == nil {
		s.stopStreams = make(chan struct{})
	}
	return s.stopStreams
}
