package directory

import (
	"context"
	"strings"
	"time"

	"steward/internal/auth"
	"steward/internal/platform/audit"
	"steward/internal/platform/db"
)

// Directory runs the use cases for organisations, categories and services.
type Directory struct {
	DB  *db.DB
	Now func() time.Time
}

// New returns a Directory on d using the wall clock.
func New(d *db.DB) *Directory {
	return &Directory{DB: d, Now: func() time.Time { return time.Now().UTC() }}
}

// pageSize bounds a list so that no caller reads a whole table at once.
func pageSize(limit int) int {
	switch {
	case limit <= 0:
		return 50
	case limit > 200:
		return 200
	}
	return limit
}

// CreateOrganisation creates a customer organisation.
func (d *Directory) CreateOrganisation(ctx context.Context, actor auth.Principal, in OrganisationInput) (Organisation, error) {
	if err := auth.Require(actor, auth.ManageDirectory); err != nil {
		return Organisation{}, err
	}
	if err := in.validate(); err != nil {
		return Organisation{}, err
	}
	now := d.Now()
	o := Organisation{Name: in.Name, Domain: in.Domain, CreatedAt: now, UpdatedAt: now}
	err := d.DB.InTx(ctx, func(tx db.Querier) error {
		if err := insertOrganisation(ctx, tx, &o); err != nil {
			return err
		}
		return audit.Write(ctx, tx, now, actor.UserID, "organisation.create", "organisation", o.ID, in)
	})
	if err != nil {
		return Organisation{}, err
	}
	return o, nil
}

// UpdateOrganisation changes an organisation's name and domain.
func (d *Directory) UpdateOrganisation(ctx context.Context, actor auth.Principal, id int64, in OrganisationInput) (Organisation, error) {
	if err := auth.Require(actor, auth.ManageDirectory); err != nil {
		return Organisation{}, err
	}
	if err := in.validate(); err != nil {
		return Organisation{}, err
	}
	now := d.Now()
	var o Organisation
	err := d.DB.InTx(ctx, func(tx db.Querier) error {
		if err := updateOrganisation(ctx, tx, id, in, now); err != nil {
			return err
		}
		if err := audit.Write(ctx, tx, now, actor.UserID, "organisation.update", "organisation", id, in); err != nil {
			return err
		}
		var err error
		o, err = organisationByID(ctx, tx, id)
		return err
	})
	if err != nil {
		return Organisation{}, err
	}
	return o, nil
}

// Organisation returns one organisation.
func (d *Directory) Organisation(ctx context.Context, actor auth.Principal, id int64) (Organisation, error) {
	if err := auth.Require(actor, auth.ReadDirectory); err != nil {
		return Organisation{}, err
	}
	return organisationByID(ctx, d.DB.Read, id)
}

// Organisations lists up to limit organisations with id > after, by id.
func (d *Directory) Organisations(ctx context.Context, actor auth.Principal, after int64, limit int) ([]Organisation, error) {
	if err := auth.Require(actor, auth.ReadDirectory); err != nil {
		return nil, err
	}
	return listOrganisations(ctx, d.DB.Read, after, pageSize(limit))
}

// OrganisationByName finds an organisation by name, case-insensitively.
// It checks no permission: it is for Steward's own work, such as demo data.
func (d *Directory) OrganisationByName(ctx context.Context, name string) (Organisation, error) {
	return organisationByName(ctx, d.DB.Read, strings.TrimSpace(name))
}

// CreateCategory creates a top-level category, or a subcategory of one.
func (d *Directory) CreateCategory(ctx context.Context, actor auth.Principal, in CategoryInput) (Category, error) {
	if err := auth.Require(actor, auth.ManageDirectory); err != nil {
		return Category{}, err
	}
	if err := in.validate(); err != nil {
		return Category{}, err
	}
	now := d.Now()
	c := Category{ParentID: in.ParentID, Name: in.Name, Active: in.Active == nil || *in.Active, CreatedAt: now, UpdatedAt: now}
	err := d.DB.InTx(ctx, func(tx db.Querier) error {
		if err := checkParent(ctx, tx, 0, in.ParentID); err != nil {
			return err
		}
		if err := insertCategory(ctx, tx, &c); err != nil {
			return err
		}
		if err := audit.Write(ctx, tx, now, actor.UserID, "category.create", "category", c.ID, in); err != nil {
			return err
		}
		var err error
		c, err = categoryByID(ctx, tx, c.ID) // for the path
		return err
	})
	if err != nil {
		return Category{}, err
	}
	return c, nil
}

// UpdateCategory renames, moves, activates or deactivates a category.
func (d *Directory) UpdateCategory(ctx context.Context, actor auth.Principal, id int64, in CategoryInput) (Category, error) {
	if err := auth.Require(actor, auth.ManageDirectory); err != nil {
		return Category{}, err
	}
	if err := in.validate(); err != nil {
		return Category{}, err
	}
	now := d.Now()
	var c Category
	err := d.DB.InTx(ctx, func(tx db.Querier) error {
		// Not found comes before any complaint about the parent.
		if _, err := categoryByID(ctx, tx, id); err != nil {
			return err
		}
		if err := checkParent(ctx, tx, id, in.ParentID); err != nil {
			return err
		}
		if err := updateCategory(ctx, tx, id, in, now); err != nil {
			return err
		}
		if err := audit.Write(ctx, tx, now, actor.UserID, "category.update", "category", id, in); err != nil {
			return err
		}
		var err error
		c, err = categoryByID(ctx, tx, id)
		return err
	})
	if err != nil {
		return Category{}, err
	}
	return c, nil
}

// Category returns one category with its path.
func (d *Directory) Category(ctx context.Context, actor auth.Principal, id int64) (Category, error) {
	if err := auth.Require(actor, auth.ReadCatalogue); err != nil {
		return Category{}, err
	}
	return categoryByID(ctx, d.DB.Read, id)
}

// Categories lists up to limit categories with id > after, by id.
func (d *Directory) Categories(ctx context.Context, actor auth.Principal, after int64, limit int) ([]Category, error) {
	if err := auth.Require(actor, auth.ReadCatalogue); err != nil {
		return nil, err
	}
	return listCategories(ctx, d.DB.Read, after, pageSize(limit))
}

// CategoryByName finds a category by name, case-insensitively, under
// parentID (zero for top-level). It checks no permission: it is for
// Steward's own work, such as demo data.
func (d *Directory) CategoryByName(ctx context.Context, parentID int64, name string) (Category, error) {
	return categoryByName(ctx, d.DB.Read, parentID, strings.TrimSpace(name))
}

// CreateService creates a service, optionally owned by a group.
func (d *Directory) CreateService(ctx context.Context, actor auth.Principal, in ServiceInput) (Service, error) {
	if err := auth.Require(actor, auth.ManageDirectory); err != nil {
		return Service{}, err
	}
	if err := in.validate(); err != nil {
		return Service{}, err
	}
	now := d.Now()
	s := Service{Name: in.Name, Description: in.Description, OwnerGroupID: in.OwnerGroupID,
		Active: in.Active == nil || *in.Active, CreatedAt: now, UpdatedAt: now}
	err := d.DB.InTx(ctx, func(tx db.Querier) error {
		if err := insertService(ctx, tx, &s); err != nil {
			return err
		}
		if err := audit.Write(ctx, tx, now, actor.UserID, "service.create", "service", s.ID, in); err != nil {
			return err
		}
		var err error
		s, err = serviceByID(ctx, tx, s.ID) // for the owner group's name
		return err
	})
	if err != nil {
		return Service{}, err
	}
	return s, nil
}

// UpdateService changes a service's name, description, owner and state.
func (d *Directory) UpdateService(ctx context.Context, actor auth.Principal, id int64, in ServiceInput) (Service, error) {
	if err := auth.Require(actor, auth.ManageDirectory); err != nil {
		return Service{}, err
	}
	if err := in.validate(); err != nil {
		return Service{}, err
	}
	now := d.Now()
	var s Service
	err := d.DB.InTx(ctx, func(tx db.Querier) error {
		if err := updateService(ctx, tx, id, in, now); err != nil {
			return err
		}
		if err := audit.Write(ctx, tx, now, actor.UserID, "service.update", "service", id, in); err != nil {
			return err
		}
		var err error
		s, err = serviceByID(ctx, tx, id)
		return err
	})
	if err != nil {
		return Service{}, err
	}
	return s, nil
}

// ServiceByID returns one service.
func (d *Directory) ServiceByID(ctx context.Context, actor auth.Principal, id int64) (Service, error) {
	if err := auth.Require(actor, auth.ReadCatalogue); err != nil {
		return Service{}, err
	}
	return serviceByID(ctx, d.DB.Read, id)
}

// Services lists up to limit services with id > after, by id.
func (d *Directory) Services(ctx context.Context, actor auth.Principal, after int64, limit int) ([]Service, error) {
	if err := auth.Require(actor, auth.ReadCatalogue); err != nil {
		return nil, err
	}
	return listServices(ctx, d.DB.Read, after, pageSize(limit))
}

// ServiceByName finds a service by name, case-insensitively. It checks no
// permission: it is for Steward's own work, such as demo data.
func (d *Directory) ServiceByName(ctx context.Context, name string) (Service, error) {
	return serviceByName(ctx, d.DB.Read, strings.TrimSpace(name))
}
