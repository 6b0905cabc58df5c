package web

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"steward/internal/auth"
)

// directoryOptions are the directory's options for selects.
type directoryOptions struct {
	Groups, Agents, Categories, Services []option
	agentNames, groupNames               map[string]string
}

// directoryChoices returns groups and agents (and, with catalogue,
// categories and services) for the forms' selects. Every page needs them
// and they change rarely, so they are kept for a short while.
func (s *Server) directoryChoices(ctx context.Context, p auth.Principal, catalogue bool) (directoryOptions, error) {
	if c, ok := s.directory.get(catalogue); ok {
		return c, nil
	}
	c, err := s.loadDirectory(ctx, p, catalogue)
	if err != nil {
		return c, err
	}
	s.directory.put(catalogue, c)
	return c, nil
}

func (s *Server) loadDirectory(ctx context.Context, p auth.Principal, catalogue bool) (directoryOptions, error) {
	var c directoryOptions
	groups, err := s.Auth.Groups(ctx, p, 0, 200)
	if err != nil {
		return c, err
	}
	c.groupNames = map[string]string{}
	for _, g := range groups {
		id := strconv.FormatInt(g.ID, 10)
		c.Groups = append(c.Groups, option{id, g.Name})
		c.groupNames[id] = g.Name
	}
	c.agentNames = map[string]string{}
	for _, role := range []auth.Role{auth.Agent, auth.Manager, auth.Admin} {
		users, err := s.Auth.Users(ctx, p, 0, 200, "", role)
		if err != nil {
			return c, err
		}
		for _, u := range users {
			if u.Active {
				id := strconv.FormatInt(u.ID, 10)
				c.Agents = append(c.Agents, option{id, u.Name})
				c.agentNames[id] = u.Name
			}
		}
	}
	slices.SortFunc(c.Agents, func(a, b option) int { return strings.Compare(strings.ToLower(a.Label), strings.ToLower(b.Label)) })
	if !catalogue {
		return c, nil
	}
	cats, err := s.Directory.Categories(ctx, p, 0, 200)
	if err != nil {
		return c, err
	}
	for _, cat := range cats {
		if cat.Active {
			c.Categories = append(c.Categories, option{strconv.FormatInt(cat.ID, 10), cat.Path})
		}
	}
	slices.SortFunc(c.Categories, func(a, b option) int { return strings.Compare(a.Label, b.Label) })
	svcs, err := s.Directory.Services(ctx, p, 0, 200)
	if err != nil {
		return c, err
	}
	for _, sv := range svcs {
		if sv.Active {
			c.Services = append(c.Services, option{strconv.FormatInt(sv.ID, 10), sv.Name})
		}
	}
	return c, nil
}
