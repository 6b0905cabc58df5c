// Package auth holds accounts, groups, sessions and API tokens, and is the
// one place where Steward decides who may do what.
package auth

import (
	"errors"
	"time"
)

// Role is what an account may do in general; record-level rules refine it.
type Role string

const (
	Requester Role = "requester"
	Agent     Role = "agent"
	Manager   Role = "manager"
	Admin     Role = "admin"
)

// Roles lists every role, least powerful first.
var Roles = []Role{Requester, Agent, Manager, Admin}

func (r Role) rank() int {
	for i, x := range Roles {
		if x == r {
			return i
		}
	}
	return -1
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r.rank() >= 0 }

// AtLeast reports whether r has at least the powers of other.
func (r Role) AtLeast(other Role) bool { return r.rank() >= other.rank() && r.Valid() }

// User is an account.
type User struct {
	ID             int64
	Email          string
	Name           string
	Role           Role
	Active         bool
	OrganisationID int64
	Groups         []int64
	LastLoginAt    time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Principal is who is acting: a signed-in user or the holder of a token.
// The zero Principal is anonymous and may do nothing.
type Principal struct {
	UserID int64
	Name   string
	Email  string
	Role   Role
	Groups []int64
	// Epoch is the account's credential epoch when the session was made;
	// a password or role change moves it and ends older sessions.
	Epoch int64
}

// System is the principal for work Steward does by itself (demo data,
// background jobs): it may do what an admin may.
var System = Principal{Name: "Steward", Role: Admin}

// Authenticated reports whether p is a known account or the system.
func (p Principal) Authenticated() bool { return p.Role.Valid() }

// InGroup reports whether p is a member of group id.
func (p Principal) InGroup(id int64) bool {
	for _, g := range p.Groups {
		if g == id {
			return true
		}
	}
	return false
}

// Group is an assignment group.
type Group struct {
	ID          int64
	Name        string
	Description string
	Email       string
	Members     []Member
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Member is a user in a group.
type Member struct {
	UserID    int64
	Name      string
	Email     string
	Available bool
}

// Token is an API token's metadata; its secret is shown once at creation.
type Token struct {
	ID         int64
	UserID     int64
	Name       string
	CreatedAt  time.Time
	LastUsedAt time.Time
}

var (
	// ErrBadCredentials is returned for any failed login, whatever the cause,
	// so that a caller cannot learn which accounts exist.
	ErrBadCredentials = errors.New("auth: wrong email or password")
	// ErrLocked is returned while an account is locked after failed logins.
	ErrLocked = errors.New("auth: too many failed logins, try again later")
)
