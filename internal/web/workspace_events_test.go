package web_test

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"steward/internal/incident"
	"steward/internal/platform/db"
	"steward/internal/web"
)

// stream opens the incident's event stream and sends each data line on the
// channel until the stream ends (then it is closed).
func stream(t *testing.T, w *webClient, path string, header map[string]string) (<-chan string, *http.Response) {
	t.Helper()
	req, err := http.NewRequest("GET", w.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	res, err := w.c.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return lines, res
}

// next waits for a line starting with prefix.
func next(t *testing.T, lines <-chan string, prefix string, within time.Duration) string {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("stream ended before a %q line", prefix)
			}
			if strings.HasPrefix(l, prefix) {
				return l
			}
		case <-deadline:
			t.Fatalf("no %q line within %s", prefix, within)
		}
	}
}

// TestWorkspaceLiveEvents: a change by someone else reaches the incident
// page's stream within two seconds, named and summarised; the stream
// resumes after the last event it sent, and ends after its lifetime.
func TestWorkspaceLiveEvents(t *testing.T) {
	restore := web.SetEventTimings(200*time.Millisecond, 3*time.Second)
	defer restore()
	f := newFixture(t, db.SQLite)
	ctx := context.Background()
	inc := f.create(t, f.ReqA, incident.NewIncident{Title: "Projector flickers"})
	w := f.signIn(t, f.Agent1)
	path := "/incidents/" + inc.Number + "/events?after=0"

	lines, res := stream(t, w, path, nil)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events = %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	next(t, lines, "retry:", time.Second)
	grace := f.principal(t, f.Agent2)
	start := time.Now()
	title := "Projector flickers in room 4"
	if _, err := f.a.Incidents.Update(ctx, grace, inc.Number, inc.Version, incident.Patch{Title: &title}); err != nil {
		t.Fatal(err)
	}
	id := next(t, lines, "id:", 2*time.Second)
	next(t, lines, "event: change", time.Second)
	data := next(t, lines, "data:", time.Second)
	if time.Since(start) > 2*time.Second {
		t.Errorf("the change took %s to arrive", time.Since(start))
	}
	if !strings.Contains(data, `"summary":"Grace Agent changed title"`) || !strings.Contains(data, `"mine":false`) {
		t.Errorf("event data %s", data)
	}
	if _, err := f.a.Incidents.Comment(ctx, grace, inc.Number, true, "Lamp is old"); err != nil {
		t.Fatal(err)
	}
	if data := next(t, lines, "data:", 2*time.Second); !strings.Contains(data, "Grace Agent added a work note") {
		t.Errorf("event data %s", data)
	}
	// The stream ends by itself after its lifetime, so browsers reconnect.
	for range lines {
	}
	if time.Since(start) > 6*time.Second {
		t.Errorf("the stream lasted %s", time.Since(start))
	}

	// Reconnecting with Last-Event-ID resumes after that event: the
	// work note comes again, the title change does not.
	lines, _ = stream(t, w, path, map[string]string{"Last-Event-ID": strings.TrimSpace(strings.TrimPrefix(id, "id:"))})
	if data := next(t, lines, "data:", 2*time.Second); !strings.Contains(data, "Grace Agent added a work note") || strings.Contains(data, "title") {
		t.Errorf("after reconnecting: %s", data)
	}

	// Nobody else may listen: requesters, strangers, unknown records.
	rita := f.signIn(t, f.ReqA)
	if r := rita.get(t, path); r.Status != http.StatusForbidden {
		t.Errorf("requester events = %d", r.Status)
	}
	if r := newWebClient(t, f).get(t, path); r.Status != http.StatusForbidden {
		t.Errorf("anonymous events = %d", r.Status)
	}
	if r := w.get(t, "/incidents/INC0009999/events"); r.Status != http.StatusNotFound {
		t.Errorf("events of no incident = %d", r.Status)
	}
}
