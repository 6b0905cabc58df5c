package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"steward/internal/auth"
)

// UserOut is an account as the API shows it (never its password).
type UserOut struct {
	ID             int64      `json:"id"`
	Email          string     `json:"email"`
	Name           string     `json:"name"`
	Role           string     `json:"role" enum:"requester,agent,manager,admin"`
	Active         bool       `json:"active"`
	OrganisationID int64      `json:"organisation_id,omitempty"`
	Groups         []int64    `json:"groups"`
	LastLoginAt    *time.Time `json:"last_login_at"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

func userOut(u auth.User) UserOut {
	g := u.Groups
	if g == nil {
		g = []int64{}
	}
	return UserOut{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), Active: u.Active, OrganisationID: u.OrganisationID,
		Groups: g, LastLoginAt: timePtr(u.LastLoginAt), CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

// GroupOut is an assignment group.
type GroupOut struct {
	ID          int64       `json:"id"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Email       string      `json:"email"`
	Members     []MemberOut `json:"members,omitempty" doc:"In single reads"`
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
}

// MemberOut is a member of a group.
type MemberOut struct {
	UserID    int64  `json:"user_id"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	Available bool   `json:"available" doc:"Takes new work from automatic assignment"`
}

func groupOut(g auth.Group) GroupOut {
	o := GroupOut{ID: g.ID, Name: g.Name, Description: g.Description, Email: g.Email, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
	for _, m := range g.Members {
		o.Members = append(o.Members, MemberOut{UserID: m.UserID, Name: m.Name, Email: m.Email, Available: m.Available})
	}
	return o
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func (s *Server) registerAccounts(api huma.API) {
	s.registerUsers(api)
	s.registerGroups(api)
}

func (s *Server) registerUsers(api huma.API) {
	tags := []string{"Users"}
	huma.Register(api, huma.Operation{OperationID: "get-me", Method: http.MethodGet, Path: "/api/v1/me", Tags: tags, Summary: "Who am I"},
		func(ctx context.Context, _ *struct{}) (*one[UserOut], error) {
			p := principal(ctx)
			if p.UserID == 0 {
				return nil, apiError(ctx, s.Log, errUnauthenticated)
			}
			u, err := s.Auth.User(ctx, p, p.UserID)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &one[UserOut]{Body: userOut(u)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "list-users", Method: http.MethodGet, Path: "/api/v1/users", Tags: tags, Summary: "List users"},
		func(ctx context.Context, in *struct {
			PageInput
			Q    string `query:"q" maxLength:"100" doc:"Part of a name or email"`
			Role string `query:"role" enum:"requester,agent,manager,admin,"`
		}) (*list[UserOut], error) {
			after, err := s.after(in.Cursor)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			items, err := s.Auth.Users(ctx, principal(ctx), after, in.Limit, in.Q, auth.Role(in.Role))
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return pageOf(s, items, in.Limit, func(u auth.User) int64 { return u.ID }, userOut), nil
		})
	huma.Register(api, huma.Operation{OperationID: "create-user", Method: http.MethodPost, Path: "/api/v1/users", Tags: tags, Summary: "Create a user", DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct {
			Body struct {
				Email          string  `json:"email" maxLength:"254"`
				Name           string  `json:"name" minLength:"1" maxLength:"200"`
				Role           string  `json:"role" enum:"requester,agent,manager,admin"`
				Password       string  `json:"password,omitempty" maxLength:"200" doc:"At least 10 characters; omit for an account that cannot sign in yet"`
				OrganisationID int64   `json:"organisation_id,omitempty" minimum:"1"`
				Groups         []int64 `json:"groups,omitempty"`
			}
		}) (*one[UserOut], error) {
			b := in.Body
			u, err := s.Auth.CreateUser(ctx, principal(ctx), auth.NewUser{Email: b.Email, Name: b.Name, Role: auth.Role(b.Role),
				Password: b.Password, OrganisationID: b.OrganisationID, Groups: b.Groups})
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &one[UserOut]{Location: "/api/v1/users/" + itoa64(u.ID), Body: userOut(u)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-user", Method: http.MethodGet, Path: "/api/v1/users/{id}", Tags: tags, Summary: "Read a user"},
		func(ctx context.Context, in *IDPath) (*one[UserOut], error) {
			u, err := s.Auth.User(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &one[UserOut]{Body: userOut(u)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "update-user", Method: http.MethodPatch, Path: "/api/v1/users/{id}", Tags: tags, Summary: "Change a user",
		Description: "A new password, role or deactivation ends the account's sessions."},
		func(ctx context.Context, in *struct {
			IDPath
			Body struct {
				Name           *string  `json:"name,omitempty" minLength:"1" maxLength:"200"`
				Role           *string  `json:"role,omitempty" enum:"requester,agent,manager,admin"`
				Active         *bool    `json:"active,omitempty"`
				Password       *string  `json:"password,omitempty" maxLength:"200"`
				OrganisationID *int64   `json:"organisation_id,omitempty" minimum:"0"`
				Groups         *[]int64 `json:"groups,omitempty"`
			}
		}) (*one[UserOut], error) {
			b := in.Body
			var role *auth.Role
			if b.Role != nil {
				r := auth.Role(*b.Role)
				role = &r
			}
			u, err := s.Auth.UpdateUser(ctx, principal(ctx), in.ID, auth.UserPatch{Name: b.Name, Role: role, Active: b.Active,
				Password: b.Password, OrganisationID: b.OrganisationID, Groups: b.Groups})
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &one[UserOut]{Body: userOut(u)}, nil
		})
}

// GroupWrite is the body that creates a group.
type GroupWrite struct {
	Name        string `json:"name" minLength:"1" maxLength:"100"`
	Description string `json:"description,omitempty" maxLength:"2000"`
	Email       string `json:"email,omitempty" maxLength:"254"`
}

func (s *Server) registerGroups(api huma.API) {
	tags := []string{"Groups"}
	huma.Register(api, huma.Operation{OperationID: "list-groups", Method: http.MethodGet, Path: "/api/v1/groups", Tags: tags, Summary: "List assignment groups"},
		func(ctx context.Context, in *PageInput) (*list[GroupOut], error) {
			after, err := s.after(in.Cursor)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			items, err := s.Auth.Groups(ctx, principal(ctx), after, in.Limit)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return pageOf(s, items, in.Limit, func(g auth.Group) int64 { return g.ID }, groupOut), nil
		})
	huma.Register(api, huma.Operation{OperationID: "create-group", Method: http.MethodPost, Path: "/api/v1/groups", Tags: tags, Summary: "Create an assignment group", DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct{ Body GroupWrite }) (*one[GroupOut], error) {
			g, err := s.Auth.CreateGroup(ctx, principal(ctx), auth.GroupInput{Name: in.Body.Name, Description: in.Body.Description, Email: in.Body.Email})
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &one[GroupOut]{Location: "/api/v1/groups/" + itoa64(g.ID), Body: groupOut(g)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-group", Method: http.MethodGet, Path: "/api/v1/groups/{id}", Tags: tags, Summary: "Read a group with its members"},
		func(ctx context.Context, in *IDPath) (*one[GroupOut], error) {
			g, err := s.Auth.Group(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &one[GroupOut]{Body: groupOut(g)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "update-group", Method: http.MethodPatch, Path: "/api/v1/groups/{id}", Tags: tags, Summary: "Change a group"},
		func(ctx context.Context, in *struct {
			IDPath
			Body struct {
				Name        *string `json:"name,omitempty" minLength:"1" maxLength:"100"`
				Description *string `json:"description,omitempty" maxLength:"2000"`
				Email       *string `json:"email,omitempty" maxLength:"254"`
			}
		}) (*one[GroupOut], error) {
			p := principal(ctx)
			cur, err := s.Auth.Group(ctx, p, in.ID)
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			g, err := s.Auth.UpdateGroup(ctx, p, in.ID, auth.GroupInput{Name: pick(in.Body.Name, cur.Name),
				Description: pick(in.Body.Description, cur.Description), Email: pick(in.Body.Email, cur.Email)})
			if err != nil {
				return nil, apiError(ctx, s.Log, err)
			}
			return &one[GroupOut]{Body: groupOut(g)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "set-group-member", Method: http.MethodPut, Path: "/api/v1/groups/{id}/members/{user_id}", Tags: tags,
		Summary: "Add a member or set their availability", DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *struct {
			IDPath
			UserID int64 `path:"user_id" minimum:"1"`
			Body   struct {
				Available *bool `json:"available,omitempty" doc:"Default true"`
			}
		}) (*struct{}, error) {
			return nil, apiError(ctx, s.Log, s.Auth.SetMember(ctx, principal(ctx), in.ID, in.UserID, pick(in.Body.Available, true)))
		})
	huma.Register(api, huma.Operation{OperationID: "remove-group-member", Method: http.MethodDelete, Path: "/api/v1/groups/{id}/members/{user_id}", Tags: tags,
		Summary: "Remove a member", DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *struct {
			IDPath
			UserID int64 `path:"user_id" minimum:"1"`
		}) (*struct{}, error) {
			return nil, apiError(ctx, s.Log, s.Auth.RemoveMember(ctx, principal(ctx), in.ID, in.UserID))
		})
}
