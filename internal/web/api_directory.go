package web

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"steward/internal/directory"
	"steward/internal/platform/fault"
)

// PageInput is the query of every id-ordered list.
type PageInput struct {
	Cursor string `query:"cursor" maxLength:"512"`
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
}

// after decodes an id-ordered list's cursor.
func (s *Server) after(cur string) (int64, error) {
	if cur == "" {
		return 0, nil
	}
	v, err := s.Cursor.Decode(cur, "id", 1)
	if err != nil {
		return 0, fault.Invalid("cursor", "is not a cursor from this list")
	}
	return v[0], nil
}

// next returns the cursor after lastID when the page was full.
func (s *Server) next(n, limit int, lastID int64) string {
	if n < limit {
		return ""
	}
	return s.Cursor.Encode("id", []int64{lastID})
}

type IDPath struct {
	ID int64 `path:"id" minimum:"1"`
}

// list is the body of every list response.
type list[T any] struct {
	Body struct {
		Items      []T    `json:"items"`
		NextCursor string `json:"next_cursor,omitempty"`
	}
}

type one[T any] struct {
	Location string `header:"Location"`
	Body     T
}

func pageOf[In, Out any](s *Server, items []In, limit int, id func(In) int64, conv func(In) Out) *list[Out] {
	out := &list[Out]{}
	out.Body.Items = make([]Out, len(items))
	for i, it := range items {
		out.Body.Items[i] = conv(it)
	}
	if len(items) > 0 {
		out.Body.NextCursor = s.next(len(items), limit, id(items[len(items)-1]))
	}
	return out
}

// OrganisationOut is a customer organisation.
type OrganisationOut struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Domain    string    `json:"domain"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func organisationOut(o directory.Organisation) OrganisationOut {
	return OrganisationOut{ID: o.ID, Name: o.Name, Domain: o.Domain, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
}

// CategoryOut is a category or subcategory.
type CategoryOut struct {
	ID        int64     `json:"id"`
	ParentID  int64     `json:"parent_id,omitempty"`
	Name      string    `json:"name"`
	Path      string    `json:"path" example:"Hardware / Laptop"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func categoryOut(c directory.Category) CategoryOut {
	return CategoryOut{ID: c.ID, ParentID: c.ParentID, Name: c.Name, Path: c.Path, Active: c.Active, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// ServiceOut is a service records can affect.
type ServiceOut struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	OwnerGroup  *Ref      `json:"owner_group"`
	Active      bool      `json:"active"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func serviceOut(v directory.Service) ServiceOut {
	return ServiceOut{ID: v.ID, Name: v.Name, Description: v.Description, OwnerGroup: ref(v.OwnerGroupID, v.OwnerGroupName),
		Active: v.Active, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt}
}

func pick[T any](p *T, def T) T {
	if p != nil {
		return *p
	}
	return def
}

func (s *Server) registerDirectory(api huma.API) {
	s.registerOrganisations(api)
	s.registerCategories(api)
	s.registerServices(api)
}

// OrganisationWrite is the body of a create or change; in a change, absent fields stay as they are.
type OrganisationWrite struct {
	Name   *string `json:"name,omitempty" minLength:"1" maxLength:"100"`
	Domain *string `json:"domain,omitempty" maxLength:"253"`
}

func (s *Server) registerOrganisations(api huma.API) {
	tags := []string{"Organisations"}
	huma.Register(api, huma.Operation{OperationID: "list-organisations", Method: http.MethodGet, Path: "/api/v1/organisations", Tags: tags, Summary: "List organisations"},
		func(ctx context.Context, in *PageInput) (*list[OrganisationOut], error) {
			after, err := s.after(in.Cursor)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			items, err := s.Directory.Organisations(ctx, principal(ctx), after, in.Limit)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return pageOf(s, items, in.Limit, func(o directory.Organisation) int64 { return o.ID }, organisationOut), nil
		})
	huma.Register(api, huma.Operation{OperationID: "create-organisation", Method: http.MethodPost, Path: "/api/v1/organisations", Tags: tags, Summary: "Create an organisation", DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct{ Body OrganisationWrite }) (*one[OrganisationOut], error) {
			o, err := s.Directory.CreateOrganisation(ctx, principal(ctx), directory.OrganisationInput{Name: pick(in.Body.Name, ""), Domain: pick(in.Body.Domain, "")})
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &one[OrganisationOut]{Location: "/api/v1/organisations/" + itoa64(o.ID), Body: organisationOut(o)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-organisation", Method: http.MethodGet, Path: "/api/v1/organisations/{id}", Tags: tags, Summary: "Read an organisation"},
		func(ctx context.Context, in *IDPath) (*one[OrganisationOut], error) {
			o, err := s.Directory.Organisation(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &one[OrganisationOut]{Body: organisationOut(o)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "update-organisation", Method: http.MethodPatch, Path: "/api/v1/organisations/{id}", Tags: tags, Summary: "Change an organisation"},
		func(ctx context.Context, in *struct {
			IDPath
			Body OrganisationWrite
		}) (*one[OrganisationOut], error) {
			p := principal(ctx)
			cur, err := s.Directory.Organisation(ctx, p, in.ID)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			o, err := s.Directory.UpdateOrganisation(ctx, p, in.ID, directory.OrganisationInput{Name: pick(in.Body.Name, cur.Name), Domain: pick(in.Body.Domain, cur.Domain)})
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &one[OrganisationOut]{Body: organisationOut(o)}, nil
		})
}

// CategoryWrite is the body of a create or change; in a change, absent fields stay as they are.
type CategoryWrite struct {
	ParentID *int64  `json:"parent_id,omitempty" minimum:"0" doc:"Parent category for a subcategory; 0 for top level"`
	Name     *string `json:"name,omitempty" minLength:"1" maxLength:"100"`
	Active   *bool   `json:"active,omitempty"`
}

func (s *Server) registerCategories(api huma.API) {
	tags := []string{"Categories"}
	huma.Register(api, huma.Operation{OperationID: "list-categories", Method: http.MethodGet, Path: "/api/v1/categories", Tags: tags, Summary: "List categories"},
		func(ctx context.Context, in *PageInput) (*list[CategoryOut], error) {
			after, err := s.after(in.Cursor)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			items, err := s.Directory.Categories(ctx, principal(ctx), after, in.Limit)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return pageOf(s, items, in.Limit, func(c directory.Category) int64 { return c.ID }, categoryOut), nil
		})
	huma.Register(api, huma.Operation{OperationID: "create-category", Method: http.MethodPost, Path: "/api/v1/categories", Tags: tags, Summary: "Create a category", DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct{ Body CategoryWrite }) (*one[CategoryOut], error) {
			c, err := s.Directory.CreateCategory(ctx, principal(ctx), directory.CategoryInput{ParentID: pick(in.Body.ParentID, 0), Name: pick(in.Body.Name, ""), Active: in.Body.Active})
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &one[CategoryOut]{Location: "/api/v1/categories/" + itoa64(c.ID), Body: categoryOut(c)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-category", Method: http.MethodGet, Path: "/api/v1/categories/{id}", Tags: tags, Summary: "Read a category"},
		func(ctx context.Context, in *IDPath) (*one[CategoryOut], error) {
			c, err := s.Directory.Category(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &one[CategoryOut]{Body: categoryOut(c)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "update-category", Method: http.MethodPatch, Path: "/api/v1/categories/{id}", Tags: tags, Summary: "Change a category"},
		func(ctx context.Context, in *struct {
			IDPath
			Body CategoryWrite
		}) (*one[CategoryOut], error) {
			p := principal(ctx)
			cur, err := s.Directory.Category(ctx, p, in.ID)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			c, err := s.Directory.UpdateCategory(ctx, p, in.ID, directory.CategoryInput{ParentID: pick(in.Body.ParentID, cur.ParentID), Name: pick(in.Body.Name, cur.Name), Active: in.Body.Active})
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &one[CategoryOut]{Body: categoryOut(c)}, nil
		})
}

// ServiceWrite is the body of a create or change; in a change, absent fields stay as they are.
type ServiceWrite struct {
	Name         *string `json:"name,omitempty" minLength:"1" maxLength:"100"`
	Description  *string `json:"description,omitempty" maxLength:"2000"`
	OwnerGroupID *int64  `json:"owner_group_id,omitempty" minimum:"0"`
	Active       *bool   `json:"active,omitempty"`
}

func (s *Server) registerServices(api huma.API) {
	tags := []string{"Services"}
	huma.Register(api, huma.Operation{OperationID: "list-services", Method: http.MethodGet, Path: "/api/v1/services", Tags: tags, Summary: "List services"},
		func(ctx context.Context, in *PageInput) (*list[ServiceOut], error) {
			after, err := s.after(in.Cursor)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			items, err := s.Directory.Services(ctx, principal(ctx), after, in.Limit)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return pageOf(s, items, in.Limit, func(v directory.Service) int64 { return v.ID }, serviceOut), nil
		})
	huma.Register(api, huma.Operation{OperationID: "create-service", Method: http.MethodPost, Path: "/api/v1/services", Tags: tags, Summary: "Create a service", DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct{ Body ServiceWrite }) (*one[ServiceOut], error) {
			v, err := s.Directory.CreateService(ctx, principal(ctx), directory.ServiceInput{Name: pick(in.Body.Name, ""), Description: pick(in.Body.Description, ""), OwnerGroupID: pick(in.Body.OwnerGroupID, 0), Active: in.Body.Active})
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &one[ServiceOut]{Location: "/api/v1/services/" + itoa64(v.ID), Body: serviceOut(v)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-service", Method: http.MethodGet, Path: "/api/v1/services/{id}", Tags: tags, Summary: "Read a service"},
		func(ctx context.Context, in *IDPath) (*one[ServiceOut], error) {
			v, err := s.Directory.ServiceByID(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &one[ServiceOut]{Body: serviceOut(v)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "update-service", Method: http.MethodPatch, Path: "/api/v1/services/{id}", Tags: tags, Summary: "Change a service"},
		func(ctx context.Context, in *struct {
			IDPath
			Body ServiceWrite
		}) (*one[ServiceOut], error) {
			p := principal(ctx)
			cur, err := s.Directory.ServiceByID(ctx, p, in.ID)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			v, err := s.Directory.UpdateService(ctx, p, in.ID, directory.ServiceInput{Name: pick(in.Body.Name, cur.Name), Description: pick(in.Body.Description, cur.Description), OwnerGroupID: pick(in.Body.OwnerGroupID, cur.OwnerGroupID), Active: in.Body.Active})
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &one[ServiceOut]{Body: serviceOut(v)}, nil
		})
}
