package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"steward/internal/platform/db"
	"steward/internal/platform/fault"
)

const userColumns = `id, email, name, role, active, coalesce(organisation_id, 0), coalesce(last_login_at, 0), created_at, updated_at`

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	var last, created, updated int64
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Active, &u.OrganisationID, &last, &created, &updated)
	if err != nil {
		return u, err
	}
	if last != 0 {
		u.LastLoginAt = time.UnixMilli(last).UTC()
	}
	u.CreatedAt, u.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return u, nil
}

func userByID(ctx context.Context, q db.Querier, id int64) (User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("auth: user %d: %w", id, fault.ErrNotFound)
	}
	if err != nil {
		return u, fmt.Errorf("auth: user %d: %w", id, err)
	}
	u.Groups, err = groupIDsOf(ctx, q, id)
	return u, err
}

func userByEmail(ctx context.Context, q db.Querier, email string) (User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE lower(email) = lower($1)`, email))
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("auth: user %s: %w", email, fault.ErrNotFound)
	}
	if err != nil {
		return u, fmt.Errorf("auth: user %s: %w", email, err)
	}
	u.Groups, err = groupIDsOf(ctx, q, u.ID)
	return u, err
}

func groupIDsOf(ctx context.Context, q db.Querier, userID int64) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT group_id FROM group_members WHERE user_id = $1 ORDER BY group_id`, userID)
	if err != nil {
		return nil, fmt.Errorf("auth: groups of %d: %w", userID, err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func insertUser(ctx context.Context, q db.Querier, u *User, hash string) error {
	now := u.CreatedAt.UnixMilli()
	err := q.QueryRowContext(ctx, `
INSERT INTO users (email, name, role, password_hash, active, organisation_id, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
		u.Email, u.Name, string(u.Role), hash, u.Active, nullID(u.OrganisationID), now).Scan(&u.ID)
	if db.IsUniqueViolation(err) {
		return fault.Invalid("email", "an account with this email already exists")
	}
	if db.IsForeignKeyViolation(err) {
		return fault.Invalid("organisation_id", "no such organisation")
	}
	if err != nil {
		return fmt.Errorf("auth: insert user: %w", err)
	}
	return nil
}

func setGroups(ctx context.Context, q db.Querier, userID int64, groups []int64) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM group_members WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("auth: set groups: %w", err)
	}
	for _, g := range groups {
		_, err := q.ExecContext(ctx, `INSERT INTO group_members (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, g, userID)
		if db.IsForeignKeyViolation(err) {
			return fault.Invalid("groups", "no group with id %d", g)
		}
		if err != nil {
			return fmt.Errorf("auth: set groups: %w", err)
		}
	}
	return nil
}

// listUsers returns up to limit users with id > after, optionally matching q
// in name or email.
func listUsers(ctx context.Context, q db.Querier, after int64, limit int, match string, role Role) ([]User, error) {
	query := `SELECT ` + userColumns + ` FROM users WHERE id > $1`
	args := []any{after}
	if match != "" {
		args = append(args, "%"+escapeLike(match)+"%")
		query += fmt.Sprintf(` AND (lower(name) LIKE lower($%d) ESCAPE '\' OR lower(email) LIKE lower($%d) ESCAPE '\')`, len(args), len(args))
	}
	if role != "" {
		args = append(args, string(role))
		query += fmt.Sprintf(` AND role = $%d`, len(args))
	}
	query += ` ORDER BY id ` + db.Limit(limit)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("auth: list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func escapeLike(s string) string {
	r := make([]rune, 0, len(s))
	for _, c := range s {
		if c == '%' || c == '_' || c == '\\' {
			r = append(r, '\\')
		}
		r = append(r, c)
	}
	return string(r)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

const groupColumns = `id, name, description, email, created_at, updated_at`

func scanGroup(row interface{ Scan(...any) error }) (Group, error) {
	var g Group
	var c, u int64
	err := row.Scan(&g.ID, &g.Name, &g.Description, &g.Email, &c, &u)
	g.CreatedAt, g.UpdatedAt = time.UnixMilli(c).UTC(), time.UnixMilli(u).UTC()
	return g, err
}

func groupByID(ctx context.Context, q db.Querier, id int64) (Group, error) {
	g, err := scanGroup(q.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM groups WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return g, fmt.Errorf("auth: group %d: %w", id, fault.ErrNotFound)
	}
	if err != nil {
		return g, fmt.Errorf("auth: group %d: %w", id, err)
	}
	rows, err := q.QueryContext(ctx, `
SELECT u.id, u.name, u.email, m.available FROM group_members m JOIN users u ON u.id = m.user_id
WHERE m.group_id = $1 ORDER BY u.name, u.id`, id)
	if err != nil {
		return g, fmt.Errorf("auth: members of %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var m Member
		if err := rows.Scan(&m.UserID, &m.Name, &m.Email, &m.Available); err != nil {
			return g, err
		}
		g.Members = append(g.Members, m)
	}
	return g, rows.Err()
}

func listGroups(ctx context.Context, q db.Querier, after int64, limit int) ([]Group, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+groupColumns+` FROM groups WHERE id > $1 ORDER BY id `+db.Limit(limit), after)
	if err != nil {
		return nil, fmt.Errorf("auth: list groups: %w", err)
	}
	defer rows.Close()
	var out []Group
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}
