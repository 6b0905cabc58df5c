package auth_test

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"testing"

	"steward/internal/auth"
	"steward/internal/platform/fault"
)

var (
	requesterUp = []auth.Role{auth.Requester, auth.Agent, auth.Manager, auth.Admin}
	agentUp     = []auth.Role{auth.Agent, auth.Manager, auth.Admin}
	managerUp   = []auth.Role{auth.Manager, auth.Admin}
	adminOnly   = []auth.Role{auth.Admin}
)

// matrix is the intended permission matrix: the roles allowed each action.
var matrix = map[auth.Action][]auth.Role{
	auth.CreateRecord:     requesterUp,
	auth.AddComment:       requesterUp,
	auth.AddAttachment:    requesterUp,
	auth.ReadCatalogue:    requesterUp,
	auth.UpdateRecord:     agentUp,
	auth.OverridePriority: agentUp,
	auth.AddWorkNote:      agentUp,
	auth.ReadWorkNotes:    agentUp,
	auth.LinkRecords:      agentUp,
	auth.ManageWatchers:   agentUp,
	auth.ReadDirectory:    agentUp,
	auth.CreateForOthers:  agentUp,
	auth.ViewReports:      agentUp,
	auth.ApproveMajor:     managerUp,
	auth.ManageSLAs:       managerUp,
	auth.ManageDirectory:  adminOnly,
	auth.ManageSettings:   adminOnly,
	auth.ManageMail:       adminOnly,
}

// declaredActions returns the values of every Action constant in policy.go,
// so that a new action without a row in matrix fails the test.
func declaredActions(t *testing.T) []auth.Action {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "policy.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []auth.Action
	ast.Inspect(f, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		if id, ok := spec.Type.(*ast.Ident); !ok || id.Name != "Action" {
			return true
		}
		for _, v := range spec.Values {
			if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				s, _ := strconv.Unquote(lit.Value)
				out = append(out, auth.Action(s))
			}
		}
		return true
	})
	if len(out) == 0 {
		t.Fatal("found no Action constants in policy.go")
	}
	return out
}

func TestMatrixCoversEveryAction(t *testing.T) {
	t.Parallel()
	declared := declaredActions(t)
	for _, a := range declared {
		if _, ok := matrix[a]; !ok {
			t.Errorf("action %q has no row in the test matrix", a)
		}
	}
	if len(declared) != len(matrix) {
		t.Errorf("policy.go declares %d actions, the test matrix has %d", len(declared), len(matrix))
	}
}

func TestCan(t *testing.T) {
	t.Parallel()
	for action, allowed := range matrix {
		for _, role := range auth.Roles {
			want := slices.Contains(allowed, role)
			p := auth.Principal{UserID: 7, Role: role}
			if got := auth.Can(p, action); got != want {
				t.Errorf("Can(%s, %s) = %v, want %v", role, action, got, want)
			}
			err := auth.Require(p, action)
			if want && err != nil {
				t.Errorf("Require(%s, %s) = %v, want nil", role, action, err)
			}
			if !want && !errors.Is(err, fault.ErrForbidden) {
				t.Errorf("Require(%s, %s) = %v, want ErrForbidden", role, action, err)
			}
		}
	}
}

func TestNobodyCanDoUnknownActions(t *testing.T) {
	t.Parallel()
	for _, role := range auth.Roles {
		p := auth.Principal{UserID: 7, Role: role}
		if auth.Can(p, "record.delete_everything") {
			t.Errorf("%s may do an undeclared action", role)
		}
		if err := auth.Require(p, "record.delete_everything"); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("Require(%s, undeclared) = %v, want ErrForbidden", role, err)
		}
	}
}

func TestUnauthenticatedPrincipalsCanDoNothing(t *testing.T) {
	t.Parallel()
	principals := map[string]auth.Principal{
		"zero":         {},
		"unknown role": {UserID: 7, Name: "Mallory", Role: "root"},
		"empty role":   {UserID: 7, Name: "Mallory"},
	}
	for name, p := range principals {
		if p.Authenticated() {
			t.Errorf("%s principal is authenticated", name)
		}
		for action := range matrix {
			if auth.Can(p, action) {
				t.Errorf("%s principal may %s", name, action)
			}
			if err := auth.Require(p, action); !errors.Is(err, fault.ErrUnauthenticated) {
				t.Errorf("Require(%s principal, %s) = %v, want ErrUnauthenticated", name, action, err)
			}
		}
	}
}

func TestSystemCanDoEverything(t *testing.T) {
	t.Parallel()
	for action := range matrix {
		if err := auth.Require(auth.System, action); err != nil {
			t.Errorf("Require(System, %s) = %v", action, err)
		}
	}
}

func TestCanReadRecord(t *testing.T) {
	t.Parallel()
	const me, other = 7, 8
	tests := []struct {
		name string
		p    auth.Principal
		r    auth.RecordAccess
		want bool
	}{
		{"agent, someone else's record", auth.Principal{UserID: me, Role: auth.Agent}, auth.RecordAccess{RequesterID: other}, true},
		{"manager, someone else's record", auth.Principal{UserID: me, Role: auth.Manager}, auth.RecordAccess{RequesterID: other}, true},
		{"admin, someone else's record", auth.Principal{UserID: me, Role: auth.Admin}, auth.RecordAccess{RequesterID: other}, true},
		{"system, any record", auth.System, auth.RecordAccess{RequesterID: other}, true},
		{"requester, own record", auth.Principal{UserID: me, Role: auth.Requester}, auth.RecordAccess{RequesterID: me}, true},
		{"requester, watched record", auth.Principal{UserID: me, Role: auth.Requester}, auth.RecordAccess{RequesterID: other, Watcher: true}, true},
		{"requester, someone else's record", auth.Principal{UserID: me, Role: auth.Requester}, auth.RecordAccess{RequesterID: other}, false},
		{"requester without id, record without requester", auth.Principal{Role: auth.Requester}, auth.RecordAccess{}, false},
		{"zero principal, record without requester", auth.Principal{}, auth.RecordAccess{}, false},
		{"zero principal, someone's record", auth.Principal{}, auth.RecordAccess{RequesterID: other}, false},
		{"zero principal, flagged watcher", auth.Principal{}, auth.RecordAccess{RequesterID: other, Watcher: true}, false},
		{"unknown role, own record", auth.Principal{UserID: me, Role: "root"}, auth.RecordAccess{RequesterID: me}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := auth.CanReadRecord(tt.p, tt.r); got != tt.want {
				t.Fatalf("CanReadRecord = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRecordScope(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		p    auth.Principal
		want auth.Scope
	}{
		{"requester sees own and watched, no internals", auth.Principal{UserID: 7, Role: auth.Requester}, auth.Scope{VisibleTo: 7}},
		{"agent sees everything", auth.Principal{UserID: 7, Role: auth.Agent}, auth.Scope{Internal: true}},
		{"admin sees everything", auth.Principal{UserID: 7, Role: auth.Admin}, auth.Scope{Internal: true}},
		{"system sees everything", auth.System, auth.Scope{Internal: true}},
		// VisibleTo 0 means "no limit", so an anonymous caller must not get it.
		{"zero principal sees nothing", auth.Principal{}, auth.Scope{VisibleTo: -1}},
		{"unknown role sees nothing", auth.Principal{UserID: 7, Role: "root"}, auth.Scope{VisibleTo: -1}},
		{"requester without id sees nothing", auth.Principal{Role: auth.Requester}, auth.Scope{VisibleTo: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := auth.RecordScope(tt.p); got != tt.want {
				t.Fatalf("RecordScope = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestRoleOrder(t *testing.T) {
	t.Parallel()
	for i, r := range auth.Roles {
		if !r.Valid() {
			t.Errorf("%s is not valid", r)
		}
		for j, other := range auth.Roles {
			if got, want := r.AtLeast(other), i >= j; got != want {
				t.Errorf("%s.AtLeast(%s) = %v, want %v", r, other, got, want)
			}
		}
		if auth.Role("root").AtLeast(r) {
			t.Errorf("an unknown role is at least %s", r)
		}
	}
}
