package auth_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"steward/internal/auth"
	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
	"steward/internal/platform/fault"
)

const goodPassword = "a long enough password"

// clock is a controllable Service.Now.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time                   { return c.now }
func (c *clock) Advance(d time.Duration)          { c.now = c.now.Add(d) }
func newClock() *clock                            { return &clock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }
func newService(d *db.DB, c *clock) *auth.Service { return &auth.Service{DB: d, Now: c.Now} }

// newUser creates an account through the service; an empty password makes
// one that cannot log in and costs no hashing.
func newUser(t *testing.T, svc *auth.Service, email string, role auth.Role, password string) auth.User {
	t.Helper()
	u, err := svc.CreateUser(context.Background(), auth.System, auth.NewUser{Email: email, Name: nameOf(email), Role: role, Password: password})
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

func nameOf(email string) string {
	n, _, _ := strings.Cut(email, "@")
	return strings.ToUpper(n[:1]) + n[1:]
}

func count(t *testing.T, d *db.DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := d.Read.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// fieldsOf returns the field names of a *fault.ValidationError, failing the
// test when err is anything else.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	names, ok := fault.FieldNames(err)
	if !ok {
		t.Fatalf("error = %v, want a *fault.ValidationError", err)
	}
	return names
}

func TestCreateUserRejectsBadInput(t *testing.T) {
	t.Parallel()
	valid := auth.NewUser{Email: "ada@example.com", Name: "Ada", Role: auth.Agent}
	tests := []struct {
		name   string
		change func(*auth.NewUser)
		want   []string
	}{
		{"not an email", func(u *auth.NewUser) { u.Email = "ada.example.com" }, []string{"email"}},
		{"email with display name", func(u *auth.NewUser) { u.Email = "Ada <ada@example.com>" }, []string{"email"}},
		{"empty email", func(u *auth.NewUser) { u.Email = "  " }, []string{"email"}},
		{"blank name", func(u *auth.NewUser) { u.Name = "   " }, []string{"name"}},
		{"name too long", func(u *auth.NewUser) { u.Name = strings.Repeat("x", 201) }, []string{"name"}},
		{"unknown role", func(u *auth.NewUser) { u.Role = "root" }, []string{"role"}},
		{"no role", func(u *auth.NewUser) { u.Role = "" }, []string{"role"}},
		{"short password", func(u *auth.NewUser) { u.Password = "123456789" }, []string{"password"}},
		{"everything wrong", func(u *auth.NewUser) { *u = auth.NewUser{Email: "x", Role: "root", Password: "short"} },
			[]string{"email", "name", "role", "password"}},
		{"unknown organisation", func(u *auth.NewUser) { u.OrganisationID = 999 }, []string{"organisation_id"}},
		{"unknown group", func(u *auth.NewUser) { u.Groups = []int64{999} }, []string{"groups"}},
	}
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		svc := newService(d, newClock())
		ctx := context.Background()
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := valid
				tt.change(&in)
				_, err := svc.CreateUser(ctx, auth.System, in)
				if diff := cmp.Diff(tt.want, fieldsOf(t, err)); diff != "" {
					t.Errorf("fields (-want +got):\n%s", diff)
				}
				if n := count(t, d, `SELECT count(*) FROM users`); n != 0 {
					t.Errorf("%d users written, want none", n)
				}
				if n := count(t, d, `SELECT count(*) FROM audit`); n != 0 {
					t.Errorf("%d audit rows written, want none", n)
				}
			})
		}
	})
}

func TestCreateUserNeedsAnAdmin(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		svc := newService(d, newClock())
		in := auth.NewUser{Email: "ada@example.com", Name: "Ada", Role: auth.Admin}
		for _, actor := range []auth.Principal{{UserID: 1, Role: auth.Requester}, {UserID: 1, Role: auth.Manager}} {
			if _, err := svc.CreateUser(context.Background(), actor, in); !errors.Is(err, fault.ErrForbidden) {
				t.Errorf("CreateUser by %s = %v, want ErrForbidden", actor.Role, err)
			}
		}
		if _, err := svc.CreateUser(context.Background(), auth.Principal{}, in); !errors.Is(err, fault.ErrUnauthenticated) {
			t.Errorf("CreateUser by nobody = %v, want ErrUnauthenticated", err)
		}
		if n := count(t, d, `SELECT count(*) FROM users`); n != 0 {
			t.Errorf("%d users written, want none", n)
		}
	})
}

func TestCreateUserWritesUserAndAudit(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		c := newClock()
		svc := newService(d, c)
		ctx := context.Background()
		admin := newUser(t, svc, "root@example.com", auth.Admin, "")
		actor := auth.Principal{UserID: admin.ID, Role: auth.Admin}

		u, err := svc.CreateUser(ctx, actor, auth.NewUser{Email: " Ada@Example.com ", Name: " Ada ", Role: auth.Agent})
		if err != nil {
			t.Fatal(err)
		}
		got, err := svc.User(ctx, actor, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := auth.User{ID: u.ID, Email: "Ada@Example.com", Name: "Ada", Role: auth.Agent, Active: true, CreatedAt: c.now, UpdatedAt: c.now}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("stored user (-want +got):\n%s", diff)
		}
		if n := count(t, d, `SELECT count(*) FROM audit WHERE action = 'user.create'`); n != 2 {
			t.Errorf("%d user.create audit rows, want 2", n)
		}
		if n := count(t, d, `SELECT count(*) FROM audit WHERE action = 'user.create' AND entity_id = $1 AND actor_id = $2 AND at = $3`,
			u.ID, admin.ID, c.now.UnixMilli()); n != 1 {
			t.Errorf("no audit row names actor %d, user %d and the time", admin.ID, u.ID)
		}

		_, err = svc.CreateUser(ctx, actor, auth.NewUser{Email: "ada@EXAMPLE.com", Name: "Ada again", Role: auth.Requester})
		if diff := cmp.Diff([]string{"email"}, fieldsOf(t, err)); diff != "" {
			t.Errorf("duplicate email fields (-want +got):\n%s", diff)
		}
		if n := count(t, d, `SELECT count(*) FROM users`); n != 2 {
			t.Errorf("%d users after a duplicate, want 2", n)
		}
		if n := count(t, d, `SELECT count(*) FROM audit`); n != 2 {
			t.Errorf("%d audit rows after a duplicate, want 2", n)
		}
	})
}

func TestAuditIsAppendOnly(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		svc := newService(d, newClock())
		ctx := context.Background()
		newUser(t, svc, "ada@example.com", auth.Agent, "")
		if _, err := d.Write.ExecContext(ctx, `UPDATE audit SET action = 'forged'`); err == nil {
			t.Error("UPDATE on audit succeeded")
		}
		if _, err := d.Write.ExecContext(ctx, `DELETE FROM audit`); err == nil {
			t.Error("DELETE on audit succeeded")
		}
		if n := count(t, d, `SELECT count(*) FROM audit WHERE action = 'user.create'`); n != 1 {
			t.Errorf("%d user.create audit rows after tampering, want 1", n)
		}
	})
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		c := newClock()
		svc := newService(d, c)
		ctx := context.Background()
		g, err := svc.CreateGroup(ctx, auth.System, auth.GroupInput{Name: "Service Desk"})
		if err != nil {
			t.Fatal(err)
		}
		u, err := svc.CreateUser(ctx, auth.System, auth.NewUser{Email: "ada@example.com", Name: "Ada", Role: auth.Agent, Password: goodPassword, Groups: []int64{g.ID}})
		if err != nil {
			t.Fatal(err)
		}

		p, err := svc.Authenticate(ctx, " ADA@example.com ", goodPassword)
		if err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
		want := auth.Principal{UserID: u.ID, Name: "Ada", Email: "ada@example.com", Role: auth.Agent, Groups: []int64{g.ID}}
		if diff := cmp.Diff(want, p); diff != "" {
			t.Errorf("principal (-want +got):\n%s", diff)
		}
		got, err := svc.User(ctx, p, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.LastLoginAt.Equal(c.now) {
			t.Errorf("LastLoginAt = %v, want %v", got.LastLoginAt, c.now)
		}

		for _, tt := range []struct{ email, password string }{
			{"ada@example.com", "not the password"},
			{"ada@example.com", ""},
			{"bob@example.com", goodPassword},
		} {
			if _, err := svc.Authenticate(ctx, tt.email, tt.password); !errors.Is(err, auth.ErrBadCredentials) {
				t.Errorf("Authenticate(%s, %q) = %v, want ErrBadCredentials", tt.email, tt.password, err)
			}
		}
	})
}

func TestAccountWithoutPasswordCannotLogIn(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		svc := newService(d, newClock())
		newUser(t, svc, "ada@example.com", auth.Agent, "")
		for _, pw := range []string{"", goodPassword} {
			if _, err := svc.Authenticate(context.Background(), "ada@example.com", pw); !errors.Is(err, auth.ErrBadCredentials) {
				t.Errorf("Authenticate(%q) = %v, want ErrBadCredentials", pw, err)
			}
		}
	})
}

func TestLockout(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		c := newClock()
		svc := newService(d, c)
		ctx := context.Background()
		newUser(t, svc, "ada@example.com", auth.Agent, goodPassword)
		login := func(password string) error {
			_, err := svc.Authenticate(ctx, "ada@example.com", password)
			return err
		}
		for i := range 5 {
			if err := login("wrong password"); !errors.Is(err, auth.ErrBadCredentials) {
				t.Fatalf("failure %d: %v, want ErrBadCredentials", i+1, err)
			}
		}
		steps := []struct {
			advance  time.Duration
			password string
			want     error
		}{
			{0, goodPassword, auth.ErrLocked},                           // locked for a minute after 5 failures
			{59 * time.Second, goodPassword, auth.ErrLocked},            //
			{2 * time.Second, "wrong password", auth.ErrBadCredentials}, // lock over; 6th failure: 2 minutes
			{0, goodPassword, auth.ErrLocked},                           //
			{119 * time.Second, goodPassword, auth.ErrLocked},           //
			{2 * time.Second, goodPassword, nil},                        // lock over, right password
			{0, "wrong password", auth.ErrBadCredentials},               // the count started again:
			{0, goodPassword, nil},                                      // one failure does not lock
		}
		for i, s := range steps {
			c.Advance(s.advance)
			if err := login(s.password); !errors.Is(err, s.want) {
				t.Fatalf("step %d (%q at +%v): %v, want %v", i, s.password, s.advance, err, s.want)
			}
		}
		if n := count(t, d, `SELECT failed_logins FROM users WHERE email = 'ada@example.com'`); n != 0 {
			t.Errorf("failed_logins = %d after a successful login, want 0", n)
		}
	})
}

// However many failures there have been, the next one locks the account for
// lockoutMax (an hour): the backoff must not overflow into no lock at all.
func TestLockoutCapsAtAnHour(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		c := newClock()
		svc := newService(d, c)
		ctx := context.Background()
		u := newUser(t, svc, "ada@example.com", auth.Agent, goodPassword)
		for _, failed := range []int64{10, 33, 34, 58, 64, 1000} {
			if _, err := d.Write.ExecContext(ctx, `UPDATE users SET failed_logins = $1, locked_until = 0 WHERE id = $2`, failed, u.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Authenticate(ctx, "ada@example.com", "wrong password"); !errors.Is(err, auth.ErrBadCredentials) {
				t.Fatalf("after %d failures: %v, want ErrBadCredentials", failed, err)
			}
			want := c.now.Add(time.Hour).UnixMilli()
			if got := count(t, d, `SELECT locked_until FROM users WHERE id = $1`, u.ID); got != want {
				t.Errorf("after %d failures locked for %v, want 1h", failed+1, time.Duration(got-c.now.UnixMilli())*time.Millisecond)
			}
		}
	})
}

func TestInactiveUserCannotLogIn(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		svc := newService(d, newClock())
		ctx := context.Background()
		u := newUser(t, svc, "ada@example.com", auth.Agent, goodPassword)
		secret, _, err := svc.CreateToken(ctx, auth.System, "ada@example.com", "ci")
		if err != nil {
			t.Fatal(err)
		}
		inactive := false
		if _, err := svc.UpdateUser(ctx, auth.System, u.ID, auth.UserPatch{Active: &inactive}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Authenticate(ctx, "ada@example.com", goodPassword); !errors.Is(err, auth.ErrBadCredentials) {
			t.Errorf("Authenticate = %v, want ErrBadCredentials", err)
		}
		if _, err := svc.PrincipalFor(ctx, u.ID); !errors.Is(err, fault.ErrUnauthenticated) {
			t.Errorf("PrincipalFor = %v, want ErrUnauthenticated", err)
		}
		if _, err := svc.PrincipalForToken(ctx, secret); !errors.Is(err, fault.ErrUnauthenticated) {
			t.Errorf("PrincipalForToken = %v, want ErrUnauthenticated", err)
		}
	})
}

func TestUpdateUserMovesEpoch(t *testing.T) {
	t.Parallel()
	newName, admin, newPassword := "Ada L.", auth.Admin, "another long password"
	tests := []struct {
		name      string
		patch     auth.UserPatch
		wantEpoch int64
	}{
		{"name change keeps sessions", auth.UserPatch{Name: &newName}, 0},
		{"role change ends sessions", auth.UserPatch{Role: &admin}, 1},
		{"password change ends sessions", auth.UserPatch{Password: &newPassword}, 1},
		{"password and role together move it once", auth.UserPatch{Password: &newPassword, Role: &admin}, 1},
	}
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		svc := newService(d, newClock())
		ctx := context.Background()
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				email := "user" + string(rune('a'+i)) + "@example.com"
				u := newUser(t, svc, email, auth.Agent, "")
				before, err := svc.PrincipalFor(ctx, u.ID)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := svc.UpdateUser(ctx, auth.System, u.ID, tt.patch); err != nil {
					t.Fatalf("UpdateUser: %v", err)
				}
				after, err := svc.PrincipalFor(ctx, u.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got := after.Epoch - before.Epoch; got != tt.wantEpoch {
					t.Errorf("epoch moved by %d, want %d", got, tt.wantEpoch)
				}
				if tt.patch.Role != nil && after.Role != *tt.patch.Role {
					t.Errorf("role = %s, want %s", after.Role, *tt.patch.Role)
				}
				if tt.patch.Password != nil {
					if _, err := svc.Authenticate(ctx, email, *tt.patch.Password); err != nil {
						t.Errorf("Authenticate with the new password: %v", err)
					}
				}
			})
		}
	})
}

func TestUpdateUserRejectsBadInput(t *testing.T) {
	t.Parallel()
	blank, short, root := " ", "short", auth.Role("root")
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		svc := newService(d, newClock())
		ctx := context.Background()
		u := newUser(t, svc, "ada@example.com", auth.Agent, "")
		_, err := svc.UpdateUser(ctx, auth.System, u.ID, auth.UserPatch{Name: &blank, Role: &root, Password: &short})
		if diff := cmp.Diff([]string{"name", "role", "password"}, fieldsOf(t, err)); diff != "" {
			t.Errorf("fields (-want +got):\n%s", diff)
		}
		if _, err := svc.UpdateUser(ctx, auth.Principal{UserID: u.ID, Role: auth.Agent}, u.ID, auth.UserPatch{Role: new(auth.Admin)}); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("agent promoting themselves: %v, want ErrForbidden", err)
		}
		if _, err := svc.UpdateUser(ctx, auth.System, u.ID+100, auth.UserPatch{Name: new("Nobody")}); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("update of a missing user: %v, want ErrNotFound", err)
		}
		p, err := svc.PrincipalFor(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Role != auth.Agent || p.Epoch != 0 || p.Name != "Ada" {
			t.Errorf("principal after rejected updates = %+v", p)
		}
	})
}

func TestTokens(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		svc := newService(d, newClock())
		ctx := context.Background()
		u := newUser(t, svc, "ada@example.com", auth.Requester, "")
		other := newUser(t, svc, "bob@example.com", auth.Agent, "")
		self, err := svc.PrincipalFor(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}

		secret, tok, err := svc.CreateToken(ctx, self, "ada@example.com", " ci ")
		if err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		if !strings.HasPrefix(secret, "stw_") || len(secret) < 40 {
			t.Errorf("secret %q: want stw_ and at least 32 random bytes", secret)
		}
		if tok.UserID != u.ID || tok.Name != "ci" || tok.ID == 0 {
			t.Errorf("token = %+v", tok)
		}
		p, err := svc.PrincipalForToken(ctx, secret)
		if err != nil {
			t.Fatalf("PrincipalForToken: %v", err)
		}
		if diff := cmp.Diff(self, p); diff != "" {
			t.Errorf("token principal (-want +got):\n%s", diff)
		}

		sum := sha256.Sum256([]byte(secret))
		if n := count(t, d, `SELECT count(*) FROM api_tokens WHERE hash = $1 AND user_id = $2`, hex.EncodeToString(sum[:]), u.ID); n != 1 {
			t.Errorf("%d tokens stored as the secret's sha256, want 1", n)
		}
		if n := count(t, d, `SELECT count(*) FROM api_tokens WHERE hash = $1 OR hash = $2 OR name = $1`, secret, strings.TrimPrefix(secret, "stw_")); n != 0 {
			t.Errorf("the secret is stored in clear")
		}

		for _, bad := range []string{"", "garbage", "stw_", "stw_garbage", strings.TrimPrefix(secret, "stw_"), secret + "x", strings.ToUpper(secret), "stw_" + strings.Repeat("a", 200), hex.EncodeToString(sum[:])} {
			if _, err := svc.PrincipalForToken(ctx, bad); !errors.Is(err, fault.ErrUnauthenticated) {
				t.Errorf("PrincipalForToken(%q) = %v, want ErrUnauthenticated", bad, err)
			}
		}

		if _, _, err := svc.CreateToken(ctx, self, "bob@example.com", "steal"); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("token for someone else: %v, want ErrForbidden", err)
		}
		if _, _, err := svc.CreateToken(ctx, auth.Principal{UserID: other.ID, Role: auth.Agent}, "ada@example.com", "steal"); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("agent token for someone else: %v, want ErrForbidden", err)
		}
		_, _, err = svc.CreateToken(ctx, self, "ada@example.com", "  ")
		if diff := cmp.Diff([]string{"name"}, fieldsOf(t, err)); diff != "" {
			t.Errorf("blank token name fields (-want +got):\n%s", diff)
		}
		if n := count(t, d, `SELECT count(*) FROM api_tokens`); n != 1 {
			t.Errorf("%d tokens stored, want 1", n)
		}
		if n := count(t, d, `SELECT count(*) FROM audit WHERE action = 'token.create' AND entity_id = $1`, u.ID); n != 1 {
			t.Errorf("%d token.create audit rows, want 1", n)
		}
	})
}

func TestEnsureAdmin(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		svc := newService(d, newClock())
		ctx := context.Background()
		created, chosen, err := svc.EnsureAdmin(ctx, "admin@example.com", "")
		if err != nil || !created {
			t.Fatalf("EnsureAdmin on an empty database = %v, %v; want created", created, err)
		}
		if len(chosen) < auth.MinPasswordLength {
			t.Fatalf("chosen password %q is shorter than %d", chosen, auth.MinPasswordLength)
		}
		p, err := svc.Authenticate(ctx, "admin@example.com", chosen)
		if err != nil {
			t.Fatalf("Authenticate with the chosen password: %v", err)
		}
		if p.Role != auth.Admin {
			t.Errorf("role = %s, want admin", p.Role)
		}

		created, chosen, err = svc.EnsureAdmin(ctx, "other@example.com", "")
		if err != nil || created || chosen != "" {
			t.Errorf("second EnsureAdmin = %v, %q, %v; want nothing done", created, chosen, err)
		}
		if n := count(t, d, `SELECT count(*) FROM users`); n != 1 {
			t.Errorf("%d users, want 1", n)
		}
	})
}

func TestEnsureAdminKeepsAGivenPassword(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		svc := newService(d, newClock())
		created, chosen, err := svc.EnsureAdmin(context.Background(), "admin@example.com", goodPassword)
		if err != nil || !created || chosen != "" {
			t.Fatalf("EnsureAdmin = %v, %q, %v; want created with no chosen password", created, chosen, err)
		}
		if n := count(t, d, `SELECT count(*) FROM users WHERE role = 'admin' AND password_hash LIKE '$argon2id$%'`); n != 1 {
			t.Errorf("%d admins with a password hash, want 1", n)
		}
	})
}

func TestGroups(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		svc := newService(d, newClock())
		ctx := context.Background()
		requester := auth.Principal{UserID: 1000, Role: auth.Requester}
		agent := auth.Principal{UserID: 1000, Role: auth.Agent}

		if _, err := svc.CreateGroup(ctx, requester, auth.GroupInput{Name: "Sneaky"}); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("requester CreateGroup = %v, want ErrForbidden", err)
		}
		if _, err := svc.CreateGroup(ctx, agent, auth.GroupInput{Name: "Sneaky"}); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("agent CreateGroup = %v, want ErrForbidden", err)
		}
		g, err := svc.CreateGroup(ctx, auth.System, auth.GroupInput{Name: " Service Desk ", Description: "First line", Email: "desk@example.com"})
		if err != nil {
			t.Fatalf("CreateGroup: %v", err)
		}
		if g.ID == 0 || g.Name != "Service Desk" {
			t.Errorf("group = %+v", g)
		}
		_, err = svc.CreateGroup(ctx, auth.System, auth.GroupInput{Name: "service DESK"})
		if diff := cmp.Diff([]string{"name"}, fieldsOf(t, err)); diff != "" {
			t.Errorf("duplicate name fields (-want +got):\n%s", diff)
		}
		_, err = svc.CreateGroup(ctx, auth.System, auth.GroupInput{Name: "  "})
		if diff := cmp.Diff([]string{"name"}, fieldsOf(t, err)); diff != "" {
			t.Errorf("blank name fields (-want +got):\n%s", diff)
		}
		if n := count(t, d, `SELECT count(*) FROM groups`); n != 1 {
			t.Errorf("%d groups, want 1", n)
		}

		ada := newUser(t, svc, "ada@example.com", auth.Agent, "")
		bob := newUser(t, svc, "bob@example.com", auth.Agent, "")
		for _, m := range []struct {
			id        int64
			available bool
		}{{bob.ID, true}, {ada.ID, false}, {bob.ID, false}} { // the third changes bob's availability
			if err := svc.SetMember(ctx, auth.System, g.ID, m.id, m.available); err != nil {
				t.Fatalf("SetMember(%d): %v", m.id, err)
			}
		}
		members := func() []auth.Member {
			t.Helper()
			got, err := svc.Group(ctx, agent, g.ID)
			if err != nil {
				t.Fatalf("Group: %v", err)
			}
			return got.Members
		}
		want := []auth.Member{
			{UserID: ada.ID, Name: "Ada", Email: "ada@example.com", Available: false},
			{UserID: bob.ID, Name: "Bob", Email: "bob@example.com", Available: false},
		}
		if diff := cmp.Diff(want, members()); diff != "" {
			t.Errorf("members (-want +got):\n%s", diff)
		}
		if p, err := svc.PrincipalFor(ctx, ada.ID); err != nil || !slices.Equal(p.Groups, []int64{g.ID}) {
			t.Errorf("PrincipalFor(ada) = %+v, %v; want groups [%d]", p, err, g.ID)
		}

		if err := svc.RemoveMember(ctx, auth.System, g.ID, ada.ID); err != nil {
			t.Fatalf("RemoveMember: %v", err)
		}
		if diff := cmp.Diff(want[1:], members()); diff != "" {
			t.Errorf("members after removal (-want +got):\n%s", diff)
		}
		if err := svc.RemoveMember(ctx, auth.System, g.ID, ada.ID); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("second RemoveMember = %v, want ErrNotFound", err)
		}
		if err := svc.RemoveMember(ctx, requester, g.ID, bob.ID); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("requester RemoveMember = %v, want ErrForbidden", err)
		}
		if err := svc.SetMember(ctx, requester, g.ID, ada.ID, true); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("requester SetMember = %v, want ErrForbidden", err)
		}
		err = svc.SetMember(ctx, auth.System, g.ID, 999, true)
		if diff := cmp.Diff([]string{"user_id"}, fieldsOf(t, err)); diff != "" {
			t.Errorf("unknown user fields (-want +got):\n%s", diff)
		}
		if err := svc.SetMember(ctx, auth.System, g.ID+100, ada.ID, true); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("SetMember on a missing group = %v, want ErrNotFound", err)
		}
		if diff := cmp.Diff(want[1:], members()); diff != "" {
			t.Errorf("members after refused changes (-want +got):\n%s", diff)
		}
		if _, err := svc.Group(ctx, requester, g.ID); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("requester Group = %v, want ErrForbidden", err)
		}
		if _, err := svc.Group(ctx, agent, g.ID+100); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("Group of a missing id = %v, want ErrNotFound", err)
		}

		wantAudit := map[string]int64{"group.create": 1, "group.member_set": 3, "group.member_remove": 1}
		for action, want := range wantAudit {
			if n := count(t, d, `SELECT count(*) FROM audit WHERE action = $1 AND entity = 'group' AND entity_id = $2`, action, g.ID); n != want {
				t.Errorf("%d %s audit rows, want %d", n, action, want)
			}
		}
	})
}
