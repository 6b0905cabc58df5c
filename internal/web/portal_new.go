package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"steward/internal/auth"
	"steward/internal/incident"
	"steward/internal/record"
)

// portalNewForm is what the user typed into the report form.
type portalNewForm struct {
	Title, Description, Urgency, Category, Service string
	// Key makes a double submit of one form create one record.
	Key string
}

type portalChoice struct {
	Value, Label, Hint string
	Checked            bool
}

type portalOption struct {
	Value, Label string
	Selected     bool
}

// portalFieldError is one entry of a form's error summary.
type portalFieldError struct{ Field, Message string }

type portalNewView struct {
	portalPage
	Form                 portalNewForm
	Fields               map[string]string
	Summary              []portalFieldError
	Urgencies            []portalChoice
	Categories, Services []portalOption
	UploadHint           string
	FilesLost            bool // files were chosen but must be chosen again
	MaxTitle             int
}

// newFields is the order of the report form's fields, for the summary.
var portalNewFields = []string{"title", "description", "urgency", "category", "service", "files"}

func (p *portal) newPage(w http.ResponseWriter, r *http.Request) {
	view, err := p.newView(r, portalNewForm{Key: auth.RandomSecret(16)}, nil)
	if err != nil {
		p.failErr(w, r, err)
		return
	}
	p.s.render(w, p.report, http.StatusOK, view)
}

func (p *portal) newView(r *http.Request, form portalNewForm, fields map[string]string) (portalNewView, error) {
	ctx := r.Context()
	view := portalNewView{portalPage: p.page(r, "Report an issue", "new"), Form: form, Fields: fields,
		UploadHint: p.uploadHint(), MaxTitle: incident.MaxTitle}
	for _, f := range portalNewFields {
		if msg, ok := fields[f]; ok {
			view.Summary = append(view.Summary, portalFieldError{Field: f, Message: msg})
		}
	}
	for f, msg := range fields { // one the form has no field for: said, not linked
		if !slices.Contains(portalNewFields, f) {
			view.Summary = append(view.Summary, portalFieldError{Message: msg})
		}
	}
	for _, c := range portalUrgencies {
		view.Urgencies = append(view.Urgencies, portalChoice{Value: c.Value, Label: c.Label, Hint: c.Hint, Checked: c.Value == form.Urgency})
	}
	var err error
	if view.Categories, err = p.categoryOptions(ctx, form.Category); err != nil {
		return view, err
	}
	view.Services, err = p.serviceOptions(ctx, form.Service)
	return view, err
}

// categoryOptions lists the active categories, a subcategory under its
// parent ("Hardware / Laptop").
func (p *portal) categoryOptions(ctx context.Context, selected string) ([]portalOption, error) {
	list, err := p.s.Directory.Categories(ctx, principal(ctx), 0, 200)
	if err != nil {
		return nil, err
	}
	var out []portalOption
	for _, c := range list {
		if c.Active {
			id := itoa64(c.ID)
			out = append(out, portalOption{Value: id, Label: c.Path, Selected: id == selected})
		}
	}
	slices.SortFunc(out, func(a, b portalOption) int { return strings.Compare(a.Label, b.Label) })
	return out, nil
}

func (p *portal) serviceOptions(ctx context.Context, selected string) ([]portalOption, error) {
	list, err := p.s.Directory.Services(ctx, principal(ctx), 0, 200)
	if err != nil {
		return nil, err
	}
	var out []portalOption
	for _, s := range list {
		if s.Active {
			id := itoa64(s.ID)
			out = append(out, portalOption{Value: id, Label: s.Name, Selected: id == selected})
		}
	}
	slices.SortFunc(out, func(a, b portalOption) int { return strings.Compare(a.Label, b.Label) })
	return out, nil
}

// newSubmit reports the issue, attaches the files and shows the record.
func (p *portal) newSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := p.parseForm(w, r); err != nil {
		p.formFailed(w, r, err)
		return
	}
	if !p.s.checkCSRF(r) {
		p.fail(w, r, http.StatusForbidden)
		return
	}
	form := portalNewForm{Title: strings.TrimSpace(r.PostFormValue("title")), Description: r.PostFormValue("description"),
		Urgency: r.PostFormValue("urgency"), Category: r.PostFormValue("category"), Service: r.PostFormValue("service"),
		Key: r.PostFormValue("key")}
	fields := p.checkNew(ctx, form)
	files, msg := p.files(r)
	if msg != "" {
		fields["files"] = msg
	}
	if len(fields) > 0 {
		p.newAgain(w, r, form, fields, len(files) > 0 || msg != "")
		return
	}
	urgency, _ := record.ParseLevel(form.Urgency)
	in := incident.NewIncident{Title: form.Title, Description: form.Description, Urgency: urgency,
		CategoryID: portalAtoi(form.Category), ServiceID: portalAtoi(form.Service)}
	if form.Key != "" && len(form.Key) <= 64 {
		in.IdempotencyKey = "portal:" + form.Key
	}
	inc, created, err := p.s.Incidents.Create(ctx, principal(ctx), in)
	if fields, ok := portalFields(err, map[string]string{"category_id": "category", "service_id": "service"}); ok {
		p.newAgain(w, r, form, fields, len(files) > 0)
		return
	}
	if err != nil {
		p.failErr(w, r, err)
		return
	}
	if created {
		notice := "Thanks! We have your request " + inc.Number + " and will be in touch."
		if failed := p.attach(ctx, inc.Number, files); len(failed) > 0 {
			notice += " We could not attach " + strings.Join(failed, ", ") + "; please add them again below."
		}
		p.notify(r, notice)
	}
	http.Redirect(w, r, "/portal/incidents/"+inc.Number, http.StatusSeeOther)
}

// checkNew validates the report form in the user's terms; the service
// checks again.
func (p *portal) checkNew(ctx context.Context, form portalNewForm) map[string]string {
	fields := map[string]string{}
	switch {
	case form.Title == "":
		fields["title"] = "Tell us in a few words what is wrong."
	case !utf8.ValidString(form.Title) || len(form.Title) > incident.MaxTitle:
		fields["title"] = "Keep the summary under " + strconv.Itoa(incident.MaxTitle) + " characters; put the details in the description."
	}
	if !utf8.ValidString(form.Description) || len(form.Description) > incident.MaxDescription {
		fields["description"] = "The description is too long; attach long logs as a file instead."
	}
	if _, ok := record.ParseLevel(form.Urgency); !ok {
		fields["urgency"] = "Choose how much this affects your work."
	}
	if form.Category != "" && !p.offered(ctx, form.Category, p.categoryOptions) {
		fields["category"] = "Choose a category from the list, or leave it empty."
	}
	if form.Service != "" && !p.offered(ctx, form.Service, p.serviceOptions) {
		fields["service"] = "Choose a service from the list, or leave it empty."
	}
	return fields
}

func (p *portal) offered(ctx context.Context, value string, options func(context.Context, string) ([]portalOption, error)) bool {
	list, err := options(ctx, value)
	if err != nil {
		return false
	}
	return slices.ContainsFunc(list, func(o portalOption) bool { return o.Selected })
}

// newAgain shows the form again with its errors and what the user typed.
func (p *portal) newAgain(w http.ResponseWriter, r *http.Request, form portalNewForm, fields map[string]string, filesLost bool) {
	view, err := p.newView(r, form, fields)
	if err != nil {
		p.failErr(w, r, err)
		return
	}
	view.FilesLost = filesLost
	p.s.render(w, p.report, http.StatusUnprocessableEntity, view)
}

func portalAtoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
