package directory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"steward/internal/platform/db"
	"steward/internal/platform/fault"
)

type scanner interface{ Scan(...any) error }

// one scans a single row, reporting a missing row as fault.ErrNotFound.
func one[T any](row *sql.Row, scan func(scanner) (T, error), what string) (T, error) {
	v, err := scan(row)
	if errors.Is(err, sql.ErrNoRows) {
		return v, fmt.Errorf("directory: %s: %w", what, fault.ErrNotFound)
	}
	if err != nil {
		return v, fmt.Errorf("directory: %s: %w", what, err)
	}
	return v, nil
}

func many[T any](ctx context.Context, q db.Querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("directory: list: %w", err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// affected turns an UPDATE that matched no row into fault.ErrNotFound.
func affected(res sql.Result, what string) error {
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("directory: %s: %w", what, fault.ErrNotFound)
	}
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullBool(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

func times(created, updated int64) (time.Time, time.Time) {
	return time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
}

// Organisations.

const organisationColumns = `id, name, domain, created_at, updated_at`

func scanOrganisation(row scanner) (Organisation, error) {
	var o Organisation
	var c, u int64
	err := row.Scan(&o.ID, &o.Name, &o.Domain, &c, &u)
	o.CreatedAt, o.UpdatedAt = times(c, u)
	return o, err
}

func organisationByID(ctx context.Context, q db.Querier, id int64) (Organisation, error) {
	row := q.QueryRowContext(ctx, `SELECT `+organisationColumns+` FROM organisations WHERE id = $1`, id)
	return one(row, scanOrganisation, fmt.Sprintf("organisation %d", id))
}

func organisationByName(ctx context.Context, q db.Querier, name string) (Organisation, error) {
	row := q.QueryRowContext(ctx, `SELECT `+organisationColumns+` FROM organisations WHERE lower(name) = lower($1)`, name)
	return one(row, scanOrganisation, fmt.Sprintf("organisation %q", name))
}

func listOrganisations(ctx context.Context, q db.Querier, after int64, limit int) ([]Organisation, error) {
	return many(ctx, q, scanOrganisation,
		`SELECT `+organisationColumns+` FROM organisations WHERE id > $1 ORDER BY id `+db.Limit(limit), after)
}

func insertOrganisation(ctx context.Context, q db.Querier, o *Organisation) error {
	err := q.QueryRowContext(ctx,
		`INSERT INTO organisations (name, domain, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id`,
		o.Name, o.Domain, o.CreatedAt.UnixMilli()).Scan(&o.ID)
	return organisationWriteError(err)
}

func updateOrganisation(ctx context.Context, q db.Querier, id int64, in OrganisationInput, now time.Time) error {
	res, err := q.ExecContext(ctx,
		`UPDATE organisations SET name = $2, domain = $3, updated_at = $4 WHERE id = $1`,
		id, in.Name, in.Domain, now.UnixMilli())
	if err != nil {
		return organisationWriteError(err)
	}
	return affected(res, fmt.Sprintf("organisation %d", id))
}

func organisationWriteError(err error) error {
	switch {
	case err == nil:
		return nil
	case db.IsUniqueViolation(err):
		return fault.Invalid("name", "an organisation with this name already exists")
	}
	return fmt.Errorf("directory: write organisation: %w", err)
}

// Categories. The path is built from the parent's name on every read, so
// renaming a category renames its subcategories' paths with it.

const categoryColumns = `c.id, coalesce(c.parent_id, 0), c.name, c.active,
coalesce(p.name || ' / ', '') || c.name, c.created_at, c.updated_at
FROM categories c LEFT JOIN categories p ON p.id = c.parent_id`

func scanCategory(row scanner) (Category, error) {
	var c Category
	var created, updated int64
	err := row.Scan(&c.ID, &c.ParentID, &c.Name, &c.Active, &c.Path, &created, &updated)
	c.CreatedAt, c.UpdatedAt = times(created, updated)
	return c, err
}

func categoryByID(ctx context.Context, q db.Querier, id int64) (Category, error) {
	row := q.QueryRowContext(ctx, `SELECT `+categoryColumns+` WHERE c.id = $1`, id)
	return one(row, scanCategory, fmt.Sprintf("category %d", id))
}

// categoryByName matches the expression of the categories_name index.
func categoryByName(ctx context.Context, q db.Querier, parentID int64, name string) (Category, error) {
	row := q.QueryRowContext(ctx,
		`SELECT `+categoryColumns+` WHERE coalesce(c.parent_id, 0) = $1 AND lower(c.name) = lower($2)`, parentID, name)
	return one(row, scanCategory, fmt.Sprintf("category %q under %d", name, parentID))
}

func listCategories(ctx context.Context, q db.Querier, after int64, limit int) ([]Category, error) {
	return many(ctx, q, scanCategory, `SELECT `+categoryColumns+` WHERE c.id > $1 ORDER BY c.id `+db.Limit(limit), after)
}

// checkParent keeps the tree two levels deep: a parent must exist and be
// top-level, and category id (zero when new) must not have subcategories
// of its own if it is to have a parent.
func checkParent(ctx context.Context, q db.Querier, id, parentID int64) error {
	if parentID == 0 {
		return nil
	}
	if parentID == id {
		return fault.Invalid("parent_id", "a category cannot be its own parent")
	}
	var grandparent int64
	err := q.QueryRowContext(ctx, `SELECT coalesce(parent_id, 0) FROM categories WHERE id = $1`, parentID).Scan(&grandparent)
	if errors.Is(err, sql.ErrNoRows) {
		return fault.Invalid("parent_id", "no category with id %d", parentID)
	}
	if err != nil {
		return fmt.Errorf("directory: parent category %d: %w", parentID, err)
	}
	if grandparent != 0 {
		return fault.Invalid("parent_id", "must be a top-level category: categories are at most two levels deep")
	}
	if id == 0 {
		return nil
	}
	var children bool
	err = q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM categories WHERE coalesce(parent_id, 0) = $1)`, id).Scan(&children)
	if err != nil {
		return fmt.Errorf("directory: subcategories of %d: %w", id, err)
	}
	if children {
		return fault.Invalid("parent_id", "a category with subcategories must stay top-level")
	}
	return nil
}

func insertCategory(ctx context.Context, q db.Querier, c *Category) error {
	err := q.QueryRowContext(ctx, `
INSERT INTO categories (parent_id, name, active, created_at, updated_at)
VALUES ($1, $2, $3, $4, $4) RETURNING id`,
		nullID(c.ParentID), c.Name, c.Active, c.CreatedAt.UnixMilli()).Scan(&c.ID)
	return categoryWriteError(err)
}

func updateCategory(ctx context.Context, q db.Querier, id int64, in CategoryInput, now time.Time) error {
	res, err := q.ExecContext(ctx, `
UPDATE categories SET parent_id = $2, name = $3, active = coalesce($4, active), updated_at = $5
WHERE id = $1`, id, nullID(in.ParentID), in.Name, nullBool(in.Active), now.UnixMilli())
	if err != nil {
		return categoryWriteError(err)
	}
	return affected(res, fmt.Sprintf("category %d", id))
}

func categoryWriteError(err error) error {
	switch {
	case err == nil:
		return nil
	case db.IsUniqueViolation(err):
		return fault.Invalid("name", "a category with this name already exists at this level")
	case db.IsForeignKeyViolation(err):
		return fault.Invalid("parent_id", "no such category")
	}
	return fmt.Errorf("directory: write category: %w", err)
}

// Services. The owner group's name is read with a join so that a list of
// services costs one query.

const serviceColumns = `s.id, s.name, s.description, coalesce(s.owner_group_id, 0), coalesce(g.name, ''),
s.active, s.created_at, s.updated_at
FROM services s LEFT JOIN groups g ON g.id = s.owner_group_id`

func scanService(row scanner) (Service, error) {
	var s Service
	var c, u int64
	err := row.Scan(&s.ID, &s.Name, &s.Description, &s.OwnerGroupID, &s.OwnerGroupName, &s.Active, &c, &u)
	s.CreatedAt, s.UpdatedAt = times(c, u)
	return s, err
}

func serviceByID(ctx context.Context, q db.Querier, id int64) (Service, error) {
	row := q.QueryRowContext(ctx, `SELECT `+serviceColumns+` WHERE s.id = $1`, id)
	return one(row, scanService, fmt.Sprintf("service %d", id))
}

func serviceByName(ctx context.Context, q db.Querier, name string) (Service, error) {
	row := q.QueryRowContext(ctx, `SELECT `+serviceColumns+` WHERE lower(s.name) = lower($1)`, name)
	return one(row, scanService, fmt.Sprintf("service %q", name))
}

func listServices(ctx context.Context, q db.Querier, after int64, limit int) ([]Service, error) {
	return many(ctx, q, scanService, `SELECT `+serviceColumns+` WHERE s.id > $1 ORDER BY s.id `+db.Limit(limit), after)
}

func insertService(ctx context.Context, q db.Querier, s *Service) error {
	err := q.QueryRowContext(ctx, `
INSERT INTO services (name, description, owner_group_id, active, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`,
		s.Name, s.Description, nullID(s.OwnerGroupID), s.Active, s.CreatedAt.UnixMilli()).Scan(&s.ID)
	return serviceWriteError(err, s.OwnerGroupID)
}

func updateService(ctx context.Context, q db.Querier, id int64, in ServiceInput, now time.Time) error {
	res, err := q.ExecContext(ctx, `
UPDATE services SET name = $2, description = $3, owner_group_id = $4, active = coalesce($5, active), updated_at = $6
WHERE id = $1`, id, in.Name, in.Description, nullID(in.OwnerGroupID), nullBool(in.Active), now.UnixMilli())
	if err != nil {
		return serviceWriteError(err, in.OwnerGroupID)
	}
	return affected(res, fmt.Sprintf("service %d", id))
}

func serviceWriteError(err error, ownerGroupID int64) error {
	switch {
	case err == nil:
		return nil
	case db.IsUniqueViolation(err):
		return fault.Invalid("name", "a service with this name already exists")
	case db.IsForeignKeyViolation(err):
		return fault.Invalid("owner_group_id", "no group with id %d", ownerGroupID)
	}
	return fmt.Errorf("directory: write service: %w", err)
}
