package calendar

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"steward/internal/platform/fault"
)

// This is a small reader for the part of iCalendar (RFC 5545) that holiday
// feeds use, written here rather than taking a dependency for it: line
// unfolding, VEVENT with DTSTART/DTEND (DATE or DATE-TIME), DURATION in days
// or weeks, SUMMARY, STATUS and RRULE with FREQ=YEARLY. Anything that would
// change which dates an event covers and is not understood (another FREQ,
// BYDAY, RDATE, EXDATE) is an error rather than a silently wrong holiday.

const (
	maxICSSize     = 4 << 20 // a holiday feed is a few kilobytes
	maxICSProblems = 20
	maxOccurrences = 1000 // COUNT/UNTIL expansion
)

// ParseICSHolidays reads the all-day events of an iCalendar file as
// holidays, in file order, named by their SUMMARY. A yearly RRULE without
// COUNT or UNTIL gives a yearly holiday ("--12-25"); with them, one holiday
// per occurrence. An event over several days gives one holiday per day.
// Timed events (a DATE-TIME not at midnight) are not holidays and are left
// out, as are cancelled ones; a DATE-TIME's date is taken as written. Bad
// input is a *fault.ValidationError on field "ics" listing each problem by
// line.
func ParseICSHolidays(r io.Reader) ([]Holiday, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxICSSize+1))
	if err != nil {
		return nil, fmt.Errorf("calendar: read ics: %w", err)
	}
	if len(data) > maxICSSize {
		return nil, fault.Invalid("ics", "larger than %d MiB", maxICSSize>>20)
	}
	p := &icsParser{}
	for _, l := range unfold(string(data)) {
		if !p.line(l) || len(p.problems.Fields) >= maxICSProblems {
			break
		}
	}
	p.end()
	if err := p.problems.Err(); err != nil {
		return nil, err
	}
	return p.holidays, nil
}

type contentLine struct {
	n    int // line number where it starts
	text string
}

// unfold joins folded lines: a line starting with a space or tab continues
// the previous one, without that first character.
func unfold(s string) []contentLine {
	s = strings.TrimPrefix(s, "\ufeff")
	var out []contentLine
	var cur strings.Builder
	for i, raw := range strings.Split(s, "\n") {
		raw = strings.TrimSuffix(raw, "\r")
		if raw != "" && (raw[0] == ' ' || raw[0] == '\t') && len(out) > 0 {
			cur.WriteString(raw[1:])
			continue
		}
		if len(out) > 0 {
			out[len(out)-1].text = cur.String()
		}
		cur.Reset()
		cur.WriteString(raw)
		out = append(out, contentLine{n: i + 1})
	}
	if len(out) > 0 {
		out[len(out)-1].text = cur.String()
	}
	return out
}

type icsProp struct {
	n      int
	params map[string]string
	value  string
}

type icsEvent struct {
	n                      int
	start, end, duration   *icsProp
	rrule                  *icsProp
	summary, status, extra string
}

type icsParser struct {
	problems fault.ValidationError
	holidays []Holiday
	stack    []string // open components
	ev       *icsEvent
	started  bool
}

func (p *icsParser) problem(n int, format string, args ...any) {
	p.problems.Add("ics", "line %d: %s", n, fmt.Sprintf(format, args...))
}

// line takes one content line; false stops the reading.
func (p *icsParser) line(l contentLine) bool {
	if strings.TrimSpace(l.text) == "" {
		return true
	}
	name, params, value, ok := parseContentLine(l.text)
	if !p.started {
		p.started = true
		if !ok || name != "BEGIN" || !strings.EqualFold(value, "VCALENDAR") {
			p.problem(l.n, "not an iCalendar file (expected BEGIN:VCALENDAR)")
			return false
		}
	}
	if !ok {
		p.problem(l.n, "not a content line NAME:VALUE")
		return true
	}
	switch name {
	case "BEGIN":
		return p.begin(l.n, strings.ToUpper(value))
	case "END":
		return p.close(l.n, strings.ToUpper(value))
	}
	if len(p.stack) == 0 {
		p.problem(l.n, "%s outside BEGIN:VCALENDAR", name)
		return false
	}
	if p.ev != nil && len(p.stack) == 2 {
		p.ev.set(p, name, &icsProp{n: l.n, params: params, value: value})
	}
	return true
}

func (p *icsParser) begin(n int, comp string) bool {
	if len(p.stack) == 0 && comp != "VCALENDAR" {
		p.problem(n, "BEGIN:%s outside BEGIN:VCALENDAR", comp)
		return false
	}
	p.stack = append(p.stack, comp)
	if comp == "VEVENT" && len(p.stack) == 2 {
		p.ev = &icsEvent{n: n}
	}
	return true
}

func (p *icsParser) close(n int, comp string) bool {
	if len(p.stack) == 0 || p.stack[len(p.stack)-1] != comp {
		p.problem(n, "END:%s does not close an open BEGIN:%s", comp, comp)
		return false
	}
	p.stack = p.stack[:len(p.stack)-1]
	if comp == "VEVENT" && len(p.stack) == 1 && p.ev != nil {
		p.event(p.ev)
		p.ev = nil
	}
	return true
}

func (p *icsParser) end() {
	switch {
	case !p.started:
		p.problems.Add("ics", "empty file")
	case len(p.stack) > 0:
		p.problems.Add("ics", "ends inside BEGIN:%s", p.stack[len(p.stack)-1])
	}
}

func (e *icsEvent) set(p *icsParser, name string, prop *icsProp) {
	slot := map[string]**icsProp{"DTSTART": &e.start, "DTEND": &e.end, "DURATION": &e.duration, "RRULE": &e.rrule}[name]
	switch {
	case slot != nil && *slot != nil:
		p.problem(prop.n, "%s given twice in one event", name)
	case slot != nil:
		*slot = prop
	case name == "SUMMARY":
		e.summary = unescapeText(prop.value)
	case name == "STATUS":
		e.status = strings.ToUpper(strings.TrimSpace(prop.value))
	case name == "RDATE" || name == "EXDATE" || name == "EXRULE":
		e.extra = name
	}
}

// event turns a finished VEVENT into holidays.
func (p *icsParser) event(e *icsEvent) {
	if e.status == "CANCELLED" {
		return
	}
	where := fmt.Sprintf("event %q", e.summary)
	switch {
	case e.extra != "":
		p.problem(e.n, "%s: %s is not supported", where, e.extra)
		return
	case e.start == nil:
		p.problem(e.n, "%s has no DTSTART", where)
		return
	}
	start, allDay, err := icsDate(e.start)
	if err != nil {
		p.problem(e.start.n, "%s: DTSTART: %v", where, err)
		return
	}
	days, allDay, err := e.days(start, allDay)
	if err != nil {
		p.problem(e.n, "%s: %v", where, err)
		return
	}
	if !allDay {
		return // a timed event, not a holiday
	}
	starts, yearly := []int64{start}, false
	if e.rrule != nil {
		if starts, yearly, err = expandYearly(e.rrule.value, start); err != nil {
			p.problem(e.rrule.n, "%s: RRULE: %v", where, err)
			return
		}
	}
	for _, s := range starts {
		for k := range days {
			y, m, d := civilFromDays(s + k)
			if y < 0 || y > 9999 {
				p.problem(e.n, "%s: date out of range", where)
				return
			}
			text := fmt.Sprintf("%04d-%02d-%02d", y, m, d)
			if yearly {
				text = fmt.Sprintf("--%02d-%02d", m, d)
			}
			p.holidays = append(p.holidays, Holiday{Date: text, Name: e.summary})
		}
	}
}

// days is how many dates the event covers, and whether it is still all-day.
func (e *icsEvent) days(start int64, allDay bool) (int64, bool, error) {
	days := int64(1)
	switch {
	case e.end != nil:
		end, endAllDay, err := icsDate(e.end)
		if err != nil {
			return 0, false, fmt.Errorf("DTEND: %v", err)
		}
		allDay = allDay && endAllDay
		days = end - start
	case e.duration != nil:
		d, err := parseDuration(e.duration.value)
		if err != nil {
			return 0, false, err
		}
		days = d
	}
	if !allDay {
		return 0, false, nil
	}
	if days < 1 || days > 366 {
		return 0, false, fmt.Errorf("covers %d days; an all-day event covers 1 to 366", days)
	}
	return days, true, nil
}

// parseDuration reads the whole-day durations of all-day events: P3D, P1W.
func parseDuration(s string) (int64, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	if len(u) >= 3 && u[0] == 'P' && digits(u[1:len(u)-1]) && len(u) <= 8 {
		n, _ := strconv.ParseInt(u[1:len(u)-1], 10, 64)
		switch u[len(u)-1] {
		case 'D':
			return n, nil
		case 'W':
			return 7 * n, nil
		}
	}
	return 0, fmt.Errorf("DURATION %q is not supported (only days or weeks, such as P1D)", s)
}

// icsDate reads a DATE (20261225) or DATE-TIME (20261225T000000, with an
// optional Z) as a day number, and says whether it is all-day: a DATE, or a
// DATE-TIME at midnight.
func icsDate(p *icsProp) (int64, bool, error) {
	v := strings.TrimSpace(p.value)
	isDate := strings.EqualFold(p.params["VALUE"], "DATE") || p.params["VALUE"] == "" && len(v) == 8
	clock := ""
	if !isDate {
		rest, ok := strings.CutSuffix(v, "Z")
		if !ok {
			rest = v
		}
		if len(rest) != 15 || rest[8] != 'T' || !digits(rest[9:]) {
			return 0, false, fmt.Errorf("%q is not a DATE-TIME YYYYMMDDTHHMMSS", v)
		}
		if _, err := time.Parse("150405", rest[9:]); err != nil {
			return 0, false, fmt.Errorf("%q has no valid time of day", v)
		}
		v, clock = rest[:8], rest[9:]
	}
	if len(v) != 8 || !digits(v) {
		return 0, false, fmt.Errorf("%q is not a DATE YYYYMMDD", v)
	}
	t, err := time.Parse("20060102", v)
	if err != nil {
		return 0, false, fmt.Errorf("%q is not a valid date", v)
	}
	day := daysFromCivil(int64(t.Year()), int(t.Month()), t.Day())
	return day, isDate || clock == "000000", nil
}

// expandYearly applies a yearly RRULE to the first date. Without COUNT or
// UNTIL the holiday is yearly; with them it gives each occurrence, skipping
// years without the date (29 February), as RFC 5545 does.
func expandYearly(rule string, first int64) ([]int64, bool, error) {
	y0, m, d := civilFromDays(first)
	count, until, hasUntil, freq := 0, int64(0), false, false
	for _, part := range strings.Split(rule, ";") {
		k, v, _ := strings.Cut(part, "=")
		k, v = strings.ToUpper(strings.TrimSpace(k)), strings.ToUpper(strings.TrimSpace(v))
		switch {
		case k == "FREQ" && v == "YEARLY":
			freq = true
		case k == "INTERVAL" && v == "1", k == "WKST":
		case k == "BYMONTH" && v == strconv.Itoa(m), k == "BYMONTHDAY" && v == strconv.Itoa(d):
		case k == "COUNT":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > maxOccurrences {
				return nil, false, fmt.Errorf("COUNT %q is not 1 to %d", v, maxOccurrences)
			}
			count = n
		case k == "UNTIL":
			u, _, err := icsDate(&icsProp{value: v})
			if err != nil {
				return nil, false, fmt.Errorf("UNTIL: %v", err)
			}
			until, hasUntil = u, true
		default:
			return nil, false, fmt.Errorf("%s=%s is not supported (only FREQ=YEARLY on the event's date)", k, v)
		}
	}
	if !freq {
		return nil, false, fmt.Errorf("%q has no FREQ=YEARLY", rule)
	}
	if count == 0 && !hasUntil {
		return []int64{first}, true, nil
	}
	var out []int64
	for y := y0; y <= 9999 && len(out) < maxOccurrences && (count == 0 || len(out) < count); y++ {
		day := daysFromCivil(y, m, d)
		if _, mm, _ := civilFromDays(day); mm != m {
			continue // no such date this year
		}
		if hasUntil && day > until {
			break
		}
		out = append(out, day)
	}
	return out, false, nil
}

// parseContentLine splits NAME;PARAM=VALUE;PARAM="VALUE":VALUE, with colons
// and semicolons allowed inside quoted parameter values.
func parseContentLine(s string) (name string, params map[string]string, value string, ok bool) {
	quoted, cut := false, -1
	var parts []string
	from := 0
	for i := 0; i < len(s) && cut < 0; i++ {
		switch {
		case s[i] == '"':
			quoted = !quoted
		case !quoted && (s[i] == ';' || s[i] == ':'):
			parts = append(parts, s[from:i])
			from = i + 1
			if s[i] == ':' {
				cut = i
			}
		}
	}
	if cut < 0 || parts[0] == "" {
		return "", nil, "", false
	}
	params = map[string]string{}
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(p, "=")
		params[strings.ToUpper(k)] = strings.Trim(v, `"`)
	}
	return strings.ToUpper(parts[0]), params, s[cut+1:], true
}

// unescapeText undoes TEXT escaping; a line break in a name becomes a space.
func unescapeText(s string) string {
	r := strings.NewReplacer(`\\`, `\`, `\;`, ";", `\,`, ",", `\n`, " ", `\N`, " ")
	return strings.TrimSpace(r.Replace(s))
}
