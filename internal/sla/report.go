package sla

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"steward/internal/auth"
	"steward/internal/platform/db"
	"steward/internal/platform/fault"
)

// Compliance reports: how many timers met or missed their target, per
// period (day, week, month) and per one dimension (group, priority,
// service, definition or target). The database counts timers per local day
// and dimension value; the days are folded into weeks and months here, so
// what is read is bounded by days × dimension values, never by timers.

// Report periods. Weeks run Monday to Sunday.
const (
	PeriodDay   = "day"
	PeriodWeek  = "week"
	PeriodMonth = "month"
)

// Report dimensions; the empty one is no breakdown.
const (
	ByNone       = ""
	ByGroup      = "group"
	ByPriority   = "priority"
	ByService    = "service"
	ByDefinition = "definition"
	ByTarget     = "target"
)

// NoValue is the key and label of records without a group or a service.
const NoValue = "none"

// maxReportYears is the longest range a report covers.
const maxReportYears = 2

const msPerDay = 24 * 60 * 60 * 1000

// ReportQuery says what to count: timers that stopped, or breached while
// still open, in [From, To), per Period, broken down By a dimension, with
// days, weeks and months starting at midnight in Zone (UTC when nil).
type ReportQuery struct {
	From, To time.Time
	Period   string
	By       string
	Zone     *time.Location
}

// Validate names every bad field: from, to, period, by.
func (q ReportQuery) Validate() error {
	v := &fault.ValidationError{}
	if q.From.IsZero() {
		v.Add("from", "is required")
	}
	if q.To.IsZero() {
		v.Add("to", "is required")
	}
	if !q.From.IsZero() && !q.To.IsZero() {
		switch {
		case !q.From.Before(q.To):
			v.Add("to", "must be after from")
		case q.To.After(q.From.AddDate(maxReportYears, 0, 0)):
			v.Add("to", "must be at most %d years after from", maxReportYears)
		}
	}
	switch q.Period {
	case PeriodDay, PeriodWeek, PeriodMonth:
	default:
		v.Add("period", "must be day, week or month")
	}
	switch q.By {
	case ByNone, ByGroup, ByPriority, ByService, ByDefinition, ByTarget:
	default:
		v.Add("by", "must be group, priority, service, definition or target, or empty for no breakdown")
	}
	return v.Err()
}

// Figures count timers. Met and Missed stopped in the range (timers that
// were replaced, "dropped", are not counted); BreachedOpen are still
// running or paused and breached in the range (at their breach, or at their
// due time when the sweep has not yet marked them).
type Figures struct {
	Met, Missed  int64
	BreachedOpen int64
}

// Compliance returns Met as a percentage of the stopped timers; ok is false
// when none stopped.
func (f Figures) Compliance() (percent float64, ok bool) {
	if f.Met+f.Missed == 0 {
		return 0, false
	}
	return 100 * float64(f.Met) / float64(f.Met+f.Missed), true
}

func (f *Figures) add(o Figures) {
	f.Met += o.Met
	f.Missed += o.Missed
	f.BreachedOpen += o.BreachedOpen
}

// ReportRow is the figures of one period and one dimension value. Key is
// the value (a group or service id, "none", a priority number, a
// definition id, a target name; empty without a breakdown) and Label is
// what people read (the group's name, "P1", ...).
type ReportRow struct {
	Start, End time.Time // the period, cut to the query's range, in its zone
	Key        string
	Label      string
	Figures
}

// Report is a compliance report.
type Report struct {
	Query ReportQuery // as run: the zone is set, times are in it
	// Rows are ordered by period, then by dimension value (priorities by
	// number, others by label, "none" last). Without a breakdown every
	// period has a row; with one, only the values that have figures.
	Rows []ReportRow
	// Dimensions are the totals of each dimension value over the whole
	// range, in the same order; empty without a breakdown.
	Dimensions []ReportRow
	Total      Figures
}

// Compliance counts met, missed and breached-and-open timers per period and
// dimension. Agents and above may read it.
func (s *Service) Compliance(ctx context.Context, actor auth.Principal, q ReportQuery) (Report, error) {
	if err := auth.Require(actor, auth.ViewReports); err != nil {
		return Report{}, err
	}
	if q.Zone == nil {
		q.Zone = time.UTC
	}
	if err := q.Validate(); err != nil {
		return Report{}, err
	}
	q.From, q.To = q.From.In(q.Zone), q.To.In(q.Zone)
	days, err := complianceDays(ctx, s.DB.Read, q, s.Now())
	if err != nil {
		return Report{}, err
	}
	return fold(q, days), nil
}

// dayCount is what the database returns: the timers of one local day and
// one dimension value.
type dayCount struct {
	Day     int64 // local days since 1970-01-01 in the query's zone
	KeyID   int64
	KeyName string
	Figures
}

// dimensionSQL returns the two columns (kid, kname) that identify a
// dimension value, and the joins they need.
func dimensionSQL(by string) (cols, joins string) {
	const rec = ` JOIN records r ON r.id = t.record_id`
	switch by {
	case ByGroup:
		return `coalesce(r.assignment_group_id, 0) AS kid, coalesce(g.name, '') AS kname`,
			rec + ` LEFT JOIN groups g ON g.id = r.assignment_group_id`
	case ByPriority:
		return `r.priority AS kid, '' AS kname`, rec
	case ByService:
		return `coalesce(r.service_id, 0) AS kid, coalesce(sv.name, '') AS kname`,
			rec + ` LEFT JOIN services sv ON sv.id = r.service_id`
	case ByDefinition:
		return `t.definition_id AS kid, d.name AS kname`, ` JOIN sla_definitions d ON d.id = t.definition_id`
	case ByTarget:
		return `0 AS kid, t.target AS kname`, ``
	}
	return `0 AS kid, '' AS kname`, ``
}

// offsetSpan is a stretch of time with one UTC offset in a zone.
type offsetSpan struct {
	until  int64 // Unix ms where it ends (exclusive); the last span has none
	offset int64 // ms to add to UTC for local time
}

// offsets returns the zone's offsets between from and to, in order: one
// span for a zone without daylight saving, about two a year for one with.
func offsets(zone *time.Location, from, to time.Time) []offsetSpan {
	var out []offsetSpan
	t := from.In(zone)
	for range 100 { // two years have a handful of transitions
		_, off := t.Zone()
		_, end := t.ZoneBounds()
		if end.IsZero() || !end.Before(to) {
			break
		}
		out = append(out, offsetSpan{until: end.UnixMilli(), offset: int64(off) * 1000})
		t = end.In(zone)
	}
	_, off := t.Zone()
	return append(out, offsetSpan{offset: int64(off) * 1000})
}

// localDay returns SQL for the local day number of the instant in column
// COL (replaced by the caller), with its arguments numbered from n: the
// instant plus the zone's offset at that instant, in whole days. The
// offset changes at transitions, so it is a CASE over the few transitions
// in the range; zones with half- and quarter-hour offsets come out right.
func localDay(spans []offsetSpan, n int) (string, []any) {
	var b strings.Builder
	var args []any
	param := func(v int64) string {
		args = append(args, v)
		return "CAST($" + strconv.Itoa(n+len(args)-1) + " AS BIGINT)"
	}
	b.WriteString("(COL + ")
	if len(spans) > 1 {
		b.WriteString("CASE")
		for _, s := range spans[:len(spans)-1] {
			b.WriteString(" WHEN COL < " + param(s.until) + " THEN " + param(s.offset))
		}
		b.WriteString(" ELSE " + param(spans[len(spans)-1].offset) + " END")
	} else {
		b.WriteString(param(spans[0].offset))
	}
	b.WriteString(") / " + strconv.Itoa(msPerDay))
	return b.String(), args
}

// complianceDays reads the day counts. Each branch reads through its own
// index: stopped timers by stopped_at, open breached ones by breached_at,
// and running ones past due that the sweep has not marked yet by due_at.
func complianceDays(ctx context.Context, q db.Querier, rq ReportQuery, now time.Time) ([]dayCount, error) {
	cols, joins := dimensionSQL(rq.By)
	day, dayArgs := localDay(offsets(rq.Zone, rq.From, rq.To), 4)
	at := func(col string) string { return strings.ReplaceAll(day, "COL", col) }
	query := `
SELECT x.day, x.kid, x.kname, x.outcome, count(*) FROM (
  SELECT ` + at("t.stopped_at") + ` AS day, ` + cols + `, t.state AS outcome
  FROM sla_timers t` + joins + `
  WHERE t.stopped_at >= $1 AND t.stopped_at < $2 AND t.state IN ('met', 'missed')
  UNION ALL
  SELECT ` + at("t.breached_at") + ` AS day, ` + cols + `, 'open' AS outcome
  FROM sla_timers t` + joins + `
  WHERE t.breached_at >= $1 AND t.breached_at < $2 AND t.state IN ('running', 'paused')
  UNION ALL
  SELECT ` + at("t.due_at") + ` AS day, ` + cols + `, 'open' AS outcome
  FROM sla_timers t` + joins + `
  WHERE t.due_at >= $1 AND t.due_at < $3 AND t.state = 'running' AND NOT t.breached
) x GROUP BY x.day, x.kid, x.kname, x.outcome`
	due := min(rq.To.UnixMilli(), now.UnixMilli())
	args := append([]any{rq.From.UnixMilli(), rq.To.UnixMilli(), due}, dayArgs...)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sla: compliance: %w", err)
	}
	defer rows.Close()
	var out []dayCount
	for rows.Next() {
		var d dayCount
		var outcome string
		var n int64
		if err := rows.Scan(&d.Day, &d.KeyID, &d.KeyName, &outcome, &n); err != nil {
			return nil, fmt.Errorf("sla: compliance: %w", err)
		}
		switch outcome {
		case Met:
			d.Met = n
		case Missed:
			d.Missed = n
		default:
			d.BreachedOpen = n
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// period returns the period holding the local date y-m-d, uncut.
func (q ReportQuery) period(y int, m time.Month, d int) (start, end time.Time) {
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, q.Zone) }
	switch q.Period {
	case PeriodWeek:
		d -= (int(time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Weekday()) + 6) % 7 // back to Monday
		return at(y, m, d), at(y, m, d+7)
	case PeriodMonth:
		return at(y, m, 1), at(y, m+1, 1)
	}
	return at(y, m, d), at(y, m, d+1)
}

// cut limits a period to the query's range.
func (q ReportQuery) cut(start, end time.Time) (time.Time, time.Time) {
	if start.Before(q.From) {
		start = q.From
	}
	if end.After(q.To) {
		end = q.To
	}
	return start, end
}

// dimension turns a database key into the row's key and label, and how it
// sorts.
func dimension(by string, id int64, name string) (key, label string, order dimOrder) {
	switch by {
	case ByNone:
		return "", "", dimOrder{}
	case ByPriority:
		return strconv.FormatInt(id, 10), "P" + strconv.FormatInt(id, 10), dimOrder{id: id}
	case ByTarget:
		return name, name, dimOrder{label: strings.ToLower(name)}
	}
	if id == 0 {
		return NoValue, NoValue, dimOrder{none: true}
	}
	return strconv.FormatInt(id, 10), name, dimOrder{label: strings.ToLower(name), id: id}
}

type dimOrder struct {
	none  bool
	id    int64
	label string
}

func (a dimOrder) compare(b dimOrder) int {
	if a.none != b.none {
		if a.none {
			return 1
		}
		return -1
	}
	return cmp.Or(strings.Compare(a.label, b.label), cmp.Compare(a.id, b.id))
}

// fold adds the days up into periods and dimension totals.
func fold(q ReportQuery, days []dayCount) Report {
	rep := Report{Query: q}
	type cell struct {
		start int64
		key   string
	}
	rows := map[cell]*ReportRow{}
	dims := map[string]*ReportRow{}
	orders := map[string]dimOrder{}
	if q.By == ByNone {
		y, m, d := q.From.Date()
		for start, end := q.period(y, m, d); start.Before(q.To); start, end = q.period(end.Date()) {
			s, e := q.cut(start, end)
			rows[cell{s.UnixMilli(), ""}] = &ReportRow{Start: s, End: e}
		}
	}
	for _, dc := range days {
		start, end := q.period(time.UnixMilli(dc.Day * msPerDay).UTC().Date())
		start, end = q.cut(start, end)
		key, label, order := dimension(q.By, dc.KeyID, dc.KeyName)
		c := cell{start.UnixMilli(), key}
		r, ok := rows[c]
		if !ok {
			r = &ReportRow{Start: start, End: end, Key: key, Label: label}
			rows[c] = r
		}
		r.add(dc.Figures)
		rep.Total.add(dc.Figures)
		if q.By == ByNone {
			continue
		}
		t, ok := dims[key]
		if !ok {
			t = &ReportRow{Start: q.From, End: q.To, Key: key, Label: label}
			dims[key], orders[key] = t, order
		}
		t.add(dc.Figures)
	}
	byDim := func(a, b *ReportRow) int { return orders[a.Key].compare(orders[b.Key]) }
	for _, r := range sortedRows(rows, func(a, b *ReportRow) int { return cmp.Or(a.Start.Compare(b.Start), byDim(a, b)) }) {
		rep.Rows = append(rep.Rows, *r)
	}
	for _, r := range sortedRows(dims, byDim) {
		rep.Dimensions = append(rep.Dimensions, *r)
	}
	return rep
}

func sortedRows[K comparable](m map[K]*ReportRow, by func(a, b *ReportRow) int) []*ReportRow {
	out := make([]*ReportRow, 0, len(m))
	for _, r := range m {
		out = append(out, r)
	}
	slices.SortFunc(out, by)
	return out
}
