package web

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"steward/internal/platform/fault"
	"steward/internal/sla"
)

// ComplianceParams select an SLA compliance report.
type ComplianceParams struct {
	From   string `query:"from" maxLength:"40" doc:"Start: a date (YYYY-MM-DD, from midnight in zone) or an RFC 3339 time. Default: 30 days before to." example:"2026-11-01"`
	To     string `query:"to" maxLength:"40" doc:"End: a date (YYYY-MM-DD, that whole day included) or an RFC 3339 time (excluded). Default: the end of today in zone. At most 2 years after from." example:"2026-11-30"`
	Period string `query:"period" enum:"day,week,month" default:"week" doc:"Length of each row's period; weeks start on Monday"`
	By     string `query:"by" enum:"none,group,priority,service,definition,target" default:"none" doc:"Break each period down by the record's assignment group, priority or service, or the timer's definition or target"`
	Zone   string `query:"zone" maxLength:"64" doc:"IANA time zone in which days, weeks and months start, and in which dates are read. Default: UTC" example:"Europe/Lisbon"`
}

// ComplianceRowOut is the figures of one period and dimension value, or of
// a whole report.
type ComplianceRowOut struct {
	Start             time.Time `json:"start" doc:"The period's start, cut to the report's range"`
	End               time.Time `json:"end" doc:"The period's end (excluded), cut to the report's range"`
	Key               string    `json:"key,omitempty" doc:"The dimension value: a group or service id, none, a priority number, a definition id or a target name"`
	Label             string    `json:"label,omitempty" doc:"The dimension value as people read it: the group's name, P1, none ..."`
	Met               int64     `json:"met" doc:"Timers stopped within their target in the period"`
	Missed            int64     `json:"missed" doc:"Timers stopped after breaching their target in the period"`
	BreachedOpen      int64     `json:"breached_open" doc:"Timers still running or paused that breached in the period"`
	CompliancePercent *float64  `json:"compliance_percent,omitempty" doc:"met / (met + missed) × 100, to one decimal; absent when no timer stopped"`
}

// SLAComplianceOut is an SLA compliance report.
type SLAComplianceOut struct {
	From       time.Time          `json:"from"`
	To         time.Time          `json:"to" doc:"Excluded"`
	Zone       string             `json:"zone"`
	Period     string             `json:"period" enum:"day,week,month"`
	By         string             `json:"by" enum:"none,group,priority,service,definition,target"`
	Total      ComplianceRowOut   `json:"total"`
	Dimensions []ComplianceRowOut `json:"dimensions" doc:"Each dimension value's figures over the whole range; empty without by"`
	Rows       []ComplianceRowOut `json:"rows" doc:"By period, then dimension value. Without by every period has a row; with it, only values with figures"`
}

func (s *Server) registerReports(api huma.API) {
	huma.Register(api, huma.Operation{OperationID: "get-sla-compliance", Method: http.MethodGet, Path: "/api/v1/reports/sla-compliance",
		Tags: []string{"Reports", "Service levels"}, Summary: "SLA compliance by period and dimension",
		Description: "Counts the SLA timers that stopped in the range, met or missed (replaced timers are left out), " +
			"and those still open that breached in it. Agents and above."},
		func(ctx context.Context, in *ComplianceParams) (*struct{ Body SLAComplianceOut }, error) {
			q, err := complianceQuery(*in, time.Now())
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			rep, err := s.SLA.Compliance(ctx, principal(ctx), q)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &struct{ Body SLAComplianceOut }{Body: complianceOut(rep)}, nil
		})
}

func complianceOut(rep sla.Report) SLAComplianceOut {
	q := rep.Query
	out := SLAComplianceOut{From: q.From.UTC(), To: q.To.UTC(), Zone: q.Zone.String(), Period: q.Period, By: q.By,
		Dimensions: []ComplianceRowOut{}, Rows: []ComplianceRowOut{}}
	if out.By == "" {
		out.By = "none"
	}
	out.Total = complianceRowOut(sla.ReportRow{Start: q.From, End: q.To, Figures: rep.Total})
	for _, r := range rep.Dimensions {
		out.Dimensions = append(out.Dimensions, complianceRowOut(r))
	}
	for _, r := range rep.Rows {
		out.Rows = append(out.Rows, complianceRowOut(r))
	}
	return out
}

func complianceRowOut(r sla.ReportRow) ComplianceRowOut {
	o := ComplianceRowOut{Start: r.Start.UTC(), End: r.End.UTC(), Key: r.Key, Label: r.Label, Met: r.Met, Missed: r.Missed, BreachedOpen: r.BreachedOpen}
	if p, ok := r.Compliance(); ok {
		p = math.Round(p*10) / 10
		o.CompliancePercent = &p
	}
	return o
}

// complianceQuery reads a report's parameters, as the API and the page take
// them, naming every bad one (from, to, period, by, zone). A date is a
// whole day in the zone: from its midnight, and to the end of the to day.
// Missing ones are the last 30 days (today included), by week, with no
// breakdown.
func complianceQuery(p ComplianceParams, now time.Time) (sla.ReportQuery, error) {
	v := &fault.ValidationError{}
	zone := time.UTC
	if p.Zone != "" {
		loc, err := time.LoadLocation(p.Zone)
		if err != nil || p.Zone == "Local" || len(p.Zone) > 64 {
			v.Add("zone", "must be an IANA time zone, such as Europe/Lisbon")
		} else {
			zone = loc
		}
	}
	q := sla.ReportQuery{Period: p.Period, By: p.By, Zone: zone}
	if q.Period == "" {
		q.Period = sla.PeriodWeek
	}
	if q.By == "none" {
		q.By = sla.ByNone
	}
	y, m, d := now.In(zone).Date()
	q.To = time.Date(y, m, d+1, 0, 0, 0, 0, zone)
	if p.To != "" {
		t, ok := reportTime(p.To, zone, true)
		if !ok {
			v.Add("to", "must be a date (YYYY-MM-DD) or an RFC 3339 time")
		}
		q.To = t
	}
	q.From = q.To.AddDate(0, 0, -30)
	if p.From != "" {
		t, ok := reportTime(p.From, zone, false)
		if !ok {
			v.Add("from", "must be a date (YYYY-MM-DD) or an RFC 3339 time")
		}
		q.From = t
	}
	if len(v.Fields) == 0 {
		return q, q.Validate()
	}
	// Add the other problems too, so that every bad field is named at once.
	var more *fault.ValidationError
	if errors.As(q.Validate(), &more) {
		for _, f := range more.Fields {
			if !hasFieldError(v, f.Field) {
				v.Fields = append(v.Fields, f)
			}
		}
	}
	return q, v
}

// reportTime reads a date or an RFC 3339 time; a date that ends a range
// means the end of that day.
func reportTime(s string, zone *time.Location, end bool) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.ParseInLocation(time.DateOnly, s, zone); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, true
	}
	t, err := time.Parse(time.RFC3339, s)
	return t, err == nil
}

func hasFieldError(v *fault.ValidationError, field string) bool {
	for _, f := range v.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}
