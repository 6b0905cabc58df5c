package app

import (
	"context"
	"time"

	"steward/internal/auth"
	"steward/internal/platform/lease"
	"steward/internal/sla"
)

// sweepEvery is how often housekeeping runs, on one node at a time.
const sweepEvery = 10 * time.Minute

// closeEvery is how often resolved incidents past their auto-close time are
// closed.
const closeEvery = time.Minute

// leased runs work every interval on whichever node holds the named lease
// (held for ttl), so that with several nodes one does it each round.
func (a *App) leased(ctx context.Context, name string, interval, ttl time.Duration, work func(now time.Time)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		if ok, err := lease.Acquire(ctx, a.DB.Write, name, a.Node, now, ttl); err != nil || !ok {
			continue
		}
		work(now)
	}
}

// drain calls batch until it returns fewer than size items or fails.
func (a *App) drain(what string, size int, batch func() (int, error)) {
	for {
		n, err := batch()
		if err != nil {
			a.Log.Error(what, "err", err)
		}
		if err != nil || n < size {
			return
		}
	}
}

// autoClose closes resolved incidents whose reopen time has passed.
func (a *App) autoClose(ctx context.Context) {
	a.leased(ctx, "incident.auto_close", closeEvery, closeEvery, func(time.Time) {
		a.drain("auto-close resolved incidents", 200, func() (int, error) {
			n, err := a.Incidents.CloseResolved(ctx, 200)
			if n > 0 {
				a.Log.Info("closed resolved incidents", "count", n)
			}
			return n, err
		})
	})
}

// sweep removes expired sessions and old idempotency keys and refreshes
// the query planner's statistics where tables have grown. It runs under a
// lease, so with several nodes only one does the work each round.
func (a *App) sweep(ctx context.Context) {
	a.leased(ctx, "housekeeping", sweepEvery, sweepEvery/2, func(now time.Time) {
		if n, err := auth.NewSessionStore(a.DB).DeleteExpired(ctx); err != nil {
			a.Log.Error("sweep sessions", "err", err)
		} else if n > 0 {
			a.Log.Debug("swept expired sessions", "count", n)
		}
		cutoff := now.Add(-24 * time.Hour).UnixMilli()
		if _, err := a.DB.Write.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, cutoff); err != nil {
			a.Log.Error("sweep idempotency keys", "err", err)
		}
		if _, err := a.MailIn.Housekeep(ctx); err != nil {
			a.Log.Error("sweep mail sender counts", "err", err)
		}
		if err := a.DB.Optimize(ctx); err != nil {
			a.Log.Error("refresh planner statistics", "err", err)
		}
	})
}

// slaEvery is how often due service level warnings and breaches are fired:
// well inside the promised 30 seconds.
const slaEvery = 5 * time.Second

// slaSweep fires due SLA warnings and breaches. The lease keeps one node at
// it at a time; the timers' own claim keeps each firing single even if two
// nodes overlap while a lease changes hands.
func (a *App) slaSweep(ctx context.Context) {
	a.leased(ctx, "sla.sweep", slaEvery, 3*slaEvery, func(time.Time) {
		a.drain("sla sweep", sla.SweepBatch, func() (int, error) {
			return a.SLAEngine.Sweep(ctx, time.Now().UTC(), sla.SweepBatch)
		})
	})
}
