package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"steward/internal/auth"
	"steward/internal/incident"
	"steward/internal/record"
	"steward/internal/view"
)

// pageSize is how many rows a list page shows.
const pageSize = 50

// listRow is one incident in a list, its cells ready to print: the
// templates only test fields, which keeps a page of 50 rows fast to render.
type listRow struct {
	Number string
	Pick   string // number@version, the bulk checkbox value
	Picked bool
	Cells  []listCell
}

// listCell is one cell; which fields are set says how it is shown.
type listCell struct {
	Key           string
	Href          string // a link to the incident
	Quiet         bool   // a link left out of the tab order (the title links too)
	Text          string
	Tag, TagClass string // a tag after the text (major incidents)
	Priority      int    // a priority pill
	State         string // a state with its dot
	ISO, Full     string // a time
	Avatar, Empty string // initials before the text; what to say when there is no text
	Due           slaBadge
}

// columnHead is a column of a list, sortable or not.
type columnHead struct {
	Key, Label, SortURL, AriaSort string
}

type sortLink struct {
	Label, URL string
	Current    bool
	Dir        string // ↑ or ↓ for the current one
}

// option is one choice of a select.
type option struct {
	Value, Label string
}

// choice is an option as a select shows it, chosen or not. Pages mark the
// chosen one in Go rather than with a comparison per option in the
// template, which is slow over a hundred agents.
type choice struct {
	Value, Label string
	Selected     bool
}

func choices(opts []option, selected string) []choice {
	out := make([]choice, len(opts))
	for i, o := range opts {
		out[i] = choice{Value: o.Value, Label: o.Label, Selected: o.Value == selected}
	}
	return out
}

// listSelects are the list page's selects with their current choice.
type listSelects struct {
	FilterGroup, FilterAssignee, Share, BulkGroup, BulkAssignee, BulkState, OnHold, Resolution []choice
}

// listPageView is a queue, a saved view or search results.
type listPageView struct {
	shell
	Heading, Hint, Kind, Icon string
	Path                      string // the list's own path, without parameters
	Spec                      listSpec
	Heads                     []columnHead
	Columns                   []string
	Rows                      []listRow
	Count                     int64
	Counted                   bool
	NextURL, FirstURL         string
	Sorts                     []sortLink
	Errors                    map[string]string
	Filtered                  bool
	ReturnTo                  string
	SpecQuery                 string // the spec as a query string, for saving it as a view
	View                      *view.View
	Owner                     bool
	Empty                     string
	Bulk                      bulkForm
	Save                      saveForm
	Sel                       listSelects
	// Choices for the filter, bulk and save forms.
	States, Groups, MyGroups, Agents, Transitions []option
	AllColumns                                    []option
	PriorityChoices                               []int
	OnHoldReasons, ResolutionCodes                []option
}

var columnLabels = map[string]string{
	"number": "Number", "title": "Title", "priority": "Priority", "state": "State", "group": "Group",
	"assignee": "Assignee", "requester": "Requester", "updated": "Updated", "opened": "Opened",
	"category": "Category", "service": "Service", "due": "Due",
}

func (s *Server) queuePage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q, ok := queueByID(r.PathValue("queue"))
	if !ok {
		s.wsProblem(w, r, p, http.StatusNotFound, "There is no such queue.")
		return
	}
	page := listPageView{Heading: q.Label, Hint: q.Hint, Kind: "queue", Icon: q.Icon, Path: "/queues/" + q.ID,
		Empty: emptyText(q.ID)}
	s.renderList(w, r, p, page, q.Spec)
}

func emptyText(queue string) string {
	switch queue {
	case "my-work":
		return "Nothing assigned to you. Pick something from Unassigned."
	case "unassigned":
		return "Every incident has an owner. Nice work."
	case "major":
		return "No major incidents. Long may it last."
	}
	return "No incidents match."
}

func (s *Server) viewPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	v, ok := s.loadView(w, r, p)
	if !ok {
		return
	}
	hint := "Your saved view."
	if v.OwnerID != p.UserID {
		hint = "Shared by " + v.OwnerName + " with " + v.GroupName + "."
	} else if v.GroupID != 0 {
		hint = "Your view, shared with " + v.GroupName + "."
	}
	page := listPageView{Heading: v.Name, Hint: hint, Kind: "view", Icon: "star", Path: "/views/" + strconv.FormatInt(v.ID, 10),
		View: &v, Owner: v.OwnerID == p.UserID, Empty: "No incidents match this view."}
	s.renderList(w, r, p, page, viewSpec(v))
}

func (s *Server) loadView(w http.ResponseWriter, r *http.Request, p auth.Principal) (view.View, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.wsProblem(w, r, p, http.StatusNotFound, "There is no such view.")
		return view.View{}, false
	}
	v, err := s.Views.Get(r.Context(), p, id)
	if err != nil {
		s.wsError(w, r, p, err)
		return view.View{}, false
	}
	return v, true
}

// renderList renders a list page for base spec, refined by the URL.
func (s *Server) renderList(w http.ResponseWriter, r *http.Request, p auth.Principal, page listPageView, base listSpec) {
	ctx := r.Context()
	query := r.URL.Query()
	spec := base.applyQuery(query)
	page.shell = s.shell(r, p, page.Heading, page.Path)
	page.Filtered = query.Get("f") == "1"
	if page.Kind == "search" {
		page.Search = spec.Filter.Query
	}
	page.ReturnTo = r.URL.RequestURI()
	status := http.StatusOK
	if err := spec.check(); err != nil {
		page.Errors, _ = fieldErrors(err)
		spec = base
		status = http.StatusUnprocessableEntity
	}
	if b := bulkFrom(ctx); b != nil {
		page.Bulk, status = *b, http.StatusUnprocessableEntity
	}
	if f := saveFrom(ctx); f != nil {
		page.Save, status = *f, http.StatusUnprocessableEntity
	}
	page.Spec, page.Columns = spec, spec.columns()
	page.SpecQuery = spec.query().Encode()
	items, next, err := s.listPage(ctx, p, spec, query.Get("after"), pageSize)
	if errs, ok := fieldErrors(err); ok {
		// A stale or tampered cursor: show the first page and say so.
		page.Errors, status = errs, http.StatusUnprocessableEntity
		items, next, err = s.listPage(ctx, p, spec, "", pageSize)
	}
	if err != nil {
		s.wsError(w, r, p, err)
		return
	}
	page.Count, page.Counted = s.queueCount(ctx, p, spec)
	now := time.Now()
	for _, in := range items {
		page.Rows = append(page.Rows, rowOf(in, page.Columns, page.Bulk.Picks, now))
	}
	page.Heads = heads(page.Path, query, spec)
	page.Sorts = sortLinks(page.Path, query, spec.Sort)
	if next != "" {
		page.NextURL = withParam(page.Path, query, "after", next)
	}
	if query.Get("after") != "" {
		page.FirstURL = withParam(page.Path, query, "after", "")
	}
	if err := s.listChoices(ctx, p, &page); err != nil {
		s.wsError(w, r, p, err)
		return
	}
	page.Sel = listSelects{
		FilterGroup: choices(page.Groups, spec.Filter.Group), FilterAssignee: choices(page.Agents, spec.Filter.Assignee),
		Share: choices(page.MyGroups, page.Save.Share), BulkGroup: choices(page.Groups, page.Bulk.Group),
		BulkAssignee: choices(page.Agents, page.Bulk.Assignee), BulkState: choices(page.Transitions, page.Bulk.State),
		OnHold: choices(page.OnHoldReasons, page.Bulk.OnHoldReason), Resolution: choices(page.ResolutionCodes, page.Bulk.ResolutionCode),
	}
	page.Page = "list"
	s.render(w, s.ws.queue, status, page)
}

func rowOf(in incident.Incident, columns []string, picks []string, now time.Time) listRow {
	href := "/incidents/" + in.Number
	row := listRow{Number: in.Number, Pick: in.Number + "@" + strconv.FormatInt(in.Version, 10)}
	row.Picked = slices.Contains(picks, row.Pick)
	for _, col := range columns {
		c := listCell{Key: col}
		switch col {
		case "number":
			c.Href, c.Quiet, c.Text = href, true, in.Number
		case "title":
			c.Href, c.Text = href, in.Title
			switch in.MajorStatus {
			case incident.MajorApproved:
				c.Tag, c.TagClass = "Major", "major"
			case incident.MajorProposed:
				c.Tag, c.TagClass = "Major?", "proposed"
			}
		case "priority":
			c.Priority = in.Priority
		case "state":
			c.State, c.Text = in.State, stateLabel(in.State)
		case "group":
			c.Text, c.Empty = in.Names.AssignmentGroup, "No group"
		case "assignee":
			c.Text, c.Empty = in.Names.Assignee, "Unassigned"
			if c.Text != "" {
				c.Avatar = initials(c.Text)
			}
		case "requester":
			c.Text, c.Empty = in.Names.Requester, "—"
		case "category":
			c.Text, c.Empty = in.Names.Category, "—"
		case "service":
			c.Text, c.Empty = in.Names.Service, "—"
		case "due":
			c.Due = dueBadge(in.SLADueAt, now)
			if c.Due.Text == "" {
				c.Empty = "—"
			}
		case "updated", "opened":
			t := in.UpdatedAt
			if col == "opened" {
				t = in.OpenedAt
			}
			c.ISO, c.Full, c.Text = t.UTC().Format(time.RFC3339), t.UTC().Format(fullTime), relTime(t)
		}
		row.Cells = append(row.Cells, c)
	}
	return row
}

// withParam returns path?query with key set to value (removed if empty).
func withParam(path string, query url.Values, key, value string) string {
	q := url.Values{}
	for k, v := range query {
		q[k] = slices.Clone(v)
	}
	if value == "" {
		q.Del(key)
	} else {
		q.Set(key, value)
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// The three orders a list offers, each with its two directions.
var sortChoices = []struct {
	Label, Field, Column string
	Orders               [2]string // the first is the natural one
}{
	{"Priority", "priority", "priority", [2]string{"priority,updated_at", "-priority,-updated_at"}},
	{"Age", "opened_at", "opened", [2]string{"opened_at", "-opened_at"}},
	{"Updated", "updated_at", "updated", [2]string{"-updated_at", "updated_at"}},
	{"Number", "number", "number", [2]string{"-number", "number"}},
	{"Due", "due", "due", [2]string{"due", "-due"}},
}

func sortLinks(path string, query url.Values, current string) []sortLink {
	keys, _ := record.ParseSort(current)
	var out []sortLink
	for _, c := range sortChoices {
		l := sortLink{Label: c.Label}
		order := c.Orders[0]
		if len(keys) > 0 && keys[0].Field == c.Field {
			l.Current = true
			l.Dir = "↑"
			if keys[0].Desc {
				l.Dir = "↓"
			}
			if current == c.Orders[0] {
				order = c.Orders[1]
			}
		}
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Del("after")
		l.URL = withParam(path, q, "sort", order)
		out = append(out, l)
	}
	return out
}

func heads(path string, query url.Values, spec listSpec) []columnHead {
	links := sortLinks(path, query, spec.Sort)
	keys, _ := record.ParseSort(spec.Sort)
	var out []columnHead
	for _, c := range spec.columns() {
		h := columnHead{Key: c, Label: columnLabels[c]}
		for i, sc := range sortChoices {
			if sc.Column != c {
				continue
			}
			h.SortURL = links[i].URL
			if len(keys) > 0 && keys[0].Field == sc.Field {
				h.AriaSort = "ascending"
				if keys[0].Desc {
					h.AriaSort = "descending"
				}
			}
		}
		out = append(out, h)
	}
	return out
}

// listChoices fills the options of the filter, bulk and save forms.
func (s *Server) listChoices(ctx context.Context, p auth.Principal, page *listPageView) error {
	page.States = []option{{"open", "Any open state"}}
	for _, st := range incident.Lifecycle.States {
		page.States = append(page.States, option{st.Name, st.Label})
	}
	for _, c := range view.Columns {
		page.AllColumns = append(page.AllColumns, option{c, columnLabels[c]})
	}
	page.PriorityChoices = []int{1, 2, 3, 4, 5}
	page.Transitions = bulkTargets()
	page.OnHoldReasons, page.ResolutionCodes = codeOptions(incident.OnHoldReasons), codeOptions(incident.ResolutionCodes)
	d, err := s.directoryChoices(ctx, p, false)
	if err != nil {
		return err
	}
	page.Groups, page.Agents = d.Groups, d.Agents
	for _, g := range d.Groups {
		id, _ := strconv.ParseInt(g.Value, 10, 64)
		if p.InGroup(id) {
			page.MyGroups = append(page.MyGroups, g)
		}
	}
	return nil
}

func codeOptions(codes []string) []option {
	out := make([]option, len(codes))
	for i, c := range codes {
		out[i] = option{c, codeLabel(c)}
	}
	return out
}
