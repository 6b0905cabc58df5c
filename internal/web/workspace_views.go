package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"steward/internal/auth"
	"steward/internal/view"
)

// saveForm is the "save as view" form on a list, as typed.
type saveForm struct {
	Name, Share string
	Errors      map[string]string
}

type saveKey struct{}

func saveFrom(ctx context.Context) *saveForm {
	f, _ := ctx.Value(saveKey{}).(*saveForm)
	return f
}

// viewInput reads a view's name and sharing, and its list spec from the
// spec field (a list URL's query) or from the edit form's own fields.
func viewInput(r *http.Request) (view.Input, saveForm) {
	form := saveForm{Name: strings.TrimSpace(r.PostFormValue("name")), Share: r.PostFormValue("share"), Errors: map[string]string{}}
	var spec listSpec
	if raw := r.PostFormValue("spec"); raw != "" {
		q, _ := url.ParseQuery(raw)
		spec = spec.applyQuery(q)
	} else {
		spec = spec.applyQuery(r.PostForm)
	}
	if len(spec.Columns) == 0 {
		spec.Columns = view.DefaultColumns
	}
	in := view.Input{Name: form.Name, Filter: spec.Filter, Sort: spec.Sort, Columns: spec.Columns}
	if form.Share != "" {
		id, err := strconv.ParseInt(form.Share, 10, 64)
		if err != nil || id <= 0 {
			form.Errors["group"] = "Choose one of your groups."
		}
		in.GroupID = id
	}
	if in.Sort == "" {
		in.Sort = sortPriority
	}
	return in, form
}

// viewCreate saves the list the agent is looking at as a view.
func (s *Server) viewCreate(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	ctx := r.Context()
	in, form := viewInput(r)
	if len(form.Errors) == 0 {
		v, err := s.Views.Create(ctx, p, in)
		if err == nil {
			s.setFlash(ctx, flash{Kind: "ok", Message: "Saved the view “" + v.Name + "”."})
			http.Redirect(w, r, "/views/"+strconv.FormatInt(v.ID, 10), http.StatusSeeOther)
			return
		}
		errs, ok := fieldErrors(err)
		if !ok {
			s.wsError(w, r, p, err)
			return
		}
		form.Errors = errs
	}
	r = r.WithContext(context.WithValue(ctx, saveKey{}, &form))
	s.rerenderList(w, r, p, backTo(r, "/queues/my-work"), nil)
}

// viewEditView is the page that changes or deletes a saved view.
type viewEditView struct {
	shell
	View                             view.View
	Form                             saveForm
	Spec                             listSpec
	States, Groups, MyGroups, Agents []option
	AllColumns, Sorts                []option
	Priorities                       []int
	Columns                          []string
}

func (s *Server) viewEditPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	v, ok := s.loadView(w, r, p)
	if !ok {
		return
	}
	if v.OwnerID != p.UserID {
		s.wsProblem(w, r, p, http.StatusForbidden, "Only "+v.OwnerName+" can change this view.")
		return
	}
	form := saveForm{Name: v.Name, Share: idString(v.GroupID)}
	s.renderViewEdit(w, r, p, http.StatusOK, v, form, viewSpec(v))
}

func (s *Server) renderViewEdit(w http.ResponseWriter, r *http.Request, p auth.Principal, status int, v view.View, form saveForm, spec listSpec) {
	page := viewEditView{View: v, Form: form, Spec: spec, Priorities: []int{1, 2, 3, 4, 5}, Columns: spec.columns()}
	var lp listPageView
	if err := s.listChoices(r.Context(), p, &lp); err != nil {
		s.wsError(w, r, p, err)
		return
	}
	page.States, page.Groups, page.MyGroups, page.Agents, page.AllColumns = lp.States, lp.Groups, lp.MyGroups, lp.Agents, lp.AllColumns
	for _, c := range sortChoices {
		page.Sorts = append(page.Sorts, option{c.Orders[0], c.Label}, option{c.Orders[1], c.Label + " (reversed)"})
	}
	page.shell = s.shell(r, p, "Edit view", "/views/"+strconv.FormatInt(v.ID, 10))
	s.render(w, s.ws.editView, status, page)
}

// viewUpdate changes a saved view (its owner only).
func (s *Server) viewUpdate(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	ctx := r.Context()
	v, ok := s.loadView(w, r, p)
	if !ok {
		return
	}
	in, form := viewInput(r)
	if len(form.Errors) == 0 {
		updated, err := s.Views.Update(ctx, p, v.ID, in)
		if err == nil {
			s.setFlash(ctx, flash{Kind: "ok", Message: "Saved the view “" + updated.Name + "”."})
			http.Redirect(w, r, "/views/"+strconv.FormatInt(v.ID, 10), http.StatusSeeOther)
			return
		}
		errs, ok := fieldErrors(err)
		if !ok {
			s.wsError(w, r, p, err)
			return
		}
		form.Errors = errs
	}
	s.renderViewEdit(w, r, p, http.StatusUnprocessableEntity, v, form, listSpec{Filter: in.Filter, Sort: in.Sort, Columns: in.Columns})
}

// viewDelete removes a saved view (its owner only).
func (s *Server) viewDelete(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.wsProblem(w, r, p, http.StatusNotFound, "There is no such view.")
		return
	}
	if err := s.Views.Delete(ctx, p, id); err != nil {
		s.wsError(w, r, p, err)
		return
	}
	s.setFlash(ctx, flash{Kind: "ok", Message: "View deleted."})
	http.Redirect(w, r, "/queues/my-work", http.StatusSeeOther)
}
