package web

import (
	"context"
	"strconv"
	"sync"
	"time"

	"steward/internal/auth"
)

// countTTL is how long a queue count is reused. Counts are in the
// navigation of every page, so they are kept briefly per agent (on this
// node) instead of being counted again on each click; an agent's own
// changes clear their counts at once.
const countTTL = 10 * time.Second

// countCache remembers recent queue counts per agent.
type countCache struct {
	mu   sync.Mutex
	byID map[int64]map[string]countEntry
}

type countEntry struct {
	n  int64
	at time.Time
}

func (c *countCache) get(user int64, key string) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byID[user][key]
	if !ok || time.Since(e.at) > countTTL {
		return 0, false
	}
	return e.n, true
}

func (c *countCache) put(user int64, key string, n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byID == nil || len(c.byID) > 10000 { // bound memory: start afresh
		c.byID = map[int64]map[string]countEntry{}
	}
	m := c.byID[user]
	if m == nil || len(m) > 200 {
		m = map[string]countEntry{}
		c.byID[user] = m
	}
	m[key] = countEntry{n: n, at: time.Now()}
}

// forget drops user's counts, after they changed something.
func (c *countCache) forget(user int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.byID, user)
}

// queueCount counts what spec lists for p, through the cache. A list that
// searches text has no count: counting every match of a common word costs
// more than the page.
func (s *Server) queueCount(ctx context.Context, p auth.Principal, spec listSpec) (int64, bool) {
	if spec.Filter.Query != "" {
		return 0, false
	}
	key := listSpec{Filter: spec.Filter}.query().Encode()
	if n, ok := s.counts.get(p.UserID, key); ok {
		return n, true
	}
	// Pages one agent opens at the same moment share one count.
	v, err, _ := s.countFlight.Do(strconv.FormatInt(p.UserID, 10)+" "+key, func() (any, error) {
		n, err := s.countList(ctx, p, spec)
		if err == nil {
			s.counts.put(p.UserID, key, n)
		}
		return n, err
	})
	n, _ := v.(int64)
	if err != nil {
		if ctx.Err() == nil {
			s.Log.WarnContext(ctx, "queue count", "err", err)
		}
		return 0, false
	}
	return n, true
}

// directoryTTL is how long the directory's options (groups, agents,
// categories, services) are reused between pages.
const directoryTTL = 30 * time.Second

// directoryCache holds the options, with and without the catalogue. They
// are read-only once made.
type directoryCache struct {
	mu      sync.Mutex
	entries [2]directoryEntry
}

type directoryEntry struct {
	opts directoryOptions
	at   time.Time
}

func (c *directoryCache) get(catalogue bool) (directoryOptions, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[b2i(catalogue)]
	if e.at.IsZero() || time.Since(e.at) > directoryTTL {
		return directoryOptions{}, false
	}
	return e.opts, true
}

func (c *directoryCache) put(catalogue bool, opts directoryOptions) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[b2i(catalogue)] = directoryEntry{opts: opts, at: time.Now()}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
