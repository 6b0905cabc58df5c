package record

import (
	"context"
	"fmt"
	"strings"
	"time"

	"steward/internal/platform/cursor"
	"steward/internal/platform/db"
	"steward/internal/platform/fault"
)

// Unassigned, as a group or assignee filter, matches records with none.
const Unassigned int64 = -1

// Filter selects records for a list. Zero fields do not filter.
type Filter struct {
	Type              Type
	States            []string
	AssignmentGroupID int64 // or Unassigned
	AssigneeID        int64 // or Unassigned
	RequesterID       int64
	Priorities        []int
	Query             string // full text over title and description
	// Active keeps records still being worked on: in no terminal state
	// (the stored active column, which queue indexes lead with).
	Active bool
	// DueBefore keeps records with a running SLA timer due before it
	// (overdue ones included); zero does not filter.
	DueBefore time.Time
	// VisibleTo limits results to records this user requested or watches
	// (the permission scope of a requester); 0 means no limit.
	VisibleTo int64
	// Extra is one more SQL condition on r (records), written by a practice
	// package for its own fields; never built from user input.
	Extra string
}

// SortKey is one column of a sort order.
type SortKey struct {
	Field string
	Desc  bool
}

// sortColumns are the columns a list may be sorted on: all NOT NULL, so
// keyset comparisons are exact.
var sortColumns = map[string]string{
	"number":     "r.seq",
	"priority":   "r.priority",
	"opened_at":  "r.opened_at",
	"updated_at": "r.updated_at",
	"due":        "r.sla_due_at",
}

// SortFields lists the names accepted in a sort order.
func SortFields() []string { return []string{"number", "priority", "opened_at", "updated_at", "due"} }

// ParseSort reads "-priority,opened_at". Unknown or repeated fields are a
// validation error on "sort". The default is newest update first.
func ParseSort(s string) ([]SortKey, error) {
	if strings.TrimSpace(s) == "" {
		return []SortKey{{Field: "updated_at", Desc: true}}, nil
	}
	var keys []SortKey
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		k := SortKey{Field: strings.TrimPrefix(part, "-"), Desc: strings.HasPrefix(part, "-")}
		if _, ok := sortColumns[k.Field]; !ok || seen[k.Field] {
			return nil, fault.Invalid("sort", "can sort on %s, each at most once, with - for descending", strings.Join(SortFields(), ", "))
		}
		seen[k.Field] = true
		keys = append(keys, k)
	}
	if len(keys) > 3 {
		return nil, fault.Invalid("sort", "at most 3 sort fields")
	}
	return keys, nil
}

func sortString(keys []SortKey) string {
	var parts []string
	for _, k := range keys {
		if k.Desc {
			parts = append(parts, "-"+k.Field)
		} else {
			parts = append(parts, k.Field)
		}
	}
	return strings.Join(parts, ",")
}

// Page is a page of a list and the cursor to the next one ("" at the end).
type Page struct {
	Records    []Record
	NextCursor string
}

type builder struct {
	where []string
	args  []any
}

func (b *builder) arg(v any) string {
	b.args = append(b.args, v)
	return fmt.Sprintf("$%d", len(b.args))
}

func (b *builder) in(col string, vals []any) {
	var ph []string
	for _, v := range vals {
		ph = append(ph, b.arg(v))
	}
	b.where = append(b.where, col+" IN ("+strings.Join(ph, ", ")+")")
}

func (b *builder) ref(col string, id int64) {
	switch {
	case id == Unassigned:
		b.where = append(b.where, col+" IS NULL")
	case id != 0:
		b.where = append(b.where, col+" = "+b.arg(id))
	}
}

// List returns one page of records matching f in the order keys, after the
// position in cur (empty for the first page). Pagination is by keyset: the
// query seeks past the last row seen through the matching index instead of
// counting rows to skip.
func List(ctx context.Context, d *db.DB, signer *cursor.Signer, f Filter, keys []SortKey, cur string, limit int) (Page, error) {
	sortSpec := sortString(keys)
	if page, ok, err := listNewestMatches(ctx, d, signer, f, keys, sortSpec, cur, limit); ok {
		return page, err
	}
	b := filterWhere(d, f)
	if cur != "" {
		vals, err := signer.Decode(cur, sortSpec, len(keys)+1)
		if err != nil {
			return Page{}, fault.Invalid("cursor", "is not a cursor from this list and sort order")
		}
		b.where = append(b.where, b.seek(keys, vals))
	}
	var order []string
	for _, k := range keys {
		order = append(order, sortColumns[k.Field]+dir(k.Desc))
	}
	order = append(order, "r.id"+dir(keys[len(keys)-1].Desc))
	// The page is chosen by id first, from an index where one fits, and
	// only its rows are then read with the names they refer to: reading and
	// joining every matching row before sorting costs as much as the queue.
	orderBy := " ORDER BY " + strings.Join(order, ", ")
	query := selectRecord + " WHERE r.id IN (SELECT r.id FROM records r WHERE " + strings.Join(b.where, " AND ") +
		orderBy + " " + db.Limit(limit+1) + ")" + orderBy
	return readPage(ctx, d, signer, query, b.args, keys, sortSpec, limit)
}

// listNewestMatches lists a full-text search newest first by walking the
// search index backwards where the engine can (see db.FullTextNewestFirst).
// Numbers are given in creation order, so the index's rowid order is the
// number order. ok is false when this path does not apply.
func listNewestMatches(ctx context.Context, d *db.DB, signer *cursor.Signer, f Filter, keys []SortKey, sortSpec, cur string, limit int) (Page, bool, error) {
	if len(keys) != 1 || keys[0] != (SortKey{Field: "number", Desc: true}) {
		return Page{}, false, nil
	}
	q := f.Query
	f.Query = ""
	b := filterWhere(d, f)
	from, match, order, arg, ok := d.FullTextNewestFirst("r", fmt.Sprintf("$%d", len(b.args)+1), q)
	if !ok {
		return Page{}, false, nil
	}
	b.args = append(b.args, arg)
	b.where = append(b.where, match)
	if cur != "" {
		vals, err := signer.Decode(cur, sortSpec, 2)
		if err != nil {
			return Page{}, true, fault.Invalid("cursor", "is not a cursor from this list and sort order")
		}
		b.where = append(b.where, b.seek(keys, vals), "records_fts.rowid < "+b.arg(vals[1]))
	}
	query := selectRecord + " WHERE r.id IN (SELECT r.id FROM " + from + " WHERE " + strings.Join(b.where, " AND ") +
		" ORDER BY " + order + " " + db.Limit(limit+1) + ") ORDER BY r.seq DESC, r.id DESC"
	page, err := readPage(ctx, d, signer, query, b.args, keys, sortSpec, limit)
	return page, true, err
}

// readPage runs a list query that returns up to limit+1 rows and makes the
// page and its next cursor.
func readPage(ctx context.Context, d *db.DB, signer *cursor.Signer, query string, args []any, keys []SortKey, sortSpec string, limit int) (Page, error) {
	rows, err := d.Read.QueryContext(ctx, query, args...)
	if err != nil {
		return Page{}, fmt.Errorf("record: list: %w", err)
	}
	defer rows.Close()
	var page Page
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return Page{}, err
		}
		page.Records = append(page.Records, r)
	}
	if err := rows.Err(); err != nil {
		return Page{}, err
	}
	if len(page.Records) > limit {
		page.Records = page.Records[:limit]
		last := page.Records[limit-1]
		page.NextCursor = signer.Encode(sortSpec, append(sortValues(&last, keys), last.ID))
	}
	return page, nil
}

// filterWhere turns f into WHERE conditions and their arguments.
func filterWhere(d *db.DB, f Filter) *builder {
	b := &builder{}
	b.where = append(b.where, "r.type = "+b.arg(string(f.Type)))
	if len(f.States) > 0 {
		vals := make([]any, len(f.States))
		for i, s := range f.States {
			vals[i] = s
		}
		b.in("r.state", vals)
	}
	if len(f.Priorities) > 0 {
		vals := make([]any, len(f.Priorities))
		for i, p := range f.Priorities {
			vals[i] = p
		}
		b.in("r.priority", vals)
	}
	b.ref("r.assignment_group_id", f.AssignmentGroupID)
	b.ref("r.assignee_id", f.AssigneeID)
	if f.RequesterID != 0 {
		b.where = append(b.where, "r.requester_id = "+b.arg(f.RequesterID))
	}
	if f.VisibleTo != 0 {
		p := b.arg(f.VisibleTo)
		b.where = append(b.where, "(r.requester_id = "+p+" OR r.id IN (SELECT record_id FROM watchers WHERE user_id = "+p+"))")
	}
	if f.Active {
		b.where = append(b.where, "r.active = TRUE")
	}
	if !f.DueBefore.IsZero() {
		b.where = append(b.where, "r.sla_due_at < "+b.arg(f.DueBefore.UnixMilli()))
	}
	if strings.TrimSpace(f.Query) != "" {
		frag, v := d.FullText("r", fmt.Sprintf("$%d", len(b.args)+1), f.Query)
		b.args = append(b.args, v)
		b.where = append(b.where, frag)
	}
	if f.Extra != "" {
		b.where = append(b.where, "("+f.Extra+")")
	}
	return b
}

// Count returns how many records match f (for queue counts).
func Count(ctx context.Context, d *db.DB, f Filter) (int64, error) {
	b := filterWhere(d, f)
	var n int64
	err := d.Read.QueryRowContext(ctx, "SELECT count(*) FROM records r WHERE "+strings.Join(b.where, " AND "), b.args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("record: count: %w", err)
	}
	return n, nil
}

func dir(desc bool) string {
	if desc {
		return " DESC"
	}
	return ""
}

// seek builds (k1 > v1) OR (k1 = v1 AND k2 > v2) OR ... with the id as the
// final tie-breaker, each comparison in its key's direction.
func (b *builder) seek(keys []SortKey, vals []int64) string {
	cols := make([]string, 0, len(keys)+1)
	descs := make([]bool, 0, len(keys)+1)
	for _, k := range keys {
		cols = append(cols, sortColumns[k.Field])
		descs = append(descs, k.Desc)
	}
	cols = append(cols, "r.id")
	descs = append(descs, keys[len(keys)-1].Desc)
	var ors []string
	for i := range cols {
		var ands []string
		for j := 0; j < i; j++ {
			ands = append(ands, cols[j]+" = "+b.arg(vals[j]))
		}
		op := " > "
		if descs[i] {
			op = " < "
		}
		ands = append(ands, cols[i]+op+b.arg(vals[i]))
		ors = append(ors, "("+strings.Join(ands, " AND ")+")")
	}
	return "(" + strings.Join(ors, " OR ") + ")"
}

func sortValues(r *Record, keys []SortKey) []int64 {
	out := make([]int64, 0, len(keys)+1)
	for _, k := range keys {
		switch k.Field {
		case "number":
			out = append(out, r.Seq)
		case "priority":
			out = append(out, int64(r.Priority))
		case "opened_at":
			out = append(out, r.OpenedAt.UnixMilli())
		case "updated_at":
			out = append(out, r.UpdatedAt.UnixMilli())
		case "due":
			out = append(out, r.DueKey())
		}
	}
	return out
}

// DueKey is the SLA due time as lists sort on it: milliseconds, NoDue when
// no timer runs.
func (r *Record) DueKey() int64 {
	if r.SLADueAt.IsZero() {
		return NoDue
	}
	return r.SLADueAt.UnixMilli()
}
