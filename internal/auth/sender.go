package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"steward/internal/platform/audit"
	"steward/internal/platform/db"
	"steward/internal/platform/fault"
)

// The functions here let channels that act for a person who did not sign
// in (mail) find or create that person's account inside their own
// transaction.

// UserByEmailIn loads the account with email (any case) through q, which
// may be a transaction. A missing account is fault.ErrNotFound.
func UserByEmailIn(ctx context.Context, q db.Querier, email string) (User, error) {
	return userByEmail(ctx, q, strings.TrimSpace(email))
}

// PrincipalOf is the principal acting as u.
func PrincipalOf(u User) Principal {
	return Principal{UserID: u.ID, Name: u.Name, Email: u.Email, Role: u.Role, Groups: u.Groups}
}

// EnsureRequester returns the account with email, creating a requester
// account without a password inside the caller's transaction tx when there
// is none (audited as done by actor). A concurrent transaction creating
// the same account is not an error: its account is returned. name defaults
// to the address's local part.
func EnsureRequester(ctx context.Context, tx db.Querier, actor Principal, email, name string, now time.Time) (User, bool, error) {
	if strings.TrimSpace(name) == "" {
		name, _, _ = strings.Cut(strings.TrimSpace(email), "@")
	}
	if len(name) > 200 {
		name = name[:200]
	}
	in := NewUser{Email: email, Name: name, Role: Requester}
	if err := in.validate(); err != nil {
		return User{}, false, err
	}
	u := User{Email: in.Email, Name: in.Name, Role: Requester, Active: true, CreatedAt: now, UpdatedAt: now}
	err := tx.QueryRowContext(ctx, `
INSERT INTO users (email, name, role, password_hash, active, created_at, updated_at)
VALUES ($1, $2, $3, '', $4, $5, $5) ON CONFLICT DO NOTHING RETURNING id`,
		u.Email, u.Name, string(Requester), true, now.UnixMilli()).Scan(&u.ID)
	if errors.Is(err, sql.ErrNoRows) {
		u, err = userByEmail(ctx, tx, email)
		return u, false, err
	}
	if err != nil {
		return User{}, false, fmt.Errorf("auth: insert requester: %w", err)
	}
	return u, true, audit.Write(ctx, tx, now, actor.UserID, "user.create", "user", u.ID,
		map[string]any{"email": u.Email, "role": u.Role, "via": "mail"})
}

// IsNotFound reports whether err says an account does not exist.
func IsNotFound(err error) bool { return errors.Is(err, fault.ErrNotFound) }
