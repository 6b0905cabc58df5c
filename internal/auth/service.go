package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"steward/internal/platform/audit"
	"steward/internal/platform/db"
	"steward/internal/platform/fault"
)

// Service runs the account use cases.
type Service struct {
	DB  *db.DB
	Now func() time.Time
}

// NewService returns a Service on d using the wall clock.
func NewService(d *db.DB) *Service {
	return &Service{DB: d, Now: func() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }}
}

// NewUser is the input for creating an account.
type NewUser struct {
	Email          string
	Name           string
	Role           Role
	Password       string // empty: the account cannot log in until one is set
	OrganisationID int64
	Groups         []int64
}

func (in *NewUser) validate() error {
	v := &fault.ValidationError{}
	in.Email = strings.TrimSpace(in.Email)
	in.Name = strings.TrimSpace(in.Name)
	if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email || len(in.Email) > 254 {
		v.Add("email", "must be a plain email address such as ada@example.com")
	}
	if in.Name == "" || len(in.Name) > 200 {
		v.Add("name", "must be 1 to 200 characters")
	}
	if !in.Role.Valid() {
		v.Add("role", "must be one of requester, agent, manager, admin")
	}
	if in.Password != "" && len(in.Password) < MinPasswordLength {
		v.Add("password", "must be at least %d characters", MinPasswordLength)
	}
	return v.Err()
}

// CreateUser creates an account.
func (s *Service) CreateUser(ctx context.Context, actor Principal, in NewUser) (User, error) {
	if err := Require(actor, ManageDirectory); err != nil {
		return User{}, err
	}
	if err := in.validate(); err != nil {
		return User{}, err
	}
	hash := ""
	if in.Password != "" {
		var err error
		if hash, err = HashPassword(in.Password); err != nil {
			return User{}, err
		}
	}
	now := s.Now()
	u := User{Email: in.Email, Name: in.Name, Role: in.Role, Active: true, OrganisationID: in.OrganisationID, Groups: in.Groups, CreatedAt: now, UpdatedAt: now}
	err := s.DB.InTx(ctx, func(tx db.Querier) error {
		if err := insertUser(ctx, tx, &u, hash); err != nil {
			return err
		}
		if err := setGroups(ctx, tx, u.ID, in.Groups); err != nil {
			return err
		}
		return audit.Write(ctx, tx, now, actor.UserID, "user.create", "user", u.ID,
			map[string]any{"email": u.Email, "role": u.Role, "groups": in.Groups})
	})
	return u, err
}

// UserPatch changes some fields of an account; nil fields stay as they are.
type UserPatch struct {
	Name           *string
	Role           *Role
	Active         *bool
	Password       *string
	OrganisationID *int64
	Groups         *[]int64
}

// UpdateUser changes an account. A new password, role or deactivation ends
// the account's existing sessions.
func (s *Service) UpdateUser(ctx context.Context, actor Principal, id int64, p UserPatch) (User, error) {
	if err := Require(actor, ManageDirectory); err != nil {
		return User{}, err
	}
	v := &fault.ValidationError{}
	if p.Name != nil && (strings.TrimSpace(*p.Name) == "" || len(*p.Name) > 200) {
		v.Add("name", "must be 1 to 200 characters")
	}
	if p.Role != nil && !p.Role.Valid() {
		v.Add("role", "must be one of requester, agent, manager, admin")
	}
	if p.Password != nil && len(*p.Password) < MinPasswordLength {
		v.Add("password", "must be at least %d characters", MinPasswordLength)
	}
	if err := v.Err(); err != nil {
		return User{}, err
	}
	now := s.Now()
	err := s.DB.InTx(ctx, func(tx db.Querier) error {
		if _, err := userByID(ctx, tx, id); err != nil {
			return err
		}
		sets, args := []string{"updated_at = $1"}, []any{now.UnixMilli()}
		add := func(col string, val any) {
			args = append(args, val)
			sets = append(sets, fmt.Sprintf("%s = $%d", col, len(args)))
		}
		changed := map[string]any{}
		if p.Name != nil {
			add("name", strings.TrimSpace(*p.Name))
			changed["name"] = *p.Name
		}
		if p.Role != nil {
			add("role", string(*p.Role))
			changed["role"] = *p.Role
		}
		if p.Active != nil {
			add("active", *p.Active)
			changed["active"] = *p.Active
		}
		if p.OrganisationID != nil {
			add("organisation_id", nullID(*p.OrganisationID))
			changed["organisation_id"] = *p.OrganisationID
		}
		if p.Password != nil {
			hash, err := HashPassword(*p.Password)
			if err != nil {
				return err
			}
			add("password_hash", hash)
			changed["password"] = "changed"
		}
		if p.Password != nil || p.Role != nil || (p.Active != nil && !*p.Active) {
			sets = append(sets, "auth_epoch = auth_epoch + 1")
		}
		args = append(args, id)
		_, err := tx.ExecContext(ctx, `UPDATE users SET `+strings.Join(sets, ", ")+fmt.Sprintf(` WHERE id = $%d`, len(args)), args...)
		if db.IsForeignKeyViolation(err) {
			return fault.Invalid("organisation_id", "no such organisation")
		}
		if err != nil {
			return fmt.Errorf("auth: update user: %w", err)
		}
		if p.Groups != nil {
			if err := setGroups(ctx, tx, id, *p.Groups); err != nil {
				return err
			}
			changed["groups"] = *p.Groups
		}
		return audit.Write(ctx, tx, now, actor.UserID, "user.update", "user", id, changed)
	})
	if err != nil {
		return User{}, err
	}
	return userByID(ctx, s.DB.Read, id)
}

// User returns one account. Agents see everyone; others only themselves.
func (s *Service) User(ctx context.Context, actor Principal, id int64) (User, error) {
	if actor.UserID != id {
		if err := Require(actor, ReadDirectory); err != nil {
			return User{}, err
		}
	}
	return userByID(ctx, s.DB.Read, id)
}

// UserByEmail returns one account (for the command line and mail).
func (s *Service) UserByEmail(ctx context.Context, email string) (User, error) {
	return userByEmail(ctx, s.DB.Read, email)
}

// Users lists accounts with id > after.
func (s *Service) Users(ctx context.Context, actor Principal, after int64, limit int, match string, role Role) ([]User, error) {
	if err := Require(actor, ReadDirectory); err != nil {
		return nil, err
	}
	return listUsers(ctx, s.DB.Read, after, limit, match, role)
}

// CountUsers returns how many accounts exist.
func (s *Service) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := s.DB.Read.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, err
}

// EnsureAdmin creates an admin account when there is no account at all. It
// returns the password it chose when it made one up (password was empty).
func (s *Service) EnsureAdmin(ctx context.Context, email, password string) (created bool, chosen string, err error) {
	n, err := s.CountUsers(ctx)
	if err != nil || n > 0 {
		return false, "", err
	}
	if password == "" {
		password = RandomSecret(15)
		chosen = password
	}
	_, err = s.CreateUser(ctx, System, NewUser{Email: email, Name: "Administrator", Role: Admin, Password: password})
	if err != nil {
		var v *fault.ValidationError
		if errors.As(err, &v) && len(v.Fields) == 1 && v.Fields[0].Field == "email" && strings.Contains(v.Fields[0].Message, "exists") {
			return false, "", nil // another node created it first
		}
		return false, "", err
	}
	return true, chosen, nil
}

// Lockout policy: after lockoutAfter failures in a row an account is locked,
// for longer each further failure, up to lockoutMax.
const (
	lockoutAfter = 5
	lockoutBase  = time.Minute
	lockoutMax   = time.Hour
)

// Authenticate checks an email and password and returns the principal.
// Every failure looks the same to the caller.
func (s *Service) Authenticate(ctx context.Context, email, password string) (Principal, error) {
	var id, epoch, failed, locked int64
	var hash string
	var active bool
	err := s.DB.Read.QueryRowContext(ctx,
		`SELECT id, password_hash, active, auth_epoch, failed_logins, locked_until FROM users WHERE lower(email) = lower($1)`,
		strings.TrimSpace(email)).Scan(&id, &hash, &active, &epoch, &failed, &locked)
	if errors.Is(err, sql.ErrNoRows) {
		CheckPassword(dummyHash, password)
		return Principal{}, ErrBadCredentials
	}
	if err != nil {
		return Principal{}, fmt.Errorf("auth: authenticate: %w", err)
	}
	now := s.Now()
	if locked > now.UnixMilli() {
		return Principal{}, ErrLocked
	}
	ok := false
	if hash != "" {
		ok, _ = CheckPassword(hash, password)
	} else {
		CheckPassword(dummyHash, password)
	}
	if !ok || !active {
		failed++
		until := int64(0)
		if failed >= lockoutAfter {
			d := lockoutMax
			if n := failed - lockoutAfter; n < 6 { // larger shifts pass lockoutMax, then overflow
				d = min(lockoutBase<<n, lockoutMax)
			}
			until = now.Add(d).UnixMilli()
		}
		_, err := s.DB.Write.ExecContext(ctx, `UPDATE users SET failed_logins = failed_logins + 1, locked_until = $2 WHERE id = $1`, id, until)
		if err != nil {
			return Principal{}, fmt.Errorf("auth: record failed login: %w", err)
		}
		return Principal{}, ErrBadCredentials
	}
	if _, err := s.DB.Write.ExecContext(ctx,
		`UPDATE users SET failed_logins = 0, locked_until = 0, last_login_at = $2 WHERE id = $1`, id, now.UnixMilli()); err != nil {
		return Principal{}, fmt.Errorf("auth: record login: %w", err)
	}
	return s.PrincipalFor(ctx, id)
}

// PrincipalFor loads the principal of an active account.
func (s *Service) PrincipalFor(ctx context.Context, userID int64) (Principal, error) {
	var p Principal
	var active bool
	err := s.DB.Read.QueryRowContext(ctx,
		`SELECT id, name, email, role, active, auth_epoch FROM users WHERE id = $1`, userID).
		Scan(&p.UserID, &p.Name, &p.Email, &p.Role, &active, &p.Epoch)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !active) {
		return Principal{}, fault.ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, fmt.Errorf("auth: principal %d: %w", userID, err)
	}
	p.Groups, err = groupIDsOf(ctx, s.DB.Read, userID)
	return p, err
}

// tokenPrefix marks Steward API tokens so that secret scanners can spot them.
const tokenPrefix = "stw_"

// RandomSecret returns n random bytes, URL-safe base64 encoded.
func RandomSecret(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateToken makes an API token for the account with email and returns its
// secret, which is stored only as a hash and cannot be shown again.
func (s *Service) CreateToken(ctx context.Context, actor Principal, email, name string) (string, Token, error) {
	u, err := userByEmail(ctx, s.DB.Read, email)
	if err != nil {
		return "", Token{}, err
	}
	if actor.UserID != u.ID {
		if err := Require(actor, ManageDirectory); err != nil {
			return "", Token{}, err
		}
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", Token{}, fault.Invalid("name", "must be 1 to 100 characters")
	}
	secret := tokenPrefix + RandomSecret(32)
	now := s.Now()
	t := Token{UserID: u.ID, Name: name, CreatedAt: now}
	err = s.DB.InTx(ctx, func(tx db.Querier) error {
		if err := tx.QueryRowContext(ctx,
			`INSERT INTO api_tokens (user_id, name, hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			u.ID, name, hashToken(secret), now.UnixMilli()).Scan(&t.ID); err != nil {
			return fmt.Errorf("auth: create token: %w", err)
		}
		return audit.Write(ctx, tx, now, actor.UserID, "token.create", "user", u.ID, map[string]any{"token": t.ID, "name": name})
	})
	return secret, t, err
}

// PrincipalForToken resolves an API token secret.
func (s *Service) PrincipalForToken(ctx context.Context, secret string) (Principal, error) {
	if !strings.HasPrefix(secret, tokenPrefix) || len(secret) > 100 {
		return Principal{}, fault.ErrUnauthenticated
	}
	var p Principal
	var active bool
	err := s.DB.Read.QueryRowContext(ctx, `
SELECT u.id, u.name, u.email, u.role, u.active, u.auth_epoch
FROM api_tokens t JOIN users u ON u.id = t.user_id
WHERE t.hash = $1 AND t.revoked_at IS NULL`, hashToken(secret)).
		Scan(&p.UserID, &p.Name, &p.Email, &p.Role, &active, &p.Epoch)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !active) {
		return Principal{}, fault.ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, fmt.Errorf("auth: token: %w", err)
	}
	p.Groups, err = groupIDsOf(ctx, s.DB.Read, p.UserID)
	return p, err
}
