package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"steward/internal/platform/db"
	"steward/internal/record"
)

// writer writes generated incidents with their journals and attachments.
type writer struct {
	d     *db.DB
	desk  *Desk
	texts *Texts
	r     *rand.Rand
	now   int64 // Unix ms: the newest incident is opened about now
	total int
}

// perTx is how many incidents one transaction writes: large enough that
// commits cost nothing, small enough that a PostgreSQL transaction stays
// modest and progress shows.
const perTx = 20_000

func (w *writer) run(ctx context.Context, progress func(int)) error {
	for from := 1; from <= w.total; from += perTx {
		to := min(from+perTx-1, w.total)
		if err := w.d.InTx(ctx, func(tx db.Querier) error { return w.chunk(ctx, tx, from, to) }); err != nil {
			return err
		}
		if progress != nil {
			progress(to)
		}
	}
	return w.d.InTx(ctx, func(tx db.Querier) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO counters (type, next_value) VALUES ('incident', $1)
ON CONFLICT (type) DO UPDATE SET next_value = excluded.next_value`, w.total); err != nil {
			return fmt.Errorf("bench: counter: %w", err)
		}
		if w.d.Dialect == db.Postgres { // ids were given explicitly; move the identity on
			if _, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('records', 'id'), (SELECT max(id) FROM records))`); err != nil {
				return fmt.Errorf("bench: records identity: %w", err)
			}
		}
		return nil
	})
}

// gen is one generated incident's facts.
type gen struct {
	seq                      int
	state                    string
	impact, urgency, prio    int
	group, assignee          int64 // zero: none
	requester                int64
	category, service        int64
	opened, updated, resolve int64 // Unix ms; resolve zero while open
	closed                   int64
}

// chunk writes incidents from..to (their ids and numbers) in tx.
func (w *writer) chunk(ctx context.Context, tx db.Querier, from, to int) error {
	recs := &batch{tx: tx, head: `INSERT INTO records (id, type, seq, number, title, description, state, impact, urgency, priority,
  category_id, service_id, requester_id, assignment_group_id, assignee_id, opened_at, updated_at, resolved_at, closed_at, version) VALUES `}
	exts := &batch{tx: tx, head: `INSERT INTO incidents (record_id, resolution_code, resolution_notes, first_assignee_id, resolution_time_ms) VALUES `, after: recs}
	jour := &batch{tx: tx, head: `INSERT INTO journal (record_id, kind, actor_id, at, field, old_value, new_value, body) VALUES `, after: recs}
	for seq := from; seq <= to; seq++ {
		g := w.incident(seq)
		title, desc := w.texts.Title(w.r, seq), w.texts.Description(w.r, seq)
		entries := w.entries(g)
		if err := recs.add(ctx, fmt.Sprintf("(%d, 'incident', %d, '%s', %s, %s, '%s', %d, %d, %d, %s, %s, %d, %s, %s, %d, %d, %s, %s, %d)",
			seq, seq, record.FormatNumber(record.TypeIncident, int64(seq)), quote(title), quote(desc), g.state, g.impact, g.urgency, g.prio,
			null(g.category), null(g.service), g.requester, null(g.group), null(g.assignee), g.opened, g.updated,
			null(g.resolve), null(g.closed), 1+len(entries)/2)); err != nil {
			return err
		}
		code, notes, took := "", "", "NULL"
		if g.resolve != 0 {
			code, notes, took = "solved", w.texts.Note(w.r), fmt.Sprint(g.resolve-g.opened)
		}
		if err := exts.add(ctx, fmt.Sprintf("(%d, '%s', %s, %s, %s)", seq, code, quote(notes), null(g.assignee), took)); err != nil {
			return err
		}
		for _, e := range entries {
			if err := jour.add(ctx, e); err != nil {
				return err
			}
		}
	}
	for _, b := range []*batch{recs, exts, jour} {
		if err := b.flush(ctx); err != nil {
			return err
		}
	}
	return w.attachments(ctx, tx, from, to)
}

// incident decides the facts of incident seq: opened over the last two
// years, about 5% open (mostly recent; a fifth of those new, untaken),
// 2% resolved, the rest closed; work spread over groups, agents, requesters, categories and
// services.
func (w *writer) incident(seq int) gen {
	d, r := w.desk, w.r
	g := gen{seq: seq, state: "closed", impact: 1 + r.IntN(3), urgency: 1 + r.IntN(3)}
	// Open work is recent: of the newest 6%, seven in ten are open and the
	// rest resolved; of the older ones, one in two hundred is still open.
	recent := seq > w.total-w.total*6/100
	switch k := r.IntN(200); {
	case recent && k < 140, !recent && k == 0:
		g.state = []string{"new", "in_progress", "in_progress", "in_progress", "on_hold"}[r.IntN(5)]
	case recent:
		g.state = "resolved"
	}
	g.prio = min(5, g.impact+g.urgency-1)
	g.requester = d.Requesters[r.IntN(len(d.Requesters))]
	g.category = d.Categories[r.IntN(len(d.Categories))]
	g.service = d.Services[r.IntN(len(d.Services))]
	g.group = d.Groups[r.IntN(len(d.Groups))]
	g.assignee = d.Agents[r.IntN(len(d.Agents))]
	if r.IntN(20) == 0 { // some of it is the bench agent's own work
		g.assignee = d.AgentID
	}
	if g.state == "new" {
		g.assignee = 0
		if r.IntN(2) == 0 {
			g.group = 0
		}
	}
	span := int64(2 * 365 * 24 * time.Hour / time.Millisecond)
	g.opened = w.now - span + span*int64(seq)/int64(w.total+1)
	g.updated = g.opened + int64(r.IntN(72*3600))*1000
	if g.state == "resolved" || g.state == "closed" {
		g.resolve = g.updated
	}
	if g.state == "closed" {
		g.closed = g.updated + 3*24*3600*1000
		g.updated = g.closed
	}
	return g
}

// entries makes the journal of g: its field changes along the lifecycle,
// and on average about two comments and work notes. Deterministic per
// incident, so the version can count them.
func (w *writer) entries(g gen) []string {
	r := rand.New(rand.NewPCG(uint64(g.seq), 7))
	var out []string
	at := g.opened
	add := func(kind string, actor int64, field, old, new, body string) {
		at += int64(1+r.IntN(600)) * 1000
		out = append(out, fmt.Sprintf("(%d, '%s', %s, %d, '%s', '%s', '%s', %s)", g.seq, kind, null(actor), at, field, old, new, quote(body)))
	}
	if g.assignee != 0 {
		add("field_change", g.assignee, "assignee_id", "", fmt.Sprint(g.assignee), "")
		add("field_change", g.assignee, "state", "new", "in_progress", "")
	}
	for range r.IntN(3) {
		add("comment", g.requester, "", "", "", w.texts.Note(r))
	}
	for range r.IntN(2) {
		add("work_note", g.assignee, "", "", "", w.texts.Note(r))
	}
	if g.resolve != 0 {
		add("field_change", g.assignee, "state", "in_progress", "resolved", "")
	}
	if g.closed != 0 {
		add("field_change", 0, "state", "resolved", "closed", "")
	}
	return out
}

// attachments gives about 3% of the incidents in from..to a screenshot or
// log file of 2-8 KB, through the record package's own Attach.
func (w *writer) attachments(ctx context.Context, tx db.Querier, from, to int) error {
	for seq := from; seq <= to; seq++ {
		if w.r.IntN(100) >= 3 {
			continue
		}
		data := make([]byte, 2048+w.r.IntN(6144))
		for i := range data {
			data[i] = byte(w.r.Uint32())
		}
		name, ctype := fmt.Sprintf("screenshot-%d.png", seq), "image/png"
		if seq%3 == 0 {
			name, ctype = fmt.Sprintf("error-%d.log", seq), "text/plain"
		}
		a := record.Attachment{RecordID: int64(seq), Name: name, ContentType: ctype,
			CreatedAt: time.UnixMilli(w.now - int64(w.total-seq)*60_000).UTC()}
		if err := record.Attach(ctx, tx, &a, data); err != nil {
			return err
		}
	}
	return nil
}

func null(id int64) string {
	if id == 0 {
		return "NULL"
	}
	return fmt.Sprint(id)
}
