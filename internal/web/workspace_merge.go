package web

import (
	"cmp"
	"context"
	"strconv"
	"strings"
	"sync"

	"steward/internal/auth"
	"steward/internal/incident"
	"steward/internal/platform/fault"
	"steward/internal/record"
)

// listPage returns a page of what spec lists for p after cursor, and the
// cursor of the next page ("" at the end). A spec over several record
// filters (each of p's groups, and none) merges their pages.
func (s *Server) listPage(ctx context.Context, p auth.Principal, spec listSpec, cursor string, limit int) ([]incident.Incident, string, error) {
	filters, major, err := recordFilters(p, spec.Filter)
	if err != nil {
		return nil, "", err
	}
	list := func(i int, cur string, n int) ([]incident.Incident, string, error) {
		return s.Incidents.List(ctx, p, incident.ListInput{Filter: filters[i], Major: major, Sort: spec.Sort, Cursor: cur, Limit: n})
	}
	if len(filters) == 1 {
		return list(0, cursor, limit)
	}
	keys, err := record.ParseSort(spec.Sort)
	if err != nil {
		return nil, "", err
	}
	parts, err := parseMergeCursor(cursor, len(filters))
	if err != nil {
		return nil, "", err
	}
	pages, nexts, err := readParts(parts, limit, list)
	if err != nil {
		return nil, "", err
	}
	merged, used := mergePages(pages, keys, limit)
	more := false
	for i := range parts {
		parts[i] = parts[i].advance(used[i], len(pages[i]), nexts[i])
		if parts[i].skip > maxSkip-limit { // rare: move the cursor on
			if _, parts[i].cur, err = list(i, parts[i].cur, parts[i].skip); err != nil {
				return nil, "", err
			}
			parts[i].skip = 0
		}
		more = more || !parts[i].done
	}
	if !more {
		return merged, "", nil
	}
	return merged, formatMergeCursor(parts), nil
}

// mergePart is where one record filter of a merged list stands: a cursor
// of its own list, and how many rows after it were shown already. Keeping
// the count, rather than a cursor after the last row shown, spares a query
// per filter on every page.
type mergePart struct {
	cur  string
	skip int
	done bool
}

// maxSkip bounds how far past its cursor a part may stand.
const maxSkip = 150

// advance moves the part past the used rows of the page it read (n rows
// after its skip; next is the cursor after them).
func (m mergePart) advance(used, n int, next string) mergePart {
	switch {
	case m.done:
	case used == n && next == "":
		m.done = true
	case used == n:
		m.cur, m.skip = next, 0
	default:
		m.skip += used
	}
	return m
}

// readParts reads every part's rows at once, each on its own connection.
func readParts(parts []mergePart, limit int, list func(i int, cur string, n int) ([]incident.Incident, string, error)) ([][]incident.Incident, []string, error) {
	pages := make([][]incident.Incident, len(parts))
	nexts := make([]string, len(parts))
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, part := range parts {
		if part.done {
			continue
		}
		wg.Go(func() {
			rows, next, err := list(i, part.cur, part.skip+limit)
			if err == nil && len(rows) < part.skip {
				err = fault.Invalid("cursor", "is not a cursor from this list and sort order")
			}
			if err == nil {
				rows = rows[part.skip:]
			}
			pages[i], nexts[i], errs[i] = rows, next, err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, nil, err
		}
	}
	return pages, nexts, nil
}

// A merged cursor holds one part per filter, joined by ".": "x" for a part
// that is used up, else its cursor, with "~skip" when rows after it were
// shown.
func parseMergeCursor(c string, n int) ([]mergePart, error) {
	parts := make([]mergePart, n)
	if c == "" {
		return parts, nil
	}
	fields := strings.Split(c, ".")
	if len(fields) != n {
		return nil, fault.Invalid("cursor", "is not a cursor from this list and sort order")
	}
	for i, f := range fields {
		if f == "x" {
			parts[i].done = true
			continue
		}
		cur, skip, ok := strings.Cut(f, "~")
		parts[i].cur = cur
		if ok {
			k, err := strconv.Atoi(skip)
			if err != nil || k <= 0 || k > maxSkip {
				return nil, fault.Invalid("cursor", "is not a cursor from this list and sort order")
			}
			parts[i].skip = k
		}
	}
	return parts, nil
}

func formatMergeCursor(parts []mergePart) string {
	out := make([]string, len(parts))
	for i, p := range parts {
		switch {
		case p.done:
			out[i] = "x"
		case p.skip > 0:
			out[i] = p.cur + "~" + strconv.Itoa(p.skip)
		default:
			out[i] = p.cur
		}
	}
	return strings.Join(out, ".")
}

// mergePages merges sorted pages into the first limit rows in keys order,
// and says how many rows of each page it took.
func mergePages(pages [][]incident.Incident, keys []record.SortKey, limit int) ([]incident.Incident, []int) {
	used := make([]int, len(pages))
	var out []incident.Incident
	for len(out) < limit {
		best := -1
		for i, pg := range pages {
			if used[i] < len(pg) && (best < 0 || compareIncidents(&pg[used[i]], &pages[best][used[best]], keys) < 0) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		out = append(out, pages[best][used[best]])
		used[best]++
	}
	return out, used
}

// compareIncidents orders a and b as record.List does: by each key, then by
// id in the last key's direction.
func compareIncidents(a, b *incident.Incident, keys []record.SortKey) int {
	for _, k := range keys {
		var c int
		switch k.Field {
		case "number":
			c = cmp.Compare(a.Seq, b.Seq)
		case "priority":
			c = cmp.Compare(a.Priority, b.Priority)
		case "opened_at":
			c = a.OpenedAt.Compare(b.OpenedAt)
		case "updated_at":
			c = a.UpdatedAt.Compare(b.UpdatedAt)
		case "due":
			c = cmp.Compare(a.DueKey(), b.DueKey())
		}
		if k.Desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	c := cmp.Compare(a.ID, b.ID)
	if len(keys) > 0 && keys[len(keys)-1].Desc {
		c = -c
	}
	return c
}
