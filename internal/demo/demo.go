// Package demo loads a made-up organisation into an empty Steward so that
// people can try it: customer organisations, a few hundred people, the
// assignment groups, categories and services, and some months of incidents
// worked through their whole lifecycle by named agents.
//
// Everything goes through the practices' own services, so numbers, the
// journal and the outbox are exactly what real use produces. The data is
// deterministic for a given seed and time.
package demo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"steward/internal/auth"
	"steward/internal/directory"
	"steward/internal/incident"
	"steward/internal/platform/db"
	"steward/internal/platform/fault"
	"steward/internal/platform/lease"
	"steward/internal/platform/settings"
	"steward/internal/record"
	"steward/internal/sla"
)

// The accounts people sign in with to look around.
const (
	AgentEmail     = "agent@demo.steward.localhost"
	RequesterEmail = "requester@demo.steward.localhost"
	Password       = "steward-demo"
)

// Settings keys and the lease that keep the load to one run, on one node.
const (
	loadedKey   = "demo_loaded"   // set when the load has finished
	progressKey = "demo_progress" // incidents done so far, to resume after an interruption
	leaseName   = "demo_load"
	leaseTTL    = 10 * time.Minute
)

const (
	defaultSeed      = 20260301
	defaultUsers     = 300
	defaultIncidents = 3000
	// span is how far back the incidents go.
	span = 120 * 24 * time.Hour
)

// Services are the services the demo goes through.
type Services struct {
	DB        *db.DB
	Auth      *auth.Service
	Directory *directory.Directory
	Incidents *incident.Service
	SLA       *sla.Service // optional: calendars and service levels
}

// Options size the demo organisation.
type Options struct {
	Seed      int64     // 0 means a fixed default
	Users     int       // generated people besides the two demo accounts; default 300, at least 10
	Incidents int       // default 3000
	Now       time.Time // the end of the simulated history; zero: time.Now()
}

func (o Options) withDefaults() Options {
	if o.Seed == 0 {
		o.Seed = defaultSeed
	}
	if o.Users <= 0 {
		o.Users = defaultUsers
	}
	o.Users = max(o.Users, 10)
	if o.Incidents < 0 {
		o.Incidents = 0
	} else if o.Incidents == 0 {
		o.Incidents = defaultIncidents
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	o.Now = o.Now.UTC().Truncate(time.Millisecond)
	return o
}

// Load loads the demo organisation once and returns how many incidents it
// created. It is safe to call on every start: once the demo is loaded, or
// while another node is loading it, it does nothing and returns 0. A load
// that was interrupted carries on where it stopped.
func Load(ctx context.Context, s Services, o Options) (int, error) {
	if _, done, err := settings.Get(ctx, s.DB.Read, loadedKey); err != nil || done {
		return 0, err
	}
	holder := "demo-" + auth.RandomSecret(9)
	if ok, err := lease.Acquire(ctx, s.DB.Write, leaseName, holder, time.Now(), leaseTTL); err != nil || !ok {
		return 0, err
	}
	defer lease.Release(context.WithoutCancel(ctx), s.DB.Write, leaseName, holder)
	// Another node may have finished between the check and the lease.
	if _, done, err := settings.Get(ctx, s.DB.Write, loadedKey); err != nil || done {
		return 0, err
	}
	o = o.withDefaults()
	l := &loader{s: s, o: o, holder: holder, r: rand.New(rand.NewPCG(uint64(o.Seed), uint64(o.Seed)^0x5eed_dead_beef))}
	if err := l.setup(ctx); err != nil {
		return 0, fmt.Errorf("demo: %w", err)
	}
	plans := l.plan()
	start := 0
	if v, ok, err := settings.Get(ctx, s.DB.Write, progressKey); err != nil {
		return 0, err
	} else if ok {
		start, _ = strconv.Atoi(v)
		start = min(max(start, 0), len(plans))
	}
	n, err := l.run(ctx, plans, start)
	if err != nil {
		return n, fmt.Errorf("demo: %w", err)
	}
	if err := settings.Put(ctx, s.DB.Write, loadedKey, o.Now.Format(time.RFC3339)); err != nil {
		return n, err
	}
	return n, nil
}

// person is a demo account.
type person struct {
	ID     int64
	Name   string
	First  string
	Email  string
	Role   auth.Role
	Org    int // index in orgSpecs
	Groups []int64
	weight int // how often they get picked for work
}

func (p *person) principal() auth.Principal {
	return auth.Principal{UserID: p.ID, Name: p.Name, Email: p.Email, Role: p.Role, Groups: p.Groups}
}

// group is an assignment group and the agents who can work its queue.
type group struct {
	ID     int64
	Name   string
	Agents []*person
}

func (g *group) pick(r *rand.Rand) *person {
	total := 0
	for _, a := range g.Agents {
		total += a.weight
	}
	n := r.IntN(total)
	for _, a := range g.Agents {
		if n -= a.weight; n < 0 {
			return a
		}
	}
	return g.Agents[len(g.Agents)-1]
}

type loader struct {
	s      Services
	o      Options
	r      *rand.Rand
	holder string

	orgIDs     []int64
	groups     []*group // in groupSpecs order: the service desk first
	byName     map[string]*group
	categories map[string]int64 // "Top" and "Top/Sub"
	services   map[string]int64
	requesters [][]*person // by organisation

	fixedAgent, fixedRequester *person
}

// setup creates (or finds, when an earlier load was interrupted) the
// organisations, groups, people, categories and services. They are dated
// a month before the incidents begin.
func (l *loader) setup(ctx context.Context) error {
	at := l.o.Now.Add(-span - 30*24*time.Hour)
	clock := func() time.Time { return at }
	as := *l.s.Auth
	as.Now = clock
	dir := *l.s.Directory
	dir.Now = clock
	tick := func() { at = at.Add(7 * time.Minute) }

	for _, spec := range orgSpecs {
		o, err := getOrCreate(
			func() (directory.Organisation, error) { return dir.OrganisationByName(ctx, spec.Name) },
			func() (directory.Organisation, error) {
				return dir.CreateOrganisation(ctx, auth.System, directory.OrganisationInput{Name: spec.Name, Domain: spec.Domain})
			})
		if err != nil {
			return fmt.Errorf("organisation %s: %w", spec.Name, err)
		}
		l.orgIDs = append(l.orgIDs, o.ID)
		tick()
	}
	l.byName = map[string]*group{}
	for _, spec := range groupSpecs {
		g, err := getOrCreate(
			func() (auth.Group, error) { return as.GroupByName(ctx, spec.Name) },
			func() (auth.Group, error) {
				return as.CreateGroup(ctx, auth.System, auth.GroupInput{Name: spec.Name, Description: spec.Description,
					Email: spec.Mailbox + "@" + orgSpecs[0].Domain})
			})
		if err != nil {
			return fmt.Errorf("group %s: %w", spec.Name, err)
		}
		gr := &group{ID: g.ID, Name: g.Name}
		l.groups = append(l.groups, gr)
		l.byName[spec.Name] = gr
		tick()
	}
	if err := l.setupPeople(ctx, &as, tick); err != nil {
		return err
	}
	l.categories = map[string]int64{}
	for _, top := range categoryTree {
		c, err := category(ctx, &dir, 0, top.Name)
		if err != nil {
			return err
		}
		l.categories[top.Name] = c.ID
		for _, sub := range top.Children {
			cc, err := category(ctx, &dir, c.ID, sub)
			if err != nil {
				return err
			}
			l.categories[top.Name+"/"+sub] = cc.ID
		}
		tick()
	}
	l.services = map[string]int64{}
	for _, spec := range serviceSpecs {
		sv, err := getOrCreate(
			func() (directory.Service, error) { return dir.ServiceByName(ctx, spec.Name) },
			func() (directory.Service, error) {
				return dir.CreateService(ctx, auth.System, directory.ServiceInput{Name: spec.Name, Description: spec.Description,
					OwnerGroupID: l.byName[spec.Owner].ID})
			})
		if err != nil {
			return fmt.Errorf("service %s: %w", spec.Name, err)
		}
		l.services[spec.Name] = sv.ID
		tick()
	}
	for _, g := range l.groups {
		if len(g.Agents) == 0 && g != l.groups[0] {
			l.byName[g.Name] = l.groups[0] // nobody to work it: the desk takes its incidents
		}
	}
	if len(l.groups[0].Agents) == 0 {
		return fmt.Errorf("no agent in the %s group", gDesk)
	}
	return l.setupServiceLevels(ctx)
}

func category(ctx context.Context, dir *directory.Directory, parent int64, name string) (directory.Category, error) {
	c, err := getOrCreate(
		func() (directory.Category, error) { return dir.CategoryByName(ctx, parent, name) },
		func() (directory.Category, error) {
			return dir.CreateCategory(ctx, auth.System, directory.CategoryInput{ParentID: parent, Name: name})
		})
	if err != nil {
		return c, fmt.Errorf("category %s: %w", name, err)
	}
	return c, nil
}

// setupPeople makes the two demo accounts and o.Users generated people:
// about 85% requesters, 12% agents (at least one per group) and a few
// managers. Only the demo accounts get a password: hashing is slow on
// purpose, and nobody signs in as the others.
func (l *loader) setupPeople(ctx context.Context, as *auth.Service, tick func()) error {
	r := l.r
	n := l.o.Users
	managers := max(1, int(math.Round(float64(n)*0.03)))
	agents := max(len(groupSpecs), int(math.Round(float64(n)*0.12)))
	requesters := max(n-managers-agents, 1)
	l.requesters = make([][]*person, len(orgSpecs))
	taken := map[string]bool{}

	type account struct {
		first, last, email string
		role               auth.Role
		org                int
		groups             []int64
		password           string
	}
	var accounts []account
	accounts = append(accounts,
		account{first: "Demo", last: "Agent", email: AgentEmail, role: auth.Agent, groups: []int64{l.groups[0].ID, l.groups[1].ID}, password: Password},
		account{first: "Demo", last: "Requester", email: RequesterEmail, role: auth.Requester, password: Password})
	newName := func(org int) account {
		for {
			first, last := pick(r, firstNames), pick(r, lastNames)
			local := emailPart(first) + "." + emailPart(last)
			email := local + "@" + orgSpecs[org].Domain
			for i := 2; taken[email]; i++ {
				email = local + strconv.Itoa(i) + "@" + orgSpecs[org].Domain
			}
			taken[email] = true
			return account{first: first, last: last, email: email, org: org}
		}
	}
	for i := range managers {
		a := newName(0)
		a.role, a.groups = auth.Manager, []int64{l.groups[i%len(l.groups)].ID}
		accounts = append(accounts, a)
	}
	weights := make([]int, len(groupSpecs))
	for i, g := range groupSpecs {
		weights[i] = g.Weight
	}
	for i := range agents {
		a := newName(0)
		a.role = auth.Agent
		first := i // the first few cover every group
		if i >= len(l.groups) {
			first = weighted(r, weights)
		}
		a.groups = []int64{l.groups[first].ID}
		if r.Float64() < 0.25 {
			if second := weighted(r, weights); second != first {
				a.groups = append(a.groups, l.groups[second].ID)
			}
		}
		accounts = append(accounts, a)
	}
	orgWeights := make([]int, len(orgSpecs))
	for i, o := range orgSpecs {
		orgWeights[i] = o.Weight
	}
	for range requesters {
		a := newName(weighted(r, orgWeights))
		a.role = auth.Requester
		accounts = append(accounts, a)
	}

	for i, a := range accounts {
		name := a.first + " " + a.last
		u, err := getOrCreate(
			func() (auth.User, error) { return as.UserByEmail(ctx, a.email) },
			func() (auth.User, error) {
				return as.CreateUser(ctx, auth.System, auth.NewUser{Email: a.email, Name: name, Role: a.role,
					Password: a.password, OrganisationID: l.orgIDs[a.org], Groups: a.groups})
			})
		if err != nil {
			return fmt.Errorf("user %s: %w", a.email, err)
		}
		// Work from what the account really is, in case it was there before.
		p := &person{ID: u.ID, Name: u.Name, First: strings.Fields(u.Name)[0], Email: u.Email, Role: u.Role,
			Org: a.org, Groups: u.Groups, weight: 1}
		if i == 0 {
			p.weight = 2 // the demo agent has a full queue
			l.fixedAgent = p
		}
		if i == 1 {
			l.fixedRequester = p
		}
		if p.Role == auth.Agent {
			for _, g := range l.groups {
				if slices.Contains(p.Groups, g.ID) {
					g.Agents = append(g.Agents, p)
				}
			}
		}
		if p.Role == auth.Requester && i != 1 {
			l.requesters[a.org] = append(l.requesters[a.org], p)
		}
		if i%10 == 0 {
			tick()
		}
	}
	for i := range l.requesters {
		if len(l.requesters[i]) == 0 {
			l.requesters[i] = []*person{l.fixedRequester}
		}
	}
	return nil
}

// emailPart turns a name into the letters of an email address.
func emailPart(name string) string {
	return strings.Map(func(c rune) rune {
		switch {
		case c >= 'a' && c <= 'z':
			return c
		case c >= 'A' && c <= 'Z':
			return c + 'a' - 'A'
		}
		return -1
	}, name)
}

func getOrCreate[T any](find, create func() (T, error)) (T, error) {
	v, err := find()
	if err == nil || !errors.Is(err, fault.ErrNotFound) {
		return v, err
	}
	return create()
}

// stepKind is what one step of an incident's history does.
type stepKind int

const (
	stepUpdate stepKind = iota
	stepComment
	stepNote
	stepDuplicate // link to the previous incident of the same kind
	stepConfirm   // the requester accepts the resolution, which closes it
)

type step struct {
	At    time.Time
	Kind  stepKind
	Actor *person
	Body  string
	Patch incident.Patch
	State string // the incident's state after the step
}

// plan is one incident's history, decided before anything is written.
type plan struct {
	At       time.Time
	Creator  *person
	In       incident.NewIncident
	Scenario int
	Steps    []step
}

func (p *plan) state() string {
	if len(p.Steps) == 0 {
		return incident.New
	}
	return p.Steps[len(p.Steps)-1].State
}

// plan decides every incident's history, oldest first, so that numbers
// follow the opening times. Steps after Now are left out: that is what
// makes recent incidents still open.
func (l *loader) plan() []plan {
	r := l.r
	times := make([]time.Time, l.o.Incidents)
	for i := range times {
		times[i] = l.openedAt()
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	weights := make([]int, len(scenarios))
	for i, sc := range scenarios {
		weights[i] = sc.Weight
	}
	plans := make([]plan, len(times))
	for i, at := range times {
		plans[i] = l.planOne(i, at, weighted(r, weights))
		steps := plans[i].Steps
		for len(steps) > 0 && steps[len(steps)-1].At.After(l.o.Now) {
			steps = steps[:len(steps)-1]
		}
		plans[i].Steps = steps
	}
	l.ensureStates(plans)
	return plans
}

// ensureStates makes sure that even a small demo shows each open state and
// resolved: when none ended that way, the latest incident that went
// through the state stops there instead.
func (l *loader) ensureStates(plans []plan) {
	count := map[string]int{}
	for i := range plans {
		count[plans[i].state()]++
	}
	for _, want := range []string{incident.Resolved, incident.InProgress, incident.OnHold, incident.New} {
		if count[want] > 0 {
			continue
		}
	search:
		for i := len(plans) - 1; i >= 0; i-- {
			p := &plans[i]
			if count[p.state()] < 2 {
				continue
			}
			for k := len(p.Steps) - 1; k >= -1; k-- {
				if k == -1 && want != incident.New {
					break
				}
				if k == -1 || p.Steps[k].State == want {
					count[p.state()]--
					p.Steps = p.Steps[:k+1]
					count[want]++
					break search
				}
			}
		}
	}
}

// openedAt draws when an incident was reported: mostly on weekdays in
// working hours, some in the evening and at weekends.
func (l *loader) openedAt() time.Time {
	r := l.r
	for {
		t := l.o.Now.Add(-time.Duration(r.Float64() * float64(span)))
		day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		if wd := day.Weekday(); (wd == time.Saturday || wd == time.Sunday) && r.Float64() > 0.12 {
			continue
		}
		hour := 7.5 + r.Float64()*10.5
		if r.Float64() < 0.08 {
			hour = r.Float64() * 24
		}
		t = day.Add(time.Duration(hour * float64(time.Hour)))
		if t.Before(l.o.Now) {
			return t
		}
	}
}

// planOne decides the history of incident i, opened at, of scenario sc.
func (l *loader) planOne(i int, at time.Time, si int) plan {
	r := l.r
	sc := &scenarios[si]
	chance := func(p float64) bool { return r.Float64() < p }
	between := func(lo, hi time.Duration) time.Duration { return logUniform(r, lo, hi) }

	org := weightedOrg(r)
	req := pick(r, l.requesters[org])
	if i%40 == 7 {
		req = l.fixedRequester
		org = req.Org
	}
	desk := l.groups[0]
	resolver := l.byName[sc.Group]
	triager := desk.pick(r)
	assignee := resolver.pick(r)
	if sc.Desk && chance(0.7) {
		assignee = triager
	}
	impact, urgency := levels(r, sc.Severity)
	byAgent := chance(0.2)
	if sc.Desk {
		byAgent = chance(0.4)
	}

	v := newVars(r, &orgSpecs[org], map[string]string{"first": req.First, "agent": assignee.First, "group": resolver.Name})
	in := incident.NewIncident{
		Title:       v.expand(pick(r, sc.Titles)),
		Description: description(r, v, sc, urgency, byAgent),
		Impact:      impact,
		Urgency:     urgency,
	}
	category := l.categories[sc.Top+"/"+sc.Sub]
	service := l.services[sc.Service] // zero when none
	if byAgent || chance(0.85) {
		in.CategoryID = category
	}
	if byAgent || chance(0.5) {
		in.ServiceID = service
	}
	p := plan{At: at, Creator: req, In: in, Scenario: si}
	if byAgent {
		p.Creator = triager
		p.In.RequesterID = req.ID
	}

	t := at
	add := func(s step) {
		if s.At.Before(t) {
			s.At = t
		}
		t = s.At
		p.Steps = append(p.Steps, s)
	}
	state := incident.New
	update := func(at time.Time, who *person, patch incident.Patch, to string) {
		if to != "" {
			patch.State, state = &to, to
		}
		add(step{At: at, Kind: stepUpdate, Actor: who, Patch: patch, State: state})
	}
	say := func(at time.Time, who *person, kind stepKind, tpl string) {
		add(step{At: at, Kind: kind, Actor: who, Body: v.expand(tpl), State: state})
	}
	work := func(d time.Duration) time.Time { return workTime(r, t.Add(d)) }
	later := func(d time.Duration) time.Time { return t.Add(d) }

	// A few are canceled before anyone works on them.
	if chance(0.025) {
		update(work(between(10*time.Minute, 4*time.Hour)), triager, incident.Patch{CancelReason: ptr(v.expand(pick(r, cancelReasons)))}, incident.Canceled)
		return p
	}

	// Triage: the desk routes it, sometimes to the wrong group first.
	first := resolver
	if others := l.otherGroups(resolver); !sc.Desk && len(others) > 0 && chance(0.08) {
		first = pick(r, others)
	}
	reassign := first != resolver
	triage := map[record.Level][2]time.Duration{
		record.High: {3 * time.Minute, 25 * time.Minute}, record.Medium: {5 * time.Minute, 2 * time.Hour}, record.Low: {10 * time.Minute, 5 * time.Hour}}[urgency]
	deskDoesIt := sc.Desk && assignee == triager
	if byAgent {
		p.In.AssignmentGroupID = first.ID
		if deskDoesIt {
			p.In.AssigneeID = triager.ID
		}
	}
	if !byAgent || deskDoesIt {
		patch := incident.Patch{AssignmentGroupID: &first.ID}
		if p.In.CategoryID == 0 {
			patch.CategoryID = &category
		}
		if p.In.ServiceID == 0 && service != 0 {
			patch.ServiceID = &service
		}
		to := ""
		if deskDoesIt {
			patch.AssigneeID, to = &triager.ID, incident.InProgress
		}
		when := work(between(triage[0], triage[1]))
		if !deskDoesIt && !reassign && chance(0.3) {
			say(when, triager, stepNote, pick(r, triageNotes))
		}
		if urgency != record.High && chance(0.04) {
			say(when, triager, stepNote, pick(r, urgencyNotes))
			patch.Urgency = ptr(record.High)
		}
		update(when, triager, patch, to)
	}
	if reassign {
		wrong := first.pick(r)
		v.memo["wrong_group"] = first.Name
		when := work(between(20*time.Minute, 26*time.Hour))
		say(when, wrong, stepNote, pick(r, reassignNotes))
		update(when, wrong, incident.Patch{AssignmentGroupID: &resolver.ID}, "")
	}
	// The assignee picks it up.
	if !deskDoesIt {
		update(work(between(triage[0], 3*triage[1])), assignee, incident.Patch{AssigneeID: &assignee.ID}, incident.InProgress)
	}
	if chance(0.7) {
		body := pick(r, acks)
		asked := chance(0.4)
		if asked {
			body += " " + pick(r, asks)
		}
		say(later(between(time.Minute, 25*time.Minute)), assignee, stepComment, body)
		if asked && chance(0.8) {
			say(later(between(10*time.Minute, 6*time.Hour)), req, stepComment, pick(r, replies))
		}
	}
	notes := append(slices.Clone(sc.Notes), pick(r, genericNotes))
	for k := range 1 + r.IntN(2) {
		tpl := notes[min(k, len(notes)-1)]
		if k > 0 || chance(0.2) {
			tpl = pick(r, notes)
		}
		say(work(between(15*time.Minute, 5*time.Hour)), assignee, stepNote, tpl)
	}

	// Waiting for someone.
	holdP := 0.15
	if sc.Hold != "" {
		holdP = 0.45
	}
	if chance(holdP) {
		reason := sc.Hold
		if reason == "" || chance(0.3) {
			reason = pick(r, []string{"awaiting_requester", "awaiting_requester", "awaiting_vendor"})
		}
		when := work(between(10*time.Minute, 3*time.Hour))
		update(when, assignee, incident.Patch{OnHoldReason: &reason}, incident.OnHold)
		say(when.Add(time.Minute), assignee, stepComment, pick(r, holdComments[reason]))
		if reason == "awaiting_requester" {
			say(later(between(4*time.Hour, 5*24*time.Hour)), req, stepComment, pick(r, holdBackReplies))
		} else {
			t = t.Add(between(24*time.Hour, 10*24*time.Hour))
		}
		when = work(between(5*time.Minute, 2*time.Hour))
		say(when, assignee, stepNote, pick(r, resumeNotes[reason]))
		update(when, assignee, incident.Patch{}, incident.InProgress)
	}

	// Resolve, about as long after opening as such incidents take.
	resolveAt := at.Add(resolveTime(r, impact, urgency, sc.Desk))
	if !resolveAt.After(t) {
		resolveAt = t.Add(between(10*time.Minute, 2*time.Hour))
	}
	t = workTime(r, resolveAt)
	code := resolutionCode(r)
	if code == "duplicate" {
		add(step{At: t, Kind: stepDuplicate, Actor: assignee, State: state})
	}
	resolve := func(code string) {
		notes := pick(r, sc.Fixes)
		if code != "solved" {
			notes = pick(r, otherResolutions[code])
		}
		n := v.expand(notes)
		update(t, assignee, incident.Patch{ResolutionCode: &code, ResolutionNotes: &n}, incident.Resolved)
	}
	resolve(code)
	if chance(0.3) {
		// A reply to a resolved incident would reopen it: a satisfied
		// requester confirms the resolution instead, which closes it.
		add(step{At: later(between(10*time.Minute, 20*time.Hour)), Kind: stepConfirm, Actor: req, State: incident.Closed})
		return p
	}
	if code == "solved" && chance(0.03) {
		// The requester's reply within the reopen window reopens it.
		say(later(between(2*time.Hour, 2*24*time.Hour)), req, stepComment, pick(r, reopenLines))
		state = incident.InProgress
		p.Steps[len(p.Steps)-1].State = state
		when := work(between(10*time.Minute, 3*time.Hour))
		say(when, assignee, stepNote, pick(r, genericNotes))
		t = work(between(2*time.Hour, 2*24*time.Hour))
		resolve(pick(r, []string{"solved", "workaround"}))
	}
	update(work(between(3*24*time.Hour, 7*24*time.Hour)), assignee, incident.Patch{}, incident.Closed)
	return p
}

// otherGroups lists the groups other than g that someone can work.
func (l *loader) otherGroups(g *group) []*group {
	var out []*group
	for _, x := range l.groups {
		if x != g && len(x.Agents) > 0 {
			out = append(out, x)
		}
	}
	return out
}

func description(r *rand.Rand, v *vars, sc *scenario, urgency record.Level, byAgent bool) string {
	k := min(1+r.IntN(3), len(sc.Details))
	var details []string
	for _, i := range r.Perm(len(sc.Details))[:k] {
		details = append(details, v.expand(sc.Details[i]))
	}
	body := strings.Join(details, " ")
	if r.Float64() < 0.6 {
		body += " " + v.expand(pick(r, sinceWhen))
	}
	if u := pick(r, urgencyLines[int(urgency)]); u != "" {
		body += " " + u
	}
	if byAgent {
		return v.expand(pick(r, phoneIntros)) + "\n\n\"" + body + "\""
	}
	if g := pick(r, greetings); g != "" {
		body = g + "\n\n" + body
	}
	return body + "\n\n" + v.expand(pick(r, signOffs))
}

// levels draws impact and urgency: most incidents are medium or low.
func levels(r *rand.Rand, severity int) (record.Level, record.Level) {
	impact := map[int][]int{-1: {0, 15, 85}, 0: {5, 30, 65}, 1: {25, 45, 30}}[severity]
	urgency := map[int][]int{-1: {2, 28, 70}, 0: {10, 50, 40}, 1: {35, 50, 15}}[severity]
	return record.Level(1 + weighted(r, impact)), record.Level(1 + weighted(r, urgency))
}

// resolveTime is how long after opening an incident is resolved.
func resolveTime(r *rand.Rand, impact, urgency record.Level, desk bool) time.Duration {
	h := time.Hour
	bounds := [][2]time.Duration{{30 * time.Minute, 6 * h}, {h, 24 * h}, {3 * h, 72 * h}, {8 * h, 6 * 24 * h}, {24 * h, 8 * 24 * h}}
	b := bounds[int(impact)+int(urgency)-2]
	if desk {
		b = [2]time.Duration{10 * time.Minute, 3 * h}
	}
	d := logUniform(r, b[0], b[1])
	if r.Float64() < 0.1 {
		d *= 3 // the long tail
	}
	return d
}

var resolutionWeights = []struct {
	code   string
	weight int
}{{"solved", 58}, {"workaround", 12}, {"user_error", 9}, {"not_reproducible", 8}, {"no_action_needed", 8}, {"duplicate", 5}}

func resolutionCode(r *rand.Rand) string {
	w := make([]int, len(resolutionWeights))
	for i, x := range resolutionWeights {
		w[i] = x.weight
	}
	return resolutionWeights[weighted(r, w)].code
}

// workTime moves t into working hours (08:00-18:00 on a weekday) if it is
// outside them.
func workTime(r *rand.Rand, t time.Time) time.Time {
	for {
		day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		wd := day.Weekday()
		switch {
		case wd == time.Saturday || wd == time.Sunday || t.Hour() >= 18:
			t = day.Add(24*time.Hour + 8*time.Hour + time.Duration(r.IntN(90))*time.Minute)
		case t.Hour() < 8:
			t = day.Add(8*time.Hour + time.Duration(r.IntN(90))*time.Minute)
		default:
			return t
		}
	}
}

func logUniform(r *rand.Rand, lo, hi time.Duration) time.Duration {
	return time.Duration(float64(lo) * math.Pow(float64(hi)/float64(lo), r.Float64()))
}

func weighted(r *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n -= w; n < 0 {
			return i
		}
	}
	return len(weights) - 1
}

func weightedOrg(r *rand.Rand) int {
	w := make([]int, len(orgSpecs))
	for i, o := range orgSpecs {
		w[i] = o.Weight
	}
	return weighted(r, w)
}

func ptr[T any](v T) *T { return &v }

// run writes the planned incidents from plans[start:], as the people in
// them, each step at its simulated time. It notes its progress so that an
// interrupted load resumes instead of starting over.
func (l *loader) run(ctx context.Context, plans []plan, start int) (int, error) {
	var now time.Time
	svc := *l.s.Incidents // a copy, so that its clock is ours alone
	svc.Now = func() time.Time { return now }
	last := map[int]string{} // scenario -> latest incident number
	created := 0
	checkpoint := func(done int) error {
		if err := settings.Put(ctx, l.s.DB.Write, progressKey, strconv.Itoa(done)); err != nil {
			return err
		}
		ok, err := lease.Acquire(ctx, l.s.DB.Write, leaseName, l.holder, time.Now(), leaseTTL)
		if err == nil && !ok {
			err = errors.New("lost the demo load lease to another node")
		}
		return err
	}
	for i := start; i < len(plans); i++ {
		p := &plans[i]
		now = p.At
		inc, _, err := svc.Create(ctx, p.Creator.principal(), p.In)
		if err != nil {
			return created, fmt.Errorf("incident %d: %w", i+1, err)
		}
		created++
		number, version := inc.Number, inc.Version
		for k := range p.Steps {
			st := &p.Steps[k]
			now = st.At
			actor := st.Actor.principal()
			switch st.Kind {
			case stepUpdate:
				inc, err = svc.Update(ctx, actor, number, version, st.Patch)
				if stale := (*fault.StaleError)(nil); errors.As(err, &stale) {
					inc, err = svc.Update(ctx, actor, number, stale.Current, st.Patch)
				}
				version = inc.Version
			case stepComment, stepNote:
				_, err = svc.Comment(ctx, actor, number, st.Kind == stepNote, st.Body)
				version++ // a comment moves the version on; Update retries once if not
			case stepConfirm:
				inc, err = svc.Confirm(ctx, actor, number, version)
				if stale := (*fault.StaleError)(nil); errors.As(err, &stale) {
					inc, err = svc.Confirm(ctx, actor, number, stale.Current)
				}
				version = inc.Version
			case stepDuplicate:
				if target := last[p.Scenario]; target != "" {
					_, err = svc.Link(ctx, actor, number, "duplicate_of", target)
				}
			}
			if err != nil {
				return created, fmt.Errorf("%s step %d: %w", number, k+1, err)
			}
		}
		last[p.Scenario] = number
		if (i+1)%25 == 0 {
			if err := checkpoint(i + 1); err != nil {
				return created, err
			}
		}
	}
	return created, checkpoint(len(plans))
}
