package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	"steward/internal/record"
)

// The operations of the workload, in report order.
const (
	OpCreate  = "create"
	OpRead    = "read"
	OpUpdate  = "update"
	OpComment = "comment"
	OpList    = "list"
	OpSearch  = "search"
	OpQueue   = "queue_html"
)

// Ops lists the operations in report order.
var Ops = []string{OpCreate, OpRead, OpUpdate, OpComment, OpList, OpSearch, OpQueue}

// Mix weighs the operations of a phase; an operation absent is not run.
type Mix map[string]int

// MixedMix is a service desk's day: mostly reads, a steady trickle of writes.
var MixedMix = Mix{OpCreate: 10, OpRead: 30, OpUpdate: 10, OpComment: 10, OpList: 15, OpSearch: 10, OpQueue: 15}

// CreateMix only creates incidents, to compare with the database's limit.
var CreateMix = Mix{OpCreate: 1}

// Target is a running Steward and the credentials to use it.
type Target struct {
	URL     string // http://127.0.0.1:8080, no trailing slash
	Token   string // API token (Bearer)
	Session string // steward_session cookie value of a signed-in agent; empty: no HTML page
	Desk    *Desk
	Texts   *Texts
}

// Recorders hold the latencies of each operation.
type Recorders map[string]*Recorder

// NewRecorders returns an empty recorder per operation.
func NewRecorders() Recorders {
	recs := Recorders{}
	for _, op := range Ops {
		recs[op] = &Recorder{}
	}
	return recs
}

// Summarise returns the statistics of the operations in mix over elapsed.
func (recs Recorders) Summarise(mix Mix, elapsed time.Duration) []Stats {
	var out []Stats
	for _, op := range Ops {
		if mix[op] > 0 {
			out = append(out, recs[op].Summarise(op, elapsed))
		}
	}
	return out
}

// Run drives t with clients concurrent clients for d, each picking its
// next operation from mix, records into recs and returns how long it ran.
func Run(ctx context.Context, t Target, mix Mix, clients int, d time.Duration, recs Recorders) time.Duration {
	hc := &http.Client{
		Transport: &http.Transport{MaxIdleConns: clients * 2, MaxIdleConnsPerHost: clients * 2, IdleConnTimeout: time.Minute},
		Timeout:   30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	defer hc.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for i := range clients {
		c := &client{t: t, hc: hc, r: rand.New(rand.NewPCG(uint64(i), uint64(start.UnixNano()))), recs: recs}
		// Labelled, so that a CPU profile can set the clients apart from
		// the server: go tool pprof -tagignore bench=client.
		wg.Go(func() { pprof.Do(ctx, pprof.Labels("bench", "client"), func(ctx context.Context) { c.loop(ctx, mix) }) })
	}
	wg.Wait()
	return time.Since(start)
}

// client is one simulated user agent; it keeps the incidents it created so
// that its updates and comments never race another client's.
type client struct {
	t    Target
	hc   *http.Client
	r    *rand.Rand
	recs Recorders
	mine []owned
	pick int // the incident of mine the next update changes
}

type owned struct {
	number string
	etag   string
}

func (c *client) loop(ctx context.Context, mix Mix) {
	total := 0
	for _, w := range mix {
		total += w
	}
	for ctx.Err() == nil {
		n := c.r.IntN(total)
		for _, op := range Ops {
			if n -= mix[op]; n < 0 {
				c.do(ctx, op)
				break
			}
		}
	}
}

// do runs op once and records it, unless the run ended during the request.
func (c *client) do(ctx context.Context, op string) {
	if op == OpQueue && c.t.Session == "" {
		return
	}
	if (op == OpUpdate || op == OpComment) && len(c.mine) == 0 {
		op = OpCreate
	}
	if op == OpUpdate {
		// Read what is about to change, as a client would, untimed: a
		// comment moved the version on since.
		c.pick = c.r.IntN(len(c.mine))
		m := &c.mine[c.pick]
		if m.etag == "" {
			etag, err := c.call(ctx, "GET", "/api/v1/incidents/"+m.number, nil, "", http.StatusOK, nil)
			if err != nil {
				return
			}
			m.etag = etag
		}
	}
	start := time.Now()
	err := c.op(ctx, op)
	took := time.Since(start)
	if ctx.Err() != nil {
		return
	}
	c.recs[op].Observe(took, err)
}

func (c *client) op(ctx context.Context, op string) error {
	d := c.t.Desk
	switch op {
	case OpCreate:
		body := map[string]any{"title": c.t.Texts.Title(c.r, c.r.IntN(1<<20)), "description": c.t.Texts.Description(c.r, c.r.IntN(1<<20)),
			"impact": levels[c.r.IntN(3)], "urgency": levels[c.r.IntN(3)],
			"category_id": d.Categories[c.r.IntN(len(d.Categories))], "service_id": d.Services[c.r.IntN(len(d.Services))]}
		var out struct{ Number string }
		etag, err := c.call(ctx, "POST", "/api/v1/incidents", body, "", http.StatusCreated, &out)
		if err == nil {
			c.mine = append(c.mine, owned{out.Number, etag})
			if len(c.mine) > 50 {
				c.mine = c.mine[1:]
			}
		}
		return err
	case OpRead:
		n := record.FormatNumber(record.TypeIncident, 1+c.r.Int64N(max(d.Incidents, 1)))
		_, err := c.call(ctx, "GET", "/api/v1/incidents/"+n, nil, "", http.StatusOK, nil)
		return err
	case OpUpdate:
		m := &c.mine[c.pick]
		body := map[string]any{"urgency": levels[c.r.IntN(3)], "ci_ref": fmt.Sprintf("host-%d", c.r.IntN(5000))}
		etag, err := c.call(ctx, "PATCH", "/api/v1/incidents/"+m.number, body, m.etag, http.StatusOK, nil)
		if err == nil {
			m.etag = etag
		}
		return err
	case OpComment:
		m := &c.mine[c.r.IntN(len(c.mine))]
		kind := []string{"comment", "work_note"}[c.r.IntN(2)]
		_, err := c.call(ctx, "POST", "/api/v1/incidents/"+m.number+"/comments", map[string]any{"body": c.t.Texts.Note(c.r), "kind": kind}, "", http.StatusCreated, nil)
		m.etag = "" // a comment moves the record's version on
		return err
	case OpList:
		// The workspace's queue order: most urgent first, then longest waiting.
		q := url.Values{"state": {"open"}, "sort": {"priority,updated_at"}, "limit": {"50"}}
		if c.r.IntN(2) == 0 {
			q.Set("assignment_group", fmt.Sprint(d.Groups[c.r.IntN(len(d.Groups))]))
		} else {
			q.Set("assignee", "me")
		}
		_, err := c.call(ctx, "GET", "/api/v1/incidents?"+q.Encode(), nil, "", http.StatusOK, nil)
		return err
	case OpSearch:
		q := url.Values{"q": {c.t.Texts.SearchWord(c.r)}, "limit": {"50"}}
		_, err := c.call(ctx, "GET", "/api/v1/incidents?"+q.Encode(), nil, "", http.StatusOK, nil)
		return err
	case OpQueue:
		return c.page(ctx, []string{"/queues/my-work", "/queues/unassigned", "/queues/open"}[c.r.IntN(3)])
	}
	return fmt.Errorf("unknown operation %q", op)
}

var levels = []string{"high", "medium", "low"}

// call makes one API request with the token and returns the ETag.
func (c *client) call(ctx context.Context, method, path string, body any, ifMatch string, want int, out any) (string, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return "", err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.t.URL+path, rd)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+c.t.Token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != want {
		return "", fmt.Errorf("%s %s = %d: %.200s", method, strings.SplitN(path, "?", 2)[0], resp.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return "", err
		}
	}
	return resp.Header.Get("ETag"), nil
}

// page fetches an HTML page as the signed-in agent.
func (c *client) page(ctx context.Context, path string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", c.t.URL+path, nil)
	if err != nil {
		return err
	}
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: c.t.Session})
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s = %d", path, resp.StatusCode)
	}
	return nil
}

const sessionCookie = "steward_session"

var csrfField = regexp.MustCompile(`<input type="hidden" name="csrf" value="([^"]+)">`)

// SignIn signs in at base as email and returns the session cookie's value.
func SignIn(ctx context.Context, base, email, password string) (string, error) {
	hc := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/login", nil)
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("bench: sign in: %w", err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindSubmatch(page)
	if m == nil {
		return "", errors.New("bench: sign in: no login form at " + base + "/login")
	}
	form := url.Values{"email": {email}, "password": {password}, "csrf": {string(m[1])}}
	req, _ = http.NewRequestWithContext(ctx, "POST", base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for _, ck := range resp.Cookies() {
		req.AddCookie(ck)
	}
	resp, err = hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("bench: sign in: %w", err)
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie && resp.StatusCode == http.StatusSeeOther {
			return ck.Value, nil
		}
	}
	return "", fmt.Errorf("bench: sign in as %s = %d", email, resp.StatusCode)
}
