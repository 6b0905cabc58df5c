package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"steward/internal/auth"
	"steward/internal/platform/db"
	"steward/internal/platform/outbox"
)

// seedCompliance gives the fixture a service level and five incidents
// with real timers: three in Service Desk resolved (one of them late),
// one in "=Ops" resolved in time, and one without a group still open and
// breached. So: Service Desk 2 met, 1 missed; =Ops 1 met; no group 1
// breached and open; 75 % overall.
func seedCompliance(t *testing.T, f *fixture) {
	t.Helper()
	ctx := context.Background()
	ops, err := f.a.Auth.CreateGroup(ctx, auth.System, auth.GroupInput{Name: "=Ops"})
	if err != nil {
		t.Fatal(err)
	}
	f.must(t, http.StatusCreated, f.Manager, "POST", "/api/v1/sla/definitions", map[string]any{"name": "Incident resolution", "active": true,
		"spec": map[string]any{"applies_to": map[string]any{"types": []string{"incident"}}, "targets": []any{
			map[string]any{"name": "resolution", "minutes": 240, "stop": `State in ["resolved", "closed", "canceled"]`}}}}, nil)
	var numbers []string
	for i, group := range []int64{f.Group, f.Group, f.Group, ops.ID, 0} {
		body := map[string]any{"title": fmt.Sprintf("Shared drive unreachable %d", i)}
		if group != 0 {
			body["assignment_group_id"] = group
		}
		numbers = append(numbers, str(f.incident(t, f.Agent1, body), "number"))
	}
	f.deliverSLA(t, `SELECT count(*) FROM sla_timers WHERE state = 'running'`, 5)
	for _, n := range numbers[:4] {
		f.must(t, http.StatusOK, f.Agent1, "PATCH", "/api/v1/incidents/"+n, map[string]any{
			"state": "resolved", "resolution_code": "solved", "resolution_notes": "Remapped the drive."}, map[string]string{"If-Match": `"1"`})
	}
	f.deliverSLA(t, `SELECT count(*) FROM sla_timers WHERE state = 'met'`, 4)
	// One resolved late, one open past its target: the clock is not ours
	// to move, so the rows say so.
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := f.a.DB.Write.Exec(query, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`UPDATE sla_timers SET state = 'missed', breached = TRUE, breached_at = stopped_at
WHERE record_id = (SELECT id FROM records WHERE number = $1)`, numbers[1])
	exec(`UPDATE sla_timers SET breached = TRUE, breached_at = $2 WHERE record_id = (SELECT id FROM records WHERE number = $1)`,
		numbers[4], time.Now().Add(-time.Second).UnixMilli())
}

// deliverSLA runs the SLA consumer until query counts want. On PostgreSQL
// a transaction still open elsewhere on the server (a parallel test) holds
// delivery back for a moment, so it polls.
func (f *fixture) deliverSLA(t *testing.T, query string, want int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := outbox.Deliver(context.Background(), f.a.DB, f.a.SLAEngine.Consumer(), time.Now()); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := f.a.DB.Read.QueryRow(query).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s = %d, want %d", query, n, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type complianceRow struct {
	Start             time.Time `json:"start"`
	End               time.Time `json:"end"`
	Key               string    `json:"key"`
	Label             string    `json:"label"`
	Met               int64     `json:"met"`
	Missed            int64     `json:"missed"`
	BreachedOpen      int64     `json:"breached_open"`
	CompliancePercent *float64  `json:"compliance_percent"`
}

func (r complianceRow) String() string {
	pct := "-"
	if r.CompliancePercent != nil {
		pct = fmt.Sprint(*r.CompliancePercent)
	}
	return fmt.Sprintf("%s %d/%d/%d %s", r.Label, r.Met, r.Missed, r.BreachedOpen, pct)
}

type complianceDoc struct {
	From       time.Time       `json:"from"`
	To         time.Time       `json:"to"`
	Zone       string          `json:"zone"`
	Period     string          `json:"period"`
	By         string          `json:"by"`
	Total      complianceRow   `json:"total"`
	Dimensions []complianceRow `json:"dimensions"`
	Rows       []complianceRow `json:"rows"`
}

func TestSLAComplianceThroughTheAPI(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind)
		seedCompliance(t, f)
		const u = "/api/v1/reports/sla-compliance"

		var rep complianceDoc
		f.must(t, http.StatusOK, f.Agent1, "GET", u+"?by=group", nil, nil).decode(t, &rep)
		if got := fmt.Sprint(rep.Total); got != " 3/1/1 75" {
			t.Errorf("total %s", got)
		}
		if got := fmt.Sprint(rep.Dimensions); got != "[=Ops 1/0/0 100 Service Desk 2/1/0 66.7 none 0/0/1 -]" {
			t.Errorf("by group %s", got)
		}
		if rep.Dimensions[1].Key != fmt.Sprint(f.Group) || rep.Dimensions[2].Key != "none" || rep.Period != "week" || rep.By != "group" || rep.Zone != "UTC" {
			t.Errorf("report %+v", rep)
		}
		// The default range is the last 30 days, today included.
		today := time.Now().UTC().Truncate(24 * time.Hour)
		if !rep.To.Equal(today.AddDate(0, 0, 1)) || !rep.From.Equal(today.AddDate(0, 0, -29)) {
			t.Errorf("range %s to %s", rep.From, rep.To)
		}

		// By day without a breakdown: a row for each of the 30 days.
		rep = complianceDoc{}
		f.must(t, http.StatusOK, f.Manager, "GET", u+"?period=day", nil, nil).decode(t, &rep)
		if len(rep.Rows) != 30 || fmt.Sprint(rep.Rows[29]) != " 3/1/1 75" || fmt.Sprint(rep.Rows[0]) != " 0/0/0 -" || rep.By != "none" {
			t.Errorf("%d days, last %s, first %s", len(rep.Rows), rep.Rows[len(rep.Rows)-1], rep.Rows[0])
		}
		rep = complianceDoc{}
		f.must(t, http.StatusOK, f.Agent2, "GET", u+"?period=month&by=priority&zone=America/New_York&from=2026-01-01&to=2026-12-31", nil, nil).decode(t, &rep)
		ny, _ := time.LoadLocation("America/New_York")
		if rep.Zone != "America/New_York" || !rep.From.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, ny)) || !rep.To.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, ny)) {
			t.Errorf("New York range %s to %s in %s", rep.From, rep.To, rep.Zone)
		}

		yesterday := today.AddDate(0, 0, -1).Format(time.DateOnly)
		f.run(t, []scenario{
			{Name: "requester", Principal: f.ReqA, Method: "GET", URL: u, WantStatus: http.StatusForbidden},
			{Name: "anonymous", Principal: anonymous, Method: "GET", URL: u, WantStatus: http.StatusUnauthorized},
			{Name: "to before from", Principal: f.Agent1, Method: "GET", URL: u + "?from=" + yesterday + "&to=2020-01-01", WantStatus: 422, WantFields: []string{"to"}},
			{Name: "over two years", Principal: f.Agent1, Method: "GET", URL: u + "?from=2020-01-01&to=2026-01-01", WantStatus: 422, WantFields: []string{"to"}},
			{Name: "not a date", Principal: f.Agent1, Method: "GET", URL: u + "?from=last+tuesday", WantStatus: 422, WantFields: []string{"from"}},
			{Name: "unknown period", Principal: f.Agent1, Method: "GET", URL: u + "?period=year", WantStatus: 422, WantFields: []string{"period"}},
			{Name: "unknown dimension", Principal: f.Agent1, Method: "GET", URL: u + "?by=colour", WantStatus: 422, WantFields: []string{"by"}},
			{Name: "unknown zone", Principal: f.Agent1, Method: "GET", URL: u + "?zone=Mars/Olympus_Mons", WantStatus: 422, WantFields: []string{"zone"}},
			{Name: "every bad field at once", Principal: f.Agent1, Method: "GET", URL: u + "?from=soon&to=later&zone=Local", WantStatus: 422, WantFields: []string{"from", "to", "zone"}},
		})
	})
}

func TestSLAComplianceReportPage(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind)
		seedCompliance(t, f)
		w := f.signIn(t, f.Agent1)

		page := w.page(t, "/reports/sla?by=group", http.StatusOK)
		wantHTML(t, page, http.StatusOK, []string{
			"<h1>", "SLA compliance</h1>", `<b>75.0 %</b><span>Compliance</span>`, `<b>1</b><span>Breached, still open</span>`,
			`<th scope="col">Group</th>`, `<th scope="row">Service Desk</th>`, `<th scope="row">=Ops</th>`, `<th scope="row">No group</th>`,
			`66.7 %`, `<rect class="fill poor" width="67"`, `<option value="group" selected>`, `<option value="week" selected>`,
			`href="/reports/sla?by=group&amp;format=csv&amp;from=`, `<link rel="stylesheet" href="/static/report.css">`,
		}, []string{"'=Ops", "style="})

		// Bad settings come back with what was typed and a message per field.
		bad := w.get(t, "/reports/sla?from=2026-13-45&period=year&by=group")
		wantHTML(t, bad, http.StatusUnprocessableEntity, []string{
			`value="2026-13-45" aria-invalid="true" aria-describedby="r-from-error"`, `id="r-from-error">Must be a date`,
			`id="r-period-error">Must be day, week or month.`, `<option value="group" selected>`,
		}, []string{"Download CSV", "<table"})

		csvPage := w.page(t, "/reports/sla?by=group&period=month&format=csv", http.StatusOK)
		if ct, cd := csvPage.Header.Get("Content-Type"), csvPage.Header.Get("Content-Disposition"); ct != "text/csv; charset=utf-8" || !strings.HasPrefix(cd, "attachment; filename=sla-compliance-") {
			t.Errorf("CSV headers %q, %q", ct, cd)
		}
		records, err := csv.NewReader(strings.NewReader(csvPage.String())).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, r := range records {
			if r[0] != "period_start" {
				r = r[2:] // the periods depend on today's date
			}
			lines = append(lines, strings.Join(r, ","))
		}
		got := strings.Join(lines, "\n")
		if !strings.HasPrefix(got, "period_start,period_end,group_key,group,met,missed,compliance_percent,breached_open\n") ||
			!strings.Contains(got, fmt.Sprintf("\n%d,Service Desk,2,1,66.7,0", f.Group)) || !strings.Contains(got, ",'=Ops,1,0,100.0,0") ||
			!strings.Contains(got, "\nnone,none,0,0,,1") {
			t.Errorf("CSV:\n%s", csvPage)
		}

		// Requesters are sent to the portal; the API refuses them.
		r := f.signIn(t, f.ReqA).get(t, "/reports/sla")
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/portal" {
			t.Errorf("requester: %d %s", r.Status, r.Header.Get("Location"))
		}
		if r := newWebClient(t, f).get(t, "/reports/sla"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Errorf("anonymous: %d %s", r.Status, r.Header.Get("Location"))
		}
	})
}

// TestBrowserSLAReport: an agent opens Reports from the navigation, groups
// the report by assignment group and reads the table, on a desktop and a
// phone.
func TestBrowserSLAReport(t *testing.T) {
	t.Parallel()
	f := newFixture(t, db.SQLite) // first, so that it closes after the browser
	ctx := browser(t)
	seedCompliance(t, f)
	f.signInBrowser(t, ctx, f.Agent1)

	step(t, ctx, "open the report",
		chromedp.Click(chromedp.CSS(`nav.side a[href="/reports/sla"]`)),
		chromedp.WaitVisible(chromedp.CSS("table.report")))
	if got := textOf(t, ctx, ".report-stats"); !strings.Contains(got, "75.0 %") {
		t.Errorf("summary %q", got)
	}
	screenshot(t, ctx, "by-week")
	step(t, ctx, "group by assignment group",
		chromedp.SetValue(chromedp.CSS("#r-by"), "group"),
		chromedp.Click(chromedp.CSS(".report-filter button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#r-dims")))
	got := textOf(t, ctx, `section[aria-labelledby="r-dims"] table`)
	for _, want := range []string{"Service Desk", "66.7 %", "=Ops", "100.0 %", "No group"} {
		if !strings.Contains(got, want) {
			t.Errorf("the group table lacks %q: %q", want, got)
		}
	}
	if v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#r-by").value`)); v != "group" {
		t.Errorf("the form forgot the grouping: %q", v)
	}
	top(t, ctx)
	screenshot(t, ctx, "by-group")
	step(t, ctx, "phone width", chromedp.EmulateViewport(390, 844), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("table.report")))
	top(t, ctx)
	screenshot(t, ctx, "phone")
}
