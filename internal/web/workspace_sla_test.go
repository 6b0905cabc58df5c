package web_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"steward/internal/incident"
	"steward/internal/platform/db"
	"steward/internal/record"
	"steward/internal/web"
)

func TestDueBadge(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		due         time.Time
		text, class string
	}{
		{time.Time{}, "", ""},
		{now.Add(3*24*time.Hour + 4*time.Hour), "3 d 4 h left", "due-ok"},
		{now.Add(2*time.Hour + 5*time.Minute), "2 h 5 m left", "due-ok"},
		{now.Add(59 * time.Minute), "59 m left", "due-soon"},
		{now.Add(20 * time.Second), "<1 m left", "due-soon"},
		{now, "Overdue <1 m", "due-over"},
		{now.Add(-90 * time.Minute), "Overdue 1 h 30 m", "due-over"},
	} {
		text, class := web.DueBadge(c.due, now)
		if text != c.text || class != c.class {
			t.Errorf("due in %v: %q %q, want %q %q", c.due.Sub(now), text, class, c.text, c.class)
		}
	}
}

// The workspace shows each record's SLA countdown, lists those breaching
// soon, sorts by due time, and the record page explains each timer.
func TestWorkspaceServiceLevels(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind)
		for _, def := range []map[string]any{
			{"name": "Urgent", "active": true, "position": 1, "spec": map[string]any{
				"applies_to": map[string]any{"types": []string{"incident"}, "priorities": []int{1, 2}},
				"targets":    []any{map[string]any{"name": "resolution", "minutes": 60, "stop": `State in ["resolved", "closed", "canceled"]`}}}},
			{"name": "Standard", "active": true, "position": 2, "spec": map[string]any{
				"applies_to": map[string]any{"types": []string{"incident"}},
				"targets":    []any{map[string]any{"name": "resolution", "minutes": 24 * 60, "stop": `State in ["resolved", "closed", "canceled"]`}}}},
		} {
			f.must(t, http.StatusCreated, f.Manager, "POST", "/api/v1/sla/definitions", def, nil)
		}
		normal := f.create(t, f.Agent1, incident.NewIncident{Title: "Monitor flickers", RequesterID: f.ReqA.ID})
		hot := f.create(t, f.Agent1, incident.NewIncident{Title: "Payments are down", RequesterID: f.ReqA.ID, Impact: record.High, Urgency: record.High})
		f.deliverSLA(t, "SELECT count(*) FROM records WHERE sla_due_at < 9223372036854775807", 2)
		w := f.signIn(t, f.Agent1)

		soon := w.page(t, "/queues/breaching", 200)
		wantHTML(t, soon, 200, []string{"Breaching soon", "Payments are down", `class="due due-soon"`, "m left"}, []string{"Monitor flickers"})
		if got := rows(soon); !slices.Equal(got, []string{hot.Number}) {
			t.Errorf("breaching soon lists %v, want %v", got, []string{hot.Number})
		}
		if got := rows(w.page(t, "/queues/open?sort=due", 200)); len(got) < 2 || got[0] != hot.Number || got[1] != normal.Number {
			t.Errorf("open by due time = %v, want %s then %s first", got, hot.Number, normal.Number)
		}
		if got := rows(w.page(t, "/queues/open?sort=-due", 200)); len(got) < 2 || got[len(got)-1] != hot.Number {
			t.Errorf("open by due time, latest first = %v, want %s last", got, hot.Number)
		}
		wantHTML(t, w.page(t, "/queues/open?f=1&state=open&due=later", 422), 422, []string{"Due: Must be soon or overdue."}, nil)

		page := w.page(t, "/incidents/"+hot.Number, 200)
		wantHTML(t, page, 200, []string{"Service levels", "Urgent", "<progress", "Running", "How this was counted", "counted: 24x7", "of 1 h 0 min counted", `class="due due-soon"`}, nil)

		// Resolving stops the clock: no badge, and it leaves the queue.
		code, notes, resolved := "solved", "Restarted the gateway.", incident.Resolved
		if _, err := f.a.Incidents.Update(t.Context(), f.principal(t, f.Agent1), hot.Number, f.get(t, hot.Number).Version,
			incident.Patch{State: &resolved, ResolutionCode: &code, ResolutionNotes: &notes}); err != nil {
			t.Fatal(err)
		}
		f.deliverSLA(t, "SELECT count(*) FROM records WHERE sla_due_at < 9223372036854775807", 1)
		if got := rows(w.page(t, "/queues/breaching", 200)); len(got) != 0 {
			t.Errorf("breaching soon after resolving lists %v", got)
		}
		wantHTML(t, w.page(t, "/incidents/"+hot.Number, 200), 200, []string{"Met"}, []string{`class="due `})
	})
}
