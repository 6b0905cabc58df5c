package sla_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"steward/internal/auth"
	"steward/internal/directory"
	"steward/internal/incident"
	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
	"steward/internal/platform/fault"
	"steward/internal/record"
	"steward/internal/sla"
)

// timerStub is an SLA timer written straight into sla_timers, so that a test
// can say exactly when it stopped or breached.
type timerStub struct {
	rec      incident.Incident
	def      sla.Definition
	target   string
	state    string
	stopped  time.Time
	due      time.Time
	breached time.Time // zero: not breached
}

func msOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func insertStub(t *testing.T, d *db.DB, s timerStub) {
	t.Helper()
	_, err := d.Write.Exec(`
INSERT INTO sla_timers (record_id, definition_id, version_id, target, target_ms, calendar_id, state, started_at,
  due_at, breached, breached_at, stopped_at, updated_at)
VALUES ($1, $2, $3, $4, 3600000, 0, $5, $6, $7, $8, $9, $10, $6)`,
		s.rec.ID, s.def.ID, s.def.VersionID, s.target, s.state, time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC).UnixMilli(),
		msOrNull(s.due), !s.breached.IsZero(), msOrNull(s.breached), msOrNull(s.stopped))
	if err != nil {
		t.Fatal(err)
	}
}

// reportWorld is two incidents, one in a group and a service at P1, one
// with neither at P4, and timers of both definitions around the end of
// October 2026, when New York leaves daylight saving time (1 November).
type reportWorld struct {
	*world
	svc     *sla.Service
	network int64 // the group's id
	email   int64 // the service's id
}

func at2026(month time.Month, day, hour, minute int) time.Time {
	return time.Date(2026, month, day, hour, minute, 0, 0, time.UTC)
}

func newReportWorld(t *testing.T, d *db.DB) *reportWorld {
	t.Helper()
	ctx := context.Background()
	w := &reportWorld{world: newWorld(t, d), svc: sla.NewService(d)}
	// "Now" is inside the range, so that one running timer is not yet due.
	w.svc.Now = func() time.Time { return at2026(11, 12, 12, 0) }
	g, err := auth.NewService(d).CreateGroup(ctx, auth.System, auth.GroupInput{Name: "Network"})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := directory.New(d).CreateService(ctx, auth.System, directory.ServiceInput{Name: "Email"})
	if err != nil {
		t.Fatal(err)
	}
	w.network, w.email = g.ID, svc.ID
	a, _, err := w.inc.Create(ctx, w.agent, incident.NewIncident{Title: "Core switch down", Impact: record.High, Urgency: record.High,
		AssignmentGroupID: g.ID, ServiceID: svc.ID})
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := w.inc.Create(ctx, w.agent, incident.NewIncident{Title: "Mouse double-clicks", Impact: record.Low, Urgency: record.Medium})
	if err != nil {
		t.Fatal(err)
	}
	if a.Priority != 1 || b.Priority != 4 {
		t.Fatalf("priorities %d and %d, want 1 and 4", a.Priority, b.Priority)
	}
	defs, err := w.svc.Definitions(ctx, w.agent)
	if err != nil || len(defs) != 2 {
		t.Fatalf("definitions: %v %v", defs, err)
	}
	high, normal := defs[0], defs[1]
	for _, s := range []timerStub{
		{rec: b, def: normal, target: "resolution", state: sla.Met, stopped: at2026(10, 25, 23, 59)},                                 // before the range
		{rec: a, def: high, target: "response", state: sla.Met, stopped: at2026(10, 31, 23, 30)},                                     // Sat 31 Oct
		{rec: a, def: high, target: "resolution", state: sla.Missed, stopped: at2026(11, 1, 0, 30), breached: at2026(10, 31, 22, 0)}, // Sun 1 Nov UTC, 31 Oct in New York
		{rec: b, def: normal, target: "response", state: sla.Met, stopped: at2026(11, 2, 4, 30)},                                     // Mon 2 Nov UTC, Sun 1 Nov 23:30 EST
		{rec: b, def: normal, target: "resolution", state: sla.Met, stopped: at2026(11, 2, 9, 0)},
		{rec: b, def: normal, target: "resolution", state: sla.Met, stopped: at2026(11, 3, 10, 0)},
		{rec: a, def: high, target: "resolution", state: sla.Missed, stopped: at2026(11, 4, 12, 0), breached: at2026(11, 4, 8, 0)},
		{rec: b, def: normal, target: "resolution", state: sla.Dropped, stopped: at2026(11, 4, 13, 0)}, // replaced: never counted
		{rec: a, def: high, target: "resolution", state: sla.Paused, breached: at2026(11, 5, 12, 0)},   // breached, paused
		{rec: b, def: normal, target: "resolution", state: sla.Paused},                                 // paused in time
		{rec: a, def: high, target: "resolution", state: sla.Running, due: at2026(11, 10, 12, 0), breached: at2026(11, 10, 12, 0)},
		{rec: b, def: normal, target: "resolution", state: sla.Running, due: at2026(11, 11, 12, 0)}, // past due, not swept yet
		{rec: b, def: normal, target: "resolution", state: sla.Running, due: at2026(11, 13, 12, 0)}, // due after now
		{rec: b, def: normal, target: "resolution", state: sla.Met, stopped: at2026(11, 16, 0, 0)},  // at the end: out in UTC, in for New York
	} {
		insertStub(t, d, s)
	}
	return w
}

// wantRow is a report row as the tests state it.
type wantRow struct {
	start             string // local date of the period's start
	label             string
	met, missed, open int64
	compliance        float64 // -1: none
}

func rowsOf(rows []sla.ReportRow) []wantRow {
	var out []wantRow
	for _, r := range rows {
		c, ok := r.Compliance()
		if !ok {
			c = -1
		}
		out = append(out, wantRow{r.Start.Format("2006-01-02"), r.Label, r.Met, r.Missed, r.BreachedOpen, math.Round(c*100) / 100})
	}
	return out
}

func sameRows(t *testing.T, what string, got []sla.ReportRow, want []wantRow) {
	t.Helper()
	g := rowsOf(got)
	if fmt.Sprint(g) != fmt.Sprint(want) {
		t.Errorf("%s:\n got %v\nwant %v", what, g, want)
	}
}

func TestComplianceByPeriodAndDimension(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newReportWorld(t, d)
		q := sla.ReportQuery{From: at2026(10, 26, 0, 0), To: at2026(11, 16, 0, 0), Period: sla.PeriodWeek}
		run := func(q sla.ReportQuery) sla.Report {
			t.Helper()
			rep, err := w.svc.Compliance(ctx, w.agent, q)
			if err != nil {
				t.Fatal(err)
			}
			return rep
		}

		rep := run(q)
		sameRows(t, "weeks", rep.Rows, []wantRow{
			{"2026-10-26", "", 1, 1, 0, 50},
			{"2026-11-02", "", 3, 1, 1, 75},
			{"2026-11-09", "", 0, 0, 2, -1},
		})
		if rep.Total != (sla.Figures{Met: 4, Missed: 2, BreachedOpen: 3}) || len(rep.Dimensions) != 0 {
			t.Errorf("total %+v, dimensions %v", rep.Total, rep.Dimensions)
		}
		if r := rep.Rows[0]; !r.Start.Equal(q.From) || !r.End.Equal(at2026(11, 2, 0, 0)) || !rep.Rows[2].End.Equal(q.To) {
			t.Errorf("weeks run %s to %s, last ends %s", r.Start, r.End, rep.Rows[2].End)
		}

		// The week of 26 October straddles two months: months cut it.
		q.Period = sla.PeriodMonth
		sameRows(t, "months", run(q).Rows, []wantRow{
			{"2026-10-26", "", 1, 0, 0, 100},
			{"2026-11-01", "", 3, 2, 3, 60},
		})

		q.Period, q.By = sla.PeriodWeek, sla.ByGroup
		rep = run(q)
		sameRows(t, "weeks by group", rep.Rows, []wantRow{
			{"2026-10-26", "Network", 1, 1, 0, 50},
			{"2026-11-02", "Network", 0, 1, 1, 0},
			{"2026-11-02", "none", 3, 0, 0, 100},
			{"2026-11-09", "Network", 0, 0, 1, -1},
			{"2026-11-09", "none", 0, 0, 1, -1},
		})
		sameRows(t, "group totals", rep.Dimensions, []wantRow{
			{"2026-10-26", "Network", 1, 2, 2, 33.33},
			{"2026-10-26", "none", 3, 0, 1, 100},
		})
		if k := rep.Dimensions[0].Key; k != fmt.Sprint(w.network) || rep.Dimensions[1].Key != sla.NoValue {
			t.Errorf("group keys %q, %q", k, rep.Dimensions[1].Key)
		}

		q.Period = sla.PeriodMonth
		for by, want := range map[string][]wantRow{
			sla.ByPriority: {{"2026-10-26", "P1", 1, 0, 0, 100}, {"2026-11-01", "P1", 0, 2, 2, 0}, {"2026-11-01", "P4", 3, 0, 1, 100}},
			sla.ByService:  {{"2026-10-26", "Email", 1, 0, 0, 100}, {"2026-11-01", "Email", 0, 2, 2, 0}, {"2026-11-01", "none", 3, 0, 1, 100}},
			sla.ByDefinition: {{"2026-10-26", "High priority", 1, 0, 0, 100}, {"2026-11-01", "High priority", 0, 2, 2, 0},
				{"2026-11-01", "Normal", 3, 0, 1, 100}},
			sla.ByTarget: {{"2026-10-26", "response", 1, 0, 0, 100}, {"2026-11-01", "resolution", 2, 2, 3, 50}, {"2026-11-01", "response", 1, 0, 0, 100}},
		} {
			q.By = by
			sameRows(t, "months by "+by, run(q).Rows, want)
		}

		// Every day has a row without a breakdown, empty ones too.
		q.Period, q.By = sla.PeriodDay, sla.ByNone
		rep = run(q)
		if len(rep.Rows) != 21 || rowsOf(rep.Rows[9:10])[0] != (wantRow{"2026-11-04", "", 0, 1, 0, 0}) {
			t.Errorf("%d days; 4 November: %v", len(rep.Rows), rowsOf(rep.Rows[9:10]))
		}
	})
}

// In New York the periods start at local midnight, before and after the
// clocks go back on 1 November: the timer stopped at 04:30 UTC on 2
// November (23:30 EST on the 1st) belongs to the week of 26 October, and the
// range itself ends at 05:00 UTC.
func TestComplianceInAZoneWithDaylightSaving(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newReportWorld(t, d)
		ny, err := time.LoadLocation("America/New_York")
		if err != nil {
			t.Skip("no time zone data:", err)
		}
		q := sla.ReportQuery{From: time.Date(2026, 10, 26, 0, 0, 0, 0, ny), To: time.Date(2026, 11, 16, 0, 0, 0, 0, ny), Period: sla.PeriodWeek, Zone: ny}
		rep, err := w.svc.Compliance(context.Background(), w.agent, q)
		if err != nil {
			t.Fatal(err)
		}
		sameRows(t, "New York weeks", rep.Rows, []wantRow{
			{"2026-10-26", "", 2, 1, 0, 66.67},
			{"2026-11-02", "", 2, 1, 1, 66.67},
			{"2026-11-09", "", 1, 0, 2, 100},
		})
		if s := rep.Rows[1].Start; !s.Equal(time.Date(2026, 11, 2, 0, 0, 0, 0, ny)) || s.Location() != ny {
			t.Errorf("second week starts %s", s)
		}
		q.Period = sla.PeriodMonth
		rep, err = w.svc.Compliance(context.Background(), w.agent, q)
		if err != nil {
			t.Fatal(err)
		}
		sameRows(t, "New York months", rep.Rows, []wantRow{
			{"2026-10-26", "", 1, 1, 0, 50},
			{"2026-11-01", "", 4, 1, 3, 80},
		})

		// Half-hour offsets: in Kolkata (UTC+5:30) 31 October 23:30 UTC
		// is 1 November 05:00, and 1 November 00:30 UTC is 06:00.
		kolkata, err := time.LoadLocation("Asia/Kolkata")
		if err != nil {
			t.Skip("no time zone data:", err)
		}
		q = sla.ReportQuery{From: time.Date(2026, 10, 31, 0, 0, 0, 0, kolkata), To: time.Date(2026, 11, 3, 0, 0, 0, 0, kolkata), Period: sla.PeriodDay, Zone: kolkata}
		rep, err = w.svc.Compliance(context.Background(), w.agent, q)
		if err != nil {
			t.Fatal(err)
		}
		sameRows(t, "Kolkata days", rep.Rows, []wantRow{
			{"2026-10-31", "", 0, 0, 0, -1},
			{"2026-11-01", "", 1, 1, 0, 50},
			{"2026-11-02", "", 2, 0, 0, 100},
		})
	})
}

// A timer the engine stopped counts like any other: resolving after an
// hour meets the four-hour resolution target and misses the 30-minute
// response.
func TestComplianceCountsTheEnginesTimers(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		inc, _, err := w.inc.Create(ctx, w.agent, incident.NewIncident{Title: "VPN refuses logins", Impact: record.High, Urgency: record.High})
		if err != nil {
			t.Fatal(err)
		}
		w.deliver(t)
		w.now = w.now.Add(time.Hour)
		code, notes, resolved := "solved", "Renewed the certificate.", incident.Resolved
		if _, err := w.inc.Update(ctx, w.agent, inc.Number, inc.Version, incident.Patch{State: &resolved, ResolutionCode: &code, ResolutionNotes: &notes}); err != nil {
			t.Fatal(err)
		}
		w.deliver(t)
		svc := sla.NewService(d)
		svc.Now = func() time.Time { return w.now }
		rep, err := svc.Compliance(ctx, w.agent, sla.ReportQuery{From: w.now.AddDate(0, 0, -1), To: w.now.AddDate(0, 0, 1), Period: sla.PeriodMonth, By: sla.ByTarget})
		if err != nil {
			t.Fatal(err)
		}
		sameRows(t, "by target", rep.Rows, []wantRow{
			{"2026-11-22", "resolution", 1, 0, 0, 100},
			{"2026-11-22", "response", 0, 1, 0, 0},
		})
	})
}

func TestComplianceRefusesBadQueries(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		svc := sla.NewService(d)
		agent := auth.Principal{UserID: 7, Name: "Agent", Role: auth.Agent}
		from := at2026(11, 1, 0, 0)
		ok := sla.ReportQuery{From: from, To: from.AddDate(0, 1, 0), Period: sla.PeriodWeek}
		for _, tt := range []struct {
			name  string
			edit  func(q *sla.ReportQuery)
			field string
		}{
			{"no from", func(q *sla.ReportQuery) { q.From = time.Time{} }, "from"},
			{"no to", func(q *sla.ReportQuery) { q.To = time.Time{} }, "to"},
			{"to before from", func(q *sla.ReportQuery) { q.To = from.Add(-time.Hour) }, "to"},
			{"empty range", func(q *sla.ReportQuery) { q.To = from }, "to"},
			{"over two years", func(q *sla.ReportQuery) { q.To = from.AddDate(2, 0, 1) }, "to"},
			{"no period", func(q *sla.ReportQuery) { q.Period = "" }, "period"},
			{"unknown period", func(q *sla.ReportQuery) { q.Period = "year" }, "period"},
			{"unknown dimension", func(q *sla.ReportQuery) { q.By = "colour" }, "by"},
			{"dimension in capitals", func(q *sla.ReportQuery) { q.By = "GROUP" }, "by"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				q := ok
				tt.edit(&q)
				_, err := svc.Compliance(context.Background(), agent, q)
				var v *fault.ValidationError
				if !errors.As(err, &v) || len(v.Fields) != 1 || v.Fields[0].Field != tt.field || v.Fields[0].Message == "" {
					t.Fatalf("err = %v, want one problem with %s", err, tt.field)
				}
			})
		}
		if _, err := svc.Compliance(context.Background(), agent, sla.ReportQuery{From: from, To: from.AddDate(2, 0, 0), Period: sla.PeriodDay}); err != nil {
			t.Errorf("exactly two years: %v", err)
		}
		requester := auth.Principal{UserID: 8, Name: "Rita", Role: auth.Requester}
		if _, err := svc.Compliance(context.Background(), requester, ok); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("requester: %v, want forbidden", err)
		}
		if _, err := svc.Compliance(context.Background(), auth.Principal{}, ok); !errors.Is(err, fault.ErrUnauthenticated) {
			t.Errorf("nobody: %v, want unauthenticated", err)
		}
		if err := ok.Validate(); err != nil {
			t.Errorf("a good query: %v", err)
		}
	})
}
