package web

import (
	"net/http"
	"strconv"
	"strings"

	"steward/internal/auth"
	"steward/internal/view"
)

// navItem is one entry of the workspace's left navigation.
type navItem struct {
	Label, URL, Icon, Hint string
	Count                  int64
	Counted                bool
	Current                bool
	Shared                 string // a shared view: the group's name
}

// shell is what every workspace page's frame shows: the top bar with the
// search box and user menu, and the navigation with its counts.
type shell struct {
	Title    string
	CSRF     string
	User     auth.Principal
	Initials string
	Queues   []navItem
	Views    []navItem
	Search   string
	Flash    *flash
	// Page is what app.js needs to know about the page (data-page).
	Page string
}

// shell builds the frame for p, marking current (a nav URL) as the page
// the agent is on. Counts come from queueCount; a failing count is left
// out rather than failing the page.
func (s *Server) shell(r *http.Request, p auth.Principal, title, current string) shell {
	ctx := r.Context()
	sh := shell{Title: title, CSRF: s.csrfToken(ctx), User: p, Initials: initials(p.Name), Flash: s.takeFlash(ctx)}
	for _, q := range queues {
		it := navItem{Label: q.Label, URL: "/queues/" + q.ID, Icon: q.Icon, Hint: q.Hint}
		if !q.NoCount {
			it.Count, it.Counted = s.queueCount(ctx, p, q.Spec)
		}
		it.Current = it.URL == current
		sh.Queues = append(sh.Queues, it)
	}
	views, err := s.Views.List(ctx, p)
	if err != nil && ctx.Err() == nil { // else the browser went away
		s.Log.ErrorContext(ctx, "saved views", "err", err)
	}
	for _, v := range views {
		it := navItem{Label: v.Name, URL: "/views/" + strconv.FormatInt(v.ID, 10), Icon: "star", Shared: v.GroupName}
		it.Count, it.Counted = s.queueCount(ctx, p, viewSpec(v))
		it.Current = it.URL == current
		sh.Views = append(sh.Views, it)
	}
	return sh
}

func viewSpec(v view.View) listSpec {
	return listSpec{Filter: v.Filter, Sort: v.Sort, Columns: v.Columns}
}

// initials are up to two letters standing for a name, for avatars.
func initials(name string) string {
	var out []rune
	for _, w := range strings.Fields(name) {
		for _, r := range w {
			out = append(out, r)
			break
		}
		if len(out) == 2 {
			break
		}
	}
	return strings.ToUpper(string(out))
}
