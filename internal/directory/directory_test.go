package directory_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"steward/internal/auth"
	"steward/internal/directory"
	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
	"steward/internal/platform/fault"
)

// start is the fixed clock every test begins at.
func start() time.Time { return time.UnixMilli(1_750_000_000_000).UTC() }

func newDirectory(d *db.DB) *directory.Directory {
	dir := directory.New(d)
	dir.Now = start
	return dir
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func createOrganisation(t *testing.T, dir *directory.Directory, in directory.OrganisationInput) directory.Organisation {
	t.Helper()
	o, err := dir.CreateOrganisation(t.Context(), auth.System, in)
	noErr(t, err)
	return o
}

func createCategory(t *testing.T, dir *directory.Directory, in directory.CategoryInput) directory.Category {
	t.Helper()
	c, err := dir.CreateCategory(t.Context(), auth.System, in)
	noErr(t, err)
	return c
}

func createService(t *testing.T, dir *directory.Directory, in directory.ServiceInput) directory.Service {
	t.Helper()
	sv, err := dir.CreateService(t.Context(), auth.System, in)
	noErr(t, err)
	return sv
}

func count(t *testing.T, d *db.DB, table string) int {
	t.Helper()
	var n int
	if err := d.Read.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// auditActions lists the audited actions on one entity, oldest first.
func auditActions(t *testing.T, d *db.DB, entity string, id int64) []string {
	t.Helper()
	rows, err := d.Read.Query(`SELECT action FROM audit WHERE entity = $1 AND entity_id = $2 ORDER BY id`, entity, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

// wantField fails unless err is a validation error about field alone, and
// returns its message.
func wantField(t *testing.T, err error, field string) string {
	t.Helper()
	var v *fault.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("err = %v, want a validation error on %s", err, field)
	}
	if len(v.Fields) != 1 || v.Fields[0].Field != field {
		t.Fatalf("fields = %+v, want one on %s", v.Fields, field)
	}
	return v.Fields[0].Message
}

// unchanged fails if any of the tables changed while fn ran.
func unchanged(t *testing.T, d *db.DB, fn func()) {
	t.Helper()
	tables := []string{"organisations", "categories", "services", "audit"}
	before := map[string]int{}
	for _, tb := range tables {
		before[tb] = count(t, d, tb)
	}
	fn()
	for _, tb := range tables {
		if n := count(t, d, tb); n != before[tb] {
			t.Errorf("%s: %d rows, want %d", tb, n, before[tb])
		}
	}
}

func TestOrganisationLifecycle(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		dir := newDirectory(d)
		o := createOrganisation(t, dir, directory.OrganisationInput{Name: "  Acme ", Domain: " Acme.EXAMPLE"})
		want := directory.Organisation{ID: o.ID, Name: "Acme", Domain: "acme.example", CreatedAt: start(), UpdatedAt: start()}
		if diff := cmp.Diff(want, o); diff != "" {
			t.Fatalf("created (-want +got):\n%s", diff)
		}
		got, err := dir.Organisation(ctx, auth.System, o.ID)
		noErr(t, err)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("read (-want +got):\n%s", diff)
		}

		later := start().Add(time.Hour)
		dir.Now = func() time.Time { return later }
		u, err := dir.UpdateOrganisation(ctx, auth.System, o.ID, directory.OrganisationInput{Name: "Acme Corp"})
		noErr(t, err)
		want.Name, want.Domain, want.UpdatedAt = "Acme Corp", "", later
		if diff := cmp.Diff(want, u); diff != "" {
			t.Fatalf("updated (-want +got):\n%s", diff)
		}
		byName, err := dir.OrganisationByName(ctx, " ACME corp")
		noErr(t, err)
		if byName.ID != o.ID {
			t.Fatalf("by name: id %d, want %d", byName.ID, o.ID)
		}
		if diff := cmp.Diff([]string{"organisation.create", "organisation.update"}, auditActions(t, d, "organisation", o.ID)); diff != "" {
			t.Fatalf("audit (-want +got):\n%s", diff)
		}
		// A name is measured in characters, not bytes.
		createOrganisation(t, dir, directory.OrganisationInput{Name: strings.Repeat("é", 100)})
	})
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		dir := newDirectory(d)
		tests := []struct {
			name string
			op   func() error
		}{
			{"organisation", func() error { _, err := dir.Organisation(ctx, auth.System, 99); return err }},
			{"organisation by name", func() error { _, err := dir.OrganisationByName(ctx, "Nobody"); return err }},
			{"update organisation", func() error {
				_, err := dir.UpdateOrganisation(ctx, auth.System, 99, directory.OrganisationInput{Name: "X"})
				return err
			}},
			{"category", func() error { _, err := dir.Category(ctx, auth.System, 99); return err }},
			{"category by name", func() error { _, err := dir.CategoryByName(ctx, 0, "Nothing"); return err }},
			{"update category", func() error {
				_, err := dir.UpdateCategory(ctx, auth.System, 99, directory.CategoryInput{Name: "X", ParentID: 98})
				return err
			}},
			{"service", func() error { _, err := dir.ServiceByID(ctx, auth.System, 99); return err }},
			{"service by name", func() error { _, err := dir.ServiceByName(ctx, "Nothing"); return err }},
			{"update service", func() error {
				_, err := dir.UpdateService(ctx, auth.System, 99, directory.ServiceInput{Name: "X"})
				return err
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				unchanged(t, d, func() {
					if err := tt.op(); !errors.Is(err, fault.ErrNotFound) {
						t.Fatalf("err = %v, want not found", err)
					}
				})
			})
		}
	})
}

func TestListsPageByID(t *testing.T) {
	t.Parallel()
	ids := func(n int, id func(i int) int64) []int64 {
		out := make([]int64, n)
		for i := range out {
			out[i] = id(i)
		}
		return out
	}
	tests := []struct {
		name   string
		create func(ctx context.Context, dir *directory.Directory, i int) (int64, error)
		list   func(ctx context.Context, dir *directory.Directory, after int64) ([]int64, error)
	}{
		{
			name: "organisations",
			create: func(ctx context.Context, dir *directory.Directory, i int) (int64, error) {
				o, err := dir.CreateOrganisation(ctx, auth.System, directory.OrganisationInput{Name: fmt.Sprint("Org ", i)})
				return o.ID, err
			},
			list: func(ctx context.Context, dir *directory.Directory, after int64) ([]int64, error) {
				os, err := dir.Organisations(ctx, auth.System, after, 2)
				return ids(len(os), func(i int) int64 { return os[i].ID }), err
			},
		},
		{
			name: "categories",
			create: func(ctx context.Context, dir *directory.Directory, i int) (int64, error) {
				c, err := dir.CreateCategory(ctx, auth.System, directory.CategoryInput{Name: fmt.Sprint("Category ", i)})
				return c.ID, err
			},
			list: func(ctx context.Context, dir *directory.Directory, after int64) ([]int64, error) {
				cs, err := dir.Categories(ctx, auth.System, after, 2)
				return ids(len(cs), func(i int) int64 { return cs[i].ID }), err
			},
		},
		{
			name: "services",
			create: func(ctx context.Context, dir *directory.Directory, i int) (int64, error) {
				s, err := dir.CreateService(ctx, auth.System, directory.ServiceInput{Name: fmt.Sprint("Service ", i)})
				return s.ID, err
			},
			list: func(ctx context.Context, dir *directory.Directory, after int64) ([]int64, error) {
				ss, err := dir.Services(ctx, auth.System, after, 2)
				return ids(len(ss), func(i int) int64 { return ss[i].ID }), err
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
				ctx := t.Context()
				dir := newDirectory(d)
				var created []int64
				for i := range 5 {
					id, err := tt.create(ctx, dir, i)
					noErr(t, err)
					created = append(created, id)
				}
				var got [][]int64
				for after := int64(0); ; {
					page, err := tt.list(ctx, dir, after)
					noErr(t, err)
					got = append(got, page)
					if len(page) == 0 {
						break
					}
					after = page[len(page)-1]
				}
				want := [][]int64{created[0:2], created[2:4], created[4:5], {}}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("pages (-want +got):\n%s", diff)
				}
			})
		})
	}
}

func TestOrganisationValidation(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		dir := newDirectory(d)
		createOrganisation(t, dir, directory.OrganisationInput{Name: "Acme"})
		beta := createOrganisation(t, dir, directory.OrganisationInput{Name: "Beta", Domain: "beta.example"})
		tests := []struct {
			name  string
			in    directory.OrganisationInput
			field string
		}{
			{"blank name", directory.OrganisationInput{Name: "   "}, "name"},
			{"long name", directory.OrganisationInput{Name: strings.Repeat("x", 101)}, "name"},
			{"duplicate name", directory.OrganisationInput{Name: " ACME "}, "name"},
			{"spaces in domain", directory.OrganisationInput{Name: "Gamma", Domain: "not a domain"}, "domain"},
			{"single label", directory.OrganisationInput{Name: "Gamma", Domain: "localhost"}, "domain"},
			{"leading hyphen", directory.OrganisationInput{Name: "Gamma", Domain: "-gamma.example"}, "domain"},
			{"empty label", directory.OrganisationInput{Name: "Gamma", Domain: "gamma..example"}, "domain"},
			{"ip address", directory.OrganisationInput{Name: "Gamma", Domain: "10.0.0.1"}, "domain"},
			{"email", directory.OrganisationInput{Name: "Gamma", Domain: "ada@gamma.example"}, "domain"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				unchanged(t, d, func() {
					_, err := dir.CreateOrganisation(ctx, auth.System, tt.in)
					wantField(t, err, tt.field)
					_, err = dir.UpdateOrganisation(ctx, auth.System, beta.ID, tt.in)
					wantField(t, err, tt.field)
				})
				got, err := dir.Organisation(ctx, auth.System, beta.ID)
				noErr(t, err)
				if diff := cmp.Diff(beta, got); diff != "" {
					t.Fatalf("beta changed (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestCategoryTree(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		dir := newDirectory(d)
		hw := createCategory(t, dir, directory.CategoryInput{Name: "Hardware"})
		sw := createCategory(t, dir, directory.CategoryInput{Name: "Software", Active: new(false)})
		laptop := createCategory(t, dir, directory.CategoryInput{ParentID: hw.ID, Name: " Laptop "})
		want := directory.Category{ID: laptop.ID, ParentID: hw.ID, Name: "Laptop", Active: true,
			Path: "Hardware / Laptop", CreatedAt: start(), UpdatedAt: start()}
		if diff := cmp.Diff(want, laptop); diff != "" {
			t.Fatalf("created (-want +got):\n%s", diff)
		}
		if hw.Path != "Hardware" || !hw.Active || sw.Active {
			t.Fatalf("top level: %+v, %+v", hw, sw)
		}
		// Names are unique among siblings only.
		createCategory(t, dir, directory.CategoryInput{ParentID: hw.ID, Name: "Other"})
		createCategory(t, dir, directory.CategoryInput{ParentID: sw.ID, Name: "Other"})

		_, err := dir.UpdateCategory(ctx, auth.System, hw.ID, directory.CategoryInput{Name: "Computers"})
		noErr(t, err)
		read, err := dir.Category(ctx, auth.System, laptop.ID)
		noErr(t, err)
		if read.Path != "Computers / Laptop" {
			t.Fatalf("path after the parent's rename = %q", read.Path)
		}
		byName, err := dir.CategoryByName(ctx, hw.ID, "LAPTOP")
		noErr(t, err)
		if byName.ID != laptop.ID {
			t.Fatalf("by name: id %d, want %d", byName.ID, laptop.ID)
		}
		moved, err := dir.UpdateCategory(ctx, auth.System, laptop.ID, directory.CategoryInput{ParentID: sw.ID, Name: "Laptop", Active: new(false)})
		noErr(t, err)
		if moved.Path != "Software / Laptop" || moved.Active {
			t.Fatalf("moved: %+v", moved)
		}
		// An update without Active leaves it as it was.
		top, err := dir.UpdateCategory(ctx, auth.System, laptop.ID, directory.CategoryInput{Name: "Laptop"})
		noErr(t, err)
		if top.Path != "Laptop" || top.ParentID != 0 || top.Active {
			t.Fatalf("made top-level: %+v", top)
		}
		wantAudit := []string{"category.create", "category.update", "category.update"}
		if diff := cmp.Diff(wantAudit, auditActions(t, d, "category", laptop.ID)); diff != "" {
			t.Fatalf("audit (-want +got):\n%s", diff)
		}
	})
}

func TestCategoryValidation(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		dir := newDirectory(d)
		hw := createCategory(t, dir, directory.CategoryInput{Name: "Hardware"})
		sw := createCategory(t, dir, directory.CategoryInput{Name: "Software"})
		laptop := createCategory(t, dir, directory.CategoryInput{ParentID: hw.ID, Name: "Laptop"})
		tests := []struct {
			name  string
			id    int64 // zero to create
			in    directory.CategoryInput
			field string
		}{
			{"blank name", 0, directory.CategoryInput{Name: " "}, "name"},
			{"long name", 0, directory.CategoryInput{Name: strings.Repeat("x", 101)}, "name"},
			{"negative parent", 0, directory.CategoryInput{Name: "X", ParentID: -1}, "parent_id"},
			{"unknown parent", 0, directory.CategoryInput{Name: "X", ParentID: 9999}, "parent_id"},
			{"third level", 0, directory.CategoryInput{Name: "Battery", ParentID: laptop.ID}, "parent_id"},
			{"duplicate sibling", 0, directory.CategoryInput{Name: "laptop", ParentID: hw.ID}, "name"},
			{"duplicate top level", 0, directory.CategoryInput{Name: "HARDWARE"}, "name"},
			{"own parent", hw.ID, directory.CategoryInput{Name: "Hardware", ParentID: hw.ID}, "parent_id"},
			{"parent with children moved down", hw.ID, directory.CategoryInput{Name: "Hardware", ParentID: sw.ID}, "parent_id"},
			{"moved under a subcategory", sw.ID, directory.CategoryInput{Name: "Software", ParentID: laptop.ID}, "parent_id"},
			{"renamed onto a sibling", sw.ID, directory.CategoryInput{Name: "hardware"}, "name"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before, err := dir.Categories(ctx, auth.System, 0, 100)
				noErr(t, err)
				unchanged(t, d, func() {
					var err error
					if tt.id == 0 {
						_, err = dir.CreateCategory(ctx, auth.System, tt.in)
					} else {
						_, err = dir.UpdateCategory(ctx, auth.System, tt.id, tt.in)
					}
					msg := wantField(t, err, tt.field)
					if strings.HasPrefix(tt.name, "duplicate") && !strings.Contains(msg, "already exists") {
						t.Errorf("message %q does not say the name already exists", msg)
					}
				})
				after, err := dir.Categories(ctx, auth.System, 0, 100)
				noErr(t, err)
				if diff := cmp.Diff(before, after); diff != "" {
					t.Fatalf("categories changed (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestServiceLifecycle(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		dir := newDirectory(d)
		desk, err := auth.NewService(d).CreateGroup(ctx, auth.System, auth.GroupInput{Name: "Service Desk"})
		noErr(t, err)
		email := createService(t, dir, directory.ServiceInput{Name: "Email", Description: "Mail for all staff", OwnerGroupID: desk.ID})
		want := directory.Service{ID: email.ID, Name: "Email", Description: "Mail for all staff", OwnerGroupID: desk.ID,
			OwnerGroupName: "Service Desk", Active: true, CreatedAt: start(), UpdatedAt: start()}
		if diff := cmp.Diff(want, email); diff != "" {
			t.Fatalf("created (-want +got):\n%s", diff)
		}
		read, err := dir.ServiceByID(ctx, auth.System, email.ID)
		noErr(t, err)
		if diff := cmp.Diff(want, read); diff != "" {
			t.Fatalf("read (-want +got):\n%s", diff)
		}
		vpn := createService(t, dir, directory.ServiceInput{Name: "VPN"})
		if vpn.OwnerGroupID != 0 || vpn.OwnerGroupName != "" || !vpn.Active {
			t.Fatalf("unowned: %+v", vpn)
		}

		later := start().Add(time.Minute)
		dir.Now = func() time.Time { return later }
		u, err := dir.UpdateService(ctx, auth.System, email.ID, directory.ServiceInput{Name: "E-mail", Active: new(false)})
		noErr(t, err)
		want = directory.Service{ID: email.ID, Name: "E-mail", Active: false, CreatedAt: start(), UpdatedAt: later}
		if diff := cmp.Diff(want, u); diff != "" {
			t.Fatalf("updated (-want +got):\n%s", diff)
		}
		byName, err := dir.ServiceByName(ctx, "e-MAIL")
		noErr(t, err)
		if byName.ID != email.ID {
			t.Fatalf("by name: id %d, want %d", byName.ID, email.ID)
		}
		if diff := cmp.Diff([]string{"service.create", "service.update"}, auditActions(t, d, "service", email.ID)); diff != "" {
			t.Fatalf("audit (-want +got):\n%s", diff)
		}
	})
}

func TestServiceValidation(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		dir := newDirectory(d)
		createService(t, dir, directory.ServiceInput{Name: "Email"})
		vpn := createService(t, dir, directory.ServiceInput{Name: "VPN"})
		tests := []struct {
			name  string
			in    directory.ServiceInput
			field string
		}{
			{"blank name", directory.ServiceInput{Name: ""}, "name"},
			{"long name", directory.ServiceInput{Name: strings.Repeat("x", 101)}, "name"},
			{"duplicate name", directory.ServiceInput{Name: "EMAIL"}, "name"},
			{"long description", directory.ServiceInput{Name: "Web", Description: strings.Repeat("x", 2001)}, "description"},
			{"unknown owner group", directory.ServiceInput{Name: "Web", OwnerGroupID: 9999}, "owner_group_id"},
			{"negative owner group", directory.ServiceInput{Name: "Web", OwnerGroupID: -1}, "owner_group_id"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				unchanged(t, d, func() {
					_, err := dir.CreateService(ctx, auth.System, tt.in)
					msg := wantField(t, err, tt.field)
					if tt.name == "duplicate name" && !strings.Contains(msg, "already exists") {
						t.Errorf("message %q does not say the name already exists", msg)
					}
					_, err = dir.UpdateService(ctx, auth.System, vpn.ID, tt.in)
					wantField(t, err, tt.field)
				})
				got, err := dir.ServiceByID(ctx, auth.System, vpn.ID)
				noErr(t, err)
				if diff := cmp.Diff(vpn, got); diff != "" {
					t.Fatalf("vpn changed (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestPermissions(t *testing.T) {
	t.Parallel()
	requester := auth.Principal{UserID: 1, Role: auth.Requester}
	agent := auth.Principal{UserID: 2, Role: auth.Agent}
	anonymous := auth.Principal{}
	type op func(ctx context.Context, dir *directory.Directory, p auth.Principal) error
	addOrg := func(ctx context.Context, dir *directory.Directory, p auth.Principal) error {
		_, err := dir.CreateOrganisation(ctx, p, directory.OrganisationInput{Name: "Acme"})
		return err
	}
	updateOrg := func(ctx context.Context, dir *directory.Directory, p auth.Principal) error {
		_, err := dir.UpdateOrganisation(ctx, p, 1, directory.OrganisationInput{Name: "Acme"})
		return err
	}
	listOrgs := func(ctx context.Context, dir *directory.Directory, p auth.Principal) error {
		_, err := dir.Organisations(ctx, p, 0, 10)
		return err
	}
	addCategory := func(ctx context.Context, dir *directory.Directory, p auth.Principal) error {
		_, err := dir.CreateCategory(ctx, p, directory.CategoryInput{Name: "Hardware"})
		return err
	}
	updateCategory := func(ctx context.Context, dir *directory.Directory, p auth.Principal) error {
		_, err := dir.UpdateCategory(ctx, p, 1, directory.CategoryInput{Name: "Hardware"})
		return err
	}
	listCategories := func(ctx context.Context, dir *directory.Directory, p auth.Principal) error {
		_, err := dir.Categories(ctx, p, 0, 10)
		return err
	}
	addService := func(ctx context.Context, dir *directory.Directory, p auth.Principal) error {
		_, err := dir.CreateService(ctx, p, directory.ServiceInput{Name: "Email"})
		return err
	}
	updateService := func(ctx context.Context, dir *directory.Directory, p auth.Principal) error {
		_, err := dir.UpdateService(ctx, p, 1, directory.ServiceInput{Name: "Email"})
		return err
	}
	listServices := func(ctx context.Context, dir *directory.Directory, p auth.Principal) error {
		_, err := dir.Services(ctx, p, 0, 10)
		return err
	}
	tests := []struct {
		name  string
		actor auth.Principal
		op    op
		want  error // nil: allowed
	}{
		{"requester creates organisation", requester, addOrg, fault.ErrForbidden},
		{"requester updates organisation", requester, updateOrg, fault.ErrForbidden},
		{"requester lists organisations", requester, listOrgs, fault.ErrForbidden},
		{"requester creates category", requester, addCategory, fault.ErrForbidden},
		{"requester updates category", requester, updateCategory, fault.ErrForbidden},
		{"requester lists categories", requester, listCategories, nil},
		{"requester creates service", requester, addService, fault.ErrForbidden},
		{"requester updates service", requester, updateService, fault.ErrForbidden},
		{"requester lists services", requester, listServices, nil},
		{"agent creates service", agent, addService, fault.ErrForbidden},
		{"agent lists organisations", agent, listOrgs, nil},
		{"anonymous lists categories", anonymous, listCategories, fault.ErrUnauthenticated},
		{"anonymous lists services", anonymous, listServices, fault.ErrUnauthenticated},
	}
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		dir := newDirectory(d)
		createOrganisation(t, dir, directory.OrganisationInput{Name: "Seed"})
		createCategory(t, dir, directory.CategoryInput{Name: "Seed"})
		createService(t, dir, directory.ServiceInput{Name: "Seed"})
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				unchanged(t, d, func() {
					err := tt.op(ctx, dir, tt.actor)
					if !errors.Is(err, tt.want) { // errors.Is(err, nil) means err == nil
						t.Fatalf("err = %v, want %v", err, tt.want)
					}
				})
			})
		}
		cs, err := dir.Categories(ctx, requester, 0, 10)
		noErr(t, err)
		if len(cs) != 1 || cs[0].Name != "Seed" {
			t.Fatalf("requester's categories: %+v", cs)
		}
		ss, err := dir.Services(ctx, requester, 0, 10)
		noErr(t, err)
		if len(ss) != 1 || ss[0].Name != "Seed" {
			t.Fatalf("requester's services: %+v", ss)
		}
	})
}
