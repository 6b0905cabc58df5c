package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"steward/internal/app"
	"steward/internal/auth"
	"steward/internal/incident"
	"steward/internal/platform/db"
	"steward/internal/record"
)

// benchDesk is a Steward with 100,000 incidents and a signed-in agent.
type benchDesk struct {
	handler http.Handler
	cookie  *http.Cookie
	record  string // a busy incident of the agent's
	next    string // the cursor of the second page of all open incidents
}

const benchIncidents = 100_000

// buildBenchDesk makes a desk in dir: accounts through the services,
// incidents straight into the tables (one transaction, multi-row inserts),
// which is what makes 100,000 take seconds rather than minutes.
func buildBenchDesk(dir string) (*benchDesk, *app.App, error) {
	ctx := context.Background()
	start := time.Now()
	a, err := app.Open(ctx, app.Config{Addr: "127.0.0.1:0", DataDir: dir, MaxAttachment: 1 << 20, Role: "web"},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return nil, nil, err
	}
	var groups []int64
	for _, name := range []string{"Service Desk", "Network", "End-User Computing", "Applications", "Database",
		"Identity", "Telephony", "Facilities IT", "Security", "Field Services"} {
		g, err := a.Auth.CreateGroup(ctx, auth.System, auth.GroupInput{Name: name})
		if err != nil {
			return nil, nil, err
		}
		groups = append(groups, g.ID)
	}
	var agents, requesters []int64
	password := "bench agent password"
	for i := range 100 {
		u, err := a.Auth.CreateUser(ctx, auth.System, auth.NewUser{Email: fmt.Sprintf("agent%d@bench.example", i), Name: fmt.Sprintf("Agent %d", i),
			Role: auth.Agent, Groups: []int64{groups[i%len(groups)], groups[(i+1)%len(groups)]}})
		if err != nil {
			return nil, nil, err
		}
		agents = append(agents, u.ID)
	}
	if _, err := a.Auth.UpdateUser(ctx, auth.System, agents[0], auth.UserPatch{Password: &password}); err != nil {
		return nil, nil, err
	}
	for i := range 2000 {
		u, err := a.Auth.CreateUser(ctx, auth.System, auth.NewUser{Email: fmt.Sprintf("person%d@bench.example", i), Name: fmt.Sprintf("Person %d", i), Role: auth.Requester})
		if err != nil {
			return nil, nil, err
		}
		requesters = append(requesters, u.ID)
	}
	if err := insertIncidents(ctx, a.DB, groups, agents, requesters); err != nil {
		return nil, nil, err
	}
	// Planner statistics, as a running instance keeps them with PRAGMA
	// optimize; without them SQLite reads every incident for a queue.
	if _, err := a.DB.Write.ExecContext(ctx, `ANALYZE`); err != nil {
		return nil, nil, err
	}
	desk := &benchDesk{handler: a.Handler()}
	// A busy incident of agent 0's, with a long conversation.
	me, err := a.Auth.PrincipalFor(ctx, agents[0])
	if err != nil {
		return nil, nil, err
	}
	mine, _, err := a.Incidents.List(ctx, me, incident.ListInput{Filter: record.Filter{AssigneeID: me.UserID, States: []string{"in_progress"}}, Limit: 1})
	if err != nil || len(mine) == 0 {
		return nil, nil, fmt.Errorf("no incident for the bench agent: %v", err)
	}
	desk.record = mine[0].Number
	for i := range 40 {
		if _, err := a.Incidents.Comment(ctx, me, desk.record, i%3 == 0, fmt.Sprintf("Step %d: checked the switch port and the cable; still dropping.", i)); err != nil {
			return nil, nil, err
		}
	}
	if desk.cookie, err = benchSignIn(desk.handler, "agent0@bench.example", password); err != nil {
		return nil, nil, err
	}
	_, next, err := a.Incidents.List(ctx, me, incident.ListInput{Filter: record.Filter{States: incident.Lifecycle.OpenStates()}, Sort: "priority,updated_at", Limit: 50})
	if err != nil {
		return nil, nil, err
	}
	desk.next = url.QueryEscape(next)
	fmt.Fprintf(os.Stderr, "bench desk: %d incidents ready in %s\n", benchIncidents, time.Since(start).Round(time.Millisecond))
	return desk, a, nil
}

// insertIncidents writes benchIncidents records and their incident rows,
// opened over two years: 6% open (a tenth of those not yet taken, some in
// no group yet), 4% resolved, the rest closed.
func insertIncidents(ctx context.Context, d *db.DB, groups, agents, requesters []int64) error {
	titles := []string{"VPN drops every few minutes", "Printer on floor %d jams", "Cannot open the CRM", "Laptop %d will not boot",
		"Mail stuck in outbox", "Wi-Fi slow in meeting room %d", "Password reset link never arrives", "Monitor flickers at desk %d"}
	now := time.Now().UTC().UnixMilli()
	return d.InTx(ctx, func(tx db.Querier) error {
		const batch = 400
		for from := 1; from <= benchIncidents; from += batch {
			var recs, exts []string
			for seq := from; seq < from+batch && seq <= benchIncidents; seq++ {
				title := titles[seq%len(titles)]
				if strings.Contains(title, "%d") {
					title = fmt.Sprintf(title, seq%97)
				}
				state, k := "closed", seq/50
				switch {
				case seq%50 < 3: // 6% open
					state = []string{"new", "in_progress", "in_progress", "in_progress", "on_hold"}[k%5]
				case seq%50 < 5:
					state = "resolved"
				}
				impact, urgency := 1+seq%3, 1+(seq/3)%3
				priority := min(5, impact+urgency-1)
				spread := int(uint32(seq) * 2654435761 >> 8) // scatter work over groups and agents
				group, assignee := fmt.Sprint(groups[spread%len(groups)]), fmt.Sprint(agents[(spread/len(groups))%len(agents)])
				if state != "closed" && state != "resolved" && k%10 == 0 {
					assignee = "NULL" // not taken yet
					if k%20 == 0 {
						group = "NULL" // not routed yet
					}
				}
				due := record.NoDue // open work has an SLA due from a day ago to three days ahead
				if state != "closed" && state != "resolved" {
					due = now + int64((seq*7)%96-24)*3_600_000
				}
				opened := now - int64(benchIncidents-seq)*630_000
				updated := opened + int64(seq%1000)*60_000
				// Literal values: binding thousands of parameters per
				// statement is what would make SQLite slow here.
				recs = append(recs, fmt.Sprintf("(%d, 'incident', %d, '%s', '%s', 'Reported by phone; see the notes.', '%s', %d, %d, %d, %d, %s, %s, %d, %d, 1, %d)",
					seq, seq, record.FormatNumber(record.TypeIncident, int64(seq)), title, state, impact, urgency, priority,
					requesters[seq%len(requesters)], group, assignee, opened, updated, due))
				exts = append(exts, fmt.Sprintf("(%d)", seq))
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO records (id, type, seq, number, title, description, state, impact, urgency, priority,
  requester_id, assignment_group_id, assignee_id, opened_at, updated_at, version, sla_due_at) VALUES `+strings.Join(recs, ", "))
			if err != nil {
				return fmt.Errorf("insert records: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO incidents (record_id) VALUES `+strings.Join(exts, ", ")); err != nil {
				return fmt.Errorf("insert incidents: %w", err)
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO counters (type, next_value) VALUES ('incident', $1)
ON CONFLICT (type) DO UPDATE SET next_value = excluded.next_value`, benchIncidents)
		return err
	})
}

func benchSignIn(h http.Handler, email, password string) (*http.Cookie, error) {
	get := httptest.NewRecorder()
	h.ServeHTTP(get, httptest.NewRequest("GET", "/login", nil))
	m := csrfField.FindSubmatch(get.Body.Bytes())
	if m == nil {
		return nil, fmt.Errorf("no login form")
	}
	cookies := get.Result().Cookies()
	form := url.Values{"email": {email}, "password": {password}, "csrf": {string(m[1])}}
	req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	post := httptest.NewRecorder()
	h.ServeHTTP(post, req)
	for _, c := range post.Result().Cookies() {
		if c.Name == "steward_session" && post.Code == http.StatusSeeOther {
			return c, nil
		}
	}
	return nil, fmt.Errorf("sign in = %d", post.Code)
}

// BenchmarkWorkspacePages renders workspace pages server-side with 100,000
// incidents in SQLite and reports the 95th percentile (target: 20 ms).
func BenchmarkWorkspacePages(b *testing.B) {
	desk, a, err := buildBenchDesk(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	pages := []struct{ name, path string }{
		{"queue-my-work", "/queues/my-work"},
		{"queue-unassigned", "/queues/unassigned"},
		{"queue-open", "/queues/open"},
		{"queue-open-by-age", "/queues/open?sort=opened_at"},
		{"queue-open-page-2", "/queues/open?after=" + desk.next},
		{"queue-recent", "/queues/recent"},
		{"queue-breaching", "/queues/breaching"},
		{"queue-open-by-due", "/queues/open?sort=due"},
		{"search-specific", "/search?q=monitor+desk+42"},
		{"search-common-word", "/search?q=printer"},
		{"incident", "/incidents/" + desk.record},
	}
	for _, pg := range pages {
		path := pg.path
		b.Run(pg.name, func(b *testing.B) {
			var took []time.Duration
			for b.Loop() {
				req := httptest.NewRequest("GET", path, nil)
				req.AddCookie(desk.cookie)
				rec := httptest.NewRecorder()
				start := time.Now()
				desk.handler.ServeHTTP(rec, req)
				took = append(took, time.Since(start))
				if rec.Code != http.StatusOK {
					b.Fatalf("GET %s = %d: %s", path, rec.Code, rec.Body)
				}
			}
			slices.Sort(took)
			p := func(q float64) float64 {
				return float64(took[min(len(took)-1, int(float64(len(took))*q))].Microseconds()) / 1000
			}
			b.ReportMetric(p(0.50), "p50-ms")
			b.ReportMetric(p(0.95), "p95-ms")
		})
	}
}
