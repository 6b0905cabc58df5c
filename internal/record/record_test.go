package record_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"steward/internal/auth"
	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
	"steward/internal/platform/fault"
	"steward/internal/record"
)

var at = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// newUser creates an account; no password, so no hashing cost.
func newUser(t *testing.T, d *db.DB, email string, role auth.Role) int64 {
	t.Helper()
	u, err := auth.NewService(d).CreateUser(context.Background(), auth.System, auth.NewUser{Email: email, Name: email, Role: role})
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u.ID
}

// newRecord inserts an incident record requested by requesterID.
func newRecord(t *testing.T, d *db.DB, requesterID int64, title string) record.Record {
	t.Helper()
	r := record.Record{Type: record.TypeIncident, Title: title, State: "new", Impact: record.Medium,
		Urgency: record.Medium, Priority: 3, RequesterID: requesterID, OpenedAt: at, UpdatedAt: at}
	err := d.InTx(context.Background(), func(tx db.Querier) error { return record.Insert(context.Background(), tx, &r) })
	if err != nil {
		t.Fatalf("Insert: %v", err)
	}
	return r
}

func count(t *testing.T, d *db.DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := d.Read.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// fieldsOf returns the fields of a *fault.ValidationError, failing otherwise.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	names, ok := fault.FieldNames(err)
	if !ok {
		t.Fatalf("error = %v, want a *fault.ValidationError", err)
	}
	return names
}

func TestNumbers(t *testing.T) {
	t.Parallel()
	if got := record.FormatNumber(record.TypeIncident, 42); got != "INC0000042" {
		t.Errorf("FormatNumber = %q", got)
	}
	if got := record.FormatNumber(record.TypeChange, 12345678); got != "CHG12345678" {
		t.Errorf("FormatNumber(8 digits) = %q", got)
	}
	tests := []struct {
		in   string
		want record.Type
		ok   bool
	}{
		{"INC0000042", record.TypeIncident, true},
		{" inc0000042 ", record.TypeIncident, true},
		{"REQ0000001", record.TypeRequest, true},
		{"PRB0000001", record.TypeProblem, true},
		{"CHG12345678", record.TypeChange, true},
		{"INC0000000", record.TypeIncident, false},
		{"INC+000042", record.TypeIncident, false},
		{"INC-000042", record.TypeIncident, false},
		{"INC42", "", false},
		{"XYZ0000042", "", false},
		{"INC00000x2", record.TypeIncident, false},
		{"'; DROP TABLE", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := record.ParseNumber(tt.in)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("ParseNumber(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

var door = record.Machine{
	Initial: "closed",
	States: []record.State{
		{Name: "closed", Open: true}, {Name: "open", Open: true}, {Name: "locked"}, {Name: "gone", Final: true},
	},
	Transitions: []record.Transition{
		{From: "closed", To: "open"},
		{From: "open", To: "closed"},
		{From: "closed", To: "locked", Requires: []string{"key", "reason"}},
		{From: "locked", To: "gone"},
	},
}

func TestMachineCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from, to string
		values   map[string]string
		want     []string // fields in error; nil: allowed
	}{
		{"closed", "open", nil, nil},
		{"open", "open", nil, nil},
		{"closed", "locked", map[string]string{"key": "k", "reason": "r"}, nil},
		{"closed", "locked", map[string]string{"key": "k"}, []string{"reason"}},
		{"closed", "locked", nil, []string{"key", "reason"}},
		{"open", "locked", map[string]string{"key": "k", "reason": "r"}, []string{"state"}},
		{"gone", "open", nil, []string{"state"}},
		{"closed", "ajar", nil, []string{"state"}},
	}
	for _, tt := range tests {
		err := door.Check(tt.from, tt.to, tt.values)
		if tt.want == nil {
			if err != nil {
				t.Errorf("Check(%s -> %s) = %v, want nil", tt.from, tt.to, err)
			}
			continue
		}
		if diff := cmp.Diff(tt.want, fieldsOf(t, err)); diff != "" {
			t.Errorf("Check(%s -> %s) fields (-want +got):\n%s", tt.from, tt.to, diff)
		}
	}
	if got := door.OpenStates(); !slices.Equal(got, []string{"closed", "open"}) {
		t.Errorf("OpenStates = %v", got)
	}
	if got := door.Next("closed"); len(got) != 2 || got[0].To != "open" || got[1].To != "locked" {
		t.Errorf("Next(closed) = %+v", got)
	}
}

func TestDefaultMatrix(t *testing.T) {
	t.Parallel()
	want := map[[2]record.Level]int{
		{record.High, record.High}: 1, {record.High, record.Medium}: 2, {record.High, record.Low}: 3,
		{record.Medium, record.High}: 2, {record.Medium, record.Medium}: 3, {record.Medium, record.Low}: 4,
		{record.Low, record.High}: 3, {record.Low, record.Medium}: 4, {record.Low, record.Low}: 5,
	}
	for k, p := range want {
		if got := record.DefaultMatrix.Priority(k[0], k[1]); got != p {
			t.Errorf("Priority(impact %s, urgency %s) = %d, want %d", k[0], k[1], got, p)
		}
	}
	if err := record.DefaultMatrix.Validate(); err != nil {
		t.Errorf("DefaultMatrix.Validate() = %v", err)
	}
	bad := record.DefaultMatrix
	bad[0][2], bad[2][1] = 0, 6
	if diff := cmp.Diff([]string{"matrix[0][2]", "matrix[2][1]"}, fieldsOf(t, bad.Validate())); diff != "" {
		t.Errorf("Validate fields (-want +got):\n%s", diff)
	}
}

func TestMatrixIsStored(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if m, err := record.LoadMatrix(ctx, d.Read); err != nil || m != record.DefaultMatrix {
			t.Fatalf("LoadMatrix on empty settings = %v, %v; want the default", m, err)
		}
		bad := record.Matrix{{1, 1, 1}, {1, 9, 1}, {1, 1, 1}}
		if diff := cmp.Diff([]string{"matrix[1][1]"}, fieldsOf(t, record.SaveMatrix(ctx, d.Write, bad))); diff != "" {
			t.Errorf("SaveMatrix(bad) fields (-want +got):\n%s", diff)
		}
		flat := record.Matrix{{1, 1, 2}, {2, 2, 3}, {4, 4, 5}}
		if err := record.SaveMatrix(ctx, d.Write, flat); err != nil {
			t.Fatalf("SaveMatrix: %v", err)
		}
		if m, err := record.LoadMatrix(ctx, d.Read); err != nil || m != flat {
			t.Errorf("LoadMatrix = %v, %v; want %v", m, err, flat)
		}
	})
}

func TestParseSort(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    []record.SortKey
		wantErr bool
	}{
		{"", []record.SortKey{{Field: "updated_at", Desc: true}}, false},
		{"-priority,opened_at", []record.SortKey{{Field: "priority", Desc: true}, {Field: "opened_at"}}, false},
		{" number ", []record.SortKey{{Field: "number"}}, false},
		{"severity", nil, true},
		{"priority,-priority", nil, true},
		{"priority,,opened_at", nil, true},
		{"priority;DROP TABLE records", nil, true},
		{"number,priority,opened_at,updated_at", nil, true},
	}
	for _, tt := range tests {
		got, err := record.ParseSort(tt.in)
		if tt.wantErr {
			if diff := cmp.Diff([]string{"sort"}, fieldsOf(t, err)); diff != "" {
				t.Errorf("ParseSort(%q) fields (-want +got):\n%s", tt.in, diff)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseSort(%q) = %v", tt.in, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseSort(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestChanges(t *testing.T) {
	t.Parallel()
	a := record.Record{Title: "a", State: "new", Impact: record.High, Urgency: record.Low, Priority: 3, AssignmentGroupID: 7}
	b := a
	if got := record.Changes(&a, &b); len(got) != 0 {
		t.Errorf("Changes of equal records = %v", got)
	}
	b.Title, b.Impact, b.Priority, b.AssignmentGroupID, b.AssigneeID = "b", record.Low, 5, 0, 9
	want := []record.Change{
		{Field: "title", Old: "a", New: "b"},
		{Field: "impact", Old: "high", New: "low"},
		{Field: "priority", Old: "3", New: "5"},
		{Field: "assignment_group_id", Old: "7", New: ""},
		{Field: "assignee_id", Old: "", New: "9"},
	}
	if diff := cmp.Diff(want, record.Changes(&a, &b)); diff != "" {
		t.Errorf("Changes (-want +got):\n%s", diff)
	}
}

func TestNextSeqIsGapFreeAcrossRollbacks(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		next := func(fail bool) (int64, error) {
			var n int64
			err := d.InTx(ctx, func(tx db.Querier) error {
				var err error
				if n, err = record.NextSeq(ctx, tx, record.TypeProblem); err != nil {
					return err
				}
				if fail {
					return errAbandon
				}
				return nil
			})
			if fail && errors.Is(err, errAbandon) {
				err = nil
			}
			return n, err
		}
		for i, step := range []struct {
			fail bool
			want int64
		}{{false, 1}, {true, 2}, {false, 2}, {false, 3}} {
			if n, err := next(step.fail); err != nil || n != step.want {
				t.Fatalf("step %d (rolled back: %v) = %d, %v; want %d", i+1, step.fail, n, err, step.want)
			}
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		var got []int64
		for range 16 {
			wg.Go(func() {
				for range 4 {
					n, err := next(false)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					got = append(got, n)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		slices.Sort(got)
		for i, n := range got {
			if n != int64(i+4) {
				t.Fatalf("concurrent numbers = %v, want 4..67 without gaps", got)
			}
		}
		var n int64
		err := d.InTx(ctx, func(tx db.Querier) (err error) { n, err = record.NextSeq(ctx, tx, record.TypeChange); return err })
		if err != nil || n != 1 {
			t.Errorf("first change number = %d, %v; want 1 (each type counts on its own)", n, err)
		}
	})
}

var errAbandon = errors.New("abandon")

func TestInsertAndUpdateVersions(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		req := newUser(t, d, "ada@example.com", auth.Requester)
		r := newRecord(t, d, req, "Mail is down")
		if r.Number != "INC0000001" || r.Seq != 1 || r.Version != 1 || r.ID == 0 {
			t.Fatalf("inserted %+v", r)
		}
		got, err := record.ByNumber(ctx, d.Read, "INC0000001")
		if err != nil || got.Title != "Mail is down" || got.Names.Requester != "ada@example.com" || !got.OpenedAt.Equal(at) {
			t.Fatalf("ByNumber = %+v, %v", got, err)
		}
		write := func(r *record.Record, expect int64) error {
			return d.InTx(ctx, func(tx db.Querier) error { return record.Update(ctx, tx, r, expect) })
		}
		r.Title = "Mail is slow"
		if err := write(&r, 1); err != nil || r.Version != 2 {
			t.Fatalf("Update(expect 1) = %v, version %d", err, r.Version)
		}
		r.Title = "overwritten"
		var stale *fault.StaleError
		if err := write(&r, 1); !errors.As(err, &stale) || stale.Current != 2 {
			t.Fatalf("Update(expect 1 again) = %v, want *fault.StaleError{Current: 2}", err)
		}
		if got, _ := record.ByID(ctx, d.Read, r.ID); got.Title != "Mail is slow" || got.Version != 2 {
			t.Errorf("after stale update: %q version %d", got.Title, got.Version)
		}
		r.CategoryID = 999
		if diff := cmp.Diff([]string{"reference"}, fieldsOf(t, write(&r, 2))); diff != "" {
			t.Errorf("Update(unknown category) fields (-want +got):\n%s", diff)
		}
		var v int64
		err = d.InTx(ctx, func(tx db.Querier) (err error) { v, err = record.Touch(ctx, tx, r.ID, 2, at); return err })
		if err != nil || v != 3 {
			t.Errorf("Touch(expect 2) = %d, %v; want 3", v, err)
		}
		err = d.InTx(ctx, func(tx db.Querier) (err error) { v, err = record.Touch(ctx, tx, r.ID, 2, at); return err })
		if !errors.As(err, &stale) || stale.Current != 3 {
			t.Errorf("Touch(stale) = %v, want *fault.StaleError{Current: 3}", err)
		}
		err = d.InTx(ctx, func(tx db.Querier) (err error) { v, err = record.Touch(ctx, tx, r.ID, 0, at); return err })
		if err != nil || v != 4 {
			t.Errorf("Touch(expect 0) = %d, %v; want 4", v, err)
		}
		if _, err := record.ByNumber(ctx, d.Read, "INC0000099"); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("ByNumber(missing) = %v, want ErrNotFound", err)
		}
		if _, err := record.ByID(ctx, d.Read, 999); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("ByID(missing) = %v, want ErrNotFound", err)
		}
	})
}

func TestJournalHidesInternalEntries(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		req := newUser(t, d, "ada@example.com", auth.Requester)
		agent := newUser(t, d, "bob@example.com", auth.Agent)
		r := newRecord(t, d, req, "Printer jammed")
		err := d.InTx(ctx, func(tx db.Querier) error {
			for _, e := range []record.Entry{
				{Kind: record.Comment, ActorID: req, Body: "any news?"},
				{Kind: record.WorkNote, ActorID: agent, Body: "vendor ticket 77"},
				{Kind: record.System, Field: "attachment", NewValue: "log.txt"},
			} {
				e.RecordID, e.At = r.ID, at
				if err := record.Append(ctx, tx, &e); err != nil {
					return err
				}
			}
			return record.AppendChanges(ctx, tx, r.ID, agent, at, []record.Change{
				{Field: "state", Old: "new", New: "in_progress"},
				{Field: "assignee_id", Old: "", New: fmt.Sprint(agent)},
				{Field: "priority", Old: "3", New: "1"},
			}, map[string]string{"priority": "the CEO"})
		})
		if err != nil {
			t.Fatalf("append: %v", err)
		}
		summary := func(es []record.Entry) []string {
			var out []string
			for _, e := range es {
				out = append(out, fmt.Sprintf("%s %s %s>%s %s by %s", e.Kind, e.Field, e.OldValue, e.NewValue, e.Body, e.ActorName))
			}
			return out
		}
		all, err := record.Journal(ctx, d.Read, r.ID, true, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			"comment  > any news? by ada@example.com",
			"work_note  > vendor ticket 77 by bob@example.com",
			"system attachment >log.txt  by Steward",
			"field_change state new>in_progress  by bob@example.com",
			fmt.Sprintf("field_change assignee_id >%d  by bob@example.com", agent),
			"field_change priority 3>1 the CEO by bob@example.com",
		}
		if diff := cmp.Diff(want, summary(all)); diff != "" {
			t.Errorf("internal journal (-want +got):\n%s", diff)
		}
		public, err := record.Journal(ctx, d.Read, r.ID, false, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{want[0], want[3]}, summary(public)); diff != "" {
			t.Errorf("public journal (-want +got):\n%s", diff)
		}
		page, err := record.Journal(ctx, d.Read, r.ID, true, all[1].ID, 2)
		if err != nil || len(page) != 2 || page[0].ID != all[2].ID || page[1].ID != all[3].ID {
			t.Errorf("Journal(after %d, limit 2) = %v, %v", all[1].ID, summary(page), err)
		}
		if _, err := d.Write.ExecContext(ctx, `UPDATE journal SET body = 'forged' WHERE record_id = $1`, r.ID); err == nil {
			t.Error("UPDATE journal succeeded, want the append-only trigger to refuse it")
		}
		if again, _ := record.Journal(ctx, d.Read, r.ID, true, 0, 100); !cmp.Equal(all, again) {
			t.Errorf("journal changed by a refused UPDATE:\n%s", cmp.Diff(all, again))
		}
	})
}

func TestAttachStoresContentOnce(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		req := newUser(t, d, "ada@example.com", auth.Requester)
		r1, r2 := newRecord(t, d, req, "one"), newRecord(t, d, req, "two")
		data := []byte("\x00binary\x00\xff\xfe content")
		attach := func(recordID int64, name string) record.Attachment {
			a := record.Attachment{RecordID: recordID, Name: name, ContentType: "application/octet-stream", CreatedBy: req, CreatedAt: at}
			if err := d.InTx(ctx, func(tx db.Querier) error { return record.Attach(ctx, tx, &a, data) }); err != nil {
				t.Fatalf("Attach: %v", err)
			}
			return a
		}
		a1, a2 := attach(r1.ID, "a.bin"), attach(r2.ID, "b.bin")
		if a1.SHA256 != a2.SHA256 || a1.ID == a2.ID || a1.Size != int64(len(data)) {
			t.Errorf("attachments %+v and %+v", a1, a2)
		}
		if n := count(t, d, `SELECT count(*) FROM blobs`); n != 1 {
			t.Errorf("blobs = %d, want 1", n)
		}
		if n := count(t, d, `SELECT count(*) FROM attachments`); n != 2 {
			t.Errorf("attachments = %d, want 2", n)
		}
		if b, err := record.Blob(ctx, d.Read, a1.SHA256); err != nil || !bytes.Equal(b, data) {
			t.Errorf("Blob = %q, %v; want %q", b, err, data)
		}
		got, err := record.AttachmentByID(ctx, d.Read, a2.ID)
		if err != nil || got.RecordID != r2.ID || got.Name != "b.bin" || got.CreatedBy != req || !got.CreatedAt.Equal(at) {
			t.Errorf("AttachmentByID = %+v, %v", got, err)
		}
		if list, err := record.Attachments(ctx, d.Read, r1.ID); err != nil || len(list) != 1 || list[0].ID != a1.ID {
			t.Errorf("Attachments(r1) = %+v, %v", list, err)
		}
		if _, err := record.AttachmentByID(ctx, d.Read, 999); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("AttachmentByID(missing) = %v, want ErrNotFound", err)
		}
		if _, err := record.Blob(ctx, d.Read, "00"); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("Blob(missing) = %v, want ErrNotFound", err)
		}
	})
}

func TestLinksReadFromEitherSide(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		req := newUser(t, d, "ada@example.com", auth.Requester)
		a, b := newRecord(t, d, req, "child"), newRecord(t, d, req, "parent")
		add := func(from, to int64, kind record.LinkKind) (id int64, err error) {
			err = d.InTx(ctx, func(tx db.Querier) error {
				id, err = record.AddLink(ctx, tx, from, to, kind, req, at)
				return err
			})
			return id, err
		}
		id, err := add(a.ID, b.ID, "child_of")
		if err != nil {
			t.Fatal(err)
		}
		kinds := func(id int64) []string {
			ls, err := record.Links(ctx, d.Read, id)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, l := range ls {
				out = append(out, string(l.Kind)+" "+l.OtherNumber)
			}
			return out
		}
		if diff := cmp.Diff([]string{"child_of INC0000002"}, kinds(a.ID)); diff != "" {
			t.Errorf("links of a (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"parent_of INC0000001"}, kinds(b.ID)); diff != "" {
			t.Errorf("links of b (-want +got):\n%s", diff)
		}
		if _, err := add(b.ID, a.ID, "parent_of"); !errors.Is(err, fault.ErrConflict) {
			t.Errorf("same link from the other side = %v, want ErrConflict", err)
		}
		if _, err := add(a.ID, a.ID, "related_to"); err == nil || fieldsOf(t, err)[0] != "target" {
			t.Errorf("self link = %v, want a validation error on target", err)
		}
		if _, err := add(a.ID, b.ID, "blocks"); err == nil || fieldsOf(t, err)[0] != "kind" {
			t.Errorf("unknown kind = %v, want a validation error on kind", err)
		}
		for _, k := range record.LinkKinds() {
			if _, err := add(a.ID, b.ID, record.LinkKind(k)); err != nil && !errors.Is(err, fault.ErrConflict) {
				t.Errorf("AddLink(%s) = %v", k, err)
			}
		}
		c := newRecord(t, d, req, "unrelated")
		err = d.InTx(ctx, func(tx db.Querier) error { _, err := record.RemoveLink(ctx, tx, c.ID, id); return err })
		if !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("RemoveLink through an unrelated record = %v, want ErrNotFound", err)
		}
		var removed record.Link
		err = d.InTx(ctx, func(tx db.Querier) (err error) { removed, err = record.RemoveLink(ctx, tx, b.ID, id); return err })
		if err != nil || removed.Kind != "parent_of" || removed.OtherID != a.ID {
			t.Errorf("RemoveLink = %+v, %v", removed, err)
		}
		if slices.Contains(kinds(a.ID), "child_of INC0000002") {
			t.Error("link still there after RemoveLink")
		}
	})
}

func TestWatchers(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		req := newUser(t, d, "ada@example.com", auth.Requester)
		bob := newUser(t, d, "bob@example.com", auth.Requester)
		r := newRecord(t, d, req, "x")
		tx := func(fn func(tx db.Querier) error) error { return d.InTx(ctx, fn) }
		for range 2 {
			if err := tx(func(q db.Querier) error { return record.AddWatcher(ctx, q, r.ID, bob) }); err != nil {
				t.Fatalf("AddWatcher: %v", err)
			}
		}
		if err := tx(func(q db.Querier) error { return record.AddWatcher(ctx, q, r.ID, 999) }); err == nil || fieldsOf(t, err)[0] != "user_id" {
			t.Errorf("AddWatcher(unknown user) = %v", err)
		}
		ws, err := record.Watchers(ctx, d.Read, r.ID)
		if err != nil || len(ws) != 1 || ws[0].UserID != bob || ws[0].Email != "bob@example.com" {
			t.Errorf("Watchers = %+v, %v", ws, err)
		}
		if ok, _ := record.IsWatcher(ctx, d.Read, r.ID, bob); !ok {
			t.Error("IsWatcher(bob) = false")
		}
		if ok, _ := record.IsWatcher(ctx, d.Read, r.ID, req); ok {
			t.Error("IsWatcher(requester) = true")
		}
		var removed bool
		for i, want := range []bool{true, false} {
			if err := tx(func(q db.Querier) (err error) { removed, err = record.RemoveWatcher(ctx, q, r.ID, bob); return err }); err != nil || removed != want {
				t.Errorf("RemoveWatcher #%d = %v, %v; want %v", i+1, removed, err, want)
			}
		}
	})
}
