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

// autoClose closes resolved incidents whose reopen time has passed, under a
// lease so that one node does it.
func (a *App) autoClose(ctx context.Context) {
	t := time.NewTicker(closeEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ok, err := lease.Acquire(ctx, a.DB.Write, "incident.auto_close", a.Node, time.Now(), closeEvery)
		if err != nil || !ok {
			continue
		}
		for {
			n, err := a.Incidents.CloseResolved(ctx, 200)
			if err != nil {
				a.Log.Error("auto-close resolved incidents", "err", err)
			}
			if n > 0 {
				a.Log.Info("closed resolved incidents", "count", n)
			}
			if err != nil || n < 200 {
				break
			}
		}
	}
}

// sweep removes expired sessions and old idempotency keys. It runs under a
// lease, so with several nodes only one does the work each round.
func (a *App) sweep(ctx context.Context) {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		ok, err := lease.Acquire(ctx, a.DB.Write, "housekeeping", a.Node, now, sweepEvery/2)
		if err != nil || !ok {
			continue
		}
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
	}
}

// slaEvery is how often due service level warnings and breaches are fired:
// well inside the promised 30 seconds.
const slaEvery = 5 * time.Second

// slaSweep fires due SLA warnings and breaches. The lease keeps one node at
// it at a time; the timers' own claim keeps each firing single even if two
// nodes overlap while a lease changes hands.
func (a *App) slaSweep(ctx context.Context) {
	t := time.NewTicker(slaEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ok, err := lease.Acquire(ctx, a.DB.Write, "sla.sweep", a.Node, time.Now(), 3*slaEvery)
		if err != nil || !ok {
			continue
		}
		for {
			n, err := a.SLAEngine.Sweep(ctx, time.Now().UTC(), sla.SweepBatch)
			if err != nil {
				a.Log.Error("sla sweep", "err", err)
			}
			if err != nil || n < sla.SweepBatch {
				break
			}
		}
	}
}
