package web

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"steward/internal/auth"
	"steward/internal/sla"
	"steward/internal/web/ui"
)

// The SLA compliance report in the workspace: a filter form, the overall
// figures, and a table per period and dimension value, or the same as CSV.

// registerReportPages adds the workspace's report pages to mux.
func (s *Server) registerReportPages(mux routeMux) {
	page := template.Must(template.New("ws_report_sla.html").Funcs(wsFuncs).ParseFS(ui.Templates,
		"templates/layout.html", "templates/ws_shell.html", "templates/ws_report_sla.html"))
	mux.HandleFunc("GET /reports/sla", s.agentPage(func(w http.ResponseWriter, r *http.Request, p auth.Principal) {
		s.slaReportPage(w, r, p, page)
	}))
}

// reportLine is one row of a report table, ready to print.
type reportLine struct {
	Period      string // "2 – 8 Nov 2026"
	PeriodStart string // ISO date, for <time>
	Label       string
	Met, Missed int64
	Open        int64
	Percent     string // "92.3 %", or empty without stopped timers
	Bar         int    // 0..100
	Level       string // good, fair, poor
}

type slaReportView struct {
	shell
	Form               ComplianceParams // as typed, or the defaults
	Errors             map[string]string
	Periods, Groupings []choice
	Range              string // "24 Oct – 22 Nov 2026 (UTC)"
	PeriodName         string // "week"
	DimName            string // "Group", empty without a breakdown
	DimWord            string // "group"
	Total              reportLine
	Dimensions, Rows   []reportLine
	Groups             []reportGroup // the rows by period, with a breakdown
	Empty              bool
	CSV                string
}

// reportGroup is a period's rows.
type reportGroup struct {
	Period, PeriodStart string
	Lines               []reportLine
}

var reportPeriods = []option{{"day", "Day"}, {"week", "Week"}, {"month", "Month"}}

var reportGroupings = []option{{"none", "None"}, {"group", "Group"}, {"priority", "Priority"},
	{"service", "Service"}, {"definition", "Service level"}, {"target", "Target"}}

var reportDimNames = map[string]string{"group": "Group", "priority": "Priority", "service": "Service", "definition": "Service level", "target": "Target"}

func (s *Server) slaReportPage(w http.ResponseWriter, r *http.Request, p auth.Principal, page *template.Template) {
	qs := r.URL.Query()
	form := ComplianceParams{From: qs.Get("from"), To: qs.Get("to"), Period: qs.Get("period"), By: qs.Get("by"), Zone: strings.TrimSpace(qs.Get("zone"))}
	view := slaReportView{shell: s.shell(r, p, "SLA compliance", "/reports/sla"), Form: form}
	view.Page = "report"
	status := http.StatusOK
	q, err := complianceQuery(form, time.Now())
	var rep sla.Report
	if err == nil {
		rep, err = s.SLA.Compliance(r.Context(), p, q)
	}
	if err != nil {
		fields, ok := fieldErrors(err)
		if !ok {
			s.wsError(w, r, p, err)
			return
		}
		view.Errors, status = fields, http.StatusUnprocessableEntity
	} else {
		if qs.Get("format") == "csv" {
			writeComplianceCSV(w, rep)
			return
		}
		view.fill(rep)
	}
	view.Periods = choices(reportPeriods, cmp.Or(view.Form.Period, "week"))
	view.Groupings = choices(reportGroupings, cmp.Or(view.Form.By, "none"))
	s.render(w, page, status, view)
}

// fill sets the figures, and the form's empty fields to what was used.
func (v *slaReportView) fill(rep sla.Report) {
	q := rep.Query
	from, to := q.From.Format(time.DateOnly), lastDay(q.To).Format(time.DateOnly)
	if v.Form.From == "" {
		v.Form.From = from
	}
	if v.Form.To == "" {
		v.Form.To = to
	}
	v.Range = periodText(q.From, q.To) + " (" + q.Zone.String() + ")"
	v.PeriodName = q.Period
	v.DimName = reportDimNames[q.By]
	v.DimWord = strings.ToLower(v.DimName)
	v.Total = v.line(sla.ReportRow{Figures: rep.Total}, q.Period)
	v.Empty = rep.Total == (sla.Figures{})
	for _, r := range rep.Dimensions {
		v.Dimensions = append(v.Dimensions, v.line(r, q.Period))
	}
	for i, r := range rep.Rows {
		l := v.line(r, q.Period)
		v.Rows = append(v.Rows, l)
		if i == 0 || !rep.Rows[i-1].Start.Equal(r.Start) {
			v.Groups = append(v.Groups, reportGroup{Period: l.Period, PeriodStart: l.PeriodStart})
		}
		g := &v.Groups[len(v.Groups)-1]
		g.Lines = append(g.Lines, l)
	}
	csvQuery := url.Values{"from": {v.Form.From}, "to": {v.Form.To}, "period": {q.Period}, "by": {cmp.Or(q.By, "none")}, "format": {"csv"}}
	if v.Form.Zone != "" {
		csvQuery.Set("zone", v.Form.Zone)
	}
	v.CSV = "/reports/sla?" + csvQuery.Encode()
}

func (v *slaReportView) line(r sla.ReportRow, period string) reportLine {
	l := reportLine{Label: r.Label, Met: r.Met, Missed: r.Missed, Open: r.BreachedOpen}
	if r.Key == sla.NoValue {
		l.Label = "No " + v.DimWord
	}
	if !r.Start.IsZero() {
		l.Period, l.PeriodStart = periodName(r.Start, r.End, period), r.Start.Format(time.DateOnly)
	}
	if pct, ok := r.Compliance(); ok {
		l.Percent = strconv.FormatFloat(pct, 'f', 1, 64) + " %"
		l.Bar = int(pct + 0.5)
		switch {
		case pct >= 95:
			l.Level = "good"
		case pct >= 80:
			l.Level = "fair"
		default:
			l.Level = "poor"
		}
	}
	return l
}

// lastDay is the last day a range ending (excluded) at end covers.
func lastDay(end time.Time) time.Time { return end.Add(-time.Nanosecond) }

// periodName says which period a row covers: "Mon 2 Nov 2026",
// "November 2026", or a range of days.
func periodName(start, end time.Time, period string) string {
	switch {
	case period == sla.PeriodDay:
		return start.Format("Mon 2 Jan 2006")
	case period == sla.PeriodMonth && start.Day() == 1 && end.Equal(start.AddDate(0, 1, 0)):
		return start.Format("January 2006")
	}
	return periodText(start, end)
}

// periodText is a range of days: "2 – 8 Nov 2026", "26 Oct – 1 Nov 2026".
func periodText(start, end time.Time) string {
	last := lastDay(end)
	switch {
	case start.Year() != last.Year():
		return start.Format("2 Jan 2006") + " – " + last.Format("2 Jan 2006")
	case start.Month() != last.Month():
		return start.Format("2 Jan") + " – " + last.Format("2 Jan 2006")
	case start.Day() != last.Day():
		return start.Format("2") + " – " + last.Format("2 Jan 2006")
	}
	return start.Format("2 Jan 2006")
}

// writeComplianceCSV sends the report's rows as a spreadsheet download.
func writeComplianceCSV(w http.ResponseWriter, rep sla.Report) {
	q := rep.Query
	name := fmt.Sprintf("sla-compliance-%s-%s.csv", q.From.Format(time.DateOnly), lastDay(q.To).Format(time.DateOnly))
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	head := []string{"period_start", "period_end"}
	if q.By != sla.ByNone {
		head = append(head, q.By+"_key", q.By)
	}
	_ = cw.Write(append(head, "met", "missed", "compliance_percent", "breached_open"))
	for _, r := range rep.Rows {
		rec := []string{r.Start.Format(time.RFC3339), r.End.Format(time.RFC3339)}
		if q.By != sla.ByNone {
			rec = append(rec, csvCell(r.Key), csvCell(r.Label))
		}
		pct := ""
		if p, ok := r.Compliance(); ok {
			pct = strconv.FormatFloat(p, 'f', 1, 64)
		}
		_ = cw.Write(append(rec, itoa64(r.Met), itoa64(r.Missed), pct, itoa64(r.BreachedOpen)))
	}
	cw.Flush()
}

// csvCell neutralises a value for a spreadsheet: no line breaks, and
// nothing a spreadsheet would run as a formula (= + - @, tab).
func csvCell(v string) string {
	v = strings.NewReplacer("\r", " ", "\n", " ").Replace(v)
	if v != "" && strings.ContainsRune("=+-@\t", rune(v[0])) {
		return "'" + v
	}
	return v
}
