package auth

import (
	"context"
	"errors"
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

// InsertRequester creates a requester account without a password inside
// the caller's transaction tx, audited as done by actor. name defaults to
// the address's local part.
func InsertRequester(ctx context.Context, tx db.Querier, actor Principal, email, name string, now time.Time) (User, error) {
	if strings.TrimSpace(name) == "" {
		name, _, _ = strings.Cut(strings.TrimSpace(email), "@")
	}
	if len(name) > 200 {
		name = name[:200]
	}
	in := NewUser{Email: email, Name: name, Role: Requester}
	if err := in.validate(); err != nil {
		return User{}, err
	}
	u := User{Email: in.Email, Name: in.Name, Role: Requester, Active: true, CreatedAt: now, UpdatedAt: now}
	if err := insertUser(ctx, tx, &u, ""); err != nil {
		return User{}, err
	}
	return u, audit.Write(ctx, tx, now, actor.UserID, "user.create", "user", u.ID,
		map[string]any{"email": u.Email, "role": u.Role, "via": "mail"})
}

// IsNotFound reports whether err says an account does not exist.
func IsNotFound(err error) bool { return errors.Is(err, fault.ErrNotFound) }
