package web

import (
	"fmt"
	"html"
	"html/template"
	"strings"
	"time"
)

// wsFuncs are the helpers the workspace templates use.
var wsFuncs = template.FuncMap{
	"rel":        relTime,
	"options":    options,
	"queueRows":  queueRows,
	"iso":        func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"full":       func(t time.Time) string { return t.UTC().Format(fullTime) },
	"label":      codeLabel,
	"stateLabel": stateLabel,
	"initials":   initials,
	"size":       byteSize,
	"hasPrefix":  strings.HasPrefix,
	"icon":       icon,
	"duration":   duration,
	"fieldOf":    fieldOf,
	"newKeys":    func() []string { return newKeys },
	"in": func(v string, list []string) bool {
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	},
	"inInts": func(v int, list []int) bool {
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	},
}

// fullTime is how a time reads in full (in a tooltip).
const fullTime = "Mon 2 Jan 2006, 15:04 UTC"

// relTime says how long ago t was, as people say it.
func relTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := time.Since(t)
	switch {
	case d < 0:
		return "just now"
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	case d < 7*24*time.Hour:
		n := int(d.Hours() / 24)
		if n == 1 {
			return "yesterday"
		}
		return fmt.Sprintf("%d days ago", n)
	case t.Year() == time.Now().Year():
		return t.UTC().Format("2 Jan")
	}
	return t.UTC().Format("2 Jan 2006")
}

// duration formats a span compactly: 3 d 4 h, 2 h 10 min, 5 min.
func duration(d time.Duration) string {
	switch {
	case d >= 24*time.Hour:
		return fmt.Sprintf("%d d %d h", int(d.Hours())/24, int(d.Hours())%24)
	case d >= time.Hour:
		return fmt.Sprintf("%d h %d min", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%d min", int(d.Minutes()))
}

// codeLabel turns a stored code into words: awaiting_requester -> Awaiting
// requester.
func codeLabel(code string) string {
	if code == "" {
		return ""
	}
	s := strings.ReplaceAll(code, "_", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", (n+512)>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// icons are the workspace's inline SVG icons (24x24 strokes, no icon font).
var icons = map[string]string{
	"inbox":     `<path d="M22 12h-6l-2 3h-4l-2-3H2"/><path d="M5.45 5.11 2 12v6a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2v-6l-3.45-6.89A2 2 0 0 0 16.76 4H7.24a2 2 0 0 0-1.79 1.11z"/>`,
	"tray":      `<circle cx="9" cy="7" r="4"/><path d="M3 21v-2a4 4 0 0 1 4-4h4"/><path d="M16 11h6M19 8v6"/>`,
	"list":      `<path d="M8 6h13M8 12h13M8 18h13M3 6h.01M3 12h.01M3 18h.01"/>`,
	"alert":     `<path d="M10.29 3.86 1.82 18a2 2 0 0 0 1.71 3h16.94a2 2 0 0 0 1.71-3L13.71 3.86a2 2 0 0 0-3.42 0z"/><path d="M12 9v4M12 17h.01"/>`,
	"clock":     `<circle cx="12" cy="12" r="10"/><path d="M12 6v6l4 2"/>`,
	"star":      `<path d="m12 2 3.09 6.26L22 9.27l-5 4.87 1.18 6.88L12 17.77l-6.18 3.25L7 14.14 2 9.27l6.91-1.01L12 2z"/>`,
	"search":    `<circle cx="11" cy="11" r="7"/><path d="m21 21-4.35-4.35"/>`,
	"plus":      `<path d="M12 5v14M5 12h14"/>`,
	"paperclip": `<path d="m21.44 11.05-9.19 9.19a6 6 0 0 1-8.49-8.49l9.19-9.19a4 4 0 0 1 5.66 5.66l-9.2 9.19a2 2 0 0 1-2.83-2.83l8.49-8.48"/>`,
	"link":      `<path d="M10 13a5 5 0 0 0 7.54.54l3-3a5 5 0 0 0-7.07-7.07l-1.72 1.71"/><path d="M14 11a5 5 0 0 0-7.54-.54l-3 3a5 5 0 0 0 7.07 7.07l1.71-1.71"/>`,
	"lock":      `<rect x="3" y="11" width="18" height="11" rx="2"/><path d="M7 11V7a5 5 0 0 1 10 0v4"/>`,
	"megaphone": `<path d="M3 11v2a1 1 0 0 0 1 1h2l5 4V6L6 10H4a1 1 0 0 0-1 1z"/><path d="M15.5 8.5a5 5 0 0 1 0 7M19 5a10 10 0 0 1 0 14"/>`,
	"edit":      `<path d="M12 20h9"/><path d="M16.5 3.5a2.12 2.12 0 0 1 3 3L7 19l-4 1 1-4z"/>`,
	"x":         `<path d="M18 6 6 18M6 6l12 12"/>`,
	"download":  `<path d="M21 15v4a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-4"/><path d="m7 10 5 5 5-5M12 15V3"/>`,
	"keyboard":  `<rect x="2" y="5" width="20" height="14" rx="2"/><path d="M6 9h.01M10 9h.01M14 9h.01M18 9h.01M6 13h.01M18 13h.01M8 16h8"/>`,
	"logout":    `<path d="M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4M16 17l5-5-5-5M21 12H9"/>`,
	"check":     `<path d="M20 6 9 17l-5-5"/>`,
	"mail":      `<rect x="2" y="4" width="20" height="16" rx="2"/><path d="m22 7-10 6L2 7"/>`,
	"user":      `<circle cx="12" cy="8" r="4"/><path d="M4 21v-1a6 6 0 0 1 6-6h4a6 6 0 0 1 6 6v1"/>`,
}

// icon returns an inline SVG icon; decorative, so hidden from screen readers.
func icon(name string) template.HTML {
	return template.HTML(`<svg class="i" aria-hidden="true" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">` + icons[name] + `</svg>`)
}

// options renders a select's choices. It is built here rather than by a
// template range: a queue page lists every agent in two selects, and the
// template engine's reflection costs milliseconds a page with hundreds of
// agents.
func options(cs []choice) template.HTML {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString(`<option value="`)
		b.WriteString(html.EscapeString(c.Value))
		b.WriteByte('"')
		if c.Selected {
			b.WriteString(" selected")
		}
		b.WriteByte('>')
		b.WriteString(html.EscapeString(c.Label))
		b.WriteString("</option>")
	}
	return template.HTML(b.String())
}

// queueRows renders the rows of a queue table. Like options it is built
// here rather than by the template: fifty rows of ten cells are about a
// thousand template actions, each escaped through reflection, which was a
// third of a queue page's time. Every value is escaped; links are only
// ever the workspace's own paths.
func queueRows(rows []listRow) template.HTML {
	var b strings.Builder
	b.Grow(len(rows) * 1400)
	esc := func(s string) { b.WriteString(html.EscapeString(s)) }
	for _, r := range rows {
		b.WriteString("<tr>\n    <td class=\"pick\"><input type=\"checkbox\" name=\"pick\" value=\"")
		esc(r.Pick)
		b.WriteString("\" aria-label=\"Select ")
		esc(r.Number)
		b.WriteByte('"')
		if r.Picked {
			b.WriteString(" checked")
		}
		b.WriteString("></td>\n")
		for _, c := range r.Cells {
			b.WriteString("    <td class=\"c-")
			esc(c.Key)
			b.WriteString("\">")
			switch {
			case c.Href != "" && strings.HasPrefix(c.Href, "/") && !strings.HasPrefix(c.Href, "//"):
				b.WriteString("<a href=\"")
				esc(c.Href)
				b.WriteByte('"')
				if c.Quiet {
					b.WriteString(" tabindex=\"-1\"")
				}
				b.WriteByte('>')
				esc(c.Text)
				b.WriteString("</a>")
				if c.Tag != "" {
					b.WriteString(" <span class=\"tag ")
					esc(c.TagClass)
					b.WriteString("\">")
					esc(c.Tag)
					b.WriteString("</span>")
				}
			case c.Priority != 0:
				p := fmt.Sprint(c.Priority)
				b.WriteString("<span class=\"pill p" + p + "\" title=\"Priority " + p + "\">P" + p + "</span>")
			case c.State != "":
				b.WriteString("<span class=\"state s-")
				esc(c.State)
				b.WriteString("\">")
				esc(c.Text)
				b.WriteString("</span>")
			case c.Due.Text != "":
				b.WriteString("<span class=\"due ")
				esc(c.Due.Class)
				b.WriteString("\" data-due=\"")
				esc(c.Due.ISO)
				b.WriteString("\" title=\"")
				esc(c.Due.Full)
				b.WriteString("\">")
				esc(c.Due.Text)
				b.WriteString("</span>")
			case c.ISO != "":
				b.WriteString("<time datetime=\"")
				esc(c.ISO)
				b.WriteString("\" title=\"")
				esc(c.Full)
				b.WriteString("\">")
				esc(c.Text)
				b.WriteString("</time>")
			case c.Text != "":
				if c.Avatar != "" {
					b.WriteString("<span class=\"avatar xs\" aria-hidden=\"true\">")
					esc(c.Avatar)
					b.WriteString("</span>")
				}
				esc(c.Text)
			default:
				b.WriteString("<span class=\"none\">")
				esc(c.Empty)
				b.WriteString("</span>")
			}
			b.WriteString("</td>\n")
		}
		b.WriteString("  </tr>\n")
	}
	return template.HTML(b.String())
}
