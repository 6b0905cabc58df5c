package record_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"steward/internal/auth"
	"steward/internal/platform/cursor"
	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
	"steward/internal/record"
)

// A search listed newest first pages through exactly the matching records
// in number order, with other filters applied, whichever way the engine
// reads them (SQLite walks its search index backwards).
func TestSearchNewestFirstPages(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		req := newUser(t, d, "searcher@example.com", auth.Requester)
		var want, wantP1 []string
		for i := range 130 {
			title := fmt.Sprintf("laptop dock %d", i)
			if i%3 == 0 {
				title = fmt.Sprintf("printer jam on floor %d", i)
			}
			r := newRecord(t, d, req, title)
			if i%3 == 0 {
				want = append(want, r.Number)
				if i%2 == 0 {
					if _, err := d.Write.ExecContext(ctx, "UPDATE records SET priority = 1 WHERE id = $1", r.ID); err != nil {
						t.Fatal(err)
					}
					wantP1 = append(wantP1, r.Number)
				}
			}
		}
		slices.Reverse(want)
		slices.Reverse(wantP1)
		signer := cursor.NewSigner([]byte("0123456789abcdef0123456789abcdef"))
		keys := []record.SortKey{{Field: "number", Desc: true}}
		list := func(f record.Filter, limit int) []string {
			var got []string
			cur := ""
			for range 20 {
				page, err := record.List(ctx, d, signer, f, keys, cur, limit)
				if err != nil {
					t.Fatalf("List(%+v): %v", f, err)
				}
				if len(page.Records) > limit {
					t.Fatalf("page of %d, limit %d", len(page.Records), limit)
				}
				for _, r := range page.Records {
					got = append(got, r.Number)
				}
				if cur = page.NextCursor; cur == "" {
					return got
				}
			}
			t.Fatal("more than 20 pages")
			return nil
		}
		if got := list(record.Filter{Type: record.TypeIncident, Query: "printer"}, 10); !slices.Equal(got, want) {
			t.Errorf("printer newest first =\n%v\nwant\n%v", got, want)
		}
		if got := list(record.Filter{Type: record.TypeIncident, Query: "print*", Priorities: []int{1}}, 4); !slices.Equal(got, wantP1) {
			t.Errorf("print* at P1 = %v, want %v", got, wantP1)
		}
		// Words match whole (stemmed) unless starred.
		if got := list(record.Filter{Type: record.TypeIncident, Query: "print"}, 10); len(got) != 0 {
			t.Errorf("print (a whole word) listed %v", got)
		}
		if got := list(record.Filter{Type: record.TypeIncident, Query: "printers"}, 10); !slices.Equal(got, want) {
			t.Errorf("printers (stemmed) =\n%v\nwant\n%v", got, want)
		}
		if got := list(record.Filter{Type: record.TypeIncident, Query: "nothing-like-this"}, 10); len(got) != 0 {
			t.Errorf("no match listed %v", got)
		}
		// A cursor from another order is refused, not misread.
		other, err := record.List(ctx, d, signer, record.Filter{Type: record.TypeIncident, Query: "printer"},
			[]record.SortKey{{Field: "updated_at", Desc: true}}, "", 5)
		if err != nil || other.NextCursor == "" {
			t.Fatalf("List by update: %v, cursor %q", err, other.NextCursor)
		}
		if _, err := record.List(ctx, d, signer, record.Filter{Type: record.TypeIncident, Query: "printer"}, keys, other.NextCursor, 5); err == nil {
			t.Error("a cursor from another sort order was accepted")
		} else if f := fieldsOf(t, err); !slices.Equal(f, []string{"cursor"}) {
			t.Errorf("fields = %v, want [cursor]", f)
		}
	})
}
