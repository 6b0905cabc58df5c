package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"steward/internal/auth"
	"steward/internal/directory"
	"steward/internal/platform/db"
)

// The account the workload signs in as; it works every group's queue.
const (
	AgentEmail    = "bench-agent@bench.example"
	AgentPassword = "bench agent password 42"
)

// Desk is what the workload needs to know about a generated data set.
type Desk struct {
	Incidents  int64
	AgentID    int64
	Groups     []int64
	Agents     []int64
	Requesters []int64
	Categories []int64
	Services   []int64
}

// GenOptions size a data set.
type GenOptions struct {
	Records int
	Texts   *Texts
	Seed    uint64
	Now     time.Time
	// Progress, if set, is told how many incidents are written so far.
	Progress func(done int)
}

// Services are the parts of a Steward the generator writes through.
type Services struct {
	DB        *db.DB
	Auth      *auth.Service
	Directory *directory.Directory
}

// Generate fills an empty Steward with o.Records incidents and the people,
// groups, categories and services they refer to. Accounts and reference
// data go through the services; incidents, their journals and attachments
// go straight into the tables in large transactions with multi-row inserts.
// A database that already holds incidents is reused as it is.
func Generate(ctx context.Context, s Services, o GenOptions) (*Desk, error) {
	if o.Texts == nil {
		o.Texts = &Texts{}
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	var have int64
	if err := s.DB.Read.QueryRowContext(ctx, `SELECT count(*) FROM records WHERE type = 'incident'`).Scan(&have); err != nil {
		return nil, fmt.Errorf("bench: count incidents: %w", err)
	}
	if have > 0 {
		return loadDesk(ctx, s)
	}
	r := rand.New(rand.NewPCG(o.Seed, o.Seed^0x5eed))
	if err := setup(ctx, s, o.Records); err != nil {
		return nil, err
	}
	desk, err := loadDesk(ctx, s)
	if err != nil {
		return nil, err
	}
	w := &writer{d: s.DB, desk: desk, texts: o.Texts, r: r, now: o.Now.UTC().UnixMilli(), total: o.Records}
	if err := w.run(ctx, o.Progress); err != nil {
		return nil, err
	}
	if err := analyze(ctx, s.DB); err != nil {
		return nil, err
	}
	return loadDesk(ctx, s)
}

// setup creates groups, categories and services through the services, and
// people in bulk (a service call per person would dominate a large run).
func setup(ctx context.Context, s Services, records int) error {
	desk := &Desk{}
	for _, name := range []string{"Service Desk", "Network", "End-User Computing", "Applications", "Database", "Identity",
		"Telephony", "Facilities IT", "Security", "Field Services", "Cloud Platform", "ERP Support"} {
		g, err := s.Auth.CreateGroup(ctx, auth.System, auth.GroupInput{Name: name})
		if err != nil {
			return fmt.Errorf("bench: group: %w", err)
		}
		desk.Groups = append(desk.Groups, g.ID)
	}
	for _, name := range []string{"Hardware", "Software", "Network", "Access", "Email", "Telephony", "Printing", "Security"} {
		parent, err := s.Directory.CreateCategory(ctx, auth.System, directory.CategoryInput{Name: name})
		if err != nil {
			return fmt.Errorf("bench: category: %w", err)
		}
		desk.Categories = append(desk.Categories, parent.ID)
		for _, sub := range []string{"Fault", "How-to", "Performance"} {
			c, err := s.Directory.CreateCategory(ctx, auth.System, directory.CategoryInput{ParentID: parent.ID, Name: sub})
			if err != nil {
				return fmt.Errorf("bench: category: %w", err)
			}
			desk.Categories = append(desk.Categories, c.ID)
		}
	}
	for i, name := range []string{"Email", "VPN", "ERP", "CRM", "Payroll", "Intranet", "File Shares", "Printing",
		"Telephony", "Wi-Fi", "Laptops", "Identity", "Data Warehouse", "Web Shop", "Video Conferencing"} {
		svc, err := s.Directory.CreateService(ctx, auth.System, directory.ServiceInput{Name: name, OwnerGroupID: desk.Groups[i%len(desk.Groups)]})
		if err != nil {
			return fmt.Errorf("bench: service: %w", err)
		}
		desk.Services = append(desk.Services, svc.ID)
	}
	agents := min(max(20, records/2000), 500)
	requesters := min(max(100, records/50), 20000)
	if err := insertPeople(ctx, s.DB, agents, requesters); err != nil {
		return err
	}
	// The workload's own agent, in two groups as agents usually are, with a
	// password to sign in.
	if _, err := s.Auth.CreateUser(ctx, auth.System, auth.NewUser{Email: AgentEmail, Name: "Bench Agent", Role: auth.Agent,
		Password: AgentPassword, Groups: desk.Groups[:2]}); err != nil {
		return fmt.Errorf("bench: agent: %w", err)
	}
	return nil
}

func insertPeople(ctx context.Context, d *db.DB, agents, requesters int) error {
	now := time.Now().UnixMilli()
	return d.InTx(ctx, func(tx db.Querier) error {
		b := &batch{tx: tx, head: `INSERT INTO users (email, name, role, created_at, updated_at) VALUES `}
		for i := range agents + requesters {
			role, email := "agent", fmt.Sprintf("agent%d@bench.example", i)
			if i >= agents {
				role, email = "requester", fmt.Sprintf("person%d@bench.example", i-agents)
			}
			name := firstNames[i%len(firstNames)] + " " + lastNames[(i/len(firstNames))%len(lastNames)]
			if err := b.add(ctx, fmt.Sprintf("(%s, %s, '%s', %d, %d)", quote(email), quote(name), role, now, now)); err != nil {
				return err
			}
		}
		if err := b.flush(ctx); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO group_members (group_id, user_id)
SELECT g.id, u.id FROM groups g JOIN users u ON u.role = 'agent' AND (u.id % 12 = g.id % 12 OR (u.id + 1) % 12 = g.id % 12)`)
		return err
	})
}

var (
	firstNames = []string{"Ada", "Alan", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "Edsger",
		"Radia", "Donald", "Katherine", "Tim", "Hedy", "John", "Sophie", "Niklaus", "Mary", "Bjarne"}
	lastNames = []string{"Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Thompson", "Liskov", "Ritchie", "Allen",
		"Dijkstra", "Perlman", "Knuth", "Johnson", "Berners-Lee", "Lamarr", "Backus", "Wilson", "Wirth", "Kenyon", "Stroustrup"}
)

// loadDesk reads back what the workload needs from a generated database.
func loadDesk(ctx context.Context, s Services) (*Desk, error) {
	desk := &Desk{}
	q := s.DB.Read
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM records WHERE type = 'incident'`).Scan(&desk.Incidents); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	if err := q.QueryRowContext(ctx, `SELECT id FROM users WHERE email = $1`, AgentEmail).Scan(&desk.AgentID); err != nil {
		return nil, fmt.Errorf("bench: this database was not made by steward bench (no %s): %w", AgentEmail, err)
	}
	lists := []struct {
		to  *[]int64
		sql string
	}{
		{&desk.Groups, `SELECT id FROM groups ORDER BY id`},
		{&desk.Agents, `SELECT id FROM users WHERE role = 'agent' AND id <> ` + strconv.FormatInt(desk.AgentID, 10) + ` ORDER BY id`},
		{&desk.Requesters, `SELECT id FROM users WHERE role = 'requester' ORDER BY id`},
		{&desk.Categories, `SELECT id FROM categories ORDER BY id`},
		{&desk.Services, `SELECT id FROM services ORDER BY id`},
	}
	for _, l := range lists {
		ids, err := column(ctx, q, l.sql)
		if err != nil {
			return nil, err
		}
		*l.to = ids
	}
	if len(desk.Groups) == 0 || len(desk.Agents) == 0 || len(desk.Requesters) == 0 {
		return nil, errors.New("bench: the database has no groups, agents or requesters")
	}
	return desk, nil
}

func column(ctx context.Context, q db.Querier, query string) ([]int64, error) {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// analyze refreshes the planner's statistics as a running instance's
// housekeeping does (PostgreSQL's autovacuum would too, given time).
func analyze(ctx context.Context, d *db.DB) error {
	if d.Dialect == db.Postgres {
		if _, err := d.Write.ExecContext(ctx, `ANALYZE`); err != nil {
			return fmt.Errorf("bench: analyze: %w", err)
		}
		return nil
	}
	if err := d.Optimize(ctx); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	return nil
}

// batch gathers literal rows for one multi-row INSERT. Literal values, not
// parameters: binding thousands of parameters per statement is what makes
// SQLite slow, and the values are our own.
type batch struct {
	tx   db.Querier
	head string
	rows []string
	// after, if set, is flushed first: the rows it holds are referred to.
	after *batch
}

const batchRows = 500

func (b *batch) add(ctx context.Context, row string) error {
	b.rows = append(b.rows, row)
	if len(b.rows) >= batchRows {
		return b.flush(ctx)
	}
	return nil
}

func (b *batch) flush(ctx context.Context) error {
	if len(b.rows) == 0 {
		return nil
	}
	if b.after != nil {
		if err := b.after.flush(ctx); err != nil {
			return err
		}
	}
	_, err := b.tx.ExecContext(ctx, b.head+strings.Join(b.rows, ", "))
	b.rows = b.rows[:0]
	if err != nil {
		return fmt.Errorf("bench: %s...: %w", b.head[:min(len(b.head), 40)], err)
	}
	return nil
}

// quote makes a SQL string literal (standard SQL: quotes doubled).
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
