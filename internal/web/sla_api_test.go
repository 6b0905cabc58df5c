package web_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"steward/internal/platform/db"
	"steward/internal/platform/outbox"
)

var officeCalendar = map[string]any{
	"name": "Lisbon office",
	"spec": map[string]any{
		"zone": "Europe/Lisbon",
		"hours": map[string]any{
			"monday": []string{"09:00-13:00", "14:00-18:00"}, "tuesday": []string{"09:00-18:00"},
			"wednesday": []string{"09:00-18:00"}, "thursday": []string{"09:00-18:00"}, "friday": []string{"09:00-17:00"},
		},
		"holidays": []map[string]string{{"date": "--12-25", "name": "Christmas Day"}},
	},
}

// TestServiceLevelsThroughTheAPI: a manager keeps calendars and service
// levels, bad ones are refused field by field with nothing saved, and an
// incident's timers come back with their explanation.
func TestServiceLevelsThroughTheAPI(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind)
		before := f.counts(t)
		bad := []scenario{
			{Name: "overlapping intervals", Principal: f.Manager, Method: "POST", URL: "/api/v1/calendars", WantStatus: 422,
				Body:       map[string]any{"name": "Overlap", "spec": map[string]any{"zone": "UTC", "hours": map[string]any{"monday": []string{"09:00-13:00", "12:00-17:00"}}}},
				WantFields: []string{"spec.hours.monday[1]"}},
			{Name: "unknown zone", Principal: f.Manager, Method: "POST", URL: "/api/v1/calendars", WantStatus: 422,
				Body:       map[string]any{"name": "Mars", "spec": map[string]any{"zone": "Mars/Olympus_Mons", "hours": map[string]any{"monday": []string{"09:00-17:00"}}}},
				WantFields: []string{"spec.zone"}},
			{Name: "agent", Principal: f.Agent1, Method: "POST", URL: "/api/v1/calendars", WantStatus: 403, Body: officeCalendar},
			{Name: "sla without target", Principal: f.Manager, Method: "POST", URL: "/api/v1/sla/definitions", WantStatus: 422,
				Body:       map[string]any{"name": "Empty", "active": true, "spec": map[string]any{"targets": []any{}}},
				WantFields: []string{"spec.targets"}},
			{Name: "condition on an unknown field", Principal: f.Manager, Method: "POST", URL: "/api/v1/sla/definitions", WantStatus: 422,
				Body: map[string]any{"name": "Colour", "active": true, "spec": map[string]any{"targets": []any{
					map[string]any{"name": "resolution", "minutes": 60, "stop": `Colour == "red"`}}}},
				WantFields: []string{"spec.targets[0].stop"}},
			{Name: "unknown calendar", Principal: f.Manager, Method: "POST", URL: "/api/v1/sla/definitions", WantStatus: 422,
				Body: map[string]any{"name": "Nowhere", "active": true, "spec": map[string]any{"calendar_id": 99, "targets": []any{
					map[string]any{"name": "resolution", "minutes": 60, "stop": `State == "resolved"`}}}},
				WantFields: []string{"spec.calendar_id"}},
			{Name: "unknown policy values", Principal: f.Admin, Method: "PUT", URL: "/api/v1/settings/sla-policy", WantStatus: 422,
				Body: map[string]any{"match": "some", "recompute": "never"}, WantFields: []string{"match", "recompute"}},
			{Name: "policy by a manager", Principal: f.Manager, Method: "PUT", URL: "/api/v1/settings/sla-policy", WantStatus: 403,
				Body: map[string]any{"match": "all", "recompute": "from_start"}},
		}
		f.run(t, bad)
		f.unchanged(t, before)
		if p := f.must(t, http.StatusOK, f.Agent1, "GET", "/api/v1/settings/sla-policy", nil, nil).object(t); p["match"] != "first" || p["recompute"] != "from_start" {
			t.Errorf("default policy = %v", p)
		}
		f.must(t, http.StatusOK, f.Admin, "PUT", "/api/v1/settings/sla-policy", map[string]any{"match": "all", "recompute": "from_change"}, nil)
		if p := f.must(t, http.StatusOK, f.Agent1, "GET", "/api/v1/settings/sla-policy", nil, nil).object(t); p["match"] != "all" || p["recompute"] != "from_change" {
			t.Errorf("policy after the change = %v", p)
		}
		f.must(t, http.StatusOK, f.Admin, "PUT", "/api/v1/settings/sla-policy", map[string]any{"match": "first", "recompute": "from_start"}, nil)

		cal := f.must(t, http.StatusCreated, f.Manager, "POST", "/api/v1/calendars", officeCalendar, nil).object(t)
		calURL := fmt.Sprintf("/api/v1/calendars/%d", num(cal, "id"))
		ics := "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261208\r\nSUMMARY:Imaculada Conceição\r\nRRULE:FREQ=YEARLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		imp := f.must(t, http.StatusOK, f.Manager, "POST", calURL+"/holidays", ics, map[string]string{"Content-Type": "text/calendar"}).object(t)
		if num(imp, "added") != 1 {
			t.Fatalf("import: %v", imp)
		}
		if got := f.must(t, http.StatusOK, f.Agent1, "GET", calURL, nil, nil).object(t); len(got["spec"].(map[string]any)["holidays"].([]any)) != 2 {
			t.Fatalf("calendar after import: %v", got)
		}
		f.must(t, 422, f.Manager, "POST", calURL+"/holidays", ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:garbage\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"), map[string]string{"Content-Type": "text/calendar"})

		def := map[string]any{"name": "Incidents in office hours", "active": true, "spec": map[string]any{
			"applies_to":  map[string]any{"types": []string{"incident"}},
			"calendar_id": num(cal, "id"),
			"warnings":    []int{50, 75, 90},
			"targets": []any{
				map[string]any{"name": "resolution", "minutes": 8 * 60, "stop": `State in ["resolved", "closed", "canceled"]`,
					"pause": `State == "on_hold" && OnHoldReason == "awaiting_requester"`},
			},
		}}
		f.must(t, http.StatusCreated, f.Manager, "POST", "/api/v1/sla/definitions", def, nil)

		inc := f.incident(t, f.ReqA, map[string]any{"title": "Printer on floor 3 jams"})
		var timers struct {
			Items []struct {
				Target      string `json:"target"`
				State       string `json:"state"`
				Explanation []struct {
					Counted bool   `json:"counted"`
					Reason  string `json:"reason"`
				} `json:"explanation"`
			} `json:"items"`
		}
		// On PostgreSQL a transaction still open elsewhere on the server (a
		// parallel test) holds delivery back for a moment, so poll.
		deadline := time.Now().Add(15 * time.Second)
		for {
			if _, err := outbox.Deliver(context.Background(), f.a.DB, f.a.SLAEngine.Consumer(), time.Now()); err != nil {
				t.Fatal(err)
			}
			f.must(t, http.StatusOK, f.ReqA, "GET", "/api/v1/incidents/"+str(inc, "number")+"/sla", nil, nil).decode(t, &timers)
			if len(timers.Items) > 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if len(timers.Items) != 1 || timers.Items[0].Target != "resolution" || timers.Items[0].State != "running" {
			t.Fatalf("timers: %+v", timers)
		}
		if ex := timers.Items[0].Explanation; len(ex) == 0 {
			t.Fatalf("no explanation: %+v", timers)
		}
		f.must(t, http.StatusNotFound, f.ReqB, "GET", "/api/v1/incidents/"+str(inc, "number")+"/sla", nil, nil)
	})
}
